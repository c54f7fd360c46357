"""Notebook 01 (linear regression by hand): each exercise's visible checks and known mistakes.

The test cells call ``check("data_iter", data_iter)``; the grading judge runs the same checks
on hidden cases too. Every known mistake below is the wrong code a learner types (for
``choose_lr``, the wrong value); a check names it only when it detected it: the learner's
result is what that code gives on the same input, or a property that only this mistake
breaks failed.

Introduced in ``01_linear_regression_scratch``.
"""
from __future__ import annotations

import copy
import importlib
import math

import torch

from .._readonly import seal
from ..checks import _fail
from ..synthetic import synthetic_data
from .framework import (
    Exercise,
    Exercises,
    KnownMistake,
    Run,
    expect_close,
    expect_number,
    expect_tensor,
    expect_unchanged,
    fail,
    isolated,
    number_like,
)
from .wire import type_name

# ---------------------------------------------------------------------------- shared


def _fresh(t: torch.Tensor) -> torch.Tensor:
    """A new leaf copy of ``t`` that requires grad when ``t`` does."""
    return t.detach().clone().requires_grad_(t.requires_grad)


def _property(what: str, problem: str, hint: str) -> KnownMistake:
    """A cause a property check detects, with no code of its own (see nb03)."""
    return KnownMistake(what, None, problem, hint, by=what)


def _at(run: Run, where: str) -> Run:
    """``run`` under another name, for a message about one part of it."""
    other = copy.copy(run)
    other.where = where
    return other


# A 0-d tensor does not cross to the judge yet (wire's _tensor cannot view a 0-d tensor as
# bytes): harnesses send it as {_ZERO_D: a one-element 1-d copy}, and checks read it back.
_ZERO_D = "0-d tensor"


def _portable(x):
    """``x`` with every 0-d tensor as ``{_ZERO_D: its 1-d copy}`` (see :func:`_restored`)."""
    if isinstance(x, torch.Tensor) and x.dim() == 0:
        return {_ZERO_D: x.reshape(1)}
    if type(x) in (list, tuple):
        return type(x)(_portable(v) for v in x)
    if type(x) is dict:
        return {k: _portable(v) for k, v in x.items()}
    return x


def _restored(x):
    """``x`` as the learner's code gave it: the inverse of :func:`_portable`."""
    if type(x) is dict and list(x) == [_ZERO_D] and isinstance(x[_ZERO_D], torch.Tensor):
        return x[_ZERO_D].reshape(())
    if type(x) in (list, tuple):
        return type(x)(_restored(v) for v in x)
    if type(x) is dict:
        return {k: _restored(v) for k, v in x.items()}
    return x


def returned(fn, *args, support):
    """The harness of a plain call: what ``fn(*args)`` returns, ready to cross to the judge."""
    return _portable(fn(*args))


def _grad(p):
    """``p.grad`` of a leaf tensor, else None (without the warning a non-leaf's ``.grad`` gives)."""
    return p.grad if isinstance(p, torch.Tensor) and p.is_leaf else None


def _as_int(x):
    """``x`` as an int when it is a whole number (a tensor or NumPy number included)."""
    if number_like(x):
        value = float(x.item() if hasattr(x, "item") else x)
        if value.is_integer():
            return int(value)
    return x


def _dtype_mistake(want, got) -> KnownMistake:
    return KnownMistake("dtype", None, f"returned {got}, expected {want} like the inputs.",
                        "compute with the inputs as they are: no .float(), no new tensor with a fixed dtype.",
                        by="dtype")


# ---------------------------------------------------------------------------- data_iter

data_iter = Exercise("data_iter")


@data_iter.harness
def epochs(data_iter, batch_size, features, labels, seeds, *, support):
    """Call ``data_iter`` once per seed of ``seeds`` (``None``: without a generator), as an
    epoch of training does, and read what each call gives: the type it returned and the
    items it yielded (pairs as tuples, at most 2 n + 10 of them)."""
    passes = []
    limit = 2 * len(features) + 10
    for seed in seeds:
        if seed is None:
            out = data_iter(batch_size, features, labels)
        else:
            out = data_iter(batch_size, features, labels, torch.Generator().manual_seed(seed))
        items, more = [], False
        if out is not None and hasattr(out, "__iter__"):
            for item in out:
                if len(items) >= limit:
                    more = True
                    break
                items.append(tuple(item) if type(item) in (tuple, list) else item)
        passes.append({"returned": type_name(out), "items": items, "more": more})
    return _portable(passes)


@data_iter.mistake("no shuffle", "the minibatches come in the original order of the examples.",
                   "draw a random order of the indices first, torch.randperm(n, generator=generator), "
                   "and index features and labels with slices of it.", by="shuffled")
def _(batch_size, features, labels, generator=None):
    for start in range(0, len(features), batch_size):
        yield features[start:start + batch_size], labels[start:start + batch_size]


@data_iter.mistake("last batch dropped", "the last, smaller minibatch is missing.",
                   "step with range(0, n, batch_size) and slice [start:start + batch_size]: the last "
                   "batch may be smaller, and its examples must be used too.", by="sizes")
def _(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features) - batch_size + 1, batch_size):
        batch = order[start:start + batch_size]
        yield features[batch], labels[batch]


@data_iter.mistake("generator ignored", "two calls with generators of the same seed gave different orders.",
                   "draw the permutation with the generator you are given: "
                   "torch.randperm(n, generator=generator).", by="repeatable")
def _(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features))
    for start in range(0, len(features), batch_size):
        batch = order[start:start + batch_size]
        yield features[batch], labels[batch]


@data_iter.mistake("a seed fixed inside", "generators of different seeds gave the same order.",
                   "do not create or seed a generator inside data_iter: use the `generator` argument "
                   "as it comes (None means torch's global one).", by="seeded inside")
def _(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=torch.Generator().manual_seed(0))
    for start in range(0, len(features), batch_size):
        batch = order[start:start + batch_size]
        yield features[batch], labels[batch]


@data_iter.mistake("features and labels shuffled apart",
                   "a minibatch's labels do not belong to its features.",
                   "index features and labels with the same index tensor: one permutation, one slice "
                   "of it per batch.", by="pairs")
def _(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=generator)
    other = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features), batch_size):
        yield features[order[start:start + batch_size]], labels[other[start:start + batch_size]]


@data_iter.mistake("return instead of yield",
                   "returned one (X, y) pair instead of yielding one per minibatch.",
                   "`return` ends the function at the first batch: `yield features[batch], labels[batch]` "
                   "inside the loop hands back one batch at a time.", by="yield")
def _(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features), batch_size):
        batch = order[start:start + batch_size]
        return features[batch], labels[batch]


@data_iter.mistake("indices yielded", "yielded tensors of indices, not (X, y) minibatches.",
                   "the indices only say which examples form the batch: "
                   "yield features[batch], labels[batch].",
                   by="indices")
