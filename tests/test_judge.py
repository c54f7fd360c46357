"""The exercise modules and the judge: diagnose-then-hint, data only, and no fake passes.

In-process tests run each judged notebook's checks (``helpers/exercises/nbNN.py``) on the
reference answers and on every known mistake, written once in the module. A real kernel
then answers the judge's requests for notebook 03 (the wire format, the kernel's agent, one
mistake costing its own points only). Last, a class of submissions graded by the instructor
command: honest ones score as before; fake passes that switch the checks off inside the
kernel, forge its messages, steal the hidden tests or call the reference answers score 0.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
import torch

from helpers import grading
from helpers.exercises import wire
from helpers.exercises.framework import ForbiddenBuiltin, LocalCall, forbid, module_of
from helpers.grading import sandbox
from helpers.grading.judge import Judge, KernelLink, RemoteCall

from .conftest import Kernel, nbgrader_meta, release_path, solution_path, submission
from .wrong_answers import CORRECT_VARIANTS

JUDGED = [a for a in grading.assignments() if Judge.for_notebook(a) is not None]
SOFTMAX = "03_softmax_scratch"


def exercises(assignment):
    return list(module_of(assignment).EXERCISES.by_name.values())


def hidden(assignment):
    return Judge.for_notebook(assignment).hidden


def run_all(assignment, exercise, target):
    """The exercise's checks on the visible and hidden cases, in this process."""
    call = LocalCall(exercise, target)
    cases = getattr(hidden(assignment), "CASES", {}).get(exercise.name, [])
    exercise.run(call, list(exercise.visible) + list(cases))
    for extra in getattr(hidden(assignment), "CHECKS", {}).get(exercise.name, []):
        extra(call)


def solution_namespace(assignment) -> dict:
    """The reference solution's definitions: its first code cell and its solution cells."""
    nb = nbformat.read(solution_path(assignment), as_version=4)
    namespace: dict = {}
    code = [c for c in nb.cells if c.cell_type == "code"]
    exec(compile("import torch\nimport torch.nn.functional as F\nfrom torch import nn\nimport math\n"
                 "import helpers\nfrom helpers.reference import sgd", "setup", "exec"), namespace)
    for cell in [code[0]] + [c for c in code if nbgrader_meta(c).get("solution")]:
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        if "explore(" in source or "helpers.set_figsize" in source:
            source = "\n".join(line for line in source.splitlines() if "set_figsize" not in line)
        exec(compile(source, f"<{assignment}>", "exec"), namespace)
    return namespace


# --------------------------------------------------------------------------- in-process

def test_a_notebook_is_judged_once_it_has_hidden_cases():
    assert SOFTMAX in JUDGED
    assert Judge.for_notebook("02_linear_regression_nn") is None   # its test cells still run in the kernel


@pytest.mark.parametrize("assignment", JUDGED)
def test_every_exercise_has_three_known_mistakes_written_as_code(assignment):
    nb = nbformat.read(solution_path(assignment), as_version=4)
    graded = {nbgrader_meta(c)["grade_id"].removeprefix("test_") for c in nb.cells
              if nbgrader_meta(c).get("grade")}
    module = module_of(assignment)
    assert graded == set(module.EXERCISES.by_name), "every graded test cell has its exercise"
    counts = {e.name: sum(m.code is not None for m in e.mistakes) for e in exercises(assignment)}
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize("assignment", JUDGED)
def test_the_reference_solution_passes_the_visible_and_hidden_cases(assignment):
    namespace = solution_namespace(assignment)
    for exercise in exercises(assignment):
        run_all(assignment, exercise, namespace[exercise.target])


RIGHT = [pytest.param(a, r, id=f"{a[:2]}-{r.grade_id}-{r.what}")
         for a in JUDGED for r in CORRECT_VARIANTS.get(a, [])]


@pytest.mark.parametrize("assignment, right", RIGHT)
def test_a_right_answer_written_differently_passes_the_hidden_cases_too(assignment, right):
    namespace = solution_namespace(assignment)
    exec(compile(right.source, "<answer>", "exec"), namespace)
    exercise = module_of(assignment).EXERCISES.by_name[right.grade_id]
    run_all(assignment, exercise, namespace[exercise.target])


MISTAKES = [pytest.param(a, e.name, m.what, id=f"{a[:2]}-{e.name}-{m.what}")
            for a in JUDGED for e in exercises(a) for m in e.mistakes if m.code is not None]


