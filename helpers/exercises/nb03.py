"""Notebook 03 (softmax regression by hand): each exercise's visible checks and known mistakes.

The test cells call ``check("softmax", softmax)``; the grading judge runs the same checks
on hidden cases too. Every known mistake below is the wrong code a learner types; a check
names it only when the learner's result is what that code gives on the same input.

Introduced in ``03_softmax_scratch``.
"""
from __future__ import annotations

import importlib

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .._readonly import seal
from .framework import (
    Exercise,
    Exercises,
    KnownMistake,
    expect_close,
    expect_number,
    expect_record,
    expect_unchanged,
    fail,
    isolated,
)

# ---------------------------------------------------------------------------- softmax

softmax = Exercise("softmax", forbidden={
    "torch.softmax": "build softmax from max, exp and sum.",
    "torch.nn.functional.softmax": "build softmax from max, exp and sum.",
    "torch.Tensor.softmax": "build softmax from max, exp and sum.",
    "torch.special.softmax": "build softmax from max, exp and sum.",
    "torch.log_softmax": "build softmax from max, exp and sum.",
    "torch.nn.functional.log_softmax": "build softmax from max, exp and sum.",
    "torch.Tensor.log_softmax": "build softmax from max, exp and sum.",
})
softmax.visible = [
    ("a square (3, 3) matrix", torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [-2.0, 0.0, 5.0]])),
    ("logits (2, 3)", torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])),
    ("logits around 1000", torch.tensor([[1000.0, 0.0, -1000.0]])),
    ("rows at very different scales", torch.tensor([[1000.0, 999.0], [-1000.0, -1001.0]])),
]


@softmax.mistake("keepdim forgotten", "the row sums broadcast along the wrong dimension.",
                 "a sum over dim=1 has shape (n,), which lines up with the columns: keep the "
                 "reduced dimension, .sum(dim=1, keepdim=True), so each row is divided by its own sum.")
def _(O):
    E = (O - O.max(dim=1, keepdim=True).values).exp()
    return E / E.sum(dim=1)


@softmax.mistake("keepdim forgotten on the maximum", "the row maxima broadcast along the wrong dimension.",
                 "O.max(dim=1).values has shape (n,), which lines up with the columns: keep the "
                 "reduced dimension, O.max(dim=1, keepdim=True).values, so each row loses its own maximum.")
def _(O):
    E = (O - O.max(dim=1).values).exp()
    return E / E.sum(dim=1, keepdim=True)


@softmax.mistake("max without .values", "O.max(dim=...) returned a (values, indices) pair.",
                 "max with a dim returns a pair; take its .values: O.max(dim=1, keepdim=True).values.")
def _(O):
    E = (O - O.max(dim=1, keepdim=True)).exp()
    return E / E.sum(dim=1, keepdim=True)


@softmax.mistake("no maximum subtracted", "exp overflows to inf for large logits, and inf / inf is nan.",
                 "subtract each row's maximum before exp: softmax does not change, and the largest "
                 "exponent becomes e^0 = 1.")
def _(O):
    E = O.exp()
    return E / E.sum(dim=1, keepdim=True)


@softmax.mistake("normalised over columns", "each column sums to 1, not each row.",
                 "each row is one example: divide by the sum over dim=1.")
def _(O):
    E = (O - O.max(dim=1, keepdim=True).values).exp()
    return E / E.sum(dim=0, keepdim=True)


@softmax.mistake("one maximum for the whole matrix",
                 "one maximum for the whole matrix makes exp of a far-away row round to 0, and 0 / 0 is nan.",
                 "subtract each row's own maximum, O.max(dim=1, keepdim=True).values, not O.max().")
def _(O):
    E = (O - O.max()).exp()
    return E / E.sum(dim=1, keepdim=True)


@softmax.mistake("log-probabilities returned", "these are the logs of the right probabilities.",
                 "that is log-softmax: exponentiate the shifted logits and divide by their row sums.")
def _(O):
    S = O - O.max(dim=1, keepdim=True).values
    return S - S.exp().sum(dim=1, keepdim=True).log()


