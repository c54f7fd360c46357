"""Hostile and broken submissions, graded together with honest ones, in parallel.

A small assignment of the same make as the course's (two exercises, 5 points, checks from
``helpers.checks``, hidden tests) keeps the run short. Each submission below has its
expected score and status; on top, the honest students' results must be byte-identical to
a run without the hostile ones, and nothing outside the results may change.
"""
from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from helpers import grading
from helpers.grading import sandbox

REPO = Path(__file__).resolve().parents[1]
PROBE = "99_probe"
HIDDEN_MARK = "hidden-test-4711"
TIMEOUT = 20
pytestmark = pytest.mark.skipif(sandbox.problem() is not None,
                                reason=f"no sandbox here: {sandbox.problem()}")

SOL = {"grade": False, "locked": False, "schema_version": 3, "solution": True, "task": False}
TEST = {"grade": True, "locked": True, "schema_version": 3, "solution": False, "task": False}

DOUBLE = "def double(x):\n    return 2 * x"
COUNT = "def count(xs):\n    return len(xs)"
TEST_DOUBLE = f"""import torch
from helpers.checks import assert_close
assert_close(double(torch.arange(3.0)), torch.tensor([0.0, 2.0, 4.0]), name="double",
             hint="multiply by 2")
### BEGIN HIDDEN TESTS
assert_close(double(torch.ones(2)), torch.full((2,), 2.0), name="double ({HIDDEN_MARK})")
### END HIDDEN TESTS
print("double: the visible checks pass.")"""
TEST_COUNT = """from helpers.checks import check
n = count([1, 2, 3])
check(type(n) is int and n == 3, "count", "wrong count.", expected="3, an int", got=repr(n),
      hint="len() counts the items")
print("count: the visible checks pass.")"""


def probe_notebook() -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# 99 · Probe", id="intro"),
             nbformat.v4.new_code_cell("import torch", id="setup"),
             nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\n{DOUBLE}\n### END SOLUTION",
                                       id="double", metadata={"nbgrader": dict(SOL, grade_id="double")}),
             nbformat.v4.new_code_cell(TEST_DOUBLE, id="test_double", metadata={
                 "nbgrader": dict(TEST, grade_id="test_double", points=3)}),
             nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\n{COUNT}\n### END SOLUTION",
                                       id="count", metadata={"nbgrader": dict(SOL, grade_id="count")}),
             nbformat.v4.new_code_cell(TEST_COUNT, id="test_count", metadata={
                 "nbgrader": dict(TEST, grade_id="test_count", points=2)})]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def fill(release: nbformat.NotebookNode, double: str = DOUBLE, count: str = COUNT, *,
         before: str | None = None, tests: dict[str, str | None] | None = None):
    """The release with the two answers; ``before`` adds a cell before the first exercise,
    ``tests`` replaces (a string) or deletes (``None``) test cells."""
    nb = nbformat.from_dict(release)
    answers = {"double": double, "count": count}
    cells = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "double" and before is not None:
            cells.append(nbformat.v4.new_code_cell(before, id="mine"))
        if grade_id in answers:
            cell.source = answers[grade_id]
        if tests and grade_id in tests:
            if tests[grade_id] is None:
                continue
            cell.source = tests[grade_id]
        cells.append(cell)
    nb.cells = cells
    return nb


def vandal(paths: list[Path]) -> str:
    return (f"import os\nfor path in {[str(p) for p in paths]!r}:\n"
            "    for root, dirs, files in os.walk(path):\n"
            "        for name in files:\n"
            "            try:\n"
            "                open(os.path.join(root, name), 'ab').write(b'!')\n"
            "            except OSError:\n"
            "                pass\n" + DOUBLE)


def relative_vandal() -> str:
    """Walks up from its working folder, appending to every file within 4 levels below."""
    return ("import os\nhere = os.getcwd()\nwhile os.path.dirname(here) != here:\n"
            "    here = os.path.dirname(here)\n"
            "    for root, dirs, files in os.walk(here):\n"
            "        if root.count(os.sep) - here.count(os.sep) >= 4 or "
            "root.startswith(('/usr', '/proc', '/sys')):\n"
            "            dirs[:] = []\n"
            "        for name in files:\n"
            "            try:\n"
            "                open(os.path.join(root, name), 'ab').write(b'!')\n"
            "            except OSError:\n"
            "                pass\n" + DOUBLE)