@pytest.mark.parametrize("assignment, name, what", MISTAKES)
def test_a_known_mistake_fails_the_visible_checks_with_its_own_hint(assignment, name, what):
    exercise = module_of(assignment).EXERCISES.by_name[name]
    mistake = exercise.known(what)
    with pytest.raises(AssertionError) as failure:
        exercise.run(LocalCall(exercise, mistake.code), list(exercise.visible))
    message = str(failure.value)
    assert mistake.hint in message, f"{what}: the message does not name its cause\n{message}"
    others = [m.hint for m in exercise.mistakes if m is not mistake and m.hint not in mistake.hint]
    assert not any(hint in message for hint in others), f"{what}: another mistake's hint\n{message}"


def test_an_undetected_mistake_gets_a_question_not_a_cause():
    """A wrong softmax no known mistake explains (it squares the probabilities): the message
    shows the case, expected and got, and asks; no known mistake's hint appears."""
    exercise = module_of(SOFTMAX).EXERCISES.by_name["softmax"]

    def squared(O):
        E = (O - O.max(dim=1, keepdim=True).values).exp()
        return (E / E.sum(dim=1, keepdim=True)) ** 2

    with pytest.raises(AssertionError) as failure:
        exercise.run(LocalCall(exercise, squared), list(exercise.visible))
    message = str(failure.value)
    assert "expected:" in message and "got:" in message and "?" in message.splitlines()[-1]
    assert not any(m.hint in message for m in exercise.mistakes)


def test_a_cause_is_named_only_when_one_known_mistake_explains_every_result():
    """Two known mistakes give inf for logits around 1000 (no shift; -log of softmax); only
    one of them also gives what the learner got on the earlier inputs, so only it is named."""
    exercise = module_of(SOFTMAX).EXERCISES.by_name["cross_entropy"]
    no_shift = exercise.known("no shift")
    with pytest.raises(AssertionError) as failure:
        exercise.run(LocalCall(exercise, no_shift.code), list(exercise.visible))
    assert no_shift.hint in str(failure.value)
    assert exercise.known("-log of softmax").hint not in str(failure.value)


def test_a_forbidden_built_in_raises_wherever_the_learner_keeps_it():
    from torch.nn.functional import softmax as kept  # bound before the guard starts

    def sneaky(O):
        return kept(O, dim=1)

    with forbid({"torch.nn.functional.softmax": "write it yourself."}, sneaky):
        with pytest.raises(ForbiddenBuiltin, match="write it yourself"):
            sneaky(torch.zeros(1, 2))
        with pytest.raises(ForbiddenBuiltin):
            torch.nn.functional.softmax(torch.zeros(1, 2), 1)
    assert torch.nn.functional.softmax(torch.zeros(1, 2), 1).sum() == 1   # put back
    assert sneaky(torch.zeros(1, 2)).sum() == 1


# --------------------------------------------------------------------------- the wire

def test_data_crosses_the_wire_unchanged():
    value = {"t": torch.arange(6.0).reshape(2, 3).requires_grad_(), "i": torch.tensor([1, 2]),
             "b": torch.tensor([True]), "n": [1, 2.5, float("nan"), None, "s", (3, 4)],
             "e": torch.empty(0, 3)}
    back = wire.decode(wire.encode(value))
    assert torch.equal(back["t"].detach(), value["t"].detach()) and back["t"].requires_grad
    assert back["i"].dtype == torch.int64 and torch.equal(back["i"], value["i"])
    assert back["n"][:2] == [1, 2.5] and back["n"][2] != back["n"][2] and back["n"][3:] == [None, "s", (3, 4)]
    assert back["e"].shape == (0, 3)


def test_what_is_not_data_arrives_as_its_type_name_only():
    class Agreeable(torch.Tensor):
        pass

    class Anything:
        def __eq__(self, other):
            return True

    back = wire.decode(wire.encode([torch.zeros(2).as_subclass(Agreeable), Anything(), print]))
    assert [type(b) for b in back] == [wire.Opaque] * 3
    assert "Agreeable" in back[0].type_name and "Anything" in back[1].type_name
    assert back[1] != 1 and not (back[1] == back[0])


@pytest.mark.parametrize("message", [
    '{"$pickle": "gASV"}', '{"$tensor": {"dtype": "object", "shape": [1], "data": ""}}',
    '{"$tensor": {"dtype": "float32", "shape": [4], "data": "AAAA"}}', '{"$numpy": ["object", 1]}',
    '{"$dict": {"a": 1}, "$tuple": []}', "not json",
    '{"$tensor": {"dtype": "float32", "shape": [-1], "data": ""}}'])
def test_a_message_that_is_not_data_is_refused(message):
    with pytest.raises(wire.WireError):
        wire.decode(message)


# --------------------------------------------------------------------------- a real kernel

