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
- ``grades.csv``: one row per student and assignment (score, max score, status);
- ``logs/<student>.log``: nbgrader's output, for submissions that failed.

Each student is graded by nbgrader's own commands (``autograde``, ``generate_feedback``) in a
course directory of their own, with a copy of the gradebook, several students at a time.
A submission that cannot be read or run is reported in ``grades.csv`` and the log; it does not
stop the others or touch their grades. Student code runs with your permissions: grade
untrusted submissions inside a container or a throw-away account.
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from .hints import PREFIX as HINT_PREFIX

COURSE_ROOT = Path(__file__).resolve().parent.parent
CONFIG = "nbgrader_config.py"
SOURCE = "solutions"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
CSV_FIELDS = ["student_id", "assignment", "score", "max_score", "status", "detail"]


class ShowOnlyErrorMessages(NbGraderPreprocessor):
    """In feedback, reduce each test cell's error to its message, without the traceback.

    A traceback quotes the lines of the test that failed, hidden tests included; the
    message of the course's checks already says what was expected, what came back and
    a hint. The course hint that ``helpers.hints`` adds as the traceback's last line is
    kept, without colours, after the message. Used by ``nbgrader_config.py`` for
    ``nbgrader generate_feedback``.

    Introduced in ``01_linear_regression_scratch``.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    hint = _course_hint(output.get("traceback", []))
                    output.traceback = [f"{output.ename}: {output.evalue}", *hint]
        return cell, resources


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _course_hint(traceback: list[str]) -> list[str]:
    """The ``hint: ...`` line ``helpers.hints`` appended to a traceback, as a list of 0 or 1."""
    last = _ANSI_ESCAPE.sub("", traceback[-1]).strip() if traceback else ""
    return [last] if last.startswith(HINT_PREFIX) and "\n" not in last else []


def assignments(course_root: Path = COURSE_ROOT) -> list[str]:
    """The assignment ids: folders of ``solutions/`` holding a notebook of the same name.

    Introduced in ``01_linear_regression_scratch``.
    """
    source = Path(course_root) / SOURCE
    return sorted(d.name for d in source.iterdir() if (d / f"{d.name}.ipynb").is_file())


def nbgrader(args: list[str], cwd: Path, timeout: float | None = None,
             env: dict[str, str] | None = None):
    """Run one nbgrader command in the course root ``cwd``; return the completed process.

    ``env`` adds environment variables (e.g. ``OMP_NUM_THREADS`` when several run at once).

    Introduced in ``01_linear_regression_scratch``.
    """
    env = {**os.environ, **(env or {})}
    # nbgrader runs `alembic` and `jupyter` from PATH: use this environment's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # A session of its own, so that on timeout the kernels it started go too.
    with subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _check(proc, what: str) -> None:
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def new_course_root(root: Path, course_root: Path = COURSE_ROOT) -> Path:
    """Make ``root`` an nbgrader course directory with this course's config and sources.

    Introduced in ``01_linear_regression_scratch``.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(course_root) / CONFIG, root / CONFIG)
    if not (root / SOURCE).exists():
        shutil.copytree(Path(course_root) / SOURCE, root / SOURCE)
    return root


def release(course_root: Path = COURSE_ROOT, ids: list[str] | None = None) -> list[Path]:
    """Regenerate the release notebooks (``course/<id>/``) from ``solutions/`` with nbgrader.

    Returns the release folders written. Introduced in ``01_linear_regression_scratch``.
    """
    course_root = Path(course_root)
    written = []
    for assignment in ids or assignments(course_root):
        _check(nbgrader(["generate_assignment", assignment, "--force"], course_root),
               f"nbgrader generate_assignment {assignment}")
        written.append(course_root / "course" / assignment)
    return written


@dataclass
class Result:
    """The outcome of grading one student's notebook for one assignment."""

    student_id: str
    assignment: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "ok"
    detail: str = ""
    log: list[str] = field(default_factory=list)


def find_submissions(submissions: Path, ids: list[str]) -> dict[str, dict[str, Path]]:
    """Map each student folder to ``{assignment: notebook}`` found inside it.

    A notebook counts for an assignment when its file is named ``<assignment>.ipynb``,
    directly in the student's folder or in a sub-folder named after the assignment.

    Introduced in ``01_linear_regression_scratch``.
    """
    found: dict[str, dict[str, Path]] = {}
    for student in sorted(p for p in Path(submissions).iterdir() if p.is_dir()):
        notebooks = {}
        for assignment in ids:
            for path in (student / f"{assignment}.ipynb",
                         student / assignment / f"{assignment}.ipynb"):
                if path.is_file():
                    notebooks[assignment] = path
        found[student.name] = notebooks
    return found


def _last_exception(log: str) -> str:
    """The last exception line of an nbgrader log, e.g. ``...NotJSONError: ...``."""
    for line in reversed(log.splitlines()):
        text = line.split("]", 1)[-1].strip()
        if re.match(r"^[\w.]+(Error|Exception): ", text):
            return text[:300]
    return "see the log"


