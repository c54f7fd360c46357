"""Typical wrong, hostile and right answers to notebook 03 (softmax regression by hand)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

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


# The typical wrong answers of notebook 03 are its exercise module's known mistakes
# (helpers/exercises/nb03.py, tested by tests/test_judge.py); here only those that need the
# notebook's own names.
WRONG = [
    WrongAnswer("train_epoch", "the notebook's W and b updated instead of params",
                _train_epoch(step="sgd([W, b], lr, len(y))"), "own `params`"),
]

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING = [
    Tampering("softmax", "checks rebound in the notebook",
              "assert_close = assert_shape = assert_dtype = check = lambda *a, **k: None\n"
              "def softmax(O):\n    return O\n"),
    Tampering("softmax", "helpers and helpers.checks patched",
              PATCH + "def softmax(O):\n    return O\n"),
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
              PATCH + "def train_epoch(net, train_iter, loss, params, lr):\n    return 0.0\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
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
]
