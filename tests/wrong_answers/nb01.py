"""Typical wrong, hostile and right answers to notebook 01 (linear regression by hand)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

# The typical wrong answers are the known mistakes of helpers/exercises/nb01.py, written there
# once as code (each exercise has at least three); the test harness generates them from there.
WRONG = []

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING = [
    Tampering("train_linreg", "the references patched",
              PATCH + "def train_linreg(features, labels, **kwargs):\n"
                       "    return torch.zeros(features.shape[1], 1), torch.zeros(1), [0.0]\n"),
    Tampering("squared_loss", "checks rebound in the notebook",
              "assert_close = assert_shape = check = lambda *a, **k: None\n"
              "def squared_loss(y_hat, y):\n    return y_hat\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("data_iter", "a DataLoader", '''
from torch.utils.data import DataLoader, TensorDataset
def data_iter(batch_size, features, labels, generator=None):
    yield from DataLoader(TensorDataset(features, labels), batch_size=batch_size, shuffle=True,
                          generator=generator)
''', ""),
    WrongAnswer("data_iter", "torch.split of a permutation", '''
def data_iter(batch_size, features, labels, generator=None):
    for batch in torch.randperm(len(features), generator=generator).split(batch_size):
        yield features[batch], labels[batch]
''', ""),
    WrongAnswer("linreg", "torch.addmm", '''
def linreg(X, w, b):
    return torch.addmm(b, X, w)
''', ""),
    WrongAnswer("squared_loss", "F.mse_loss", '''
import torch.nn.functional as F
def squared_loss(y_hat, y):
    return F.mse_loss(y_hat, y.view(y_hat.shape), reduction="none") / 2
''', ""),
    WrongAnswer("sgd", "sub_ with alpha", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param.sub_(param.grad, alpha=lr / batch_size)
            param.grad.zero_()
''', ""),
    WrongAnswer("train_linreg", "X.shape[0] and float()", '''
def train_linreg(features, labels, *, lr=0.03, num_epochs=3, batch_size=10, generator=None):
    w = torch.normal(0.0, 0.01, size=(features.shape[1], 1), generator=generator,
                     requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels, generator):
            loss = squared_loss(linreg(X, w, b), y).sum()
            loss.backward()
            sgd([w, b], lr, X.shape[0])
        losses.append(float(squared_loss(linreg(features, w, b), labels).mean()))
    return w, b, losses
''', ""),
]
