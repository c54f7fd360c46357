"""The class report: what a class got right and wrong, for the instructor after grading.

``write(results, folder)`` makes ``folder/index.html`` and its PNG plots from the results of
:func:`helpers.grading.grade`: for each assignment the distribution of scores, each
exercise's mean points and share of full marks, and the most common failure messages,
grouped with their counts — what to re-teach next lesson. The page is self-contained
(pictures beside it, no scripts), so it opens from disk or an LMS upload.

Introduced in ``01_linear_regression_scratch`` (the instructor guide).
"""
from __future__ import annotations

import datetime
import html
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from .results import Status

FAILURES_SHOWN = 10   # failure groups listed per assignment
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


@dataclass(frozen=True)
class FailureGroup:
    """Students whose exercise failed with the same message, up to the numbers in it."""

    grade_id: str
    first_line: str   # the check's "what went wrong" line, as the first student saw it
    hint: str
    count: int
    example: str      # one whole message


def message_key(message: str) -> tuple[str, str]:
    """(first line, hint) of a failure message with its numbers blanked: two students whose
    softmax returned different wrong values fail the same way."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    hint = next((line for line in lines if line.startswith("hint:")), "")
    return _NUMBER.sub("#", first), _NUMBER.sub("#", hint)


def failure_groups(exercises) -> list[FailureGroup]:
    """Group the failed exercises (``ExerciseResult`` rows) by message, most common first."""
    counts: Counter = Counter()
    first_seen: dict = {}
    for e in exercises:
        if e.passed:
            continue
        key = (e.grade_id, *message_key(e.message))
        counts[key] += 1
        first_seen.setdefault(key, e.message)
    groups = []
    for key, count in counts.most_common():
        example = first_seen[key]
        lines = [line.strip() for line in example.splitlines() if line.strip()]
        hint = next((line for line in lines if line.startswith("hint:")), "")
        groups.append(FailureGroup(key[0], lines[0] if lines else "(no message)", hint,
                                   count, example))
    return groups


@dataclass
class ExerciseStats:
    grade_id: str
    max_points: float
    mean_points: float
    full_marks: float    # share of students, 0 to 1
    students: int


def exercise_stats(exercises) -> list[ExerciseStats]:
    """Mean points and share of full marks of each exercise, in notebook order."""
    by_id: dict[str, list] = {}
    for e in exercises:
        by_id.setdefault(e.grade_id, []).append(e)
    return [ExerciseStats(gid, rows[0].max_points, sum(r.points for r in rows) / len(rows),
                          sum(r.passed for r in rows) / len(rows), len(rows))
            for gid, rows in by_id.items()]


def _score_plot(assignment: str, scores: list[float], max_score: float, path: Path) -> None:
    fig = Figure(figsize=(5.5, 3.0), layout="constrained")
    ax = fig.add_subplot()
    top = int(max_score)
    counts = Counter(round(s) for s in scores)
    ax.bar(range(top + 1), [counts.get(k, 0) for k in range(top + 1)], color="#4c72b0")
    ax.set_xticks(range(top + 1))
    ax.set_xlabel(f"score (of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    mean = sum(scores) / len(scores) if scores else 0
    ax.set_title(f"{assignment}: scores of {len(scores)} graded (mean {mean:.1f})", fontsize=10)
    fig.savefig(path, dpi=150)


def _exercise_plot(assignment: str, stats: list[ExerciseStats], path: Path) -> None:
    fig = Figure(figsize=(5.5, 0.45 * len(stats) + 1.2), layout="constrained")
    ax = fig.add_subplot()
    names = [s.grade_id.removeprefix("test_") for s in stats][::-1]
    shares = [100 * s.full_marks for s in stats][::-1]
    bars = ax.barh(names, shares, color="#55a868")
    for bar, s in zip(bars, stats[::-1]):
        ax.text(min(bar.get_width() + 1, 80), bar.get_y() + bar.get_height() / 2,
                f"mean {s.mean_points:.1f} / {s.max_points:g}", va="center", fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("students with full marks (%)")
    ax.set_ylabel("exercise")
    ax.set_title(f"{assignment}: exercises", fontsize=10)
    fig.savefig(path, dpi=150)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; display: block; margin: 0.5em 0; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
.plots img { width: 27em; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.5em; margin: 0.3em 0; }
.muted { color: #666; }
"""


