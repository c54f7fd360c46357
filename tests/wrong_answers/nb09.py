"""Typical wrong, hostile and right answers to notebook 09 (dropout and numerical stability)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_DROPOUT = '''
def dropout(X, p):
    if p == 1:
        return {zeros}
    mask = {mask}
    return {result}
'''


def _dropout(zeros="torch.zeros_like(X)", mask="(torch.rand(X.shape) > p).float()",
             result="mask * X / (1 - p)") -> str:
    return _DROPOUT.format(zeros=zeros, mask=mask, result=result)


_MLP = '''
class DropoutMLP(nn.Module):
    def __init__(self, p1=0.2, p2=0.5, num_hiddens1=256, num_hiddens2=256):
        {init}
        self.p1, self.p2 = p1, p2
        self.lin1 = nn.Linear(784, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, 10)

    def forward(self, X{extra}):
        H1 = torch.relu(self.lin1(X.reshape(-1, 784)))
        if {cond}:
            H1 = dropout(H1, self.{first})
        H2 = {act2}(self.lin2(H1))
        if {cond}:
            H2 = {second}
        return self.lin3(H2)
'''


def _mlp(init="super().__init__()", extra="", cond="self.training", first="p1",
         act2="torch.relu", second="dropout(H2, self.p2)") -> str:
    return _MLP.format(init=init, extra=extra, cond=cond, first=first, act2=act2, second=second)


_EVALUATE = '''
def evaluate(net, data_iter, loss):
    was_training = net.training
    {switch}
    total_loss, correct, count = 0.0, 0, 0
    {context}
        for X, y in data_iter:
            y_hat = net(X)
            total_loss += {loss_term}
            correct += (y_hat.argmax(dim=1) == y).sum().item()
            count += len(y)
    {restore}
    return {result}
'''


def _evaluate(switch="net.eval()", context="with torch.no_grad():",
              loss_term="loss(y_hat, y).item() * len(y)", restore="net.train(was_training)",
              result="total_loss / count, correct / count") -> str:
    # Without try/finally: the mode comes back only when the loop ends normally.
    return _EVALUATE.format(switch=switch, context=context, loss_term=loss_term,
                            restore=restore, result=result)


_EVALUATE_SAFE = '''
def evaluate(net, data_iter, loss):
    was_training = net.training
    {switch}
    total_loss, correct, count = 0.0, 0, 0
    try:
        with torch.no_grad():
            for X, y in data_iter:
                y_hat = net(X)
                total_loss += {loss_term}
                correct += (y_hat.argmax(dim=1) == y).sum().item()
                count += len(y)
    finally:
        {restore}
    return {result}
'''


def _evaluate_safe(switch="net.eval()", loss_term="loss(y_hat, y).item() * len(y)",
                   restore="net.train(was_training)",
                   result="total_loss / count, correct / count") -> str:
    return _EVALUATE_SAFE.format(switch=switch, loss_term=loss_term, restore=restore,
                                 result=result)


_XAVIER = '''
def xavier_uniform(fan_in, fan_out, *, gain=1.0, generator=None):
    a = {bound}
    return {draw}
'''


def _xavier(bound="gain * math.sqrt(6.0 / (fan_in + fan_out))",
            draw="(2 * torch.rand(fan_out, fan_in, generator=generator) - 1) * a") -> str:
    return _XAVIER.format(bound=bound, draw=draw)


WRONG = [
    # Exercise 1: dropout
    WrongAnswer("dropout", "the notes' randn mask", _dropout(mask="(torch.randn(X.shape) < 1 - p).float()"),
                "torch.randn draws from a normal distribution"),
    WrongAnswer("dropout", "keeps with probability p", _dropout(mask="(torch.rand(X.shape) < p).float()"),
                "p is the probability to *drop*"),
    WrongAnswer("dropout", "kept elements not scaled", _dropout(result="mask * X"),
                "divide by the keep probability 1 - p"),
    WrongAnswer("dropout", "divided by p", _dropout(result="mask * X / p"), "not by p"),
    WrongAnswer("dropout", "multiplied by the keep probability", _dropout(result="mask * X * (1 - p)"),
                "divide by the keep probability"),
    WrongAnswer("dropout", "p = 1 not handled", '''
def dropout(X, p):
    mask = (torch.rand(X.shape) > p).float()
    return mask * X / (1 - p)
''', "0 / 0 is nan"),
    WrongAnswer("dropout", "the notes' torch.zeros(X.shape)", _dropout(zeros="torch.zeros(X.shape)"),
                "return torch.zeros_like(X) (torch.zeros(X.shape) is float32)"),
    WrongAnswer("dropout", "the notes' X.float()", '''
def dropout(X, p):
    X = X.float()
    if p == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > p).float()
    return mask * X / (1 - p)
''', "X.float()"),
    WrongAnswer("dropout", "input changed in place", '''
def dropout(X, p):
    if p == 1:
        return torch.zeros_like(X)
    X *= (torch.rand(X.shape) > p).float()
    X /= 1 - p
    return X
''', "in place"),
    WrongAnswer("dropout", "one random number for the whole tensor", '''
def dropout(X, p):
    if torch.rand(1).item() < p:
        return torch.zeros_like(X)
    return X / (1 - p)
''', "one random number per element"),
    # Exercise 2: DropoutMLP
    WrongAnswer("DropoutMLP", "dropout also in eval mode", _mlp(cond="True"), "self.training"),
    WrongAnswer("DropoutMLP", "the notes' is_training argument",
                _mlp(extra=", is_training=True", cond="is_training"), "is_training=True is never changed"),
    WrongAnswer("DropoutMLP", "self.train instead of self.training", _mlp(cond="self.train"),
                "self.train is a method"),
    WrongAnswer("DropoutMLP", "the mode test inverted", _mlp(cond="not self.training"),
                "dropout is still on in eval mode"),
    WrongAnswer("DropoutMLP", "p1 and p2 swapped",
                _mlp(first="p2", second="dropout(H2, self.p1)"), "p1 belongs after the first hidden layer"),
    WrongAnswer("DropoutMLP", "no dropout after the second layer", _mlp(second="H2"),
                "nothing was dropped after the second hidden layer"),
    WrongAnswer("DropoutMLP", "no ReLU after the second layer", _mlp(act2=""),
                "a ReLU after each hidden layer"),
    WrongAnswer("DropoutMLP", "super().__init__() forgotten", _mlp(init="pass"), "super().__init__()"),
    # Exercise 3: evaluate
    WrongAnswer("evaluate", "the notes' way: no eval()", _evaluate_safe(switch="pass"),
                "call net.eval() before the loop"),
    WrongAnswer("evaluate", "mode not restored", _evaluate_safe(restore="pass"),
                "remember was_training = net.training"),
    WrongAnswer("evaluate", "always back to train()", _evaluate_safe(restore="net.train()"),
                "not always net.train()"),
    WrongAnswer("evaluate", "no try/finally", _evaluate(), "which runs even when the loop raises"),
    WrongAnswer("evaluate", "errors swallowed by except", '''
def evaluate(net, data_iter, loss):
    was_training = net.training
    net.eval()
    total_loss, correct, count = 0.0, 0, 0
    try:
        with torch.no_grad():
            for X, y in data_iter:
                y_hat = net(X)
                total_loss += loss(y_hat, y).item() * len(y)
                correct += (y_hat.argmax(dim=1) == y).sum().item()
                count += len(y)
    except Exception:
        pass
    net.train(was_training)
    return total_loss / max(count, 1), correct / max(count, 1)
''', "the error must still reach the caller"),
    WrongAnswer("evaluate", "gradients on", _evaluate(context="if True:"), "torch.no_grad()"),
    WrongAnswer("evaluate", "mean of the batch means", '''
def evaluate(net, data_iter, loss):
    was_training = net.training
    net.eval()
    losses, correct, count = [], 0, 0
    try:
        with torch.no_grad():
            for X, y in data_iter:
                y_hat = net(X)
                losses.append(loss(y_hat, y).item())
                correct += (y_hat.argmax(dim=1) == y).sum().item()
                count += len(y)
    finally:
        net.train(was_training)
    return sum(losses) / len(losses), correct / count
''', "over-weights"),
    WrongAnswer("evaluate", "accuracy as a count",
                _evaluate_safe(result="total_loss / count, float(correct)"),
                "divide once by the number of examples"),
    # Exercise 4: xavier_uniform
    WrongAnswer("xavier_uniform", "shape (fan_in, fan_out)",
                _xavier(draw="(2 * torch.rand(fan_in, fan_out, generator=generator) - 1) * a"),
                "return shape (fan_out, fan_in)"),
    WrongAnswer("xavier_uniform", "the variance as the bound",
                _xavier(bound="gain * math.sqrt(2.0 / (fan_in + fan_out))"),
                "not sqrt(2 / (fan_in + fan_out))"),
    WrongAnswer("xavier_uniform", "a normal with Xavier's variance",
                _xavier(bound="gain * math.sqrt(2.0 / (fan_in + fan_out))",
                        draw="torch.randn(fan_out, fan_in, generator=generator) * a"),
                "torch.randn draws from a normal distribution"),
    WrongAnswer("xavier_uniform", "not centred: rand * a",
                _xavier(draw="torch.rand(fan_out, fan_in, generator=generator) * a"), "u * a stays positive"),
    WrongAnswer("xavier_uniform", "fan_in alone", _xavier(bound="gain * math.sqrt(6.0 / fan_in)"),
                "use both fans"),
    WrongAnswer("xavier_uniform", "gain ignored", _xavier(bound="math.sqrt(6.0 / (fan_in + fan_out))"),
                "multiply the bound by gain"),
    WrongAnswer("xavier_uniform", "gain inside the square root",
                _xavier(bound="math.sqrt(gain * 6.0 / (fan_in + fan_out))"), "multiply the bound by gain"),
    WrongAnswer("xavier_uniform", "generator ignored",
                _xavier(draw="(2 * torch.rand(fan_out, fan_in) - 1) * a"),
                "draw with the generator you are given"),
]

# One-line tricks against the checks: each exercise's test must still fail.
TAMPERING = [
    Tampering("dropout", "checks rebound in the notebook",
              "assert_close = assert_shape = assert_dtype = check = lambda *a, **k: None\n"
              "def dropout(X, p):\n    return X\n"),
    Tampering("DropoutMLP", "the references patched",
              PATCH + "import helpers.reference as _r\n"
                      "for _n in ('dropout', 'build_model'):\n"
                      "    try:\n        setattr(_r, _n, stub)\n    except AttributeError:\n        pass\n"
                      "class DropoutMLP(nn.Module):\n    def __init__(self, *a, **k):\n"
                      "        super().__init__()\n"
                      "    def forward(self, X):\n        return X\n"),
    Tampering("evaluate", "an object that equals everything",
              "class Anything(float):\n    def __eq__(self, other):\n        return True\n"
              "def evaluate(net, data_iter, loss):\n    return Anything(0.0), Anything(0.0)\n"),
    Tampering("xavier_uniform", "a tensor subclass that claims to be close to everything",
              "class Fake(torch.Tensor):\n    def __eq__(self, other):\n        return True\n"
              "def xavier_uniform(fan_in, fan_out, *, gain=1.0, generator=None):\n"
              "    return torch.zeros(fan_out, fan_in).as_subclass(Fake)\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("dropout", "torch.bernoulli for the mask", '''
def dropout(X, p):
    assert 0 <= p <= 1
    if p == 1:
        return torch.zeros_like(X)
    keep = torch.bernoulli(torch.full_like(X, 1 - p))
    return keep * X / (1 - p)
''', ""),
    WrongAnswer("dropout", "torch.where with rand_like", '''
def dropout(X, p):
    keep_prob = 1.0 - p
    if keep_prob == 0:
        return X * 0
    return torch.where(torch.rand_like(X) < keep_prob, X / keep_prob, torch.zeros_like(X))
''', ""),
    WrongAnswer("DropoutMLP", "nn.Sequential with nn.Dropout layers", '''
class DropoutMLP(nn.Module):
    def __init__(self, p1=0.2, p2=0.5, num_hiddens1=256, num_hiddens2=256):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, num_hiddens1), nn.ReLU(), nn.Dropout(p1),
                                 nn.Linear(num_hiddens1, num_hiddens2), nn.ReLU(), nn.Dropout(p2),
                                 nn.Linear(num_hiddens2, 10))

    def forward(self, X):
        return self.net(X)
''', ""),
    WrongAnswer("DropoutMLP", "super(DropoutMLP, self), F.relu and one dropout helper", '''
class DropoutMLP(nn.Module):
    def __init__(self, p1=0.2, p2=0.5, num_hiddens1=256, num_hiddens2=256):
        super(DropoutMLP, self).__init__()
        self.hidden1 = nn.Linear(784, num_hiddens1)
        self.hidden2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.out = nn.Linear(num_hiddens2, 10)
        self.drop_probs = (p1, p2)

    def forward(self, X):
        H = X.reshape(len(X), -1)
        for layer, p in zip((self.hidden1, self.hidden2), self.drop_probs):
            H = F.relu(layer(H))
            H = dropout(H, p) if self.training else H
        return self.out(H)
''', ""),
    WrongAnswer("evaluate", "a no_grad decorator and return inside try", '''
@torch.no_grad()
def evaluate(net, data_iter, loss):
    mode = net.training
    net.eval()
    try:
        sums = [0.0, 0, 0]
        for X, y in data_iter:
            y_hat = net(X)
            sums[0] += float(loss(y_hat, y)) * y.numel()
            sums[1] += int((y_hat.argmax(1) == y).sum())
            sums[2] += y.numel()
        return sums[0] / sums[2], sums[1] / sums[2]
    finally:
        net.train(mode)
''', ""),
    WrongAnswer("xavier_uniform", "Tensor.uniform_ with a generator", '''
def xavier_uniform(fan_in, fan_out, *, gain=1.0, generator=None):
    bound = gain * (6 / (fan_in + fan_out)) ** 0.5
    return torch.empty(fan_out, fan_in).uniform_(-bound, bound, generator=generator)
''', ""),
    WrongAnswer("xavier_uniform", "variance first, then the bound", '''
def xavier_uniform(fan_in, fan_out, *, gain=1.0, generator=None):
    variance = 2 / (fan_in + fan_out)
    a = gain * math.sqrt(3 * variance)
    return a * (1 - 2 * torch.rand((fan_out, fan_in), generator=generator))
''', ""),
]
