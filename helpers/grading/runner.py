"""Grading a folder of submissions: worker processes, one student at a time each.

Each student is graded by nbgrader's ``autograde`` and ``generate_feedback``, run inside
long-lived worker processes (one per job), in a course directory of their own with a copy
of the gradebook, several students at a time; kernels run in the sandbox
(:mod:`helpers.grading.sandbox`). A submission whose code patches what grading relies on is
held for review (:mod:`helpers.grading.tampering`). A submission that cannot be read or run
is reported; it does not stop the others or touch their grades.

Introduced in ``01_linear_regression_scratch`` (the instructor guide).
"""
from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute
from traitlets.config import Config

from . import exports, tampering
from .course import CONFIG, COURSE_ROOT, SOURCE, assignments, generate, new_course_root
from .judge import Judge
from .preprocessors import CapOutput, failure_message
from .results import ExerciseResult, Result, Status, read_events
from .sandbox import DEFAULT_MEMORY_MB, DEFAULT_PROCESSES, Sandbox, SandboxedExecute, problem
from .submissions import Refused, find_submissions, read_notebook

EVENTS = "events.jsonl"


def _last_exception(log: str) -> str:
    """The last exception line of an nbgrader log, e.g. ``...NotJSONError: ...``, passing
    over nbgrader's own "see the above traceback" wrapper."""
    for line in reversed(log.splitlines()):
        text = line.split("]", 1)[-1].strip()
        if re.match(r"^[\w.]+(Error|Exception): ", text) and "NbGraderException" not in text:
            return text[:300]
    return "see the log"


def _events(path: Path) -> str:
    """What happened to cells while grading (timeouts, kernels lost), for the detail column;
    the events file is consumed."""
    events = read_events(path)
    if path.exists():
        path.unlink()
    parts = []
    for event in events:
        text = event.describe()
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


def _grading_config(root: Path, box: Sandbox | None) -> Config:
    """Set on top of the course's config for one student's grading in ``root``: nbgrader's
    ``autograde`` steps with its ``Execute`` replaced by the sandboxed one and the output
    cap, and the sandbox's settings."""
    from nbgrader.converters import Autograde

    box = box or Sandbox(enabled=False, hidden=[])
    steps = []
    for p in Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default():
        steps += [SandboxedExecute, CapOutput] if p is Execute else [p]
    config = Config()
    config.Autograde.autograde_preprocessors = steps
    config.merge(box.config(scratch_root=root, events_file=root / EVENTS))
    return config


class _OverTime(Exception):
    pass