def write(results, folder: Path, *, sandbox: str = "") -> Path:
    """Write the class report of ``results`` (:class:`~helpers.grading.results.Result`)
    into ``folder``; return the path of its ``index.html``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    esc = html.escape
    statuses = Counter(r.status for r in results)
    students = sorted({r.student_id for r in results})
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Class report</title><style>{_STYLE}</style></head><body>",
             "<h1>Class report</h1>",
             f"<p class='muted'>{len(students)} students, graded "
             f"{datetime.datetime.now():%Y-%m-%d %H:%M}. {esc(sandbox)}</p>",
             "<table><tr><th>status</th><th>rows</th><th>meaning</th></tr>"]
    meaning = {Status.OK: "graded", Status.REVIEW: "patches what grading relies on: scored 0 "
               "until you look (grades.csv, detail)", Status.MISSING: "not submitted",
               Status.ERROR: "could not be graded (see logs/)"}
    for status in Status:
        parts.append(f"<tr><td>{status}</td><td class='n'>{statuses.get(status, 0)}</td>"
                     f"<td>{meaning[status]}</td></tr>")
    parts.append("</table>")
    for assignment in sorted({r.assignment for r in results}):
        mine = [r for r in results if r.assignment == assignment]
        graded = [r for r in mine if r.status == Status.OK]
        max_score = max((r.max_score for r in mine), default=0)
        exercises = [e for r in graded for e in r.exercises]
        stats = exercise_stats(exercises)
        parts.append(f"<h2 id='{esc(assignment)}'>{esc(assignment)}</h2>")
        others = ", ".join(f"{n} {s}" for s in (Status.REVIEW, Status.MISSING, Status.ERROR)
                           if (n := sum(r.status == s for r in mine)))
        parts.append(f"<p>{len(graded)} graded" + (f" ({others} not counted)" if others else "")
                     + "</p>")
        if not graded:
            continue
        score_png, exercise_png = f"{assignment}-scores.png", f"{assignment}-exercises.png"
        _score_plot(assignment, [r.score for r in graded], max_score, folder / score_png)
        _exercise_plot(assignment, stats, folder / exercise_png)
        parts.append(f"<div class='plots'><img src='{score_png}' alt='score distribution of "
                     f"{esc(assignment)}'><img src='{exercise_png}' alt='full marks per exercise "
                     f"of {esc(assignment)}'></div>")
        parts.append("<table><tr><th>exercise</th><th>points</th><th>mean</th>"
                     "<th>full marks</th></tr>")
        for s in stats:
            parts.append(f"<tr><td>{esc(s.grade_id)}</td><td class='n'>{s.max_points:g}</td>"
                         f"<td class='n'>{s.mean_points:.2f}</td>"
                         f"<td class='n'>{100 * s.full_marks:.0f} %</td></tr>")
        parts.append("</table>")
        groups = failure_groups(exercises)
        parts.append("<h3>Most common failures</h3>")
        if not groups:
            parts.append("<p>Every graded exercise passed.</p>")
            continue
        parts.append("<table class='failures'><tr><th>students</th><th>exercise</th>"
                     "<th>what the check said</th></tr>")
        for g in groups[:FAILURES_SHOWN]:
            parts.append(f"<tr><td class='n'>{g.count}</td><td>{esc(g.grade_id)}</td>"
                         f"<td>{esc(g.first_line)}"
                         + (f"<br><i>{esc(g.hint)}</i>" if g.hint else "")
                         + f"<details><summary>one whole message</summary><pre>{esc(g.example)}"
                         "</pre></details></td></tr>")
        parts.append("</table>")
        if len(groups) > FAILURES_SHOWN:
            rest = sum(g.count for g in groups[FAILURES_SHOWN:])
            parts.append(f"<p class='muted'>and {len(groups) - FAILURES_SHOWN} rarer kinds of "
                         f"failure ({rest} in all): see exercises.csv.</p>")
    parts.append("</body></html>")
    index = folder / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index