THIEF = ("import glob, os, helpers\n"
         "repo = os.path.dirname(os.path.dirname(helpers.__file__))\n"
         "for base in (repo, os.path.dirname(os.getcwd()), '/tmp', os.path.expanduser('~')):\n"
         "    for path in glob.glob(base + '/**/*.ipynb', recursive=True):\n"
         "        print(open(path).read())\n"
         + DOUBLE)
FORK_BOMB = COUNT + ("\nimport os, time\nfor i in range(200):\n    if os.fork() == 0:\n"
                     "        time.sleep(60)\n        os._exit(0)")
WRONG_DOUBLE = "def double(x):\n    return x + 2"


def hostile_set(release, course: Path, subs: Path, out: Path) -> dict[str, tuple]:
    """student -> (notebook or raw text, expected score, expected status, detail fragment)."""
    return {
        "honest_full": (fill(release, before="get_ipython().run_line_magic('matplotlib', 'inline')\n"
                                           "with torch.no_grad():\n    torch.ones(2).sum()"),
                        5, "ok", ""),
        "honest_partial": (fill(release, count="def count(xs):\n    return float(len(xs))"),
                           3, "ok", ""),
        "honest_blank": (fill(release, double=release.cells[2].source, count=release.cells[4].source),
                         0, "ok", ""),
        "loop": (fill(release, double="while True:\n    pass"), 2, "ok", "double ran over"),
        "sleep": (fill(release, count="import time\ntime.sleep(1000)"), 3, "ok", "count ran over"),
        "system_exit": (fill(release, double="raise SystemExit(0)\n" + DOUBLE), 2, "ok", ""),
        "os_exit": (fill(release, before=DOUBLE + "\n" + COUNT, double="import os\nos._exit(1)"),
                    5, "ok", "double killed its kernel"),
        "deaf": (fill(release, double="import signal, time\nsignal.signal(signal.SIGINT, "
                                      "signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)"),
                 2, "ok", "double ran over"),
        "tampered_test": (fill(release, double=WRONG_DOUBLE, tests={"test_double": "pass"}),
                          2, "ok", ""),
        "deleted_tests": (fill(release, double=WRONG_DOUBLE, tests={"test_double": None,
                                                                     "test_count": None}),
                          2, "ok", ""),
        "flood": (fill(release, count=COUNT + "\nprint('x' * 10_000_000)"), 5, "ok", ""),
        "unknown_kernel": (_with_kernel(fill(release), "no-such-kernel"), 5, "ok", ""),
        "corrupt": ("{ not json", 0, "error", "NotJSONError"),
        "empty": ("", 0, "error", ""),
        "marker": (fill(release, count=COUNT + "\n# ### BEGIN HIDDEN TESTS (my notes)"), 5, "ok", ""),
        "vandal_absolute": (fill(release, double=vandal([course, subs, out, REPO / "solutions",
                                                         REPO / "course", REPO / "helpers"])),
                            5, "ok", ""),
        "vandal_relative": (fill(release, double=relative_vandal()), 5, "ok", ""),
        "thief": (fill(release, double=THIEF), 5, "ok", ""),
        "setsid": (fill(release, double="import subprocess\nsubprocess.Popen(['setsid', 'sleep', "
                                        "'999.25'])\n" + DOUBLE), 5, "ok", ""),
        "memory": (fill(release, before="import torch\ntry:\n    torch.empty(6 * 2**30, "
                                       "dtype=torch.uint8).fill_(1)\nexcept RuntimeError:\n"
                                       "    print('no memory')"), 5, "ok", ""),
        "fork_bomb": (fill(release, count=FORK_BOMB), 3, "ok", "count started too many processes"),
        "network": (fill(release, before="import socket\ntry:\n    socket.create_connection("
                                        "('1.1.1.1', 80), timeout=3)\nexcept OSError as e:\n"
                                        "    print(e)"), 5, "ok", ""),
        # fake passes: 0 points for the exercise, or review
        "fake_rebind": (fill(release, double="assert_close = lambda *a, **k: None\n" + WRONG_DOUBLE),
                        0, "review", "rebinds the course's `assert_close`"),
        "fake_hook": (fill(release, double=WRONG_DOUBLE, before=(
            "def swap(info):\n    globals()['double'] = lambda x: 2 * x\n"
            "get_ipython().events.register('pre_run_cell', swap)")), 0, "review", ".events"),
        "fake_checks": (fill(release, double="import helpers.checks\nhelpers.checks.assert_close = "
                                             "lambda *a, **k: None\n" + WRONG_DOUBLE),
                        0, "review", "changes helpers.checks.assert_close"),
        "fake_testing": (fill(release, double="import torch.testing\ntorch.testing.assert_close = "
                                              "lambda *a, **k: None\n" + WRONG_DOUBLE),
                         0, "review", "changes torch.testing.assert_close"),
        "fake_builtins": (fill(release, count="import builtins\nbuiltins.type = lambda o: int\n"
                                              "def count(xs):\n    return '3'"),
                          0, "review", "changes builtins.type"),
        "fake_modules": (fill(release, double="import sys, types\nsys.modules['helpers.checks'] = "
                                              "types.SimpleNamespace(assert_close=print)\n"
                                              + WRONG_DOUBLE), 0, "review", "sys.modules"),
        "fake_excepthook": (fill(release, double=WRONG_DOUBLE, before=(
            "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)")),
            0, "review", ".set_custom_exc"),
        "fake_eq": (fill(release, count="class Three:\n    def __eq__(self, other):\n"
                                        "        return True\ndef count(xs):\n    return Three()"),
                    0, "review", "scored 3 before review"),
        "fake_tensor": (fill(release, double="class Agree(torch.Tensor):\n    @classmethod\n"
                                             "    def __torch_function__(cls, *a, **k):\n"
                                             "        return True\ndef double(x):\n"
                                             "    return x.as_subclass(Agree)"),
                        0, "review", "scored 2 before review"),
        "fake_print": (fill(release, double="def double(x):\n    return 'tensor([0., 2., 4.])'"),
                       2, "ok", ""),
        "fake_exec": (fill(release, double=WRONG_DOUBLE + "\nexec(bytes.fromhex('"
                                           + b"import helpers.checks".hex() + "').decode())"),
                      0, "review", "runs code from a string"),
    }