_kernels: dict[str, Kernel] = {}


@pytest.fixture(scope="module")
def kernels():
    yield _kernels
    for kernel in _kernels.values():
        kernel.close()
    _kernels.clear()


def judged_kernel(kernels, assignment) -> Kernel:
    """A kernel that ran the release of ``assignment`` with the reference answers filled in."""
    if assignment not in kernels:
        kernel = Kernel(cwd=release_path(assignment).parent, env={"MPLBACKEND": "agg"})
        for cell in submission(assignment).cells:
            if cell.cell_type == "code" and not nbgrader_meta(cell).get("grade"):
                reply, messages = kernel.execute(cell.source)
                assert reply["status"] == "ok", messages
        kernels[assignment] = kernel
    return kernels[assignment]


@pytest.fixture
def softmax_kernel(kernels):
    return judged_kernel(kernels, SOFTMAX)


def verdicts(kernel, judge) -> dict[str, tuple[bool, str]]:
    link = KernelLink(kernel.kc, kernel.km, timeout=120)
    return {e: judge.verdict(f"test_{e}", link) for e in judge.exercises.by_name}


@pytest.mark.parametrize("assignment", JUDGED)
def test_the_judge_passes_the_reference_through_a_kernel(kernels, assignment):
    kernel = judged_kernel(kernels, assignment)
    results = verdicts(kernel, Judge(assignment))
    assert all(passed for passed, _ in results.values()), results
    reply, messages = kernel.execute("print([c for c in In[:-1] if 'serve(' in c])")
    shown = [c["text"] for t, c in messages if t == "stream"]
    assert shown == ["[]\n"], f"a judge's request entered the kernel's history: {shown}"


FIRST_MISTAKES = [pytest.param(a, e.name, next(m.what for m in e.mistakes if m.code is not None),
                               id=f"{a[:2]}-{e.name}")
                  for a in JUDGED for e in exercises(a)]


@pytest.mark.parametrize("assignment, name, what", FIRST_MISTAKES)
def test_through_a_kernel_one_mistake_costs_its_own_points_only(kernels, assignment, name, what):
    kernel = judged_kernel(kernels, assignment)
    judge = Judge(assignment)
    exercise = judge.exercises.by_name[name]
    index = exercise.mistakes.index(exercise.known(what))
    bind = (f"import helpers.exercises.nb{assignment[:2]} as _module\n"
            f"{exercise.target} = _module.EXERCISES.by_name[{name!r}].mistakes[{index}].code")
    reference = next(c.source for c in submission(assignment).cells
                     if nbgrader_meta(c).get("grade_id") == name)
    try:
        assert kernel.execute(bind)[0]["status"] == "ok"
        results = verdicts(kernel, judge)
    finally:
        assert kernel.execute(reference)[0]["status"] == "ok"
    assert not results[name][0] and exercise.known(what).hint in results[name][1], results[name]
    assert {e: r for e, r in results.items() if e != name and not r[0]} == {}


def test_a_learner_module_is_exercised_through_data_only(softmax_kernel):
    """The ``module`` harness builds a class of the learner's in the kernel and sends back
    its parameters, state and outputs in both modes: nothing but data reaches the judge."""
    judge = Judge(SOFTMAX)
    softmax_kernel.execute("class Tiny(nn.Module):\n"
                           "    def __init__(self, n):\n"
                           "        super().__init__()\n"
                           "        self.fc, self.drop = nn.Linear(n, 2), nn.Dropout(0.5)\n"
                           "    def forward(self, X):\n"
                           "        return self.drop(self.fc(X))\n")
    call = RemoteCall(KernelLink(softmax_kernel.kc, softmax_kernel.km, 60), SOFTMAX,
                      judge.exercises.by_name["evaluate_accuracy"], "Tiny")
    report = call.via("module", 3, inputs=(torch.ones(4, 3),)).ok()
    assert report["module"] and report["type"] == "__main__.Tiny"
    assert report["parameters"] == [["fc.weight", [2, 3], True], ["fc.bias", [2], True]]
    assert set(report["state"]) == {"fc.weight", "fc.bias"}
    train, evaluated = report["outputs"]["train"][0], report["outputs"]["eval"][0]
    assert type(train) is torch.Tensor and train.shape == (4, 2)
    assert (train == 0).any() and not (evaluated == 0).any()   # dropout on, then off
    assert report["training_after_eval"] is False