def _(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features), batch_size):
        yield order[start:start + batch_size]


@data_iter.mistake("data shuffled in place", "changed the features and labels it was given.",
                   "shuffle the indices, not the data: the caller's features and labels must stay as "
                   "they are (no features[:] = ..., no in-place shuffling).", by="in place")
def _(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=generator)
    features[:] = features[order]
    labels[:] = labels[order]
    for start in range(0, len(features), batch_size):
        yield features[start:start + batch_size], labels[start:start + batch_size]


def _data_iter_cases():
    X_idx = torch.arange(10.0).reshape(10, 1).repeat(1, 2)    # row i is [i, i]
    y_idx = torch.arange(10.0).reshape(10, 1)
    g = torch.Generator().manual_seed(11)
    X7 = torch.randn(7, 3, generator=g)
    return [
        ("10 examples, row i = [i, i], label i", 4, X_idx, y_idx, (1, 1, 2)),
        ("7 examples with flat labels (7,)", 3, X7, torch.arange(7.0) * 10, (5, 5, 6)),
    ]


data_iter.visible = _data_iter_cases()

_DATA_ASK = ("print the size of each batch and which examples it holds: does every example come "
             "exactly once per call, in a shuffled order, with its own label?")


def _rows(batch: torch.Tensor, features: torch.Tensor) -> list[int]:
    """The index in ``features`` of each row of ``batch`` (-1 when it is none of them)."""
    if batch.dim() == 0 or batch.shape[1:] != features.shape[1:]:
        return [-1] * (len(batch) if batch.dim() else 1)
    flat, table = batch.detach().reshape(len(batch), -1), features.reshape(len(features), -1)
    same = (flat[:, None, :] == table[None, :, :]).all(dim=2)
    return [int(row.nonzero()[0]) if row.any() else -1 for row in same]


def _sizes(n: int, batch_size: int) -> list[int]:
    return [min(batch_size, n - start) for start in range(0, n, batch_size)]


@data_iter.checks
def _(call, cases):
    for label, batch_size, X, y, seeds in cases:
        run = call.via("epochs", batch_size, X.clone(), y.clone(), seeds)
        run.where = f"data_iter({batch_size}, features, labels, generator) on {label}"
        passes = _restored(run.ok(ask=_DATA_ASK))
        expect_unchanged(run, "batch_size", "features", "labels")
        orders = [_read_pass(run, p, batch_size, X, y) for p in passes]
        for i in range(len(seeds)):
            for j in range(i + 1, len(seeds)):
                if seeds[i] is not None and seeds[i] == seeds[j] and orders[i] != orders[j]:
                    fail(run, data_iter.known("generator ignored"),
                         [f"seed {seeds[i]}: {orders[i]}", f"seed {seeds[j]}: {orders[j]}"])
                if (seeds[i] != seeds[j] or seeds[i] is None) and len(X) >= 8 and orders[i] == orders[j]:
                    seeded = seeds[i] is not None and seeds[j] is not None
                    if seeded:
                        fail(run, data_iter.known("a seed fixed inside"),
                             [f"seeds {seeds[i]} and {seeds[j]}: both {orders[i]}"])
                    fail(run.where, _SAME_ORDER, [f"two calls without a generator: both {orders[i]}"])


_SAME_ORDER = _property("same order", "two calls without a generator gave the same order.",
                        "is the order drawn afresh at each call, from torch's global generator when "
                        "`generator` is None?")


def _read_pass(run, one_pass, batch_size, X, y) -> list[int]:
    """Check what one call yielded; return the order of the examples (their indices)."""
    items = one_pass["items"]
    tensors_only = bool(items) and all(isinstance(i, torch.Tensor) for i in items)
    if one_pass["returned"] in ("tuple", "list") and tensors_only:
        fail(run, data_iter.known("return instead of yield"), [f"returned a {one_pass['returned']} of "
                                                               f"{len(items)} tensors"])
    if one_pass["returned"] == "NoneType":
        _fail(run.where, "returned None instead of yielding minibatches.", [],
              "does the function `yield` each (X, y) pair inside its loop?")
    if tensors_only and all(i.dim() == 1 and not i.is_floating_point() for i in items):
        if sorted(torch.cat(items).tolist()) == list(range(len(X))):
            fail(run, data_iter.known("indices yielded"), [f"got: {[i.tolist() for i in items]}"])
    for item in items:
        if type(item) is not tuple or len(item) != 2 or not all(isinstance(t, torch.Tensor) for t in item):
            _fail(run.where, "should yield one (X, y) pair of tensors per minibatch.",
                  [f"got an item of type {type_name(item)}"], "what does your loop `yield`?")
    if one_pass["more"]:
        _fail(run.where, f"yielded more than {len(items)} minibatches: does the loop stop?", [], _DATA_ASK)
    n = len(X)
    sizes, right = [len(Xb) if Xb.dim() else 0 for Xb, _ in items], _sizes(n, batch_size)
    if sizes != right:
        if right[-1] < batch_size and sizes == right[:-1]:
            fail(run, data_iter.known("last batch dropped"),
                 [f"expected sizes: {right}", f"got:            {sizes}"])
        _fail(run.where, "wrong batch sizes.", [f"expected: {right}", f"got:      {sizes}"],
              "how do you step through the indices, and where does each batch end?")
    for Xb, yb in items:
        if tuple(Xb.shape[1:]) != tuple(X.shape[1:]) or tuple(yb.shape[1:]) != tuple(y.shape[1:]):
            _fail(run.where, "a minibatch has the wrong shape.",
                  [f"expected: X {(len(Xb), *X.shape[1:])}, y {(len(Xb), *y.shape[1:])}",
                   f"got:      X {tuple(Xb.shape)}, y {tuple(yb.shape)}"],
                  "do you index features and labels with a tensor of indices? (features[idx] keeps the other "
                  "dimensions.)")
    order = [i for Xb, _ in items for i in _rows(Xb, X)]
    if sorted(order) != list(range(n)):
        _fail(run.where, "not every example appears exactly once.",
              [f"expected: the examples 0 .. {n - 1}, each once", f"got:      {order}"], _DATA_ASK)
    for Xb, yb in items:
        rows = _rows(Xb, X)
        if not torch.equal(yb.detach(), y[rows]):
            fail(run, data_iter.known("features and labels shuffled apart"),
                 [f"examples {rows} have labels {preview_list(y[rows])}", f"got:  {preview_list(yb)}"])
    if n >= 3 and order == list(range(n)):
        fail(run, data_iter.known("no shuffle"), [f"got the examples in the order {order}"])
    return order


def preview_list(t: torch.Tensor) -> list:
    return t.detach().reshape(-1).tolist()


# ---------------------------------------------------------------------------- linreg

linreg = Exercise("linreg")
linreg.harness(returned)


