"""The course notebooks: template, grading safety, and course/ in sync with solutions/."""
from __future__ import annotations

import ast
import filecmp
import re
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from helpers import grading
from helpers.exercises.framework import module_of
from helpers.grading.__main__ import main
from helpers.grading.judge import Judge

from .conftest import REPO

ASSIGNMENTS = grading.assignments()
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def solution(assignment: str) -> nbformat.NotebookNode:
    return read(REPO / "solutions" / assignment / f"{assignment}.ipynb")


def release(assignment: str) -> nbformat.NotebookNode:
    return read(REPO / "course" / assignment / f"{assignment}.ipynb")


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_the_pilot_notebooks_are_assignments():
    assert {"01_linear_regression_scratch", "03_softmax_scratch"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_follows_the_template(assignment):
    nb = solution(assignment)
    text = "\n".join(c.source for c in nb.cells)
    first = nb.cells[0].source
    assert first.startswith(f"# {assignment[:2]} · ")
    for part in ("**Goal.**", "**You will learn**", "**Prerequisites.**", "| English | 中文 |"):
        assert part in first, part
    assert "from ipywidgets import" in text and "helpers.explore(" in text   # interact()
    assert re.search(r"^## \d+\. .*[Pp]itfalls from the notes", text, re.M)
    assert re.search(r"^## \d+\. Summary", text, re.M)
    assert "torch.manual_seed(0)" in nb.cells[1].source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_exercise_has_a_task_a_solution_and_a_graded_test(assignment):
    cells = solution(assignment).cells
    exercises = 0
    for i, cell in enumerate(cells):
        if meta(cell).get("solution"):
            exercises += 1
            task, test = cells[i - 1], cells[i + 1]
            assert task.cell_type == "markdown" and "### Exercise" in task.source
            points = re.search(r"\((\d+) points?\)", task.source)
            assert meta(test).get("grade") and meta(test)["points"] == int(points.group(1))
            assert meta(test)["grade_id"] == f"test_{meta(cell)['grade_id']}"
            assert SOLUTION_REGION.search(cell.source)
            if Judge.for_notebook(assignment) is not None:   # template v2: the judge holds the hidden cases
                name = meta(cell)["grade_id"]
                assert test.source.strip().splitlines() == [
                    f"from helpers.exercises.nb{assignment[:2]} import check", "",
                    f'check("{name}", {module_of(assignment).EXERCISES.by_name[name].target})']
                assert task.source.count("<details>") >= 2, "progressive hints, collapsed"
                continue
            visible, _, hidden = test.source.partition("### BEGIN HIDDEN TESTS")
            assert "check(" in visible or "assert_" in visible      # visible checks first
            assert HIDDEN_REGION.search(test.source)                  # then hidden ones
    assert exercises >= 4
    ids = [meta(c)["grade_id"] for c in cells if meta(c)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_test_cell_ends_with_an_expression(assignment):
    """nbgrader reads a test cell's last value as its score if it is a number."""
    for cell in solution(assignment).cells:
        if meta(cell).get("grade"):
            last = ast.parse(cell.source).body[-1]
            is_print = (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                        and getattr(last.value.func, "id", "") in ("print", "check"))   # both None
            assert not isinstance(last, ast.Expr) or is_print, meta(cell)["grade_id"]


def load_config() -> Config:
    c = Config()
    namespace = {"get_config": lambda: c, "__file__": str(REPO / "nbgrader_config.py")}
    exec(compile((REPO / "nbgrader_config.py").read_text(), "nbgrader_config.py", "exec"),
         namespace)
    return c


def test_config_sets_the_keys_that_matter():
    c = load_config()
    assert c.CourseDirectory.source_directory == "solutions"
    assert c.CourseDirectory.release_directory == "course"
    assert c.CourseDirectory.db_url == f"sqlite:///{REPO / 'gradebook.db'}"
    assert Path(c.Exchange.root) == REPO / "exchange"
    assert isinstance(c.Execute.timeout, int) and 0 < c.Execute.timeout <= 600
    assert c.OverwriteCells.add_missing_cells is True
    feedback = c.GenerateFeedback.preprocessors
    assert "helpers.grading.preprocessors.ClearHiddenTestsOfTestCells" in feedback
    assert "helpers.grading.preprocessors.ShowOnlyErrorMessages" in feedback
    assert "NotImplementedError" in c.ClearSolutions.code_stub["python"]
    steps = [getattr(s, "__name__", s) for s in c.Autograde.autograde_preprocessors]
    assert "SandboxedExecute" in steps and "Execute" not in steps   # the judge decides


def test_gradebook_and_exchange_are_git_ignored():
    ignored = (REPO / ".gitignore").read_text().split()
    assert {"gradebook.db", "exchange/", "submitted/", "autograded/", "feedback/"} <= set(ignored)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    root = grading.new_course_root(tmp_path_factory.mktemp("release"))
    assert main(["release", "--root", str(root)]) == 0     # what `make release` runs
    return root / "course"


def test_release_is_in_sync_with_the_solutions(regenerated):
    """`make release` on a clean copy reproduces the committed course/ exactly."""
    committed = {p.name for p in (REPO / "course").iterdir() if p.is_dir()}
    assert committed == set(ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        cmp = filecmp.dircmp(regenerated / assignment, REPO / "course" / assignment)
        assert not (cmp.left_only or cmp.right_only), (cmp.left_only, cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(regenerated / assignment, REPO / "course" / assignment,
                                               cmp.common_files, shallow=False)
        assert mismatch == errors == [], "run `make release` and commit course/"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_leaks_no_solution_no_hidden_test_no_output(assignment):
    released = release(assignment)
    raw = (REPO / "course" / assignment / f"{assignment}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
        assert marker not in raw
    # Every line of released code is public source (outside solution and hidden-test
    # regions) or a line of the stub: no solution line and no hidden-test line survives.
    public = set()
    for cell in solution(assignment).cells:
        if cell.cell_type == "code":
            stripped = HIDDEN_REGION.sub("", SOLUTION_REGION.sub("", cell.source))
            public |= {line.strip() for line in stripped.splitlines()}
    stub = {line.strip() for line in load_config().ClearSolutions.code_stub["python"].splitlines()}
    for cell in released.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                assert line.strip() in public | stub, f"not public in solutions/: {line}"
    stubs = [c for c in released.cells if meta(c).get("solution")]
    assert stubs and all("raise NotImplementedError" in c.source for c in stubs)
