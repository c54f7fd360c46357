"""Hidden cases of notebook 03 (softmax regression by hand), run by the judge after the
visible ones of ``helpers/exercises/nb03.py``; they never enter a learner's kernel (only
their inputs do, as arguments)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...checks import _fail
from ...exercises.framework import expect_close

_g = torch.Generator().manual_seed(5)


def _randn(*shape, scale=1.0, dtype=torch.float32):
    return (torch.randn(*shape, generator=_g, dtype=torch.float64) * scale).to(dtype)


CASES = {
    "softmax": [
        ("random float64 logits", _randn(5, 10, scale=30, dtype=torch.float64)),
        ("very negative logits", torch.tensor([[-1000.0, -1001.0], [-5000.0, -5000.0]])),
        ("a single example", torch.tensor([[3.0, 1.0]])),
        ("1000 classes", _randn(2, 1000)),
        ("a single class", torch.tensor([[4.0], [-7.0]])),
    ],
    "cross_entropy": [
        ("large random logits", _randn(9, 10, scale=50), torch.randint(0, 10, (9,), generator=_g)),
        ("logits around +-1000", torch.tensor([[1000.0, 999.0], [-1000.0, -1000.0]]), torch.tensor([1, 0])),
        ("one example", _randn(1, 10), torch.tensor([3])),
        ("float64 logits", _randn(6, 4, dtype=torch.float64), torch.tensor([0, 1, 2, 3, 0, 1])),
    ],
    "accuracy": [
        ("all right", torch.eye(4), torch.arange(4)),
        ("all wrong", torch.eye(4), torch.tensor([1, 2, 3, 0])),
        ("one example", torch.tensor([[0.2, 0.8]]), torch.tensor([1])),
        ("7 examples, 5 classes", _randn(7, 5), torch.randint(0, 5, (7,), generator=_g)),
    ],
}


def _evaluate_cases():
    W, b = _randn(5, 8), _randn(5)
    X, y = _randn(1003, 8), torch.randint(0, 5, (1003,), generator=_g)
    return [
        ("1003 examples in batches of 100", W, b, X, y, 100, {"training": True}),
        ("a model with dropout 0.9 in eval mode", W, b, X[:50], y[:50], 7,
         {"training": False, "dropout": 0.9}),
        ("one batch", W, b, X[:9], y[:9], 64, {"training": True, "dropout": 0.3}),
    ]


def _train_cases():
    X, y = _randn(41, 6), torch.randint(0, 3, (41,), generator=_g)
    centres = _randn(3, 6, scale=2.0)
    yb = torch.randint(0, 3, (90,), generator=_g)
    Xb = centres[yb] + _randn(90, 6)
    return [
        ("41 examples in minibatches of 20, 20 and 1", _randn(6, 3, scale=0.01), torch.zeros(3),
         X, y, 20, 0.0),
        ("90 examples of 3 clusters in minibatches of 32", _randn(6, 3, scale=0.01), torch.zeros(3),
         Xb, yb, 32, 0.5),
    ]


CASES["evaluate_accuracy"] = _evaluate_cases()
CASES["train_epoch"] = _train_cases()


def _gradient_of_cross_entropy(call):
    """The gradient of the summed loss w.r.t. the logits is softmax(O) - one_hot(y)."""
    O = _randn(4, 3)
    y = torch.tensor([0, 1, 2, 1])
    run = call.via("gradient_of_sum", O, y)
    run.where = "the gradient of cross_entropy(O, y).sum() with respect to O"
    got = run.ok()
    if got is None:
        _fail(run.where, "no gradient reached O.", [], "is every step computed with torch operations on O?")
    expect_close(run, torch.softmax(O, dim=1) - F.one_hot(y, 3), rtol=1e-4, atol=1e-5,
                 ask="is the result computed from O with torch operations, without .detach() or .item()?")


CHECKS = {"cross_entropy": [_gradient_of_cross_entropy]}
