"""How an exercise is checked: its known mistakes, its checks, and how they reach the code.

An :class:`Exercise` holds, for one graded exercise of a notebook:

- its **known mistakes** (:class:`KnownMistake`), each written once as the wrong code a
  learner types, with the problem and the hint a learner is told. A check names a mistake
  only when it has *detected* it: on the same input, the learner's result is what the
  mistake's code produces and not what the right answer gives (``by="value"``), or a
  property that only this mistake breaks failed (``by=`` the property's name). The tests
  (``tests/test_wrong_answers.py``) run every known mistake as a learner's answer and
  expect its own hint;
- its **checks**: a function ``checks(call, cases)`` that calls the learner's code through
  ``call`` on each case and compares what came back. The same function runs in two
  places: in the learner's notebook on the visible cases (``call`` runs the function
  directly), and in the grading judge on the visible and hidden cases (``call`` sends the
  inputs to the learner's kernel and gets the result back as data, :mod:`.wire`);
- the built-ins its task forbids: while the learner's code runs, each raises
  :class:`ForbiddenBuiltin` with the course's message.

A notebook's module (e.g. ``helpers/exercises/nb03.py``) lists its exercises in an
:class:`Exercises`, whose ``check`` is what a test cell calls: ``check("softmax", softmax)``.

Introduced in ``01_linear_regression_scratch``.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import math
import types
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import torch

from ..checks import _fail, preview
from ..hints import hint_for
from .wire import Opaque, type_name

_NOTHING = object()


class ForbiddenBuiltin(Exception):
    """A built-in that an exercise's task forbids was called while its check ran."""


@dataclass(frozen=True)
class KnownMistake:
    """A mistake learners make, as the wrong ``code`` they type, and what they are told.

    ``by`` says how a check detects it: ``"result"`` (on the same input, the learner's code
    returns what ``code`` returns, or raises the error it raises, and the right answer
    differs), ``"type"`` (the learner's result has the type of ``code``'s, where the right
    type differs), or the name of a property check that only this mistake fails (e.g.
    ``"in place"``, ``"no_grad"``). ``code`` is also what the tests type as the learner's
    answer (``tests/test_wrong_answers.py``).

    Introduced in ``01_linear_regression_scratch``.
    """

    what: str
    code: Callable
    problem: str
    hint: str
    by: str = "result"

    def produces(self, exercise: "Exercise", harness: str | None, args: tuple, kwargs: dict):
        """What ``code`` gives, run as the learner's code was (through ``harness``), on copies
        of the same inputs: ``("value", v)`` or ``("error", type name, message)``."""
        fn = self.code
        if harness:
            fn = functools.partial(exercise.harnesses[harness], self.code, support=exercise.local_support())
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ("value", materialise(fn(*_copies(args), **_copies(kwargs))))
        except Exception as err:  # a mistake that raises is matched by its error
            return ("error", type(err).__name__, str(err))


def _copies(x):
    """Fresh copies of the tensors in ``x`` (a mistake must not change the check's inputs)."""
    if isinstance(x, torch.Tensor):
        return x.detach().clone().requires_grad_(x.requires_grad) if x.is_leaf else x.detach().clone()
    if type(x) in (list, tuple):
        return type(x)(_copies(v) for v in x)
    if type(x) is dict:
        return {k: _copies(v) for k, v in x.items()}
    return x


class Yielded(list):
    """What an iterator (e.g. a generator) the learner's function returned yielded, read
    into a list; ``kind`` is the iterator's type name (``"generator"``)."""

    def __init__(self, items, kind: str = "generator"):
        super().__init__(items)
        self.kind = kind


def materialise(value, limit: int = 10_000):
    """``value``, or the items an iterator ``value`` yields as :class:`Yielded` (at most
    ``limit``): checks compare what a generator yields, wherever it ran."""
    if isinstance(value, (torch.Tensor, str, bytes, list, tuple, dict)) or not hasattr(value, "__next__"):
        return value
    items = []
    for item in value:
        items.append(item)
        if len(items) >= limit:
            break
    return Yielded(items, type(value).__name__)


