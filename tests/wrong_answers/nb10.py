"""Typical wrong, hostile and right answers to notebook 10 (modules and parameters)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_STANDARDIZED = '''
class StandardizedLinear(nn.Module):
    def __init__(self, mean, std, out_features):
        {init}

    def forward(self, X):
        {forward}
'''
_PARAMS = '''super().__init__()
        in_features = mean.numel()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) * 0.01)
        self.bias = nn.Parameter(torch.zeros(out_features))'''
_BUFFERS = '''
        self.register_buffer("mean", mean.clone())
        self.register_buffer("std", std.clone())'''
_FORWARD = "return ((X - self.mean) / self.std) @ self.weight.T + self.bias"


def _standardized(params=_PARAMS, buffers=_BUFFERS, forward=_FORWARD) -> str:
    return _STANDARDIZED.format(init=params + buffers, forward=forward)


_INIT = '''
def init_weights(m):
    {body}
'''
_INIT_BODY = '''if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        if m.bias is not None:
            nn.init.zeros_(m.bias)'''


def _init(body=_INIT_BODY) -> str:
    return _INIT.format(body=body)


_SHAPES = '''
{before}
def layer_output_shapes(net, X):
    {start}
    handles = []
    for name, module in net.named_modules():
        if {leaf}:
            {register}
    {run}
    return shapes
'''
_REGISTER = '''def record(module, inputs, output, name=name):
                shapes.append((name, tuple(output.shape)))
            handles.append(module.register_forward_hook(record))'''
_RUN = '''try:
        with torch.no_grad():
            net(X)
    finally:
        for handle in handles:
            handle.remove()'''


def _shapes(before="", start="shapes = []", leaf="next(module.children(), None) is None", register=_REGISTER,
            run=_RUN) -> str:
    return _SHAPES.format(before=before, start=start, leaf=leaf, register=register, run=run)


_TIED = '''
class TiedNet(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.hidden = nn.Linear(dim, dim)
        self.output = nn.Linear(dim, 1)
        {extra}

    def forward(self, X):
        {forward}
'''
_TIED_FORWARD = '''H = F.relu(self.hidden(X))
        H = F.relu(self.hidden(H))
        return self.output(H)'''


def _tied(extra="", forward=_TIED_FORWARD) -> str:
    return _TIED.format(extra=extra, forward=forward)


WRONG = [
    # Exercise 1: StandardizedLinear
    WrongAnswer("StandardizedLinear", "the notes' self.mean = self.register_buffer(...)",
                _standardized(buffers='''
        self.mean = self.register_buffer("mean", mean.clone())
        self.std = self.register_buffer("std", std.clone())'''), "register_buffer returns None"),
    WrongAnswer("StandardizedLinear", "statistics kept in plain attributes", _standardized(buffers='''
        self.mean = mean.clone()
        self.std = std.clone()'''), "register_buffer"),
    WrongAnswer("StandardizedLinear", "statistics registered as parameters", _standardized(buffers='''
        self.mean = nn.Parameter(mean.clone())
        self.std = nn.Parameter(std.clone())'''), "buffers, not parameters"),
    WrongAnswer("StandardizedLinear", "statistics trained (nn.Parameter) through register_buffer",
                _standardized(buffers='''
        self.register_buffer("mean", nn.Parameter(mean.clone()))
        self.register_buffer("std", nn.Parameter(std.clone()))'''), "not nn.Parameter"),
    WrongAnswer("StandardizedLinear", "buffers not persistent", _standardized(buffers='''
        self.register_buffer("mean", mean.clone(), persistent=False)
        self.register_buffer("std", std.clone(), persistent=False)'''), "persistent=False"),
    WrongAnswer("StandardizedLinear", "an attribute and a buffer of the same name", _standardized(buffers='''
        self.mean, self.std = mean.clone(), std.clone()
        self.register_buffer("mean", self.mean)
        self.register_buffer("std", self.std)'''), "without also assigning self.mean"),
    WrongAnswer("StandardizedLinear", "the caller's tensors registered without a copy",
                _standardized(buffers='''
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)'''), "mean.clone()"),
    WrongAnswer("StandardizedLinear", "the notes' nn.Parameters typo",
                _standardized(params=_PARAMS.replace("nn.Parameter(", "nn.Parameters(")),
                "nn.Parameter, singular"),
    WrongAnswer("StandardizedLinear", "weights in plain tensors with requires_grad",
                _standardized(params='''super().__init__()
        in_features = mean.numel()
        self.weight = (torch.randn(out_features, in_features) * 0.01).requires_grad_()
        self.bias = torch.zeros(out_features, requires_grad=True)'''), "not registered"),
    WrongAnswer("StandardizedLinear", "the notes' Variable for the weights",
                _standardized(params='''super().__init__()
        from torch.autograd import Variable
        in_features = mean.numel()
        self.weight = Variable(torch.randn(out_features, in_features) * 0.01, requires_grad=True)
        self.bias = Variable(torch.zeros(out_features), requires_grad=True)'''), "Variable"),
    WrongAnswer("StandardizedLinear", "the weight as nn.Linear's own parameters under other names",
                _standardized(params='''super().__init__()
        self.linear = nn.Linear(mean.numel(), out_features)''',
                              forward="return self.linear((X - self.mean) / self.std)"),
                "self.weight = nn.Parameter"),
    WrongAnswer("StandardizedLinear", "weight with standard deviation 1", _standardized(
        params=_PARAMS.replace(" * 0.01", "")), "0.01 is the standard deviation"),
    WrongAnswer("StandardizedLinear", "weight shape (in, out)", _standardized(
        params=_PARAMS.replace("torch.randn(out_features, in_features)",
                               "torch.randn(in_features, out_features)"),
        forward="return ((X - self.mean) / self.std) @ self.weight + self.bias"), "the weight (3, 4)"),
    WrongAnswer("StandardizedLinear", "multiplied by std instead of divided",
                _standardized(forward="return ((X - self.mean) * self.std) @ self.weight.T + self.bias"),
                "(X - self.mean) / self.std"),
    WrongAnswer("StandardizedLinear", "mean subtracted after the linear map",
                _standardized(forward="return (X / self.std) @ self.weight.T + self.bias - self.mean[:3]"),
                "standardise first"),
    # Exercise 2: init_weights
    WrongAnswer("init_weights", "xavier_normal_ instead of xavier_uniform_",
                _init(_INIT_BODY.replace("xavier_uniform_", "xavier_normal_")), "uniform, not normal"),
    WrongAnswer("init_weights", "the deprecated nn.init.xavier_uniform, without _",
                _init(_INIT_BODY.replace("xavier_uniform_", "xavier_uniform")), "trailing underscore"),
    WrongAnswer("init_weights", "every module with a weight (LayerNorm too)",
                _init('''if hasattr(m, "weight"):
        nn.init.xavier_uniform_(m.weight)
        if m.bias is not None:
            nn.init.zeros_(m.bias)'''), "only nn.Linear"),
    WrongAnswer("init_weights", "Xavier on every parameter of a Linear, bias included",
                _init('''if isinstance(m, nn.Linear):
        for p in m.parameters():
            nn.init.xavier_uniform_(p)'''), "not to the bias"),
    WrongAnswer("init_weights", "bias=None not handled", _init('''if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)'''), "if m.bias is not None"),
    WrongAnswer("init_weights", "a new tensor assigned to m.weight", _init('''if isinstance(m, nn.Linear):
        m.weight = nn.init.xavier_uniform_(torch.empty(m.out_features, m.in_features))
        if m.bias is not None:
            nn.init.zeros_(m.bias)'''), "fill it in place"),
    WrongAnswer("init_weights", "bias left at nn.Linear's default", _init('''if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)'''), "nn.init.zeros_(m.bias)"),
    WrongAnswer("init_weights", "a bound of 1 / sqrt(fan_in) of one's own",
                _init('''if isinstance(m, nn.Linear):
        bound = 1 / m.in_features ** 0.5
        nn.init.uniform_(m.weight, -bound, bound)
        if m.bias is not None:
            nn.init.zeros_(m.bias)'''), "Xavier's bound"),
    WrongAnswer("init_weights", "the notes' normal(0, 0.01) of notebook 06",
                _init('''if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.01)
        if m.bias is not None:
            nn.init.zeros_(m.bias)'''), "xavier_uniform_"),
    # Exercise 3: layer_output_shapes
    WrongAnswer("layer_output_shapes", "hooks never removed",
                _shapes(run="with torch.no_grad():\n        net(X)"), "handle.remove()"),
    WrongAnswer("layer_output_shapes", "removal skipped when the forward pass raises",
                _shapes(run='''with torch.no_grad():
        net(X)
    for handle in handles:
        handle.remove()'''), "finally"),
    WrongAnswer("layer_output_shapes", "only the last handle kept",
                _shapes(register='''handle = module.register_forward_hook(
                lambda module, inputs, output, name=name: shapes.append((name, tuple(output.shape))))''',
                        run='''try:
        with torch.no_grad():
            net(X)
    finally:
        handle.remove()'''), "keep every handle"),
    WrongAnswer("layer_output_shapes", "a lambda in a loop (late binding of name)", _shapes(
        register="handles.append(module.register_forward_hook("
                 "lambda m, i, o: shapes.append((name, tuple(o.shape)))))"),
        "loop variable's last value"),
    WrongAnswer("layer_output_shapes", "the list kept outside the function",
                _shapes(before="shapes = []", start="pass"), "inside the function"),
    WrongAnswer("layer_output_shapes", "containers hooked too", _shapes(leaf="True"), "not the containers"),
    WrongAnswer("layer_output_shapes", "only net.children()", _shapes(leaf="'.' not in name and name != ''"),
                "misses nested layers"),
    WrongAnswer("layer_output_shapes", "the output tensors recorded instead of shapes",
                _shapes(register='''def record(module, inputs, output, name=name):
                shapes.append((name, output))
            handles.append(module.register_forward_hook(record))'''), "tuple(output.shape)"),
    WrongAnswer("layer_output_shapes", "the hook returns the shape",
                _shapes(register='''def record(module, inputs, output, name=name):
                return (name, tuple(output.shape))
            handles.append(module.register_forward_hook(record))'''), "and return None"),
    # Exercise 4: TiedNet
    WrongAnswer("TiedNet", "two separate hidden layers",
                _tied(extra="self.hidden2 = nn.Linear(dim, dim)", forward='''H = F.relu(self.hidden(X))
        H = F.relu(self.hidden2(H))
        return self.output(H)'''), "a second layer"),
    WrongAnswer("TiedNet", "a deep copy of the hidden layer",
                _tied(extra="self.again = copy.deepcopy(self.hidden)", forward='''H = F.relu(self.hidden(X))
        H = F.relu(self.again(H))
        return self.output(H)'''), "copy.deepcopy"),
    WrongAnswer("TiedNet", "the second use detached", _tied(forward='''H = F.relu(self.hidden(X))
        H = F.relu(F.linear(H, self.hidden.weight.detach(), self.hidden.bias.detach()))
        return self.output(H)'''), "both uses of self.hidden must stay in the graph"),
    WrongAnswer("TiedNet", "the first use under no_grad", _tied(forward='''with torch.no_grad():
            H = F.relu(self.hidden(X))
        H = F.relu(self.hidden(H))
        return self.output(H)'''), "torch.no_grad() on one use drops its part"),
    WrongAnswer("TiedNet", "hidden applied once", _tied(forward="return self.output(F.relu(self.hidden(X)))"),
                "the same hidden again"),
    WrongAnswer("TiedNet", "no relu between the two uses",
                _tied(forward="return self.output(F.relu(self.hidden(self.hidden(X))))"),
                "hidden, relu, the same hidden again"),
    # Exercise 5: count_trainable
    WrongAnswer("count_trainable", "the number of tensors", '''
def count_trainable(net):
    return len(list(net.parameters()))
''', "count the numbers in each with p.numel()"),
    WrongAnswer("count_trainable", "frozen parameters counted", '''
def count_trainable(net):
    return sum(p.numel() for p in net.parameters())
''', "frozen first layer was counted"),
    WrongAnswer("count_trainable", "through state_dict (buffers and the shared layer twice)", '''
def count_trainable(net):
    return sum(t.numel() for t in net.state_dict().values())
''', "not state_dict()"),
    WrongAnswer("count_trainable", "every module's parameters (nested layers again)", '''
def count_trainable(net):
    return sum(p.numel() for m in net.modules() for p in m.parameters() if p.requires_grad)
''', "counts nested layers again"),
    WrongAnswer("count_trainable", "a tensor returned", '''
def count_trainable(net):
    return torch.tensor([p.numel() for p in net.parameters() if p.requires_grad]).sum()
''', "do not build a tensor"),
]

# One-line tricks a submission might use; none may turn a failing exercise into a passing one.
TAMPERING = [
    Tampering("StandardizedLinear", "the checks and build_model patched",
              PATCH + "import helpers.reference as _r\n"
                      "try:\n    _r.build_model = stub\nexcept AttributeError:\n    pass\n"
                      "class StandardizedLinear(nn.Module):\n"
                      "    def __init__(self, mean, std, out_features):\n        super().__init__()\n"
                      "    def forward(self, X):\n        return X\n"),
    Tampering("count_trainable", "checks rebound in the notebook",
              "check = lambda *a, **k: None\ndef count_trainable(net):\n    return 0\n"),
    Tampering("count_trainable", "an int that equals everything",
              "class Anything(int):\n    def __eq__(self, other):\n        return True\n"
              "def count_trainable(net):\n    return Anything(0)\n"),
    Tampering("layer_output_shapes", "a list that equals everything",
              "class Anything(list):\n    def __eq__(self, other):\n        return True\n"
              "def layer_output_shapes(net, X):\n    return Anything()\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("StandardizedLinear", "register_parameter, an in_features from len, the notes' super(...)",
                '''
class StandardizedLinear(nn.Module):
    def __init__(self, mean, std, out_features):
        super(StandardizedLinear, self).__init__()
        self.register_buffer("mean", mean.detach().clone(), persistent=True)
        self.register_buffer("std", torch.clone(std))
        self.register_parameter("weight", nn.Parameter(torch.empty(out_features, len(mean))))
        self.register_parameter("bias", nn.Parameter(torch.empty(out_features)))
        nn.init.normal_(self.weight, mean=0.0, std=0.01)
        nn.init.zeros_(self.bias)

    def forward(self, X):
        return F.linear((X - self.mean) / self.std, self.weight, self.bias)
''', ""),
    WrongAnswer("init_weights", "type(m) is nn.Linear and nn.init.constant_", '''
def init_weights(m):
    if type(m) is nn.Linear:
        nn.init.xavier_uniform_(m.weight, gain=1.0)
        if m.bias is not None:
            nn.init.constant_(m.bias, 0.0)
''', ""),
    WrongAnswer("init_weights", "the bound computed by hand under no_grad", '''
import math
def init_weights(m):
    if not isinstance(m, nn.Linear):
        return
    a = math.sqrt(6 / (m.in_features + m.out_features))
    with torch.no_grad():
        m.weight.uniform_(-a, a)
        if m.bias is not None:
            m.bias.zero_()
''', ""),
    WrongAnswer("layer_output_shapes", "a {module: name} dictionary and one shared hook", '''
def layer_output_shapes(net, X):
    names = {m: n for n, m in net.named_modules() if len(list(m.children())) == 0}
    found = []
    def hook(module, inputs, output):
        found.append((names[module], tuple(output.size())))
    handles = [m.register_forward_hook(hook) for m in names]
    try:
        net(X)
    finally:
        while handles:
            handles.pop().remove()
    return found
''', ""),
    WrongAnswer("layer_output_shapes", "functools.partial and torch.Size kept", '''
import functools
def layer_output_shapes(net, X):
    result, handles = [], []
    def hook(name, module, inputs, output):
        result.append((name, output.shape))
    try:
        for name, module in net.named_modules():
            if not list(module.children()):
                handles.append(module.register_forward_hook(functools.partial(hook, name)))
        with torch.no_grad():
            net(X)
    finally:
        for h in handles:
            h.remove()
    return result
''', ""),
    WrongAnswer("TiedNet", "nn.Sequential with the same layer twice", '''
class TiedNet(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.hidden = nn.Linear(dim, dim)
        self.output = nn.Linear(dim, 1)

    def forward(self, X):
        for _ in range(2):
            X = torch.relu(self.hidden(X))
        return self.output(X)
''', ""),
    WrongAnswer("count_trainable", "a loop with an int accumulator", '''
def count_trainable(net):
    total = 0
    for name, param in net.named_parameters():
        if param.requires_grad:
            total += param.numel()
    return int(total)
''', ""),
]
