"""Training and evaluation: counters, a timer, accuracy, and one training loop for every notebook."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from ._readonly import seal
from .runtime import in_notebook, under_grading


class Accumulator:
    """Running sums of ``n`` numbers: ``acc.add(loss_sum, correct, count)``, then ``acc[0]``.

    Introduced in ``03_softmax_scratch``.
    """

    def __init__(self, n: int):
        self.data = [0.0] * n

    def add(self, *args) -> None:
        if len(args) != len(self.data):
            raise ValueError(f"expected {len(self.data)} numbers, got {len(args)}")
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self) -> None:
        self.data = [0.0] * len(self.data)

    def __getitem__(self, i: int) -> float:
        return self.data[i]


class Timer:
    """Record the duration of repeated intervals: ``start()``, ``stop()``, ``avg()``, ``sum()``.

    Introduced in ``01_linear_regression_scratch``.
    """

    def __init__(self):
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        self.tik = time.perf_counter()

    def stop(self) -> float:
        """End the current interval, record it and return its length in seconds."""
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self) -> float:
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self) -> float:
        return sum(self.times)


def num_correct(y_hat: torch.Tensor, y: torch.Tensor) -> int:
    """How many predictions match the labels. ``y_hat``: scores ``(n, classes)`` or labels ``(n,)``.

    Introduced in ``03_softmax_scratch``.
    """
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    elif y_hat.shape != y.shape:
        y_hat = y_hat.reshape(y.shape)
    return int((y_hat == y).sum())


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of correct predictions, in ``[0, 1]`` (``nan`` for an empty batch).

    Introduced in ``03_softmax_scratch``.
    """
    return num_correct(y_hat, y) / len(y) if len(y) else float("nan")


def evaluate_accuracy(net: Callable, data_iter, device=None) -> float:
    """Accuracy of ``net`` over ``data_iter``, computed in eval mode without gradients.

    A ``nn.Module`` is switched to ``eval()`` (dropout off, batch norm frozen) and put back
    into the mode it was in, so calling this in the middle of training is safe. A plain
    function (from-scratch models) is simply run under ``torch.no_grad()``. (Not
    ``inference_mode``: a lazy layer first built here would then refuse to train.)

    Introduced in ``03_softmax_scratch``.
    """
    was_training = net.training if isinstance(net, nn.Module) else None
    if was_training is not None:
        net.eval()
    correct, count = 0, 0
    try:
        with torch.no_grad():
            for X, y in data_iter:
                if device is not None:
                    X, y = X.to(device), y.to(device)
                correct += num_correct(net(X), y)
                count += len(y)
    finally:
        if was_training is not None:
            net.train(was_training)
    return correct / count if count else float("nan")


@dataclass
class History:
    """Per-epoch results of :func:`train`; each list has one entry per epoch."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.train_loss)

    def __str__(self) -> str:
        if not self:
            return "History(no epochs)"
        return (f"{len(self)} epochs: train loss {self.train_loss[-1]:.4f}, "
                f"train acc {self.train_acc[-1]:.3f}, test acc {self.test_acc[-1]:.3f}, "
                f"{sum(self.seconds) / len(self):.2f} s/epoch")


Updater = torch.optim.Optimizer | Callable[[int], None]


def train_epoch(net: Callable, train_iter, loss: Callable, updater: Updater,
                device=None) -> tuple[float, float]:
    """Train for one epoch; return ``(mean loss, accuracy)`` over the examples seen.

    ``updater`` is a torch optimizer, or a from-scratch function ``updater(batch_size)``
    that updates the parameters from their ``.grad`` (such as the notebooks' ``sgd``).
    With an optimizer the gradient is that of the *mean* loss. A from-scratch updater
    divides by the batch size itself, so the loss must give one value per example and
    the gradient is that of their *sum*; dividing a mean again would shrink every step.

    Introduced in ``03_softmax_scratch``.
    """
    if isinstance(net, nn.Module):
        net.train()
    is_optimizer = isinstance(updater, torch.optim.Optimizer)
    loss_sum, correct, count = 0.0, 0, 0
    for X, y in train_iter:
        if device is not None:
            X, y = X.to(device), y.to(device)
        y_hat = net(X)
        l = loss(y_hat, y)
        n = len(y)
        if is_optimizer:
            updater.zero_grad()
            (l if l.dim() == 0 else l.mean()).backward()
            updater.step()
        else:
            if l.dim() == 0 and n > 1:
                raise ValueError(
                    "A from-scratch updater divides by the batch size, so the loss must return "
                    "one value per example, but it returned a single number (an average). "
                    "Use e.g. nn.CrossEntropyLoss(reduction='none'), or a torch optimizer.")
            l.sum().backward()
            updater(n)
        with torch.no_grad():
            loss_sum += l.item() * n if l.dim() == 0 else l.sum().item()
            correct += num_correct(y_hat, y)
        count += n
    return loss_sum / count, correct / count


def train(net: Callable, train_iter, test_iter, loss: Callable, num_epochs: int,
          updater: Updater, *, device=None, progress: bool | None = None,
          plot: bool | None = None) -> History:
    """Train ``net`` for ``num_epochs``; return a :class:`History` (loss, accuracies, seconds).

    Works with from-scratch models and updaters and with ``nn.Module`` and torch optimizers
    (see :func:`train_epoch`). In Jupyter it shows a progress bar and a training curve that
    redraws in place; in scripts and under nbgrader it stays quiet (``progress`` and
    ``plot`` override this).

    Introduced in ``03_softmax_scratch``.
    """
    interactive = in_notebook() and not under_grading()
    progress = interactive if progress is None else progress
    plot = interactive if plot is None else plot
    if device is not None and isinstance(net, nn.Module):
        net.to(device)

    from tqdm.auto import tqdm  # picks the notebook widget in Jupyter

    history = History()
    live = None
    if plot:
        from .plot import LivePlot

        # one epoch still gets an x range: (1, 1) would be a singular axis
        live = LivePlot(["train loss", "train acc", "test acc"], xlim=(1, max(num_epochs, 2)),
                        show=in_notebook())
    bar = tqdm(range(num_epochs), desc="epochs", unit="epoch", disable=not progress)
    try:
        for epoch in bar:
            timer = Timer()
            train_loss, train_acc = train_epoch(net, train_iter, loss, updater, device)
            test_acc = evaluate_accuracy(net, test_iter, device)
            history.seconds.append(timer.stop())
            history.train_loss.append(train_loss)
            history.train_acc.append(train_acc)
            history.test_acc.append(test_acc)
            bar.set_postfix(loss=f"{train_loss:.3f}", train_acc=f"{train_acc:.3f}",
                            test_acc=f"{test_acc:.3f}")
            if live is not None:
                live.add(epoch + 1, (train_loss, train_acc, test_acc))
    finally:
        bar.close()
        if live is not None:
            live.close()
    return history


seal(__name__)  # test cells rely on these: read-only in notebooks
