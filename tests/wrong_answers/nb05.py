"""Typical wrong, hostile and right answers to notebook 05 (multilayer perceptron by hand)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_INIT = '''
def init_params(num_hidden, num_inputs=784, num_outputs=10, generator=None):
    W1 = {W1}
    b1 = {b1}
    W2 = {W2}
    b2 = torch.zeros(num_outputs, requires_grad=True)
    return [W1, b1, W2, b2]
'''


def _init(W1="torch.normal(0.0, 0.01, size=(num_inputs, num_hidden), generator=generator, "
             "requires_grad=True)",
          b1="torch.zeros(num_hidden, requires_grad=True)",
          W2="torch.normal(0.0, 0.01, size=(num_hidden, num_outputs), generator=generator, "
             "requires_grad=True)") -> str:
    return _INIT.format(W1=W1, b1=b1, W2=W2)


_MLP = '''
def mlp(X, params):
    W1, b1, W2, b2 = params
    H = {hidden}
    return {out}
'''


def _mlp(hidden="relu(X.reshape(-1, W1.shape[0]) @ W1 + b1)", out="H @ W2 + b2") -> str:
    return _MLP.format(hidden=hidden, out=out)


_TRAIN = '''
def train_mlp(train_iter, test_iter, *, num_hidden, lr, num_epochs, generator=None):
    params = {init}
    net = lambda X: mlp(X, params)
    loss = {loss}
    history = helpers.train(net, train_iter, test_iter, loss, {epochs}, updater={updater})
    return {result}
'''


def _train(init="init_params(num_hidden, generator=generator)", loss='nn.CrossEntropyLoss(reduction="none")',
           epochs="num_epochs", updater="lambda n: sgd(params, lr, n)", result="params, history") -> str:
    return _TRAIN.format(init=init, loss=loss, epochs=epochs, updater=updater, result=result)


WRONG = [
    # Exercise 1: relu
    WrongAnswer("relu", "the notes' torch.max with a 0-d tensor", '''
def relu(X):
    return torch.max(input=X, other=torch.tensor(0.0))
''', "the notes' relu"),
    WrongAnswer("relu", "torch.maximum with zeros", '''
def relu(X):
    return torch.maximum(X, torch.zeros_like(X))
''', "split"),
    WrongAnswer("relu", "(x + |x|) / 2", '''
def relu(X):
    return (X + X.abs()) / 2
''', "(x + x.abs()) / 2"),
    WrongAnswer("relu", "where with >=", '''
def relu(X):
    return torch.where(X >= 0, X, 0.0)
''', "compare with X > 0"),
    WrongAnswer("relu", "negative entries set to 0 in place", '''
def relu(X):
    X[X < 0] = 0
    return X
''', "changed its input `X` in place"),
    WrongAnswer("relu", "clamp_ in place", '''
def relu(X):
    return X.clamp_(min=0)
''', "X.clamp_(min=0) change"),
    WrongAnswer("relu", "through NumPy", '''
def relu(X):
    import numpy as np
    return torch.tensor(np.maximum(X.detach().numpy(), 0))
''', "not connected to x through autograd"),
    # Exercise 2: sigmoid_grad
    WrongAnswer("sigmoid_grad", "exp(-x) / (1 + exp(-x))**2", '''
def sigmoid_grad(x):
    return torch.exp(-x) / (1 + torch.exp(-x)) ** 2
''', "exp(-x) overflows"),
    WrongAnswer("sigmoid_grad", "sigmoid itself", '''
def sigmoid_grad(x):
    return torch.sigmoid(x)
''', "that is sigmoid itself"),
    WrongAnswer("sigmoid_grad", "tanh's derivative", '''
def sigmoid_grad(x):
    return 1 - torch.tanh(x) ** 2
''', "tanh's derivative"),
    WrongAnswer("sigmoid_grad", "s * (1 + s)", '''
def sigmoid_grad(x):
    s = torch.sigmoid(x)
    return s * (1 + s)
''', "s * (1 - s)"),
    WrongAnswer("sigmoid_grad", "sigmoid_ in place", '''
def sigmoid_grad(x):
    s = x.sigmoid_()
    return s * (1 - s)
''', "x.sigmoid_() overwrites x"),
    # Exercise 3: init_params
    WrongAnswer("init_params", "W1 transposed", _init(
        W1="torch.normal(0.0, 0.01, size=(num_hidden, num_inputs), generator=generator, requires_grad=True)"),
        "inputs first"),
    WrongAnswer("init_params", "torch.randn: standard deviation 1", _init(
        W1="torch.randn(num_inputs, num_hidden, generator=generator, requires_grad=True)"),
        "torch.randn draws with standard deviation 1"),
    WrongAnswer("init_params", "0.01 read as the variance", _init(
        W1="torch.normal(0.0, 0.1, size=(num_inputs, num_hidden), generator=generator, requires_grad=True)"),
        "not the variance"),
    WrongAnswer("init_params", "weights all zero",
                _init(W1="torch.zeros(num_inputs, num_hidden, requires_grad=True)"), "symmetry"),
    WrongAnswer("init_params", "uniform weights", _init(
        W1="(torch.rand(num_inputs, num_hidden, generator=generator) * 0.01).requires_grad_()"),
        "not torch.rand"),
    WrongAnswer("init_params", "scaled after requires_grad: not a leaf", _init(
        W1="torch.randn(num_inputs, num_hidden, generator=generator, requires_grad=True) * 0.01"),
        "not a leaf"),
    WrongAnswer("init_params", "requires_grad forgotten on b1", _init(b1="torch.zeros(num_hidden)"),
                "requires_grad=True"),
    WrongAnswer("init_params", "generator not passed", _init(
        W1="torch.normal(0.0, 0.01, size=(num_inputs, num_hidden), requires_grad=True)"),
        "generator=generator"),
    WrongAnswer("init_params", "784 and 10 written out", _init(
        W1="torch.normal(0.0, 0.01, size=(784, num_hidden), generator=generator, requires_grad=True)"),
        "num_inputs and num_outputs"),
    # Exercise 4: mlp
    WrongAnswer("mlp", "softmax at the end (the notes' net)", _mlp(out="torch.softmax(H @ W2 + b2, dim=1)"),
                "without softmax"),
    WrongAnswer("mlp", "relu on the output too", _mlp(out="relu(H @ W2 + b2)"), "no ReLU on the output"),
    WrongAnswer("mlp", "no activation", _mlp(hidden="X.reshape(-1, W1.shape[0]) @ W1 + b1"),
                "apply relu to the hidden layer"),
    WrongAnswer("mlp", "b1 added after the relu", _mlp(hidden="relu(X.reshape(-1, W1.shape[0]) @ W1) + b1"),
                "add the bias b1 before the relu"),
    WrongAnswer("mlp", "not flattened", _mlp(hidden="relu(X @ W1 + b1)"), "X.reshape(-1, num_inputs)"),
    WrongAnswer("mlp", "the notes' later view(1, -1)", _mlp(hidden="relu(X.view(1, -1) @ W1 + b1)"),
                "X.reshape(-1, num_inputs)"),
    WrongAnswer("mlp", "output bias forgotten", _mlp(out="H @ W2"), "add the output bias b2"),
    # Exercise 5: train_mlp
    WrongAnswer("train_mlp", "the default mean loss", _train(loss="nn.CrossEntropyLoss()"),
                'reduction="none"'),
    WrongAnswer("train_mlp", "the loss divided by the batch size (double scaling)", _train(
        loss='lambda O, y: nn.CrossEntropyLoss(reduction="none")(O, y) / len(y)'), "sgd already divides"),
    WrongAnswer("train_mlp", "nominal batch size", _train(updater="lambda n: sgd(params, lr, 256)"),
                "the wrong number of examples"),
    WrongAnswer("train_mlp", "a learning rate of its own", _train(updater="lambda n: sgd(params, 0.1, n)"),
                "own `lr`"),
    WrongAnswer("train_mlp", "sgd passed as the updater", _train(updater="sgd"),
                "updater=lambda n: sgd(params, lr, n)"),
    WrongAnswer("train_mlp", "generator not passed to init_params", _train(init="init_params(num_hidden)"),
                "init_params(num_hidden, generator=generator)"),
    WrongAnswer("train_mlp", "5 epochs written out", _train(epochs="5"), "pass num_epochs on"),
    WrongAnswer("train_mlp", "history and params swapped", _train(result="history, params"), "in this order"),
]

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING = [
    Tampering("relu", "checks rebound in the notebook",
              "assert_close = assert_shape = assert_dtype = check = lambda *a, **k: None\n"
              "def relu(X):\n    return X\n"),
    Tampering("relu", "a tensor subclass whose comparisons always agree", '''
class Agreeable(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True

def relu(X):
    return X.as_subclass(Agreeable)
'''),
    Tampering("train_mlp", "the references and helpers.train patched",
              PATCH + "import helpers.reference as _r\n"
                      "for _n in ('quiet_helpers', 'init_mlp_params', 'mlp_forward', 'SGDSpy'):\n"
                      "    try:\n        setattr(_r, _n, lambda *a, **k: None)\n"
                      "    except AttributeError:\n        pass\n"
                      "def train_mlp(train_iter, test_iter, *, num_hidden, lr, num_epochs, generator=None):\n"
                      "    return [], None\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("relu", "a mask", '''
def relu(X):
    return X * (X > 0)
''', ""),
    WrongAnswer("relu", "clamp", '''
def relu(X):
    return X.clamp(min=0)
''', ""),
    WrongAnswer("sigmoid_grad", "by autograd", '''
def sigmoid_grad(x):
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        torch.sigmoid(x).sum().backward()
    return x.grad
''', ""),
    WrongAnswer("init_params", "randn scaled, then requires_grad_", '''
def init_params(num_hidden, num_inputs=784, num_outputs=10, generator=None):
    shapes = [(num_inputs, num_hidden), (num_hidden, num_outputs)]
    W1, W2 = [(torch.randn(*s, generator=generator) * 0.01).requires_grad_() for s in shapes]
    b1, b2 = torch.zeros(num_hidden), torch.zeros(num_outputs)
    return [W1, b1.requires_grad_(), W2, b2.requires_grad_()]
''', ""),
    WrongAnswer("mlp", "flatten and F.relu", '''
def mlp(X, params):
    W1, b1, W2, b2 = params
    return F.relu(X.flatten(start_dim=1) @ W1 + b1) @ W2 + b2
''', ""),
    WrongAnswer("train_mlp", "F.cross_entropy and a named updater", '''
def train_mlp(train_iter, test_iter, *, num_hidden, lr, num_epochs, generator=None):
    W1, b1, W2, b2 = params = init_params(num_hidden, generator=generator)

    def updater(batch_size):
        sgd([W1, b1, W2, b2], lr, batch_size)

    history = helpers.train(lambda X: mlp(X, params), train_iter, test_iter,
                            lambda O, y: F.cross_entropy(O, y, reduction="none"), num_epochs, updater)
    return params, history
''', ""),
]
