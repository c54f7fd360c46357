"""What grading produces, and what the sandbox tells the runner: the types both sides share.

- :class:`Status`: how a student's notebook for an assignment ended (``ok``, ``review``,
  ``missing``, ``error``), the words ``grades.csv`` and the summary print;
- :class:`ExerciseResult` and :class:`Result`: one graded exercise, one graded notebook;
- :class:`KernelEvent`: what happened to a cell's kernel while grading (it ran over its
  time limit, died, or started too many processes), one JSON line of the events file that
  :class:`~helpers.grading.sandbox.SandboxedExecute` appends to and the runner reads.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from pathlib import Path


class Status(str, enum.Enum):
    """How grading a student's notebook for one assignment ended; its value is the word the
    CSV files, the summary and the report print."""

    OK = "ok"             # graded
    REVIEW = "review"     # patches what grading relies on: scored 0 until a person looks
    MISSING = "missing"   # not submitted
    ERROR = "error"       # could not be graded (see the log)

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


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
    status: Status = Status.OK
    detail: str = ""
    seconds: float = 0.0   # autograde and feedback, wall clock
    exercises: list[ExerciseResult] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.status = Status(self.status)   # "ok" given as a word is Status.OK


class Event(str, enum.Enum):
    """What happened to a cell's kernel."""

    TIMEOUT = "timeout"       # the cell ran over its time limit and was interrupted or stopped
    DIED = "died"             # the kernel exited, crashed or ran out of memory
    PROCESSES = "processes"   # the sandbox's watchdog killed it for too many processes


_SAID = {Event.TIMEOUT: "ran over the {limit} s limit and was stopped",
         Event.DIED: "killed its kernel (grading went on with a new one)",
         Event.PROCESSES: "started too many processes and lost its kernel"}


@dataclass(frozen=True)
class KernelEvent:
    """One thing that happened to a cell while grading, as a line of the events file."""

    event: Event
    cell: str | None       # the cell's id
    grade_id: str | None   # its nbgrader grade_id, if it has one
    limit: int | None      # the cell time limit, in seconds

    def __post_init__(self):
        object.__setattr__(self, "event", Event(self.event))

    def to_json(self) -> str:
        return json.dumps({"event": self.event.value, "cell": self.cell,
                           "grade_id": self.grade_id, "limit": self.limit})

    @classmethod
    def from_json(cls, line: str) -> KernelEvent:
        data = json.loads(line)
        return cls(Event(data["event"]), data.get("cell"), data.get("grade_id"), data["limit"])

    def append_to(self, path: str | Path) -> None:
        """Add this event as a line to the events file ``path``."""
        with open(path, "a") as f:
            f.write(self.to_json() + "\n")

    def describe(self) -> str:
        """For the detail column: ``linreg ran over the 20 s limit and was stopped``."""
        where = self.grade_id or f"cell {self.cell}"
        return f"{where} {_SAID[self.event].format(limit=self.limit)}"


def read_events(path: Path) -> list[KernelEvent]:
    """The events of an events file, in order; none when there is no file."""
    path = Path(path)
    if not path.exists():
        return []
    return [KernelEvent.from_json(line) for line in path.read_text().splitlines() if line.strip()]