@softmax.mistake("input changed in place", "changed the logits it was given.",
                 "compute new tensors (O - m, .exp()) instead of changing "
                 "the input (O -= m, .exp_()): the caller still needs its logits.", by="in place")
def _(O):
    O -= O.max(dim=1, keepdim=True).values
    O.exp_()
    return O / O.sum(dim=1, keepdim=True)


@softmax.mistake("torch.softmax called", "called a built-in softmax.",
                 "the exercise is to build it: subtract the row maximum, "
                 "exponentiate, divide by the row sums.", by="forbidden")
def _(O):
    return torch.softmax(O, dim=1)


@softmax.checks
def _(call, cases):
    for label, O in cases:
        run = call(O.clone())
        run.where = f"softmax of {label}"
        run.ok(ask="is each row divided by its own sum of exponentials?")
        expect_unchanged(run, "O")
        expect_close(run, torch.softmax(O.double(), dim=1).to(O.dtype), rtol=1e-3, atol=1e-5,
                     ask="which dimension do you take the maximum and the sum over, and do the "
                         "shapes line up (keepdim)?")
        if run.value.dtype != O.dtype:
            fail(run, _dtype_mistake(O.dtype, run.value.dtype))


def _dtype_mistake(want, got):
    return KnownMistake("dtype", None, f"returned {got}, expected {want} like the logits.",
                        "compute with the input's own dtype: avoid building new tensors with a fixed dtype.",
                        by="dtype")


# ---------------------------------------------------------------------------- cross_entropy

_CE_RULE = "compute it from the logits with the log-sum-exp trick."
cross_entropy = Exercise("cross_entropy", forbidden={
    "torch.nn.functional.cross_entropy": _CE_RULE,
    "torch.nn.functional.nll_loss": _CE_RULE,
    "torch.nn.functional.log_softmax": _CE_RULE,
    "torch.log_softmax": _CE_RULE,
    "torch.Tensor.log_softmax": _CE_RULE,
})
cross_entropy.visible = [
    ("logits (2, 3)", torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), torch.tensor([0, 2])),
    ("a true class with logit -200", torch.tensor([[0.0, -200.0]]), torch.tensor([1])),
    ("logits around 1000", torch.tensor([[1000.0, 0.0]]), torch.tensor([1])),
    ("three examples, four classes", torch.tensor([[0.1, 0.2, 0.3, 0.4], [3.0, -1.0, 0.0, 2.0],
                                                   [1.0, 1.0, 1.0, 1.0]]), torch.tensor([3, 0, 2])),
]


def _shift(O):
    return O - O.max(dim=1, keepdim=True).values


@cross_entropy.mistake("gather with a 1-D index", "gather needs an index with as many dimensions as O.",
                       "turn the labels into a column, y.reshape(-1, 1), and squeeze the result.")
def _(O, y):
    S = _shift(O)
    return S.exp().sum(dim=1).log() - S.gather(1, y)


@cross_entropy.mistake("-log of softmax",
                       "the probability of the true class rounded to 0, and log(0) is -inf.",
                       "do not take the log of a probability: subtract the true class's shifted logit "
                       "from the log-sum-exp of the shifted logits.")
def _(O, y):
    E = _shift(O).exp()
    return -(E / E.sum(dim=1, keepdim=True)).gather(1, y.reshape(-1, 1)).squeeze(1).log()


@cross_entropy.mistake("not squeezed", "one loss per example, but as a column (n, 1).",
                       "the result should have shape (n,): squeeze the (n, 1) column that gather returns "
                       "(and sum without keepdim).")
def _(O, y):
    S = _shift(O)
    return S.exp().sum(dim=1, keepdim=True).log() - S.gather(1, y.reshape(-1, 1))


@cross_entropy.mistake("gather result not squeezed", "an (n,) vector minus the (n, 1) column of gather "
                       "broadcasts to an (n, n) table.",
                       "squeeze the column that gather returns, .squeeze(1), before subtracting it from "
                       "the (n,) log-sum-exp.")
