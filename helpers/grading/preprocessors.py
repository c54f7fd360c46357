"""nbgrader preprocessors of the course, and the learner-facing message of a failed test cell.

``nbgrader_config.py`` names :class:`ClearHiddenTestsOfTestCells` and
:class:`ShowOnlyErrorMessages` for ``nbgrader generate_feedback``; the runner puts
:class:`CapOutput` after the sandboxed execution of ``autograde``.
"""
from __future__ import annotations

import json
import re

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Integer

from ..hints import PREFIX as HINT_PREFIX


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
    fit is replaced by the note. Used by ``helpers.grading.runner`` after execution.
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


def failure_message(cell) -> str:
    """The learner-facing message of a graded cell's first error: what the check said and
    the course hint, as the feedback shows them; "" when the cell raised nothing."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            text = f"{output.ename}: {output.evalue}" if output.evalue else output.ename
            return "\n".join([text, *_course_hint(output.get("traceback", []))])
    return ""
