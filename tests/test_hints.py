"""Course hints for common PyTorch errors: the table, and the handler in a real IPython kernel.

Every entry of ``helpers.hints.HINTS`` is tested against the error PyTorch (or Python) really
raises, so that a changed message in a new PyTorch release fails here.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader, TensorDataset
from torchvision import transforms

from helpers import hints
from helpers.checks import assert_close

from .conftest import REPO, Kernel, strip_ansi


def _no_grad_without_parentheses():
    with torch.no_grad:
        pass


def _leaf_inplace():
    w = torch.zeros(3, requires_grad=True)
    w -= 0.1


def _backward_non_scalar():
    w = torch.zeros(3, requires_grad=True)
    (w * 2).backward()


def _return_types():
    O = torch.randn(4, 3)
    return O - O.max(dim=1, keepdim=True)


def _gather_vector_index():
    return torch.softmax(torch.randn(4, 3), dim=1).gather(1, torch.tensor([0, 1, 2, 0]))


def _grad_zero():
    w = torch.zeros(3, requires_grad=True)
    w.grad.zero_()


def _lr_times_grad():
    w = torch.zeros(3, requires_grad=True)
    with torch.no_grad():
        w -= 0.03 * w.grad


def _missing_return():
    def linreg(X, w, b):
        X @ w + b  # no return

    return linreg(torch.ones(2, 3), torch.ones(3, 1), 0.0).shape


def _loss_under_no_grad():
    w = torch.zeros(3, requires_grad=True)
    with torch.no_grad():
        loss = (w * 2).sum()
    loss.backward()


def _loss_of_detached():
    w = torch.zeros(3, requires_grad=True)
    (w.detach() * 2).sum().backward()


def _backward_twice():
    w = torch.ones(3, requires_grad=True)
    loss = w.exp().sum()
    loss.backward()
    loss.backward()


def _saved_tensor_modified():
    h = torch.ones(3, requires_grad=True) * 2
    loss = (h ** 2).sum()
    h += 1
    loss.backward()


class _Twice(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 2, grad_output


class _WrongBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(0, 6)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


def _gradcheck_mismatch():
    x = torch.tensor([-1.0, 2.0, 7.0], dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(_WrongBackward.apply, (x,))


class _NoInit(torch.nn.Module):
    def __init__(self):
        self.linear = torch.nn.Linear(2, 1)


class _NoForward(torch.nn.Module):
    pass


def _ambiguous_if():
    if torch.ones(3) > 0:
        pass


def _data_iter():
    yield torch.ones(2, 3), torch.ones(2)


# (entry name, what triggers the real error). Several cases may test one entry.
def _one_parameter_in_two_groups():
    net = torch.nn.Linear(2, 1)
    torch.optim.SGD([{"params": net.parameters()}, {"params": [net.bias]}], lr=0.1)


def _used_up_generator():
    params = torch.nn.Linear(2, 1).parameters()
    list(params)
    torch.optim.SGD(params, lr=0.1)


class _BufferOverAttribute(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mean = torch.zeros(3)
        self.register_buffer("mean", torch.zeros(3))


def _buffer_over_attribute():
    _BufferOverAttribute()


_DATA = TensorDataset(torch.zeros(4, 2))


def _image():
    return Image.new("L", (2, 2))


def _image_as_hw():
    from torch.utils.tensorboard import SummaryWriter

    with tempfile.TemporaryDirectory() as logs, SummaryWriter(logs) as writer:
        writer.add_image("digit", np.zeros((28, 28)))


def _load_a_whole_model():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pt")
        torch.save(torch.nn.Linear(2, 2), path)
        torch.load(path, weights_only=True)


CASES = [
    ("exercise_stub", lambda: (_ for _ in ()).throw(NotImplementedError("exercise not done yet"))),
    ("leaf_inplace", _leaf_inplace),
    ("leaf_inplace", lambda: torch.zeros(3, requires_grad=True).sub_(1)),
    ("backward_non_scalar", _backward_non_scalar),
    ("shape_mismatch", lambda: torch.ones(2, 3) + torch.ones(2, 2)),
    ("shape_mismatch", lambda: torch.exp(torch.ones(4, 3)) / torch.ones(4, 3).sum(dim=1)),
    ("return_types", _return_types),
    ("return_types", lambda: torch.exp(torch.ones(4, 3).max(dim=1))),
    ("return_types", lambda: torch.ones(4, 3).topk(2).shape),
    ("gather_index_dims", _gather_vector_index),
    ("index_dtype", lambda: torch.ones(4, 3).gather(1, torch.zeros(4, 1))),
    ("index_dtype", lambda: torch.ones(4, 3)[range(4), torch.zeros(4)]),
    ("index_dtype", lambda: torch.nn.functional.cross_entropy(torch.ones(4, 3), torch.zeros(4))),
    ("mean_of_ints", lambda: (torch.ones(4) > 0).mean()),
    ("mean_of_ints", lambda: torch.tensor([1, 2]).mean()),
    ("none_value", _grad_zero),
    ("none_value", _lr_times_grad),
    ("none_value", _missing_return),
    ("no_grad_fn", lambda: (torch.ones(3) * 2).sum().backward()),
    ("no_grad_fn", _loss_under_no_grad),
    ("no_grad_fn", _loss_of_detached),
    ("int_requires_grad", lambda: torch.tensor(0, requires_grad=True)),
    ("int_requires_grad", lambda: torch.zeros(3, dtype=torch.long).requires_grad_()),
    ("matmul_shapes", lambda: torch.ones(2, 3) @ torch.ones(2, 3)),
    ("matmul_shapes", lambda: torch.nn.Linear(784, 10)(torch.ones(4, 28, 28))),
    ("matmul_shapes", lambda: torch.ones(4, 3) @ torch.ones(2)),
    ("dtype_mismatch", lambda: torch.ones(2, 3, dtype=torch.float64) @ torch.ones(3, 1)),
    ("dtype_mismatch", lambda: torch.nn.Linear(3, 1)(torch.ones(2, 3, dtype=torch.float64))),
    ("dtype_mismatch", lambda: torch.ones(2, 3) @ torch.ones(3, dtype=torch.float64)),
    ("dtype_mismatch",
     lambda: torch.bmm(torch.ones(1, 2, 3), torch.ones(1, 3, 2, dtype=torch.float64))),
    ("dtype_mismatch", lambda: torch.ones(3).dot(torch.ones(3, dtype=torch.float64))),
    ("inplace_int", lambda: torch.arange(6).__itruediv__(2)),
    ("device_mismatch", lambda: torch.ones(2, 3) + torch.ones(2, 3, device="meta")),
    ("backward_twice", _backward_twice),
    ("item_non_scalar", lambda: torch.ones(3).item()),
    ("item_non_scalar", lambda: float(torch.ones(3))),
    ("ambiguous_bool", _ambiguous_if),
    ("view_stride", lambda: torch.ones(3, 4).T.view(-1)),
    ("saved_tensor_modified", _saved_tensor_modified),
    ("next_method", lambda: iter([1, 2]).next()),
    ("torch_functional", lambda: __import__("torch.functional").functional.cross_entropy),
    ("module_init_missing", _NoInit),
    ("forward_missing", lambda: _NoForward()(torch.ones(2))),
    ("sequential_weight", lambda: torch.nn.Sequential(torch.nn.Linear(2, 1)).weight),
    ("numpy_requires_grad", lambda: torch.ones(2, requires_grad=True).numpy()),
    ("gradcheck_mismatch", _gradcheck_mismatch),
    ("wrong_number_of_gradients", lambda: _Twice.apply(torch.ones(2, requires_grad=True)).sum().backward()),
    ("dot_of_matrices", lambda: torch.dot(torch.ones(3, 2), torch.ones(2, 1))),
    ("no_grad_not_called", _no_grad_without_parentheses),
    ("module_method_on_function", lambda: (lambda X: X).eval()),
    ("module_method_on_function", lambda: list((lambda X: X).parameters())),
    ("lazy_iterator", lambda: _data_iter()[0]),
    ("lazy_iterator", lambda: len(_data_iter())),
    ("lazy_iterator", lambda: len(zip([1], [2]))),
    ("param_in_two_groups", _one_parameter_in_two_groups),
    ("empty_parameter_list", lambda: torch.optim.SGD([], lr=0.1)),
    ("empty_parameter_list", _used_up_generator),
    ("name_taken", _buffer_over_attribute),
    ("tensor_to_parameter", lambda: setattr(torch.nn.Linear(2, 2), "weight", torch.randn(2, 2))),
    ("parameters_typo", lambda: torch.nn.Parameters(torch.zeros(1))),
    ("num_worker_typo", lambda: DataLoader(_DATA, num_worker=0)),
    ("shuffle_and_sampler", lambda: DataLoader(_DATA, shuffle=True, sampler=range(4))),
    ("collate_pil", lambda: next(iter(DataLoader([(_image(), 0)] * 2, batch_size=2)))),
    ("stack_sizes", lambda: next(iter(DataLoader([torch.zeros(2), torch.zeros(3)], batch_size=2)))),
    ("normalize_pil", lambda: transforms.Normalize(0.5, 0.5)(_image())),
    ("normalize_uint8", lambda: transforms.Normalize(0.5, 0.5)(transforms.PILToTensor()(_image()))),
    ("to_tensor_twice", lambda: transforms.ToTensor()(torch.zeros(1, 2, 2))),
    ("image_format", _image_as_hw),
    ("init_fan_1d", lambda: torch.nn.init.xavier_uniform_(torch.nn.Linear(2, 2).bias)),
    ("weights_only_refused", _load_a_whole_model),
    ("load_state_dict_mismatch",
     lambda: torch.nn.Linear(2, 3).load_state_dict(torch.nn.Linear(2, 2).state_dict())),
    ("state_dict_method",
     lambda: torch.nn.Linear(2, 3).load_state_dict(torch.nn.Linear(2, 2).state_dict)),
    ("save_missing_folder",
     lambda: torch.save(1, os.path.join(tempfile.mkdtemp(), "no", "x.pt"))),
    ("meta_no_data", lambda: torch.ones(2, device="meta").cpu()),
    ("conv_input_dims", lambda: torch.nn.Conv2d(1, 6, 5)(torch.rand(28, 28))),
    ("conv_channels", lambda: torch.nn.Conv2d(1, 6, 5)(torch.rand(2, 3, 28, 28))),
    ("kernel_too_large", lambda: torch.nn.Conv2d(1, 6, 5)(torch.rand(2, 1, 4, 4))),
    ("kernel_too_large", lambda: torch.nn.functional.max_pool2d(torch.rand(1, 1, 1, 1), 2)),
]
# entries whose error only a machine without a GPU can raise (tested below)
CPU_ONLY = {"no_cuda"}


def raised_by(trigger) -> BaseException:
    with pytest.raises(Exception) as info:
        trigger()
    return info.value


def matching(exc: BaseException) -> list[str]:
    return [h.name for h in hints.HINTS if h.matches(exc)]


@pytest.mark.parametrize("name, trigger", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_a_real_error_gets_its_entry_s_hint_and_no_other_entry_matches(name, trigger):
    exc = raised_by(trigger)
    entry = next(h for h in hints.HINTS if h.name == name)
    assert hints.hint_for(exc) == entry.text, f"{type(exc).__name__}: {exc}"
    assert matching(exc) == [name], f"{type(exc).__name__}: {exc}"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_cuda_and_cpu_tensors_in_one_operation_get_the_device_hint():
    exc = raised_by(lambda: torch.ones(2, 3, device="cuda") + torch.ones(2, 3))
    assert matching(exc) == ["device_mismatch"], str(exc)
    exc = raised_by(lambda: torch.nn.Linear(3, 1).cuda()(torch.ones(2, 3)))
    assert matching(exc) == ["device_mismatch"], str(exc)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU machine cannot raise it")
def test_cuda_on_a_machine_without_a_gpu_gets_the_no_cuda_hint():
    exc = raised_by(lambda: torch.ones(2).cuda())
    assert matching(exc) == ["no_cuda"], str(exc)


def test_every_entry_is_tested_and_reads_as_one_short_line():
    names = [h.name for h in hints.HINTS]
    assert len(names) == len(set(names))
    assert set(names) == {name for name, _ in CASES} | CPU_ONLY
    for h in hints.HINTS:
        assert h.text.strip() and "\n" not in h.text and len(h.text) < 260, h.name
        assert isinstance(h.types, tuple) and all(issubclass(t, BaseException) for t in h.types)
        re.compile(h.pattern)


# The review of the table: which hints name a cause (the message proves it, or in the course it
# has one likely cause) and which only explain the message and say where to look.
EXPLANATORY = {
    "leaf_inplace", "shape_mismatch", "gather_index_dims", "none_value", "no_grad_fn",
    "matmul_shapes", "dtype_mismatch", "device_mismatch", "backward_twice", "item_non_scalar",
    "saved_tensor_modified", "gradcheck_mismatch", "forward_missing", "dot_of_matrices",
    "module_method_on_function", "empty_parameter_list", "name_taken", "stack_sizes",
    "load_state_dict_mismatch", "conv_input_dims", "conv_channels", "kernel_too_large",
}


def test_each_entry_is_diagnostic_or_explanatory_as_reviewed():
    kinds = {h.name: h.kind for h in hints.HINTS}
    assert {n for n, k in kinds.items() if k == hints.EXPLANATORY} == EXPLANATORY
    assert {n for n, k in kinds.items() if k == hints.DIAGNOSTIC} == set(kinds) - EXPLANATORY
    with pytest.raises(ValueError, match="kind must be"):
        hints.Hint("vague", (RuntimeError,), "x", "maybe this", "probable")


def test_an_explanatory_hint_says_where_to_look():
    """What to print, compare, check or find, or the usual causes asked as questions."""
    for h in hints.HINTS:
        if h.kind == hints.EXPLANATORY:
            assert re.search(r"\b(print|compare|check|find)\b|\?", h.text), h.name


def _tensor_from_the_parameters_reused():
    w = torch.ones(3, requires_grad=True)
    h = w.exp()  # computed once, outside the loop
    for _ in range(2):
        (h * 2).sum().backward()


def _result_changed_in_place():
    h = torch.ones(3, requires_grad=True).exp()
    h.clamp_(0, 1)
    h.sum().backward()


class _Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.exp()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x.exp()  # right: only float32 makes gradcheck fail


def _gradcheck_in_float32():
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that float32 will likely fail
        torch.autograd.gradcheck(_Exp.apply, (x,))


class _Misspelled(torch.nn.Module):
    def foward(self, X):
        return X


class _LayersInAList(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [torch.nn.Linear(2, 2)]  # not registered


class _BufferNamedTraining(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("training", torch.zeros(1))


def _momentum_buffer_not_started():
    buf, grad = None, torch.ones(3)
    return 0.9 * buf + grad


def _grad_through_item():
    w = torch.zeros(3, requires_grad=True)
    torch.tensor((w * 2).sum().item()).backward()


def _lenet_on_small_images():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5), torch.nn.AvgPool2d(2),
                              torch.nn.Conv2d(6, 16, 5), torch.nn.AvgPool2d(2))
    net(torch.rand(1, 1, 14, 14))


# Errors whose cause is another than the usual one of CASES (a real second cause in the course):
# an entry that matches them may not name a cause.
OTHER_CAUSES = [
    ("leaf_inplace", lambda: torch.ones(3, requires_grad=True).relu_()),      # in a computation
    ("leaf_inplace", lambda: torch.nn.Linear(2, 2).weight.normal_(0, 0.01)),  # an initialisation
    ("shape_mismatch", lambda: torch.ones(4, 3) * torch.ones(3, 1)),  # `*` for `@`
    ("gather_index_dims", lambda: torch.ones(2, 3, 4).gather(1, torch.zeros(2, 1, dtype=torch.long))),
    ("none_value", _momentum_buffer_not_started),
    ("no_grad_fn", _grad_through_item),
    ("matmul_shapes", lambda: torch.nn.Linear(400, 120)(torch.ones(4, 256))),  # in_features wrong
    ("dtype_mismatch", lambda: torch.nn.Linear(3, 1).double()(torch.ones(2, 3))),  # the model
    ("device_mismatch", lambda: torch.nn.Linear(3, 1, device="meta")(torch.ones(2, 3))),
    ("backward_twice", _tensor_from_the_parameters_reused),
    ("item_non_scalar", lambda: (torch.ones(4, 1) - torch.ones(4)).mean(dim=0).item()),
    ("saved_tensor_modified", _result_changed_in_place),
    ("gradcheck_mismatch", _gradcheck_in_float32),
    ("forward_missing", lambda: _Misspelled()(torch.ones(2))),
    ("dot_of_matrices", lambda: torch.dot(torch.ones(3, 1), torch.ones(3, 1))),  # two columns
    ("module_method_on_function", lambda: (lambda X: X).to("cpu")),
    ("empty_parameter_list", lambda: torch.optim.SGD(_LayersInAList().parameters(), lr=0.1)),
    ("name_taken", _BufferNamedTraining),
    ("stack_sizes", lambda: torch.stack([torch.zeros(2), torch.zeros(3)])),
    ("load_state_dict_mismatch",  # missing and unexpected keys, not sizes
     lambda: torch.nn.Sequential(torch.nn.Linear(2, 2)).load_state_dict(
         torch.nn.Linear(2, 2).state_dict())),
    ("conv_input_dims", lambda: torch.nn.Conv2d(1, 6, 5)(torch.rand(256, 784))),  # flattened rows
    ("conv_channels", lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5), torch.nn.Conv2d(5, 16, 5))(
        torch.rand(2, 1, 28, 28))),                                     # in_channels of layer 2
    ("conv_channels", lambda: torch.nn.Conv2d(3, 6, 5)(torch.rand(2, 28, 28, 3))),  # channels-last
    ("kernel_too_large", _lenet_on_small_images),
]


@pytest.mark.parametrize("name, trigger", OTHER_CAUSES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OTHER_CAUSES)])
def test_an_error_with_several_causes_gets_a_hint_that_names_none(name, trigger):
    exc = raised_by(trigger)
    assert matching(exc) == [name], f"{type(exc).__name__}: {exc}"
    entry = next(h for h in hints.HINTS if h.name == name)
    assert entry.kind == hints.EXPLANATORY, f"{name} names a cause, but this error has another"


def test_every_explanatory_entry_shows_a_second_cause():
    assert {name for name, _ in OTHER_CAUSES} == EXPLANATORY


def _none_call():
    f = None
    f()


def _unpack_none():
    def data():
        pass

    X, y = data()


UNRELATED = [
    lambda: int("three"),
    lambda: {}["w"],
    lambda: torch.ones(3)[5],
    lambda: torch.ones(6).reshape(4, -1),
    lambda: assert_close(torch.zeros(2), torch.ones(2), name="sgd"),  # the course's own hint
    _none_call,
    _unpack_none,
    lambda: (_ for _ in ()).throw(NotImplementedError("exercise not done yet, sorry")),
    lambda: torch.utils.data.random_split(range(4), [2, 2], num_worker=0),  # not DataLoader's
]


@pytest.mark.parametrize("trigger", UNRELATED)
def test_other_errors_get_no_hint(trigger):
    exc = raised_by(trigger)
    assert hints.hint_for(exc) is None, f"{type(exc).__name__}: {exc}"


def test_install_outside_ipython_does_nothing():
    code = "import helpers.hints as h, IPython; print(h.install(), IPython.get_ipython())"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, "False None\n", "")


# --- install() in a real IPython kernel, as nbgrader runs it -------------------------------

MAPPED = "w = torch.zeros(3, requires_grad=True)\n(w * 2).backward()"
STUB = ('def sgd(params, lr, batch_size):\n'
        '    # YOUR CODE HERE: replace this line and the next with your solution.\n'
        '    raise NotImplementedError("exercise not done yet")\n'
        'sgd([], 0.03, 10)')
UNMAPPED = "def f():\n    raise ValueError('not a PyTorch error')\nf()"
SYNTAX = "x = (1,"
INDENT = "if True:\nx = 1"
BREAK_LOOKUP = "_real_hint_for = helpers.hints.hint_for\nhelpers.hints.hint_for = lambda exc: 1 / 0"
MEND_LOOKUP = "helpers.hints.hint_for = _real_hint_for"
INSTALL = "import helpers.hints\nprint(helpers.hints.install(), helpers.hints.install())"
OTHER_HANDLER = ("ip = get_ipython()\nip.set_custom_exc((KeyError,), lambda *a, **k: ['mine'])\n"
                 "print(helpers.hints.install(), ip.custom_exceptions)")

CELLS = {
    "imports": "import torch",
    "mapped before": MAPPED, "unmapped before": UNMAPPED, "syntax before": SYNTAX,
    "indent before": INDENT,
    "install": INSTALL,
    "mapped": MAPPED, "stub": STUB, "unmapped": UNMAPPED, "syntax": SYNTAX, "indent": INDENT,
    "break lookup": BREAK_LOOKUP, "mapped, lookup broken": MAPPED, "mend lookup": MEND_LOOKUP,
    "mapped again": MAPPED,
    "other handler": OTHER_HANDLER,
}


@pytest.fixture(scope="module")
def kernel_runs():
    """Run CELLS in one fresh kernel under ``NBGRADER_EXECUTION=autograde``; for each cell
    return its execute_reply content and its iopub messages (type, content)."""
    kernel = Kernel({"NBGRADER_EXECUTION": "autograde", "OMP_NUM_THREADS": "1"})
    try:
        yield {key: kernel.execute(code, timeout=120) for key, code in CELLS.items()}
    finally:
        kernel.close()


def error_of(runs, key) -> dict:
    errors = [c for t, c in runs[key][1] if t == "error"]
    assert len(errors) == 1, runs[key]
    return errors[0]


def plain(traceback: list[str]) -> list[str]:
    """Without colours, cell numbers and IPython's per-cell file names."""
    return [re.sub(r"In\[\d+\]|\d+\.py", "#", strip_ansi(line)) for line in traceback]