def _(O, y):
    S = _shift(O)
    return S.exp().sum(dim=1).log() - S.gather(1, y.reshape(-1, 1))


@cross_entropy.mistake("sign flipped", "every loss has the wrong sign.",
                       "the loss is the log-sum-exp minus the true class's logit, not the other way round: "
                       "it is never negative.")
def _(O, y):
    S = _shift(O)
    return S.gather(1, y.reshape(-1, 1)).squeeze(1) - S.exp().sum(dim=1).log()


@cross_entropy.mistake("subtracted inside the log", "the true class's logit was subtracted inside the log.",
                       "take the log of the sum first, then subtract: log(sum(exp(S))) - S_y, two separate "
                       "terms.")
def _(O, y):
    S = _shift(O)
    return (S.exp().sum(dim=1) - S.gather(1, y.reshape(-1, 1)).squeeze(1)).log()


@cross_entropy.mistake("true class's term detached", "the gradient does not reach the true class's logit.",
                       "keep every step on O differentiable: no .detach() (or .data) on S or on the "
                       "entry you pick.")
def _(O, y):
    S = _shift(O)
    return S.exp().sum(dim=1).log() - S.detach().gather(1, y.reshape(-1, 1)).squeeze(1)


@cross_entropy.mistake("computed without gradients", "no gradient reaches O.",
                       "autograd must record the computation: no torch.no_grad() and no .detach() on the "
                       "way from O to the losses.", by="no gradient")
def _(O, y):
    with torch.no_grad():
        S = _shift(O)
        return S.exp().sum(dim=1).log() - S.gather(1, y.reshape(-1, 1)).squeeze(1)


@cross_entropy.mistake("S[:, y]", "S[:, y] takes every label's column for every row, an (n, n) table.",
                       "pick one entry per row: S.gather(1, y.reshape(-1, 1)).squeeze(1), or "
                       "S[torch.arange(n), y].")
def _(O, y):
    S = _shift(O)
    return S.exp().sum(dim=1).log() - S[:, y]


@cross_entropy.mistake("averaged", "returned the mean over the examples.",
                       "return the loss of each example, shape (n,), without averaging: the training "
                       "loop sums or averages it.")
def _(O, y):
    S = _shift(O)
    return (S.exp().sum(dim=1).log() - S.gather(1, y.reshape(-1, 1)).squeeze(1)).mean()


@cross_entropy.mistake("summed", "returned the sum over the examples.",
                       "return the loss of each example, shape (n,), without summing.")
def _(O, y):
    S = _shift(O)
    return (S.exp().sum(dim=1).log() - S.gather(1, y.reshape(-1, 1)).squeeze(1)).sum()


@cross_entropy.mistake("no shift", "exp of logits around 1000 overflows to inf.",
                       "subtract each row's maximum from the logits before exp (it cancels in the formula).")
def _(O, y):
    return O.exp().sum(dim=1).log() - O.gather(1, y.reshape(-1, 1)).squeeze(1)


@cross_entropy.mistake("shift on one side only",
                       "the row maximum was subtracted in one term only, so it does not cancel.",
                       "use the same shifted logits S in both terms: log of the sum of exp(S), minus S at "
                       "the true class.")
def _(O, y):
    S = _shift(O)
    return S.exp().sum(dim=1).log() - O.gather(1, y.reshape(-1, 1)).squeeze(1)


@cross_entropy.mistake("input changed in place", "changed its input.",
                       "compute new tensors instead of changing O or y in "
                       "place (O -= m, y.unsqueeze_(1)): the caller still needs them.", by="in place")
def _(O, y):
    O -= O.max(dim=1, keepdim=True).values
    return O.exp().sum(dim=1).log() - O.gather(1, y.reshape(-1, 1)).squeeze(1)


@cross_entropy.mistake("F.cross_entropy called", "called a built-in cross-entropy.",
                       "the exercise is to write it: log-sum-exp of the shifted "
                       "logits minus the true class's shifted logit.", by="forbidden")
def _(O, y):
    return F.cross_entropy(O, y, reduction="none")


