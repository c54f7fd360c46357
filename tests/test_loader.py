"""helpers/loader.py: in-memory minibatches and the Fashion-MNIST iterators."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torchvision import transforms

import helpers
from helpers import TensorLoader


def numbered(n: int):
    return torch.arange(n).float().reshape(n, 1), torch.arange(n)


@pytest.mark.parametrize("n, batch_size, drop_last, sizes", [
    (10, 4, False, [4, 4, 2]),
    (10, 4, True, [4, 4]),
    (8, 4, True, [4, 4]),
    (3, 5, False, [3]),
    (3, 5, True, []),
    (0, 4, False, []),
])
def test_batch_sizes_and_len(n, batch_size, drop_last, sizes):
    loader = TensorLoader(*numbered(n), batch_size=batch_size, drop_last=drop_last)
    assert [len(y) for _, y in loader] == sizes
    assert len(loader) == len(sizes)


def test_without_shuffle_batches_keep_the_order():
    X, y = numbered(7)
    batches = list(TensorLoader(X, y, batch_size=3))
    assert torch.equal(torch.cat([b[1] for b in batches]), y)
    assert torch.equal(torch.cat([b[0] for b in batches]), X)


def test_shuffled_epoch_visits_every_example_once_with_rows_kept_together():
    X, y = numbered(50)
    loader = TensorLoader(X, y, batch_size=8, shuffle=True, seed=0)
    seen = torch.cat([yb for _, yb in loader])
    assert sorted(seen.tolist()) == list(range(50))
    for Xb, yb in loader:
        assert torch.equal(Xb.squeeze(1).long(), yb)  # features stay with their labels


def test_shuffle_is_repeatable_with_a_seed_and_changes_between_epochs():
    X, y = numbered(100)
    a = TensorLoader(X, y, batch_size=10, shuffle=True, seed=3)
    b = TensorLoader(X, y, batch_size=10, shuffle=True, seed=3)
    first_a, first_b = next(iter(a))[1], next(iter(b))[1]
    assert torch.equal(first_a, first_b)
    assert not torch.equal(next(iter(a))[1], first_a)  # the next epoch draws a new order


def test_shuffle_follows_torch_manual_seed_without_a_seed():
    X, y = numbered(100)
    loader = TensorLoader(X, y, batch_size=100, shuffle=True)
    torch.manual_seed(1)
    first = next(iter(loader))[1]
    torch.manual_seed(1)
    assert torch.equal(next(iter(loader))[1], first)


def test_dataset_is_a_tensor_dataset_like_dataloaders():
    loader = TensorLoader(*numbered(5), batch_size=2)
    assert isinstance(loader.dataset, torch.utils.data.TensorDataset)
    assert len(loader.dataset) == 5


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="batch_size"):
        TensorLoader(*numbered(5), batch_size=0)
    with pytest.raises(AssertionError):  # TensorDataset: first dimensions must agree
        TensorLoader(torch.zeros(5, 2), torch.zeros(4), batch_size=2)


def test_device_placement_moves_the_data_once():
    loader = TensorLoader(*numbered(6), batch_size=4, shuffle=True, device="meta")
    X, y = next(iter(loader))
    assert X.device.type == "meta" and y.device.type == "meta"


def test_fashion_mnist_batches_match_torchvision_to_tensor(real_data):
    """Same pixels as the notes' ToTensor pipeline: float32 in [0, 1], (batch, 1, 28, 28)."""
    _, test_iter = helpers.load_data_fashion_mnist(16)
    X, y = next(iter(test_iter))
    assert X.shape == (16, 1, 28, 28) and X.dtype == torch.float32
    assert y.shape == (16,) and y.dtype == torch.int64
    root = helpers.find_fashion_mnist(download=False)
    reference = torchvision.datasets.FashionMNIST(root, train=False,
                                                  transform=transforms.ToTensor())
    for i in (0, 7, 15):
        image, label = reference[i]
        assert torch.equal(X[i], image) and int(y[i]) == label


def test_fashion_mnist_iterators_cover_the_data(real_data):
    train_iter, test_iter = helpers.load_data_fashion_mnist(1000, seed=0)
    assert len(train_iter) == 60 and len(test_iter) == 10
    labels = torch.cat([y for _, y in train_iter])
    assert torch.equal(torch.bincount(labels), torch.bincount(real_data.y_train))


def test_fashion_mnist_training_order_repeats_under_a_seed(real_data):
    a, _ = helpers.load_data_fashion_mnist(64, seed=5)
    b, _ = helpers.load_data_fashion_mnist(64, seed=5)
    assert torch.equal(next(iter(a))[1], next(iter(b))[1])


def test_fashion_mnist_drop_last(real_data):
    train_iter, _ = helpers.load_data_fashion_mnist(7000, drop_last=True)
    assert [len(y) for _, y in train_iter] == [7000] * 8


@pytest.mark.parametrize("resize, shape", [(32, (32, 32)), ((20, 24), (20, 24))])
def test_fashion_mnist_resize(real_data, resize, shape):
    _, test_iter = helpers.load_data_fashion_mnist(4, resize=resize)
    X, _ = next(iter(test_iter))
    assert X.shape == (4, 1, *shape)
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0 + 1e-6
