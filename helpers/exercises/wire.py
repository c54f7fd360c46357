"""Data that crosses between a learner's kernel and the grading judge, without pickle.

The judge sends inputs to the learner's kernel and reads back results as *data* only:
``None``, booleans, numbers, strings, tensors, NumPy scalars, and lists, tuples and dicts
(string keys) of them. :func:`encode` writes them as JSON; tensors as their dtype, shape and
raw bytes in base64. :func:`decode` reads that JSON back with ``json`` and
``torch.frombuffer``: nothing in a message can run code in the process that decodes it. An
object that is not data (a function, a module, an object of the learner's own class, a
tensor subclass) is sent as an :class:`Opaque`: its type name and a short ``repr``, so a
check can say what came back instead.

Introduced in ``03_softmax_scratch``.
"""
from __future__ import annotations

import base64
import json
import math

import numpy as np
import torch

#: Tensor dtypes that travel (by name); a tensor of any other dtype travels as Opaque.
DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32,
    torch.int16, torch.int8, torch.uint8, torch.bool, torch.complex64, torch.complex128)}
NUMPY_SCALARS = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"}
#: The largest message either side writes or reads, in characters.
MAX_CHARS = 64 * 2**20
_DEPTH = 20


class Opaque:
    """What came back was not data: its type name and a short ``repr``."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = str(type_name)[:200], str(text)[:200]

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other) -> bool:
        return isinstance(other, Opaque) and (self.type_name, self.text) == (other.type_name, other.text)

    __hash__ = None


class WireError(ValueError):
    """A message that is not data as this module writes it."""


def type_name(x) -> str:
    """``float``, ``torch.Tensor``, ``numpy.float64``, ``__main__.MyNet``: what a learner
    would call the type of ``x`` (an :class:`Opaque` gives the type it stands for)."""
    if isinstance(x, Opaque):
        return x.type_name
    kind = type(x)
    if kind.__module__ == "builtins":
        return kind.__name__
    if kind is torch.Tensor:
        return "torch.Tensor"
    return f"{kind.__module__}.{kind.__qualname__}"


def _short_repr(x) -> str:
    try:
        text = object.__repr__(x) if isinstance(x, torch.Tensor) else repr(x)
    except Exception:  # a learner's __repr__ that raises
        text = f"<{type_name(x)}>"
    return text if len(text) <= 200 else text[:200] + "..."


def to_data(x, depth: int = 0):
    """``x`` as JSON-ready data (see the module docstring)."""
    if depth > _DEPTH:
        return {"$opaque": [type_name(x), "nested too deeply"]}
    kind = type(x)
    if x is None or kind in (bool, int, str):
        return x
    if kind is float:
        return x if math.isfinite(x) else {"$float": repr(x)}
    if kind is torch.Tensor or kind is torch.nn.Parameter:
        return _tensor(x)
    if kind in (list, tuple):
        items = [to_data(v, depth + 1) for v in x]
        return items if kind is list else {"$tuple": items}
    if kind is dict and all(type(k) is str for k in x):
        return {"$dict": {k: to_data(v, depth + 1) for k, v in x.items()}}
    if isinstance(x, np.generic) and type(x).__name__ in NUMPY_SCALARS:
        return {"$numpy": [type(x).__name__, x.item() if not isinstance(x, np.floating)
                           or math.isfinite(x) else repr(float(x))]}
    return {"$opaque": [type_name(x), _short_repr(x)]}


def _tensor(x: torch.Tensor):
    name = str(x.dtype).removeprefix("torch.")
    if name not in DTYPES or x.is_sparse or x.layout != torch.strided:
        return {"$opaque": [f"torch.Tensor ({x.dtype}, {x.layout})", _short_repr(x)]}
    t = x.detach().to("cpu").contiguous()
    raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
    return {"$tensor": {"dtype": name, "shape": list(t.shape), "data": base64.b64encode(raw).decode(),
                        "requires_grad": bool(x.requires_grad), "device": x.device.type,
                        "parameter": type(x) is torch.nn.Parameter}}


def encode(x) -> str:
    """``x`` as a JSON string; too large a result becomes an :class:`Opaque` that says so."""
    text = json.dumps(to_data(x), allow_nan=False)
    if len(text) > MAX_CHARS:
        text = json.dumps({"$opaque": [type_name(x), f"too large to check ({len(text)} characters)"]})
    return text


def from_data(d, depth: int = 0):
    """The value :func:`to_data` wrote as ``d``; :class:`WireError` for anything else."""
    if depth > _DEPTH + 2:
        raise WireError("nested too deeply")
    if d is None or type(d) in (bool, int, float, str):
        return d
    if type(d) is list:
        return [from_data(v, depth + 1) for v in d]
    if type(d) is not dict or len(d) != 1:
        raise WireError(f"unexpected {type(d).__name__}")
    (tag, value), = d.items()
    if tag == "$tuple" and type(value) is list:
        return tuple(from_data(v, depth + 1) for v in value)
    if tag == "$dict" and type(value) is dict:
        return {str(k): from_data(v, depth + 1) for k, v in value.items()}
    if tag == "$float" and value in ("nan", "inf", "-inf"):
        return float(value)
    if tag == "$numpy" and type(value) is list and len(value) == 2 and value[0] in NUMPY_SCALARS:
        number = float(value[1]) if type(value[1]) is str else value[1]
        if type(number) not in (bool, int, float):
            raise WireError("bad NumPy scalar")
        return np.dtype(value[0]).type(number)
    if tag == "$opaque" and type(value) is list and len(value) == 2:
        return Opaque(*value)
    if tag == "$tensor" and type(value) is dict:
        return _from_tensor(value)
    raise WireError(f"unknown tag {tag!r}")


def _from_tensor(v: dict) -> torch.Tensor:
    dtype = DTYPES.get(v.get("dtype"))
    shape = v.get("shape")
    if dtype is None or type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("bad tensor")
    raw = base64.b64decode(v.get("data", ""), validate=True)
    size = math.prod(shape)
    if len(raw) != size * torch.empty((), dtype=dtype).element_size():
        raise WireError("tensor data does not match its shape")
    t = (torch.frombuffer(bytearray(raw), dtype=dtype) if raw else torch.empty(0, dtype=dtype)).reshape(shape)
    if v.get("requires_grad") is True and (t.is_floating_point() or t.is_complex()):
        t.requires_grad_(True)
    return t


def decode(text: str):
    """The value of a message :func:`encode` wrote (never unpickles; :class:`WireError` when
    it is not such a message)."""
    if type(text) is not str or len(text) > MAX_CHARS:
        raise WireError("not a message of the course's format")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise WireError(f"not JSON: {err}") from None
    return from_data(data)
