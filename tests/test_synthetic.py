"""helpers/synthetic.py: linear-regression data with a known answer."""
from __future__ import annotations

import pytest
import torch

import helpers


def test_shapes_and_dtypes():
    X, y = helpers.synthetic_data([2.0, -3.4], 4.2, 100)
    assert X.shape == (100, 2) and y.shape == (100, 1)
    assert X.dtype == y.dtype == torch.float32


def test_least_squares_recovers_the_true_parameters():
    w, b = torch.tensor([2.0, -3.4, 0.5]), 4.2
    X, y = helpers.synthetic_data(w, b, 2000, generator=torch.Generator().manual_seed(0))
    design = torch.cat([X, torch.ones(len(X), 1)], dim=1)
    solution = torch.linalg.lstsq(design, y).solution.squeeze(1)
    torch.testing.assert_close(solution, torch.cat([w, torch.tensor([b])]), atol=2e-3, rtol=0)


def test_noise_level_is_the_requested_standard_deviation():
    w = torch.tensor([1.0])
    X, y = helpers.synthetic_data(w, 0.0, 20_000, noise=0.5,
                                  generator=torch.Generator().manual_seed(0))
    residual = y.squeeze(1) - X @ w
    assert abs(float(residual.std()) - 0.5) < 0.02


def test_a_generator_makes_draws_repeat():
    draw = lambda: helpers.synthetic_data([1.0, 2.0], 0.0, 5,  # noqa: E731
                                          generator=torch.Generator().manual_seed(7))
    (X1, y1), (X2, y2) = draw(), draw()
    assert torch.equal(X1, X2) and torch.equal(y1, y2)


def test_negative_size_is_rejected():
    with pytest.raises(ValueError, match="num_examples"):
        helpers.synthetic_data([1.0], 0.0, -1)