def test_the_judge_says_when_the_kernel_gives_no_answer(softmax_kernel):
    judge = Judge(SOFTMAX)
    link = KernelLink(softmax_kernel.kc, softmax_kernel.km, timeout=3)
    try:
        softmax_kernel.execute("import time\n_real_accuracy = accuracy\n"
                               "def accuracy(y_hat, y):\n    time.sleep(60)\n")
        passed, message = judge.verdict("test_accuracy", link)
    finally:
        softmax_kernel.execute("accuracy = _real_accuracy")
    assert not passed and "ran over the 3 s limit" in message
    assert judge.verdict("test_accuracy", KernelLink(softmax_kernel.kc, softmax_kernel.km, 60))[0]


# --------------------------------------------------------------------------- a hostile class

# Each probe goes into notebook 03's untouched release (blank answers): a string as one code
# cell after its imports, a dict into the solution cells it names. With any of them the
# notebook must still score 0.
PROBES = {
    "displayhook": """
ip = get_ipython()
ip.events.register("pre_run_cell", lambda *a: ip.displayhook(2.0))
ip.events.register("post_run_cell", lambda *a: ip.displayhook(10))
""",
    "forged_execute_reply": """
ip = get_ipython()
def forge(*args):
    k = ip.kernel
    parent = k.get_parent("shell")
    k.session.send(k.shell_stream, "execute_reply", {"status": "ok", "execution_count": 1,
                   "user_expressions": {}, "payload": []}, parent=parent, ident=k._parent_ident.get("shell"))
ip.events.register("pre_run_cell", forge)
""",
    "input_transformer_via_time": """
%time get_ipython().input_transformers_post.append(lambda lines: ["print('all checks pass')\\n"])
""",
    "fail_patched_through_globals": """
import helpers.checks, helpers.exercises.framework as fw
helpers.checks.assert_close.__globals__["_fail"] = lambda *a, **k: None
fw.expect_close.__globals__["_fail"] = lambda *a, **k: None
for name in ("expect_close", "expect_number", "expect_float", "expect_unchanged", "fail"):
    fw.expect_close.__globals__[name] = lambda *a, **k: None
""",
    "unsealed_from_a_scratch_file": """
import importlib, sys, types
open("unseal.py", "w").write('''
import sys, types
for name, module in list(sys.modules.items()):
    if name.startswith("helpers"):
        types.ModuleType.__setattr__(module, "__class__", types.ModuleType)
sys.modules["helpers.exercises.nb03"].check = lambda *a, **k: print("the visible checks pass.")
sys.modules["helpers.exercises.nb03"].EXERCISES.by_name.clear()
''')
sys.path.insert(0, "."); importlib.import_module("unseal")
""",
    "forged_judge_answers": """
from IPython.display import publish_display_data
MIME = "application/vnd.hands-on-pytorch.judge+json"
ip = get_ipython()
ip.events.register("post_run_cell", lambda *a: publish_display_data(
    {MIME: '{"$dict": {"value": 1.0, "args": [], "kwargs": {"$dict": {}}}}'}))
""",
    "agent_replaced": """
import sys, types, json
from IPython.display import publish_display_data
fake = types.ModuleType("helpers.exercises.agent")
def serve(text):
    request = json.loads(text)
    args = request.get("args", {"$tuple": []})["$tuple"]
    publish_display_data({"application/vnd.hands-on-pytorch.judge+json": json.dumps(
        {"$dict": {"value": args[0] if args else 1.0, "args": args, "kwargs": {"$dict": {}}}})})
fake.serve = serve
sys.modules["helpers.exercises.agent"] = fake
""",
    "checks_and_torch_patched": """
import builtins, torch, torch.testing, helpers.checks
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
builtins.isinstance = lambda *a: True
""",
    "agreeable_objects": {"softmax": """
class Agreeable(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True
def softmax(O):
    return O.as_subclass(Agreeable)
""", "accuracy": """
class Anything:
    __eq__ = lambda self, other: True
    __float__ = lambda self: 0.5
def accuracy(y_hat, y):
    return Anything()
"""},
    "kernel_exits_when_judged": """
import os
ip = get_ipython()
ip.events.register("pre_run_cell", lambda info: os._exit(0) if "exercises.agent" in info.raw_cell else None)
""",
    "string_that_prints_like_the_answer": {"accuracy": """
def accuracy(y_hat, y):
    return "0.6666666666666666"
""", "train_epoch": """
def train_epoch(net, train_iter, loss, params, lr):
    return float("nan")
"""},
    "thief": """
import glob, inspect, linecache, os, sys
ip = get_ipython()
def steal(info):
    if "import glob" not in info.raw_cell:
        print("STOLEN:", info.raw_cell[:300], list(linecache.cache)[-20:],
              [f.filename for f in inspect.stack()[:40]])
    package = os.path.dirname(helpers.__file__)
    print("FILES:", glob.glob(package + "/grading/**/*.py", recursive=True)[:5])
ip.events.register("pre_run_cell", steal)
ip.events.register("post_run_cell", lambda *a: print(
    "HISTORY:", [c for c in ip.user_ns["In"] if "import glob" not in c][-5:]))
""",
    "reference_answers_called": {"accuracy": """
def accuracy(y_hat, y):
    from helpers.reference import accuracy as answer
    return answer(y_hat, y)
""", "evaluate_accuracy": """
def evaluate_accuracy(net, data_iter):
    import helpers.reference.answers as ref
    return ref.accuracy(net(next(iter(data_iter))[0]), next(iter(data_iter))[1])
"""},
}

