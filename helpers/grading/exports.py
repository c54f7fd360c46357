"""The files a grading run leaves for the instructor, besides the graded notebooks and feedback.

Under the results folder: ``grades.csv`` (one row per student and assignment),
``exercises.csv`` (one row per student and exercise), ``gradebook.csv`` (a column of scores
per assignment, for a learning-management system), ``report/`` (the class report,
:mod:`helpers.grading.report`), ``logs/<student>.log`` and ``summary.txt``.
"""
from __future__ import annotations

import csv
from pathlib import Path

from . import report
from .results import Result, Status
from .sandbox import Sandbox

CSV_FIELDS = ["student_id", "assignment", "score", "max_score", "status", "detail"]
EXERCISE_FIELDS = ["student_id", "assignment", "grade_id", "points", "max_points", "passed",
                   "message"]
SLOWEST_SHOWN = 5


def summary(results: list[Result], out: Path, box: Sandbox) -> str:
    """What the instructor reads at the end: the sandbox, the count of each status, the
    slowest submissions and where the results are."""
    statuses = {s: sum(r.status == s for r in results) for s in Status}
    lines = [box.describe(), "",
             f"{'status':<8} {'rows':>5}",
             *(f"{s:<8} {n:>5}" for s, n in statuses.items()),
             f"{'total':<8} {len(results):>5}"]
    timed = sorted((r for r in results if r.seconds), key=lambda r: -r.seconds)
    if timed:
        width = max(len(r.student_id) for r in timed[:SLOWEST_SHOWN])
        lines += ["", "slowest submissions (autograde and feedback):"]
        lines += [f"  {r.student_id:<{width}}  {r.assignment:<30} {r.seconds:6.1f} s"
                  + (f"  ({r.detail[:80]})" if r.detail else "")
                  for r in timed[:SLOWEST_SHOWN]]
    lines += ["", "results:",
              f"  grades        {out / 'grades.csv'}  (one row per student and assignment)",
              f"  exercises     {out / 'exercises.csv'}  (one row per student and exercise)",
              f"  LMS import    {out / 'gradebook.csv'}  (a column per assignment)",
              f"  class report  {out / 'report' / 'index.html'}",
              f"  feedback      {out / 'feedback'}/<student>/<assignment>/",
              f"  autograded    {out / 'autograded'}/<student>/<assignment>/",
              f"  logs          {out / 'logs'}/<student>.log"]
    return "\n".join(lines) + "\n"


# OWASP's rule against formula injection: a spreadsheet runs a cell that starts with one of
# these as a formula (``=HYPERLINK(...)`` in an exception's name, a student's message, ...)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell) -> str:
    """``cell`` as text that a spreadsheet shows and never runs: a leading ``'`` when it
    starts like a formula (:data:`FORMULA_STARTS`)."""
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _write_csv(path: Path, header: list[str], rows) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([spreadsheet_safe(cell) for cell in row])


def write_grades(results: list[Result], path: Path) -> None:
    """``grades.csv``: one row per student and assignment."""
    _write_csv(path, CSV_FIELDS, ([r.student_id, r.assignment, f"{r.score:g}", f"{r.max_score:g}",
                                   r.status.value, r.detail] for r in results))


def write_exercises(results: list[Result], path: Path) -> None:
    """``exercises.csv``: one row per student, assignment and graded exercise."""
    _write_csv(path, EXERCISE_FIELDS,
               ([r.student_id, r.assignment, e.grade_id, f"{e.points:g}", f"{e.max_points:g}",
                 str(e.passed).lower(), e.message] for r in results for e in r.exercises))


def write_gradebook(results: list[Result], path: Path) -> None:
    """``gradebook.csv``, for a learning-management system: one row per student, a column
    per assignment."""
    ids = sorted({r.assignment for r in results})
    by_student: dict[str, dict[str, Result]] = {}
    for r in results:
        by_student.setdefault(r.student_id, {})[r.assignment] = r
    _write_csv(path, ["student_id", *ids],
               ([student, *(f"{mine[a].score:g}" if a in mine else "" for a in ids)]
                for student, mine in sorted(by_student.items())))


def write_logs(results: list[Result], folder: Path) -> None:
    """``<student>.log``: nbgrader's output of each student's grading."""
    folder.mkdir(exist_ok=True)
    for student in sorted({r.student_id for r in results}):
        mine = [r for r in results if r.student_id == student]
        text = "\n".join(line for r in mine for line in r.log)
        (folder / f"{student}.log").write_text(text)


def write_all(results: list[Result], out: Path, box: Sandbox) -> None:
    """Every file above, under ``out``."""
    (out / "summary.txt").write_text(summary(results, out, box))
    write_grades(results, out / "grades.csv")
    write_exercises(results, out / "exercises.csv")
    write_gradebook(results, out / "gradebook.csv")
    report.write(results, out / "report", sandbox=box.describe())
    write_logs(results, out / "logs")
