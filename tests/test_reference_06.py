"""helpers/reference.py, notebook 06: mlp, init_weights and OptimizerReplay."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers import reference as ref
from helpers.reference import _adam_variant, _flat, _momentum_variant, _trajectory


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as err:
        fn(*args, **kwargs)
    return str(err.value)


def problem():
    g = torch.Generator().manual_seed(0)
    params0 = [torch.randn(2, 3, generator=g), torch.randn(2, generator=g)]
    grads = [[torch.randn(2, 3, generator=g), torch.randn(2, generator=g)] for _ in range(5)]
    return params0, grads, [0.1, 0.1, 0.05, 0.02, 0.02]


def test_mlp_structure_and_initialisation():
    torch.manual_seed(0)
    net = ref.mlp()
    assert [type(m) for m in net] == [nn.Flatten, nn.Linear, nn.ReLU, nn.Linear]
    assert net(torch.rand(4, 1, 28, 28)).shape == (4, 10)
    for i in (1, 3):
        assert 0.009 < float(net[i].weight.detach().std()) < 0.011
        assert torch.equal(net[i].bias, torch.zeros_like(net[i].bias))
    ref.init_weights(nn.ReLU())   # modules without weights are left alone


@pytest.mark.parametrize("kind", ["momentum", "adam"])
def test_the_right_trajectory_is_torch_optim_and_the_by_hand_formula(kind):
    params0, grads, lrs = problem()
    if kind == "momentum":
        replay = ref.OptimizerReplay.momentum(params0, grads, lrs, 0.9)
        by_hand = _trajectory(_momentum_variant(0.9), params0, grads, lrs)
    else:
        replay = ref.OptimizerReplay.adam(params0, grads, lrs, (0.8, 0.99), 1e-3)
        by_hand = _trajectory(_adam_variant((0.8, 0.99), 1e-3), params0, grads, lrs)
    for a, b in zip(replay.right, by_hand):
        assert torch.allclose(_flat(a), _flat(b))
    replay.check_all(replay.right)                     # the right answer passes
    for k in range(len(grads)):
        replay.check(k, replay.right[k])


@pytest.mark.parametrize("kind", ["momentum", "adam"])
def test_every_mistake_is_named_by_its_own_message(kind):
    params0, grads, lrs = problem()
    replay = (ref.OptimizerReplay.momentum(params0, grads, lrs, 0.9) if kind == "momentum"
              else ref.OptimizerReplay.adam(params0, grads, lrs, (0.8, 0.99), 1e-3))
    for trajectory, problem_text, hint in replay.variants:
        message = failure(replay.check_all, trajectory)
        assert problem_text in message and hint in message, message


def test_parameters_that_never_move_and_unknown_mistakes():
    params0, grads, lrs = problem()
    replay = ref.OptimizerReplay.momentum(params0, grads, lrs, 0.9, name="sgd_momentum")
    assert "did not change" in failure(replay.check_all, [params0] * len(grads))
    odd = [[p + 1.0 for p in ps] for ps in replay.right]
    message = failure(replay.check_all, odd)
    assert "differ from those of torch.optim" in message and "hint:" in message
    assert "nan or inf" in failure(replay.check, 0, [torch.full((2, 3), float("nan")), torch.zeros(2)])
    assert "no longer tensors" in failure(replay.check, 0, [None, None])


def test_zero_start_equals_pytorch_without_dampening_only():
    g = [torch.randn(3, generator=torch.Generator().manual_seed(k)) for k in range(4)]

    def zero_start(dampening):
        p, buf = torch.zeros(3), torch.zeros(3)
        for gk in g:
            buf = 0.9 * buf + (1 - dampening) * gk
            p = p - 0.1 * buf
        return p

    def torch_sgd(dampening):
        p = torch.zeros(3, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=dampening)
        for gk in g:
            p.grad = gk.clone()
            opt.step()
        return p.detach()

    assert torch.allclose(zero_start(0.0), torch_sgd(0.0))
    assert not torch.allclose(zero_start(0.5), torch_sgd(0.5))
