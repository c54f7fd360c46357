"""The references of notebook 05 (MLP by hand) agree with torch, and quiet_helpers keeps
helpers.train silent."""
from __future__ import annotations

import torch
import torch.nn.functional as F

import helpers
from helpers import reference as ref


def test_relu_matches_torch_in_values_gradient_and_dtype():
    x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    ref.relu(x).sum().backward()
    assert torch.equal(ref.relu(x.detach()), torch.relu(x.detach()))
    assert x.grad.tolist() == [0.0, 0.0, 1.0]
    assert ref.relu(torch.randn(3, dtype=torch.float64)).dtype == torch.float64


def test_init_mlp_params_shapes_scale_and_leaves():
    params = ref.init_mlp_params(300, generator=torch.Generator().manual_seed(0))
    assert [tuple(p.shape) for p in params] == [(784, 300), (300,), (300, 10), (10,)]
    assert all(p.requires_grad and p.is_leaf for p in params)
    assert 0.009 < float(params[0].detach().std()) < 0.011
    assert float(params[1].detach().abs().sum()) == float(params[3].detach().abs().sum()) == 0.0
    again = ref.init_mlp_params(300, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(p, q) for p, q in zip(params, again))


def test_mlp_forward_matches_a_sequential_model():
    g = torch.Generator().manual_seed(1)
    params = [torch.randn(784, 5, generator=g), torch.randn(5, generator=g),
              torch.randn(5, 10, generator=g), torch.randn(10, generator=g)]
    X = torch.rand(4, 1, 28, 28, generator=g)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 5), torch.nn.ReLU(), torch.nn.Linear(5, 10))
    with torch.no_grad():
        net[1].weight.copy_(params[0].T), net[1].bias.copy_(params[1])
        net[3].weight.copy_(params[2].T), net[3].bias.copy_(params[3])
        assert torch.allclose(ref.mlp_forward(X, params), net(X), atol=1e-5)


def test_sigmoid_grad_matches_autograd_and_stays_finite():
    x = torch.linspace(-100, 100, 41, requires_grad=True)
    torch.sigmoid(x).sum().backward()
    assert torch.allclose(ref.sigmoid_grad(x.detach()), x.grad, atol=1e-7)
    assert bool(torch.isfinite(ref.sigmoid_grad(torch.tensor([-1000.0, 1000.0]))).all())


def test_quiet_helpers_trains_without_plot_or_progress_bar(capsys):
    stand_in = ref.quiet_helpers()
    assert stand_in.History is helpers.History
    assert stand_in.load_data_fashion_mnist is helpers.load_data_fashion_mnist
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(20, 784, generator=g), torch.randint(0, 10, (20,), generator=g)
    params = ref.init_mlp_params(4, generator=g)
    loader = [(X[:10], y[:10]), (X[10:], y[10:])]
    history = stand_in.train(lambda X: ref.mlp_forward(X, params), loader, loader,
                             lambda O, y: F.cross_entropy(O, y, reduction="none"), 2,
                             updater=lambda n: ref.sgd(params, 0.1, n), plot=True, progress=True)
    assert isinstance(history, helpers.History) and len(history) == 2
    assert capsys.readouterr().err == ""   # progress=True would have drawn a bar on stderr