@dataclass
class Run:
    """What one call of the learner's code did: the ``value`` it returned, its arguments
    after the call (``args``, ``kwargs``: what it changed in place), or the ``error`` it
    raised as ``(type name, message, course hint)``. ``exception`` is the error itself when
    the call ran in this process (the learner's traceback is worth keeping)."""

    value: Any = None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    error: tuple[str, str, str] | None = None
    exception: BaseException | None = None
    where: str = ""
    exercise: "Exercise | None" = None
    harness: str | None = None
    inputs: tuple = ()            # copies of the arguments, taken before the call
    input_kwargs: dict = field(default_factory=dict)
    earlier: list = field(default_factory=list)   # the runs of the same check before this one
    _products: dict = field(default_factory=dict, repr=False)

    def product(self, mistake: KnownMistake):
        """What ``mistake``'s code gives on this run's inputs, run the same way."""
        if id(mistake) not in self._products:
            self._products[id(mistake)] = mistake.produces(self.exercise, self.harness, self.inputs,
                                                           self.input_kwargs)
        return self._products[id(mistake)]

    def consistent(self, mistake: KnownMistake) -> bool:
        """Does ``mistake``'s code give what the learner's code gave on every earlier run? A
        mistake that would have failed an input the learner's code got right is not theirs."""
        for run in self.earlier:
            if run.error is not None:
                continue
            product = run.product(mistake)
            if product[0] != "value" or not same_data(product[1], run.value):
                return False
        return True

    def ok(self, *, ask: str | None = None) -> Any:
        """The value this call returned; if it raised, fail for that error: with a known
        mistake's message when a mistake's code raises the same error on the same inputs,
        otherwise with the error as it is (in a notebook, the learner's own traceback and
        the course hint for that error)."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        if self.error is None:
            return self.value
        kind, message, hint = self.error
        if kind == ForbiddenBuiltin.__name__:
            forbidden = next((m for m in self.exercise.mistakes if m.by == "forbidden"), None)
            _raise_from(self.where, "called a built-in that this exercise asks you to write yourself.",
                        [message], forbidden.hint if forbidden else None, self.exception)
        raising = [m for m in (self.exercise.mistakes if self.exercise else ())
                   if m.by == "result" and self.product(m) == ("error", kind, message) and self.consistent(m)]
        if len(raising) == 1:   # one known mistake alone raises this error here: it is the cause
            _raise_from(self.where, raising[0].problem, [f"it raised {kind}: {message}"], raising[0].hint,
                        self.exception)
        if self.exception is not None:   # the learner's own traceback, with where it happened
            self.exception.add_note(f"(raised while the check ran {self.where}"
                                    + (f"; {ask}" if ask else "") + ")")
            raise self.exception
        _fail(self.where, f"raised {kind}: {message}", [], hint or ask)


def _raise_from(where, problem, details, hint, cause):
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    try:
        _fail(where, problem, details, hint)
    except AssertionError as err:
        raise err from cause


# ---------------------------------------------------------------------------- forbidding

def _resolve(path: str):
    """The object a dotted path names, and where it lives: ``(owner, attribute, object)``."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1], getattr(owner, parts[-1])
    raise ValueError(f"cannot resolve {path}")


@contextlib.contextmanager
def forbid(forbidden: dict[str, str], *functions: Callable):
    """While the block runs, each built-in named in ``forbidden`` (dotted path → message)
    raises :class:`ForbiddenBuiltin` with its message: where it lives (``torch.softmax``,
    ``torch.Tensor.softmax``) and wherever ``functions`` hold it in their globals
    (``from torch import softmax as sm`` in the learner's cell). Everything is put back
    afterwards.

    Introduced in ``03_softmax_scratch``.
    """
    patched, originals = [], {}
    try:
        for path, message in forbidden.items():
            owner, name, original = _resolve(path)
            originals[id(original)] = (original, _raiser(path, message))
            patched.append((owner, name, original))
            setattr(owner, name, originals[id(original)][1])
        for fn in functions:
            for name, value in list(getattr(fn, "__globals__", {}).items()):
                if id(value) in originals and value is originals[id(value)][0]:
                    patched.append((fn.__globals__, name, value))
                    fn.__globals__[name] = originals[id(value)][1]
            for cell in getattr(fn, "__closure__", None) or ():
                try:
                    value = cell.cell_contents
                except ValueError:  # an empty cell
                    continue
                if id(value) in originals and value is originals[id(value)][0]:
                    patched.append((cell, "cell_contents", value))
                    cell.cell_contents = originals[id(value)][1]
        yield
    finally:
        for owner, name, original in reversed(patched):
            if isinstance(owner, dict):
                owner[name] = original
            else:
                setattr(owner, name, original)


def _raiser(path: str, message: str):
    def forbidden(*args, **kwargs):
        raise ForbiddenBuiltin(f"{path} is not allowed in this exercise: {message}")
    return forbidden


