"""Stand-ins that watch a learner's code run and say, in the course's words, what went wrong.

A test cell hands them to a learner's function in place of what it calls
(:func:`helpers.reference.isolate`): :class:`RecordedMinibatches` hands out minibatches and
remembers them; :class:`SGDSpy` checks, at every step, that ``sgd`` gets the size of *this*
minibatch and the gradient of its *summed* loss (it recognises a mean loss divided again, a
nominal batch size, gradients that pile up or were never computed), and
:class:`PenaltySGDSpy` does the same for a penalised loss; :class:`FitSpy` records what each
fold trains on; :class:`SaveSpy` watches ``torch.save``, ``os.fsync`` and the renames;
:class:`ScriptedRun` plays a training run with given accuracies; :class:`SimulatedGPU` is an
asynchronous GPU on any machine.

Solve the exercises before reading: the spies compute the answers to check them.
This module is read-only in notebooks (:mod:`helpers._readonly`).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import torch

from .._readonly import seal
from ..checks import _fail, assert_close, assert_float, preview
from .answers import data_iter, fit_least_squares, fold_bounds, linreg, sgd, squared_loss
from .mistakes import Mistake, diagnose


class RecordedMinibatches:
    """Hands out minibatches and remembers them (``.served``), for :class:`SGDSpy`.

    Iterate it like a ``DataLoader`` over fixed ``batches``, or, without ``batches``, call it
    like notebook 01's ``data_iter(batch_size, features, labels, generator)``.

    Introduced in ``01_linear_regression_scratch``.
    """

    def __init__(self, batches=None):
        self.batches = None if batches is None else list(batches)
        self.served: list[tuple[torch.Tensor, torch.Tensor]] = []

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        for X, y in self.batches:
            self.served.append((X, y))
            yield X, y

    def __call__(self, batch_size, features, labels, generator=None):
        for X, y in data_iter(batch_size, features, labels, generator):
            self.served.append((X, y))
            yield X, y


def _gradient(loss: Callable, params, X, y) -> tuple[torch.Tensor, torch.Tensor]:
    """``(total, gradient)``: ``total = loss(copies, X, y)`` at detached copies of ``params``,
    and its gradient with respect to them, flattened, float64 (zeros where a copy is unused)."""
    with torch.enable_grad():
        copies = [p.detach().clone().requires_grad_(True) for p in params]
        total = loss(copies, X, y)
        grads = torch.autograd.grad(total, copies, allow_unused=True)
    return total, torch.cat([torch.zeros(p.numel(), dtype=torch.float64) if g is None
                             else g.reshape(-1).double() for p, g in zip(params, grads)])


@dataclass
class SGDSpy:
    """Stands in for ``sgd(params, lr, batch_size)``: checks each call, then takes the step.

    ``batch_loss(params, X, y)`` recomputes the *summed* loss of a minibatch from the
    parameters as passed to ``sgd``; ``minibatches`` says which minibatch the loop is on.
    Every call must come with the size of that minibatch and, in each ``param.grad``, the
    gradient of its summed loss; otherwise the learner gets a message naming the cause.
    ``call`` is how the task spells the call, quoted in hints; ``lr`` and ``params``, when
    given, are what every call must pass.

    Introduced in ``01_linear_regression_scratch``.
    """

    minibatches: RecordedMinibatches
    batch_loss: Callable
    lr: float | None = None
    params: list | None = None     # the tensors sgd must get, when the test knows them
    name: str = "training loop"
    call: str = "sgd(params, lr, len(y))"
    steps: int = field(default=0, init=False)
    batch_sums: list[float] = field(default_factory=list, init=False)   # summed loss per step
    batch_sizes: list[int] = field(default_factory=list, init=False)

    # The words of the messages that depend on what is trained (PenaltySGDSpy has its own);
    # "{call}" stands for self.call.
    OTHER_TENSORS = "sgd got other tensors than the parameters it was given to train."
    OTHER_TENSORS_HINT = ("pass the function's own `params` argument on, {call}, not tensors "
                          "from elsewhere in the notebook.")
    SIZE_HINT = ("pass the size of this minibatch, len(y): the last minibatch of an epoch "
                 "can be smaller than batch_size ({call}).")
    NO_GRADIENT_HINT = ("create the parameters with requires_grad=True and call backward() on "
                        "this minibatch's summed loss before sgd.")
    OBJECTIVE = "loss"   # the gradient of the *mean* loss
    MEAN_HINT = ("call backward() on the sum of the per-example losses, l.sum().backward(); "
                 "sgd already divides by the batch size.")
    WRONG_GRADIENT = "param.grad is not the gradient of this minibatch's summed loss."
    WRONG_GRADIENT_HINT = ("compute the loss of the current minibatch with the current "
                           "parameters, then l.sum().backward(), then {call}.")
    ATOL = 1e-6   # gradients agree within rtol=1e-3 and ATOL * (1 + the largest right entry)

    def __call__(self, params, lr, batch_size):
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        params = list(params)
        self.steps += 1
        where = f"{self.name}, sgd call {self.steps}"
        if not self.minibatches.served:
            _fail(where, "sgd was called before any minibatch was read.", [],
                  f"loop over the minibatches and call {self.call} inside the loop.")
        X, y = self.minibatches.served[-1]
        n = len(y)
        if self.lr is not None and lr != self.lr:
            _fail(where, "sgd got another learning rate than the one passed in.",
                  [f"expected: lr={self.lr:g}", f"got:      lr={lr!r}"],
                  "pass the function's own `lr` argument on to sgd.")
        if self.params is not None and (len(params) != len(self.params) or any(
                p is not q for p, q in zip(params, self.params))):
            _fail(where, self.OTHER_TENSORS,
                  [f"expected: {len(self.params)} tensors of shapes "
                   f"{[tuple(q.shape) for q in self.params]}",
                   f"got:      {len(params)} tensors of shapes {[tuple(p.shape) for p in params]}"],
                  self.OTHER_TENSORS_HINT.format(call=self.call))
        if batch_size != n:
            _fail(where, "sgd was told the wrong number of examples.",
                  [f"expected: batch_size={n} (this minibatch has {n} examples)",
                   f"got:      batch_size={batch_size!r}"],
                  self.SIZE_HINT.format(call=self.call))
        for i, p in enumerate(params):
            if p.grad is None:
                _fail(where, f"{self._param_name(i, p)} has no gradient: .grad is None.", [],
                      self.NO_GRADIENT_HINT)
        self._check_gradient(where, params, X, y)
        sgd(params, lr, batch_size)

    def _param_name(self, i: int, p: torch.Tensor) -> str:
        """How messages name parameter ``i``."""
        return f"parameter {i} (shape {tuple(p.shape)})"

    def _known_mistakes(self, params, X, y) -> list[Mistake]:
        """Mistakes tried before the mean loss and the piled-up gradients (none here); each
        produces a flat float64 gradient, as :func:`_gradient` does."""
        return []

    def _check_gradient(self, where, params, X, y) -> None:
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        try:
            total, want = _gradient(self.batch_loss, params, X, y)
        except Exception as err:
            _fail(where, "the loss of this minibatch cannot be computed from the parameters "
                  f"given to sgd ({type(err).__name__}: {err}).", [],
                  f"pass the parameters as the task says: {self.call}.")
        self.batch_sums.append(float(total.detach()))
        self.batch_sizes.append(len(y))
        got = torch.cat([p.grad.detach().reshape(-1).double() for p in params])
        n = len(y)

        def close(a, b):
            return bool(torch.allclose(a, b, rtol=1e-3, atol=self.ATOL * (1 + float(b.abs().max()))))

        if close(got, want):
            return

        def mistakes():   # a generator: each one is built only when the ones before it failed
            yield from self._known_mistakes(params, X, y)
            if n > 1:
                yield Mistake(want / n, f"the gradient is {n} times too small: it is the gradient "
                              f"of the *mean* {self.OBJECTIVE}, and sgd divides by the batch size "
                              "again.", self.MEAN_HINT)
            ratio = float(got @ want / (want @ want)) if float(want @ want) > 0 else 0.0
            scale = round(ratio) if math.isfinite(ratio) else 0   # nan in param.grad: no factor
            if scale >= 2:
                yield Mistake(scale * want, f"the gradient is {scale} times too large: gradients "
                              "of several backward() calls piled up.",
                              "call backward() once per minibatch; sgd zeroes the gradients after "
                              "the step.")

        details = [f"expected: {preview(want.float())}", f"got:      {preview(got.float())}"]
        if not bool(torch.isfinite(got).all()):
            details.append("param.grad contains nan or inf.")
        diagnose(where, got, mistakes(), close, details,
                 otherwise=(self.WRONG_GRADIENT, self.WRONG_GRADIENT_HINT.format(call=self.call)))

    def check_steps(self) -> None:
        """After the loop: ``sgd`` ran exactly once per minibatch."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        batches = len(self.minibatches.served)
        if batches == 0:
            _fail(self.name, "no minibatch was read.", [],
                  "loop over the minibatches (for X, y in ...) and take a step for each.")
        if self.steps != batches:
            _fail(self.name, "sgd should run once per minibatch.",
                  [f"expected: {batches} calls ({batches} minibatches)",
                   f"got:      {self.steps} calls"],
                  f"call {self.call} inside the loop over the minibatches, after backward().")

    def check_mean_loss(self, got) -> None:
        """The epoch's returned loss is the mean over its examples (at the time of each step)."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        got = assert_float(got, name=self.name,
                           hint="return total / count, with total built from .item() values.")
        if not self.batch_sizes:
            return
        exact = sum(self.batch_sums) / sum(self.batch_sizes)
        means = [s / n for s, n in zip(self.batch_sums, self.batch_sizes)]
        mean_of_means = sum(means) / len(means)
        sizes = ", ".join(map(str, self.batch_sizes))
        mean_of_minibatch_means = Mistake(
            # recognisable only where it differs from the right mean
            mean_of_means if abs(exact - mean_of_means) > 1e-4 * abs(exact) else None,
            f"returned the mean of the minibatch means (minibatches of {sizes}), which "
            "over-weights a smaller last minibatch.",
            "add up l.sum().item() and len(y) over the epoch, then divide once by the number of "
            "examples.")
        diagnose(self.name, got, [mean_of_minibatch_means], lambda a, b: abs(a - b) <= 1e-5 * abs(b),
                 [f"expected: {exact:.6g} (mean over all examples)", f"got:      {got:.6g}"])
        assert_close(got, exact, rtol=1e-4, name=f"{self.name}: the mean loss per example",
                     hint="add up l.sum().item() and len(y) over the epoch, then divide once by "
                          "the number of examples.")


class FitSpy:
    """Stands in for ``fit(X_train, y_train)``: records what each call trains on, then fits by
    least squares (:func:`fit_least_squares`). :meth:`check_folds` says whether the calls
    trained on the other folds of contiguous ``k``-fold cross-validation, and which usual
    mistake they show if not. ``X`` must hold each row's index in its first column.

    Introduced in ``07_model_selection``.
    """

    def __init__(self, name: str = "k_fold_loss"):
        self.name = name
        self.calls: list[tuple[torch.Tensor, torch.Tensor]] = []

    def __call__(self, X_train, y_train):
        self.calls.append((X_train, y_train))
        return fit_least_squares(X_train, y_train)

    def check_folds(self, n: int, k: int) -> None:
        """Fail with a learner-facing message unless call ``i`` trained on the rows outside
        fold ``i`` of the ``k`` contiguous folds of ``n`` rows."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        call = f"{self.name}(X with {n} rows, y, k={k}, fit)"
        if len(self.calls) != k:
            _fail(call, f"should call fit once per fold, {k} times.",
                  [f"expected: {k} calls", f"got:      {len(self.calls)} calls"],
                  "for i in range(k): hold out fold i, call fit(...) on the other folds, evaluate on fold i.")
        size = n // k
        for i, ((start, stop), (X_train, y_train)) in enumerate(zip(fold_bounds(n, k), self.calls)):
            rows = sorted(int(r) for r in X_train[:, 0].tolist())
            wanted = list(range(0, start)) + list(range(stop, n))
            if rows == wanted and len(y_train) == len(X_train):
                continue
            if rows == wanted:
                _fail(call, f"fold {i}: fit got {len(X_train)} rows of X but {len(y_train)} labels.",
                      [], "index X and y with the same rows.")
            held = sorted(set(range(n)) - set(rows))
            details = [f"expected: fold {i} (rows {start} to {stop - 1}) held out, "
                       f"fit on the other {len(wanted)} rows",
                       f"got:      fit on {len(rows)} rows, "
                       f"holding out {held if len(held) <= 12 else held[:12] + ['...']}"]
            if not held:
                hint = ("train on the other k-1 folds only: when the validation fold is in the training "
                        "data, its loss is a training loss and says nothing about new data.")
            elif len(rows) != len(set(rows)):
                hint = ("a row is in the training data twice: the slices of the parts before and after "
                        "the fold overlap.")
            elif held == list(range(held[0], held[-1] + 1)):
                if i == k - 1 and n % k and held == list(range(start, start + size)):
                    hint = (f"every fold has n // k = {size} rows, but the last one also takes the remainder "
                            f"(rows {start} to {n - 1}): do not leave out the {n % k} leftover row(s).")
                else:
                    hint = (f"fold i is rows i * (n // k) up to (i + 1) * (n // k) (the last fold up to n): "
                            f"here rows {start} to {stop - 1}. Check the slice bounds; torch.chunk and "
                            "torch.tensor_split cut other sizes.")
            else:
                hint = ("the folds are contiguous blocks of rows, in order (fold i is rows i * (n // k) up "
                        "to (i + 1) * (n // k)): do not shuffle or interleave inside k_fold_loss.")
            _fail(call, f"fold {i}: fit trained on the wrong rows.", details, hint)


