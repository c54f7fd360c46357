"""Typical wrong answers fail the visible checks of the release notebooks, with a hint.

One kernel per notebook runs the release notebook with the reference solutions filled in
(so every visible check passes on the right answer). Then, for each wrong answer of
``tests/wrong_answers/`` (one module per notebook), it redefines the function as the
learner would, re-runs that exercise's test cell as the learner sees it, and puts the
reference back. Each wrong answer must fail with a course message that carries a hint
pointing at its real cause.
"""
from __future__ import annotations

import nbformat
import pytest

from helpers import grading
from helpers.exercises.framework import module_of
from helpers.grading.judge import Judge

from .conftest import Kernel, nbgrader_meta, release_path, solution_path, strip_ansi, submission
from .wrong_answers import CORRECT_VARIANTS, TAMPERING, WRONG_ANSWERS


class NotebookKernel:
    """A kernel that has run one release notebook with the reference solutions filled in."""

    def __init__(self, assignment: str):
        self.assignment = assignment
        self.kernel = Kernel(cwd=release_path(assignment).parent)
        nb = submission(assignment)
        reference = nbformat.read(solution_path(assignment), as_version=4)
        self.solutions = {nbgrader_meta(c)["grade_id"]: c.source for c in reference.cells
                          if nbgrader_meta(c).get("solution")}
        self.tests = {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells
                      if nbgrader_meta(c).get("grade")}
        self.graded_tests = {nbgrader_meta(c)["grade_id"]: c.source for c in reference.cells
                             if nbgrader_meta(c).get("grade")}   # hidden tests included
        for cell in nb.cells:
            if cell.cell_type == "code":
                error = self.run(cell.source)
                assert error is None, f"the reference fails in the release notebook:\n{error}"

    def run(self, code: str) -> str | None:
        """Execute ``code``; return the error shown to the learner (message, traceback), or None."""
        reply, messages = self.kernel.execute(code)
        if reply["status"] == "ok":
            return None
        errors = [content for kind, content in messages if kind == "error"]
        shown = errors[0] if errors else reply
        return strip_ansi("\n".join([f"{shown['ename']}: {shown['evalue']}",
                                     *shown.get("traceback", [])]))

    def try_answer(self, grade_id: str, source: str, *, hidden: bool = False) -> str | None:
        """Define a learner's answer, run its exercise's visible checks (or, with ``hidden``,
        its full test as at grading), then restore the reference."""
        tests = self.graded_tests if hidden else self.tests
        try:
            defined = self.run(source)
            assert defined is None, f"the answer itself does not run:\n{defined}"
            return self.run(tests[f"test_{grade_id}"])
        finally:
            assert self.run(self.solutions[grade_id]) is None

    def other_tests_with(self, grade_id: str, source: str) -> dict[str, str]:
        """Define a wrong answer to one exercise, then run every *other* exercise's full test
        (hidden part included, as at grading); return the failures, by test."""
        try:
            assert self.run(source) is None
            failures = {test: self.run(code) for test, code in self.graded_tests.items()
                        if test != f"test_{grade_id}"}
            return {test: error for test, error in failures.items() if error is not None}
        finally:
            assert self.run(self.solutions[grade_id]) is None

    def try_tampering(self, grade_id: str, source: str) -> str | None:
        """Run a hostile solution cell (it may fail), then the exercise's visible checks;
        afterwards put back the reference and the helpers' modules as they were."""
        self.run(SNAPSHOT)
        try:
            self.run(source)
            return self.run(self.tests[f"test_{grade_id}"])
        finally:
            assert self.run(RESTORE) is None
            assert self.run(self.solutions[grade_id]) is None

    def close(self) -> None:
        self.kernel.close()


# Tampering writes into the helpers' module dictionaries; these put them back afterwards.
SNAPSHOT = """
import sys as _sys
_saved_modules = {name: dict(vars(module)) for name, module in list(_sys.modules.items())
                  if name == "helpers" or name.startswith("helpers.")}
"""
RESTORE = """
for _name, _saved in _saved_modules.items():
    vars(_sys.modules[_name]).clear()
    vars(_sys.modules[_name]).update(_saved)
"""

