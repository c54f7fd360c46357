"""Typical wrong, hostile and right answers to notebook 01 (linear regression by hand)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_TRAIN_LINREG = '''
def train_linreg(features, labels, *, lr=0.03, num_epochs=3, batch_size=10, generator=None):
    w = torch.normal(0.0, 0.01, size=(features.shape[1], 1), generator={init_generator},
                     requires_grad={requires_grad})
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels, generator):
            l = squared_loss(linreg(X, w, b), y)
            {backward}
            sgd([w, b], lr, {size})
        with torch.no_grad():
            losses.append({record})
    return w, b, losses
'''


def _train_linreg(requires_grad="True", backward="l.sum().backward()", size="len(y)",
                  record="squared_loss(linreg(features, w, b), labels).mean().item()",
                  init_generator="generator") -> str:
    return _TRAIN_LINREG.format(requires_grad=requires_grad, backward=backward, size=size,
                                record=record, init_generator=init_generator)


WRONG = [
    # Exercise 1: data_iter
    WrongAnswer("data_iter", "no shuffle", '''
def data_iter(batch_size, features, labels, generator=None):
    for start in range(0, len(features), batch_size):
        yield features[start:start + batch_size], labels[start:start + batch_size]
''', "torch.randperm"),
    WrongAnswer("data_iter", "last batch dropped", '''
def data_iter(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features) - batch_size + 1, batch_size):
        batch = order[start:start + batch_size]
        yield features[batch], labels[batch]
''', "range(0, n, batch_size)"),
    WrongAnswer("data_iter", "generator ignored", '''
def data_iter(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features))
    for start in range(0, len(features), batch_size):
        batch = order[start:start + batch_size]
        yield features[batch], labels[batch]
''', "generator"),
    WrongAnswer("data_iter", "features and labels shuffled apart", '''
def data_iter(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=generator)
    other = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features), batch_size):
        yield features[order[start:start + batch_size]], labels[other[start:start + batch_size]]
''', "same index tensor"),
    WrongAnswer("data_iter", "return instead of yield", '''
def data_iter(batch_size, features, labels, generator=None):
    order = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features), batch_size):
        batch = order[start:start + batch_size]
        return features[batch], labels[batch]
''', "yield"),
    # Exercise 2: linreg
    WrongAnswer("linreg", "elementwise product", '''
def linreg(X, w, b):
    return X * w + b
''', "X @ w"),
    WrongAnswer("linreg", "operands swapped", '''
def linreg(X, w, b):
    return w @ X + b
''', "X @ w"),
    WrongAnswer("linreg", "bias forgotten", '''
def linreg(X, w, b):
    return X @ w
''', "+ b"),
    WrongAnswer("linreg", "result flattened", '''
def linreg(X, w, b):
    return (X @ w + b).reshape(-1)
''', "column"),
    # Exercise 3: squared_loss
    WrongAnswer("squared_loss", "no reshape: broadcasts to (n, n)", '''
def squared_loss(y_hat, y):
    return (y_hat - y) ** 2 / 2
''', "y.reshape(y_hat.shape)"),
    WrongAnswer("squared_loss", "labels reshaped in place", '''
def squared_loss(y_hat, y):
    if y.dim() == 1:
        y.unsqueeze_(1)
    return (y_hat - y) ** 2 / 2
''', "in place"),
    WrongAnswer("squared_loss", "averaged", '''
def squared_loss(y_hat, y):
    return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).mean()
''', "no .sum() or .mean()"),
    WrongAnswer("squared_loss", "the 1/2 forgotten", '''
def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2
''', "/ 2"),
    WrongAnswer("squared_loss", "absolute error", '''
def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)).abs() / 2
''', "** 2"),
    # Exercise 4: sgd
    WrongAnswer("sgd", "update outside no_grad", '''
def sgd(params, lr, batch_size):
    for param in params:
        param -= lr * param.grad / batch_size
        param.grad.zero_()
''', "torch.no_grad()"),
    WrongAnswer("sgd", "parameter rebound instead of updated in place", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param = param - lr * param.grad / batch_size
            param.grad.zero_()
''', "in place"),
    WrongAnswer("sgd", "gradient not zeroed", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
''', "zero_()"),
    WrongAnswer("sgd", "no division by the batch size", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad
            param.grad.zero_()
''', "/ batch_size"),
    WrongAnswer("sgd", "update through .data, hidden from autograd (the notes' way)", '''
def sgd(params, lr, batch_size):
    for param in params:
        param.data -= lr * param.grad / batch_size
        param.grad.zero_()
''', "not through param.data"),
    WrongAnswer("sgd", "gradient zeroed before the update", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param.grad.zero_()
            param -= lr * param.grad / batch_size
''', "only after"),
    WrongAnswer("sgd", "gradient ascent", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param += lr * param.grad / batch_size
            param.grad.zero_()
''', "param -="),
    # Exercise 5: train_linreg
    WrongAnswer("train_linreg", "backward() on the per-example losses",
                _train_linreg(backward="l.backward()"), "sum"),
    WrongAnswer("train_linreg", "nominal batch size",
                _train_linreg(size="batch_size"), "len(y)"),
    WrongAnswer("train_linreg", "averaged twice (mean loss, then sgd divides)",
                _train_linreg(backward="l.mean().backward()"), "l.sum().backward()"),
    WrongAnswer("train_linreg", "w without requires_grad",
                _train_linreg(requires_grad="False"), "requires_grad"),
    WrongAnswer("train_linreg", "batch size hard-coded",
                _train_linreg().replace("data_iter(batch_size,", "data_iter(10,"),
                "own batch_size"),
    WrongAnswer("train_linreg", "learning rate hard-coded",
                _train_linreg().replace("sgd([w, b], lr,", "sgd([w, b], 0.03,"), "own `lr`"),
    WrongAnswer("train_linreg", "w starts at zero", _train_linreg().replace(
        "torch.normal(0.0, 0.01, size=(features.shape[1], 1), generator=generator,",
        "torch.zeros(features.shape[1], 1,"), "N(0, 0.01^2)"),
    WrongAnswer("train_linreg", "data_iter without the generator", _train_linreg().replace(
        "data_iter(batch_size, features, labels, generator)",
        "data_iter(batch_size, features, labels)"), "data_iter"),
    WrongAnswer("train_linreg", "losses kept as tensors",
                _train_linreg(record="squared_loss(linreg(features, w, b), labels).mean()"),
                ".item()"),
    WrongAnswer("train_linreg", "w drawn without the generator: runs do not repeat",
                _train_linreg(init_generator="None"), "torch.normal (for w)"),
    WrongAnswer("train_linreg", "the last batch's loss recorded",
                _train_linreg(record="l.mean().item()"), "all examples"),
]

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