# What a penalised training loop calls backward() on, as the penalty spy's hints spell it.
_PENALISED = "(squared_loss(linreg(X, w, b), y) + lambd * penalty(w)).sum()"


class PenaltySGDSpy(SGDSpy):
    """Stands in for notebook 01's ``sgd(params, lr, batch_size)`` in a training loop with a
    penalty: checks each call, then takes the step.

    The minibatch objective is the mean squared loss plus ``lambd * penalty(w)``; since
    ``sgd`` divides by the batch size, each call must find in ``w.grad`` and ``b.grad`` the
    gradient of ``squared_loss(...).sum() + len(y) * lambd * penalty(w)``. When it does not,
    the spy names the usual mistake whose gradient it is: the penalty added once to the
    summed loss (the decay then shrinks with the batch size), no penalty, the bias penalised
    too, the other penalty than the one passed in, a mean loss divided again, gradients piled
    up. ``minibatches`` (a :class:`RecordedMinibatches`) says which minibatch the loop is on.
    It is an :class:`SGDSpy` whose summed loss is that objective: the same checks of each
    call and of the steps, in the words of ``w`` and ``b``.

    Introduced in ``08_weight_decay``.
    """

    OTHER_TENSORS = "sgd got other tensors than the w and b the function was given."
    OTHER_TENSORS_HINT = "train the w and b passed in, in place: {call}."
    SIZE_HINT = "pass the size of this minibatch, len(y) ({call})."
    NO_GRADIENT_HINT = "call backward() on this minibatch's objective before sgd."
    OBJECTIVE = "objective"
    MEAN_HINT = f"call backward() on the sum, {_PENALISED}; sgd divides by len(y)."
    WRONG_GRADIENT = "the gradients are not those of this minibatch's penalised loss."
    WRONG_GRADIENT_HINT = f"for each minibatch: {_PENALISED}.backward(), then {{call}}."
    ATOL = 1e-5

    def __init__(self, minibatches, penalty, lambd, *, lr, params, other_penalty=None,
                 name="training loop", call="sgd([w, b], lr, len(y))"):
        super().__init__(minibatches, self._penalised, lr=lr, params=list(params), name=name,
                         call=call)
        self.penalty, self.lambd, self.other_penalty = penalty, lambd, other_penalty

    def _objective(self, w, b, X, y, *, times=None, penalty=None, on_bias=False):
        data = squared_loss(linreg(X, w, b), y).sum()
        penalty = self.penalty if penalty is None else penalty
        times = len(y) if times is None else times
        extra = penalty(w) + (penalty(b) if on_bias else 0.0)
        return data + times * self.lambd * extra

    def _penalised(self, params, X, y, **mistake):
        """The summed objective of a minibatch, ``params = [w, b]``; with ``mistake``, that
        of a usual mistake (:meth:`_objective`'s keywords)."""
        w, b = params
        return self._objective(w, b, X, y, **mistake)

    def _param_name(self, i: int, p: torch.Tensor) -> str:
        return "wb"[i]

    def _known_mistakes(self, params, X, y) -> list[Mistake]:
        def gradient(**mistake):   # computed only when the mistakes before it did not match
            return lambda: _gradient(partial(self._penalised, **mistake), params, X, y)[1]

        n = len(y)
        mistakes = [
            Mistake(gradient(times=1), "the penalty counts once per minibatch, not once per "
                    f"example: after sgd divides by len(y) = {n}, the decay is {n} times too weak.",
                    f"add the penalty to each example's loss before summing, {_PENALISED}, or add "
                    "len(y) * lambd * penalty(w) to the summed loss."),
            Mistake(gradient(times=0), "the gradient has no penalty in it: lambd * penalty(w) is "
                    "missing.", f"call backward() on {_PENALISED}."),
            Mistake(gradient(on_bias=True), "the bias was penalised too.",
                    "penalise the weights only, penalty(w), not penalty(b): the bias only shifts "
                    "the predictions and does not make the model more complex."),
        ]
        if self.other_penalty is not None:
            mistakes.append(Mistake(gradient(penalty=self.other_penalty), "the gradient is that of "
                                    "another penalty than the one passed in.",
                                    "call the `penalty` argument, penalty(w), not l2_penalty or "
                                    "l1_penalty by name."))
        return mistakes


