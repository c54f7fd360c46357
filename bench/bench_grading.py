"""Grading throughput: N copies of a notebook's reference solution, graded by the instructor
command serially and at its default --jobs, in one run.

Usage: python bench/bench_grading.py [--assignment 03_softmax_scratch] [-n 20] [--jobs J ...]
Prints, for each setting, the wall seconds per submission, the slowest submission, and
whether every copy scored full marks (a reference solution that loses a point to a timeout
shows here).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from helpers import grading


def bench(assignment: str, n: int, jobs: int, base: Path, **options) -> dict:
    subs, out = base / f"subs-{jobs}", base / f"out-{jobs}"
    notebook = grading.reference_submission(assignment)
    for i in range(n):
        (subs / f"student{i:03d}").mkdir(parents=True)
        nbformat.write(notebook, subs / f"student{i:03d}" / f"{assignment}.ipynb")
    start = time.perf_counter()
    results = grading.grade(subs, out, jobs=jobs, ids=[assignment], progress=False,
                            say=lambda text: None, **options)
    wall = time.perf_counter() - start
    full = sum(r.status == grading.Status.OK and r.score == r.max_score for r in results)
    return {"jobs": jobs, "wall": wall, "per": wall / n, "full": full,
            "slowest": max(r.seconds for r in results)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="03_softmax_scratch")
    parser.add_argument("-n", type=int, default=20, help="copies to grade (default 20)")
    parser.add_argument("--jobs", type=int, nargs="*",
                        help=f"settings to compare (default: 1 and the default, "
                             f"{grading.default_jobs()})")
    parser.add_argument("--no-sandbox", action="store_true")
    args = parser.parse_args(argv)
    settings = args.jobs or sorted({1, grading.default_jobs()})
    box = grading.Sandbox(enabled=not args.no_sandbox, hidden=[])
    print(f"grading {args.n} copies of the reference solution of {args.assignment} "
          f"on {grading.cores()} cores, {box.describe().split(' (')[0]}")
    print(f"{'jobs':>4} {'threads':>7} {'wall s':>8} {'s/submission':>13} {'slowest s':>10} "
          f"{'full marks':>10}")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for jobs in settings:
            row = bench(args.assignment, args.n, jobs, Path(tmp),
                        use_sandbox=not args.no_sandbox)
            print(f"{jobs:>4} {grading.threads_per_job(jobs):>7} {row['wall']:8.1f} "
                  f"{row['per']:13.2f} {row['slowest']:10.1f} {row['full']:>5}/{args.n}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