@cross_entropy.harness
def gradient_of_sum(cross_entropy, O, y, *, support):
    """The gradient of ``cross_entropy(O, y).sum()`` with respect to ``O`` (``None`` when
    none reaches it)."""
    O = O.clone().requires_grad_(True)
    loss = cross_entropy(O, y)
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        return None
    loss.sum().backward()
    return O.grad


@cross_entropy.checks
def _(call, cases):
    for label, O, y in cases:
        run = call(O.clone(), y.clone())
        run.where = f"cross_entropy of {label}"
        run.ok(ask="print the shape of each term: which dimension do you sum over, and how do you "
                   "pick the true class's entry of each row?")
        expect_unchanged(run, "O", "y")
        expect_close(run, F.cross_entropy(O.double(), y, reduction="none").to(O.dtype), rtol=1e-4, atol=1e-4,
                     ask="print the shape and sign of each term: is the same row maximum subtracted in "
                         "both, and is one entry per row picked?")
        if O.abs().max() < 100:   # the gradient of the summed loss is softmax(O) - one_hot(y)
            grad = call.via("gradient_of_sum", O.clone(), y.clone())
            grad.where = f"the gradient of cross_entropy({label}).sum() with respect to O"
            if grad.ok() is None:
                fail(grad, cross_entropy.known("computed without gradients"))
            expect_close(grad, torch.softmax(O, dim=1) - F.one_hot(y, O.shape[1]), rtol=1e-4, atol=1e-5,
                         ask="is every step from O to the losses computed with torch operations, "
                             "without .detach(), .data or .item()?")


# ---------------------------------------------------------------------------- accuracy

accuracy = Exercise("accuracy")
accuracy.visible = [
    ("4 examples, 3 classes, integer scores", torch.tensor([[1.0, 3.0, 2.0], [2.0, 1.0, 0.0], [0.0, 2.0, 1.0],
                                                           [1.0, 0.0, 2.0]]), torch.tensor([1, 0, 1, 1])),
    ("3 examples, 3 classes", torch.tensor([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.5, 0.1, 0.4]]),
     torch.tensor([1, 0, 2])),
    ("4 examples, 2 classes", torch.tensor([[2.0, -1.0], [0.0, 3.0], [1.0, 0.5], [-1.0, -2.0]]),
     torch.tensor([0, 1, 1, 1])),
    ("5 examples, 3 classes, logits", torch.tensor([[3.0, 1.0, 0.0], [0.0, 0.0, 4.0], [2.0, 5.0, 1.0],
                                                   [1.0, 0.0, 0.0], [0.0, 2.0, 1.0]]),
     torch.tensor([0, 2, 1, 1, 2])),
]


@accuracy.mistake("mean of a bool tensor", "mean() does not work on a bool tensor.",
                  "turn the comparison into numbers first: (... == y).float().mean().")
def _(y_hat, y):
    return (y_hat.argmax(dim=1) == y).mean().item()


@accuracy.mistake("a tensor returned", "returned a tensor.",
                  "return a Python float: a one-element tensor becomes one with "
                  ".item().", by="type")
def _(y_hat, y):
    return (y_hat.argmax(dim=1) == y).float().mean()


@accuracy.mistake("a count returned", "returned the number of correct predictions, not the fraction.",
                  "divide the count by the number of examples.")
def _(y_hat, y):
    return (y_hat.argmax(dim=1) == y).float().sum().item()


@accuracy.mistake("integer division", "returned an int.",
                  "`//` divides and rounds down to an int: use `/` for a fraction.",
                  by="type")
def _(y_hat, y):
    return (y_hat.argmax(dim=1) == y).sum().item() // len(y)


@accuracy.mistake("arg-max over the batch", "the arg-max was taken down each column (over the examples).",
                  "the prediction of each example is the largest entry of its row: argmax(dim=1).")
def _(y_hat, y):
    return (y_hat.argmax(dim=0) == y).float().mean().item()


@accuracy.mistake("largest scores compared with the labels",
                  "the largest scores themselves were compared with the labels, not their positions.",
                  "the predicted class is where the largest score is: y_hat.argmax(dim=1) (or "
                  "y_hat.max(dim=1).indices), not the score's value.")
