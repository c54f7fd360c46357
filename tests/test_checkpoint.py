"""helpers/checkpoint.py: atomic saves, safe loading, exact resumption."""
from __future__ import annotations

import os
import pickle
import random

import pytest
import torch
from torch import nn

from helpers.checkpoint import (
    load_training_state,
    rng_states,
    save_atomically,
    save_training_state,
    set_rng_states,
)


class Custom:
    """A class of this module: a file holding one is refused by weights_only=True."""

    def __init__(self, value):
        self.value = value


def test_save_atomically_writes_a_file_that_loads_with_weights_only(tmp_path):
    path = save_atomically({"w": torch.arange(3.0), "epoch": 2}, tmp_path / "ckpt.pt")
    assert path == tmp_path / "ckpt.pt"
    loaded = torch.load(path, weights_only=True)
    assert torch.equal(loaded["w"], torch.arange(3.0)) and loaded["epoch"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"]   # no temporary file left


@pytest.mark.parametrize("where", ["torch.save", "os.replace"])
def test_an_interrupted_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, where):
    path = tmp_path / "ckpt.pt"
    save_atomically({"w": torch.ones(4)}, path)
    before = path.read_bytes()

    def crash_mid_write(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a zip file")   # part of the new file reaches the disk
        raise KeyboardInterrupt("simulated crash")

    def crash(*args, **kwargs):
        raise OSError("simulated crash")

    if where == "torch.save":
        monkeypatch.setattr(torch, "save", crash_mid_write)
        error = KeyboardInterrupt
    else:
        monkeypatch.setattr(os, "replace", crash)
        error = OSError
    with pytest.raises(error, match="simulated crash"):
        save_atomically({"w": torch.zeros(4)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert torch.equal(torch.load(path, weights_only=True)["w"], torch.ones(4))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"]


def test_an_object_that_cannot_be_saved_keeps_the_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_atomically({"w": torch.ones(2)}, path)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        save_atomically({"w": torch.zeros(2), "f": lambda: None}, path)
    assert torch.equal(torch.load(path, weights_only=True)["w"], torch.ones(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"]


def test_save_atomically_fsyncs_before_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(("replace", os.path.dirname(a))),
                                                     real_replace(a, b))[1])
    save_atomically(torch.ones(1), tmp_path / "x.pt")
    assert calls == ["fsync", ("replace", str(tmp_path))]


def test_weights_only_loading_refuses_a_custom_class_and_a_whole_model(tmp_path):
    torch.save({"thing": Custom(3)}, tmp_path / "custom.pt")
    with pytest.raises(pickle.UnpicklingError, match="weights_only"):
        load_training_state(tmp_path / "custom.pt")
    torch.save(nn.Linear(2, 1), tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError):
        load_training_state(tmp_path / "model.pt", nn.Linear(2, 1))


def test_rng_states_round_trip_through_a_weights_only_file(tmp_path):
    torch.manual_seed(5)
    random.seed(5)
    states = rng_states()
    save_atomically(states, tmp_path / "rng.pt")
    expected = (torch.rand(3), random.random())
    torch.manual_seed(99)
    random.seed(99)
    set_rng_states(torch.load(tmp_path / "rng.pt", weights_only=True))
    assert torch.equal(torch.rand(3), expected[0]) and random.random() == expected[1]


def _setup(seed=0):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    return net, optimizer


def _epoch(net, optimizer, X, y):
    net.train()
    for idx in torch.randperm(len(X)).split(8):       # the global generator: order and dropout
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
        optimizer.step()


def test_two_epochs_then_resume_for_one_equals_three_epochs_bitwise(tmp_path):
    X = torch.randn(40, 6, generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, 3, (40,), generator=torch.Generator().manual_seed(2))
    straight, opt = _setup()
    for _ in range(3):
        _epoch(straight, opt, X, y)

    first, opt = _setup()
    for epoch in range(2):
        _epoch(first, opt, X, y)
    save_training_state(tmp_path / "ckpt.pt", first, opt, epoch=2, note="hello")
    torch.manual_seed(123)                              # another process, another state
    resumed, opt2 = _setup(seed=7)
    checkpoint = load_training_state(tmp_path / "ckpt.pt", resumed, opt2)
    assert checkpoint["epoch"] == 2 and checkpoint["note"] == "hello"
    for _ in range(checkpoint["epoch"], 3):
        _epoch(resumed, opt2, X, y)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)

    # Without the RNG states (or without the optimizer's momentum) it is not the same run.
    torch.manual_seed(123)
    other, opt3 = _setup(seed=7)
    load_training_state(tmp_path / "ckpt.pt", other, opt3, restore_rng=False)
    _epoch(other, opt3, X, y)
    assert not all(torch.equal(a, b) for a, b in zip(straight.parameters(), other.parameters()))


def test_save_training_state_without_optimizer_and_clashing_extras(tmp_path):
    net = nn.Linear(2, 2)
    save_training_state(tmp_path / "m.pt", net, epoch=4)
    loaded = torch.load(tmp_path / "m.pt", weights_only=True)
    assert set(loaded) == {"model", "epoch", "rng"} and loaded["epoch"] == 4
    with pytest.raises(KeyError, match="no optimizer"):
        load_training_state(tmp_path / "m.pt", net, torch.optim.SGD(net.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="rng"):
        save_training_state(tmp_path / "m.pt", net, epoch=1, **{"rng": 0})
