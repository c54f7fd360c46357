"""bench/bench_fashion_mnist.py runs end to end and prints the comparison table.

A smoke test only: the speed itself is measured by `make bench`, not asserted here.
"""
from __future__ import annotations

import importlib.util
import re

import pytest

from .conftest import REPO


@pytest.mark.slow
def test_bench_prints_times_accuracies_and_ratios_for_both_models(real_data, capsys):
    spec = importlib.util.spec_from_file_location("bench_fashion_mnist",
                                                  REPO / "bench" / "bench_fashion_mnist.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--epochs", "1", "--batch-size", "1024", "--workers", "0"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "×" in line]
    assert [r.split("|")[1].strip() for r in rows] == ["softmax regression", "MLP (256 hidden)"]
    for row in rows:
        accuracies = [float(a) for a in re.findall(r"0\.\d{3}", row.split("|")[7])]
        assert len(accuracies) == 3 and min(accuracies) > 0.5


def test_notebook_bench_times_each_notebook_and_names_the_slowest_cell(tmp_path, capsys):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("import time; time.sleep(0.3)")])
    nb.cells[1].id = "sleepy"
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    spec = importlib.util.spec_from_file_location("bench_notebooks",
                                                  REPO / "bench" / "bench_notebooks.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main([str(tmp_path / "tiny.ipynb")]) == 0
    row = [line for line in capsys.readouterr().out.splitlines() if line.startswith("tiny")][0]
    name, seconds, cell, cell_seconds = re.match(r"(\S+)\s+([\d.]+)\s+(\S+) \(([\d.]+) s\)", row).groups()
    assert cell == "sleepy" and float(cell_seconds) >= 0.3 and float(seconds) >= float(cell_seconds)
