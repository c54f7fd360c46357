"""Does the grader read a submissions folder safely, and write CSVs a spreadsheet cannot run?"""
from __future__ import annotations

import csv
import os

import pytest

from helpers import grading
from helpers.grading import exports
from helpers.grading.results import ExerciseResult, Result, Status
from helpers.grading.submissions import Refused, find_submissions, read_notebook

from .conftest import solution_path

NB = "01_linear_regression_scratch"


def student(root, name, text="{}", nested=False):
    folder = root / name / NB if nested else root / name
    folder.mkdir(parents=True)
    (folder / f"{NB}.ipynb").write_text(text)
    return folder / f"{NB}.ipynb"


def reason(found, name) -> str:
    entry = found[name][NB]
    assert isinstance(entry, Refused), entry
    return entry.reason


def test_a_student_id_must_match_as_a_whole(tmp_path):
    student(tmp_path, "honest1")
    student(tmp_path, "honest1\n")        # `$` in a regex matches before a trailing newline
    student(tmp_path, "-rm")
    found = find_submissions(tmp_path, [NB])
    assert found["honest1"] == {NB: tmp_path / "honest1" / f"{NB}.ipynb"}
    assert "not a valid student id" in reason(found, "honest1\n")
    assert "not a valid student id" in reason(found, "-rm")


def test_two_folders_for_the_same_student_are_both_refused(tmp_path):
    student(tmp_path, "Alice")
    student(tmp_path, "alice", nested=True)
    student(tmp_path, "bob")
    found = find_submissions(tmp_path, [NB])
    for name in ("Alice", "alice"):
        assert reason(found, name) == "folders Alice, alice name the same student: keep one"
    assert isinstance(found["bob"][NB], os.PathLike)


def test_links_are_refused_and_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "solution.ipynb"
    secret.write_text('{"secret": true}')
    subs = tmp_path / "subs"
    (subs / "symlinked").mkdir(parents=True)
    (subs / "symlinked" / f"{NB}.ipynb").symlink_to(secret)
    (subs / "relative").mkdir()
    (subs / "relative" / f"{NB}.ipynb").symlink_to(f"../symlinked/{NB}.ipynb")
    (subs / "linkfolder").mkdir()
    (subs / "linkfolder" / NB).symlink_to(outside, target_is_directory=True)
    (subs / "hardlinked").mkdir()
    os.link(secret, subs / "hardlinked" / f"{NB}.ipynb")
    (subs / "whole").symlink_to(subs / "symlinked", target_is_directory=True)
    (subs / "fifo").mkdir()
    os.mkfifo(subs / "fifo" / f"{NB}.ipynb")   # reading it would block the grader
    found = find_submissions(subs, [NB])
    assert "is a symbolic link" in reason(found, "symlinked")
    assert "is a symbolic link" in reason(found, "relative")
    assert f"{NB}/ is a symbolic link" in reason(found, "linkfolder")
    assert "is a hard link (2 names for one file)" in reason(found, "hardlinked")
    assert "the student's folder is a symbolic link" in reason(found, "whole")
    assert "is a FIFO" in reason(found, "fifo")


def test_a_notebook_swapped_for_a_link_after_it_was_found_is_not_read(tmp_path):
    path = student(tmp_path, "mallory")
    assert read_notebook(path) == b"{}"
    path.unlink()
    path.symlink_to(solution_path(NB))
    with pytest.raises(OSError):          # O_NOFOLLOW: the link itself is refused
        read_notebook(path)


def test_every_csv_cell_that_starts_like_a_formula_is_shown_not_run(tmp_path):
    hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    results = [Result(f"s{i}", NB, detail=text, status=Status.ERROR,
                      exercises=[ExerciseResult("linreg", 0, 1, False, message=text)])
               for i, text in enumerate(hostile)]
    results.append(Result("honest", NB, score=1, max_score=1, detail="fine: 1 = 1",
                          exercises=[ExerciseResult("linreg", 1, 1, True)]))
    exports.write_grades(results, tmp_path / "grades.csv")
    exports.write_exercises(results, tmp_path / "exercises.csv")
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["detail"] for r in rows] == ["'" + t for t in hostile] + ["fine: 1 = 1"]
    with open(tmp_path / "exercises.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["message"] for r in rows] == ["'" + t for t in hostile] + [""]
    assert rows[-1]["points"] == "1" and rows[-1]["passed"] == "true"


def test_refused_submissions_are_errors_that_say_why_and_run_nothing(tmp_path):
    subs = tmp_path / "subs"
    (subs / "thief").mkdir(parents=True)
    (subs / "thief" / f"{NB}.ipynb").symlink_to(solution_path(NB))
    student(subs, "bad\n")
    results = grading.grade(subs, tmp_path / "out", jobs=1, ids=[NB], progress=False,
                            say=lambda text: None)
    rows = {r.student_id: r for r in results}
    assert rows["thief"].status == Status.ERROR and rows["thief"].score == 0
    assert "symbolic link" in rows["thief"].detail
    assert rows["bad\n"].status == Status.ERROR
    assert not (tmp_path / "out" / "autograded").exists()   # no notebook was run