def streams(runs, key) -> list[tuple[str, str]]:
    return [(c["name"], c["text"]) for t, c in runs[key][1] if t == "stream"]


def hint_lines(traceback: list[str]) -> list[str]:
    return [line for line in plain(traceback) if line.startswith(hints.PREFIX)]


def test_install_in_a_kernel_appends_one_hint_line_to_the_unchanged_traceback(kernel_runs):
    assert streams(kernel_runs, "install") == [("stdout", "True True\n")]
    before, after = error_of(kernel_runs, "mapped before"), error_of(kernel_runs, "mapped")
    assert (after["ename"], after["evalue"]) == (before["ename"], before["evalue"]) == (
        "RuntimeError", "grad can be implicitly created only for scalar outputs")
    expected_hint = hints.PREFIX + hints.hint_for(RuntimeError(after["evalue"]))
    assert plain(after["traceback"]) == plain(before["traceback"]) + [expected_hint]
    text = "\n".join(plain(after["traceback"]))
    assert "Traceback (most recent call last)" in text and "(w * 2).backward()" in text
    assert "torch/autograd" in text and "RuntimeError: grad can be implicitly" in text
    assert hint_lines(after["traceback"]) == [expected_hint]  # installed twice, one line
    # nbclient (nbgrader, nbval) reads the traceback of the execute_reply
    reply = kernel_runs["mapped"][0]
    assert reply["status"] == "error" and reply["traceback"] == after["traceback"]


