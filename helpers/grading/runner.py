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
long-lived worker processes (one per job), in a course directory of their own with a copy
of the gradebook, several students at a time. A submission whose code patches what grading
relies on is flagged ``review`` (``helpers.grading.tampering``).
A submission that cannot be read or run is reported in ``grades.csv`` and the log; it does not
stop the others or touch their grades. On Linux with bubblewrap each kernel runs in the
sandbox of ``helpers.grading.sandbox`` (no network, nothing of the course, the submissions or the
results visible, a scratch folder of its own); elsewhere student code runs with your
permissions, and the command says so.
"""
from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor
from traitlets import Integer

from . import sandbox, tampering
from ..hints import PREFIX as HINT_PREFIX

COURSE_ROOT = Path(__file__).resolve().parents[2]
CONFIG = "nbgrader_config.py"
SOURCE = "solutions"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
EVENTS = "events.jsonl"
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


class ClearHiddenTestsOfTestCells(ClearHiddenTests):
    """nbgrader's ``ClearHiddenTests`` for the course's test cells only.

    A learner's own cell that merely contains the text ``BEGIN HIDDEN TESTS`` is left as
    it is, instead of stopping the feedback with "nested begin hidden tests statements".
    Used by ``nbgrader_config.py`` for ``nbgrader generate_feedback``.
    """

    def preprocess_cell(self, cell, resources, index):
        if utils.is_grade(cell) and not utils.is_solution(cell):
            return super().preprocess_cell(cell, resources, index)
        return cell, resources


class CapOutput(NbGraderPreprocessor):
    """Cut each cell's output at ``max_bytes``, with a note saying so.

    A submission that prints megabytes keeps a readable autograded notebook and feedback
    page. Text is cut where the budget ends; a picture or other rich output that does not
    fit is replaced by the note. Used by ``helpers.grading`` after execution.
    """

    max_bytes = Integer(100_000, help="output kept per cell, in bytes").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        budget, kept, cut = self.max_bytes, [], 0
        for output in cell.outputs:
            size = len(json.dumps(output))
            if size <= budget:
                kept.append(output)
                budget -= size
            elif output.output_type == "stream" and budget > 0:
                cut += size - budget
                kept.append(NotebookNode(output, text=output.text[:budget]))
                budget = 0
            else:
                cut += size
        if cut:
            note = (f"\n[output cut: this cell printed {(self.max_bytes + cut) / 1000:.0f} kB; "
                    f"grading keeps the first {self.max_bytes / 1000:.0f} kB]\n")
            kept.append(NotebookNode(output_type="stream", name="stdout", text=note))
        cell.outputs = kept
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


def generate(course_root: Path, ids: list[str], *args: str) -> None:
    """nbgrader's ``generate_assignment`` for ``ids`` in ``course_root``: one nbgrader
    process for all of the course's assignments (its start-up, 4–7 s, is most of the
    work), one per assignment for a selection."""
    every = set(ids) == set(assignments(course_root))
    for pattern in ["*"] if every else ids:
        _check(nbgrader(["generate_assignment", pattern, "--force", *args], course_root),
               f"nbgrader generate_assignment {pattern}")


def release(course_root: Path = COURSE_ROOT, ids: list[str] | None = None) -> list[Path]:
    """Regenerate the release notebooks (``course/<id>/``) from ``solutions/`` with nbgrader.

    Returns the release folders written. Introduced in ``01_linear_regression_scratch``.
    """
    course_root = Path(course_root)
    ids = ids or assignments(course_root)
    generate(course_root, ids)
    return [course_root / "course" / assignment for assignment in ids]


def reference_submission(assignment: str, *, replace: dict[str, str] | None = None,
                         delete: tuple[str, ...] = (),
                         course_root: Path = COURSE_ROOT) -> NotebookNode:
    """The release notebook as a learner hands it in with every exercise solved as in the
    reference: each solution cell's stub replaced by the source notebook's code.

    ``replace`` maps a solution cell's grade_id to other code, ``delete`` drops cells by
    grade_id. For checking the pipeline (``bench/bench_grading.py``, the tests).

    Introduced in ``01_linear_regression_scratch`` (the instructor guide).
    """
    def grade_id(cell):
        return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")

    source = Path(course_root) / SOURCE / assignment / f"{assignment}.ipynb"
    reference = {grade_id(c): c.source for c in nbformat.read(source, as_version=4).cells}
    nb = nbformat.read(Path(course_root) / "course" / assignment / f"{assignment}.ipynb",
                       as_version=4)
    replace = replace or {}
    for cell in nb.cells:
        if utils.is_solution(cell):
            cell.source = replace.get(grade_id(cell), reference[grade_id(cell)])
    nb.cells = [c for c in nb.cells if grade_id(c) not in delete]
    return nb


@dataclass
class ExerciseResult:
    """One graded exercise (test cell) of a student's notebook."""

    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str = ""   # the learner-facing failure message: what the checks said, the hint


