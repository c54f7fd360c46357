"""The tampering finder: it reports the lines that patch grading, and nothing honest."""
from __future__ import annotations

import nbformat
import pytest

from helpers import grading
from helpers.grading import tampering

from .conftest import release_path, solution_path
from .wrong_answers import CORRECT_VARIANTS, WRONG_ANSWERS

SETUP = "import torch\nfrom torch import nn\nimport helpers\nfrom helpers import checks"


def findings(source: str) -> list[tampering.Finding]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP, id="setup"),
                                         nbformat.v4.new_code_cell(source, id="answer")])
    return tampering.find(nb)


HOSTILE = {
    "helpers.checks.assert_close = lambda *a, **k: None": "changes helpers.checks.assert_close",
    "checks.check = print": "changes helpers.checks.check",
    "setattr(helpers.checks, 'check', print)": "changes helpers.checks (setattr)",
    "for m in (helpers, checks):\n    setattr(m, 'check', print)": "(setattr)",
    "vars(helpers.checks).update(check=print)": "reaches into helpers.checks (vars)",
    "helpers.checks.__dict__['check'] = print": "reaches into helpers.checks (__dict__)",
    "import torch.testing as tt\ntt.assert_close = lambda *a, **k: None": "changes torch.testing",
    "torch.allclose = lambda *a, **k: True": "changes torch.allclose",
    "torch.Tensor.__eq__ = lambda s, o: True": "changes torch.Tensor.__eq__",
    "import sys\nsys.modules['helpers.checks'] = object()": "changes sys.modules",
    "import sys\nsys.modules.pop('helpers.checks')": "changes sys.modules",
    "import builtins\nbuiltins.isinstance = lambda *a: True": "changes builtins.isinstance",
    "__builtins__.print = None": "changes builtins.print",
    "get_ipython().events.register('pre_run_cell', print)": "hooks into the interpreter (.events)",
    "ip = get_ipython()\nip.set_custom_exc((Exception,), print)": "(.set_custom_exc)",
    "get_ipython().showtraceback = lambda *a, **k: None": "(.showtraceback)",
    "import sys\nsys.excepthook = print": "(.excepthook)",
    "exec(bytes.fromhex('7072696e74').decode())": "runs code from a string (exec)",
    "import importlib\nimportlib.reload(helpers)": "imports importlib",
    "import ctypes": "imports ctypes",
    "check = assert_close = lambda *a, **k: None": "rebinds the course's `check`",
    "class Fake(torch.Tensor):\n    pass": "defines a torch.Tensor subclass",
    "class Yes:\n    def __eq__(self, other):\n        return True": "defines __eq__",
    "class Yes(float):\n    __eq__ = lambda s, o: True": "defines __eq__",
    "class T:\n    @classmethod\n    def __torch_function__(cls, *a, **k):\n        return True":
        "defines __torch_function__",
}

HONEST = [
    "with torch.no_grad():\n    w -= 0.1 * w.grad",
    "get_ipython().run_line_magic('matplotlib', 'inline')",
    "%matplotlib inline\nimport matplotlib.pyplot as plt",
    "torch.manual_seed(0)\ntorch.set_num_threads(1)",
    "torch.backends.cudnn.deterministic = True",
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc = nn.Linear(2, 1)\n    def forward(self, x):\n        return self.fc(x)",
    "net = nn.Sequential(nn.Linear(2, 1))\nnet[0].weight.data.normal_(0, 0.01)",
    "import numpy as np\nx = np.zeros(3)\nx[0] = 1",
    "plt.rcParams['figure.figsize'] = (4, 3)",
    "setattr(self_like := type('S', (), {})(), 'a', 1)",
    "%%time\nsum(range(10))",
]


@pytest.mark.parametrize("source", HOSTILE, ids=list(HOSTILE.values()))
def test_tampering_is_found_with_its_line(source):
    found = findings(source)
    assert any(HOSTILE[source] in f.why or HOSTILE[source] in str(f) for f in found), found
    assert all(f.cell == "answer" and f.line >= 1 for f in found)


@pytest.mark.parametrize("source", HONEST)
def test_honest_code_is_not_reported(source):
    assert findings(source) == []


@pytest.mark.parametrize("assignment", grading.assignments())
def test_reference_solutions_and_the_learners_typical_answers_are_not_reported(assignment):
    release = nbformat.read(release_path(assignment), as_version=4)
    assert tampering.find(nbformat.read(solution_path(assignment), as_version=4), release) == []
    for answer in WRONG_ANSWERS.get(assignment, []) + CORRECT_VARIANTS.get(assignment, []):
        assert findings(answer.source) == [], (assignment, answer.what)


def test_a_finding_quotes_the_cell_and_line():
    [finding] = findings("x = 1\nhelpers.checks.check = print")
    assert str(finding) == ("cell answer line 2: `helpers.checks.check = print` "
                            "(changes helpers.checks.check)")
