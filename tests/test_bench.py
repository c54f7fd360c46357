"""The benchmarks in bench/ run end to end and print their tables.

A smoke test only: the speed itself is measured by `make bench`, not asserted here.
"""
from __future__ import annotations

import importlib.util
import re

import pytest

from .conftest import REPO


def load_bench(name):
    """Import bench/<name>.py, which is a script, not a package module."""
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


@pytest.mark.slow
def test_bench_prints_times_accuracies_and_ratios_for_both_models(real_data, capsys):
    bench = load_bench("bench_fashion_mnist")
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
    bench = load_bench("bench_notebooks")
    assert bench.main([str(tmp_path / "tiny.ipynb")]) == 0
    row = [line for line in capsys.readouterr().out.splitlines() if line.startswith("tiny")][0]
    name, seconds, cell, cell_seconds = re.match(r"(\S+)\s+([\d.]+)\s+(\S+) \(([\d.]+) s\)", row).groups()
    assert cell == "sleepy" and float(cell_seconds) >= 0.3 and float(seconds) >= float(cell_seconds)


def test_grading_bench_grades_the_copies_and_prints_seconds_per_submission(capsys):
    bench = load_bench("bench_grading")
    assert bench.main(["-n", "1", "--jobs", "1", "--assignment", "01_linear_regression_scratch"]) == 0
    out = capsys.readouterr().out
    row = re.search(r"^\s+1\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)/1$", out, re.M)
    assert row, out
    threads, wall, per, slowest, full = row.groups()
    assert int(full) == 1 and float(wall) > 0
    assert float(per) == pytest.approx(float(wall), abs=0.1)   # one copy: rounded to .1 and .01