@linreg.harness
def backward_through(linreg, X, w, b, *, support):
    """Run ``linreg`` on leaves ``w`` and ``b`` that require grad, then ``backward()`` on the
    sum of its result: report the result and the gradients that reached ``w`` and ``b``."""
    w, b = w.detach().clone().requires_grad_(True), b.detach().clone().requires_grad_(True)
    out = linreg(X, w, b)
    tracked = isinstance(out, torch.Tensor) and out.requires_grad
    if tracked:
        out.sum().backward()
    return _portable({"value": out.detach() if isinstance(out, torch.Tensor) else out, "tracked": tracked,
                      "grad_w": None if w.grad is None else w.grad.clone(),
                      "grad_b": None if b.grad is None else b.grad.clone()})


@linreg.mistake("element-wise product", "X * w multiplies element by element; it is not the matrix product.",
                "the model is the matrix product X @ w (one weighted sum per row), plus b.")
def _(X, w, b):
    return X * w + b


@linreg.mistake("operands swapped", "w @ X multiplies in the wrong order.",
                "X has one row per example: X @ w gives (n, d) @ (d, 1) = (n, 1).")
def _(X, w, b):
    return w @ X + b


@linreg.mistake("bias forgotten", "the bias b was not added.",
                "the model is X @ w + b: add b (it broadcasts to every row).")
def _(X, w, b):
    return X @ w


@linreg.mistake("result flattened", "one prediction per example, but flat (n,) instead of a column (n, 1).",
                "keep w a column (d, 1) and the result X @ w + b a column: do not reshape or flatten it.")
def _(X, w, b):
    return (X @ w + b).reshape(-1)


@linreg.mistake("detached", "the result is cut off from autograd: no gradient reaches w and b.",
                "compute with the tensors you are given: no .detach(), .data, .item() or torch.tensor(...) "
                "around them, so backward() can reach w and b.", by="autograd")
def _(X, w, b):
    return (X @ w + b).detach()


@linreg.mistake("converted to float32", "the result is float32 for float64 inputs.",
                "compute with the inputs as they are: no .float() on X, w or b.", by="dtype")
def _(X, w, b):
    return X.float() @ w.float() + b.float()


def _linreg_cases():
    return [
        ("X (3, 2), w (2, 1), b (1,)", torch.tensor([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]]),
         torch.tensor([[0.5], [-1.0]]), torch.tensor([2.0]), False),
        ("a square X (2, 2)", torch.tensor([[1.0, 2.0], [3.0, -1.0]]), torch.tensor([[2.0], [0.5]]),
         torch.tensor([-1.0]), False),
        ("float64 inputs, X (4, 3)", torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [0.0, 1.0, 1.0],
                                                  [-2.0, 0.5, 0.125]], dtype=torch.float64),
         torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64), torch.tensor([0.25], dtype=torch.float64),
         False),
        ("w and b that require grad", torch.tensor([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]]),
         torch.tensor([[0.5], [2.0]]), torch.tensor([1.0]), True),
    ]


linreg.visible = _linreg_cases()
_LINREG_ASK = ("print the shapes: X (n, d), w (d, 1), b (1,); what shape does your result have, and is b "
               "added?")


@linreg.checks
def _(call, cases):
    for label, X, w, b, with_grad in cases:
        right = (X.double() @ w.double() + b.double()).to(X.dtype)
        if with_grad:
            run = call.via("backward_through", X.clone(), w.clone(), b.clone())
            run.where = f"linreg on {label}"
            got = _restored(run.ok(ask=_LINREG_ASK))
            expect_close(run, right, pick=lambda v: _restored(v)["value"], ask=_LINREG_ASK)
            if not got["tracked"]:
                fail(run, linreg.known("detached"))
            for name, grad, expected in (("w", got["grad_w"], X.sum(dim=0).reshape(w.shape)),
                                         ("b", got["grad_b"], torch.full(b.shape, float(len(X))))):
                if grad is None:
                    _fail(run.where, f"no gradient reached {name}.", [],
                          f"is {name} used as the tensor it is (not through .item(), .data or .detach())?")
                expect_close(_at(run, f"{run.where}: {name}.grad after linreg(X, w, b).sum().backward()"),
                             expected, pick=lambda v, n=name: _restored(v)[f"grad_{n}"],
                             ask=f"is {name} used once, as it is, in X @ w + b?")
            continue
        run = call.via("returned", X.clone(), _fresh(w), _fresh(b))
        run.where = f"linreg on {label}"
        got = _restored(run.ok(ask=_LINREG_ASK))
        expect_unchanged(run, "X", "w", "b")
        expect_close(run, right, pick=_restored, ask=_LINREG_ASK)
        if got.dtype != X.dtype:
            mistake = linreg.known("converted to float32")
            if got.dtype != torch.float32:
                mistake = _dtype_mistake(X.dtype, got.dtype)
            fail(run, mistake)


# ---------------------------------------------------------------------------- squared_loss

squared_loss = Exercise("squared_loss")
squared_loss.harness(returned)


@squared_loss.harness
def gradient(squared_loss, y_hat, y, *, support):
    """``squared_loss`` of a ``y_hat`` that requires grad, and the gradient of its sum."""
    y_hat = y_hat.detach().clone().requires_grad_(True)
    out = squared_loss(y_hat, y)
    if isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward()
    return _portable({"value": out.detach() if isinstance(out, torch.Tensor) else out,
                      "grad": None if y_hat.grad is None else y_hat.grad.clone()})


@squared_loss.mistake("no reshape: broadcasts to (n, n)",
                      "y_hat (n, 1) minus flat labels y (n,) broadcast to an (n, n) table: every prediction "
                      "was compared with every label.",
                      "reshape the labels to the predictions' shape first: y.reshape(y_hat.shape).")
def _(y_hat, y):
    return (y_hat - y) ** 2 / 2


@squared_loss.mistake("labels flattened",
                      "y_hat (n, 1) minus y reshaped to (n,) broadcast to an (n, n) table.",
                      "reshape y to y_hat's shape, y.reshape(y_hat.shape), not to a flat vector.")
def _(y_hat, y):
    return (y_hat - y.reshape(-1)) ** 2 / 2


@squared_loss.mistake("y_hat reshaped to y", "the result has the labels' shape, not the predictions'.",
                      "reshape y to y_hat's shape, not y_hat to y's: the loss has one entry per prediction, "
                      "shaped like y_hat.")
def _(y_hat, y):
    return (y_hat.reshape(y.shape) - y) ** 2 / 2


@squared_loss.mistake("averaged", "returned the mean over the examples, not one loss per example.",
                      "return the loss of each example, with y_hat's shape: no .mean() (the training loop "
                      "sums).")
def _(y_hat, y):
    return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).mean()


@squared_loss.mistake("summed", "returned the sum over the examples, not one loss per example.",
                      "no .sum() here: return the loss of each example, with y_hat's shape (the training "
                      "loop sums before backward()).")