# ---------------------------------------------------------------------------- calling

class LocalCall:
    """Calls the learner's ``target`` in this process, for the visible checks in a notebook.

    ``call(*args)`` runs ``target(*args)``; ``call.via(harness, *args)`` runs one of the
    exercise's harnesses (code of the course that builds what the learner's function needs,
    e.g. a network and a loader, and watches it run) with ``target``. Either returns a
    :class:`Run`; while it runs, the exercise's forbidden built-ins raise.
    """

    def __init__(self, exercise: "Exercise", target):
        self.exercise, self.target = exercise, target
        self.history: list[Run] = []

    def __call__(self, *args, **kwargs) -> Run:
        return self._run(None, args, kwargs)

    def via(self, harness: str, *args, **kwargs) -> Run:
        return self._run(harness, args, kwargs)

    def value(self):
        """The learner's variable itself (for an exercise whose answer is a value)."""
        return self.target

    def _run(self, harness, args, kwargs) -> Run:
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        exercise = self.exercise
        if not callable(self.target):
            _fail(exercise.name, f"expected a function, got {type_name(self.target)}.", [],
                  f"define `{exercise.target}` with `def` and run that cell first.")
        run = Run(where=f"{exercise.name}{_signature(args, kwargs)}", exercise=exercise, harness=harness,
                  inputs=_copies(args), input_kwargs=_copies(kwargs), args=args, kwargs=kwargs,
                  earlier=list(self.history))
        self.history.append(run)
        fn = self.target
        if harness:
            fn = functools.partial(exercise.harnesses[harness], self.target, support=exercise.local_support())
        try:
            with forbid(exercise.forbidden, self.target):
                run.value = materialise(fn(*args, **kwargs))
        except Exception as err:
            run.error, run.exception = (type(err).__name__, str(err), hint_for(err) or ""), err
        return run


def isolated(fn, **names):
    """A copy of the learner's function ``fn`` that sees ``names`` instead of its globals:
    ``isolated(train_epoch, sgd=spy)`` runs the learner's loop with the course's ``sgd``,
    whatever the notebook's is (one mistake costs its own points only). Anything that is not
    a plain function is returned as it is.

    Introduced in ``01_linear_regression_scratch``.
    """
    if type(fn) is not types.FunctionType:
        return fn
    scope = dict(fn.__globals__)
    scope.update(names)
    clone = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
    clone.__kwdefaults__ = fn.__kwdefaults__
    return clone


def module_report(make, *args, inputs: tuple = (), seed: int = 0, support=None) -> dict:
    """A learner's ``nn.Module`` class (or any function that builds a module) exercised on
    data, for a check that runs in another process: build ``make(*args)`` under ``seed``,
    then in training and in evaluation mode run it on each of ``inputs`` (the seed reset
    before each mode, so dropout masks repeat). Returns its type, parameters (name, shape,
    ``requires_grad``), ``state_dict``, the outputs in each mode and the mode after each —
    data only. Every :class:`Exercise` has it as the harness ``"module"``.

    Introduced in ``03_softmax_scratch``.
    """
    torch.manual_seed(seed)
    net = make(*args)
    if not isinstance(net, torch.nn.Module):
        return {"module": False, "type": type_name(net)}
    report = {"module": True, "type": type_name(net),
              "parameters": [[name, list(p.shape), p.requires_grad] for name, p in net.named_parameters()],
              "state": {k: v.detach().clone() for k, v in net.state_dict().items()}, "outputs": {}}
    for mode in ("train", "eval"):
        getattr(net, mode)()
        torch.manual_seed(seed)
        outputs = [net(x) for x in inputs]
        report["outputs"][mode] = [o.detach() if isinstance(o, torch.Tensor) else o for o in outputs]
        report[f"training_after_{mode}"] = net.training
    return report


def _signature(args, kwargs) -> str:
    shown = [_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()]
    return "(" + ", ".join(shown) + ")"


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"tensor of shape {tuple(x.shape)}"
    text = repr(x)
    return text if len(text) <= 30 else f"{type_name(x)}"


# ---------------------------------------------------------------------------- exercises