def _(y_hat, y):
    return (y_hat.max(dim=1).values == y).float().mean().item()


@accuracy.mistake("arg-min", "the prediction was taken as the smallest score.",
                  "the predicted class is the one with the largest score: argmax.")
def _(y_hat, y):
    return (y_hat.argmin(dim=1) == y).float().mean().item()


@accuracy.checks
def _(call, cases):
    for label, y_hat, y in cases:
        run = call(y_hat.clone(), y.clone())
        run.where = f"accuracy of {label}"
        expect_unchanged(run, "y_hat", "y")
        right = (y_hat.argmax(dim=1) == y).double().mean().item()
        expect_number(run, right, ask="print y_hat.argmax(dim=1) next to y: which dimension holds the "
                                      "classes, and what do you divide by?")


# ---------------------------------------------------------------------------- evaluate_accuracy

evaluate = Exercise("evaluate_accuracy", support=("accuracy",))


class _Probe(nn.Module):
    """A linear classifier (with optional dropout) that records, at each forward, whether it
    was in training mode and whether autograd was recording."""

    def __init__(self, weight, bias, dropout: float):
        super().__init__()
        self.linear = nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            self.linear.weight.copy_(weight)
            self.linear.bias.copy_(bias)
        self.drop = nn.Dropout(dropout)
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, X):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.drop(self.linear(X))


class _Loader:
    """A DataLoader of ``(X, y)`` minibatches that counts the batches it served; it has what a
    DataLoader has (``dataset``, ``batch_size``, ``len()``)."""

    def __init__(self, X, y, batch_size):
        self.loader = DataLoader(TensorDataset(X, y), batch_size=batch_size)
        self.served: list[tuple] = []

    def __iter__(self):
        for X, y in self.loader:
            self.served.append((X, y))
            yield X, y

    def __len__(self):
        return len(self.loader)

    def __getattr__(self, name):
        return getattr(self.loader, name)


@evaluate.harness
def on_a_model(evaluate_accuracy, weight, bias, X, y, batch_size, *, training, dropout=0.0,
               plain_function=False, support):
    """Run ``evaluate_accuracy`` (with the course's ``accuracy``) on a linear classifier over
    a loader; report the accuracy, the mode of each forward, and the mode afterwards."""
    torch.manual_seed(0)
    net = _Probe(weight, bias, dropout)
    net.train(training)
    model = (lambda X: net(X)) if plain_function else net
    loader = _Loader(X, y, batch_size)
    result = isolated(evaluate_accuracy, accuracy=support["accuracy"])(model, loader)
    return {"accuracy": result, "forwards": [list(s) for s in net.seen], "training_after": net.training,
            "batches": len(loader.served)}


def _notes_loop(net, data_iter, per_batch, divide):
    correct, total, n = 0.0, 0, 0
    for X, y in data_iter:
        a = (net(X).argmax(dim=1) == y).float().mean().item()
        correct += a if per_batch else a * len(y)
        total += len(y)
        n += 1
    return correct / (n if divide == "batches" else total)


@evaluate.mistake("mean of the batch accuracies", "averaged the accuracy of each batch: a smaller last "
                  "batch counts as much as a full one.",
                  "weight each batch by its size: add accuracy * len(y) and divide once by the number "
                  "of examples.")
def _(net, data_iter):
    was = net.training if isinstance(net, nn.Module) else None
    if was is not None:
        net.eval()
    with torch.no_grad():
        result = _notes_loop(net, data_iter, per_batch=True, divide="batches")
    if was is not None:
        net.train(was)
    return result


@evaluate.mistake("returned inside the loop", "returned after the first batch.",
                  "the return statement belongs after the loop: indent it to the level of `for`.")
def _(net, data_iter):
    was = net.training if isinstance(net, nn.Module) else None
    if was is not None:
        net.eval()
    correct, total = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            correct += (net(X).argmax(dim=1) == y).float().sum().item()
            total += len(y)
            if was is not None:
                net.train(was)
            return correct / total