def _with_kernel(nb, name):
    nb.metadata.kernelspec = {"name": name, "display_name": name, "language": "python"}
    return nb


def tree_hashes(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    hashes = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(part in skip for part in path.relative_to(root).parts):
            hashes[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def repository_hashes() -> dict[str, str]:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split("\0")
    return {name: hashlib.sha256((REPO / name).read_bytes()).hexdigest()
            for name in tracked if name and (REPO / name).is_file()}


def write_submissions(subs: Path, students: dict[str, tuple]) -> None:
    for student, (notebook, *_) in students.items():
        (subs / student).mkdir(parents=True)
        path = subs / student / f"{PROBE}.ipynb"
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, path)


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    course = base / "course-root"
    (course / "solutions" / PROBE).mkdir(parents=True)
    shutil.copy2(REPO / grading.CONFIG, course / grading.CONFIG)
    nbformat.write(probe_notebook(), course / "solutions" / PROBE / f"{PROBE}.ipynb")
    grading.release(course, [PROBE])
    release = nbformat.read(course / "course" / PROBE / f"{PROBE}.ipynb", as_version=4)

    honest_subs, subs = base / "honest", base / "submissions"
    honest_out, out = base / "honest-results", base / "results"
    students = hostile_set(release, course, subs, out)
    honest = {s: v for s, v in students.items() if s.startswith("honest")}
    write_submissions(honest_subs, honest)
    write_submissions(subs, students)
    grading.grade(honest_subs, honest_out, timeout=TIMEOUT, jobs=2, course_root=course,
                  progress=False, require_sandbox=True, say=lambda text: None)

    before = {"course": tree_hashes(course), "subs": tree_hashes(subs),
              "repo": repository_hashes()}
    start = time.monotonic()
    grading.grade(subs, out, timeout=TIMEOUT, jobs=2, course_root=course, progress=False,
                  require_sandbox=True, say=lambda text: None)
    seconds = time.monotonic() - start
    artifacts = REPO / "test-artifacts" / "grading"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "hostile-class.txt").write_text(
        f"{len(students)} submissions (honest, hostile and broken), --jobs 2, --timeout {TIMEOUT}: "
        f"graded in {seconds:.0f} s\n")
    after = {"course": tree_hashes(course), "subs": tree_hashes(subs),
             "repo": repository_hashes()}
    return dict(students=students, out=out, honest_out=honest_out, before=before,
                after=after, seconds=seconds)