def _nbgrader_here(step: str, assignment: str, student: str, root: Path, timeout: int,
                   max_seconds: float, box: Sandbox | None = None) -> tuple[bool, str]:
    """Run nbgrader's ``autograde`` or ``generate_feedback`` in this process, in the course
    root ``root`` (its ``nbgrader_config.py``, the cell ``timeout`` and the sandbox ``box`` on
    top); return whether it succeeded and its log. Over ``max_seconds`` it is stopped
    (``_OverTime``), its kernel with it."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG, path=str(root)).load_config()
    config.merge(_grading_config(root, box))
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
                   box: Sandbox | None = None) -> list[Result]:
    """Autograde and write feedback for one student in a course directory of their own.

    Runs in a worker process of :func:`grade`: ``env`` (:func:`kernel_env`) is set first, so
    that the kernels it starts inherit it."""
    os.environ.update(env or {})
    # nbgrader's gradebook session warns about its own objects; nothing for the instructor
    warnings.filterwarnings("ignore", module="nbgrader")
    results = [Result(student, a) for a in ids]
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-", dir=out / "work") as tmp:
        root = Path(tmp)
        shutil.copy2(template / CONFIG, root / CONFIG)
        shutil.copy2(template / "gradebook.db", root / "gradebook.db")
        (root / SOURCE).symlink_to(template / SOURCE, target_is_directory=True)
        for r in results:
            if r.assignment not in notebooks:
                r.status = Status.MISSING
                r.detail = f"no {r.assignment}.ipynb in the student's folder"
                continue
            if isinstance(notebooks[r.assignment], Refused):
                r.status, r.detail = Status.ERROR, notebooks[r.assignment].reason
                continue
            started = time.monotonic()
            submitted = root / "submitted" / student / r.assignment
            submitted.mkdir(parents=True)
            notebook = submitted / f"{r.assignment}.ipynb"
            try:   # the file as it is now, never what a link that appeared since points to
                notebook.write_bytes(read_notebook(notebooks[r.assignment]))
            except (OSError, ValueError) as err:
                r.status, r.detail = Status.ERROR, f"{r.assignment}.ipynb cannot be read safely: {err}"
                continue
            for step in ("autograde", "generate_feedback"):
                try:
                    ok, log = _nbgrader_here(step, r.assignment, student, root, timeout,
                                             max_seconds, box)
                except _OverTime:
                    r.status = Status.ERROR
                    r.detail = f"nbgrader {step} ran over {max_seconds:g} s"
                    break
                r.log += [f"# nbgrader {step} {r.assignment} --student {student}", log]
                if not ok:
                    r.status = Status.ERROR
                    r.detail = f"nbgrader {step} failed: {_last_exception(log)}"
                    break
                if step == "autograde":
                    r.detail = _events(root / EVENTS)
            try:
                r.score, r.max_score = _scores(root, r.assignment, student)
                if r.status == Status.OK:
                    r.exercises = _exercise_results(root, r.assignment, student)
            except Exception:  # nothing was recorded: the notebook could not be graded at all
                r.score = 0.0
                if r.status == Status.OK:
                    r.status, r.detail = Status.ERROR, "no grade recorded"
            if r.status == Status.OK:
                release_nb = template / "release" / r.assignment / f"{r.assignment}.ipynb"
                findings = _tampering(notebook, release_nb)
                if findings and Judge.for_notebook(r.assignment) is not None:
                    # the judge's points stand (nothing in the kernel decides them): advice only
                    r.status = Status.REVIEW
                    r.detail = "; ".join(["advice: the judge's score stands", *(str(f) for f in findings[:3]),
                                          *([r.detail] if r.detail else [])])
                elif findings:  # never rewarded: 0 until a person has looked
                    r.status = Status.REVIEW
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
          require_sandbox: bool = False, memory_mb: int = DEFAULT_MEMORY_MB,
          processes: int = DEFAULT_PROCESSES, figures: bool = False,
          say=print) -> list[Result]:
    """Grade every student folder in ``submissions``; write results under ``out``.

    ``timeout`` limits each cell (seconds), ``max_seconds`` each nbgrader step, and
    ``jobs`` students are graded at once, the CPU cores split between them
    (``OMP_NUM_THREADS``). Figures are drawn but not rendered unless ``figures``
    (:func:`kernel_env`). Kernels run in the sandbox of ``helpers.grading.sandbox`` (each
    process at most ``memory_mb`` MiB of data, the sandbox at most ``processes`` processes)
    when ``use_sandbox`` and the machine allows it; ``require_sandbox`` makes a machine that
    does not allow it an error. ``say`` reports whether the sandbox is on. Returns one
    :class:`Result` per student and assignment and writes them to ``out/grades.csv``, and
    the other files of :mod:`helpers.grading.exports`.

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
                               timeout, max_seconds, env=env, box=box)
                   for student, notebooks in found.items()]
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading",
                           unit="student", disable=not progress):
            results.extend(future.result())
    for r in results:
        r.max_score = r.max_score or max_scores[r.assignment]
    results.sort(key=lambda r: (r.student_id, r.assignment))
    exports.write_all(results, out, box)
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
    trouble = problem() if use else "switched off (--no-sandbox)"
    if trouble and require:
        raise SystemExit(f"grading needs the sandbox, and it cannot run: {trouble}")
    return Sandbox(enabled=trouble is None, hidden=[p.resolve() for p in hidden],
                   memory_mb=memory_mb, processes=processes, problem=trouble)