def _(y_hat, y):
    return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).sum()


@squared_loss.mistake("the 1/2 forgotten", "each loss is twice the expected one.",
                      "the squared loss is (y_hat - y) ** 2 / 2: the 1/2 makes its derivative y_hat - y.")
def _(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2


@squared_loss.mistake("absolute error", "these are absolute errors, not squared ones.",
                      "square the difference: (y_hat - y) ** 2 / 2, not abs().")
def _(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)).abs() / 2


@squared_loss.mistake("labels reshaped in place", "changed the labels it was given.",
                      "y.unsqueeze_(1) or y.resize_() reshape the caller's labels in place: use "
                      "y.reshape(y_hat.shape), which makes a new view.", by="in place")
def _(y_hat, y):
    if y.dim() == 1:
        y.unsqueeze_(1)
    return (y_hat - y) ** 2 / 2


def _loss_cases():
    y_hat = torch.tensor([[1.0], [2.0], [4.0]])
    return [
        ("a column of labels: y_hat (3, 1), y (3, 1)", y_hat, torch.tensor([[1.0], [0.0], [1.0]]), False),
        ("flat labels: y_hat (3, 1), y (3,)", y_hat, torch.tensor([1.0, 0.0, 1.0]), False),
        ("y_hat (4, 1) that requires grad, flat labels (4,)", torch.tensor([[0.5], [-1.0], [2.0], [3.0]]),
         torch.tensor([1.0, 1.0, 1.0, -1.0]), True),
    ]


squared_loss.visible = _loss_cases()
_LOSS_ASK = ("print y_hat - y.reshape(y_hat.shape) and the shape of your result: one loss per "
             "example, with y_hat's shape?")


@squared_loss.checks
def _(call, cases):
    for label, y_hat, y, with_grad in cases:
        right = ((y_hat.double() - y.double().reshape(y_hat.shape)) ** 2 / 2).to(y_hat.dtype)
        if with_grad:
            run = call.via("gradient", y_hat.clone(), y.clone())
            run.where = f"squared_loss on {label}"
            got = _restored(run.ok(ask=_LOSS_ASK))
            expect_unchanged(run, "y_hat", "y")
            expect_close(run, right, pick=lambda v: _restored(v)["value"], ask=_LOSS_ASK)
            if got["grad"] is None:
                _fail(run.where, "no gradient reached y_hat.", [],
                      "is the loss computed from y_hat with torch operations (no .detach(), .data or "
                      ".item())?")
            expect_close(_at(run, f"{run.where}: y_hat.grad after squared_loss(y_hat, y).sum().backward()"),
                         y_hat - y.reshape(y_hat.shape), pick=lambda v: _restored(v)["grad"],
                         ask="the derivative of (y_hat - y) ** 2 / 2 is y_hat - y: is y_hat used as it is?")
            continue
        run = call.via("returned", y_hat.clone(), y.clone())
        run.where = f"squared_loss on {label}"
        got = _restored(run.ok(ask=_LOSS_ASK))
        expect_unchanged(run, "y_hat", "y")
        expect_close(run, right, pick=_restored, ask=_LOSS_ASK)
        if got.dtype != y_hat.dtype:
            fail(run, _dtype_mistake(y_hat.dtype, got.dtype))


# ---------------------------------------------------------------------------- sgd

sgd = Exercise("sgd")


@sgd.harness
def one_step(sgd, values, grads, lr, batch_size, *, support):
    """Make a parameter (a leaf that requires grad) of each of ``values``, with ``.grad`` set
    to ``grads``; let autograd record a computation that uses each one; call ``sgd`` once on
    the list of them. Report each parameter's value and ``.grad`` afterwards, whether it is
    still the same trainable tensor in the list, and whether autograd noticed the change (a
    ``backward()`` through the recorded computation refuses to use a changed tensor)."""
    params = [v.detach().clone().requires_grad_(True) for v in values]
    for p, g in zip(params, grads):
        p.grad = g.detach().clone()
    recorded = [(p * p).sum() for p in params]
    given = list(params)
    sgd(given, lr, batch_size)
    report = {"values": [p.detach().clone() for p in params],
              "grads": [None if p.grad is None else p.grad.detach().clone() for p in params],
              "trainable": [bool(p.is_leaf and p.requires_grad) for p in params],
              "same_in_list": [a is p for a, p in zip(given, params)]}
    noticed = []
    for r in recorded:
        try:
            r.backward()
            noticed.append(False)
        except RuntimeError:
            noticed.append(True)
    report["noticed"] = noticed
    return _portable(report)


@sgd.mistake("update outside no_grad", "the in-place update ran while autograd was recording.",
             "do the update inside `with torch.no_grad():`: autograd refuses to change a leaf that "
             "requires grad in place while it records.")
def _(params, lr, batch_size):
    for param in params:
        param -= lr * param.grad / batch_size
        param.grad.zero_()


@sgd.mistake("a copy updated (param = param - ...)", "param = param - ... made a new tensor; the parameter "
             "itself never changed (and the new tensor has no .grad).",
             "change the parameter in place: param -= lr * param.grad / batch_size (inside torch.no_grad()).")