def test_there_are_enough_hostile_and_broken_submissions(graded):
    hostile = [s for s in graded["students"] if not s.startswith("honest")]
    assert len(hostile) >= 18
    assert sum(s.startswith("fake") for s in hostile) >= 8


@pytest.mark.parametrize("student", [
    "honest_full", "honest_partial", "honest_blank", "loop", "sleep", "system_exit", "os_exit",
    "deaf", "tampered_test", "deleted_tests", "flood", "unknown_kernel", "corrupt", "empty",
    "marker", "vandal_absolute", "vandal_relative", "thief", "setsid", "memory", "fork_bomb",
    "network", "fake_rebind", "fake_hook", "fake_checks", "fake_testing", "fake_builtins",
    "fake_modules", "fake_excepthook", "fake_eq", "fake_tensor", "fake_print", "fake_exec"])
def test_each_submission_gets_its_expected_score_and_status(graded, student):
    _, score, status, detail = graded["students"][student]
    row = rows(graded["out"])[student]
    assert row["status"] == status, row
    if score is not None:
        assert float(row["score"]) == score, row
    assert detail in row["detail"], row
    if status == "review":   # tampering is never rewarded: 0 until a person has looked
        assert float(row["score"]) == 0 and "before review" in row["detail"]


def test_nothing_outside_the_results_changes(graded):
    assert graded["after"]["repo"] == graded["before"]["repo"]
    assert graded["after"]["course"] == graded["before"]["course"]
    assert graded["after"]["subs"] == graded["before"]["subs"]


def test_honest_students_get_byte_identical_results_beside_hostile_ones(graded):
    out, alone = graded["out"], graded["honest_out"]
    for student in ("honest_full", "honest_partial", "honest_blank"):
        assert rows(out)[student] == rows(alone)[student]
        for kind in ("autograded", "feedback"):
            assert tree_hashes(out / kind / student) == tree_hashes(alone / kind / student), \
                (kind, student)


def test_no_process_outlives_grading(graded):
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "sleep 999.25" not in ps
    assert "bwrap" not in ps


def test_feedback_holds_no_stolen_tests_and_no_flood(graded):
    out = graded["out"]
    page = (out / "feedback" / "thief" / PROBE / f"{PROBE}.html").read_text()
    assert HIDDEN_MARK not in page
    flood = out / "autograded" / "flood" / PROBE / f"{PROBE}.ipynb"
    assert flood.stat().st_size < 400_000
    assert "output cut" in flood.read_text()
    assert (out / "feedback" / "marker" / PROBE / f"{PROBE}.html").is_file()


def test_a_killed_cell_says_so_in_the_feedback(graded):
    page = (graded["out"] / "feedback" / "os_exit" / PROBE / f"{PROBE}.html").read_text()
    assert "The kernel died while running this cell" in page


def test_grading_the_class_stays_within_its_bound(graded):
    # 33 submissions, 2 at a time; the slow ones are bounded by the cell timeout
    assert graded["seconds"] < 33 * (2 * TIMEOUT + 10) / 2
