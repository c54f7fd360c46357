"""Checks for autograder test cells, with messages written for learners.

Test cells import what they use at their top (``from helpers.checks import assert_close``),
so rebinding a name in the notebook changes nothing, and this module is read-only
(:mod:`helpers._readonly`). The checks trust only plain tensors and Python numbers: a
tensor subclass or an object whose ``__eq__`` always says yes fails.

Each check raises ``AssertionError`` whose message says what was expected, what came back,
and a hint, e.g.::

    softmax(X): values differ from the expected ones.
      expected: [[0.09  , 0.2447, 0.6652]]  (shape (1, 3), torch.float32)
      got:      [[0.3333, 0.3333, 0.3333]]  (shape (1, 3), torch.float32)
      largest difference 0.3319 at index (0, 2); 3 of 3 elements differ (rtol=1e-05, atol=1e-06)
      hint: divide exp(X) by its row sums, not by a constant.
"""
from __future__ import annotations

import contextlib

import numpy as np
import torch

from ._readonly import seal


def preview(x) -> str:
    """A short printout of a tensor (or anything else) for a failure message.

    Introduced in ``01_linear_regression_scratch``.
    """
    if isinstance(x, torch.Tensor):
        t = x.detach().cpu()
        if t.dtype in (torch.bfloat16, torch.float16):
            t = t.float()
        body = np.array2string(t.numpy(), precision=4, threshold=12, edgeitems=2,
                               separator=", ", max_line_width=80)
        lines = body.splitlines()
        if len(lines) > 8:
            lines = lines[:8] + ["..."]
        return "\n            ".join(lines) + f"  (shape {tuple(x.shape)}, {x.dtype})"
    text = repr(x)
    return text if len(text) <= 200 else text[:200] + "..."


def _fail(name: str, problem: str, details: list[str], hint: str | None) -> None:
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    lines = [f"{name}: {problem}"] + [f"  {d}" for d in details]
    if hint:
        lines.append(f"  hint: {hint}")
    raise AssertionError("\n".join(lines))


# Only these types are trusted: a subclass could override comparisons (``__eq__``,
# ``__torch_function__``) and make any check pass.
TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
NUMBER_TYPES = (int, float)


def _type_name(x) -> str:
    kind = type(x)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _as_tensor(name: str, actual, expected: torch.Tensor | str, hint: str | None) -> torch.Tensor:
    """``actual`` as a plain tensor, or a learner-facing failure saying what it was instead.

    A plain ``torch.Tensor`` passes as it is; Python numbers and (nested) lists of them are
    converted; anything else (a tensor subclass, a NumPy array, a custom object) fails.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    if actual is None:
        wanted = expected if isinstance(expected, str) else preview(expected)
        _fail(name, "got None.", [f"expected: {wanted}"],
              hint or "did the function `return` its result?")
    if type(actual) in TENSOR_TYPES:
        return actual
    if _plain_numbers(actual):
        return torch.as_tensor(actual)
    if isinstance(actual, torch.Tensor):
        _fail(name, f"expected a plain torch.Tensor, got a subclass ({_type_name(actual)}).",
              [], "return the tensor your computation gives, not an object of your own class.")
    # the caller's hint is about values or shapes; a wrong type needs its own
    _fail(name, f"expected a tensor, got {_type_name(actual)}.", [f"got: {preview(actual)}"],
          "return a torch.Tensor, computed with torch operations (not NumPy, not a list).")


def _plain_numbers(x) -> bool:
    """Is ``x`` a Python number, or a (nested) list or tuple of them?"""
    if type(x) in NUMBER_TYPES:
        return True
    return type(x) in (list, tuple) and len(x) > 0 and all(_plain_numbers(v) for v in x)


def assert_float(actual, *, name: str = "result", hint: str | None = None) -> float:
    """Check that ``actual`` is a Python ``float`` (not a tensor, not a NumPy number); return it.

    Introduced in ``03_softmax_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    if type(actual) is not float:
        got = _type_name(actual)
        if isinstance(actual, torch.Tensor):
            got += f" of shape {tuple(actual.shape)}"
        elif type(actual) is int:
            got += f" ({actual})"
            hint = ("an int is a count, or the result of `//`: divide with `/` to get a "
                    "fraction such as 0.75.")
        elif isinstance(actual, float):   # numpy.float64 and other float subclasses
            hint = "convert it to a plain Python float with float(...)."
        _fail(name, "should return a Python float.", ["expected: float", f"got:      {got}"],
              hint or "turn a one-element tensor into a float with .item() (or float(...)).")
    return actual


_IN_PLACE = ("compute new tensors (`O - m`, `.exp()`) instead of changing the input "
             "(`O -= m`, `.exp_()`, `y.unsqueeze_(1)`): the caller still needs it.")