def _scores(root: Path, assignment: str, student: str) -> tuple[float, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        submission = gb.find_submission(assignment, student)
        return submission.score, submission.max_score


def _grade_student(student: str, notebooks: dict[str, Path], ids: list[str], template: Path,
                   out: Path, timeout: int, max_seconds: float,
                   env: dict[str, str] | None = None) -> list[Result]:
    """Autograde and write feedback for one student in a course directory of their own."""
    results = [Result(student, a) for a in ids]
    if not STUDENT_ID.match(student):
        for r in results:
            r.status, r.detail = "error", "folder name is not a valid student id"
        return results
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-", dir=out / "work") as tmp:
        root = Path(tmp)
        shutil.copy2(template / CONFIG, root / CONFIG)
        shutil.copy2(template / "gradebook.db", root / "gradebook.db")
        (root / SOURCE).symlink_to(template / SOURCE, target_is_directory=True)
        for r in results:
            if r.assignment not in notebooks:
                r.status, r.detail = "missing", f"no {r.assignment}.ipynb in the student's folder"
                continue
            submitted = root / "submitted" / student / r.assignment
            submitted.mkdir(parents=True)
            shutil.copy2(notebooks[r.assignment], submitted / f"{r.assignment}.ipynb")
            steps = [["autograde", r.assignment, "--student", student, "--force",
                      f"--Execute.timeout={timeout}"],
                     ["generate_feedback", r.assignment, "--student", student, "--force"]]
            for step in steps:
                try:
                    proc = nbgrader(step, root, timeout=max_seconds, env=env)
                except subprocess.TimeoutExpired:
                    r.status, r.detail = "error", f"nbgrader {step[0]} ran over {max_seconds:g} s"
                    break
                r.log += [f"$ nbgrader {' '.join(step)}", proc.stdout, proc.stderr]
                if proc.returncode != 0 or "There was an error processing" in proc.stderr:
                    r.status = "error"
                    r.detail = f"nbgrader {step[0]} failed: {_last_exception(proc.stderr)}"
                    break
                if "Timeout waiting for execute reply" in proc.stderr:
                    r.detail = f"a cell ran over {timeout} s and was stopped"
            try:
                r.score, r.max_score = _scores(root, r.assignment, student)
            except Exception:  # nothing was recorded: the notebook could not be graded at all
                r.score = 0.0
                if r.status == "ok":
                    r.status, r.detail = "error", "no grade recorded"
            for kind in ("autograded", "feedback"):
                src = root / kind / student / r.assignment
                if src.exists():
                    dest = out / kind / student / r.assignment
                    shutil.rmtree(dest, ignore_errors=True)
                    shutil.copytree(src, dest)
    return results


def grade(submissions: Path, out: Path, *, timeout: int = 120, jobs: int = 2,
          max_seconds: float = 1800, course_root: Path = COURSE_ROOT,
          ids: list[str] | None = None, progress: bool = True) -> list[Result]:
    """Grade every student folder in ``submissions``; write results under ``out``.

    ``timeout`` limits each cell (seconds), ``max_seconds`` each nbgrader command, and
    ``jobs`` students are graded at once, the CPU cores split between them
    (``OMP_NUM_THREADS``). Returns one :class:`Result` per student and
    assignment and writes them to ``out/grades.csv``.

    Introduced in ``01_linear_regression_scratch``.
    """
    from tqdm.auto import tqdm

    out = Path(out).resolve()
    ids = ids or assignments(course_root)
    found = find_submissions(Path(submissions), ids)
    submitted_ids = sorted({a for notebooks in found.values() for a in notebooks}) or ids
    (out / "work").mkdir(parents=True, exist_ok=True)
    template = new_course_root(out / "work" / "template", course_root)
    for assignment in submitted_ids:  # records the assignments' cells and points in a gradebook
        _check(nbgrader(["generate_assignment", assignment, "--force",
                          "--CourseDirectory.release_directory=release"], template),
               f"nbgrader generate_assignment {assignment}")
    with Gradebook(f"sqlite:///{template / 'gradebook.db'}") as gb:
        max_scores = {a: gb.find_assignment(a).max_score for a in submitted_ids}
    results: list[Result] = []
    # torch starts a thread per core in every kernel: split the cores between the jobs, or
    # the kernels fight over them and all run many times slower
    threads = {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // max(1, jobs)))}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_grade_student, student, notebooks, submitted_ids, template, out,
                               timeout, max_seconds, threads)
                   for student, notebooks in found.items()]
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading",
                           unit="student", disable=not progress):
            results.extend(future.result())
    for r in results:
        r.max_score = r.max_score or max_scores[r.assignment]
    results.sort(key=lambda r: (r.student_id, r.assignment))
    _write_reports(results, out)
    shutil.rmtree(out / "work", ignore_errors=True)
    return results


def _write_reports(results: list[Result], out: Path) -> None:
    with open(out / "grades.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in results:
            writer.writerow({"student_id": r.student_id, "assignment": r.assignment,
                             "score": f"{r.score:g}", "max_score": f"{r.max_score:g}",
                             "status": r.status, "detail": r.detail})
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    for student in sorted({r.student_id for r in results}):
        mine = [r for r in results if r.student_id == student]
        text = "\n".join(line for r in mine for line in r.log)
        (logs / f"{student}.log").write_text(text)


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
    g.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                   help="students graded at once (default: CPUs, at most 4)")
    g.add_argument("--max-seconds", type=float, default=1800,
                   help="limit for one notebook's grading (default 1800)")
    g.add_argument("--assignment", action="append", dest="ids",
                   help="grade only this assignment (repeatable)")
    args = parser.parse_args(argv)
    if args.command == "release":
        for path in release(args.root, args.ids or None):
            print("released", path)
        return 0
    results = grade(args.submissions, args.out, timeout=args.timeout, jobs=args.jobs,
                    max_seconds=args.max_seconds, ids=args.ids)
    width = max((len(r.student_id) for r in results), default=7)
    for r in results:
        print(f"{r.student_id:<{width}}  {r.assignment:<30} {r.score:>5g} / {r.max_score:<4g} "
              f"{r.status}{': ' + r.detail if r.detail else ''}")
    print(f"grades: {args.out / 'grades.csv'}  feedback: {args.out / 'feedback'}")
    return 1 if any(r.status == "error" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