def _file_name(f):
    """The path a ``torch.save`` target refers to: a path, an open file's name, or None."""
    if isinstance(f, (str, os.PathLike)):
        return os.path.abspath(os.fspath(f))
    name = getattr(f, "name", None)
    if isinstance(name, int):   # os.fdopen: the name is the descriptor
        try:
            return os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            return None
    return os.path.abspath(name) if isinstance(name, str) else None


class SaveSpy:
    """Watches a save while in a ``with`` block: records what ``torch.save`` writes to
    (``targets``), the ``os.fsync`` calls (``fsyncs``) and the renames (``renames``, pairs of
    absolute paths, through ``os.replace`` or ``os.rename``). With ``crash=True``,
    ``torch.save`` writes a few bytes of a zip file to its target and raises
    ``RuntimeError``, as when a program dies in the middle of a save.

    Introduced in ``13_checkpointing``.
    """

    def __init__(self, crash: bool = False):
        self.crash = crash
        self.targets: list = []
        self.fsyncs = 0
        self.renames: list[tuple[str, str]] = []

    def __enter__(self):
        self._real = (torch.save, os.fsync, os.replace, os.rename)
        real_save, real_fsync, real_replace, real_rename = self._real

        def save(obj, f, *args, **kwargs):
            self.targets.append(_file_name(f))
            if not self.crash:
                return real_save(obj, f, *args, **kwargs)
            if isinstance(f, (str, os.PathLike)):
                with open(f, "wb") as out:
                    out.write(b"PK\x03\x04 the first bytes of a zip file")
            else:
                f.write(b"PK\x03\x04 the first bytes of a zip file")
            raise RuntimeError("simulated crash in the middle of torch.save")

        def fsync(fd):
            self.fsyncs += 1
            return real_fsync(fd)

        def renamer(real):
            def rename(src, dst, *args, **kwargs):
                self.renames.append((os.path.abspath(os.fspath(src)), os.path.abspath(os.fspath(dst))))
                return real(src, dst, *args, **kwargs)
            return rename

        torch.save, os.fsync = save, fsync
        os.replace, os.rename = renamer(real_replace), renamer(real_rename)
        return self

    def __exit__(self, *exc_info):
        torch.save, os.fsync, os.replace, os.rename = self._real
        return False