_kernels: dict[str, NotebookKernel] = {}


@pytest.fixture(scope="module")
def kernels():
    yield _kernels
    for kernel in _kernels.values():
        kernel.close()
    _kernels.clear()


def kernel_for(kernels, assignment: str) -> NotebookKernel:
    if assignment not in kernels:
        kernels[assignment] = NotebookKernel(assignment)
    return kernels[assignment]


CASES = [pytest.param(assignment, wrong, id=f"{assignment[:2]}-{wrong.grade_id}-{wrong.what}")
         for assignment, answers in WRONG_ANSWERS.items() for wrong in answers]


@pytest.mark.parametrize("assignment, wrong", CASES)
def test_a_typical_wrong_answer_fails_the_visible_checks_with_a_hint(kernels, assignment, wrong):
    message = kernel_for(kernels, assignment).try_answer(wrong.grade_id, wrong.source)
    assert message is not None, f"{wrong.what}: the visible checks pass"
    assert "hint:" in message, f"{wrong.what}: no hint in\n{message}"
    assert wrong.expect in message, f"{wrong.what}: the hint does not name the cause\n{message}"


RIGHT_CASES = [pytest.param(a, r, id=f"{a[:2]}-{r.grade_id}-{r.what}")
               for a, answers in CORRECT_VARIANTS.items() for r in answers]


@pytest.mark.parametrize("assignment, right", RIGHT_CASES)
def test_a_right_answer_written_differently_passes_every_check(kernels, assignment, right):
    error = kernel_for(kernels, assignment).try_answer(right.grade_id, right.source, hidden=True)
    assert error is None, f"{right.what} is right but fails:\n{error}"


FIRST_WRONG = {}
for _assignment, _answers in WRONG_ANSWERS.items():
    for _wrong in _answers:
        FIRST_WRONG.setdefault((_assignment, _wrong.grade_id), _wrong)
ISOLATION_CASES = [pytest.param(a, w, id=f"{a[:2]}-{w.grade_id}") for (a, _), w in FIRST_WRONG.items()]


@pytest.mark.parametrize("assignment, wrong", ISOLATION_CASES)
def test_one_mistake_costs_its_own_points_only(kernels, assignment, wrong):
    """With one exercise wrong, every other exercise's test (hidden checks included) passes:
    later exercises are tested with the course's references, not the learner's answers."""
    failures = kernel_for(kernels, assignment).other_tests_with(wrong.grade_id, wrong.source)
    assert failures == {}, f"{wrong.grade_id} wrong ({wrong.what}) also fails {sorted(failures)}"


TAMPER_CASES = [pytest.param(assignment, t, id=f"{assignment[:2]}-{t.grade_id}-{t.what}")
                for assignment, cases in TAMPERING.items() for t in cases]


@pytest.mark.parametrize("assignment, tampering", TAMPER_CASES)
def test_a_one_line_trick_does_not_pass_the_checks(kernels, assignment, tampering):
    """Rebinding the checks, patching the helpers, or returning an object that claims to
    equal everything leaves a wrong answer failing."""
    message = kernel_for(kernels, assignment).try_tampering(tampering.grade_id, tampering.source)
    assert message is not None, f"{tampering.what}: the visible checks pass"
    assert message.startswith("AssertionError: ") and tampering.grade_id in message, message


@pytest.mark.parametrize("assignment", grading.assignments())
def test_every_exercise_has_at_least_three_wrong_answers(assignment):
    """Typed here, or written once as known mistakes in the notebook's exercise module."""
    assert assignment in WRONG_ANSWERS, f"no tests/wrong_answers/nb{assignment[:2]}.py"
    nb = nbformat.read(solution_path(assignment), as_version=4)
    exercises = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("solution")]
    known = {}
    if Judge.for_notebook(assignment) is not None:
        known = {e.name: sum(m.code is not None for m in e.mistakes)
                 for e in module_of(assignment).EXERCISES.by_name.values()}
    counts = {e: sum(w.grade_id == e for w in WRONG_ANSWERS[assignment]) + known.get(e, 0)
              for e in exercises}
    assert min(counts.values()) >= 3, counts
