"""The grading pipeline: nbgrader's Validator, autograde and feedback, and the instructor command.

Every test here runs the real nbgrader on the real course notebooks, in temporary course
directories made from the repository's ``nbgrader_config.py`` and ``solutions/``.
"""
from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.validator import Validator

from helpers import grading
from helpers.grading import exports, preprocessors, runner

from .conftest import REPO, grade_cells, maintainer_module, release_path, solution_path, submission

ASSIGNMENTS = grading.assignments()
LINREG = "01_linear_regression_scratch"
SOFTMAX = "03_softmax_scratch"


def nbgrader(root: Path, *args: str, jobs: int | None = None) -> subprocess.CompletedProcess:
    """An nbgrader command; its kernels get what ``grade`` gives each of ``jobs`` at once."""
    env = grading.kernel_env(jobs) if jobs else None
    proc = grading.nbgrader(list(args), root, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


# A partial submission of notebook 01: data_iter, linreg and sgd right (linreg's test cell
# deleted by the student), squared_loss wrong in a way only a hidden test sees, and
# train_linreg raising. It must score exactly 2 + 1 + 2 + 1 (choose_lr) = 6 of 10.
WRONG_SQUARED_LOSS = ("def squared_loss(y_hat, y):\n"
                      "    return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).float()\n")
RAISING_TRAIN = ("def train_linreg(features, labels, *, lr=0.03, num_epochs=3, batch_size=10,"
                 " generator=None):\n    raise RuntimeError('I gave up')\n")
PARTIAL_POINTS = {"test_data_iter": 2, "test_linreg": 1, "test_squared_loss": 0,
                  "test_sgd": 2, "test_train_linreg": 0, "test_choose_lr": 1}
# What the judge says of the wrong squared_loss, on a hidden case; the hidden cases' code
# (helpers/grading/hidden/nb01.py) never reaches the notebook or the feedback.
HIDDEN_MESSAGE = "squared_loss on 50 float64 examples, each off by 1, flat labels: returned torch.float32"
HIDDEN_CODE = "CASES = {"

# A submission of notebook 03 with trivial answers that tries to switch the checks off in
# one line: rebinding their names, patching helpers and helpers.checks. It must score 0.
_STUBS = ("import helpers, helpers.checks\n"
          "assert_close = assert_shape = assert_float = check = lambda *a, **k: None\n"
          "for _m in (helpers, helpers.checks):\n"
          "    for _n in ('assert_close', 'assert_shape', 'assert_float', 'check', 'evaluate_accuracy'):\n"
          "        try:\n"
          "            setattr(_m, _n, lambda *a, **k: 1.0)\n"
          "        except AttributeError:\n"
          "            pass\n")
HOSTILE_SOFTMAX = {
    "softmax": _STUBS + "def softmax(O):\n    return O\n",
    "cross_entropy": "def cross_entropy(O, y):\n    return O.sum(dim=1)\n",
    "accuracy": "def accuracy(y_hat, y):\n    return 1.0\n",
    "evaluate_accuracy": "def evaluate_accuracy(net, data_iter):\n    return 1.0\n",
    "train_epoch": "def train_epoch(net, train_iter, loss, params, lr):\n    return 0.0\n",
}


# --- Validator: the correctness gate (the CLI exits 0 even when validation fails) ---------

# What a learner's Validate button runs. Shown on one notebook: for every notebook the pipeline
# below grades the reference solution (full marks) and the untouched release (every graded
# cell fails with NotImplementedError), which is the same execution and a stronger check.

@pytest.mark.parametrize("assignment", [LINREG])
def test_validator_passes_every_test_on_the_solution(assignment):
    assert Validator().validate(str(solution_path(assignment))) == {}


@pytest.mark.parametrize("assignment", [LINREG])
def test_validator_fails_every_graded_test_on_the_untouched_release(assignment):
    result = Validator().validate(str(release_path(assignment)))
    failed = result.get("failed", [])
    tests = grade_cells(nbformat.read(release_path(assignment), as_version=4))
    assert len(failed) == len(tests) >= 4
    assert all("NotImplementedError" in f["raw_error"] for f in failed)


# --- The real nbgrader pipeline, end to end -------------------------------------------------

def grade_course(root: Path, ids: list[str],
                 students: dict[str, dict[str, nbformat.NotebookNode]]) -> Path:
    """generate_assignment → autograde → generate_feedback of the assignments ``ids``, for
    the notebooks of ``students``, in a course directory of its own: one nbgrader command
    per step for all of them."""
    root = grading.new_course_root(root)
    for name in set(grading.assignments(root)) - set(ids):   # this course's share only
        shutil.rmtree(root / "solutions" / name)
    nbgrader(root, "generate_assignment", "*", "--force")
    for student, notebooks in students.items():
        for assignment, nb in notebooks.items():
            if assignment in ids:
                folder = root / "submitted" / student / assignment
                folder.mkdir(parents=True)
                nbformat.write(nb, folder / f"{assignment}.ipynb")
    nbgrader(root, "autograde", "*", jobs=2)      # two courses at once
    nbgrader(root, "generate_feedback", "*")
    return root


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> dict[str, Path]:
    """Every assignment graded by nbgrader's own commands for its students: "ref" and "blank"
    submit every notebook, "partial" notebook 01 and "tamper" notebook 03. The assignments
    are split between two course directories (each with its gradebook), graded at once with
    the threads and figure settings the instructor command gives two jobs. Returns the
    course directory of each assignment."""
    base = tmp_path_factory.mktemp("course")
    students = {
        "ref": {a: submission(a) for a in ASSIGNMENTS},
        "blank": {a: nbformat.read(release_path(a), as_version=4) for a in ASSIGNMENTS},
        "partial": {LINREG: submission(
            LINREG, replace={"squared_loss": WRONG_SQUARED_LOSS, "train_linreg": RAISING_TRAIN},
            delete=("test_linreg",))},
        "tamper": {SOFTMAX: submission(SOFTMAX, replace=HOSTILE_SOFTMAX)},
    }
    halves = [ASSIGNMENTS[0::2], ASSIGNMENTS[1::2]]
    with ThreadPoolExecutor(2) as pool:
        roots = list(pool.map(lambda i: grade_course(base / f"half{i}", halves[i], students),
                              range(2)))
    return {a: root for ids, root in zip(halves, roots) for a in ids}


def scores(pipeline: dict[str, Path], assignment: str, student: str):
    """(score, max score, points by grade cell) of a student's graded assignment."""
    with Gradebook(f"sqlite:///{pipeline[assignment] / 'gradebook.db'}") as gb:
        sub = gb.find_submission(assignment, student)
        nb = gb.find_submission_notebook(assignment, assignment, student)
        cells = {g.name: g.score for g in nb.grades if g.cell_type == "code"}
        return sub.score, sub.max_score, cells


def autograded(pipeline: dict[str, Path], student: str, assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(pipeline[assignment] / "autograded" / student / assignment
                         / f"{assignment}.ipynb", as_version=4)


def feedback(pipeline: dict[str, Path], student: str, assignment: str) -> str:
    return (pipeline[assignment] / "feedback" / student / assignment / f"{assignment}.html").read_text()


def points_of(assignment: str) -> dict[str, int]:
    """The points of each graded test cell of a solution notebook."""
    nb = nbformat.read(solution_path(assignment), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
            for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_scores_full_marks(pipeline, assignment):
    score, max_score, cells = scores(pipeline, assignment, "ref")
    assert max_score == sum(points_of(assignment).values()) == 10
    assert score == max_score, cells


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_writes_nothing_to_stderr(pipeline, assignment):
    """A test cell with stderr output scores 0: the helpers and notebooks stay quiet."""
    nb = autograded(pipeline, "ref", assignment)
    noisy = [c.get("id") for c in nb.cells if c.cell_type == "code"
             for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert noisy == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero_and_is_graded(pipeline, assignment):
    score, max_score, cells = scores(pipeline, assignment, "blank")
    assert (score, max_score) == (0, 10)
    assert set(cells) == set(points_of(assignment))
    nb = autograded(pipeline, "blank", assignment)
    for cell in grade_cells(nb).values():
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors and "NotImplementedError" in f"{errors[0].ename}: {errors[0].evalue}"
    assert "NotImplementedError" in feedback(pipeline, "blank", assignment)


def test_one_line_tampering_with_the_checks_scores_nothing(pipeline):
    score, max_score, cells = scores(pipeline, SOFTMAX, "tamper")
    assert (score, max_score) == (0, 10), cells


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_carries_the_course_hint_of_an_error(pipeline, assignment):
    page = html.unescape(feedback(pipeline, "blank", assignment))
    assert "hint: this exercise is not done yet" in page


def test_partial_submission_scores_exactly_the_right_exercises(pipeline):
    score, max_score, cells = scores(pipeline, LINREG, "partial")
    assert cells == PARTIAL_POINTS
    assert (score, max_score) == (sum(PARTIAL_POINTS.values()), 10)


def test_a_deleted_test_cell_comes_back_at_grading(pipeline):
    nb = autograded(pipeline, "partial", LINREG)
    assert "test_linreg" in grade_cells(nb)
    submitted = nbformat.read(pipeline[LINREG] / "submitted" / "partial" / LINREG / f"{LINREG}.ipynb",
                              as_version=4)
    assert "test_linreg" not in grade_cells(submitted)


def test_feedback_shows_the_message_of_a_hidden_failure_but_not_its_code(pipeline):
    page = html.unescape(feedback(pipeline, "partial", LINREG))
    assert HIDDEN_MESSAGE in page
    assert "no .float(), no new tensor with a fixed dtype" in page    # the hint
    assert HIDDEN_CODE not in page
    assert "BEGIN HIDDEN TESTS" not in page
    assert "RuntimeError: I gave up" in page                  # the raising exercise
    # the hidden cases stay with the judge: not even the autograded copy has them
    test_cell = grade_cells(autograded(pipeline, "partial", LINREG))["test_squared_loss"]
    assert test_cell.source.strip().endswith('check("squared_loss", squared_loss)')


# --- The instructor command -------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``python -m helpers.grading grade`` on four students, one of each kind."""
    subs = tmp_path_factory.mktemp("submissions")
    (subs / "ada").mkdir()                                    # flat layout
    nbformat.write(submission(LINREG), subs / "ada" / f"{LINREG}.ipynb")
    (subs / "ada" / "scratch.ipynb").write_text("{}")         # not an assignment: ignored
    (subs / "hang" / LINREG).mkdir(parents=True)              # nbgrader's layout
    # linreg's cell hangs and is stopped: linreg's 1 point is lost, but train_linreg, tested
    # with the course's own linreg, keeps its 3 (one mistake costs its own points only).
    nbformat.write(submission(LINREG, replace={"linreg": "while True:\n    pass\n"}),
                   subs / "hang" / LINREG / f"{LINREG}.ipynb")
    (subs / "late").mkdir()                                   # submitted nothing
    (subs / "broken").mkdir()
    (subs / "broken" / f"{LINREG}.ipynb").write_text("{ this is not a notebook")
    (subs / "partial").mkdir()
    nbformat.write(submission(LINREG, replace={"squared_loss": WRONG_SQUARED_LOSS,
                                               "train_linreg": RAISING_TRAIN}),
                   subs / "partial" / f"{LINREG}.ipynb")
    out = tmp_path_factory.mktemp("graded")
    proc = subprocess.run([sys.executable, "-m", "helpers.grading", "grade", str(subs),
                           "--out", str(out), "--timeout", "20", "--jobs", "2"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=subs)
    with open(out / "grades.csv", newline="") as f:
        rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    return out, proc, rows


def test_grade_command_scores_every_student(graded):
    out, proc, rows = graded
    points = {key: (float(r["score"]), float(r["max_score"]), r["status"]) for key, r in rows.items()}
    assert points == {("ada", LINREG): (10, 10, "ok"), ("hang", LINREG): (9, 10, "ok"),
                      ("broken", LINREG): (0, 10, "error"), ("partial", LINREG): (6, 10, "ok"),
                      ("late", LINREG): (0, 10, "missing")}


def test_grade_command_reports_failures_without_stopping(graded):
    out, proc, rows = graded
    assert proc.returncode == 1                               # something needs a look
    assert "NotJSONError" in rows[("broken", LINREG)]["detail"]
    # the detail names the exercise whose cell was stopped, and the limit
    assert rows[("hang", LINREG)]["detail"] == "linreg ran over the 20 s limit and was stopped"
    assert "broken" in proc.stdout and "error" in proc.stdout
    assert (out / "logs" / "broken.log").read_text()


def test_grade_command_writes_feedback_and_autograded_notebooks(graded):
    out, proc, rows = graded
    for student in ("ada", "hang", "partial"):
        assert (out / "feedback" / student / LINREG / f"{LINREG}.html").is_file()
        assert (out / "autograded" / student / LINREG / f"{LINREG}.ipynb").is_file()
    assert not (out / "feedback" / "broken").exists()
    assert not (out / "work").exists()
    page = html.unescape((out / "feedback" / "partial" / LINREG / f"{LINREG}.html").read_text())
    assert HIDDEN_MESSAGE in page and HIDDEN_CODE not in page


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_grade_command_writes_one_row_per_exercise(graded):
    out, proc, rows = graded
    exercises = read_csv(out / "exercises.csv")
    assert list(exercises[0]) == exports.EXERCISE_FIELDS
    by_student = {}
    for e in exercises:
        by_student.setdefault(e["student_id"], {})[e["grade_id"]] = e
    assert set(by_student) == {"ada", "hang", "partial"}      # graded ones: no missing, no error
    for student, mine in by_student.items():                  # in notebook order, adding up
        assert list(mine) == list(points_of(LINREG)), student
        assert sum(float(e["points"]) for e in mine.values()) == float(rows[(student, LINREG)]["score"])
    assert all(e["passed"] == "true" and e["message"] == "" for e in by_student["ada"].values())
    partial = by_student["partial"]
    assert {g: float(e["points"]) for g, e in partial.items()} == PARTIAL_POINTS
    assert partial["test_squared_loss"]["passed"] == "false"
    assert HIDDEN_MESSAGE in partial["test_squared_loss"]["message"]
    assert "hint: " in partial["test_squared_loss"]["message"]
    assert HIDDEN_CODE not in partial["test_squared_loss"]["message"]
    assert "RuntimeError: I gave up" in partial["test_train_linreg"]["message"]
    assert by_student["hang"]["test_linreg"]["passed"] == "false"
    assert by_student["hang"]["test_linreg"]["message"]


def test_grade_command_writes_a_gradebook_for_a_learning_management_system(graded):
    out, proc, rows = graded
    with open(out / "gradebook.csv", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["student_id", LINREG]
    assert {student: float(score) for student, score in table[1:]} == {
        "ada": 10, "broken": 0, "hang": 9, "late": 0, "partial": 6}


def test_grade_command_ends_with_a_summary(graded):
    out, proc, rows = graded
    summary = (out / "summary.txt").read_text()
    assert summary in proc.stdout
    counts = dict(re.findall(r"^(ok|review|missing|error|total) +(\d+)$", summary, re.M))
    assert counts == {"ok": "3", "review": "0", "missing": "1", "error": "1", "total": "5"}
    slowest = summary.split("slowest submissions")[1].split("results:")[0]
    assert slowest.strip().splitlines()[1].split()[0] == "hang"  # the 20 s timeout
    for name in ("grades.csv", "exercises.csv", "gradebook.csv", "index.html"):
        assert name in summary


def test_class_report_opens_in_a_browser(graded, chromium):
    playwright = maintainer_module("playwright.sync_api")
    out, proc, rows = graded
    artifacts = REPO / "test-artifacts" / "grading"
    artifacts.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto((out / "report" / "index.html").as_uri())
        page.screenshot(path=artifacts / "class-report.png", full_page=True)
        assert page.locator("h1").inner_text() == "Class report"
        sizes = page.locator("img").evaluate_all(
            "nodes => nodes.map(n => [n.naturalWidth, n.naturalHeight])")
        assert len(sizes) == 2 and all(w > 300 and h > 200 for w, h in sizes), sizes
        exercises = page.locator("table").nth(1).inner_text()
        assert "test_squared_loss" in exercises and "67 %" in exercises  # 2 of 3 full marks
        failures = page.locator("table.failures").inner_text()
        assert "I gave up" in failures and HIDDEN_MESSAGE in failures
        browser.close()


def test_show_only_error_messages_keeps_the_message_of_grade_cells_only():
    nb = nbformat.v4.new_notebook()
    error = {"output_type": "error", "ename": "AssertionError", "evalue": "f: wrong.\n  hint: h",
             "traceback": ["Traceback", "----> 3 assert_close(secret_case)",
                           "\x1b[31mAssertionError\x1b[39m: f: wrong.\n  hint: h"]}
    graded_cell = nbformat.v4.new_code_cell("tests", outputs=[nbformat.from_dict(error)])
    graded_cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 1,
                                        "solution": False, "locked": True, "schema_version": 3}
    plain_cell = nbformat.v4.new_code_cell("x", outputs=[nbformat.from_dict(error)])
    nb.cells = [graded_cell, plain_cell]
    nb, _ = preprocessors.ShowOnlyErrorMessages().preprocess(nb, {})
    assert nb.cells[0].outputs[0].traceback == ["AssertionError: f: wrong.\n  hint: h"]
    assert nb.cells[1].outputs[0].traceback == error["traceback"]


def test_show_only_error_messages_keeps_the_course_hint_line_without_colours():
    """The last line ``helpers.hints`` appends is kept; the quoted test code is not."""
    from helpers import hints

    hint = hints.hint_for(NotImplementedError("exercise not done yet"))
    error = {"output_type": "error", "ename": "NotImplementedError",
             "evalue": "exercise not done yet",
             "traceback": ["Traceback", "----> 3 secret_case = sgd(params)",
                           "\x1b[31mNotImplementedError\x1b[39m: exercise not done yet",
                           f"\x1b[1m{hints.PREFIX}{hint}\x1b[0m"]}
    graded_cell = nbformat.v4.new_code_cell("tests", outputs=[nbformat.from_dict(error)])
    graded_cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 1,
                                        "solution": False, "locked": True, "schema_version": 3}
    nb = nbformat.v4.new_notebook()
    nb.cells = [graded_cell]
    nb, _ = preprocessors.ShowOnlyErrorMessages().preprocess(nb, {})
    assert nb.cells[0].outputs[0].traceback == ["NotImplementedError: exercise not done yet",
                                                f"hint: {hint}"]


def test_find_submissions_accepts_both_layouts(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / f"{LINREG}.ipynb").write_text("{}")
    (tmp_path / "b" / SOFTMAX).mkdir(parents=True)
    (tmp_path / "b" / SOFTMAX / f"{SOFTMAX}.ipynb").write_text("{}")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.txt").write_text("")
    found = grading.find_submissions(tmp_path, [LINREG, SOFTMAX])
    assert {s: sorted(n) for s, n in found.items()} == {"a": [LINREG], "b": [SOFTMAX], "c": []}


def test_an_nbgrader_command_over_its_time_limit_is_killed(tmp_path):
    with pytest.raises(subprocess.TimeoutExpired):
        grading.nbgrader(["--version"], tmp_path, timeout=0.01)
    assert grading.nbgrader(["--version"], tmp_path).returncode == 0


def test_the_cores_are_split_between_the_jobs_at_least_one_thread_each(monkeypatch):
    monkeypatch.setattr(runner, "cores", lambda: 8)
    assert [grading.threads_per_job(j) for j in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]
    assert grading.kernel_env(2) == {"OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "4",
                                     "MPLBACKEND": "agg"}
    assert "MPLBACKEND" not in grading.kernel_env(2, figures=True)


def test_fewer_students_than_jobs_get_more_threads_each(tmp_path, monkeypatch):
    """Two students with ``--jobs 4`` on 8 cores: two kernels run at once, four threads each."""
    seen = []
    monkeypatch.setattr(runner, "_pool", ThreadPoolExecutor)  # the stand-in below runs here
    monkeypatch.setattr(runner, "_grade_student",
                        lambda *args, **kwargs: seen.append(kwargs["env"]) or [])
    monkeypatch.setattr(runner, "cores", lambda: 8)
    subs = tmp_path / "subs"
    for student in ("ada", "bob"):
        (subs / student).mkdir(parents=True)
        nbformat.write(submission(LINREG), subs / student / f"{LINREG}.ipynb")
    grading.grade(subs, tmp_path / "out", jobs=4, ids=[LINREG], progress=False,
                  say=lambda text: None)
    assert seen == [{"OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "4", "MPLBACKEND": "agg"}] * 2


@pytest.fixture(scope="module")
def probe_course(tmp_path_factory):
    """A course of one small assignment (``tests/test_hostile.py``'s probe), released."""
    from .test_hostile import PROBE, probe_notebook

    course = tmp_path_factory.mktemp("probe-course")
    (course / "solutions" / PROBE).mkdir(parents=True)
    nbformat.write(probe_notebook(), course / "solutions" / PROBE / f"{PROBE}.ipynb")
    shutil.copy2(REPO / grading.CONFIG, course / grading.CONFIG)
    grading.release(course, [PROBE])
    return course


@pytest.mark.parametrize("jobs, figures", [(1, True), (2, False)])
def test_each_graded_kernel_gets_its_share_of_the_cores_and_renders_figures_if_asked(
        probe_course, tmp_path, jobs, figures):
    from .test_hostile import PROBE, fill

    release = nbformat.read(probe_course / "course" / PROBE / f"{PROBE}.ipynb", as_version=4)
    nb = fill(release, before="import torch, matplotlib\n"
                              "print('threads:', torch.get_num_threads())\n"
                              "print('backend:', matplotlib.get_backend())")
    for student in ("ada", "bob"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "subs" / student / f"{PROBE}.ipynb")
    results = grading.grade(tmp_path / "subs", tmp_path / "out", jobs=jobs, figures=figures,
                            course_root=probe_course, progress=False, say=lambda text: None)
    assert [(r.score, r.status) for r in results] == [(5, "ok")] * 2
    backend = "module://matplotlib_inline.backend_inline" if figures else "agg"
    for student in ("ada", "bob"):
        graded_nb = nbformat.read(tmp_path / "out" / "autograded" / student / PROBE
                                  / f"{PROBE}.ipynb", as_version=4)
        printed = next(c for c in graded_nb.cells if c.get("id") == "mine").outputs[0].text
        assert printed == f"threads: {grading.threads_per_job(jobs)}\nbackend: {backend}\n"
    if grading.cores() >= 2:
        assert grading.threads_per_job(1) > grading.threads_per_job(2)


def test_the_default_jobs_is_one_per_core_within_memory(monkeypatch):
    monkeypatch.setattr(runner, "cores", lambda: 2)
    assert grading.default_jobs() == 2
    monkeypatch.setattr(runner, "cores", lambda: 64)
    assert 1 <= grading.default_jobs() <= 8


def test_release_of_one_assignment_leaves_the_others_alone(tmp_path):
    root = grading.new_course_root(tmp_path / "course")
    proc = subprocess.run([sys.executable, "-m", "helpers.grading", "release", "--root", str(root),
                           LINREG], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in (root / "course").iterdir()) == [LINREG]