# Honest submissions: the reference, the untouched release and a partial one (softmax and
# accuracy right), with the scores they had before the judge.
HONEST = {"reference": 10.0, "release": 0.0, "partial": 3.0}


def probe_notebook(probe: str | dict) -> nbformat.NotebookNode:
    nb = nbformat.read(release_path(SOFTMAX), as_version=4)
    if isinstance(probe, dict):
        for cell in nb.cells:
            if nbgrader_meta(cell).get("grade_id") in probe:
                cell.source = probe[nbgrader_meta(cell)["grade_id"]]
        return nb
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first + 1, nbformat.v4.new_code_cell(probe))
    return nb


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    if sandbox.problem() is not None:
        pytest.skip(f"no sandbox here: {sandbox.problem()}")
    root = tmp_path_factory.mktemp("judged-class")
    subs = root / "submissions"
    notebooks = {f"probe_{name}": probe_notebook(src) for name, src in PROBES.items()}
    notebooks["honest_reference"] = submission(SOFTMAX)
    notebooks["honest_release"] = nbformat.read(release_path(SOFTMAX), as_version=4)
    partial = nbformat.read(release_path(SOFTMAX), as_version=4)
    answers = {nbgrader_meta(c).get("grade_id"): c.source for c in submission(SOFTMAX).cells}
    for cell in partial.cells:
        if nbgrader_meta(cell).get("grade_id") in ("softmax", "accuracy"):
            cell.source = answers[nbgrader_meta(cell)["grade_id"]]
    notebooks["honest_partial"] = partial
    for student, nb in notebooks.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / f"{SOFTMAX}.ipynb")
    out = root / "out"
    results = grading.grade(subs, out, ids=[SOFTMAX], jobs=2, timeout=60, progress=False,
                            require_sandbox=True, say=lambda text: None)
    return {r.student_id: r for r in results}, out


@pytest.mark.parametrize("name", PROBES)
def test_a_fake_pass_scores_nothing(hostile_class, name):
    results, out = hostile_class
    r = results[f"probe_{name}"]
    assert r.score == 0.0, (r.status, r.detail,
                            [(e.grade_id, e.points, e.message[:200]) for e in r.exercises])


@pytest.mark.parametrize("student, score", HONEST.items())
def test_honest_submissions_score_as_before(hostile_class, student, score):
    results, out = hostile_class
    r = results[f"honest_{student}"]
    assert (r.score, r.status) == (score, grading.Status.OK), r.detail


def test_the_hidden_tests_cannot_be_stolen(hostile_class):
    results, out = hostile_class
    seen = json.dumps([c.get("outputs", []) for p in (out / "autograded" / "probe_thief").rglob("*.ipynb")
                       for c in nbformat.read(p, as_version=4).cells])   # what the thief printed
    assert "STOLEN:" in seen and "HISTORY:" in seen   # the thief ran, and what it found is here
    hidden_text = (Path(grading.__file__).parent / "hidden" / "nb03.py").read_text()
    labels = re.findall(r'\("([^"]{12,})"', hidden_text)   # the hidden cases' names
    assert labels and not any(label in seen for label in labels)
    assert "FILES: []" in seen and "FILES: [" + chr(92) not in seen and "hidden/nb03.py" not in seen
    assert "CHECKS" not in seen and "_gradient_of_cross_entropy" not in seen


def test_calling_the_reference_answers_scores_nothing_and_says_why(hostile_class):
    results, out = hostile_class
    messages = {e.grade_id: e.message for e in results["probe_reference_answers_called"].exercises}
    assert "cannot be used while grading" in messages["test_accuracy"]


def test_the_tampering_finder_still_reports_as_advice(hostile_class):
    results, out = hostile_class
    flagged = [r for r in results.values() if r.status == grading.Status.REVIEW]
    assert flagged and all(r.detail.startswith("advice: the judge's score stands") for r in flagged)
    assert all(r.score == 0.0 for r in flagged)
