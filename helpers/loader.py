"""Minibatches from tensors held in memory, and the Fashion-MNIST iterators built on them.

``DataLoader(TensorDataset(X, y), batch_size, shuffle=True)`` fetches every example on its
own and stacks the batch again (``collate``). When the whole data set already sits in one
tensor, indexing it with a batch of indices does the same work in one call; that is all
:class:`TensorLoader` does. ``bench/bench_fashion_mnist.py`` measures the difference.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils.data import TensorDataset

from ._readonly import seal
from .fashion_mnist import load_fashion_mnist


class TensorLoader:
    """Iterate over ``(X, y, ...)`` minibatches of tensors that fit in memory.

    A drop-in for ``DataLoader(TensorDataset(*tensors), batch_size, shuffle=...)``:
    ``len()`` is the number of batches, ``.dataset`` the ``TensorDataset``.

    Introduced in ``03_softmax_scratch``.

    Args:
        *tensors: tensors with the same first dimension (examples).
        batch_size: examples per batch.
        shuffle: draw a new random order every epoch.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        generator: a ``torch.Generator`` for the order; by default torch's global one,
            so ``torch.manual_seed`` makes the order repeat. ``seed`` makes a new one.
        device: move the tensors there once (e.g. ``"cuda"``); batches come from there.
        transform: applied to each batch's first tensor (e.g. resizing images).
    """

    def __init__(self, *tensors: torch.Tensor, batch_size: int, shuffle: bool = False,
                 drop_last: bool = False, generator: torch.Generator | None = None,
                 seed: int | None = None, device=None,
                 transform: Callable[[torch.Tensor], torch.Tensor] | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if device is not None:
            tensors = tuple(t.to(device) for t in tensors)
        self.dataset = TensorDataset(*tensors)  # checks that the first dimensions agree
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        if seed is not None:
            generator = torch.Generator().manual_seed(seed)
        self.generator = generator
        self.transform = transform

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        tensors = self.dataset.tensors
        n = len(self.dataset)
        stop = len(self) * self.batch_size
        order = None
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(tensors[0].device)
        for start in range(0, min(stop, n), self.batch_size):
            if order is None:
                batch = [t[start:start + self.batch_size] for t in tensors]  # views, no copy
            else:
                idx = order[start:start + self.batch_size]
                batch = [t.index_select(0, idx) for t in tensors]  # faster than t[idx]
            if self.transform is not None:
                batch[0] = self.transform(batch[0])
            yield tuple(batch)


def _resizer(size) -> Callable[[torch.Tensor], torch.Tensor]:
    size = (size, size) if isinstance(size, int) else tuple(size)

    def resize(X: torch.Tensor) -> torch.Tensor:
        return F.interpolate(X, size=size, mode="bilinear", antialias=True, align_corners=False)

    return resize


def load_data_fashion_mnist(batch_size: int, resize=None, *, root=None, device=None,
                            seed: int | None = None, drop_last: bool = False,
                            download: bool = True) -> tuple[TensorLoader, TensorLoader]:
    """Fashion-MNIST minibatch iterators ``(train_iter, test_iter)``.

    Same batches as the notes' ``load_data_fashion_mnist`` (``ToTensor``: ``float32`` in
    ``[0, 1]``, shape ``(batch, 1, 28, 28)``; labels ``int64``), from memory instead of a
    DataLoader with workers. The training iterator reshuffles every epoch; the test
    iterator keeps the file order.

    Introduced in ``03_softmax_scratch``.

    Args:
        batch_size: examples per batch.
        resize: an int or ``(height, width)`` to resize images to, batch by batch
            (bilinear, antialiased), for the CNN notebooks.
        root, download: where to look for the data (see :func:`find_fashion_mnist`).
        device: keep the images there (e.g. ``"cuda"``), so batches need no copying.
        seed: seed for the training order; ``None`` uses torch's global generator.
        drop_last: drop the last, smaller training batch.
    """
    data = load_fashion_mnist(root, download=download)
    transform = _resizer(resize) if resize else None

    def images(X: torch.Tensor) -> torch.Tensor:  # moved as uint8: a quarter of the bytes
        return X.unsqueeze(1).to(device=device, dtype=torch.float32).div_(255)  # (n, 1, 28, 28)

    train_iter = TensorLoader(images(data.X_train), data.y_train, batch_size=batch_size,
                              shuffle=True, drop_last=drop_last, seed=seed, device=device,
                              transform=transform)
    test_iter = TensorLoader(images(data.X_test), data.y_test, batch_size=batch_size,
                             device=device, transform=transform)
    return train_iter, test_iter


seal(__name__)  # test cells rely on these: read-only in notebooks
