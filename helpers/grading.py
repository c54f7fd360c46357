"""Grading support: a feedback preprocessor for nbgrader (the CLI follows)."""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader import utils


class ShowOnlyErrorMessages(NbGraderPreprocessor):
    """In feedback, reduce each test cell's error to its message, without the traceback.

    A traceback quotes the lines of the test that failed, hidden tests included; the
    message of the course's checks already says what was expected, what came back and
    a hint. Used by ``nbgrader_config.py`` for ``nbgrader generate_feedback``.

    Introduced in ``01_linear_regression_scratch``.
    """

    def preprocess_cell(self, cell, resources, index):
        if utils.is_grade(cell) and cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