@contextlib.contextmanager
def unchanged(name: str, *, hint: str | None = None, **inputs):
    """Fail if the code inside the ``with`` block changes any of ``inputs`` in place.

    ``with unchanged("softmax", O=O_t): P = softmax(O_t)`` catches ``O -= ...`` or
    ``O.exp_()`` inside the learner's function, which would also corrupt the expected values
    a test computes from the same tensor. ``hint`` replaces the general hint with one about
    this exercise.

    Introduced in ``01_linear_regression_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    before = {key: value.detach().clone() for key, value in inputs.items()}
    yield
    for key, value in inputs.items():
        if value.shape != before[key].shape or not torch.equal(value.detach(), before[key]):
            _fail(name, f"changed its input `{key}` in place.",
                  [f"before: {preview(before[key])}", f"after:  {preview(value)}"],
                  hint or _IN_PLACE)


_UNSET = object()


def check(condition, name: str, problem: str, *, expected=_UNSET, got=_UNSET,
          hint: str | None = None) -> None:
    """Fail with a learner-facing message unless ``condition`` holds.

    For properties the tensor checks below do not cover, e.g.
    ``check(len(batches) == 3, "data_iter", "wrong number of batches.", expected=3,
    got=len(batches), hint="the last batch may be smaller")``. ``condition`` must be a
    ``bool``: anything else (a tensor, an object of the learner's) fails, so validate what a
    learner's function returned (:func:`assert_shape`, :func:`assert_float`) before
    building a condition from it.

    Introduced in ``01_linear_regression_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    if type(condition) is not bool:
        _fail(name, f"a check needs True or False, got {_type_name(condition)}.", [],
              "the function returned an object that does not behave like the expected "
              "tensor or number.")
    if condition:
        return
    details = []
    if expected is not _UNSET:
        details.append(f"expected: {preview(expected)}")
    if got is not _UNSET:
        details.append(f"got:      {preview(got)}")
    _fail(name, problem, details, hint)


def assert_shape(actual, shape, *, name: str = "result", hint: str | None = None) -> None:
    """Check that ``actual`` is a tensor of the given shape.

    Introduced in ``01_linear_regression_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    shape = tuple(shape)
    tensor = _as_tensor(name, actual, f"a tensor of shape {shape}", hint)
    if tuple(tensor.shape) != shape:
        _fail(name, "wrong shape.",
              [f"expected shape: {shape}", f"got shape:      {tuple(tensor.shape)}"],
              hint or "check which dimension you sum over and whether you kept it (keepdim).")


def assert_dtype(actual, dtype: torch.dtype, *, name: str = "result",
                 hint: str | None = None) -> None:
    """Check that ``actual`` is a tensor of ``dtype``.

    Introduced in ``01_linear_regression_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    tensor = _as_tensor(name, actual, f"a tensor of dtype {dtype}", hint)
    if tensor.dtype != dtype:
        _fail(name, "wrong dtype.", [f"expected dtype: {dtype}", f"got dtype:      {tensor.dtype}"],
              hint)


def assert_close(actual, expected, *, name: str = "result", rtol: float = 1e-5,
                 atol: float = 1e-6, hint: str | None = None) -> None:
    """Check that ``actual`` matches ``expected`` in shape and, within tolerance, in value.

    Uses ``torch.testing.assert_close`` for the comparison (dtypes may differ; NaN never
    matches); on failure shows both values, the largest difference, where it is, and the hint.

    Introduced in ``01_linear_regression_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    expected = torch.as_tensor(expected)
    tensor = _as_tensor(name, actual, expected, hint)
    if tensor.shape != expected.shape:
        _fail(name, "wrong shape.",
              [f"expected shape: {tuple(expected.shape)}", f"got shape:      {tuple(tensor.shape)}",
               f"expected: {preview(expected)}", f"got:      {preview(tensor)}"],
              hint or "check which dimension you sum over and whether you kept it (keepdim).")
    got = tensor.detach().cpu().to(torch.float64)
    want = expected.detach().cpu().to(torch.float64)
    try:
        torch.testing.assert_close(got, want, rtol=rtol, atol=atol, check_dtype=False)
    except AssertionError:
        details = [f"expected: {preview(expected)}", f"got:      {preview(tensor)}"]
        if got.numel():
            diff = (got - want).abs()
            diff = torch.where(torch.isnan(got) != torch.isnan(want), float("inf"), diff)
            diff = torch.nan_to_num(diff, nan=0.0, posinf=float("inf"))
            where = tuple(int(i) for i in torch.unravel_index(diff.argmax(), diff.shape))
            bad = int((~torch.isclose(got, want, rtol=rtol, atol=atol)).sum())
            details.append(f"largest difference {float(diff.max()):.4g} at index {where}; "
                           f"{bad} of {got.numel()} elements differ (rtol={rtol:g}, atol={atol:g})")
        if torch.isnan(got).any() or torch.isinf(got).any():
            details.append("your result contains nan or inf: an overflow, or log of 0?")
        _fail(name, "values differ from the expected ones.", details, hint)


seal(__name__)