@evaluate.mistake("gradients on", "autograd was recording while the model ran.",
                  "evaluate inside `with torch.no_grad():`: nothing is trained, so "
                  "autograd need not record.", by="no_grad")
def _(net, data_iter):
    was = net.training if isinstance(net, nn.Module) else None
    if was is not None:
        net.eval()
    result = _notes_loop(net, data_iter, per_batch=False, divide="examples")
    if was is not None:
        net.train(was)
    return result


@evaluate.mistake("training mode", "the model ran in training mode.",
                  "switch a module to evaluation mode, net.eval(), before the loop "
                  "(dropout is then off).", by="eval mode")
def _(net, data_iter):
    with torch.no_grad():
        return _notes_loop(net, data_iter, per_batch=False, divide="examples")


@evaluate.mistake("mode not restored", "the model was left in another mode than it had.",
                  "put the module back in the mode it had: remember "
                  "was_training = net.training, then net.train(was_training) at the end.",
                  by="mode restored")
def _(net, data_iter):
    if isinstance(net, nn.Module):
        net.eval()
    with torch.no_grad():
        return _notes_loop(net, data_iter, per_batch=False, divide="examples")


@evaluate.mistake("eval() on a plain function", "called .eval() on a network that is a plain function.",
                  "only an nn.Module has modes: check isinstance(net, nn.Module) before net.eval().")
def _(net, data_iter):
    was = getattr(net, "training", True)
    net.eval()
    with torch.no_grad():
        result = _notes_loop(net, data_iter, per_batch=False, divide="examples")
    net.train(was)
    return result


def _evaluate_cases():
    g = torch.Generator().manual_seed(3)
    W, b = torch.randn(4, 6, generator=g), torch.randn(4, generator=g)
    X = torch.randn(10, 6, generator=g)
    y = torch.randint(0, 4, (10,), generator=g)
    return [
        ("a model in training mode, 10 examples in batches of 4", W, b, X, y, 4, {"training": True}),
        ("a plain function as the network", W, b, X, y, 3, {"training": True, "plain_function": True}),
        ("a model in eval mode", W, b, X, y, 4, {"training": False}),
        ("a model with dropout 0.5 in training mode", W, b, X, y, 5, {"training": True, "dropout": 0.5}),
    ]


evaluate.visible = _evaluate_cases()


@evaluate.checks
def _(call, cases):
    for label, W, b, X, y, batch_size, options in cases:
        run = call.via("on_a_model", W, b, X, y, batch_size, **options)
        run.where = f"evaluate_accuracy of {label}"
        run.ok(ask="does your function work for any `net`, a module or a plain function?")
        got = expect_record(run, "forwards", "training_after", "accuracy")
        forwards = got["forwards"]
        if any(grad for _, grad in forwards):
            fail(run, evaluate.known("gradients on"))
        if not options.get("plain_function") and any(training for training, _ in forwards):
            fail(run, evaluate.known("training mode"))
        if not options.get("plain_function") and got["training_after"] != options["training"]:
            fail(run, evaluate.known("mode not restored"),
                 [f"expected: training={options['training']} afterwards",
                  f"got:      training={got['training_after']}"])
        with torch.no_grad():
            right = ((X @ W.T + b).argmax(dim=1) == y).double().mean().item()
        expect_number(run, right, pick=lambda v: v["accuracy"], what="(the accuracy)",
                      ask=f"{len(y)} examples in batches of {batch_size}: what do you add up for each "
                          "batch, and what do you divide by at the end?")


# ---------------------------------------------------------------------------- train_epoch

train_epoch = Exercise("train_epoch", support=("sgd",))


