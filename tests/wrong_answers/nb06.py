"""Typical wrong, hostile and right answers to notebook 06 (the MLP with nn; optimizers)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_MLP = '''
def init_weights(m):
    {init}


def mlp():
    net = nn.Sequential({layers})
    {apply}
    return net
'''
_INIT = '''if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0.0, std=0.01)
        nn.init.zeros_(m.bias)'''
_LAYERS = "nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)"


def _mlp(init=_INIT, layers=_LAYERS, apply="net.apply(init_weights)") -> str:
    return _MLP.format(init=init, layers=layers, apply=apply)


_MOMENTUM = '''
def sgd_momentum(params, bufs, lr, momentum):
    with torch.no_grad():
        for i, p in enumerate(params):
            {body}
'''


def _momentum(body: str) -> str:
    return _MOMENTUM.format(body=body)


_ADAM = '''
def adam_step(params, ms, vs, t, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, m, v in zip(params, ms, vs):
            {moments}
            m_hat = m / (1 - beta1 ** {t})
            v_hat = v / (1 - beta2 ** {t})
            {update}
'''
_MOMENTS = ("m.mul_(beta1).add_((1 - beta1) * p.grad)\n"
            "            v.mul_(beta2).add_((1 - beta2) * p.grad ** 2)")


def _adam(moments=_MOMENTS, t="t", update="p -= lr * m_hat / (v_hat.sqrt() + eps)") -> str:
    return _ADAM.format(moments=moments, t=t, update=update)


_TRAIN = '''
def train_mlp(net, train_iter, num_epochs):
    loss = nn.CrossEntropyLoss()
    optimizer = {optimizer}
    epoch_losses = []
    for epoch in range(num_epochs):
        total, count = 0.0, 0
        for X, y in train_iter:
            l = loss(net(X), y)
            {calls}
            total += l.item() * len(y)
            count += len(y)
        epoch_losses.append({record})
    return epoch_losses
'''
_CALLS = "optimizer.zero_grad()\n            l.backward()\n            optimizer.step()"


def _train(optimizer="torch.optim.Adam(net.parameters(), lr=0.001)", calls=_CALLS,
           record="total / count") -> str:
    return _TRAIN.format(optimizer=optimizer, calls=calls, record=record)


WRONG = [
    # Exercise 1: mlp
    WrongAnswer("mlp", "no Flatten", _mlp(layers="nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)"),
                "nn.Flatten() first"),
    WrongAnswer("mlp", "a ReLU after the last layer too",
                _mlp(layers=_LAYERS + ", nn.ReLU()"), "no activation after the last layer"),
    WrongAnswer("mlp", "the notes' loop: biases from the normal too", _mlp(
        init="pass",
        apply="for param in net.parameters():\n        nn.init.normal_(param, mean=0, std=0.01)"),
        "nn.init.zeros_(m.bias)"),
    WrongAnswer("mlp", "the variance 0.01**2 as std", _mlp(init=_INIT.replace("std=0.01", "std=0.01 ** 2")),
                "not the variance"),
    WrongAnswer("mlp", "apply forgotten", _mlp(apply="pass"), "keeps its own uniform start"),
    WrongAnswer("mlp", "init_weights without the isinstance test", _mlp(
        init="nn.init.normal_(m.weight, mean=0.0, std=0.01)\n    nn.init.zeros_(m.bias)"),
        "isinstance(m, nn.Linear)"),
    WrongAnswer("mlp", "the deprecated nn.init.normal", _mlp(init=_INIT.replace("normal_", "normal")),
                "nn.init.normal_"),
    WrongAnswer("mlp", "only the first layer initialised", _mlp(
        apply="nn.init.normal_(net[1].weight, std=0.01)\n    nn.init.zeros_(net[1].bias)"),
        "net.apply(init_weights)"),

    # Exercise 2: sgd_momentum
    WrongAnswer("sgd_momentum", "dampening: an average with (1 - momentum)", _momentum(
        "if bufs[i] is None:\n                bufs[i] = torch.zeros_like(p)\n"
        "            bufs[i] = momentum * bufs[i] + (1 - momentum) * p.grad\n            p -= lr * bufs[i]"),
        "dampening"),
    WrongAnswer("sgd_momentum", "lr inside the buffer", _momentum(
        "if bufs[i] is None:\n                bufs[i] = torch.zeros_like(p)\n"
        "            bufs[i] = momentum * bufs[i] + lr * p.grad\n            p -= bufs[i]"),
        "keeps lr out of the buffer"),
    WrongAnswer("sgd_momentum", "the parameter updated before the buffer", _momentum(
        "if bufs[i] is None:\n                bufs[i] = torch.zeros_like(p)\n"
        "            p -= lr * bufs[i]\n            bufs[i] = momentum * bufs[i] + p.grad"),
        "first update the buffer"),
    WrongAnswer("sgd_momentum", "the buffer not stored in bufs", _momentum(
        "buf = p.grad.clone() if bufs[i] is None else momentum * bufs[i] + p.grad\n"
        "            p -= lr * buf"),
        "store the buffer in bufs[i]"),
    WrongAnswer("sgd_momentum", "the gradient tensor kept as the buffer", _momentum(
        "if bufs[i] is None:\n                bufs[i] = p.grad\n"
        "            else:\n                bufs[i].mul_(momentum).add_(p.grad)\n"
        "            p -= lr * bufs[i]"),
        "p.grad.clone()"),
    WrongAnswer("sgd_momentum", "not in place: p = p - ...", _momentum(
        "bufs[i] = p.grad.clone() if bufs[i] is None else momentum * bufs[i] + p.grad\n"
        "            p = p - lr * bufs[i]"),
        "did not change"),
    WrongAnswer("sgd_momentum", "Nesterov's step", _momentum(
        "bufs[i] = p.grad.clone() if bufs[i] is None else momentum * bufs[i] + p.grad\n"
        "            p -= lr * (p.grad + momentum * bufs[i])"),
        "Nesterov"),
    WrongAnswer("sgd_momentum", "no torch.no_grad()", '''
def sgd_momentum(params, bufs, lr, momentum):
    for i, p in enumerate(params):
        bufs[i] = p.grad.clone() if bufs[i] is None else momentum * bufs[i] + p.grad
        p -= lr * bufs[i]
''', "torch.no_grad()"),

    # Exercise 3: adam_step
    WrongAnswer("adam_step", "no bias correction", _adam().replace(
        "m_hat = m / (1 - beta1 ** t)", "m_hat = m").replace(
        "v_hat = v / (1 - beta2 ** t)", "v_hat = v"), "bias correction"),
    WrongAnswer("adam_step", "eps inside the square root",
                _adam(update="p -= lr * m_hat / (v_hat + eps).sqrt()"), "add eps after the root"),
    WrongAnswer("adam_step", "v from the square of m", _adam(
        moments="m.mul_(beta1).add_((1 - beta1) * p.grad)\n"
                "            v.mul_(beta2).add_((1 - beta2) * m ** 2)"),
        "square of this step's gradient"),
    WrongAnswer("adam_step", "betas swapped", _adam(
        moments="m.mul_(beta2).add_((1 - beta2) * p.grad)\n"
                "            v.mul_(beta1).add_((1 - beta1) * p.grad ** 2)"
    ).replace("beta1 ** t", "BETA").replace("beta2 ** t", "beta1 ** t").replace("BETA", "beta2 ** t"),
        "swapped"),
    WrongAnswer("adam_step", "t counted from 0: t + 1", _adam(t="(t + 1)"), "t already counts from 1"),
    WrongAnswer("adam_step", "corrected values stored back", _adam().replace(
        "m_hat = m / (1 - beta1 ** t)", "m_hat = m.div_(1 - beta1 ** t)").replace(
        "v_hat = v / (1 - beta2 ** t)", "v_hat = v.div_(1 - beta2 ** t)"), "stored back"),
    WrongAnswer("adam_step", "the parameter updated before the moments", '''
def adam_step(params, ms, vs, t, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, m, v in zip(params, ms, vs):
            p -= lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
            m.mul_(beta1).add_((1 - beta1) * p.grad)
            v.mul_(beta2).add_((1 - beta2) * p.grad ** 2)
''', "first update m and v"),
    WrongAnswer("adam_step", "m gets the whole gradient", _adam(
        moments="m.mul_(beta1).add_(p.grad)\n            v.mul_(beta2).add_((1 - beta2) * p.grad ** 2)"),
        "(1 - beta1) * grad"),
    WrongAnswer("adam_step", "new m and v never stored", _adam(
        moments="m = beta1 * m + (1 - beta1) * p.grad\n"
                "            v = beta2 * v + (1 - beta2) * p.grad ** 2"),
        "keep m and v for the next step"),

    # Exercise 4: train_mlp
    WrongAnswer("train_mlp", "SGD with lr 0.001: too small",
                _train(optimizer="torch.optim.SGD(net.parameters(), lr=0.001)"), "check the learning rate"),
    WrongAnswer("train_mlp", "Adam with lr 0.5: too large",
                _train(optimizer="torch.optim.Adam(net.parameters(), lr=0.5)"), "check the learning rate"),
    WrongAnswer("train_mlp", "no zero_grad",
                _train(optimizer="torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)",
                       calls="l.backward()\n            optimizer.step()"),
                "the gradients piled up"),
    WrongAnswer("train_mlp", "the optimizer of another model",
                _train(optimizer="torch.optim.Adam(mlp().parameters(), lr=0.001)"), "net.parameters()"),
    WrongAnswer("train_mlp", "the summed loss, not divided", _train(record="total"),
                "divide once by the number of examples"),
    WrongAnswer("train_mlp", "return inside the epoch loop", _train().replace(
        "        epoch_losses.append(total / count)\n    return epoch_losses",
        "        epoch_losses.append(total / count)\n        return epoch_losses"), "once per epoch"),
]

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING = [
    Tampering("sgd_momentum", "the references patched",
              PATCH + "import helpers.reference as _r\n"
                      "try:\n    _r.OptimizerReplay = stub\nexcept AttributeError:\n    pass\n"
                      "def sgd_momentum(params, bufs, lr, momentum):\n"
                      "    bufs[:] = [p.grad.clone() for p in params]\n"),
    Tampering("adam_step", "checks rebound in the notebook",
              "check = lambda *a, **k: None\n"
              "def adam_step(params, ms, vs, t, lr, betas=(0.9, 0.999), eps=1e-8):\n    pass\n"),
    Tampering("train_mlp", "evaluate_accuracy patched",
              PATCH + "def train_mlp(net, train_iter, num_epochs):\n    return [2.0] * num_epochs\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("mlp", "type(m) is nn.Linear, .data fills, apply's return value", '''
def init_weights(m):
    if type(m) is nn.Linear:
        m.weight.data.normal_(0, 0.01)
        m.bias.data.fill_(0)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)).apply(init_weights)
''', ""),
    WrongAnswer("mlp", "an OrderedDict of named layers and torch.no_grad", '''
from collections import OrderedDict


def init_weights(m):
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            m.weight.copy_(torch.randn(m.weight.shape) * 0.01)
            m.bias.zero_()


def mlp():
    net = nn.Sequential(OrderedDict(flatten=nn.Flatten(), hidden=nn.Linear(784, 256), relu=nn.ReLU(),
                                    output=nn.Linear(256, 10)))
    net.apply(init_weights)
    return net
''', ""),
    WrongAnswer("sgd_momentum", "a zero start, new tensors stored in the list", _momentum(
        "if bufs[i] is None:\n                bufs[i] = torch.zeros_like(p)\n"
        "            bufs[i] = momentum * bufs[i] + p.grad\n            p.sub_(lr * bufs[i])"), ""),
    WrongAnswer("sgd_momentum", "PyTorch's own style with .data and add_(alpha=)", '''
def sgd_momentum(params, bufs, lr, momentum):
    for i, p in enumerate(params):
        g = p.grad.detach()
        if bufs[i] is None:
            bufs[i] = torch.clone(g).detach()
        else:
            bufs[i].mul_(momentum).add_(g, alpha=1.0)
        p.data.add_(bufs[i], alpha=-lr)
''', ""),
    WrongAnswer("adam_step", "PyTorch's step_size and denominator, new tensors in the lists", '''
import math


def adam_step(params, ms, vs, t, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    for i, p in enumerate(params):
        g = p.grad
        ms[i] = b1 * ms[i] + (1 - b1) * g
        vs[i] = b2 * vs[i] + (1 - b2) * g * g
        step_size = lr / (1 - b1 ** t)
        denom = vs[i].sqrt() / math.sqrt(1 - b2 ** t) + eps
        with torch.no_grad():
            p.addcdiv_(ms[i], denom, value=-step_size)
''', ""),
    WrongAnswer("train_mlp", "plain SGD with lr 0.1",
                _train(optimizer="torch.optim.SGD(net.parameters(), lr=0.1)"), ""),
    WrongAnswer("train_mlp", "momentum 0.9, lr 0.05, zero_grad after the step", _train(
        optimizer="torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)",
        calls="l.backward()\n            optimizer.step()\n            optimizer.zero_grad()"), ""),
    WrongAnswer("train_mlp", "RMSprop, lr 0.001",
                _train(optimizer="torch.optim.RMSprop(net.parameters(), lr=0.001)"), ""),
]
