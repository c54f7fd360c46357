"""helpers/reference.py, notebook 04 section: the softmax model."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers import reference as ref


def test_softmax_net_returns_logits_of_a_flattened_linear_layer():
    torch.manual_seed(0)
    net = ref.softmax_net()
    assert isinstance(net[0], nn.Flatten) and isinstance(net[1], nn.Linear)
    assert [tuple(p.shape) for p in net.parameters()] == [(10, 784), (10,)]
    assert 0.009 < float(net[1].weight.detach().std()) < 0.011 and float(net[1].bias.detach().abs().max()) == 0.0
    X = torch.rand(3, 1, 28, 28)
    assert torch.allclose(net(X), X.reshape(3, -1) @ net[1].weight.T + net[1].bias)
    assert tuple(ref.softmax_net(6, 4)(torch.rand(2, 2, 3)).shape) == (2, 4)


def test_the_new_references_are_read_only():
    with pytest.raises(AttributeError):
        ref.softmax_net = None