@dataclass
class Result:
    """The outcome of grading one student's notebook for one assignment."""

    student_id: str
    assignment: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "ok"
    detail: str = ""
    seconds: float = 0.0   # autograde and feedback, wall clock
    exercises: list[ExerciseResult] = field(default_factory=list)
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
    """The last exception line of an nbgrader log, e.g. ``...NotJSONError: ...``, passing
    over nbgrader's own "see the above traceback" wrapper."""
    for line in reversed(log.splitlines()):
        text = line.split("]", 1)[-1].strip()
        if re.match(r"^[\w.]+(Error|Exception): ", text) and "NbGraderException" not in text:
            return text[:300]
    return "see the log"


def _events(path: Path) -> str:
    """What happened to cells while grading (timeouts, kernels lost), for the detail column."""
    if not path.exists():
        return ""
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    path.unlink()
    said = {"timeout": "ran over the {limit} s limit and was stopped",
            "died": "killed its kernel (grading went on with a new one)",
            "processes": "started too many processes and lost its kernel"}
    parts = []
    for e in events:
        where = e["grade_id"] or f"cell {e['cell']}"
        text = f"{where} {said[e['event']].format(limit=e['limit'])}"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def _tampering(submitted: Path, release: Path) -> list[tampering.Finding]:
    try:
        return tampering.find(nbformat.read(submitted, as_version=4),
                              nbformat.read(release, as_version=4))
    except Exception:  # not a readable notebook: autograde has said so already
        return []


