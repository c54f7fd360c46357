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
