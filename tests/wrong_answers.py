"""Typical wrong answers to the course's exercises, as learners type them.

Each entry replaces one solution cell of a notebook; ``tests/test_wrong_answers.py`` runs the
release notebook's *visible* checks of that exercise against it. Every entry must fail them
with a message that carries a hint, and ``expect`` is a fragment of that message which shows
the hint points at the real cause. Add an entry whenever a learner finds a mistake that the
visible checks let through or explain badly.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswer:
    grade_id: str   # the solution cell it replaces
    what: str       # the mistake, in a few words (the test id)
    source: str     # the learner's cell
    expect: str     # a fragment of the failure message (hint included) that names the cause


LINREG = "01_linear_regression_scratch"
SOFTMAX = "03_softmax_scratch"

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


_TRAIN_EPOCH = '''
def train_epoch(net, train_iter, loss, params, lr):
    total, count = 0.0, 0
    for X, y in train_iter:
        l = loss(net(X), y)
        {backward}
        {step}
        {record}
    return {result}
'''


def _train_epoch(backward="l.sum().backward()", step="sgd(params, lr, len(y))",
                 record="total += l.sum().item(); count += len(y)",
                 result="total / count") -> str:
    return _TRAIN_EPOCH.format(backward=backward, step=step, record=record, result=result)


_EVALUATE = '''
def evaluate_accuracy(net, data_iter):
    {before}
    correct, total = 0.0, 0
    {context}
        for X, y in data_iter:
            {count}
            total += len(y)
    {after}
    return {result}
'''


def _evaluate(before="was_training = net.training if isinstance(net, nn.Module) else None\n"
                     "    if was_training is not None: net.eval()",
              context="with torch.no_grad():",
              count="correct += accuracy(net(X), y) * len(y)",
              after="if was_training is not None: net.train(was_training)",
              result="correct / total") -> str:
    return _EVALUATE.format(before=before, context=context, count=count, after=after,
                            result=result)


WRONG_ANSWERS: dict[str, list[WrongAnswer]] = {
    LINREG: [
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
    ],
    SOFTMAX: [
        # Exercise 1: softmax
        WrongAnswer("softmax", "keepdim forgotten", '''
def softmax(O):
    O_exp = (O - O.max(dim=1, keepdim=True).values).exp()
    return O_exp / O_exp.sum(dim=1)
''', "keepdim=True"),
        WrongAnswer("softmax", "max without .values", '''
def softmax(O):
    O_exp = (O - O.max(dim=1, keepdim=True)).exp()
    return O_exp / O_exp.sum(dim=1, keepdim=True)
''', ".values"),
        WrongAnswer("softmax", "no max subtracted", '''
def softmax(O):
    O_exp = O.exp()
    return O_exp / O_exp.sum(dim=1, keepdim=True)
''', "subtract each row's maximum"),
        WrongAnswer("softmax", "normalised over columns", '''
def softmax(O):
    O_exp = (O - O.max(dim=1, keepdim=True).values).exp()
    return O_exp / O_exp.sum(dim=0, keepdim=True)
''', "dim=1"),
        WrongAnswer("softmax", "input changed in place", '''
def softmax(O):
    O -= O.max(dim=1, keepdim=True).values
    O.exp_()
    return O / O.sum(dim=1, keepdim=True)
''', "in place"),
        WrongAnswer("softmax", "one maximum for the whole matrix", '''
def softmax(O):
    O_exp = (O - O.max()).exp()
    return O_exp / O_exp.sum(dim=1, keepdim=True)
''', "each row"),
        # Exercise 2: cross_entropy
        WrongAnswer("cross_entropy", "gather with a 1-D index", '''
def cross_entropy(O, y):
    S = O - O.max(dim=1, keepdim=True).values
    return S.exp().sum(dim=1).log() - S.gather(1, y)
''', "y.reshape(-1, 1)"),
        WrongAnswer("cross_entropy", "the notes' -log(softmax) ", '''
def cross_entropy(O, y):
    P = softmax(O)
    return -torch.log(P.gather(1, y.reshape(-1, 1))).squeeze(1)
''', "log(0)"),
        WrongAnswer("cross_entropy", "not squeezed", '''
def cross_entropy(O, y):
    S = O - O.max(dim=1, keepdim=True).values
    return S.exp().sum(dim=1, keepdim=True).log() - S.gather(1, y.reshape(-1, 1))
''', "squeeze"),
        WrongAnswer("cross_entropy", "S[:, y] instead of one entry per row", '''
def cross_entropy(O, y):
    S = O - O.max(dim=1, keepdim=True).values
    return S.exp().sum(dim=1).log() - S[:, y]
''', "S[:, y]"),
        WrongAnswer("cross_entropy", "averaged", '''
def cross_entropy(O, y):
    S = O - O.max(dim=1, keepdim=True).values
    return (S.exp().sum(dim=1).log() - S.gather(1, y.reshape(-1, 1)).squeeze(1)).mean()
''', "do not average"),
        WrongAnswer("cross_entropy", "log-sum-exp without the shift", '''
def cross_entropy(O, y):
    return O.exp().sum(dim=1).log() - O.gather(1, y.reshape(-1, 1)).squeeze(1)
''', "row maximum"),
        # Exercise 3: accuracy
        WrongAnswer("accuracy", "mean of a bool tensor", '''
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=1) == y).mean().item()
''', ".float()"),
        WrongAnswer("accuracy", "a tensor returned", '''
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=1) == y).float().mean()
''', ".item()"),
        WrongAnswer("accuracy", "a count returned", '''
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=1) == y).float().sum().item()
''', "fraction"),
        WrongAnswer("accuracy", "integer division", '''
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=1) == y).sum().item() // len(y)
''', "`//`"),
        WrongAnswer("accuracy", "arg-max over the batch", '''
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=0) == y).float().mean().item()
''', "dim=1"),
        # Exercise 4: evaluate_accuracy
        WrongAnswer("evaluate_accuracy", "mean of the batch accuracies", _evaluate(
            count="correct += accuracy(net(X), y)", result="correct / len(data_iter)"),
            "divide once"),
        WrongAnswer("evaluate_accuracy", "gradients on", _evaluate(context="if True:"),
                    "torch.no_grad()"),
        WrongAnswer("evaluate_accuracy", "module left in training mode",
                    _evaluate(before="pass", after="pass"), "net.eval()"),
        WrongAnswer("evaluate_accuracy", "mode not restored",
                    _evaluate(before="if isinstance(net, nn.Module): net.eval()", after="pass"),
                    "net.train(was_training)"),
        WrongAnswer("evaluate_accuracy", "eval() called on a plain function",
                    _evaluate(before="net.eval()", after="net.train()"), "isinstance(net, nn.Module)"),
        # Exercise 5: train_epoch
        WrongAnswer("train_epoch", "averaged twice (mean loss, then sgd divides)",
                    _train_epoch(backward="l.mean().backward()"), "l.sum().backward()"),
        WrongAnswer("train_epoch", "nominal batch size", _train_epoch(
            step="sgd(params, lr, batch_size)"), "len(y)"),
        WrongAnswer("train_epoch", "mean of the batch means", _train_epoch(
            record="total += l.mean().item(); count += 1"), "number of examples"),
        WrongAnswer("train_epoch", "backward() on the per-example losses",
                    _train_epoch(backward="l.backward()"), "sum"),
        WrongAnswer("train_epoch", "the notebook's W and b updated instead of params",
                    _train_epoch(step="sgd([W, b], lr, len(y))"), "own `params`"),
        WrongAnswer("train_epoch", "sgd never called", _train_epoch(step="pass"), "sgd(params"),
        WrongAnswer("train_epoch", "a tensor returned", _train_epoch(
            record="total += l.sum(); count += len(y)"), ".item()"),
    ],
}


@dataclass(frozen=True)
class Tampering:
    grade_id: str   # the exercise whose test cell must still fail
    what: str
    source: str     # a solution cell that tries to fool the checks, with a trivial answer


_PATCH = '''
import helpers, helpers.checks, helpers.reference
stub = lambda *args, **kwargs: None
for module in (helpers, helpers.checks, helpers.reference):
    for name in ("assert_close", "assert_shape", "assert_dtype", "assert_float", "check",
                 "isolate", "SGDSpy", "evaluate_accuracy", "load_data_fashion_mnist"):
        try:
            setattr(module, name, stub)
        except AttributeError:
            pass
'''

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING: dict[str, list[Tampering]] = {
    SOFTMAX: [
        Tampering("softmax", "checks rebound in the notebook",
                  "assert_close = assert_shape = assert_dtype = check = lambda *a, **k: None\n"
                  "def softmax(O):\n    return O\n"),
        Tampering("softmax", "helpers and helpers.checks patched",
                  _PATCH + "def softmax(O):\n    return O\n"),
        Tampering("cross_entropy", "helpers.checks patched through vars()",
                  "import helpers.checks\n"
                  "vars(helpers.checks).update(assert_close=lambda *a, **k: None,\n"
                  "                            assert_shape=lambda *a, **k: None)\n"
                  "def cross_entropy(O, y):\n    return O\n"),
        Tampering("softmax", "a tensor subclass whose comparisons always agree", '''
class Agreeable(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True

def softmax(O):
    return O.as_subclass(Agreeable)
'''),
        Tampering("accuracy", "a float whose comparisons always agree", '''
class Agreeable(float):
    __eq__ = __le__ = __ge__ = __lt__ = __gt__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __sub__ = __rsub__ = lambda self, other: 0.0

def accuracy(y_hat, y):
    return Agreeable(0.0)
'''),
        Tampering("evaluate_accuracy", "an object equal to everything", '''
class Anything:
    __eq__ = lambda self, other: True
    __float__ = lambda self: 0.5

def evaluate_accuracy(net, data_iter):
    return Anything()
'''),
        Tampering("train_epoch", "the reference evaluate_accuracy and the spy patched",
                  _PATCH + "def train_epoch(net, train_iter, loss, params, lr):\n    return 0.0\n"),
    ],
    LINREG: [
        Tampering("train_linreg", "the references patched",
                  _PATCH + "def train_linreg(features, labels, **kwargs):\n"
                           "    return torch.zeros(features.shape[1], 1), torch.zeros(1), [0.0]\n"),
        Tampering("squared_loss", "checks rebound in the notebook",
                  "assert_close = assert_shape = check = lambda *a, **k: None\n"
                  "def squared_loss(y_hat, y):\n    return y_hat\n"),
    ],
}


# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
CORRECT_VARIANTS: dict[str, list[WrongAnswer]] = {
    LINREG: [
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
    ],
    SOFTMAX: [
        WrongAnswer("softmax", "exp of O minus logsumexp", '''
def softmax(O):
    return torch.exp(O - torch.logsumexp(O, dim=1, keepdim=True))
''', ""),
        WrongAnswer("softmax", "amax and div", '''
def softmax(O):
    E = torch.exp(O - O.amax(dim=1, keepdim=True))
    return E.div(E.sum(1, keepdim=True))
''', ""),
        WrongAnswer("cross_entropy", "logsumexp and fancy indexing", '''
def cross_entropy(O, y):
    return torch.logsumexp(O, dim=1) - O[torch.arange(len(y)), y]
''', ""),
        WrongAnswer("accuracy", "a count over len(y)", '''
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=1) == y).sum().item() / len(y)
''', ""),
        WrongAnswer("evaluate_accuracy", "try/finally and set_grad_enabled", '''
def evaluate_accuracy(net, data_iter):
    mode = net.training if isinstance(net, nn.Module) else None
    if mode is not None:
        net.eval()
    right = n = 0
    try:
        with torch.set_grad_enabled(False):
            for X, y in data_iter:
                right += accuracy(net(X), y) * len(y)
                n += len(y)
    finally:
        if mode is not None:
            net.train(mode)
    return right / n
''', ""),
        WrongAnswer("train_epoch", "while and next, losses concatenated", '''
def train_epoch(net, train_iter, loss, params, lr):
    it, losses = iter(train_iter), []
    while True:
        try:
            X, y = next(it)
        except StopIteration:
            break
        l = loss(net(X), y)
        l.sum().backward()
        sgd(params, lr, len(y))
        losses.append(l.detach())
    return torch.cat(losses).mean().item()
''', ""),
    ],
}
