"""Hidden cases of notebook 01 (linear regression by hand), run by the judge after the visible
ones of ``helpers/exercises/nb01.py``; they never enter a learner's kernel (only their inputs
do, as arguments)."""
from __future__ import annotations

import torch

from ...synthetic import synthetic_data

_g = torch.Generator().manual_seed(101)


def _randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=_g, dtype=torch.float64).to(dtype)


def _data_iter_cases():
    X23, y23 = _randn(23, 3), _randn(23)
    return [
        ("23 examples with flat labels, batches of 5", 5, X23, y23, (7, 7, 8)),
        ("a batch size larger than the data set (23 examples)", 100, X23, y23, (7, 7)),
        ("batch size 1 on 9 examples", 1, _randn(9, 2), _randn(9, 1), (3, 3, 4)),
        ("12 examples in batches of 4 (no smaller last batch)", 4, _randn(12, 2), _randn(12, 1), (2, 2, 5)),
        ("image-shaped features (12, 1, 2, 2) and integer labels", 5, _randn(12, 1, 2, 2),
         torch.randint(0, 10, (12,), generator=_g), (4, 4, 9)),
        ("calls without a generator (20 examples)", 6, torch.arange(20.0).reshape(20, 1),
         torch.arange(20.0).reshape(20, 1) * 2, (None, None, None)),
        ("float64 data", 3, _randn(8, 2, dtype=torch.float64), _randn(8, 1, dtype=torch.float64), (1, 1)),
    ]


def _linreg_cases():
    return [
        ("float64 X (7, 4)", _randn(7, 4, dtype=torch.float64), _randn(4, 1, dtype=torch.float64),
         _randn(1, dtype=torch.float64), False),
        ("one example, X (1, 4)", _randn(1, 4), _randn(4, 1), _randn(1), False),
        ("1000 examples, 3 features", _randn(1000, 3), _randn(3, 1), _randn(1), False),
        ("float64 w and b that require grad", _randn(5, 3, dtype=torch.float64),
         _randn(3, 1, dtype=torch.float64), _randn(1, dtype=torch.float64), True),
    ]


def _loss_cases():
    big = _randn(50, 1, dtype=torch.float64)
    return [
        ("50 float64 examples, each off by 1, flat labels", big, big.reshape(-1) + 1, False),
        ("one example, flat label (1,)", torch.tensor([[2.5]]), torch.tensor([1.0]), False),
        ("random y_hat (6, 1) that requires grad, labels (6, 1)", _randn(6, 1), torch.zeros(6, 1), True),
        ("a square case: y_hat (2, 1), flat labels (2,)", torch.tensor([[1.0], [3.0]]),
         torch.tensor([2.0, -1.0]), False),
    ]


def _sgd_cases():
    return [
        ("three parameters, lr=0.1, batch_size=3", [torch.ones(3, 2), torch.zeros(2), torch.tensor([5.0])],
         [torch.full((3, 2), 3.0), torch.tensor([1.0, 2.0]), torch.tensor([-6.0])], 0.1, 3),
        ("a float64 parameter, batch_size=1", [_randn(4, dtype=torch.float64)],
         [_randn(4, dtype=torch.float64)], 0.25, 1),
        ("lr=0: nothing moves, the gradient is still reset", [torch.tensor([1.0, 2.0])],
         [torch.tensor([3.0, 4.0])], 0.0, 2),
        ("a large batch, batch_size=1000", [torch.tensor([[0.5], [-0.5]])],
         [torch.tensor([[100.0], [-300.0]])], 0.03, 1000),
    ]


def _train_cases():
    X, y = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 333, generator=torch.Generator().manual_seed(3))
    X20, y20 = synthetic_data(torch.tensor([1.0, 0.5, -2.0]), -1.0, 20,
                              generator=torch.Generator().manual_seed(4))
    X_wide = _randn(12, 40)
    return [
        ("the start (num_epochs=0) with 40 features and another seed", X_wide, X_wide[:, :1],
         {"lr": 0.05, "num_epochs": 0, "batch_size": 7, "seed": 3, "runs": 2}),
        ("the start (num_epochs=0) with 2 features", X, y, {"lr": 0.05, "num_epochs": 0, "batch_size": 7,
                                                            "seed": 3, "runs": 2}),
        ("one epoch on 20 examples in minibatches of 5", X20, y20,
         {"lr": 0.1, "num_epochs": 1, "batch_size": 5, "seed": 5, "runs": 2}),
        ("other data with flat labels (333 examples), 4 epochs", X, y.reshape(-1),
         {"lr": 0.05, "num_epochs": 4, "batch_size": 7, "seed": 3, "watch": False,
          "fit": ([2.0, -3.4], 4.2)}),
    ]


CASES = {
    "data_iter": _data_iter_cases(),
    "linreg": _linreg_cases(),
    "squared_loss": _loss_cases(),
    "sgd": _sgd_cases(),
    "train_linreg": _train_cases(),
}
