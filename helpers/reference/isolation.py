"""Running a learner's function or model constructor with the course's references.

:func:`isolate` gives a copy of a learner's function that sees the references (or stand-ins)
instead of the notebook's names, so a training exercise is graded with the course's
``data_iter``, ``sgd`` and friends: a wrong ``sgd`` loses the ``sgd`` points, not the
training points too. :func:`build_model` calls a learner's model constructor and names the
usual mistakes it raises or warns about; :func:`quiet_helpers` is a ``helpers`` package whose
``train`` draws nothing, for test cells.

This module is read-only in notebooks (:mod:`helpers._readonly`).
"""
from __future__ import annotations

import types
import warnings
from typing import Callable

from torch import nn

from .._readonly import seal
from ..checks import _fail, _type_name


def isolate(fn, name: str, **names):
    """A copy of the learner's function ``fn`` that sees ``names`` instead of its globals.

    ``isolate(train_linreg, "train_linreg", sgd=reference.sgd)`` runs the learner's training
    loop with the reference ``sgd``, whatever the notebook's ``sgd`` is. The notebook itself
    is not changed.

    Introduced in ``01_linear_regression_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    if type(fn) is not types.FunctionType:
        _fail(name, f"should be a function defined with `def`, got {_type_name(fn)}.", [],
              f"define it as `def {name}(...):` in the cell above and run that cell.")
    scope = dict(fn.__globals__)
    scope.update(names)
    copy = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


def build_model(make: Callable, name: str):
    """Call ``make()`` (a learner's model constructor) and return the model it builds.

    Fails with a course message when the constructor warns (a deprecated API such as
    ``nn.init.normal`` without ``_``), forgot ``super().__init__()``, initialised a layer of
    an ``nn.Sequential`` through the container (``net.weight``), or returned something that
    is not an ``nn.Module``.

    Introduced in ``02_linear_regression_nn``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = make()
        except AttributeError as err:
            known = ("Module.__init__() call", "'Sequential' object has no attribute")
            if not any(text in str(err) for text in known):
                raise
            model, error = None, str(err)
    if error is not None and "Module.__init__() call" in error:
        _fail(name, f"raised AttributeError: {error}", [],
              "start __init__ with super().__init__(): nn.Module must set itself up before "
              "layers can be assigned to self.")
    if error is not None:
        _fail(name, f"raised AttributeError: {error}", [],
              "an nn.Sequential has no weight of its own: the layer inside it is net[0], so "
              "initialise net[0].weight and net[0].bias.")
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    if messages:
        _fail(name, "raised a warning.", [f"got: {m}" for m in messages],
              "a deprecated API: use the initialisers with a trailing underscore, which fill the "
              "tensor in place: nn.init.normal_ and nn.init.zeros_, not nn.init.normal.")
    if not isinstance(model, nn.Module):
        _fail(name, f"should build an nn.Module, got {_type_name(model)}.", [],
              "return the model you built (a class's constructor returns it by itself).")
    return model


def quiet_helpers():
    """A stand-in for the ``helpers`` package whose ``train`` shows no plot and no progress bar.

    Test cells run a learner's function that calls ``helpers.train`` with it in place of the
    package, ``isolate(train_mlp, "train_mlp", helpers=quiet_helpers())``, so that a test
    draws no figures for a learner to wade through. Every other name is the package's own.

    Introduced in ``05_mlp_scratch``.
    """
    import helpers as package

    from ..train import train

    def quiet_train(*args, **kwargs):
        return train(*args, **{**kwargs, "plot": False, "progress": False})

    stand_in = types.SimpleNamespace(**{name: getattr(package, name) for name in package.__all__})
    stand_in.train = quiet_train
    return stand_in


seal(__name__)
