"""The kernel's side of grading: run one request of the judge, answer with data.

While the instructor grades, the judge (``helpers/grading/judge.py``, another process)
sends each request as one line of code executed in the learner's kernel, out of its
history::

    __import__("helpers.exercises.agent", fromlist=["serve"]).serve('<request as JSON>')

:func:`serve` looks up the learner's function (or value) by name in the notebook, runs it
on the inputs of the request (directly, or through one of the exercise's harnesses) with
the exercise's forbidden built-ins switched off, and publishes the outcome as one
``display_data`` of type :data:`MIME`: the value, the arguments after the call and any
error, all as data (:mod:`.wire`). Nothing here decides a grade: the judge compares what
comes back with what it computed itself, so anything a submission changes in this module
or in its kernel can only change the data it sends, never the judge's verdict on it.

Introduced in ``03_softmax_scratch``.
"""
from __future__ import annotations

import functools
import json
import math
import sys

import torch
import torch.nn.functional as F
from torch import nn

from ..hints import hint_for
from . import wire
from .framework import Yielded, forbid, materialise, module_of

MIME = "application/vnd.hands-on-pytorch.judge+json"
#: Items of an iterator a learner's function returns that are read, at most.
MAX_ITEMS = 10_000


def _main_namespace() -> dict:
    try:
        from IPython import get_ipython
        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:  # pragma: no cover - the course always has IPython
        pass
    return vars(sys.modules["__main__"])


def _support(sources: dict[str, str]) -> dict:
    """Reference functions the judge sent as source, defined in a namespace of their own."""
    scope = {"torch": torch, "nn": nn, "F": F, "math": math}
    for source in sources.values():
        exec(compile(source, "<course>", "exec"), scope)  # the judge's code, not the learner's
    return {name: scope[name] for name in sources}


def run(request: dict, namespace: dict) -> dict:
    """The outcome of one request (see the module docstring), as plain Python objects."""
    target_name = request["target"]
    if target_name not in namespace:
        return {"missing": target_name}
    target = namespace[target_name]
    args = tuple(wire.from_data(request.get("args", {"$tuple": []})))
    kwargs = wire.from_data(request.get("kwargs", {"$dict": {}}))
    if request.get("value"):   # the learner's variable itself, e.g. a chosen setting
        return {"value": target}
    exercise = module_of(request["notebook"]).EXERCISES.by_name[request["exercise"]]
    fn = target
    if request.get("harness"):
        fn = functools.partial(exercise.harnesses[request["harness"]], target,
                               support=_support(request.get("support", {})))
    try:
        with forbid(exercise.forbidden, target):
            value = fn(*args, **kwargs)
        value = materialise(value, MAX_ITEMS)
    except Exception as err:
        return {"error": [type(err).__name__, str(err)[:2000], hint_for(err) or ""],
                "args": args, "kwargs": kwargs}
    return {"value": value, "args": args, "kwargs": kwargs}


def serve(request_text: str) -> None:
    """Run the request and publish its outcome (see the module docstring)."""
    from IPython.display import publish_display_data

    try:
        outcome = run(json.loads(request_text), _main_namespace())
        data = wire.to_data(_plain(outcome))
    except Exception as err:  # a request the kernel cannot serve: the judge says so
        data = wire.to_data({"agent_error": f"{type(err).__name__}: {err}"[:2000]})
    publish_display_data({MIME: json.dumps(data, allow_nan=False)})


def _plain(outcome: dict) -> dict:
    """``outcome`` with what an iterator yielded as a dict of data."""
    value = outcome.get("value")
    if type(value) is Yielded:
        outcome = dict(outcome, value={"iterator": value.kind, "items": list(value)}, iterated=True)
    return outcome
