"""Synthetic data with a known answer, for checking that a model recovers it."""
from __future__ import annotations

import torch

from ._readonly import seal


def synthetic_data(w, b: float, num_examples: int, *, noise: float = 0.01,
                   generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``y = X w + b + ε`` with ``X ~ N(0, 1)`` and ``ε ~ N(0, noise²)``.

    Introduced in ``01_linear_regression_scratch``.

    Args:
        w: true weights, a sequence or 1-D tensor of length ``num_inputs``.
        b: true bias.
        num_examples: number of rows.
        noise: standard deviation of the label noise.
        generator: a ``torch.Generator`` for repeatable draws (default: torch's global one).

    Returns:
        ``X`` of shape ``(num_examples, num_inputs)`` and ``y`` of shape ``(num_examples, 1)``:
        a column, like a linear model's output, so ``y_hat - y`` does not broadcast to
        ``(n, n)``.
    """
    w = torch.as_tensor(w, dtype=torch.float32).reshape(-1)
    if num_examples < 0:
        raise ValueError(f"num_examples must be non-negative, got {num_examples}")
    X = torch.randn(num_examples, len(w), generator=generator)  # (n, num_inputs)
    y = X @ w + b + noise * torch.randn(num_examples, generator=generator)  # (n,)
    return X, y.reshape(-1, 1)  # (n, 1)


seal(__name__)  # test cells rely on these: read-only in notebooks