class ScriptedRun:
    """Stands in for ``train_epoch(model, optimizer)`` and ``evaluate(model)``: each training
    epoch takes one real optimizer step (the parameters and the momentum change), each
    evaluation returns the next of ``accuracies`` and keeps a copy of the model's state
    (``states[k]``: the model evaluated the ``k + 1``-th time). ``log`` records the calls in
    order ("train", "eval").

    Introduced in ``13_checkpointing``.
    """

    def __init__(self, accuracies):
        self.accuracies = list(accuracies)
        self.log: list[str] = []
        self.states: list[dict] = []

    def train_epoch(self, model, optimizer):
        self.log.append("train")
        optimizer.zero_grad()
        with torch.enable_grad():
            loss = sum((p * p).sum() + p.sum() for p in model.parameters())
            loss.backward()
        optimizer.step()

    def evaluate(self, model):
        self.log.append("eval")
        k = len(self.states)
        self.states.append({key: v.detach().clone() for key, v in model.state_dict().items()})
        return self.accuracies[k] if k < len(self.accuracies) else 0.0


class SimulatedGPU:
    """A stand-in for an asynchronous GPU, so that timing code can be checked on any machine.

    A real GPU runs work *queued* by the CPU: a CUDA call returns as soon as the work is
    queued, long before it is done, and ``torch.cuda.synchronize()`` waits until the queue is
    empty. Here ``kernel()`` queues ``seconds`` of work (``first_call_extra`` more on the very
    first call, like CUDA's start-up costs) and returns at once, and ``synchronize()`` sleeps
    until the queued work would be done. Inside ``with gpu.installed():`` the functions a
    timing loop calls are this stand-in's (``torch.cuda.synchronize``, ``is_available``,
    ``device_count`` and their ``torch.accelerator`` twins), so
    ``time_it(gpu.kernel, torch.device("cuda"))`` runs without a GPU, and
    :meth:`check_time` names the mistake behind a wrong measurement.

    Introduced in ``14_gpu``.
    """

    def __init__(self, seconds: float, *, first_call_extra: float = 0.0):
        import time

        self._clock = time.perf_counter
        self.seconds = seconds
        self.first_call_extra = first_call_extra
        self.calls = 0   # kernel() calls: the warm-up included
        self.syncs = 0
        self._busy_until = self._clock()

    def kernel(self) -> None:
        """Queue one call's work and return at once (as a CUDA kernel launch does)."""
        cost = self.seconds + (self.first_call_extra if self.calls == 0 else 0.0)
        self._busy_until = max(self._clock(), self._busy_until) + cost
        self.calls += 1

    def pending(self) -> float:
        """Seconds of queued work not done yet."""
        return max(0.0, self._busy_until - self._clock())

    def synchronize(self, device=None) -> None:
        """Wait until all queued work is done (as ``torch.cuda.synchronize()`` does)."""
        import time

        self.syncs += 1
        while (wait := self._busy_until - self._clock()) > 0:
            time.sleep(wait)

    def installed(self):
        """A context in which ``torch.cuda`` (and ``torch.accelerator``) report one GPU whose
        ``synchronize`` is this stand-in's."""
        import contextlib
        from unittest import mock

        stack = contextlib.ExitStack()
        fakes = {"synchronize": self.synchronize, "is_available": lambda *args, **kwargs: True,
                 "device_count": lambda *args, **kwargs: 1}
        for module in (torch.cuda, getattr(torch, "accelerator", None)):
            if module is None:
                continue
            for name, fake in fakes.items():
                if hasattr(module, name):
                    stack.enter_context(mock.patch.object(module, name, fake))
        return stack

    def check_time(self, got: float, repeats: int, *, name: str) -> None:
        """Fail with the course's words unless ``got`` is the time of one call, ``seconds``.

        ``got`` comes from ``time_it(gpu.kernel, cuda, repeats)`` on a fresh stand-in; the
        usual mistakes give recognisable values: about 0 (the clock was read before the GPU
        finished), ``repeats`` times too much (no division), the warm-up's queued work counted
        (no synchronisation before the clock starts), or the start-up cost counted (no warm-up).
        """
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        got = assert_float(got, name=name, hint="return the seconds per call as a Python float.")
        want = self.seconds
        if 0.8 * want <= got <= 2.2 * want:   # generous above: a busy machine oversleeps
            return
        ms = f"{got * 1e3:.3g} ms per call"
        if got < 0.3 * want:
            hint = ("the clock was read while the GPU was still working: its calls return as soon as the "
                    "work is queued. Call the device's synchronize (torch.cuda.synchronize(device) on a "
                    "CUDA device) after the loop, before reading the clock.")
        elif self.calls < repeats + 1:
            hint = ("no warm-up: the first call on a GPU pays start-up costs. Call fn() once before "
                    "starting the clock, then synchronize, then time `repeats` calls.")
        elif self.syncs < 2:
            hint = ("the warm-up call's queued work was counted: synchronize *before* starting the clock "
                    "too, so the timed calls start with an empty queue.")
        elif abs(got - repeats * want) <= 0.3 * repeats * want:
            hint = "that is the time of all the calls together: divide by `repeats`."
        else:
            hint = ("warm up with one call, synchronize, start the clock, make `repeats` calls, "
                    "synchronize, stop the clock, divide by `repeats`.")
        _fail(name, "measured the wrong time.",
              [f"expected: about {want * 1e3:.3g} ms per call (the simulated GPU's time for one call)",
               f"got:      {ms} ({self.calls} calls of fn, {self.syncs} synchronizations)"], hint)


seal(__name__)
