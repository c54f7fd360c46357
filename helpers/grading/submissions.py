"""Reading a folder of submissions safely: who the students are, and which files count.

A submissions folder comes from students (an LMS download, an upload form): it may hold
folder names no spreadsheet should see, and links that point elsewhere. The rules:

- a student is a folder directly inside the submissions folder, whose name is a student id:
  ASCII letters, digits and ``_ . @ -``, starting with a letter or digit, matched as a whole
  (:data:`STUDENT_ID`; a trailing newline is not part of an id);
- two folders whose names are the same id up to case (``Alice`` and ``alice``) are both
  refused: which one holds the student's work is for a person to say;
- a notebook is ``<student>/<assignment>.ipynb`` or ``<student>/<assignment>/<assignment>.ipynb``;
  it counts only when it and the folders on its way are real, not symbolic links, and it is a
  regular file with no other name (a hard link may be another student's file, or the
  instructor's); devices, FIFOs and sockets are refused too. A refused notebook is graded
  as an ``error`` whose detail says why; nothing it points to is read.

Introduced in ``01_linear_regression_scratch`` (the instructor guide).
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]*")


@dataclass(frozen=True)
class Refused:
    """A student's notebook (or whole folder) that is not graded, and why."""

    reason: str


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _problem(info: os.stat_result, name: str) -> str | None:
    """Why the file ``name`` with this ``lstat``/``fstat`` result is refused, or None."""
    if not stat.S_ISREG(info.st_mode):
        return f"{name} is {_kind(info.st_mode)}, not a notebook file"
    if info.st_nlink != 1:
        return f"{name} is a hard link ({info.st_nlink} names for one file), not a file of its own"
    return None


def _notebook(student: Path, assignment: str) -> Path | Refused | None:
    """The student's notebook for ``assignment``, a refusal, or None when there is none."""
    name = f"{assignment}.ipynb"
    for parts in ((name,), (assignment, name)):
        path = student.joinpath(*parts)
        shown = "/".join(parts)
        if len(parts) == 2:
            try:
                folder = os.lstat(student / assignment)
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(folder.st_mode):
                if stat.S_ISLNK(folder.st_mode):
                    return Refused(f"{assignment}/ is a symbolic link, not a folder of its own")
                continue
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        problem = _problem(info, shown)
        return Refused(problem) if problem else path
    return None


def find_submissions(submissions: Path, ids: list[str]) -> dict[str, dict[str, Path | Refused]]:
    """Map each student folder to ``{assignment: notebook}`` found inside it; a notebook that
    cannot be graded safely maps to a :class:`Refused` (see the module's rules), and so does
    every assignment of a folder that is a symbolic link, whose name is not a student id, or
    that names the same student as another folder.

    Introduced in ``01_linear_regression_scratch``.
    """
    entries = sorted(Path(submissions).iterdir())
    folders = [p for p in entries if p.is_dir()]
    same: dict[str, list[str]] = {}
    for p in folders:
        same.setdefault(p.name.casefold(), []).append(p.name)
    found: dict[str, dict[str, Path | Refused]] = {}
    for student in folders:
        refused = None
        if student.is_symlink():
            refused = Refused("the student's folder is a symbolic link, not a folder of its own")
        elif not STUDENT_ID.fullmatch(student.name):
            refused = Refused("folder name is not a valid student id")
        elif len(same[student.name.casefold()]) > 1:
            refused = Refused("folders " + ", ".join(same[student.name.casefold()])
                              + " name the same student: keep one")
        if refused:
            found[student.name] = {a: refused for a in ids}
            continue
        notebooks = {}
        for assignment in ids:
            notebook = _notebook(student, assignment)
            if notebook is not None:
                notebooks[assignment] = notebook
        found[student.name] = notebooks
    return found


def read_notebook(path: Path) -> bytes:
    """The bytes of a notebook :func:`find_submissions` accepted, read without following a
    link that appeared since, and refused (``ValueError``) if it is no longer a regular file
    of its own."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        problem = _problem(os.fstat(f.fileno()), Path(path).name)
        if problem:
            raise ValueError(problem)
        return f.read()
