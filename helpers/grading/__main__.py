"""Grading the course with nbgrader: release notebooks, grade a folder of submissions.

Command line::

    python -m helpers.grading release [--root DIR]    # regenerate course/ from solutions/
    python -m helpers.grading grade SUBMISSIONS --out RESULTS [--timeout 120] [--jobs 2]

``grade`` takes one folder per student, each holding that student's notebooks, either
directly (``SUBMISSIONS/alice/01_linear_regression_scratch.ipynb``) or in nbgrader's
layout (``SUBMISSIONS/alice/01_linear_regression_scratch/01_linear_regression_scratch.ipynb``).
It writes, under ``RESULTS``:

- ``autograded/<student>/<assignment>/``: the executed, scored notebooks;
- ``feedback/<student>/<assignment>/<notebook>.html``: what to send back to each student;
- ``grades.csv``: one row per student and assignment (score, max score, status, detail);
- ``exercises.csv``: one row per student, assignment and exercise (points, whether it
  passed, the learner-facing failure message);
- ``gradebook.csv``: one row per student, a column of scores per assignment, for a
  learning-management system to import;
- ``report/index.html``: the class report (``helpers.grading.report``): score distributions,
  each exercise's mean and share of full marks, the most common failure messages;
- ``summary.txt``: whether kernels ran in the sandbox, the count of each status, the
  slowest submissions and where the results are;
- ``logs/<student>.log``: nbgrader's output, for submissions that failed.

Each student is graded by nbgrader's ``autograde`` and ``generate_feedback``, run inside
long-lived worker processes (one per job, ``helpers.grading.runner``), in a course
directory of their own with a copy of the gradebook, several students at a time. A
submission whose code patches what grading relies on is flagged ``review``
(``helpers.grading.tampering``). A submission that cannot be read or run is reported in
``grades.csv`` and the log; it does not stop the others or touch their grades. On Linux
with bubblewrap each kernel runs in the sandbox of ``helpers.grading.sandbox`` (no network,
nothing of the course, the submissions or the results visible, a scratch folder of its
own); elsewhere student code runs with your permissions, and the command says so.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import COURSE_ROOT, release
from .results import Status
from .runner import default_jobs, grade
from .sandbox import DEFAULT_MEMORY_MB, DEFAULT_PROCESSES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("release", help="regenerate course/ from solutions/ with nbgrader")
    r.add_argument("--root", type=Path, default=COURSE_ROOT,
                   help="the course directory (default: this repository)")
    r.add_argument("ids", nargs="*", metavar="ASSIGNMENT",
                   help="only these assignments, e.g. 05_mlp_scratch (default: all)")
    g = commands.add_parser("grade", help="grade a folder of submissions, one folder per student")
    g.add_argument("submissions", type=Path, help="folder with one sub-folder per student")
    g.add_argument("--out", type=Path, required=True, help="where results are written")
    g.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    g.add_argument("--jobs", type=int, default=default_jobs(),
                   help=f"students graded at once (default here: {default_jobs()}, one per core)")
    g.add_argument("--max-seconds", type=float, default=1800,
                   help="limit for one notebook's grading (default 1800)")
    g.add_argument("--require-sandbox", action="store_true",
                   help="stop with an error when kernels cannot run in the sandbox")
    g.add_argument("--no-sandbox", action="store_true",
                   help="run kernels without the sandbox (trusted submissions only)")
    g.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB,
                   help=f"data memory per sandboxed process (default {DEFAULT_MEMORY_MB})")
    g.add_argument("--processes", type=int, default=DEFAULT_PROCESSES,
                   help=f"processes per sandbox (default {DEFAULT_PROCESSES})")
    g.add_argument("--figures", action="store_true",
                   help="keep the figures in the graded notebooks and feedback (slower)")
    g.add_argument("--assignment", action="append", dest="ids",
                   help="grade only this assignment (repeatable)")
    args = parser.parse_args(argv)
    if args.command == "release":
        for path in release(args.root, args.ids or None):
            print("released", path)
        return 0
    results = grade(args.submissions, args.out, timeout=args.timeout, jobs=args.jobs,
                    max_seconds=args.max_seconds, ids=args.ids,
                    use_sandbox=not args.no_sandbox, require_sandbox=args.require_sandbox,
                    memory_mb=args.memory_mb, processes=args.processes, figures=args.figures)
    width = max((len(r.student_id) for r in results), default=7)
    for r in results:
        print(f"{r.student_id:<{width}}  {r.assignment:<30} {r.score:>5g} / {r.max_score:<4g} "
              f"{r.status}{': ' + r.detail if r.detail else ''}")
    print("\n" + (args.out / "summary.txt").read_text(), end="")
    return 1 if any(r.status in (Status.ERROR, Status.REVIEW) for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