class Exercise:
    """One graded exercise: its known mistakes, its checks, its harnesses, what it forbids.

    ``support`` names reference functions a harness needs in the learner's kernel (e.g.
    the course's ``sgd`` to train with): in a notebook they come from
    :mod:`helpers.reference`; while grading, the judge sends their source, since the
    reference package is not importable there.

    Introduced in ``01_linear_regression_scratch``.
    """

    def __init__(self, name: str, *, forbidden: dict[str, str] | None = None,
                 support: tuple[str, ...] = (), target: str | None = None):
        self.name = name
        self.target = target or name   # the name the learner's code has in the notebook
        self.forbidden = dict(forbidden or {})
        self.support = support
        self.mistakes: list[KnownMistake] = []
        self.harnesses: dict[str, Callable] = {"module": module_report}
        self.visible: list = []
        self._checks: Callable | None = None

    def mistake(self, what: str, problem: str, hint: str, *, by: str = "result"):
        """Register the decorated function as a known mistake (see :class:`KnownMistake`)."""
        def register(code):
            self.mistakes.append(KnownMistake(what, code, problem, hint, by))
            return code
        return register

    def known(self, what: str) -> KnownMistake:
        """The known mistake registered as ``what``."""
        return next(m for m in self.mistakes if m.what == what)

    def harness(self, fn: Callable) -> Callable:
        """Register the decorated function as a harness, under its name."""
        self.harnesses[fn.__name__] = fn
        return fn

    def checks(self, fn: Callable) -> Callable:
        """Register the decorated function as the exercise's checks: ``fn(call, cases)``."""
        self._checks = fn
        return fn

    def local_support(self) -> dict[str, Callable]:
        if not self.support:
            return {}
        reference = importlib.import_module("helpers.reference")
        return {name: getattr(reference, name) for name in self.support}

    def run(self, call, cases: list) -> None:
        """Run the checks on ``cases`` through ``call``; a failure raises ``AssertionError``."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        self._checks(call, cases)


class Exercises:
    """A notebook's exercises, by name; its :meth:`check` is what the test cells call."""

    def __init__(self, notebook: str, exercises: Iterable[Exercise]):
        self.notebook = notebook
        self.by_name = {e.name: e for e in exercises}

    def check(self, name: str, target) -> None:
        """Run the visible checks of exercise ``name`` on the learner's ``target``.

        Prints ``name: the visible checks pass.`` or raises ``AssertionError`` with what
        was expected, what came back, and a hint when its cause was detected.
        """
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        exercise = self.by_name[name]
        exercise.run(LocalCall(exercise, target), list(exercise.visible))
        print(f"{name}: the visible checks pass.")


# ---------------------------------------------------------------------------- comparing

def expect_tensor(where: str, got, *, hint: str | None = None) -> torch.Tensor:
    """``got`` as a plain tensor, or a failure that says what it was instead."""
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    if got is None:
        _fail(where, "returned None.", [], "does the function `return` its result?")
    if type(got) in (torch.Tensor, torch.nn.Parameter):
        return got
    if isinstance(got, Opaque) and got.type_name.startswith("torch.Tensor"):
        _fail(where, f"returned a tensor the checks cannot read ({got.type_name}).", [], hint)
    if isinstance(got, torch.Tensor):   # a subclass may answer any comparison as it likes
        _fail(where, f"expected a plain torch.Tensor, got a subclass ({type_name(got)}).", [],
              "return the tensor your computation gives, not an object of your own class.")
    _fail(where, f"expected a tensor, got {type_name(got)}.", [f"got: {preview(got)}"],
          hint or "return a torch.Tensor computed with torch operations (not a list, not NumPy).")


def close(a, b, rtol: float = 1e-5, atol: float = 1e-6, equal_nan: bool = False) -> bool:
    """Are ``a`` and ``b`` plain tensors (or numbers) of one shape and close in value?"""
    try:
        a = torch.as_tensor(a) if type(a) in (int, float, bool) else a
        b = torch.as_tensor(b) if type(b) in (int, float, bool) else b
        tensors = (torch.Tensor, torch.nn.Parameter)
        if type(a) not in tensors or type(b) not in tensors:
            return False
        if a.shape != b.shape:
            return False
        return bool(torch.allclose(a.detach().double(), b.detach().double(), rtol=rtol, atol=atol,
                                   equal_nan=equal_nan))
    except (RuntimeError, TypeError):
        return False


