"""Typical wrong, hostile and right answers to notebook 08 (weight decay)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer


def _penalty(name: str, body: str) -> str:
    return f"\ndef {name}(w):\n    return {body}\n"


_TRAIN = '''
def train_penalized(w, b, features, labels, *, penalty, lambd, lr, num_epochs, batch_size,
                    generator=None):
    losses = []
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels, generator):
            {objective}
            {backward}
            sgd([w, b], lr, {size})
        {record}
    return losses
'''
_RECORD = '''with torch.no_grad():
            losses.append(squared_loss(linreg(features, w, b), labels).mean().item())'''


def _train(objective="l = squared_loss(linreg(X, w, b), y) + lambd * penalty(w)",
           backward="l.sum().backward()", size="len(y)", record=_RECORD) -> str:
    return _TRAIN.format(objective=objective, backward=backward, size=size, record=record)


_GROUPS = '''
def sgd_no_bias_decay(net, lr, weight_decay):
    weights = [p for name, p in net.named_parameters() if not {is_bias}]
    biases = [p for name, p in net.named_parameters() if {is_bias}]
    return torch.optim.SGD({groups}{options})
'''


def _groups(groups='[{"params": weights, "weight_decay": weight_decay}, '
                   '{"params": biases, "weight_decay": 0.0}]',
            options=", lr=lr", is_bias='name.endswith("bias")') -> str:
    return _GROUPS.format(groups=groups, options=options, is_bias=is_bias)


WRONG = [
    # Exercise 1: l2_penalty
    WrongAnswer("l2_penalty", "no 1/2", _penalty("l2_penalty", "(w ** 2).sum()"), "forget the 1/2"),
    WrongAnswer("l2_penalty", "the norm, not its square", _penalty("l2_penalty", "w.norm()"),
                "no square root"),
    WrongAnswer("l2_penalty", "the norm squared, without 1/2", _penalty("l2_penalty", "w.norm() ** 2"),
                "forget the 1/2"),
    WrongAnswer("l2_penalty", "a Python number (.item())",
                _penalty("l2_penalty", "((w ** 2).sum() / 2).item()"), "autograd cannot differentiate"),
    WrongAnswer("l2_penalty", "no sum: one value per entry", _penalty("l2_penalty", "w ** 2 / 2"),
                "add up over all entries"),
    WrongAnswer("l2_penalty", "summed over dim 0 only",
                _penalty("l2_penalty", "torch.sum(w ** 2, dim=0) / 2"), "add up over all entries"),
    WrongAnswer("l2_penalty", "a mean, not a sum", _penalty("l2_penalty", "(w ** 2).mean() / 2"),
                "half the sum of squares"),
    WrongAnswer("l2_penalty", "detached from autograd", _penalty("l2_penalty", "(w.detach() ** 2).sum() / 2"),
                "no .item(), .detach()"),
    WrongAnswer("l2_penalty", "only the first column of a matrix",
                _penalty("l2_penalty", "(w[:, 0] ** 2).sum() / 2"), "sum over every entry"),
    # Exercise 2: l1_penalty
    WrongAnswer("l1_penalty", "no abs: signs cancel", _penalty("l1_penalty", "w.sum()"),
                "take abs() before summing"),
    WrongAnswer("l1_penalty", "a mean, not a sum", _penalty("l1_penalty", "w.abs().mean()"), "no mean"),
    WrongAnswer("l1_penalty", "squares (the L2 penalty)", _penalty("l1_penalty", "(w ** 2).sum()"),
                "no square"),
    WrongAnswer("l1_penalty", "the Euclidean norm", _penalty("l1_penalty", "torch.norm(w)"),
                "the sum of absolute values"),
    WrongAnswer("l1_penalty", "with a 1/2 copied from l2_penalty",
                _penalty("l1_penalty", "w.abs().sum() / 2"), "no 1/2"),
    WrongAnswer("l1_penalty", "a Python number (.item())", _penalty("l1_penalty", "w.abs().sum().item()"),
                "autograd cannot differentiate"),
    WrongAnswer("l1_penalty", "summed over dim 0 only", _penalty("l1_penalty", "w.abs().sum(dim=0)"),
                "add up over all entries"),
    # Exercise 3: train_penalized
    WrongAnswer("train_penalized", "the penalty added once to the summed loss (the notes' formula)",
                _train(objective="l = squared_loss(linreg(X, w, b), y).sum() + lambd * penalty(w)",
                       backward="l.backward()"),
                "once per minibatch, not once per example"),
    WrongAnswer("train_penalized", "no penalty at all",
                _train(objective="l = squared_loss(linreg(X, w, b), y)"), "lambd * penalty(w) is missing"),
    WrongAnswer("train_penalized", "the bias penalised too",
                _train(objective="l = squared_loss(linreg(X, w, b), y) + lambd * (penalty(w) + penalty(b))"),
                "the bias was penalised too"),
    WrongAnswer("train_penalized", "l2_penalty by name instead of the penalty argument",
                _train(objective="l = squared_loss(linreg(X, w, b), y) + lambd * l2_penalty(w)"),
                "call the `penalty` argument"),
    WrongAnswer("train_penalized", "backward() on the mean (sgd divides again)",
                _train(backward="l.mean().backward()"), "times too small"),
    WrongAnswer("train_penalized", "the nominal batch size to sgd", _train(size="batch_size"),
                "len(y)"),
    WrongAnswer("train_penalized", "records the last minibatch's objective",
                _train(record="losses.append(l.sum().item())"), "without the penalty"),
    WrongAnswer("train_penalized", "records the penalised loss over all examples",
                _train(record="with torch.no_grad():\n"
                              "            losses.append((squared_loss(linreg(features, w, b), "
                              "labels) + lambd * penalty(w)).mean().item())"),
                "without the penalty"),
    # Exercise 4: sgd_no_bias_decay
    WrongAnswer("sgd_no_bias_decay", "weight_decay on every parameter (one plain optimizer)", '''
def sgd_no_bias_decay(net, lr, weight_decay):
    return torch.optim.SGD(net.parameters(), lr=lr, weight_decay=weight_decay)
''', "decays every parameter, biases included"),
    WrongAnswer("sgd_no_bias_decay", "groups without their own weight_decay, the decay given to SGD",
                _groups(groups='[{"params": weights}, {"params": biases}]',
                        options=", lr=lr, weight_decay=weight_decay"),
                "A group without the key takes"),
    WrongAnswer("sgd_no_bias_decay", "the biases left out", _groups(
        groups='[{"params": weights, "weight_decay": weight_decay}]'), "in no group"),
    WrongAnswer("sgd_no_bias_decay", "only the first layer", '''
def sgd_no_bias_decay(net, lr, weight_decay):
    return torch.optim.SGD([{"params": [net[0].weight], "weight_decay": weight_decay},
                            {"params": [net[0].bias], "weight_decay": 0.0}], lr=lr)
''', "several layers"),
    WrongAnswer("sgd_no_bias_decay", "the two decays swapped", _groups(
        groups='[{"params": weights, "weight_decay": 0.0}, '
               '{"params": biases, "weight_decay": weight_decay}]'),
        "not the other way round"),
    WrongAnswer("sgd_no_bias_decay", "all parameters in the first group, the biases again in the second",
                _groups(groups='[{"params": net.parameters(), "weight_decay": weight_decay}, '
                               '{"params": biases, "weight_decay": 0.0}]'),
                "exactly one group"),
    WrongAnswer("sgd_no_bias_decay", "no lr (SGD's default 0.001)", _groups(options=""), "pass lr=lr"),
    WrongAnswer("sgd_no_bias_decay", "name == 'bias' (names are '0.bias')", _groups(is_bias='name == "bias"'),
                "endswith"),
]

TAMPERING = [
    Tampering("train_penalized", "the references patched",
              PATCH + "import helpers.reference as _r\n"
                      "for _n in ('PenaltySGDSpy', 'RecordedMinibatches', 'l2_penalty', 'sgd'):\n"
                      "    try:\n        setattr(_r, _n, stub)\n    except AttributeError:\n        pass\n"
                      "def train_penalized(w, b, features, labels, **kwargs):\n    return [0.0]\n"),
    Tampering("l2_penalty", "checks rebound in the notebook",
              "assert_close = assert_shape = check = lambda *a, **k: None\n"
              "def l2_penalty(w):\n    return w.sum()\n"),
    Tampering("l1_penalty", "an object that equals everything",
              "class Anything(float):\n    def __eq__(self, other):\n        return True\n"
              "def l1_penalty(w):\n    return Anything(0.0)\n"),
    Tampering("sgd_no_bias_decay", "the right groups, and a step() that does nothing",
              "class Idle(torch.optim.SGD):\n    def step(self, closure=None):\n        return None\n"
              "def sgd_no_bias_decay(net, lr, weight_decay):\n"
              "    named = list(net.named_parameters())\n"
              "    return Idle([{'params': [p for n, p in named if not n.endswith('bias')], "
              "'weight_decay': weight_decay},\n"
              "                 {'params': [p for n, p in named if n.endswith('bias')], "
              "'weight_decay': 0.0}], lr=lr)\n"),
    Tampering("sgd_no_bias_decay", "an SGD subclass that decays everything",
              "class Liar(torch.optim.SGD):\n    pass\n"
              "def sgd_no_bias_decay(net, lr, weight_decay):\n"
              "    return Liar(net.parameters(), lr=lr, weight_decay=weight_decay)\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("l2_penalty", "w * w and 0.5 *", _penalty("l2_penalty", "0.5 * torch.sum(w * w)"), ""),
    WrongAnswer("l2_penalty", "the squared vector norm",
                _penalty("l2_penalty", "torch.linalg.vector_norm(w) ** 2 / 2"), ""),
    WrongAnswer("l2_penalty", "pow and div", _penalty("l2_penalty", "w.pow(2).sum().div(2)"), ""),
    WrongAnswer("l1_penalty", "torch.abs", _penalty("l1_penalty", "torch.sum(torch.abs(w))"), ""),
    WrongAnswer("l1_penalty", "the L1 vector norm",
                _penalty("l1_penalty", "torch.linalg.vector_norm(w, ord=1)"), ""),
    WrongAnswer("l1_penalty", "sign(w) * w", _penalty("l1_penalty", "(torch.sign(w) * w).sum()"), ""),
    WrongAnswer("train_penalized", "len(y) * lambd * penalty(w) added to the summed loss",
                _train(objective="l = squared_loss(linreg(X, w, b), y).sum() + len(y) * lambd * penalty(w)",
                       backward="l.backward()"), ""),
    WrongAnswer("train_penalized", "loss computed under no_grad with torch.mean", _train(
        record="with torch.no_grad():\n"
               "            losses.append(float(torch.mean(squared_loss(linreg(features, w, "
               "b), labels))))"), ""),
    WrongAnswer("sgd_no_bias_decay", "biases by ndim == 1", _groups(is_bias="p.ndim == 1"), ""),
    WrongAnswer("sgd_no_bias_decay", "'bias' in name and add_param_group", '''
def sgd_no_bias_decay(net, lr, weight_decay):
    named = dict(net.named_parameters())
    optimizer = torch.optim.SGD([p for n, p in named.items() if "bias" not in n], lr=lr,
                                weight_decay=weight_decay)
    optimizer.add_param_group({"params": [p for n, p in named.items() if "bias" in n], "weight_decay": 0})
    return optimizer
''', ""),
    WrongAnswer("sgd_no_bias_decay", "lr in each group", '''
def sgd_no_bias_decay(net, lr, weight_decay):
    decay, no_decay = [], []
    for name, param in net.named_parameters():
        if name.endswith(".bias") or name == "bias":
            no_decay.append(param)
        else:
            decay.append(param)
    return torch.optim.SGD([dict(params=decay, weight_decay=weight_decay, lr=lr),
                            dict(params=no_decay, weight_decay=0.0, lr=lr)], lr=lr)
''', ""),
]
