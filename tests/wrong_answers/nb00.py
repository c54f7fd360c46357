"""Typical wrong, hostile and right answers to notebook 00 (tensors and autograd)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_CLIPPED = '''
class ClippedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return {forward}

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return {backward}
'''


def _clipped(forward="x.clamp(0, 6)", backward="grad_output * ((x > 0) & (x < 6))") -> str:
    return _CLIPPED.format(forward=forward, backward=backward)


_CENTRAL = '''
def central_difference(f, x, eps=1e-3):
    flat = x.detach().reshape(-1)
    grad = torch.zeros_like(flat)
    for i in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[i] = eps
        grad[i] = {formula}
    return grad.reshape(x.shape)
'''


def _central(formula="(float(f((flat + step).reshape(x.shape))) - float(f((flat - step).reshape(x.shape))))"
                     " / (2 * eps)") -> str:
    return _CENTRAL.format(formula=formula)


WRONG = [
    # Exercise 1: same_storage
    WrongAnswer("same_storage", "the first elements' addresses", '''
def same_storage(a, b):
    return a.data_ptr() == b.data_ptr()
''', "data_ptr(), the address of its first element"),
    WrongAnswer("same_storage", "equal values", '''
def same_storage(a, b):
    return a.shape == b.shape and torch.equal(a, b)
''', "equal values are not shared memory"),
    WrongAnswer("same_storage", "the same object", '''
def same_storage(a, b):
    return a is b
''', "`a is b` is False"),
    WrongAnswer("same_storage", "storage objects compared with is", '''
def same_storage(a, b):
    return a.untyped_storage() is b.untyped_storage()
''', "compare addresses, not objects"),
    WrongAnswer("same_storage", "a tensor instead of a bool", '''
def same_storage(a, b):
    return torch.tensor(a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr())
''', "should return a Python bool"),
    WrongAnswer("same_storage", "b's first element inside a's memory", '''
def same_storage(a, b):
    start = a.data_ptr()
    return start <= b.data_ptr() < start + a.numel() * a.element_size()
''', "untyped_storage().data_ptr()"),
    # Exercise 2: broadcast_shape
    WrongAnswer("broadcast_shape", "lined up from the left", '''
def broadcast_shape(shape_a, shape_b):
    n = max(len(shape_a), len(shape_b))
    a = tuple(shape_a) + (1,) * (n - len(shape_a))
    b = tuple(shape_b) + (1,) * (n - len(shape_b))
    for p, q in zip(a, b):
        if p != q and 1 not in (p, q):
            raise ValueError("does not broadcast")
    return tuple(max(p, q) for p, q in zip(a, b))
''', "from the right"),
    WrongAnswer("broadcast_shape", "the larger size, never an error", '''
def broadcast_shape(shape_a, shape_b):
    n = max(len(shape_a), len(shape_b))
    a = (1,) * (n - len(shape_a)) + tuple(shape_a)
    b = (1,) * (n - len(shape_b)) + tuple(shape_b)
    return tuple(max(p, q) for p, q in zip(a, b))
''', "equal or one of them is 1"),
    WrongAnswer("broadcast_shape", "zip drops the extra leading dimensions", '''
def broadcast_shape(shape_a, shape_b):
    result = []
    for p, q in zip(reversed(shape_a), reversed(shape_b)):
        if p != q and 1 not in (p, q):
            raise ValueError("does not broadcast")
        result.append(max(p, q))
    return tuple(reversed(result))
''', "missing leading dimension"),
    WrongAnswer("broadcast_shape", "a list returned", '''
def broadcast_shape(shape_a, shape_b):
    n = max(len(shape_a), len(shape_b))
    a = [1] * (n - len(shape_a)) + list(shape_a)
    b = [1] * (n - len(shape_b)) + list(shape_b)
    if any(p != q and 1 not in (p, q) for p, q in zip(a, b)):
        raise ValueError("does not broadcast")
    return [max(p, q) for p, q in zip(a, b)]
''', "tuple(sizes)"),
    WrongAnswer("broadcast_shape", "torch's answer and torch's error", '''
def broadcast_shape(shape_a, shape_b):
    return tuple(torch.broadcast_shapes(shape_a, shape_b))
''', "not a RuntimeError"),
    WrongAnswer("broadcast_shape", "None instead of an error", '''
def broadcast_shape(shape_a, shape_b):
    try:
        return tuple(torch.broadcast_shapes(shape_a, shape_b))
    except RuntimeError:
        return None
''', "raise ValueError"),
    # Exercise 3: grad_of
    WrongAnswer("grad_of", "the caller's x made to require grad", '''
def grad_of(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad
''', "changed the caller's x"),
    WrongAnswer("grad_of", "no requires_grad", '''
def grad_of(f, x):
    f(x).backward()
    return x.grad
''', "requires_grad=True"),
    WrongAnswer("grad_of", "what backward() returns", '''
def grad_of(f, x):
    xc = x.detach().clone().requires_grad_(True)
    return f(xc).backward()
''', "not the result of backward() (None)"),
    WrongAnswer("grad_of", "a clone that is not a leaf", '''
def grad_of(f, x):
    xc = x.clone().requires_grad_(True)
    f(xc).backward()
    return xc.grad
''', "x.detach().clone().requires_grad_(True)"),
    WrongAnswer("grad_of", "the value of f's input returned", '''
def grad_of(f, x):
    xc = x.detach().clone().requires_grad_(True)
    f(xc).backward()
    return xc.detach()
''', "the gradient of the sum of squares is 2x"),
    WrongAnswer("grad_of", "a gradient with a graph", '''
def grad_of(f, x):
    xc = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(xc), xc, create_graph=True)
    return g
''', "create_graph=True"),
    # Exercise 4: central_difference
    WrongAnswer("central_difference", "one-sided difference", _central(
        "(float(f((flat + step).reshape(x.shape))) - float(f(x))) / eps"), "one-sided"),
    WrongAnswer("central_difference", "divided by eps, not 2 eps", _central(
        "(float(f((flat + step).reshape(x.shape))) - float(f((flat - step).reshape(x.shape)))) / eps"),
        "2·eps doubles"),
    WrongAnswer("central_difference", "every element nudged at once", '''
def central_difference(f, x, eps=1e-3):
    return torch.full_like(x, (float(f(x + eps)) - float(f(x - eps))) / (2 * eps))
''', "one element i at a time"),
    WrongAnswer("central_difference", "x nudged in place", '''
def central_difference(f, x, eps=1e-3):
    grad = torch.zeros_like(x)
    flat, grad_flat = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        flat[i] += eps
        up = float(f(x))
        flat[i] -= 2 * eps
        down = float(f(x))
        grad_flat[i] = (up - down) / (2 * eps)
    return grad
''', "undoing it afterwards"),
    WrongAnswer("central_difference", "f called with a flat tensor", '''
def central_difference(f, x, eps=1e-3):
    flat = x.detach().reshape(-1)
    grad = torch.zeros_like(flat)
    for i in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[i] = eps
        grad[i] = (float(f(flat + step)) - float(f(flat - step))) / (2 * eps)
    return grad.reshape(x.shape)
''', "not with a flattened one"),
    WrongAnswer("central_difference", "a float32 result", '''
def central_difference(f, x, eps=1e-3):
    flat = x.detach().reshape(-1)
    grad = torch.zeros(flat.numel())
    for i in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[i] = eps
        grad[i] = (float(f((flat + step).reshape(x.shape))) - '''
        '''float(f((flat - step).reshape(x.shape)))) / (2 * eps)
    return grad.reshape(x.shape)
''', "torch.zeros_like(x)"),
    # Exercise 5: ClippedReLU
    WrongAnswer("ClippedReLU", "the mask without grad_output", _clipped(
        backward="((x > 0) & (x < 6)).float()"), "the mask alone is not the gradient"),
    WrongAnswer("ClippedReLU", "only the lower end clipped in backward", _clipped(
        backward="grad_output * (x > 0)"), "either end clips"),
    WrongAnswer("ClippedReLU", "clamp_ changes the input", _clipped(forward="x.clamp_(0, 6)"),
                "not x.clamp_(0, 6)"),
    WrongAnswer("ClippedReLU", "two gradients for one input", _clipped(
        backward="grad_output * ((x > 0) & (x < 6)), grad_output"), "one gradient per input of forward"),
    WrongAnswer("ClippedReLU", "ReLU without the upper clip", _clipped(
        forward="x.clamp(min=0)", backward="grad_output * (x > 0)"), "min(max(x, 0), 6)"),
    WrongAnswer("ClippedReLU", "a plain function", '''
def ClippedReLU(x):
    return x.clamp(0, 6)
''', "torch.autograd.Function"),
]

TAMPERING = [
    Tampering("broadcast_shape", "a tuple that equals everything", '''
class Agreeable(tuple):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False

def broadcast_shape(shape_a, shape_b):
    return Agreeable((1,))
'''),
    Tampering("same_storage", "checks rebound in the notebook",
              "check = lambda *a, **k: None\n"
              "def same_storage(a, b):\n    return False\n"),
    Tampering("grad_of", "the helpers' checks patched",
              PATCH + "def grad_of(f, x):\n    return x\n"),
]

RIGHT = [
    WrongAnswer("same_storage", "storage base through the offset", '''
def same_storage(a, b):
    base = lambda t: t.data_ptr() - t.storage_offset() * t.element_size()
    return base(a) == base(b)
''', ""),
    WrongAnswer("broadcast_shape", "zip_longest from the right", '''
from itertools import zip_longest
def broadcast_shape(shape_a, shape_b):
    sizes = []
    for p, q in zip_longest(reversed(shape_a), reversed(shape_b), fillvalue=1):
        if p == q or q == 1:
            sizes.append(p)
        elif p == 1:
            sizes.append(q)
        else:
            raise ValueError(f"{p} and {q} do not broadcast")
    return tuple(reversed(sizes))
''', ""),
    WrongAnswer("broadcast_shape", "torch's rule, with a ValueError", '''
def broadcast_shape(shape_a, shape_b):
    try:
        return tuple(int(d) for d in torch.broadcast_shapes(shape_a, shape_b))
    except RuntimeError as err:
        raise ValueError(str(err)) from None
''', ""),
    WrongAnswer("grad_of", "torch.autograd.grad", '''
def grad_of(f, x):
    xc = x.detach().requires_grad_()
    return torch.autograd.grad(f(xc), xc)[0]
''', ""),
    WrongAnswer("central_difference", "basis vectors from torch.eye", '''
def central_difference(f, x, eps=1e-3):
    basis = torch.eye(x.numel(), dtype=x.dtype)
    rows = [(f(x + eps * e.view(x.shape)) - f(x - eps * e.view(x.shape))) / (2 * eps) for e in basis]
    return torch.stack([torch.as_tensor(r, dtype=x.dtype) for r in rows]).view(x.shape)
''', ""),
    WrongAnswer("ClippedReLU", "the mask from the saved output, torch.where", '''
class ClippedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = torch.minimum(torch.relu(x), torch.tensor(6.0, dtype=x.dtype))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return torch.where((y > 0) & (y < 6), grad_output, torch.zeros_like(grad_output))
''', ""),
]