def test_the_exercise_stub_error_gets_the_stub_hint_in_a_kernel(kernel_runs):
    error = error_of(kernel_runs, "stub")
    assert (error["ename"], error["evalue"]) == ("NotImplementedError", "exercise not done yet")
    assert "raise NotImplementedError" in "".join(plain(error["traceback"]))
    assert plain(error["traceback"])[-1] == hints.PREFIX + hints.hint_for(
        NotImplementedError("exercise not done yet"))


@pytest.mark.parametrize("key", ["unmapped", "syntax", "indent"])
def test_other_errors_show_as_without_the_handler(kernel_runs, key):
    before, after = error_of(kernel_runs, f"{key} before"), error_of(kernel_runs, key)
    assert plain(after["traceback"]) == plain(before["traceback"])
    assert before["ename"] == after["ename"]
    assert not hint_lines(after["traceback"])


def test_a_failing_hint_lookup_keeps_the_traceback_and_the_handler(kernel_runs):
    before = error_of(kernel_runs, "mapped before")
    error = error_of(kernel_runs, "mapped, lookup broken")
    assert plain(error["traceback"]) == plain(before["traceback"])
    assert len(hint_lines(error_of(kernel_runs, "mapped again")["traceback"])) == 1


def test_install_leaves_another_custom_handler_alone(kernel_runs):
    assert streams(kernel_runs, "other handler") == [("stdout", "False (<class 'KeyError'>,)\n")]


def test_nothing_reaches_stderr_under_nbgrader(kernel_runs):
    every = [(key, *stream) for key in kernel_runs for stream in streams(kernel_runs, key)]
    assert every and not [s for s in every if s[1] == "stderr"], every