@train_epoch.harness
def on_minibatches(train_epoch, W, b, X, y, batch_size, lr, *, support):
    """Run ``train_epoch`` on a softmax regression ``X @ W + b`` over minibatches of
    ``X, y``, with the course's ``sgd`` watched at every call and PyTorch's cross-entropy as
    the loss; report what it returned, every sgd call and the parameters afterwards."""
    W, b = W.clone().requires_grad_(True), b.clone().requires_grad_(True)
    loader = _Loader(X, y, batch_size)
    calls = []

    def sgd(params, lr, batch_size):
        params = list(params)
        record = {"batch": len(loader.served), "lr": lr, "batch_size": batch_size,
                  "own_params": len(params) == 2 and params[0] is W and params[1] is b,
                  "grads": [None if p.grad is None else p.grad.detach().clone() for p in params]}
        calls.append(record)
        if record["own_params"] and all(g is not None for g in record["grads"]):
            support["sgd"](params, lr, batch_size)   # the step; the checks report any other call

    def net(X):
        return X.reshape(-1, W.shape[0]) @ W + b

    def loss(O, y):
        return F.cross_entropy(O, y, reduction="none")

    result = isolated(train_epoch, sgd=sgd)(net, loader, loss, [W, b], lr)
    return {"mean": result, "calls": calls, "W": W.detach(), "b": b.detach(), "batches": len(loader.served)}


def _replay(W, b, X, y, batch_size, lr):
    """What the right epoch does: for each minibatch, the gradient of its summed loss, the
    sgd step; the mean loss per example."""
    sgd = importlib.import_module("helpers.reference").sgd
    W, b = W.clone().requires_grad_(True), b.clone().requires_grad_(True)
    grads, total = [], 0.0
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        l = F.cross_entropy(Xb.reshape(-1, W.shape[0]) @ W + b, yb, reduction="none")
        l.sum().backward()
        grads.append((W.grad.clone(), b.grad.clone(), len(yb)))
        total += l.sum().item()
        sgd([W, b], lr, len(yb))
    return grads, total / len(X), W.detach(), b.detach()


_LOOP = """def train_epoch(net, train_iter, loss, params, lr):
    total, count = 0.0, 0
    for X, y in train_iter:
        l = loss(net(X), y)
        {backward}
        {step}
        {record}
    return {result}
"""


def _loop(name, backward="l.sum().backward()", step="sgd(params, lr, len(y))",
          record="total += l.sum().item(); count += len(y)", result="total / count"):
    scope = {"torch": torch}
    exec(_LOOP.format(backward=backward, step=step, record=record, result=result), scope)
    fn = scope["train_epoch"]
    fn.__name__ = fn.__qualname__ = name
    return fn


for _what, _problem, _hint, _by, _parts in [
    ("mean loss, then sgd divides", "each step is the batch size times too small: the gradient is of "
     "the mean loss, and sgd divides by the batch size again.",
     "call backward() on the summed loss, l.sum().backward(): sgd already divides by the batch size.",
     "result", {"backward": "l.mean().backward()"}),
    ("nominal batch size", "sgd got the loader's batch size, not this minibatch's size.",
     "the last minibatch can be smaller: pass its real size, len(y), to sgd.",
     "batch size", {"step": "sgd(params, lr, train_iter.batch_size)"}),
    ("mean of the batch means", "returned the mean of the minibatches' mean losses: a smaller last "
     "minibatch counts as much as a full one.",
     "add up the summed loss of each minibatch and the number of examples, and divide once at the end.",
     "result", {"record": "total += l.mean().item(); count += 1"}),
    ("backward on the per-example losses", "backward() was called on a vector of losses.",
     "backward() needs one number: the sum of the per-example losses, l.sum().backward().",
     "result", {"backward": "l.backward()"}),
    ("sgd never called", "sgd was never called.",
     "call sgd(params, lr, len(y)) once per minibatch, after backward().",
     "sgd called", {"step": "pass"}),
    ("a tensor returned", "returned a tensor.",
     "return a Python float: add l.sum().item() to the running total, not the "
     "tensor.", "type", {"record": "total += l.sum(); count += len(y)"}),
    ("the loss of the first minibatch returned", "returned the mean loss of the last minibatch only.",
     "keep a running total over all minibatches and return total / count after the loop.",
     "result", {"result": "l.mean().item()"}),
]:
    train_epoch.mistakes.append(KnownMistake(_what, _loop("train_epoch", **_parts), _problem, _hint, _by))


