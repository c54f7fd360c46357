"""helpers/device.py: a GPU when present, else the CPU, and saying which."""
from __future__ import annotations

import pytest
import torch

import helpers


def test_cpu_when_no_gpu(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert helpers.pick_device() == torch.device("cpu")
    assert capsys.readouterr().out.startswith("Using cpu (no GPU found")


def test_cuda_when_a_gpu_is_visible(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i: f"Test GPU {i}")
    assert helpers.pick_device() == torch.device("cuda", 0)
    assert capsys.readouterr().out.strip() == "Using cuda:0 (Test GPU 0)"


def test_quiet_when_asked(capsys):
    helpers.pick_device(verbose=False)
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_real_gpu_is_picked_and_named():
    device = helpers.pick_device(verbose=False)
    assert device.type == "cuda"
    assert torch.cuda.get_device_name(0) in helpers.describe_device(device)
    loader = helpers.TensorLoader(torch.rand(10, 3), torch.arange(10), batch_size=4,
                                  shuffle=True, device=device)
    X, y = next(iter(loader))
    assert X.is_cuda and y.is_cuda


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fashion_mnist_trains_on_the_gpu_with_data_kept_there(real_data):
    from torch import nn

    device = helpers.pick_device(verbose=False)
    train_iter, test_iter = helpers.load_data_fashion_mnist(256, device=device, seed=0)
    assert next(iter(train_iter))[0].is_cuda
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    history = helpers.train(net, train_iter, test_iter, nn.CrossEntropyLoss(), 2,
                            torch.optim.SGD(net.parameters(), lr=0.1), device=device)
    assert next(net.parameters()).is_cuda
    assert history.test_acc[-1] > 0.75
