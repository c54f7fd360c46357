"""Typical wrong, hostile and right answers to notebook 12 (convolutions and LeNet)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_CORR2D = '''
def corr2d(X, K):
    kh, kw = K.shape
    Y = {zeros}
    for i in range({rows}):
        for j in range({cols}):
            Y[i, j] = {value}
    return Y
'''


def _corr2d(zeros="torch.zeros(X.shape[0] - kh + 1, X.shape[1] - kw + 1)", rows="Y.shape[0]",
            cols="Y.shape[1]", value="(X[i:i + kh, j:j + kw] * K).sum()") -> str:
    return _CORR2D.format(zeros=zeros, rows=rows, cols=cols, value=value)


_SHAPE = '''
def conv_output_shape(n, k, p=0, s=1):
    return {expr}
'''


def _shape(expr: str) -> str:
    return _SHAPE.format(expr=expr)


_MULTI = '''
def corr2d_multi_in_out(X, K):
    {body}
'''


def _multi(body: str) -> str:
    return _MULTI.format(body=body)


_POOL = '''
def pool2d(X, pool_size, stride=None, mode="max"):
    k = pool_size
    s = {stride}
    rows, cols = {rows}, {cols}
    Y = {zeros}
    for i in range(rows):
        for j in range(cols):
            window = X[:, i * s:i * s + k, j * s:j * s + k]
            Y[:, i, j] = {reduce}
    return Y
'''


def _pool(stride="k if stride is None else stride", rows="(X.shape[1] - k) // s + 1",
          cols="(X.shape[2] - k) // s + 1", zeros="torch.zeros(X.shape[0], rows, cols, dtype=X.dtype)",
          reduce='window.amax(dim=(1, 2)) if mode == "max" else window.mean(dim=(1, 2))') -> str:
    return _POOL.format(stride=stride, rows=rows, cols=cols, zeros=zeros, reduce=reduce)


_LENET = '''
def lenet(activation=nn.ReLU, pooling=nn.MaxPool2d):
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5{pad}), {act}, {pool1},
        nn.Conv2d(6, 16, kernel_size=5), {act}, {pool2},
        nn.Flatten(),
        nn.Linear({flat}, 120), {fc_act}
        nn.Linear(120, 84), {fc_act}
        nn.Linear(84, 10){out})
'''


def _lenet(pad=", padding=2", act="activation()", pool1="pooling(kernel_size=2, stride=2)",
           pool2="pooling(kernel_size=2, stride=2)", flat="16 * 5 * 5", fc_act="activation(),",
           out="") -> str:
    return _LENET.format(pad=pad, act=act, pool1=pool1, pool2=pool2, flat=flat, fc_act=fc_act, out=out)


_LENET_CLASS = '''
class LeNet(nn.Module):
    def __init__(self, activation, pooling):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.act = activation()
        self.pool = pooling(2)

    def forward(self, x):
        x = self.pool(self.act(self.conv1(x)))
        x = self.pool(self.act(self.conv2(x)))
        x = {flatten}
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.fc3(x)


def lenet(activation=nn.ReLU, pooling=nn.MaxPool2d):
    return LeNet(activation, pooling)
'''

WRONG = [
    # Exercise 1: corr2d
    WrongAnswer("corr2d", "range(h - kh): the last row and column missing",
                _corr2d(zeros="torch.zeros(X.shape[0] - kh, X.shape[1] - kw)"), "range(h - kh + 1)"),
    WrongAnswer("corr2d", "the matrix product @", _corr2d(value="(X[i:i + kh, j:j + kw] @ K).sum()"),
                "element by element, `*`"),
    WrongAnswer("corr2d", "the kernel flipped (true convolution)",
                _corr2d(value="(X[i:i + kh, j:j + kw] * K.flip(0, 1)).sum()"), "kernel flipped"),
    WrongAnswer("corr2d", "mean instead of sum", _corr2d(value="(X[i:i + kh, j:j + kw] * K).mean()"),
                "not .mean()"),
    WrongAnswer("corr2d", ".item() cuts autograd", _corr2d(value="(X[i:i + kh, j:j + kw] * K).sum().item()"),
                "without .item()"),
    WrongAnswer("corr2d", "Y as large as X", _corr2d(zeros="torch.zeros_like(X)",
                                                     rows="X.shape[0] - kh + 1", cols="X.shape[1] - kw + 1"),
                "Y is as large as X"),
    WrongAnswer("corr2d", "a Python list of lists", '''
def corr2d(X, K):
    kh, kw = K.shape
    return [[float((X[i:i + kh, j:j + kw] * K).sum()) for j in range(X.shape[1] - kw + 1)]
            for i in range(X.shape[0] - kh + 1)]
''', "not a list"),
    # Exercise 2: conv_output_shape
    WrongAnswer("conv_output_shape", "true division /", _shape("(n - k + 2 * p) / s + 1"),
                "use floor division"),
    WrongAnswer("conv_output_shape", "no + 1", _shape("(n - k + 2 * p) // s"), "add 1"),
    WrongAnswer("conv_output_shape", "padding counted once", _shape("(n - k + p) // s + 1"), "both sides"),
    WrongAnswer("conv_output_shape", "rounded up", _shape("math.ceil((n - k + 2 * p) / s) + 1"),
                "round down"),
    WrongAnswer("conv_output_shape", "padding added after the division", _shape("(n - k) // s + 1 + 2 * p"),
                "before dividing by the stride"),
    WrongAnswer("conv_output_shape", "round()", _shape("round((n - k + 2 * p) / s) + 1"), "round down"),
    # Exercise 3: corr2d_multi_in_out
    WrongAnswer("corr2d_multi_in_out", "torch.cat instead of torch.stack",
                _multi("return torch.cat([sum(corr2d(x, k) for x, k in zip(X, K_o)) for K_o in K])"),
                "torch.cat glues"),
    WrongAnswer("corr2d_multi_in_out", "input channels not summed",
                _multi("return torch.stack([torch.stack([corr2d(x, k) for x, k in zip(X, K_o)]) "
                       "for K_o in K])"),
                "add up the input channels' maps"),
    WrongAnswer("corr2d_multi_in_out", "mean over the input channels",
                _multi("return torch.stack([torch.stack([corr2d(x, k) for x, k in zip(X, K_o)]).mean(0) "
                       "for K_o in K])"),
                "do not average them"),
    WrongAnswer("corr2d_multi_in_out", "a list of maps",
                _multi("return [sum(corr2d(x, k) for x, k in zip(X, K_o)) for K_o in K]"),
                "torch.stack(list_of_maps)"),
    WrongAnswer("corr2d_multi_in_out", "K indexed as (c_in, c_out)",
                _multi("return torch.stack([sum(corr2d(X[i], K[i, o]) for i in range(X.shape[0])) "
                       "for o in range(K.shape[0])])"),
                "pair X[i] with K[o, i]"),
    WrongAnswer("corr2d_multi_in_out", "only the first output channel",
                _multi("return sum(corr2d(x, k) for x, k in zip(X, K[0]))"), "loop over the c_out kernels"),
    # Exercise 4: pool2d
    WrongAnswer("pool2d", "stride 1 by default", _pool(stride="1 if stride is None else stride"),
                "stride=None means stride = pool_size"),
    WrongAnswer("pool2d", "mode ignored", _pool(reduce="window.amax(dim=(1, 2))"), "use the mode argument"),
    WrongAnswer("pool2d", "sum instead of mean",
                _pool(reduce='window.amax(dim=(1, 2)) if mode == "max" else window.sum(dim=(1, 2))'),
                "not .sum()"),
    WrongAnswer("pool2d", "max over the channels too",
                _pool(reduce='window.max() if mode == "max" else window.mean()'), "taken over all channels"),
    WrongAnswer("pool2d", "the channel dimension dropped", '''
def pool2d(X, pool_size, stride=None, mode="max"):
    k = pool_size
    s = k if stride is None else stride
    X2 = X[0]
    rows, cols = (X2.shape[0] - k) // s + 1, (X2.shape[1] - k) // s + 1
    Y = torch.zeros(rows, cols)
    for i in range(rows):
        for j in range(cols):
            window = X2[i * s:i * s + k, j * s:j * s + k]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y
''', "keep the channel dimension"),
    WrongAnswer("pool2d", "window not moved by the stride", '''
def pool2d(X, pool_size, stride=None, mode="max"):
    k = pool_size
    s = k if stride is None else stride
    rows, cols = (X.shape[1] - k) // s + 1, (X.shape[2] - k) // s + 1
    Y = torch.zeros(X.shape[0], rows, cols, dtype=X.dtype)
    for i in range(rows):
        for j in range(cols):
            window = X[:, i:i + k, j:j + k]
            Y[:, i, j] = window.amax(dim=(1, 2)) if mode == "max" else window.mean(dim=(1, 2))
    return Y
''', "X[:, i*s : i*s + k"),
    WrongAnswer("pool2d", "float32 output", _pool(zeros="torch.zeros(X.shape[0], rows, cols)"),
                "dtype=X.dtype"),
    # Exercise 5: lenet
    WrongAnswer("lenet", "no padding, Linear(400)", _lenet(pad=""), "padding=2"),
    WrongAnswer("lenet", "no padding, Linear(256)", _lenet(pad="", flat="16 * 4 * 4"), "padding=2"),
    WrongAnswer("lenet", "the notes' x.view(1, -1)", _LENET_CLASS.format(flatten="x.view(1, -1)"),
                "X.view(1, -1)"),
    WrongAnswer("lenet", "the notes' view(-1, 16 * 5 * 5) without padding", '''
class LeNet(nn.Module):
    def __init__(self, activation, pooling):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = pooling(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)
        self.act = activation()

    def forward(self, x):
        x = self.pool(self.act(self.conv1(x)))
        x = self.pool(self.act(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        return self.fc3(self.act(self.fc2(self.act(self.fc1(x)))))


def lenet(activation=nn.ReLU, pooling=nn.MaxPool2d):
    return LeNet(activation, pooling)
''', "pad the first convolution by 2"),
    WrongAnswer("lenet", "activation argument ignored", _lenet(act="nn.ReLU()", fc_act="nn.ReLU(),"),
                "`activation()`"),
    WrongAnswer("lenet", "pooling argument ignored",
                _lenet(pool1="nn.MaxPool2d(2)", pool2="nn.MaxPool2d(2)"),
                "`pooling(kernel_size=2, stride=2)`"),
    WrongAnswer("lenet", "an activation after the output", _lenet(out=", activation()"),
                "no activation after the last layer"),
    WrongAnswer("lenet", "no activation between the linear layers", _lenet(fc_act=""),
                "after the first two fully connected layers"),
    WrongAnswer("lenet", "pooling before the activation", '''
def lenet(activation=nn.ReLU, pooling=nn.MaxPool2d):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), pooling(kernel_size=2, stride=2), activation(),
        nn.Conv2d(6, 16, 5), pooling(kernel_size=2, stride=2), activation(),
        nn.Flatten(), nn.Linear(400, 120), activation(), nn.Linear(120, 84), activation(), nn.Linear(84, 10))
''', "convolution, activation, then pooling"),
]

TAMPERING = [
    Tampering("corr2d", "checks rebound in the notebook",
              "assert_close = assert_shape = check = lambda *a, **k: None\n"
              "def corr2d(X, K):\n    return X\n"),
    Tampering("corr2d_multi_in_out", "the references patched",
              PATCH + "import helpers.reference as _r\n"
                      "for _n in ('corr2d', 'isolate'):\n"
                      "    try:\n        setattr(_r, _n, stub)\n    except AttributeError:\n        pass\n"
                      "def corr2d_multi_in_out(X, K):\n    return X\n"),
    Tampering("conv_output_shape", "an int that equals everything",
              "class Anything(int):\n    def __eq__(self, other):\n        return True\n"
              "    __hash__ = int.__hash__\n"
              "def conv_output_shape(n, k, p=0, s=1):\n    return Anything(0)\n"),
    Tampering("lenet", "check_lenet patched",
              PATCH + "import helpers.reference as _r\n"
                      "try:\n    _r.check_lenet = stub\nexcept AttributeError:\n    pass\n"
                      "def lenet(activation=nn.ReLU, pooling=nn.MaxPool2d):\n"
                      "    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))\n"),
]

RIGHT = [
    WrongAnswer("corr2d", "unfold and a matrix product", '''
def corr2d(X, K):
    kh, kw = K.shape
    windows = X.unfold(0, kh, 1).unfold(1, kw, 1)        # (h', w', kh, kw)
    return (windows * K).sum(dim=(-2, -1))
''', ""),
    WrongAnswer("corr2d", "a list of rows, stacked", '''
def corr2d(X, K):
    h, w = K.shape
    rows = []
    for i in range(X.shape[0] - h + 1):
        rows.append(torch.stack([torch.sum(X[i:i + h, j:j + w] * K) for j in range(X.shape[1] - w + 1)]))
    return torch.stack(rows)
''', ""),
    WrongAnswer("corr2d", "sum over the kernel positions", '''
def corr2d(X, K):
    kh, kw = K.shape
    oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    Y = 0
    for a in range(kh):
        for b in range(kw):
            Y = Y + K[a, b] * X[a:a + oh, b:b + ow]
    return Y
''', ""),
    WrongAnswer("conv_output_shape", "math.floor", "def conv_output_shape(n, k, p=0, s=1):\n"
                "    return math.floor((n - k + 2 * p) / s) + 1\n", ""),
    WrongAnswer("conv_output_shape", "the book's (n - k + 2p + s) // s",
                "def conv_output_shape(n, k, p=0, s=1):\n    return (n + 2 * p - k + s) // s\n", ""),
    WrongAnswer("conv_output_shape", "int() of the quotient",
                "def conv_output_shape(n, k, p=0, s=1):\n    return int((n - k + 2 * p) / s) + 1\n", ""),
    WrongAnswer("corr2d_multi_in_out", "loops and a running sum", '''
def corr2d_multi_in_out(X, K):
    outputs = []
    for o in range(K.shape[0]):
        total = corr2d(X[0], K[o, 0])
        for i in range(1, X.shape[0]):
            total = total + corr2d(X[i], K[o, i])
        outputs.append(total)
    return torch.stack(outputs, dim=0)
''', ""),
    WrongAnswer("corr2d_multi_in_out", "stacked maps summed with .sum(0)", '''
def corr2d_multi_in_out(X, K):
    return torch.stack([torch.stack([corr2d(X[i], K[o, i]) for i in range(len(X))]).sum(dim=0)
                        for o in range(len(K))])
''', ""),
    WrongAnswer("corr2d_multi_in_out", "multi-in as a helper, as in the book", '''
def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K))

def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)
''', ""),
    WrongAnswer("pool2d", "unfold", '''
def pool2d(X, pool_size, stride=None, mode="max"):
    s = pool_size if stride is None else stride
    windows = X.unfold(1, pool_size, s).unfold(2, pool_size, s)
    return windows.amax(dim=(-2, -1)) if mode == "max" else windows.mean(dim=(-2, -1))
''', ""),
    WrongAnswer("pool2d", "per channel, with conv_output_shape", '''
def pool2d(X, pool_size, stride=None, mode="max"):
    if stride is None:
        stride = pool_size
    h = conv_output_shape(X.shape[1], pool_size, 0, stride)
    w = conv_output_shape(X.shape[2], pool_size, 0, stride)
    channels = []
    for c in range(X.shape[0]):
        Y = X.new_zeros(h, w)
        for i in range(h):
            for j in range(w):
                win = X[c, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size]
                Y[i, j] = win.max() if mode == "max" else win.mean()
        channels.append(Y)
    return torch.stack(channels)
''', ""),
    WrongAnswer("pool2d", "max via flatten", '''
def pool2d(X, pool_size, stride=None, mode="max"):
    k = pool_size
    s = stride or k
    c = X.shape[0]
    rows, cols = (X.shape[1] - k) // s + 1, (X.shape[2] - k) // s + 1
    out = torch.empty(c, rows, cols, dtype=X.dtype)
    for i in range(rows):
        for j in range(cols):
            flat = X[:, i * s:i * s + k, j * s:j * s + k].reshape(c, -1)
            out[:, i, j] = flat.max(dim=1).values if mode == "max" else flat.mean(dim=1)
    return out
''', ""),
    WrongAnswer("lenet", "a class with flatten(1)", _LENET_CLASS.format(flatten="x.flatten(1)"), ""),
    WrongAnswer("lenet", "an OrderedDict", '''
from collections import OrderedDict

def lenet(activation=nn.ReLU, pooling=nn.MaxPool2d):
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 6, 5, padding=2)), ("act1", activation()), ("pool1", pooling(2)),
        ("conv2", nn.Conv2d(6, 16, 5)), ("act2", activation()), ("pool2", pooling(2)),
        ("flatten", nn.Flatten(start_dim=1)),
        ("fc1", nn.Linear(400, 120)), ("act3", activation()),
        ("fc2", nn.Linear(120, 84)), ("act4", activation()),
        ("fc3", nn.Linear(84, 10))]))
''', ""),
    WrongAnswer("lenet", "blocks built in a loop with add_module", '''
def lenet(activation=nn.ReLU, pooling=nn.MaxPool2d):
    net = nn.Sequential()
    for i, (c_in, c_out, pad) in enumerate([(1, 6, 2), (6, 16, 0)]):
        net.add_module(f"conv{i}", nn.Conv2d(c_in, c_out, 5, padding=pad))
        net.add_module(f"act{i}", activation())
        net.add_module(f"pool{i}", pooling(kernel_size=2, stride=2))
    net.add_module("flatten", nn.Flatten())
    sizes = [400, 120, 84, 10]
    for i in range(3):
        net.add_module(f"fc{i}", nn.Linear(sizes[i], sizes[i + 1]))
        if i < 2:
            net.add_module(f"fc_act{i}", activation())
    return net
''', ""),
]
