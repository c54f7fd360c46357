"""Typical wrong, hostile and right answers to notebook 02 (linear regression with nn)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_LINEAR_NET = '''
class LinearNet(nn.Module):
    def __init__(self, num_inputs):
        {init}

    def forward(self, X):
        {forward}
'''
_INIT = '''super().__init__()
        self.linear = nn.Linear(num_inputs, 1)
        nn.init.normal_(self.linear.weight, mean=0.0, std=0.01)
        nn.init.zeros_(self.linear.bias)'''


def _linear_net(init=_INIT, forward="return self.linear(X)") -> str:
    return _LINEAR_NET.format(init=init, forward=forward)


_SEQUENTIAL = '''
def linear_sequential(num_inputs):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    {init}
    return {result}
'''


def _sequential(init="nn.init.normal_(net[0].weight, mean=0.0, std=0.01)\n    nn.init.zeros_(net[0].bias)",
                result="net") -> str:
    return _SEQUENTIAL.format(init=init, result=result)


_SGD_STEP = '''
def sgd_step(net, X, y, lr):
    {zero}
    l = {loss}
    l.backward()
    {context}
        for param in net.parameters():
            {update}
    return {result}
'''


def _sgd_step(zero="net.zero_grad()", loss="nn.MSELoss()(net(X), y)", context="with torch.no_grad():",
              update="param -= lr * param.grad", result="l.item()") -> str:
    return _SGD_STEP.format(zero=zero, loss=loss, context=context, update=update, result=result)


_TRAIN_NN = '''
def train_nn(net, data_iter, *, lr, num_epochs):
    loss = {loss}
    optimizer = torch.optim.SGD(net.parameters(), {lr})
    losses = []
    for epoch in range({epochs}):
        for X, y in data_iter:
            l = loss(net(X), y)
            {calls}
            losses.append({record})
    return losses
'''


def _train_nn(loss="nn.MSELoss()", lr="lr=lr", epochs="num_epochs",
              calls="optimizer.zero_grad()\n            l.backward()\n            optimizer.step()",
              record="l.item()") -> str:
    return _TRAIN_NN.format(loss=loss, lr=lr, epochs=epochs, calls=calls, record=record)


def _calls(*names: str) -> str:
    spelled = {"zero": "optimizer.zero_grad()", "backward": "l.backward()", "step": "optimizer.step()",
               "backward/n": "(l / len(y)).backward()", "backward*n": "(l * len(y)).backward()"}
    return "\n            ".join(spelled[n] for n in names)


WRONG = [
    # Exercise 1: load_array
    WrongAnswer("load_array", "shuffle not passed on (DataLoader's default is False)", '''
def load_array(features, labels, batch_size, *, shuffle=True, generator=None):
    return DataLoader(TensorDataset(features, labels), batch_size, generator=generator)
''', "shuffle=shuffle"),
    WrongAnswer("load_array", "generator not passed on", '''
def load_array(features, labels, batch_size, *, shuffle=True, generator=None):
    return DataLoader(TensorDataset(features, labels), batch_size, shuffle=shuffle)
''', "generator=generator"),
    WrongAnswer("load_array", "last batch dropped", '''
def load_array(features, labels, batch_size, *, shuffle=True, generator=None):
    return DataLoader(TensorDataset(features, labels), batch_size, shuffle=shuffle,
                      generator=generator, drop_last=True)
''', "drop_last=False"),
    WrongAnswer("load_array", "the tensors given to DataLoader without a TensorDataset", '''
def load_array(features, labels, batch_size, *, shuffle=True, generator=None):
    return DataLoader((features, labels), batch_size, shuffle=shuffle, generator=generator)
''', "TensorDataset(features, labels)"),
    WrongAnswer("load_array", "only the features in the data set", '''
def load_array(features, labels, batch_size, *, shuffle=True, generator=None):
    return DataLoader(TensorDataset(features), batch_size, shuffle=shuffle, generator=generator)
''', "TensorDataset(features, labels)"),
    WrongAnswer("load_array", "a generator function instead of a DataLoader", '''
def load_array(features, labels, batch_size, *, shuffle=True, generator=None):
    yield from DataLoader(TensorDataset(features, labels), batch_size, shuffle=shuffle, generator=generator)
''', "return DataLoader"),
    # Exercise 2: LinearNet
    WrongAnswer("LinearNet", "super().__init__() forgotten",
                _linear_net(init=_INIT.replace("super().__init__()\n        ", "")), "super().__init__()"),
    WrongAnswer("LinearNet", "no initialisation (nn.Linear's own start)",
                _linear_net(init=_INIT.split("\n        nn.init")[0]), "nn.init.normal_"),
    WrongAnswer("LinearNet", "the deprecated nn.init.normal, without _",
                _linear_net(init=_INIT.replace("nn.init.normal_(", "nn.init.normal(")), "nn.init.normal_"),
    WrongAnswer("LinearNet", "the variance 0.01**2 as std",
                _linear_net(init=_INIT.replace("std=0.01", "std=0.01 ** 2")), "not the variance"),
    WrongAnswer("LinearNet", "inputs and outputs swapped in nn.Linear",
                _linear_net(init=_INIT.replace("nn.Linear(num_inputs, 1)", "nn.Linear(1, num_inputs)")),
                "inputs first"),
    WrongAnswer("LinearNet", "weights kept in plain tensors, not registered",
                _linear_net(init='''super().__init__()
        self.w = torch.normal(0.0, 0.01, size=(num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)''',
                            forward="return X @ self.w + self.b"), "not registered"),
    WrongAnswer("LinearNet", "output flattened", _linear_net(forward="return self.linear(X).reshape(-1)"),
                "no reshape"),
    WrongAnswer("LinearNet", "initialised in forward", _linear_net(
        init="super().__init__()\n        self.linear = nn.Linear(num_inputs, 1)",
        forward="nn.init.normal_(self.linear.weight, std=0.01)\n        nn.init.zeros_(self.linear.bias)\n"
                "        return self.linear(X)"), "in __init__, after creating the layer"),
    # Exercise 3: linear_sequential
    WrongAnswer("linear_sequential", "no initialisation", _sequential(init="pass"), "nn.init.normal_"),
    WrongAnswer("linear_sequential", "initialised through the container (net.weight)",
                _sequential(init="nn.init.normal_(net.weight, std=0.01)\n    nn.init.zeros_(net.bias)"),
                "net[0]"),
    WrongAnswer("linear_sequential", "the layer returned instead of the Sequential",
                _sequential(result="net[0]"), "not the layer alone"),
    WrongAnswer("linear_sequential", "nn.init.normal and nn.init.constant, without _", _sequential(
        init="nn.init.normal(net[0].weight, std=0.01)\n    nn.init.constant(net[0].bias, 0.0)"),
                "nn.init.normal_"),
    WrongAnswer("linear_sequential", "bias drawn like the weight", _sequential(
        init="nn.init.normal_(net[0].weight, std=0.01)\n    nn.init.normal_(net[0].bias, std=0.01)"),
                "zeros_"),
    # Exercise 4: sgd_step
    WrongAnswer("sgd_step", "divided again by the batch size (double scaling)",
                _sgd_step(update="param -= lr * param.grad / len(y)"), "already averages"),
    WrongAnswer("sgd_step", "notebook 01's loss with the 1/2",
                _sgd_step(loss="((net(X) - y) ** 2 / 2).mean()"), "without the 1/2"),
    WrongAnswer("sgd_step", "summed loss", _sgd_step(loss="((net(X) - y) ** 2).sum()"), "reduction='mean'"),
    WrongAnswer("sgd_step", "leftover gradients not cleared", _sgd_step(zero="pass"), "net.zero_grad()"),
    WrongAnswer("sgd_step", "update outside no_grad", _sgd_step(context="if True:"), "torch.no_grad()"),
    WrongAnswer("sgd_step", "parameter rebound instead of updated in place",
                _sgd_step(update="param = param - lr * param.grad"), "in place"),
    WrongAnswer("sgd_step", "the loss tensor returned", _sgd_step(result="l"), "l.item()"),
    WrongAnswer("sgd_step", "gradient ascent", _sgd_step(update="param += lr * param.grad"),
                "p -= lr * p.grad"),
    # Exercise 5: train_nn
    WrongAnswer("train_nn", "zero_grad never called", _train_nn(calls=_calls("backward", "step")),
                "piled up"),
    WrongAnswer("train_nn", "zero_grad between backward and step",
                _train_nn(calls=_calls("backward", "zero", "step")), "did not change"),
    WrongAnswer("train_nn", "step before backward", _train_nn(calls=_calls("step", "zero", "backward")),
                "previous minibatch"),
    WrongAnswer("train_nn", "mean loss divided again by the batch size (double scaling)",
                _train_nn(calls=_calls("zero", "backward/n", "step")), "already averages"),
    WrongAnswer("train_nn", "summed loss", _train_nn(loss='nn.MSELoss(reduction="sum")'), "reduction='mean'"),
    WrongAnswer("train_nn", "learning rate hard-coded", _train_nn(lr="lr=0.03"), "own `lr`"),
    WrongAnswer("train_nn", "learning rate not passed (SGD's default 0.001)", _train_nn(lr=""), "own `lr`"),
    WrongAnswer("train_nn", "one epoch only", _train_nn(epochs="1"), "once per epoch"),
    WrongAnswer("train_nn", "losses kept as tensors", _train_nn(record="l"), "l.item()"),
    WrongAnswer("train_nn", "a new model trained instead of the one given", '''
def train_nn(net, data_iter, *, lr, num_epochs):
    net = linear_sequential(2)
    loss = nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for epoch in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            losses.append(l.item())
    return losses
''', "the model you were given"),
    # Exercise 6: learned_params
    WrongAnswer("learned_params", "the parameters themselves", '''
def learned_params(layer):
    return layer.weight.reshape(-1), layer.bias.item()
''', ".detach()"),
    WrongAnswer("learned_params", "detached but not cloned (shares memory)", '''
def learned_params(layer):
    return layer.weight.detach().reshape(-1), layer.bias.item()
''', ".clone()"),
    WrongAnswer("learned_params", "through .data (shares memory)", '''
def learned_params(layer):
    return layer.weight.data.reshape(-1), layer.bias.data.item()
''', ".clone()"),
    WrongAnswer("learned_params", "cloned but still in the graph", '''
def learned_params(layer):
    return layer.weight.clone().reshape(-1), layer.bias.item()
''', ".detach()"),
    WrongAnswer("learned_params", "not flattened", '''
def learned_params(layer):
    return layer.weight.detach().clone(), layer.bias.item()
''', ".reshape(-1)"),
    WrongAnswer("learned_params", "bias returned as a tensor", '''
def learned_params(layer):
    return layer.weight.detach().reshape(-1).clone(), layer.bias.detach().clone()
''', ".item()"),
    WrongAnswer("learned_params", "the layer itself detached in place", '''
def learned_params(layer):
    layer.weight.requires_grad_(False)
    return layer.weight.reshape(-1).clone(), layer.bias.item()
''', "do not change the layer"),
    WrongAnswer("learned_params", "a NumPy array", '''
def learned_params(layer):
    return layer.weight.detach().reshape(-1).numpy().copy(), layer.bias.item()
''', "detach()"),
]

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING = [
    Tampering("train_nn", "the references patched",
              PATCH + "import helpers.reference as _r\n"
                      "for _n in ('SGDReplay', 'RecordedMinibatches', 'linear_sequential', 'load_array'):\n"
                      "    try:\n        setattr(_r, _n, stub)\n    except AttributeError:\n        pass\n"
                      "def train_nn(net, data_iter, *, lr, num_epochs):\n    return [0.0]\n"),
    Tampering("sgd_step", "checks rebound in the notebook",
              "assert_close = assert_float = check = lambda *a, **k: None\n"
              "def sgd_step(net, X, y, lr):\n    return 0.0\n"),
    Tampering("learned_params", "an object that equals everything",
              "class Anything(float):\n    def __eq__(self, other):\n        return True\n"
              "def learned_params(layer):\n    return Anything(0.0), Anything(0.0)\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("load_array", "keyword arguments and an explicit drop_last=False", '''
from torch.utils import data
def load_array(features, labels, batch_size, *, shuffle=True, generator=None):
    return data.DataLoader(dataset=data.TensorDataset(features, labels), batch_size=batch_size,
                           shuffle=shuffle, drop_last=False, generator=generator)
''', ""),
    WrongAnswer("LinearNet", "the notes' super(LinearNet, self) and a layer named fc", '''
class LinearNet(nn.Module):
    def __init__(self, num_inputs):
        super(LinearNet, self).__init__()
        self.fc = nn.Linear(num_inputs, 1)
        with torch.no_grad():
            self.fc.weight.normal_(0.0, 0.01)
            self.fc.bias.zero_()

    def forward(self, X):
        return self.fc(X)
''', ""),
    WrongAnswer("linear_sequential", "nn.init.constant_ and a named layer", '''
from collections import OrderedDict
def linear_sequential(num_inputs):
    net = nn.Sequential(OrderedDict([("linear", nn.Linear(num_inputs, 1))]))
    nn.init.normal_(net.linear.weight, 0.0, 0.01)
    nn.init.constant_(net.linear.bias, 0.0)
    return net
''', ""),
    WrongAnswer("sgd_step", "F.mse_loss, sub_ and grads set to None", '''
import torch.nn.functional as F
def sgd_step(net, X, y, lr):
    for p in net.parameters():
        p.grad = None
    loss = F.mse_loss(net(X), y)
    loss.backward()
    with torch.no_grad():
        for p in net.parameters():
            p.sub_(lr * p.grad)
    return float(loss)
''', ""),
    WrongAnswer("sgd_step", "optim.SGD itself", '''
def sgd_step(net, X, y, lr):
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    optimizer.zero_grad()
    l = ((net(X) - y) ** 2).mean()
    l.backward()
    optimizer.step()
    return l.item()
''', ""),
    WrongAnswer("train_nn", "zero_grad after step, net.zero_grad, F.mse_loss", '''
import torch.nn.functional as F
from torch import optim
def train_nn(net, data_iter, *, lr, num_epochs):
    trainer = optim.SGD(net.parameters(), lr)
    net.zero_grad()
    history = []
    for _ in range(num_epochs):
        for features, target in data_iter:
            loss = F.mse_loss(net(features), target)
            loss.backward()
            trainer.step()
            net.zero_grad()
            history.append(float(loss))
    return history
''', ""),
    WrongAnswer("learned_params", "clone then detach, float()", '''
def learned_params(layer):
    return layer.weight.clone().detach().flatten(), float(layer.bias)
''', ""),
]
