"""Typical wrong, hostile and right answers to notebook 14 (GPU computing)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_TIME_IT = '''
def time_it(fn, device, repeats=10):
    {warm}
    {sync_before}
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    {sync_after}
    return {result}
'''
_SYNC = "torch.cuda.synchronize(device) if device.type == 'cuda' else None"


def _time_it(warm="fn()", sync_before=_SYNC, sync_after=_SYNC,
             result="(time.perf_counter() - start) / repeats") -> str:
    return _TIME_IT.format(warm=warm, sync_before=sync_before, sync_after=sync_after, result=result)


WRONG = [
    # Exercise 1: try_gpu
    WrongAnswer("try_gpu", "is_available() instead of counting the GPUs", '''
def try_gpu(i=0):
    if torch.cuda.is_available():
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")
''', "device_count() > i"),
    WrongAnswer("try_gpu", "the notes' one-liner: no GPU number", '''
def try_gpu(i=0):
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
''', "GPU number i"),
    WrongAnswer("try_gpu", "a string instead of a torch.device", '''
def try_gpu(i=0):
    if torch.cuda.device_count() > i:
        return f"cuda:{i}"
    return "cpu"
''', "not a string"),
    WrongAnswer("try_gpu", "i ignored: always cuda:0", '''
def try_gpu(i=0):
    if torch.cuda.device_count() > i:
        return torch.device("cuda:0")
    return torch.device("cpu")
''', "GPU number i"),
    WrongAnswer("try_gpu", "off by one: device_count() >= i", '''
def try_gpu(i=0):
    if torch.cuda.device_count() >= i:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")
''', "device_count() > i"),

    # Exercise 2: forward_on
    WrongAnswer("forward_on", "X.to(device) not assigned", '''
def forward_on(net, X, device):
    net.to(device)
    X.to(device)
    return net(X)
''', "X = X.to(device)"),
    WrongAnswer("forward_on", "the model not moved", '''
def forward_on(net, X, device):
    X = X.to(device)
    return net(X)
''', "net.to(device)"),
    WrongAnswer("forward_on", ".cuda() instead of .to(device)", '''
def forward_on(net, X, device):
    net = net.cuda()
    X = X.cuda()
    return net(X)
''', ".cuda() always means the GPU"),
    WrongAnswer("forward_on", "the output moved back to the CPU", '''
def forward_on(net, X, device):
    net.to(device)
    return net(X.to(device)).cpu()
''', "do not move it back with .cpu()"),
    WrongAnswer("forward_on", "its own choice of device instead of the argument", '''
def forward_on(net, X, device):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net.to(device)
    return net(X.to(device))
''', "use the `device` argument"),

    # Exercise 3: to_device
    WrongAnswer("to_device", "a generator over the batch: only flat tuples of tensors", '''
def to_device(batch, device):
    return tuple(t.to(device) for t in batch)
''', "should return a list"),
    WrongAnswer("to_device", "a list comprehension: a tuple comes back as a list", '''
def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return [to_device(v, device) for v in batch]
    return batch
''', "a tuple stays a tuple"),
    WrongAnswer("to_device", "the dict changed in place", '''
def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        for k, v in batch.items():
            batch[k] = to_device(v, device)
        return batch
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch
''', "build a new dict"),
    WrongAnswer("to_device", "not recursive: containers inside containers stay", '''
def to_device(batch, device):
    move = lambda v: v.to(device) if isinstance(v, torch.Tensor) else v
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: move(v) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(move(v) for v in batch)
    return batch
''', "nested ones included (recursion)"),
    WrongAnswer("to_device", ".to() on every value, numbers and strings too", '''
def to_device(batch, device):
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch.to(device)
''', "only tensors have .to()"),
    WrongAnswer("to_device", "non-tensors dropped", '''
def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items() '''
        '''if isinstance(v, (torch.Tensor, dict, list, tuple))}
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch
''', "the same keys"),

    # Exercise 4: time_it
    WrongAnswer("time_it", "no synchronisation at all", _time_it(sync_before="", sync_after=""),
                "after the loop, before reading the clock"),
    WrongAnswer("time_it", "no synchronisation before the clock starts", _time_it(sync_before=""),
                "synchronize *before* starting the clock"),
    WrongAnswer("time_it", "no warm-up call", _time_it(warm=""), "once before starting the clock"),
    WrongAnswer("time_it", "not divided by repeats", _time_it(result="time.perf_counter() - start"),
                "divide the elapsed time by `repeats`"),
    WrongAnswer("time_it", "torch.cuda.synchronize() on every device", _time_it(
        sync_before="torch.cuda.synchronize()", sync_after="torch.cuda.synchronize()"),
                "synchronise only when device.type == 'cuda'"),
    WrongAnswer("time_it", "a tensor of seconds", _time_it(
        result="torch.tensor((time.perf_counter() - start) / repeats)"), "Python float"),
]


TAMPERING = [
    Tampering("time_it", "the helpers patched",
              PATCH + "def time_it(fn, device, repeats=10):\n    return 0.0\n"),
    Tampering("try_gpu", "checks rebound in the notebook",
              "check = lambda *a, **k: None\ndef try_gpu(i=0):\n    return 'cpu'\n"),
    Tampering("forward_on", "an object that claims any device",
              "class Anything(torch.Tensor):\n    pass\n"
              "def forward_on(net, X, device):\n"
              "    return torch.zeros(X.shape[0], 2).as_subclass(Anything)\n"),
    Tampering("time_it", "a float that equals everything",
              "class Anything(float):\n    def __eq__(self, other):\n        return True\n"
              "    def __le__(self, other):\n        return True\n"
              "    def __ge__(self, other):\n        return True\n"
              "def time_it(fn, device, repeats=10):\n    for _ in range(repeats + 1):\n        fn()\n"
              "    return Anything(0.0)\n"),
]


RIGHT = [
    WrongAnswer("try_gpu", "torch.device('cuda', i) and a conditional expression", '''
def try_gpu(i=0):
    return torch.device("cuda", i) if i < torch.cuda.device_count() else torch.device("cpu")
''', ""),
    WrongAnswer("try_gpu", "is_available() and the count", '''
def try_gpu(i=0):
    if torch.cuda.is_available() and i < torch.cuda.device_count():
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")
''', ""),
    WrongAnswer("forward_on", "net = net.to(device) and torch.device(device)", '''
def forward_on(net, X, device):
    device = torch.device(device)
    net = net.to(device)
    return net(X.to(device))
''', ""),
    WrongAnswer("forward_on", "non_blocking copy and the model moved in place", '''
def forward_on(net, X, device):
    net.to(device)
    X_dev = X.to(device, non_blocking=True)
    out = net(X_dev)
    return out
''', ""),
    WrongAnswer("to_device", "a match statement", '''
def to_device(batch, device):
    match batch:
        case torch.Tensor():
            return batch.to(device)
        case dict():
            return {key: to_device(value, device) for key, value in batch.items()}
        case tuple() | list():
            return type(batch)([to_device(item, device) for item in batch])
        case _:
            return batch
''', ""),
    WrongAnswer("to_device", "torch.is_tensor and separate tuple and list branches", '''
def to_device(batch, device):
    if torch.is_tensor(batch):
        return batch.to(device)
    if isinstance(batch, tuple):
        return tuple(to_device(b, device) for b in batch)
    if isinstance(batch, list):
        return [to_device(b, device) for b in batch]
    if isinstance(batch, dict):
        return dict((k, to_device(v, device)) for k, v in batch.items())
    return batch
''', ""),
    WrongAnswer("time_it", "a synchronize after every call, and time.time", '''
import time as _time
def time_it(fn, device, repeats=10):
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    fn()
    sync()
    total = 0.0
    for _ in range(repeats):
        t = _time.time()
        fn()
        sync()
        total += _time.time() - t
    return total / repeats
''', ""),
    WrongAnswer("time_it", "torch.cuda.is_available() decides, two warm-up calls", '''
def time_it(fn, device, repeats=10):
    for _ in range(2):
        fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return float(time.perf_counter() - start) / repeats
''', ""),
]
