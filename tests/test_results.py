"""The types the sandbox and the runner share: statuses as the CSV files spell them, and the
events file's lines."""
from __future__ import annotations

import csv
import json

import pytest

from helpers.grading import KernelEvent, Result, Sandbox, Status, exports
from helpers.grading.results import Event, read_events


def test_statuses_print_as_the_words_of_the_csv_files(tmp_path):
    assert [str(s) for s in Status] == ["ok", "review", "missing", "error"]
    assert f"{Status.REVIEW:<8}|" == "review  |"
    results = [Result("ada", "01", 10, 10), Result("bob", "01", 0, 10, "missing"),
               Result("cy", "01", 0, 10, Status.ERROR, "broken")]
    exports.write_grades(results, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", newline="") as f:
        assert [r["status"] for r in csv.DictReader(f)] == ["ok", "missing", "error"]
    summary = exports.summary(results, tmp_path, Sandbox(enabled=True, hidden=[]))
    assert "ok           1\nreview       0\nmissing      1\nerror        1\n" in summary


def test_a_status_is_one_of_the_four():
    assert Result("ada", "01", status="missing").status is Status.MISSING
    with pytest.raises(ValueError):
        Result("ada", "01", status="late")


def test_kernel_events_go_through_the_events_file_unchanged(tmp_path):
    events = [KernelEvent(Event.TIMEOUT, "c1", "linreg", 20),
              KernelEvent(Event.DIED, "c2", None, 20),
              KernelEvent("processes", "c3", "count", None)]
    path = tmp_path / "events.jsonl"
    for e in events:
        e.append_to(path)
    assert read_events(path) == events
    assert json.loads(path.read_text().splitlines()[1]) == {
        "event": "died", "cell": "c2", "grade_id": None, "limit": 20}
    assert [e.describe() for e in events] == [
        "linreg ran over the 20 s limit and was stopped",
        "cell c2 killed its kernel (grading went on with a new one)",
        "count started too many processes and lost its kernel"]
    assert read_events(tmp_path / "none.jsonl") == []
