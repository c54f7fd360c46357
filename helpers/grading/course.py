"""The course as nbgrader sees it: its root, its assignments, nbgrader's commands, the release.

Introduced in ``01_linear_regression_scratch`` (the instructor guide).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader import utils

COURSE_ROOT = Path(__file__).resolve().parents[2]
CONFIG = "nbgrader_config.py"
SOURCE = "solutions"


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
