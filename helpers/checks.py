"""Checks for autograder test cells, with messages written for learners.

Each check raises ``AssertionError`` whose message says what was expected, what came back,
and a hint, e.g.::

    softmax(X): values differ from the expected ones.
      expected: [[0.09  , 0.2447, 0.6652]]  (shape (1, 3), torch.float32)
      got:      [[0.3333, 0.3333, 0.3333]]  (shape (1, 3), torch.float32)
      largest difference 0.3319 at index (0, 2); 3 of 3 elements differ (rtol=1e-05, atol=1e-06)
      hint: divide exp(X) by its row sums, not by a constant.
"""
from __future__ import annotations

import numpy as np
import torch


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
    lines = [f"{name}: {problem}"] + [f"  {d}" for d in details]
    if hint:
        lines.append(f"  hint: {hint}")
    raise AssertionError("\n".join(lines))


def _as_tensor(name: str, actual, expected: torch.Tensor, hint: str | None) -> torch.Tensor:
    if actual is None:
        _fail(name, "got None.", [f"expected: {preview(expected)}"],
              hint or "did the function `return` its result?")
    if isinstance(actual, torch.Tensor):
        return actual
    try:
        return torch.as_tensor(actual)
    except (TypeError, ValueError, RuntimeError):
        _fail(name, f"expected a tensor, got {type(actual).__name__}.",
              [f"got: {preview(actual)}"], hint)


_UNSET = object()


def check(condition, name: str, problem: str, *, expected=_UNSET, got=_UNSET,
          hint: str | None = None) -> None:
    """Fail with a learner-facing message unless ``condition`` holds.

    For properties the tensor checks below do not cover, e.g.
    ``check(len(batches) == 3, "data_iter", "wrong number of batches.", expected=3,
    got=len(batches), hint="the last batch may be smaller")``.

    Introduced in ``01_linear_regression_scratch``.
    """
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
    shape = tuple(shape)
    tensor = _as_tensor(name, actual, torch.empty(shape), hint)
    if tuple(tensor.shape) != shape:
        _fail(name, "wrong shape.",
              [f"expected shape: {shape}", f"got shape:      {tuple(tensor.shape)}"],
              hint or "check which dimension you sum over and whether you kept it (keepdim).")


def assert_dtype(actual, dtype: torch.dtype, *, name: str = "result",
                 hint: str | None = None) -> None:
    """Check that ``actual`` is a tensor of ``dtype``.

    Introduced in ``01_linear_regression_scratch``.
    """
    tensor = _as_tensor(name, actual, torch.empty(0, dtype=dtype), hint)
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