def expect_close(run: Run, right, *, pick: Callable = lambda v: v, what: str = "",
                 rtol: float = 1e-5, atol: float = 1e-6, ask: str | None = None) -> None:
    """Fail unless ``pick(run's value)`` is a tensor close to ``right``.

    On a difference, name the first known mistake whose code, run on the same inputs, gives
    the same and the right answer does not (:func:`detect`); otherwise show both values and
    ``ask`` where to look (a question, never a cause). ``what`` names the part of the result
    that is compared, e.g. ``"the returned mean"``.

    Introduced in ``01_linear_regression_scratch``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    where = f"{run.where} {what}".strip()
    right = torch.as_tensor(right)
    got = pick(run.ok(ask=ask))
    got = torch.as_tensor(got) if type(got) in (int, float) else expect_tensor(where, got)
    if close(got, right, rtol, atol):
        return
    details = [f"expected: {preview(right)}", f"got:      {preview(got)}"]
    mistake = detect(run, got, right, pick=pick, same=lambda a, b: close(a, b, rtol, atol, equal_nan=True))
    if mistake is not None:
        _fail(where, mistake.problem, details, mistake.hint)
    if got.shape != right.shape:
        _fail(where, f"wrong shape: expected {tuple(right.shape)}, got {tuple(got.shape)}.", details, ask)
    details.append(_largest_difference(got, right))
    if torch.isnan(got.detach()).any() or torch.isinf(got.detach()).any():
        details.append("your result contains nan or inf.")
    _fail(where, "values differ from the expected ones.", details, ask)


def detect(run: Run, got, right, *, pick: Callable = lambda v: v,
           same: Callable[[Any, Any], bool] | None = None) -> KnownMistake | None:
    """The known mistake (``by="result"``) whose code, on ``run``'s inputs, gives ``got``
    (compared after ``pick``) where the right answer ``right`` differs, and which gives what
    the learner's code gave on every earlier input. When several mistakes fit, the cause is
    not known: a mistake that names them all as possibilities is returned."""
    same = same or same_data
    found = []
    for mistake in run.exercise.mistakes:
        if mistake.by != "result":
            continue
        product = run.product(mistake)
        if product[0] != "value":
            continue
        try:
            produced = pick(product[1])
        except Exception:  # the mistake's result has another form: it is not this one
            continue
        if same(got, produced) and not same(right, produced) and run.consistent(mistake):
            found.append(mistake)
    if len(found) <= 1:
        return found[0] if found else None
    return KnownMistake("ambiguous", None, "values differ from the expected ones.",
                        "this is what each of these known mistakes gives; which one is yours? "
                        + " Or: ".join(m.hint for m in found), by="ambiguous")


def same_data(a, b, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """Are ``a`` and ``b`` the same data: equal types of container, close tensors and floats
    (nan matching nan), equal everything else?"""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return close(a, b, rtol, atol, equal_nan=True)
    if type(a) is float and type(b) is float:
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol) or (a != a and b != b)
    if type(a) in (list, tuple, Yielded) and type(b) in (list, tuple, Yielded):
        return len(a) == len(b) and all(same_data(x, y, rtol, atol) for x, y in zip(a, b))
    if type(a) is dict and type(b) is dict:
        return a.keys() == b.keys() and all(same_data(a[k], b[k], rtol, atol) for k in a)
    return type(a) is type(b) and a == b


def _largest_difference(got: torch.Tensor, right: torch.Tensor) -> str:
    g, r = got.detach().double(), right.detach().double()
    if not g.numel():
        return "both are empty"
    diff = torch.nan_to_num((g - r).abs(), nan=float("inf"))
    where = tuple(int(i) for i in torch.unravel_index(diff.argmax(), diff.shape))
    return f"largest difference {float(diff.max()):.6g} at index {where}"


def expect_unchanged(run: Run, *names: str) -> None:
    """Fail if the call changed a tensor argument in place: the arguments ``names`` (in
    order) after the call are compared with the copies taken before it. The message is the
    exercise's ``by="in place"`` mistake's when it has one."""
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    for name, before, after in zip(names, run.inputs, run.args):
        if not isinstance(before, torch.Tensor):
            continue
        if not isinstance(after, torch.Tensor) or after.shape != before.shape or not torch.equal(
                after.detach(), before.detach()):
            mistake = next((m for m in run.exercise.mistakes if m.by == "in place"), None)
            hint = mistake.hint if mistake else ("compute new tensors instead of changing the input "
                                                 "(`-=`, or a method that ends in `_`).")
            _fail(run.where, f"changed its input `{name}` in place.",
                  [f"before: {preview(before)}", f"after:  {preview(after)}"], hint)


def expect_float(run: Run, got=_NOTHING, *, pick: Callable = lambda v: v, what: str = "") -> float:
    """Fail unless ``pick(value)`` of the call (or ``got``) is a Python ``float``; say what it
    was instead. The hint is a known mistake's (``by="type"``) when its code returns exactly
    this on the same inputs, otherwise a question."""
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    got = pick(run.ok()) if got is _NOTHING else got
    if type(got) is float:
        return got
    where = f"{run.where} {what}".strip()
    described = type_name(got)
    if isinstance(got, torch.Tensor):
        described += f" of shape {tuple(got.shape)}"
    elif type(got) is int:
        described += f" ({got})"
    mistake = _type_mistake(run, got, pick)
    hint = mistake.hint if mistake else None
    if hint is None:
        if isinstance(got, torch.Tensor):
            hint = "is it a one-element tensor? .item() or float(...) turns it into a Python float."
        elif type(got) is int:
            hint = "an int: is it a count, or a division rounded down by `//`?"
        elif isinstance(got, float):
            hint = "float(...) turns it into a plain Python float."
    _fail(where, "should return a Python float.", ["expected: float", f"got:      {described}"], hint)


def number_like(x) -> bool:
    """A Python or NumPy number, or a one-element tensor: something a float check can compare."""
    import numpy as np

    return (type(x) in (int, float) or isinstance(x, np.number)
            or (type(x) in (torch.Tensor, torch.nn.Parameter) and x.numel() == 1 and not x.is_complex()))


def as_number(x):
    """A number-like ``x`` as a 0-d float64 tensor (anything else unchanged)."""
    if number_like(x):
        return torch.as_tensor(float(x.item() if hasattr(x, "item") else x), dtype=torch.float64)
    return x


def expect_number(run: Run, right: float, *, pick: Callable = lambda v: v, what: str = "",
                  rtol: float = 1e-5, atol: float = 1e-6, ask: str | None = None) -> float:
    """Fail unless ``pick(value)`` is a Python float close to ``right``. A value that is no
    number, or whose type a known mistake (``by="type"``) gives exactly, fails on its type
    first; a wrong number is diagnosed as :func:`expect_close` does; a right number of the
    wrong type (a tensor, a NumPy float) fails on its type."""
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    got = pick(run.ok(ask=ask))
    if not number_like(got) or (type(got) is not float and _type_mistake(run, got, pick)):
        expect_float(run, got, pick=pick, what=what)
    value = float(got.item() if hasattr(got, "item") else got)
    if not math.isclose(value, right, rel_tol=rtol, abs_tol=atol):
        where = f"{run.where} {what}".strip()
        details = [f"expected: {right:.6g}", f"got:      {value:.6g}"]
        mistake = detect(run, got, right, pick=pick, same=lambda a, b: number_like(a) and number_like(b)
                         and math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=atol))
        if mistake is not None:
            _fail(where, mistake.problem, details, mistake.hint)
        _fail(where, "wrong value.", details, ask)
    return expect_float(run, got, pick=pick, what=what)


def _type_mistake(run: Run, got, pick) -> KnownMistake | None:
    """The known mistake (``by="type"``) whose code returns exactly ``got``, type included."""
    for mistake in run.exercise.mistakes:
        if mistake.by != "type":
            continue
        product = run.product(mistake)
        try:
            produced = pick(product[1]) if product[0] == "value" else _NOTHING
        except Exception:  # another form of result: not this mistake
            continue
        if type_name(produced) == type_name(got) and same_data(produced, got):
            return mistake
    return None


def expect_record(run: Run, *keys: str) -> dict:
    """The dict a harness returned, with ``keys``; anything else came from a kernel that
    did not run the course's harness, and fails."""
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    got = run.ok()
    if type(got) is not dict or any(k not in got for k in keys):
        _fail(run.where, "the kernel answered with something the course's checks never return.",
              [f"got: {preview(got)}"], "was something in the notebook replaced that the checks use?")
    return got


def fail(run_or_where, mistake: KnownMistake, details: Iterable[str] = ()) -> None:
    """Fail with ``mistake``'s problem and hint, for a cause a property check detected."""
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    where = run_or_where.where if isinstance(run_or_where, Run) else run_or_where
    _fail(where, mistake.problem, list(details), mistake.hint)


def module_of(notebook: str) -> types.ModuleType:
    """The exercise module of notebook ``notebook`` (``"03_softmax_scratch"`` →
    ``helpers.exercises.nb03``)."""
    return importlib.import_module(f"helpers.exercises.nb{notebook[:2]}")