def _train_cases():
    g = torch.Generator().manual_seed(1)
    X, y = torch.randn(37, 12, generator=g), torch.randint(0, 4, (37,), generator=g)
    W = torch.normal(0.0, 0.01, size=(12, 4), generator=g)
    return [("37 examples in minibatches of 16, 16 and 5", W, torch.zeros(4), X, y, 16, 0.1)]


train_epoch.visible = _train_cases()


@train_epoch.checks
def _(call, cases):
    for label, W, b, X, y, batch_size, lr in cases:
        run = call.via("on_minibatches", W, b, X, y, batch_size, lr)
        run.where = f"train_epoch on {label} (lr={lr:g})"
        run.ok(ask="run one minibatch by hand: loss, l.sum().backward(), sgd(params, lr, len(y)).")
        got = expect_record(run, "calls", "mean")
        grads, mean, W_end, b_end = _replay(W, b, X, y, batch_size, lr)
        calls = got["calls"]
        if not calls:
            fail(run, train_epoch.known("sgd never called"))
        if len(calls) != len(grads):
            fail(run.where, _CALL_COUNT, [f"expected: {len(grads)} sgd calls (one per minibatch)",
                                          f"got:      {len(calls)}"])
        for k, (call_k, (gW, gb, n)) in enumerate(zip(calls, grads), start=1):
            where = f"{run.where}, sgd call {k}"
            if not call_k["own_params"]:
                fail(where, _OTHER_PARAMS)
            if call_k["batch_size"] != n:
                mistake = train_epoch.known("nominal batch size")
                if call_k["batch_size"] == batch_size:
                    fail(where, mistake, [f"expected: batch_size={n}",
                         f"got:      batch_size={call_k['batch_size']}"])
                fail(where, _WRONG_SIZE, [f"expected: batch_size={n}",
                                          f"got:      batch_size={call_k['batch_size']!r}"])
            if call_k["lr"] != lr:
                fail(where, _WRONG_LR, [f"expected: lr={lr:g}", f"got:      lr={call_k['lr']!r}"])
            if any(g is None for g in call_k["grads"]):
                fail(where, _NO_GRAD)
            expect_close(_sub(run, where), torch.cat([gW.reshape(-1), gb]),
                         pick=lambda v, k=k: _grad_of(v["calls"][k - 1]),
                         what="(param.grad at this sgd call)",
                         rtol=1e-3, atol=1e-6,
                         ask="is param.grad the gradient of this minibatch's summed loss, computed with "
                             "the current parameters?")
        expect_number(run, mean, pick=lambda v: v["mean"], what="(the returned mean loss)", rtol=1e-4,
                      ask=f"{len(y)} examples in minibatches of {batch_size}: what do you add up for each "
                          "minibatch, and what do you divide by at the end?")


def _sub(run, where):
    import copy

    other = copy.copy(run)
    other.where = where
    return other


def _grad_of(call_record):
    grads = call_record["grads"]
    if any(g is None for g in grads):
        raise ValueError("no gradient")
    return torch.cat([g.reshape(-1) for g in grads])


def _property(what, problem, hint):
    return KnownMistake(what, None, problem, hint, by=what)


_OTHER_PARAMS = _property("other params", "sgd got other tensors than the `params` passed in.",
                          "pass the function's own `params` argument on to sgd, not tensors from "
                          "elsewhere in the notebook.")
_WRONG_SIZE = _property("batch size", "sgd got a batch size that is not this minibatch's size.",
                        "which number of examples did this minibatch have?")
_WRONG_LR = _property("lr", "sgd got another learning rate than the one passed in.",
                      "pass the function's own `lr` argument on to sgd.")
_NO_GRAD = _property("no gradient", "param.grad was None when sgd was called.",
                     "was backward() called on this minibatch's loss before sgd?")
_CALL_COUNT = _property("calls", "sgd was not called once per minibatch.",
                        "how many times does your loop call sgd for each minibatch?")


EXERCISES = Exercises("03_softmax_scratch", [softmax, cross_entropy, accuracy, evaluate, train_epoch])
check = EXERCISES.check

seal(__name__)