def _scores(root: Path, assignment: str, student: str) -> tuple[float, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        submission = gb.find_submission(assignment, student)
        return submission.score, submission.max_score


def failure_message(cell) -> str:
    """The learner-facing message of a graded cell's first error: what the check said and
    the course hint, as the feedback shows them; "" when the cell raised nothing."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            text = f"{output.ename}: {output.evalue}" if output.evalue else output.ename
            return "\n".join([text, *_course_hint(output.get("traceback", []))])
    return ""


def _exercise_results(root: Path, assignment: str, student: str) -> list[ExerciseResult]:
    """Each graded cell's points and failure message, in notebook order."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(assignment, assignment, student)
        points = {g.name: (g.score, g.max_score) for g in nb.grades if g.cell_type == "code"}
    path = root / "autograded" / student / assignment / f"{assignment}.ipynb"
    cells = {c.metadata["nbgrader"]["grade_id"]: c
             for c in nbformat.read(path, as_version=4).cells if utils.is_grade(c)}
    order = [g for g in cells if g in points] + sorted(set(points) - set(cells))
    return [ExerciseResult(g, points[g][0], points[g][1], points[g][0] >= points[g][1],
                           "" if points[g][0] >= points[g][1]
                           else failure_message(cells.get(g, {})) or "no points")
            for g in order]


@dataclass
class Sandbox:
    """Where graded kernels run (see ``helpers.grading.sandbox``): on or off, what they must not see."""

    enabled: bool
    hidden: list[Path]
    memory_mb: int = sandbox.DEFAULT_MEMORY_MB
    processes: int = sandbox.DEFAULT_PROCESSES
    problem: str | None = None

    def describe(self) -> str:
        if self.enabled:
            return (f"sandbox: on (bubblewrap; no network, {self.memory_mb} MiB per process, "
                    f"{self.processes} processes)")
        return (f"sandbox: OFF ({self.problem}); student code runs with your permissions: "
                "grade untrusted submissions in a container or a throw-away account")


def _grading_config(root: Path, box: Sandbox | None) -> str:
    """Lines added to a student's copy of the course config: the sandboxed execution."""
    from nbgrader.converters import Autograde

    box = box or Sandbox(enabled=False, hidden=[])
    steps = []
    for p in Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default():
        if p is Execute:
            steps += ["helpers.grading.sandbox.SandboxedExecute", "helpers.grading.runner.CapOutput"]
        else:
            steps.append(f"{p.__module__}.{p.__name__}")
    return f"""
# --- added by helpers.grading for this student's grading ---
c.Autograde.autograde_preprocessors = {steps!r}
c.SandboxedExecute.sandbox = {box.enabled!r}
c.SandboxedExecute.scratch_root = {str(root)!r}
c.SandboxedExecute.events_file = {str(root / EVENTS)!r}
c.SandboxKernelManager.hidden = {[str(p) for p in box.hidden]!r}
c.SandboxKernelManager.memory_mb = {box.memory_mb!r}
c.SandboxKernelManager.processes = {box.processes!r}
"""


class _OverTime(Exception):
    pass


def _nbgrader_here(step: str, assignment: str, student: str, root: Path, timeout: int,
                   max_seconds: float) -> tuple[bool, str]:
    """Run nbgrader's ``autograde`` or ``generate_feedback`` in this process, in the course
    root ``root``; return whether it succeeded and its log. Over ``max_seconds`` it is
    stopped (``_OverTime``), its kernel with it."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG, path=str(root)).load_config()
    config.Execute.timeout = timeout
    api = NbGraderAPI(config=config)

    def over_time(signum, frame):
        raise _OverTime

    timed = threading.current_thread() is threading.main_thread()
    if timed:
        previous = signal.signal(signal.SIGALRM, over_time)
        signal.setitimer(signal.ITIMER_REAL, max_seconds)
    try:
        if step == "autograde":
            result = api.autograde(assignment, student, force=True, create=True)
        else:
            result = api.generate_feedback(assignment, student, force=True)
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    log = result.get("log", "") + result.get("error", "")
    return result["success"] and "There was an error processing" not in log, log


def _grade_student(student: str, notebooks: dict[str, Path], ids: list[str], template: Path,
                   out: Path, timeout: int, max_seconds: float,
                   env: dict[str, str] | None = None,
                   sandbox: Sandbox | None = None) -> list[Result]:
    """Autograde and write feedback for one student in a course directory of their own.

    Runs in a worker process of :func:`grade`: ``env`` (:func:`kernel_env`) is set first, so
    that the kernels it starts inherit it."""
    os.environ.update(env or {})
    # nbgrader's gradebook session warns about its own objects; nothing for the instructor
    warnings.filterwarnings("ignore", module="nbgrader")
    results = [Result(student, a) for a in ids]
    if not STUDENT_ID.match(student):
        for r in results:
            r.status, r.detail = "error", "folder name is not a valid student id"
        return results
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-", dir=out / "work") as tmp:
        root = Path(tmp)
        shutil.copy2(template / CONFIG, root / CONFIG)
        with open(root / CONFIG, "a") as f:
            f.write(_grading_config(root, sandbox))
        shutil.copy2(template / "gradebook.db", root / "gradebook.db")
        (root / SOURCE).symlink_to(template / SOURCE, target_is_directory=True)
        for r in results:
            if r.assignment not in notebooks:
                r.status, r.detail = "missing", f"no {r.assignment}.ipynb in the student's folder"
                continue
            started = time.monotonic()
            submitted = root / "submitted" / student / r.assignment
            submitted.mkdir(parents=True)
            shutil.copy2(notebooks[r.assignment], submitted / f"{r.assignment}.ipynb")
            for step in ("autograde", "generate_feedback"):
                try:
                    ok, log = _nbgrader_here(step, r.assignment, student, root, timeout,
                                             max_seconds)
                except _OverTime:
                    r.status, r.detail = "error", f"nbgrader {step} ran over {max_seconds:g} s"
                    break
                r.log += [f"# nbgrader {step} {r.assignment} --student {student}", log]
                if not ok:
                    r.status = "error"
                    r.detail = f"nbgrader {step} failed: {_last_exception(log)}"
                    break
                if step == "autograde":
                    r.detail = _events(root / EVENTS)
            try:
                r.score, r.max_score = _scores(root, r.assignment, student)
                if r.status == "ok":
                    r.exercises = _exercise_results(root, r.assignment, student)
            except Exception:  # nothing was recorded: the notebook could not be graded at all
                r.score = 0.0
                if r.status == "ok":
                    r.status, r.detail = "error", "no grade recorded"
            if r.status == "ok":
                release_nb = template / "release" / r.assignment / f"{r.assignment}.ipynb"
                findings = _tampering(notebooks[r.assignment], release_nb)
                if findings:  # never rewarded: 0 until a person has looked
                    r.status = "review"
                    r.detail = "; ".join([f"scored {r.score:g} before review",
                                          *(str(f) for f in findings[:3]),
                                          *([r.detail] if r.detail else [])])
                    r.score = 0.0
                    for e in r.exercises:
                        e.points, e.passed = 0.0, False
                        e.message = "held for review: the submission patches what grading relies on"
            r.seconds = time.monotonic() - started
            for kind in ("autograded", "feedback"):
                src = root / kind / student / r.assignment
                if src.exists():
                    dest = out / kind / student / r.assignment
                    shutil.rmtree(dest, ignore_errors=True)
                    shutil.copytree(src, dest)
    return results


def grade(submissions: Path, out: Path, *, timeout: int = 120, jobs: int | None = None,
          max_seconds: float = 1800, course_root: Path = COURSE_ROOT,
          ids: list[str] | None = None, progress: bool = True, use_sandbox: bool = True,
          require_sandbox: bool = False, memory_mb: int = sandbox.DEFAULT_MEMORY_MB,
          processes: int = sandbox.DEFAULT_PROCESSES, figures: bool = False,
          say=print) -> list[Result]:
    """Grade every student folder in ``submissions``; write results under ``out``.

    ``timeout`` limits each cell (seconds), ``max_seconds`` each nbgrader step, and
    ``jobs`` students are graded at once, the CPU cores split between them
    (``OMP_NUM_THREADS``). Figures are drawn but not rendered unless ``figures``
    (:func:`kernel_env`). Kernels run in the sandbox of ``helpers.grading.sandbox`` (each process
    at most ``memory_mb`` MiB of data, the sandbox at most ``processes`` processes) when
    ``use_sandbox`` and the machine allows it; ``require_sandbox`` makes a machine that does
    not allow it an error. ``say`` reports whether the sandbox is on. Returns one
    :class:`Result` per student and assignment and writes them to ``out/grades.csv``, and
    the settings to ``out/summary.txt``.

    Introduced in ``01_linear_regression_scratch``.
    """
    from tqdm.auto import tqdm

    jobs = jobs or default_jobs()
    out = Path(out).resolve()
    box = _sandbox(use_sandbox, require_sandbox, memory_mb, processes,
                   hidden=[Path(course_root), COURSE_ROOT, Path(submissions), out, Path.home()])
    say(box.describe())
    ids = ids or assignments(course_root)
    found = find_submissions(Path(submissions), ids)
    submitted_ids = sorted({a for notebooks in found.values() for a in notebooks}) or ids
    (out / "work").mkdir(parents=True, exist_ok=True)
    template = new_course_root(out / "work" / "template", course_root)
    # records the assignments' cells and points in a gradebook
    generate(template, submitted_ids, "--CourseDirectory.release_directory=release")
    with Gradebook(f"sqlite:///{template / 'gradebook.db'}") as gb:
        max_scores = {a: gb.find_assignment(a).max_score for a in submitted_ids}
    results: list[Result] = []
    jobs = max(1, min(jobs, len(found)))  # fewer students than jobs: more threads each
    env = kernel_env(jobs, figures=figures)
    with _pool(jobs) as pool:
        futures = [pool.submit(_grade_student, student, notebooks, submitted_ids, template, out,
                               timeout, max_seconds, env=env, sandbox=box)
                   for student, notebooks in found.items()]
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading",
                           unit="student", disable=not progress):
            results.extend(future.result())
    for r in results:
        r.max_score = r.max_score or max_scores[r.assignment]
    results.sort(key=lambda r: (r.student_id, r.assignment))
    _write_reports(results, out, box)
    shutil.rmtree(out / "work", ignore_errors=True)
    return results


def cores() -> int:
    """The CPU cores this process may use (its affinity, e.g. a container's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads_per_job(jobs: int) -> int:
    """Torch and OpenMP threads for each of ``jobs`` kernels graded at once: the cores split
    between them, at least 1."""
    return max(1, cores() // max(1, jobs))


def kernel_env(jobs: int, *, figures: bool = False) -> dict[str, str]:
    """The environment of a graded kernel: :func:`threads_per_job` torch and OpenMP threads
    (torch starts a thread per core in every process; several kernels at once would fight
    over the cores and all run many times slower), read when torch is imported, so it is
    set before any kernel starts. Unless ``figures``, matplotlib draws without rendering
    (the ``agg`` backend): nobody looks at the figures of a graded notebook, and rendering
    them to PNG took a quarter of notebook 03's grading time."""
    n = str(threads_per_job(jobs))
    env = {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n}
    if not figures:
        env["MPLBACKEND"] = "agg"
    return env


def default_jobs() -> int:
    """Students graded at once by default: one per core, one thread each (measured fastest,
    ``bench/bench_grading.py``), at most one per 2 GiB of memory and at most 8."""
    try:
        memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        memory_gib = 16
    return max(1, min(cores(), int(memory_gib // 2), 8))


def _pool(jobs: int):
    """Worker processes, each grading one student at a time with nbgrader in-process: no
    nbgrader start-up per student, and no state shared between students (``spawn``)."""
    return ProcessPoolExecutor(max_workers=max(1, jobs),
                               mp_context=multiprocessing.get_context("spawn"))


def _sandbox(use: bool, require: bool, memory_mb: int, processes: int,
             hidden: list[Path]) -> Sandbox:
    problem = sandbox.problem() if use else "switched off (--no-sandbox)"
    if problem and require:
        raise SystemExit(f"grading needs the sandbox, and it cannot run: {problem}")
    return Sandbox(enabled=problem is None, hidden=[p.resolve() for p in hidden],
                   memory_mb=memory_mb, processes=processes, problem=problem)


EXERCISE_FIELDS = ["student_id", "assignment", "grade_id", "points", "max_points", "passed",
                   "message"]
SLOWEST_SHOWN = 5


def summary(results: list[Result], out: Path, box: Sandbox) -> str:
    """What the instructor reads at the end: the sandbox, the count of each status, the
    slowest submissions and where the results are."""
    statuses = {s: sum(r.status == s for r in results)
                for s in ("ok", "review", "missing", "error")}
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


def _write_reports(results: list[Result], out: Path, box: Sandbox) -> None:
    from . import report

    (out / "summary.txt").write_text(summary(results, out, box))
    with open(out / "grades.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in results:
            writer.writerow({"student_id": r.student_id, "assignment": r.assignment,
                             "score": f"{r.score:g}", "max_score": f"{r.max_score:g}",
                             "status": r.status, "detail": r.detail})
    with open(out / "exercises.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=EXERCISE_FIELDS)
        writer.writeheader()
        for r in results:
            for e in r.exercises:
                writer.writerow({"student_id": r.student_id, "assignment": r.assignment,
                                 "grade_id": e.grade_id, "points": f"{e.points:g}",
                                 "max_points": f"{e.max_points:g}",
                                 "passed": str(e.passed).lower(), "message": e.message})
    # for a learning-management system: one row per student, a column per assignment
    ids = sorted({r.assignment for r in results})
    with open(out / "gradebook.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", *ids])
        by_student: dict[str, dict[str, Result]] = {}
        for r in results:
            by_student.setdefault(r.student_id, {})[r.assignment] = r
        for student, mine in sorted(by_student.items()):
            writer.writerow([student, *(f"{mine[a].score:g}" if a in mine else "" for a in ids)])
    report.write(results, out / "report", sandbox=box.describe())
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
    g.add_argument("--jobs", type=int, default=default_jobs(),
                   help=f"students graded at once (default here: {default_jobs()}, one per core)")
    g.add_argument("--max-seconds", type=float, default=1800,
                   help="limit for one notebook's grading (default 1800)")
    g.add_argument("--require-sandbox", action="store_true",
                   help="stop with an error when kernels cannot run in the sandbox")
    g.add_argument("--no-sandbox", action="store_true",
                   help="run kernels without the sandbox (trusted submissions only)")
    g.add_argument("--memory-mb", type=int, default=sandbox.DEFAULT_MEMORY_MB,
                   help=f"data memory per sandboxed process (default {sandbox.DEFAULT_MEMORY_MB})")
    g.add_argument("--processes", type=int, default=sandbox.DEFAULT_PROCESSES,
                   help=f"processes per sandbox (default {sandbox.DEFAULT_PROCESSES})")
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
    return 1 if any(r.status in ("error", "review") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