def _(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param = param - lr * param.grad / batch_size
            param.grad.zero_()


@sgd.mistake("list entries replaced",
             "the caller's parameters did not change: the list got new tensors instead.",
             "the training loop keeps its own w and b: change each tensor in place, param -= ..., "
             "instead of putting new tensors into the list.", by="in place")
def _(params, lr, batch_size):
    with torch.no_grad():
        for i, param in enumerate(params):
            params[i] = param - lr * param.grad / batch_size
            param.grad.zero_()


@sgd.mistake("gradient not zeroed", "param.grad still holds this step's gradient after sgd.",
             "after the step, reset the gradient, param.grad.zero_(): backward() adds to .grad, so the "
             "next step would use the sum of all gradients so far.")
def _(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size


@sgd.mistake("gradient zeroed before the update", "the step used a gradient that had just been zeroed: "
             "the parameters did not move.", "zero the gradient only after the step that uses it.")
def _(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param.grad.zero_()
            param -= lr * param.grad / batch_size


@sgd.mistake("no division by the batch size", "the step is batch_size times too large.",
             "the gradient is of the minibatch's summed loss: divide by batch_size, "
             "param -= lr * param.grad / batch_size.")
def _(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad
            param.grad.zero_()


@sgd.mistake("divided twice", "the step is batch_size times too small: it was divided by batch_size twice.",
             "divide by batch_size once: param -= lr * param.grad / batch_size.")
def _(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size / batch_size
            param.grad.zero_()


@sgd.mistake("gradient ascent", "the step went up the gradient, not down.",
             "subtract: param -= lr * param.grad / batch_size (the gradient points uphill).")
def _(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param += lr * param.grad / batch_size
            param.grad.zero_()


@sgd.mistake("update through .data (the notes' way)", "the update went through .data: autograd did not "
             "notice that the parameter changed.",
             "update with `param -= ...` inside `with torch.no_grad():`, not through param.data: autograd "
             "must see the change, or it silently uses the old value (pitfall (b)).", by="autograd")
def _(params, lr, batch_size):
    for param in params:
        param.data -= lr * param.grad / batch_size
        param.grad.zero_()


def _sgd_cases():
    return [   # two parameters first: a step divided by len(params) must not look like another mistake
        ("w (3, 2) and b (2,), lr=0.1, batch_size=3", [torch.ones(3, 2), torch.zeros(2)],
         [torch.full((3, 2), 3.0), torch.tensor([1.0, 2.0])], 0.1, 3),
        ("p = [1, -2] with grad [4, 8], lr=0.5, batch_size=4", [torch.tensor([1.0, -2.0])],
         [torch.tensor([4.0, 8.0])], 0.5, 4),
    ]


sgd.visible = _sgd_cases()
_SGD_ASK = "work one entry out by hand: new value = old value - lr * grad / batch_size. Which part differs?"


@sgd.checks
def _(call, cases):
    for label, values, grads, lr, batch_size in cases:
        run = call.via("one_step", [v.clone() for v in values], [g.clone() for g in grads], lr, batch_size)
        run.where = f"sgd on {label}"
        got = _restored(run.ok(ask="does each param change in place inside `with torch.no_grad():`, and is "
                                   "its .grad zeroed afterwards?"))
        right = [(v.double() - lr * g.double() / batch_size).to(v.dtype) for v, g in zip(values, grads)]
        if not all(got["trainable"]):
            _fail(run.where, "a parameter is no longer a trainable leaf tensor after the step.", [],
                  "was the parameter itself changed in place, inside torch.no_grad()?")
        unchanged = all(torch.equal(a, v) for a, v in zip(got["values"], values))
        should_move = not all(torch.equal(r, v) for r, v in zip(right, values))
        if unchanged and not any(got["noticed"]) and should_move:
            if not all(got["same_in_list"]):
                fail(run, sgd.known("list entries replaced"))
            _fail(run.where, "the parameters did not change.", [],
                  "does the update change each tensor in place (param -= ...), not a new one?")
        expect_close(_at(run, f"{run.where}: the parameters after the step"),
                     torch.cat([r.reshape(-1) for r in right]),
                     pick=lambda v: torch.cat([t.reshape(-1) for t in _restored(v)["values"]]), ask=_SGD_ASK)
        if any(g is None for g in got["grads"]):
            _fail(run.where, "param.grad was None after the step.", ["expected: a gradient of zeros"],
                  "the task resets it in place, param.grad.zero_(), so the next backward() adds to zeros.")
        expect_close(_at(run, f"{run.where}: param.grad after the step"),
                     torch.zeros(sum(g.numel() for g in grads)),
                     pick=lambda v: torch.cat([t.reshape(-1) for t in _restored(v)["grads"]]),
                     ask="what should .grad hold when the next minibatch's backward() adds to it?")
        if not all(got["noticed"]):
            fail(run, sgd.known("update through .data (the notes' way)"))


# ---------------------------------------------------------------------------- train_linreg

train = Exercise("train_linreg", support=("data_iter", "linreg", "squared_loss", "sgd"))


@train.harness
def watched(train_linreg, features, labels, lr, num_epochs, batch_size, seed, *, runs=1, watch=True,
            support):
    """Run ``train_linreg`` ``runs`` times, each with a fresh generator seeded ``seed``, with the
    course's ``data_iter``, ``linreg``, ``squared_loss`` and ``sgd`` in place of the
    learner's (one mistake costs its own points only). Record every call of ``data_iter``
    (its batch size, whether it got this run's data and generator) and of ``sgd`` (lr, batch
    size, and with ``watch`` the parameters, their gradients and the minibatch), and what
    the function returned."""
    reports = []
    for _ in range(runs):
        g = torch.Generator().manual_seed(seed)
        served, data_calls, sgd_calls = [], [], []

        def data_iter(batch_size_, features_, labels_, generator=None):
            given = "own" if generator is g else "none" if generator is None else "other"
            data_calls.append({"batch_size": batch_size_, "generator": given,
                               "own_data": features_ is features and labels_ is labels})
            for X, y in support["data_iter"](batch_size_, features_, labels_, generator):
                served.append((X, y))
                yield X, y

        def sgd(params, lr_, batch_size_):
            params = list(params)
            record = {"lr": lr_, "batch_size": batch_size_, "served": len(served),
                      "batch_len": len(served[-1][1]) if served else None,
                      "ids": [id(p) for p in params],
                      "has_grad": [_grad(p) is not None for p in params]}
            if watch:
                record["params"] = [p.detach().clone() for p in params]
                record["grads"] = [None if _grad(p) is None else p.grad.detach().clone() for p in params]
                record["batch"] = served[-1] if served else None
            sgd_calls.append(record)
            if all(record["has_grad"]):
                support["sgd"](params, lr_, batch_size_)

        fn = isolated(train_linreg, data_iter=data_iter, linreg=support["linreg"],
                      squared_loss=support["squared_loss"], sgd=sgd)
        out = fn(features, labels, lr=lr, num_epochs=num_epochs, batch_size=batch_size, generator=g)
        returned = list(out) if type(out) in (tuple, list) else []
        roles = {id(t): name for name, t in zip(("w", "b"), returned[:2])}
        for record in sgd_calls:
            record["roles"] = [roles.get(i) for i in record.pop("ids")]
        leaves = [t.is_leaf if isinstance(t, torch.Tensor) else None for t in returned[:2]]
        reports.append({"result": out, "leaf": leaves, "data_iter_calls": data_calls,
                        "served": [len(y) for _, y in served], "sgd_calls": sgd_calls})
    return _portable(reports)


_TRAIN_LINREG = """\
def train_linreg(features, labels, *, lr=0.03, num_epochs=3, batch_size=10, generator=None):
    w = {init}
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for epoch in range(num_epochs):
        {reset}
        for X, y in {data}:
            l = squared_loss(linreg(X, w, b), y)
            {backward}
            sgd([w, b], {lr}, {size})
            {during}
        {record}
    return w, b, losses
"""
_INIT = "torch.normal(0.0, 0.01, size=(features.shape[1], 1), generator=generator, requires_grad=True)"
_RECORD = ("with torch.no_grad():\n"
           "            losses.append(squared_loss(linreg(features, w, b), labels).mean().item())")


def _loop(init=_INIT, reset="pass", data="data_iter(batch_size, features, labels, generator)",
          backward="l.sum().backward()", lr="lr", size="len(y)", during="pass", record=_RECORD):
    scope = {"torch": torch}
    exec(_TRAIN_LINREG.format(init=init, reset=reset, data=data, backward=backward, lr=lr, size=size,
                              during=during, record=record), scope)
    return scope["train_linreg"]


for _what, _problem, _hint, _by, _parts in [
    ("backward() on the per-example losses", "backward() was called on a vector of losses.",
     "backward() needs one number: call it on the sum of the minibatch's losses, l.sum().backward().",
     "result", {"backward": "l.backward()"}),
    ("mean loss, then sgd divides", "each step is batch-size times too small: the gradient is of the mean "
     "loss, and sgd divides by the batch size again.",
     "call backward() on the summed loss, l.sum().backward(): sgd already divides by the batch size.",
     "result", {"backward": "l.mean().backward()"}),
    ("nominal batch size", "sgd got the nominal batch size, not this minibatch's size.",
     "the last minibatch can be smaller: pass its real size, len(y), to sgd.",
     "batch size", {"size": "batch_size"}),
    ("batch size hard-coded", "data_iter got another batch size than the one passed to train_linreg.",
     "pass the function's own batch_size on to data_iter.", "data_iter batch size",
     {"data": "data_iter(10, features, labels, generator)"}),
    ("learning rate hard-coded", "sgd got another learning rate than the one passed to train_linreg.",
     "pass the function's own `lr` on to sgd.", "lr", {"lr": "0.03"}),
    ("data_iter without the generator", "data_iter was called without the generator.",
     "pass `generator` on to data_iter too, so that the order of the minibatches repeats.",
     "data_iter generator", {"data": "data_iter(batch_size, features, labels)"}),
    ("w without requires_grad", "w does not require gradients, so backward() never fills w.grad.",
     "create w with requires_grad=True (b too).", "requires_grad",
     {"init": _INIT.replace("requires_grad=True", "requires_grad=False")}),
    ("w scaled after it was drawn", "w is not a leaf tensor: it was computed from the random draw, so "
     "backward() fills no w.grad.",
     "draw w with the right spread directly, torch.normal(0.0, 0.01, size=..., generator=generator, "
     "requires_grad=True); `torch.randn(..., requires_grad=True) * 0.01` is a computed tensor, not a leaf.",
     "leaf", {"init": "torch.randn(features.shape[1], 1, generator=generator, requires_grad=True) * 0.01"}),
    ("w starts at zero", "w started at zero, not drawn from N(0, 0.01^2).",
     "draw w: torch.normal(0.0, 0.01, size=(features.shape[1], 1), generator=generator, requires_grad=True).",
     "init", {"init": "torch.zeros(features.shape[1], 1, requires_grad=True)"}),
    ("w drawn without the generator", "two runs with generators of the same seed started from different w.",
     "pass `generator` to torch.normal when you draw w, so that a run repeats exactly.",
     "repeatable", {"init": _INIT.replace("generator=generator", "generator=None")}),
    ("losses kept as tensors", "the losses are tensors, not Python floats.",
     "append loss.item() (a Python float), not the tensor.", "type",
     {"record": "losses.append(squared_loss(linreg(features, w, b), labels).mean().detach())"}),
    ("the last minibatch's loss recorded", "losses[0] is the mean loss of the last minibatch, not of all "
     "examples.",
     "after each epoch, compute the mean squared loss over all examples, "
     "squared_loss(linreg(features, w, b), labels).mean(), with the current w and b.", "result",
     {"record": "losses.append(l.mean().item())"}),
    ("mean of the minibatch losses during the epoch", "losses[0] is the mean of the minibatch losses "
     "measured during the epoch, while w and b were still moving.",
     "after the epoch's last step, compute the loss over all examples with the final w and b.", "result",
     {"reset": "running, count = 0.0, 0", "during": "running += l.sum().item(); count += len(y)",
      "record": "losses.append(running / count)"}),
]:
    train.mistakes.append(KnownMistake(_what, _loop(**_parts), _problem, _hint, _by))


def _train_cases():
    X_wide = torch.randn(30, 50, generator=torch.Generator().manual_seed(2))
    X_small, y_small = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 23,
                                      generator=torch.Generator().manual_seed(1))
    features, labels = synthetic_data(torch.tensor([-6.0, 3.2, 10.5]), 1.7, 1000,
                                      generator=torch.Generator().manual_seed(0))
    return [
        ("the start (num_epochs=0) with 50 features", X_wide, X_wide.sum(dim=1, keepdim=True),
         {"lr": 0.03, "num_epochs": 0, "batch_size": 10, "seed": 0, "runs": 2}),
        ("one epoch on 23 examples in minibatches of 7, 7, 7 and 2", X_small, y_small,
         {"lr": 0.05, "num_epochs": 1, "batch_size": 7, "seed": 0, "runs": 2}),
        ("the data of section 2, 3 epochs", features, labels,
         {"lr": 0.03, "num_epochs": 3, "batch_size": 10, "seed": 0, "watch": False,
          "fit": ([-6.0, 3.2, 10.5], 1.7)}),
    ]


train.visible = _train_cases()
_TRAIN_ASK = ("run one minibatch by hand: do the predictions, the squared losses, backward() on their sum "
              "and sgd([w, b], lr, len(y)) do what you expect?")


def _right_grads(record) -> torch.Tensor:
    """The gradient of the minibatch's summed squared loss at the parameters sgd got,
    ``[dL/dw, dL/db]`` flattened (the maths of section 6, without autograd)."""
    (X, y), by_role = record["batch"], dict(zip(record["roles"], record["params"]))
    w, b = by_role["w"].double(), by_role["b"].double()
    r = X.double() @ w + b - y.double().reshape(-1, 1)
    return torch.cat([(X.double().T @ r).reshape(-1), r.sum(dim=0).reshape(-1)])


def _grads_by_role(record) -> torch.Tensor:
    by_role = dict(zip(record["roles"], record["grads"]))
    if any(by_role.get(name) is None for name in ("w", "b")):
        raise ValueError("no gradient")
    return torch.cat([by_role["w"].reshape(-1), by_role["b"].reshape(-1)])


def _loss_over(features, labels, w, b) -> float:
    with torch.no_grad():
        r = features.double() @ w.detach().double() + b.detach().double() - labels.double().reshape(-1, 1)
        return float((r ** 2 / 2).mean())


@train.checks
def _(call, cases):
    for label, X, y, options in cases:
        options = dict(options)
        fit = options.pop("fit", None)
        lr, num_epochs, batch_size, seed = (options.pop(k)
                                            for k in ("lr", "num_epochs", "batch_size", "seed"))
        run = call.via("watched", X, y, lr, num_epochs, batch_size, seed, **options)
        run.where = (f"train_linreg on {label} (lr={lr:g}, num_epochs={num_epochs}, "
                     f"batch_size={batch_size})")
        reports = _restored(run.ok(ask=_TRAIN_ASK))
        w, b, losses = _returned(run, reports[0], X, num_epochs)
        _check_start(run, reports, w, b, num_epochs)
        _check_calls(run, reports[0], X, batch_size, lr, num_epochs, watch=options.get("watch", True))
        if num_epochs == 0:
            continue
        if num_epochs == 1:
            expect_number(run, _loss_over(X, y, w, b), pick=lambda v: _restored(v)[0]["result"][2][0],
                          what="losses[0] (the mean loss after epoch 1)", rtol=1e-4,
                          ask="after the epoch, which examples and which w and b is the loss computed with?")
        for k, value in enumerate(losses):
            if type(value) is not float:
                expect_number(run, _loss_over(X, y, w, b),
                              pick=lambda v, k=k: _restored(v)[0]["result"][2][k],
                              what=f"losses[{k}]")
        if len(reports) > 1 and not torch.equal(reports[1]["result"][0].detach(), w.detach()):
            _fail(run.where, "two runs with generators of the same seed ended with different w.", [],
                  "is every random draw made with `generator` (w's start and the order of the minibatches)?")
        if fit is not None:
            _check_fit(run, losses, w, b, fit)


def _returned(run, report, X, num_epochs):
    out = report["result"]
    if type(out) not in (tuple, list) or len(out) != 3:
        shown = f"a {type_name(out)} of length {len(out)}" if type(out) in (tuple, list) else type_name(out)
        _fail(run.where, "should return w, b, losses.", [f"got: {shown}"],
              "does the function end with `return w, b, losses`?")
    w, b, losses = out
    w = expect_tensor(f"{run.where}: w", w)
    b = expect_tensor(f"{run.where}: b", b)
    for name, t, shape in (("w", w, (X.shape[1], 1)), ("b", b, (1,))):
        if tuple(t.shape) != shape:
            _fail(run.where, f"{name} has the wrong shape.",
                  [f"expected: {shape}", f"got:      {tuple(t.shape)}"],
                  f"which shape does {name} get when it is created?"
                  + (" One weight per feature, as a column." if name == "w" else ""))
    if type(losses) is not list or len(losses) != num_epochs:
        shown = f"{len(losses)} entries" if type(losses) in (list, tuple) else type_name(losses)
        _fail(run.where, "losses should be a list with one number per epoch.",
              [f"expected: {num_epochs} entries", f"got:      {shown}"],
              "do you append once per epoch, after its minibatches?")
    return w, b, losses


def _check_start(run, reports, w, b, num_epochs):
    if not w.requires_grad:
        fail(run, train.known("w without requires_grad"))
    if not b.requires_grad:
        _fail(run.where, "b does not require gradients.", [], "create b with requires_grad=True.")
    if reports[0]["leaf"][0] is False:
        fail(run, train.known("w scaled after it was drawn"))
    if reports[0]["leaf"][1] is False:
        _fail(run.where, "b is not a leaf tensor, so backward() fills no b.grad.", [],
              "create b directly: torch.zeros(1, requires_grad=True).")
    if num_epochs != 0:
        return
    if not w.detach().any():
        fail(run, train.known("w starts at zero"))
    spread, largest = float(w.detach().std()) if w.numel() > 1 else 0.0, float(w.detach().abs().max())
    if (w.numel() >= 20 and not 0.005 < spread < 0.02) or largest > 0.06:
        _fail(run.where, "w should start from N(0, 0.01^2).",
              [f"got: w with standard deviation {spread:.3g}, largest entry {largest:.3g}"],
              "which mean and standard deviation is w drawn with?")
    if b.detach().any():
        _fail(run.where, "b should start at zero.", [f"got: b = {b.detach().tolist()}"], "how is b created?")
    if len(reports) > 1 and not torch.equal(reports[1]["result"][0].detach(), w.detach()):
        fail(run, train.known("w drawn without the generator"))


def _check_calls(run, report, X, batch_size, lr, num_epochs, *, watch):
    n = len(X)
    per_epoch = -(-n // batch_size)
    data_calls = report["data_iter_calls"]
    if num_epochs and not data_calls:
        _fail(run.where, "data_iter was never called.", [],
              "is each epoch a loop over data_iter(batch_size, features, labels, generator)?")
    for call_ in data_calls:
        if _as_int(call_["batch_size"]) != batch_size:
            fail(run, train.known("batch size hard-coded"),
                 [f"expected: data_iter({batch_size}, ...)",
                  f"got:      data_iter({call_['batch_size']!r}, ...)"])
        if call_["generator"] == "none":
            fail(run, train.known("data_iter without the generator"))
        if call_["generator"] != "own":
            _fail(run.where, "data_iter got another generator than the one passed to train_linreg.", [],
                  "which generator do you pass to data_iter?")
        if not call_["own_data"]:
            _fail(run.where, "data_iter got other tensors than features and labels.", [],
                  "pass the function's own features and labels on to data_iter.")
    calls = report["sgd_calls"]
    if num_epochs and not calls:
        _fail(run.where, "sgd was never called.", [], "is sgd called once per minibatch, after backward()?")
    for k, record in enumerate(calls, start=1):
        where = f"{run.where}, sgd call {k}"
        if record["batch_len"] is None:
            _fail(where, "sgd was called before any minibatch was read.", [],
                  "where in the loop is sgd called?")
        size = _as_int(record["batch_size"])
        if size != record["batch_len"]:
            details = [f"expected: batch_size={record['batch_len']} (this minibatch's size)",
                       f"got:      batch_size={record['batch_size']!r}"]
            if size == batch_size:
                fail(where, train.known("nominal batch size"), details)
            _fail(where, "sgd got a batch size that is not this minibatch's size.", details,
                  "which number of examples did this minibatch have?")
        if record["lr"] != lr:
            fail(where, train.known("learning rate hard-coded"),
                 [f"expected: lr={lr:g}", f"got:      lr={record['lr']!r}"])
        roles = record["roles"]
        missing = [name for name in ("w", "b") if name not in roles]
        if missing and None not in roles:
            _fail(where, f"sgd was not given {' and '.join(missing)}.", [f"got: {len(roles)} parameter(s)"],
                  "pass both parameters, sgd([w, b], lr, len(y)): each one is updated and its gradient "
                  "reset.")
        if sorted(r for r in roles if r) != ["b", "w"] or len(roles) != 2:
            _fail(where, "sgd got other tensors than the w and b that train_linreg returns.", [],
                  "which tensors do you pass to sgd: the very w and b you return?")
        if not all(record["has_grad"]):
            _fail(where, "param.grad was None when sgd was called.", [],
                  "was backward() called on this minibatch's loss before sgd?")
        if watch:
            expect_close(_at(run, where), _right_grads(record).to(torch.float32),
                         pick=lambda v, k=k: _grads_by_role(_restored(v)[0]["sgd_calls"][k - 1]),
                         what="(w.grad and b.grad, flattened, when sgd was called)", rtol=1e-3, atol=1e-5,
                         ask="is .grad the gradient of this minibatch's summed loss, computed with the "
                             "current w and b?")
    if len(calls) != per_epoch * num_epochs:
        _fail(run.where, "sgd was not called once per minibatch.",
              [f"expected: {per_epoch * num_epochs} calls ({per_epoch} minibatches x {num_epochs} epochs)",
              f"got:      {len(calls)}"], "how many times does your loop call sgd for each minibatch?")


def _check_fit(run, losses, w, b, fit):
    true_w, true_b = fit
    if not all(number_like(v) and math.isfinite(float(v)) for v in losses):
        _fail(run.where, "the losses are not all finite numbers.", [f"got: {losses}"], _TRAIN_ASK)
    values = [float(v) for v in losses]
    if not values[-1] < values[0] or not values[-1] < 1e-3:
        _fail(run.where, "the loss did not fall to near the noise level (5e-5).",
               ["expected: falling, below 1e-3 at the end", f"got:      {[f'{v:.3g}' for v in values]}"],
              _TRAIN_ASK)
    expect_close(_at(run, f"{run.where}: learned w"), torch.tensor(true_w),
                 pick=lambda v: _restored(v)[0]["result"][0].reshape(-1), rtol=0, atol=0.05,
                 ask="does each step move w against its gradient?")
    expect_close(_at(run, f"{run.where}: learned b"), torch.tensor([true_b]),
                 pick=lambda v: _restored(v)[0]["result"][1].reshape(-1), rtol=0, atol=0.05,
                 ask="is b passed to sgd with w?")


# ---------------------------------------------------------------------------- choose_lr

choose_lr = Exercise("choose_lr", target="chosen_lr")
#: What ``chosen_lr`` must achieve: training on the notebook's data (1000 examples) with this
#: batch size for this many epochs, with each of these seeds, ends below this loss.
CHOOSE_LR_RULE = {"batch_size": 10, "num_epochs": 1, "seeds": (0, 1, 2), "target": 1e-4}
choose_lr.visible = [("the data of section 2", CHOOSE_LR_RULE)]

# The wrong values learners choose; a check names one only by the property it breaks.
choose_lr.mistakes += [
    KnownMistake("too small", 0.03, "with this learning rate the loss is still falling when the epoch ends.",
                 "the steps are too small to get there in 100 steps: in the exploration, move lr up until "
                 "the loss after epoch 1 is near the noise level.", by="too small"),
    KnownMistake("diverges", 2.0,
                 "with this learning rate training diverges: the loss grows instead of falling.",
                 "each step overshoots: section 8 puts the limit for batch size 10 near 1.7. Choose a "
                 "smaller learning rate.", by="diverges"),
    KnownMistake("at the edge", 1.5, "with this learning rate the noisy minibatch steps keep the loss well "
                 "above the target (for some seeds it nearly blows up).",
                 "it is close to the stability limit for batch size 10: a smaller learning rate does better "
                 "here. Keep a margin from the edge.", by="unstable"),
    KnownMistake("not positive", -0.1, "a learning rate must be positive.",
                 "sgd subtracts lr * grad: with lr <= 0 it stands still or climbs the loss.", by="sign"),
    KnownMistake("a string", "0.1", "chosen_lr is a string, not a number.",
                 "write the number without quotes: chosen_lr = 0.1, not \"0.1\".", by="string"),
]


def _final_losses(lr: float, batch_size: int, num_epochs: int, seeds) -> tuple[float, list[float]]:
    """The start loss and the final loss of each seed's run: linear regression trained on the
    data of section 2 with the course's data_iter (the update is the maths of section 6)."""
    reference = importlib.import_module("helpers.reference")
    features, labels = synthetic_data(torch.tensor([-6.0, 3.2, 10.5]), 1.7, 1000,
                                      generator=torch.Generator().manual_seed(0))
    finals, start = [], None
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        w = torch.normal(0.0, 0.01, size=(3, 1), generator=g)
        b = torch.zeros(1)
        if start is None:
            start = _loss_over(features, labels, w, b)
        with torch.no_grad():
            for _ in range(num_epochs):
                for X, y in reference.data_iter(batch_size, features, labels, g):
                    r = X @ w + b - y
                    w, b = w - lr * X.T @ r / len(y), b - lr * r.sum(dim=0) / len(y)
        loss = _loss_over(features, labels, w, b)
        finals.append(loss if math.isfinite(loss) else math.inf)
    return start, finals


@choose_lr.checks
def _(call, cases):
    lr = call.value()
    if lr is None:   # the cell's `chosen_lr = None` is still all there is, as in the release
        _fail("chosen_lr", "is still None: its cell raises NotImplementedError, the exercise is not done "
              "yet.", [], "replace the two stub lines with chosen_lr = <your learning rate>, run that "
                          "cell, then run this one again.")
    where = f"chosen_lr = {lr!r}"
    if type(lr) is str:
        fail(where, choose_lr.known("a string"))
    plain = type(lr) in (int, float) or (number_like(lr) and not isinstance(lr, torch.Tensor))
    if isinstance(lr, bool) or not plain:
        _fail(where, f"chosen_lr should be a Python number, got {type_name(lr)}.", [],
              "write a plain number, e.g. chosen_lr = 0.1.")
    lr = float(lr)
    if not math.isfinite(lr) or lr <= 0:
        fail(where, choose_lr.known("not positive"))
    for label, rule in cases:
        batch_size, num_epochs, seeds, target = (rule["batch_size"], rule["num_epochs"], rule["seeds"],
                                                 rule["target"])
        start, finals = _final_losses(lr, batch_size, num_epochs, seeds)
        shown = [f"seed {s}: {v:.3g}" for s, v in zip(seeds, finals)]
        where = (f"chosen_lr = {lr:g}, trained on {label} with batch size {batch_size} for "
                 f"{num_epochs} epoch{'s' * (num_epochs != 1)}")
        details = [f"expected: a loss below {target:g} for every seed", f"got:      {', '.join(shown)}",
                   f"(the loss before training is {start:.3g})"]
        if all(v < target for v in finals):
            continue
        if any(v >= start for v in finals):
            fail(where, choose_lr.known("diverges"), details)
        _, larger = _final_losses(2 * lr, batch_size, num_epochs, seeds)
        _, smaller = _final_losses(lr / 2, batch_size, num_epochs, seeds)
        if sum(larger) < sum(finals) and all(math.isfinite(v) for v in larger):
            fail(where, choose_lr.known("too small"), details)
        if sum(smaller) < sum(finals):
            fail(where, choose_lr.known("at the edge"), details)
        _fail(where, "the loss does not reach the target.", details,
              "what does the exploration show for this learning rate after one epoch?")


# ---------------------------------------------------------------------------- the notebook

EXERCISES = Exercises("01_linear_regression_scratch",
                      [data_iter, linreg, squared_loss, sgd, train, choose_lr])
check = EXERCISES.check

seal(__name__)
