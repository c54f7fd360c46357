"""The course's reference versions of from-scratch exercises, and stand-ins that watch them.

Autograder tests use these so that **one mistake costs its own points only**: a training
exercise is run with the reference ``data_iter``, ``sgd`` and friends swapped in for the
learner's (:func:`isolate`), so a wrong ``sgd`` loses the ``sgd`` points, not the training
points too. The stand-ins also watch the training loop and say what went wrong in the
course's words: :class:`RecordedMinibatches` hands out minibatches and remembers them, and
:class:`SGDSpy` checks, at every step, that ``sgd`` gets the size of *this* minibatch and the
gradient of its *summed* loss (it recognises a mean loss divided again, a nominal batch size,
gradients that pile up or were never computed).

Solve the exercises before reading the references below: they are the answers.
This module is read-only in notebooks (:mod:`helpers._readonly`).
"""
from __future__ import annotations

import copy
import types
import warnings
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .._readonly import seal
from ..checks import _fail, _type_name, assert_close, assert_float, preview


# --- Reference answers (notebook 01) ---------------------------------------------------------

def data_iter(batch_size, features, labels, generator=None):
    """Minibatches ``(X, y)`` in a random order; the last one may be smaller.

    Introduced in ``01_linear_regression_scratch``.
    """
    order = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features), batch_size):
        batch = order[start:start + batch_size]
        yield features[batch], labels[batch]


def linreg(X, w, b):
    """The linear regression model ``X @ w + b``. Introduced in ``01_linear_regression_scratch``."""
    return X @ w + b


def squared_loss(y_hat, y):
    """Squared loss of each example, ``(y_hat - y)**2 / 2``, with ``y_hat``'s shape.

    Introduced in ``01_linear_regression_scratch``.
    """
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """Minibatch SGD: ``param -= lr * param.grad / batch_size`` in place, then zero the grad.

    Introduced in ``01_linear_regression_scratch``.
    """
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


# --- Reference answers (notebook 03) ---------------------------------------------------------

def accuracy(y_hat, y):
    """Fraction of rows of ``y_hat`` whose largest entry is at the label ``y``, as a float.

    Introduced in ``03_softmax_scratch``.
    """
    return (y_hat.argmax(dim=1) == y).float().mean().item()


# --- Running a learner's function with the references ----------------------------------------

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
            _fail(where, "sgd got other tensors than the parameters it was given to train.",
                  [f"expected: {len(self.params)} tensors of shapes "
                   f"{[tuple(q.shape) for q in self.params]}",
                   f"got:      {len(params)} tensors of shapes {[tuple(p.shape) for p in params]}"],
                  f"pass the function's own `params` argument on, {self.call}, not tensors "
                  "from elsewhere in the notebook.")
        if batch_size != n:
            _fail(where, "sgd was told the wrong number of examples.",
                  [f"expected: batch_size={n} (this minibatch has {n} examples)",
                   f"got:      batch_size={batch_size!r}"],
                  f"pass the size of this minibatch, len(y): the last minibatch of an epoch "
                  f"can be smaller than batch_size ({self.call}).")
        for i, p in enumerate(params):
            if p.grad is None:
                _fail(where, f"parameter {i} (shape {tuple(p.shape)}) has no gradient: "
                      ".grad is None.", [],
                      "create the parameters with requires_grad=True and call backward() on "
                      "this minibatch's summed loss before sgd.")
        self._check_gradient(where, params, X, y)
        sgd(params, lr, batch_size)

    def _check_gradient(self, where, params, X, y) -> None:
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        try:
            with torch.enable_grad():
                copies = [p.detach().clone().requires_grad_(True) for p in params]
                total = self.batch_loss(copies, X, y)
                expected = torch.autograd.grad(total, copies, allow_unused=True)
        except Exception as err:
            _fail(where, "the loss of this minibatch cannot be computed from the parameters "
                  f"given to sgd ({type(err).__name__}: {err}).", [],
                  f"pass the parameters as the task says: {self.call}.")
        self.batch_sums.append(float(total.detach()))
        self.batch_sizes.append(len(y))
        got = torch.cat([p.grad.detach().reshape(-1).double() for p in params])
        want = torch.cat([torch.zeros(p.numel(), dtype=torch.float64) if e is None
                          else e.reshape(-1).double() for p, e in zip(params, expected)])
        n = len(y)

        def close(a, b):
            return bool(torch.allclose(a, b, rtol=1e-3, atol=1e-6 * (1 + float(b.abs().max()))))

        if close(got, want):
            return
        details = [f"expected: {preview(want.float())}", f"got:      {preview(got.float())}"]
        if n > 1 and close(got, want / n):
            _fail(where, f"the gradient is {n} times too small: it is the gradient of the "
                  "*mean* loss, and sgd divides by the batch size again.", details,
                  "call backward() on the sum of the per-example losses, l.sum().backward(); "
                  "sgd already divides by the batch size.")
        scale = float(got @ want / (want @ want)) if float(want @ want) > 0 else 0.0
        if round(scale) >= 2 and close(got, round(scale) * want):
            _fail(where, f"the gradient is {round(scale)} times too large: gradients of "
                  "several backward() calls piled up.", details,
                  "call backward() once per minibatch; sgd zeroes the gradients after the step.")
        _fail(where, "param.grad is not the gradient of this minibatch's summed loss.", details,
              "compute the loss of the current minibatch with the current parameters, then "
              f"l.sum().backward(), then {self.call}.")

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
        if abs(exact - mean_of_means) > 1e-4 * abs(exact) and abs(got - mean_of_means) <= 1e-5 * abs(mean_of_means):
            _fail(self.name, f"returned the mean of the minibatch means (minibatches of {sizes}), "
                  "which over-weights a smaller last minibatch.",
                  [f"expected: {exact:.6g} (mean over all examples)", f"got:      {got:.6g}"],
                  "add up l.sum().item() and len(y) over the epoch, then divide once by the "
                  "number of examples.")
        assert_close(got, exact, rtol=1e-4, name=f"{self.name}: the mean loss per example",
                     hint="add up l.sum().item() and len(y) over the epoch, then divide once by "
                          "the number of examples.")


# --- Reference answers (notebook 02) ---------------------------------------------------------

def load_array(features, labels, batch_size, *, shuffle=True, generator=None):
    """A ``DataLoader`` of ``(X, y)`` minibatches over ``TensorDataset(features, labels)``.

    Introduced in ``02_linear_regression_nn``.
    """
    return DataLoader(TensorDataset(features, labels), batch_size, shuffle=shuffle,
                      generator=generator)


def linear_sequential(num_inputs):
    """``nn.Sequential(nn.Linear(num_inputs, 1))``, weight from N(0, 0.01²), bias zero.

    Introduced in ``02_linear_regression_nn``.
    """
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    nn.init.normal_(net[0].weight, mean=0.0, std=0.01)
    nn.init.zeros_(net[0].bias)
    return net


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
            if "Module.__init__() call" not in str(err) and not (
                    "'Sequential' object has no attribute" in str(err)):
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


def _snapshot(net) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _flat(tensors) -> torch.Tensor:
    return torch.cat([t.detach().reshape(-1).double() for t in tensors])


class SGDReplay:
    """Where minibatch SGD on a mean loss must leave a model, and where the usual mistakes do.

    Build it from the model *before* training (its parameters and any gradients it holds are
    copied), the minibatches, the learning rate and the loss (``nn.MSELoss()`` unless given).
    It replays, on copies, the right loop (for each minibatch: zero the gradients, backward()
    on the loss, step) and the usual wrong ones: gradients never zeroed, a step before
    backward(), zeroing between backward() and the step, a loss divided again by the batch
    size (the notes' double scaling), summed, or halved as in notebook 01, another learning
    rate. :meth:`check` then passes when the learner's model has the right parameters, or
    says which mistake gives the ones it has. ``zero``, ``step`` and ``lr_call`` are how the
    task spells those calls, quoted in hints.

    Introduced in ``02_linear_regression_nn``.
    """

    def __init__(self, net, batches, lr: float, *, loss: Callable | None = None, epochs: int = 1,
                 name: str = "training loop", zero: str = "optimizer.zero_grad()",
                 step: str = "optimizer.step()",
                 lr_call: str = "optim.SGD(net.parameters(), lr=lr), not a number of your own "
                                "(without lr=, SGD uses its default 0.001)"):
        self.batches = [(X, y) for X, y in batches]
        self.lr, self.epochs, self.name = lr, epochs, name
        self.loss = nn.MSELoss() if loss is None else loss
        self.start = copy.deepcopy(net)
        for p, q in zip(self.start.parameters(), net.parameters()):
            p.grad = None if q.grad is None else q.grad.detach().clone()
        self.initial = _snapshot(net)
        self.right, self.losses = self._run()
        n = "len(y)"
        spelled = (f"nn.{type(self.loss).__name__}()" if isinstance(self.loss, nn.Module)
                   else "the loss")
        self.variants = [
            (self.initial, "the parameters did not change.",
             f"train the model you were given: for each minibatch, {zero}, then backward() on "
             f"its loss, then {step}. Zeroing between backward() and the step, or stepping "
             "before any backward(), leaves the step no gradient."
             + ("" if step == "optimizer.step()" else " And update each parameter in place "
                "(p -= ...): p = p - ... makes a new tensor and leaves the model as it was.")),
            (self._run(order="bs")[0], "the gradients piled up: the result is that of a loop "
             "that never zeroes them.",
             f"call {zero} for every minibatch, before backward(): backward() adds to .grad."),
            (self._run(order="szb")[0], "each step used the previous minibatch's gradient: the "
             "result is that of a step before backward().",
             f"keep the order {zero}, loss.backward(), {step}."),
            (self._run(scale="divide")[0], f"the steps were {n} times too small: the mean loss "
             "was divided by the batch size again (the notes' double scaling).",
             f"{spelled} already averages over the minibatch: call backward() on it as it "
             "is, without / len(y) or / batch_size."),
            (self._run(scale="multiply")[0], f"the steps were {n} times too large: the loss "
             "was summed over the minibatch, not averaged.",
             f"use the mean loss, {spelled} with its default reduction='mean', not a sum."),
            (self._run(maximize=True)[0], "the parameters moved up the gradient: the loss "
             "was made larger, not smaller.",
             "subtract the gradient, p -= lr * p.grad (gradient *descent*)."),
        ]
        if isinstance(self.loss, nn.MSELoss):
            self.variants.append((
                self._run(scale=0.5)[0], "the steps were half as large: the loss had notebook "
                "01's factor 1/2.",
                "nn.MSELoss() is the mean of (y_hat - y)**2, without the 1/2 of notebook 01's "
                "squared_loss."))
        for other in (1e-3, 0.03):
            if other != lr:
                self.variants.append((
                    self._run(lr=other)[0], f"the result is that of the learning rate {other:g}, "
                    f"not lr={lr:g}.",
                    f"use the function's own `lr`: {lr_call}."))

    def _run(self, *, lr=None, order="zbs", scale=1.0, maximize=False):
        """Train a copy: for each minibatch the loss first, then zero (z), backward (b) and
        step (s) in ``order``; return its parameters and losses (None if autograd refuses)."""
        net = copy.deepcopy(self.start)
        for p, q in zip(net.parameters(), self.start.parameters()):
            p.grad = None if q.grad is None else q.grad.clone()
        optimizer = torch.optim.SGD(net.parameters(), lr=self.lr if lr is None else lr,
                                    maximize=maximize)
        losses = []
        try:
            with torch.enable_grad():
                for _ in range(self.epochs):
                    for X, y in self.batches:
                        loss = self.loss(net(X), y)
                        losses.append(float(loss.detach()))
                        factor = {"divide": 1 / len(y), "multiply": len(y)}.get(scale, scale)
                        for op in order:
                            if op == "z":
                                optimizer.zero_grad()
                            elif op == "s":
                                optimizer.step()
                            else:
                                (loss * factor).backward()
        except RuntimeError:   # a step before backward() can change what backward() needs
            return None, losses
        return _snapshot(net), losses

    def check(self, net) -> None:
        """The learner's ``net``, after training, has the parameters of the right loop."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        got = [p.detach() for p in net.parameters()]
        shapes = [tuple(p.shape) for p in got]
        want = [tuple(p.shape) for p in self.right]
        if shapes != want:
            _fail(self.name, "the model's parameters changed their number or shapes.",
                  [f"expected shapes: {want}", f"got shapes:      {shapes}"],
                  "train the model you were given: do not build a new one or replace its layers.")
        got_flat = _flat(got)

        def same(params) -> bool:
            ref_flat = _flat(params)
            return bool(torch.allclose(got_flat, ref_flat, rtol=1e-4,
                                       atol=1e-6 * (1 + float(ref_flat.abs().max()))))

        if same(self.right):
            return
        details = [f"expected: {preview(_flat(self.right).float())}",
                   f"got:      {preview(got_flat.float())}",
                   f"(all parameters, flattened; before training: "
                   f"{preview(_flat(self.initial).float())})"]
        if not bool(torch.isfinite(got_flat).all()):
            details.append("your parameters contain nan or inf: the steps diverged.")
        for params, problem, hint in self.variants:
            if params is not None and same(params):
                _fail(self.name, problem, details, hint)
        _fail(self.name, "the parameters after training differ from those of the right loop.",
              details, "for each minibatch: compute the loss of net(X) against y, zero the "
              "gradients, backward(), step, with the learning rate you were given.")

    def check_losses(self, losses) -> None:
        """``losses`` holds the loss of every minibatch, as floats, in order."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        if type(losses) is not list:
            _fail(self.name, f"should return a list of losses, got {_type_name(losses)}.", [],
                  "append l.item() to a list for every minibatch and return the list.")
        if len(losses) != len(self.losses):
            _fail(self.name, "should return one loss per minibatch.",
                  [f"expected: {len(self.losses)} losses ({len(self.batches)} minibatches x "
                   f"{self.epochs} epochs)", f"got:      {len(losses)}"],
                  "append l.item() inside the loop over the minibatches, once per step.")
        for i, value in enumerate(losses):
            assert_float(value, name=f"{self.name}: losses[{i}]",
                         hint="append l.item(): a Python float, not the tensor.")
        if not losses:
            return
        assert_close(losses, self.losses, rtol=1e-4, name=f"{self.name}: the losses",
                     hint="append each minibatch's loss, l.item(), computed before its step.")


# --- Reference answers (notebook 04) ---------------------------------------------------------

def softmax_net(num_inputs=784, num_outputs=10):
    """``nn.Sequential(nn.Flatten(), nn.Linear(num_inputs, num_outputs))`` returning logits;
    weight from N(0, 0.01²), bias zero.

    Introduced in ``04_softmax_nn``.
    """
    net = nn.Sequential(nn.Flatten(), nn.Linear(num_inputs, num_outputs))
    nn.init.normal_(net[1].weight, mean=0.0, std=0.01)
    nn.init.zeros_(net[1].bias)
    return net


# --- Reference answers (notebook 06) ---------------------------------------------------------

def init_weights(m):
    """For ``net.apply``: an ``nn.Linear``'s weight from N(0, 0.01²), its bias zero.

    Introduced in ``06_mlp_nn``.
    """
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0.0, std=0.01)
        nn.init.zeros_(m.bias)


def mlp():
    """Flatten, Linear(784, 256), ReLU, Linear(256, 10), initialised with :func:`init_weights`.

    Introduced in ``06_mlp_nn``.
    """
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    net.apply(init_weights)
    return net


def _trajectory(update, params0, grads, lrs) -> list[list[torch.Tensor]]:
    """Run ``update(params, state, lr, k)`` (float64 copies, ``p.grad`` set) once per step;
    return the parameters after every step."""
    params = [p.detach().clone().double() for p in params0]
    state: dict = {}
    out = []
    for k, (gs, lr) in enumerate(zip(grads, lrs)):
        update(params, [g.detach().double() for g in gs], state, lr, k + 1)
        out.append([p.clone() for p in params])
    return out


def _torch_trajectory(make, params0, grads, lrs) -> list[list[torch.Tensor]]:
    """The same with a ``torch.optim`` optimizer made by ``make(params)``."""
    params = [p.detach().clone().double().requires_grad_(True) for p in params0]
    optimizer = make(params)
    out = []
    for gs, lr in zip(grads, lrs):
        for group in optimizer.param_groups:
            group["lr"] = lr
        for p, g in zip(params, gs):
            p.grad = g.detach().clone().double()
        optimizer.step()
        out.append([p.detach().clone() for p in params])
    return out


def _momentum_variant(momentum, *, kind="right"):
    """One (right or wrong) way to write SGD with momentum, for :func:`_trajectory`."""
    def update(params, grads, state, lr, t):
        for i, (p, g) in enumerate(zip(params, grads)):
            buf = state.get(i)
            if kind == "sgd":                                  # no buffer kept
                p -= lr * g
                continue
            if kind == "param_first":                          # p moves with the old buffer
                p -= lr * (torch.zeros_like(g) if buf is None else buf)
            if kind == "ema_zero":
                buf = (1 - momentum) * g if buf is None else momentum * buf + (1 - momentum) * g
            elif kind == "ema":
                buf = g.clone() if buf is None else momentum * buf + (1 - momentum) * g
            elif kind == "lr_inside":                          # v = m v + lr g; p -= v
                buf = lr * g if buf is None else momentum * buf + lr * g
            else:
                buf = g.clone() if buf is None else momentum * buf + g
            state[i] = buf
            if kind == "nesterov":
                p -= lr * (g + momentum * buf)
            elif kind == "lr_inside":
                p -= buf
            elif kind != "param_first":
                p -= lr * buf
    return update


def _adam_variant(betas, eps, *, kind="right"):
    """One (right or wrong) way to write an Adam step, for :func:`_trajectory`."""
    b1, b2 = betas
    if kind == "swapped":
        b1, b2 = b2, b1

    def update(params, grads, state, lr, t):
        for i, (p, g) in enumerate(zip(params, grads)):
            m, v = state.get(i, (torch.zeros_like(g), torch.zeros_like(g)))
            if kind == "param_first":
                p -= lr * (m / (1 - b1 ** t)) / ((v / (1 - b2 ** t)).sqrt() + eps)
            m = b1 * m + (g if kind == "no_1_minus" else (1 - b1) * g)
            v = b2 * v + (1 - b2) * (m * m if kind == "square_m" else g.abs() if kind == "abs" else g * g)
            tt = t + 1 if kind == "t_plus_1" else t
            if kind == "no_bias_correction":
                m_hat, v_hat = m, v
            else:
                m_hat, v_hat = m / (1 - b1 ** tt), v / (1 - b2 ** tt)
            if kind == "stored_hat":
                m, v = m_hat, v_hat
            if kind != "no_state":
                state[i] = (m, v)
            if kind == "param_first":
                continue
            if kind == "eps_inside":
                p -= lr * m_hat / (v_hat + eps).sqrt()
            else:
                p -= lr * m_hat / (v_hat.sqrt() + eps)
    return update


class OptimizerReplay:
    """Where a hand-written optimizer step must leave the parameters, step after step, and
    where the usual mistakes leave them.

    Build it from the parameters before the first step, the gradients of every step (a list,
    per step, of one tensor per parameter) and the learning rate of every step; the right
    trajectory comes from ``torch.optim`` itself (float64). :meth:`check` compares the
    learner's parameters after step ``k`` and, when they differ, names the mistake whose
    trajectory they follow. Use :meth:`momentum` and :meth:`adam` to build one.

    Introduced in ``06_mlp_nn``.
    """

    def __init__(self, right, variants, initial, *, name: str, hint: str):
        self.right, self.variants, self.initial = right, variants, initial
        self.name, self.hint = name, hint

    @classmethod
    def momentum(cls, params0, grads, lrs, momentum, *, name="sgd_momentum"):
        """``optim.SGD(momentum=momentum)`` and the usual mistakes of writing it by hand."""
        traj = lambda kind: _trajectory(_momentum_variant(momentum, kind=kind), params0, grads, lrs)
        right = _torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=lrs[0], momentum=momentum),
                                  params0, grads, lrs)
        variants = [
            (traj("sgd"), "the result is that of plain SGD: no momentum carried over from the "
             "earlier steps.",
             "keep the buffer between calls in bufs[i] (store it back: bufs[i] = ...), and step "
             "with it: buf = momentum * buf + grad, then p -= lr * buf."),
            (traj("param_first"), "the parameters moved with the buffer of the *previous* "
             "step: they were updated before the buffer.",
             "first update the buffer with this step's gradient, then p -= lr * buf."),
            (traj("ema_zero"), "the buffer is an average, momentum * buf + (1 - momentum) * grad "
             "(dampening): PyTorch adds the gradient itself.",
             "buf = momentum * buf + grad, without the factor (1 - momentum) (optim.SGD's "
             "dampening is 0 by default)."),
            (traj("ema"), "the buffer is an average, momentum * buf + (1 - momentum) * grad "
             "(dampening): PyTorch adds the gradient itself.",
             "buf = momentum * buf + grad, without the factor (1 - momentum) (optim.SGD's "
             "dampening is 0 by default)."),
            (traj("lr_inside"), "the learning rate went into the buffer (v = momentum * v + "
             "lr * grad; p -= v): equal to PyTorch's rule only while lr stays the same, and "
             "here it changed between steps.",
             "PyTorch's convention keeps lr out of the buffer: buf = momentum * buf + grad, "
             "then p -= lr * buf, with this step's lr."),
            (traj("nesterov"), "that is Nesterov momentum (p -= lr * (grad + momentum * buf)).",
             "plain momentum steps with the buffer itself: p -= lr * buf."),
        ]
        return cls(right, variants, [p.detach().clone().double() for p in params0], name=name,
                   hint="on the first step buf = grad (a copy); later buf = momentum * buf + grad; "
                        "then p -= lr * buf, in place under torch.no_grad().")

    @classmethod
    def adam(cls, params0, grads, lrs, betas, eps, *, name="adam_step"):
        """``optim.Adam(betas=betas, eps=eps)`` and the usual mistakes of writing it by hand."""
        traj = lambda kind: _trajectory(_adam_variant(betas, eps, kind=kind), params0, grads, lrs)
        right = _torch_trajectory(lambda ps: torch.optim.Adam(ps, lr=lrs[0], betas=betas, eps=eps),
                                  params0, grads, lrs)
        variants = [
            (traj("no_bias_correction"), "no bias correction: m and v were used as they are.",
             "divide by 1 - beta**t: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t), "
             "with t the step number (1 on the first step)."),
            (traj("eps_inside"), "eps was added inside the square root, sqrt(v_hat + eps).",
             "add eps after the root: p -= lr * m_hat / (v_hat.sqrt() + eps)."),
            (traj("square_m"), "v averaged the square of m, not of the gradient.",
             "v = beta2 * v + (1 - beta2) * grad**2: the square of this step's gradient."),
            (traj("abs"), "v averaged |grad|, not grad**2.",
             "v = beta2 * v + (1 - beta2) * grad**2: the square of this step's gradient."),
            (traj("swapped"), "beta1 and beta2 were swapped.",
             "m uses beta1, the first of betas (0.9 by default), v uses beta2 (0.999): "
             "beta1, beta2 = betas."),
            (traj("no_1_minus"), "m added the whole gradient: m = beta1 * m + grad.",
             "both averages weigh the new value by (1 - beta): m = beta1 * m + (1 - beta1) * grad."),
            (traj("t_plus_1"), "the bias correction used t + 1: t already counts from 1.",
             "use 1 - beta1**t and 1 - beta2**t with the t you were given."),
            (traj("stored_hat"), "the bias-corrected m_hat and v_hat were stored back into m "
             "and v, so the next step corrects them again.",
             "keep m and v as the plain moving averages; compute m_hat and v_hat as new "
             "tensors for the update only."),
            (traj("no_state"), "m and v started from zero again at every step: the new "
             "averages were not kept for the next step.",
             "keep m and v for the next step: update ms[i] and vs[i] in place "
             "(m.mul_(beta1).add_(...)), or store the new tensors back, ms[i] = ...; a plain "
             "m = ... only renames a local variable."),
            (traj("param_first"), "the parameters moved with the m and v of the *previous* "
             "step: they were updated before the moments.",
             "first update m and v with this step's gradient, then the parameters."),
        ]
        return cls(right, variants, [p.detach().clone().double() for p in params0], name=name,
                   hint="m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g**2; m_hat = m/(1-b1**t); "
                        "v_hat = v/(1-b2**t); p -= lr * m_hat / (v_hat.sqrt() + eps).")

    def check_all(self, snapshots) -> None:
        """The learner's parameters after every step (a list, per step, of the parameters)
        follow the right trajectory; otherwise name the mistake whose whole trajectory they
        follow, or failing that the one they match at the first step that differs."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        got = [_flat([p.detach() if isinstance(p, torch.Tensor) else torch.as_tensor(p) for p in ps])
               for ps in snapshots]

        def same(k, ref_params) -> bool:
            ref_flat = _flat(ref_params)
            return got[k].shape == ref_flat.shape and bool(
                torch.allclose(got[k], ref_flat, rtol=1e-4, atol=1e-7))

        first = next((k for k in range(len(got)) if not same(k, self.right[k])), None)
        if first is None:
            return
        for trajectory, problem, hint in self.variants:
            if all(same(k, trajectory[k]) for k in range(len(got))):
                details = [f"expected: {preview(_flat(self.right[first]).float())}",
                           f"got:      {preview(got[first].float())}"]
                _fail(f"{self.name}, after step {first + 1}", problem, details, hint)
        self.check(first, snapshots[first])

    def check(self, k: int, params) -> None:
        """After step ``k`` (0-based) the learner's ``params`` hold the right values."""
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        where = f"{self.name}, after step {k + 1}"
        got = [p.detach() if isinstance(p, torch.Tensor) else p for p in params]
        if not all(isinstance(p, torch.Tensor) for p in got):
            _fail(where, "the parameters are no longer tensors.", [],
                  "update each parameter in place (p -= ...); do not replace the items of params.")
        got_flat = _flat(got)
        want = self.right[k]
        if got_flat.shape != _flat(want).shape:
            _fail(where, "the parameters changed their number or shapes.", [], self.hint)

        def same(ref_params) -> bool:
            ref_flat = _flat(ref_params)
            return bool(torch.allclose(got_flat, ref_flat, rtol=1e-4, atol=1e-7))

        if same(want):
            return
        details = [f"expected: {preview(_flat(want).float())}",
                   f"got:      {preview(got_flat.float())}",
                   f"(all parameters, flattened; before step 1: {preview(_flat(self.initial).float())})"]
        if not bool(torch.isfinite(got_flat).all()):
            details.append("your parameters contain nan or inf.")
        before = self.initial if k == 0 else self.right[k - 1]
        if same(before):
            _fail(where, "the parameters did not change.", details,
                  "update each parameter in place under torch.no_grad(), p -= lr * ... "
                  "(p = p - ... makes a new tensor and leaves the parameter as it was). And "
                  "first update the buffers with this step's gradient, then the parameter: a buffer "
                  "that starts at zero and is used before its update moves nothing.")
        for trajectory, problem, hint in self.variants:
            if same(trajectory[k]):
                _fail(where, problem, details, hint)
        _fail(where, "the parameters differ from those of torch.optim.", details, self.hint)


# --- Reference answers (notebook 05) ---------------------------------------------------------

def relu(X):
    """``max(X, 0)`` element-wise, with torch's gradient at 0 (zero), ``X``'s dtype kept.

    Introduced in ``05_mlp_scratch``.
    """
    return torch.where(X > 0, X, torch.zeros((), dtype=X.dtype, device=X.device))


def init_mlp_params(num_hidden, num_inputs=784, num_outputs=10, generator=None):
    """``[W1, b1, W2, b2]`` of a one-hidden-layer MLP: weights from N(0, 0.01²) (``W1`` drawn
    first), biases zero, all leaves with ``requires_grad=True``.

    Introduced in ``05_mlp_scratch``.
    """
    W1 = torch.normal(0.0, 0.01, size=(num_inputs, num_hidden), generator=generator,
                      requires_grad=True)
    b1 = torch.zeros(num_hidden, requires_grad=True)
    W2 = torch.normal(0.0, 0.01, size=(num_hidden, num_outputs), generator=generator,
                      requires_grad=True)
    b2 = torch.zeros(num_outputs, requires_grad=True)
    return [W1, b1, W2, b2]


def mlp_forward(X, params):
    """Logits of the MLP ``[W1, b1, W2, b2]``: flatten, ``relu(X W1 + b1) W2 + b2``.

    Introduced in ``05_mlp_scratch``.
    """
    W1, b1, W2, b2 = params
    H = relu(X.reshape(-1, W1.shape[0]) @ W1 + b1)
    return H @ W2 + b2


def sigmoid_grad(x):
    """The derivative of the sigmoid, ``s (1 - s)`` with ``s = sigmoid(x)``; stable.

    Introduced in ``05_mlp_scratch``.
    """
    s = torch.sigmoid(x)
    return s * (1 - s)


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


# --- Reference answers (notebook 07) ---------------------------------------------------------

def poly_features(x, degree):
    """Columns ``x**i / i!`` for ``i = 1 .. degree``: shape ``(n, degree)`` from ``x`` of shape ``(n,)``.

    Introduced in ``07_model_selection``.
    """
    x = x.reshape(-1, 1)
    powers = torch.arange(1, degree + 1, dtype=x.dtype)
    return x ** powers / torch.exp(torch.lgamma(powers + 1))


def fit_least_squares(X, y):
    """The least-squares fit of ``y ≈ X w + b``, returned as a function ``predict(X)``.

    Solved in float64 (``torch.linalg.lstsq``, driver ``gelsd``: the minimum-norm solution
    when there are fewer examples than parameters); ``predict`` returns ``X``'s dtype and one
    column per column of ``y`` (a column for a 1-D ``y``).

    Introduced in ``07_model_selection``.
    """
    def with_ones(Z):
        Z = Z.detach().to(torch.float64).reshape(len(Z), -1)
        return torch.cat([torch.ones(len(Z), 1, dtype=torch.float64), Z], dim=1)

    dtype = X.dtype
    target = y.detach().to(torch.float64).reshape(len(y), -1)
    solution = torch.linalg.lstsq(with_ones(X), target, driver="gelsd").solution

    def predict(Z):
        return (with_ones(Z) @ solution).to(dtype)

    return predict


def mse(y_hat, y):
    """Mean squared error, ``y`` reshaped to ``y_hat``'s shape. Introduced in ``07_model_selection``."""
    return ((y_hat - y.reshape(y_hat.shape)) ** 2).mean()


def train_val_split(n, num_val, generator=None):
    """Indices ``(train_idx, val_idx)``: one random permutation of ``range(n)``, its first
    ``num_val`` entries for validation, the rest for training.

    Introduced in ``07_model_selection``.
    """
    order = torch.randperm(n, generator=generator)
    return order[num_val:], order[:num_val]


def fold_bounds(n, k):
    """``[(start, stop), ...]`` of the ``k`` contiguous folds of ``n`` rows: ``n // k`` rows
    each, the last fold also takes the remainder.

    Introduced in ``07_model_selection``.
    """
    size = n // k
    return [(i * size, n if i == k - 1 else (i + 1) * size) for i in range(k)]


def _fold_losses(X, y, k, fit, *, on_train=False):
    losses = []
    for start, stop in fold_bounds(len(X), k):
        keep = torch.cat([torch.arange(0, start), torch.arange(stop, len(X))])
        model = fit(X[keep], y[keep])
        if on_train:
            losses.append(mse(model(X[keep]), y[keep]).item())
        else:
            losses.append(mse(model(X[start:stop]), y[start:stop]).item())
    return losses


def k_fold_loss(X, y, k, fit):
    """Mean over the ``k`` contiguous folds of the validation MSE of ``fit`` trained on the
    other folds, as a float.

    Introduced in ``07_model_selection``.
    """
    return sum(_fold_losses(X, y, k, fit)) / k


def check_k_fold_value(got, X, y, k, *, name: str) -> None:
    """Compare a learner's ``k_fold_loss(X, y, k, fit_least_squares)`` with the reference; on a
    mismatch, say which usual mistake gives the value (a sum over folds, the pooled mean, the
    training loss, the last fold only).

    Introduced in ``07_model_selection``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    assert_float(got, name=name, hint="return a Python float: sum(losses) / k of floats, or .item() of a tensor.")
    val = _fold_losses(X, y, k, fit_least_squares)
    right = sum(val) / k
    if abs(got - right) <= 1e-4 * abs(right) + 1e-7:
        return
    sizes = [stop - start for start, stop in fold_bounds(len(X), k)]
    variants = {
        "sum(losses)": sum(val),
        "pooled": sum(v * s for v, s in zip(val, sizes)) / len(X),
        "train": sum(_fold_losses(X, y, k, fit_least_squares, on_train=True)) / k,
        "last": val[-1],
    }
    hints = {
        "sum(losses)": "divide the sum of the k fold losses by k: the result is their mean, not their sum.",
        "pooled": ("average the k fold losses, each the mean over its own fold: sum(losses) / k, not the "
                   "squared errors of all folds pooled (the last fold is larger)."),
        "train": ("evaluate each fold's model on the held-out fold (X[start:stop]), not on the data it was "
                  "trained on: the training loss says nothing about new data."),
        "last": "collect one loss per fold in a list and average them all; only the last fold's loss came back.",
    }
    hint = ("for each fold: model = fit(X_train, y_train), then the mean of (model(X_val) - y_val) ** 2 on "
            "the held-out fold; return the mean of the k losses. Check that y_val has the same shape as "
            "the predictions (a column): broadcasting (n, 1) against (n,) gives (n, n).")
    for key, value in variants.items():
        if abs(got - value) <= 1e-4 * abs(value) + 1e-7:
            hint = hints[key]
            break
    _fail(name, "wrong mean validation loss.", [f"expected: {right:.6g}", f"got:      {got:.6g}"], hint)


def choose_degree(x_train, y_train, x_val, y_val, degrees):
    """The degree (a Python int from ``degrees``) whose least-squares fit of
    ``poly_features(x_train, degree)`` has the lowest validation MSE; the first one on a tie.

    Introduced in ``07_model_selection``.
    """
    best, best_loss = None, float("inf")
    for degree in degrees:
        model = fit_least_squares(poly_features(x_train, degree), y_train)
        loss = mse(model(poly_features(x_val, degree)), y_val).item()
        if loss < best_loss:
            best, best_loss = int(degree), loss
    return best


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
                _fail(call, f"fold {i}: fit got {len(X_train)} rows of X but {len(y_train)} labels.", [],
                      "index X and y with the same rows.")
            held = sorted(set(range(n)) - set(rows))
            details = [f"expected: fold {i} (rows {start} to {stop - 1}) held out, fit on the other {len(wanted)} rows",
                       f"got:      fit on {len(rows)} rows, holding out {held if len(held) <= 12 else held[:12] + ['...']}"]
            if not held:
                hint = ("train on the other k-1 folds only: when the validation fold is in the training data, "
                        "its loss is a training loss and says nothing about new data.")
            elif len(rows) != len(set(rows)):
                hint = "a row is in the training data twice: the slices of the parts before and after the fold overlap."
            elif held == list(range(held[0], held[-1] + 1)):
                if i == k - 1 and n % k and held == list(range(start, start + size)):
                    hint = (f"every fold has n // k = {size} rows, but the last one also takes the remainder "
                            f"(rows {start} to {n - 1}): do not leave out the {n % k} leftover row(s).")
                else:
                    hint = (f"fold i is rows i * (n // k) up to (i + 1) * (n // k) (the last fold up to n): here "
                            f"rows {start} to {stop - 1}. Check the slice bounds; torch.chunk and "
                            "torch.tensor_split cut other sizes.")
            else:
                hint = ("the folds are contiguous blocks of rows, in order (fold i is rows i * (n // k) up to "
                        "(i + 1) * (n // k)): do not shuffle or interleave inside k_fold_loss.")
            _fail(call, f"fold {i}: fit trained on the wrong rows.", details, hint)


# --- Reference answers (notebook 08) ---------------------------------------------------------

def l2_penalty(w):
    """The L2 penalty ``‖w‖² / 2``: half the sum of the squared entries, a 0-d tensor.

    Introduced in ``08_weight_decay``.
    """
    return (w ** 2).sum() / 2


def l1_penalty(w):
    """The L1 penalty ``‖w‖₁``: the sum of the absolute values of the entries, a 0-d tensor.

    Introduced in ``08_weight_decay``.
    """
    return w.abs().sum()


def sgd_no_bias_decay(net, lr, weight_decay):
    """``optim.SGD`` with two parameter groups: the weights decayed, the biases (parameters
    whose names end in ``bias``) not.

    Introduced in ``08_weight_decay``.
    """
    named = list(net.named_parameters())
    weights = [p for name, p in named if not name.endswith("bias")]
    biases = [p for name, p in named if name.endswith("bias")]
    return torch.optim.SGD([{"params": weights, "weight_decay": weight_decay},
                            {"params": biases, "weight_decay": 0.0}], lr=lr)


class PenaltySGDSpy:
    """Stands in for notebook 01's ``sgd(params, lr, batch_size)`` in a training loop with a
    penalty: checks each call, then takes the step.

    The minibatch objective is the mean squared loss plus ``lambd * penalty(w)``; since
    ``sgd`` divides by the batch size, each call must find in ``w.grad`` and ``b.grad`` the
    gradient of ``squared_loss(...).sum() + len(y) * lambd * penalty(w)``. When it does not,
    the spy names the usual mistake whose gradient it is: the penalty added once to the
    summed loss (the decay then shrinks with the batch size), no penalty, the bias penalised
    too, the other penalty than the one passed in, a mean loss divided again, gradients piled
    up. ``minibatches`` (a :class:`RecordedMinibatches`) says which minibatch the loop is on.

    Introduced in ``08_weight_decay``.
    """

    def __init__(self, minibatches, penalty, lambd, *, lr, params, other_penalty=None,
                 name="training loop", call="sgd([w, b], lr, len(y))"):
        self.minibatches, self.penalty, self.lambd = minibatches, penalty, lambd
        self.other_penalty = other_penalty
        self.lr, self.params, self.name, self.call = lr, list(params), name, call
        self.steps = 0

    def _objective(self, w, b, X, y, *, times=None, penalty=None, on_bias=False):
        data = squared_loss(linreg(X, w, b), y).sum()
        penalty = self.penalty if penalty is None else penalty
        times = len(y) if times is None else times
        extra = penalty(w) + (penalty(b) if on_bias else 0.0)
        return data + times * self.lambd * extra

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
        if lr != self.lr:
            _fail(where, "sgd got another learning rate than the one passed in.",
                  [f"expected: lr={self.lr:g}", f"got:      lr={lr!r}"],
                  "pass the function's own `lr` argument on to sgd.")
        if len(params) != 2 or any(p is not q for p, q in zip(params, self.params)):
            _fail(where, "sgd got other tensors than the w and b the function was given.",
                  [f"expected: 2 tensors of shapes {[tuple(q.shape) for q in self.params]}",
                   f"got:      {len(params)} tensors of shapes {[tuple(p.shape) for p in params]}"],
                  f"train the w and b passed in, in place: {self.call}.")
        if batch_size != n:
            _fail(where, "sgd was told the wrong number of examples.",
                  [f"expected: batch_size={n} (this minibatch has {n} examples)",
                   f"got:      batch_size={batch_size!r}"],
                  f"pass the size of this minibatch, len(y) ({self.call}).")
        for i, p in enumerate(params):
            if p.grad is None:
                _fail(where, f"{'wb'[i]} has no gradient: .grad is None.", [],
                      "call backward() on this minibatch's objective before sgd.")
        self._check_gradient(where, params, X, y)
        sgd(params, lr, batch_size)

    def _gradient(self, params, X, y, **kwargs) -> torch.Tensor:
        with torch.enable_grad():
            w, b = [p.detach().clone().requires_grad_(True) for p in params]
            grads = torch.autograd.grad(self._objective(w, b, X, y, **kwargs), [w, b],
                                        allow_unused=True)
        return torch.cat([torch.zeros(p.numel(), dtype=torch.float64) if g is None
                          else g.reshape(-1).double() for p, g in zip(params, grads)])

    def _check_gradient(self, where, params, X, y) -> None:
        __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
        n = len(y)
        want = self._gradient(params, X, y)
        got = torch.cat([p.grad.detach().reshape(-1).double() for p in params])

        def close(a, b):
            return bool(torch.allclose(a, b, rtol=1e-3, atol=1e-5 * (1 + float(b.abs().max()))))

        if close(got, want):
            return
        details = [f"expected: {preview(want.float())}", f"got:      {preview(got.float())}"]
        spelled = "(squared_loss(linreg(X, w, b), y) + lambd * penalty(w)).sum()"
        variants = [
            (dict(times=1), "the penalty counts once per minibatch, not once per example: "
             f"after sgd divides by len(y) = {n}, the decay is {n} times too weak.",
             f"add the penalty to each example's loss before summing, {spelled}, or add "
             "len(y) * lambd * penalty(w) to the summed loss."),
            (dict(times=0), "the gradient has no penalty in it: lambd * penalty(w) is missing.",
             f"call backward() on {spelled}."),
            (dict(on_bias=True), "the bias was penalised too.",
             "penalise the weights only, penalty(w), not penalty(b): the bias only shifts "
             "the predictions and does not make the model more complex."),
        ]
        if self.other_penalty is not None:
            variants.append((dict(penalty=self.other_penalty), "the gradient is that of "
                             "another penalty than the one passed in.",
                             "call the `penalty` argument, penalty(w), not l2_penalty or "
                             "l1_penalty by name."))
        for kwargs, problem, hint in variants:
            if close(got, self._gradient(params, X, y, **kwargs)):
                _fail(where, problem, details, hint)
        if n > 1 and close(got, want / n):
            _fail(where, f"the gradient is {n} times too small: it is the gradient of the "
                  "*mean* objective, and sgd divides by the batch size again.", details,
                  f"call backward() on the sum, {spelled}; sgd divides by len(y).")
        scale = float(got @ want / (want @ want)) if float(want @ want) > 0 else 0.0
        if round(scale) >= 2 and close(got, round(scale) * want):
            _fail(where, f"the gradient is {round(scale)} times too large: gradients of "
                  "several backward() calls piled up.", details,
                  "call backward() once per minibatch; sgd zeroes the gradients after the step.")
        _fail(where, "the gradients are not those of this minibatch's penalised loss.",
              details, f"for each minibatch: {spelled}.backward(), then {self.call}.")

    # after the loop: sgd ran exactly once per minibatch, as in notebook 01
    check_steps = SGDSpy.check_steps


# --- Reference answers (notebook 09) ---------------------------------------------------------

def dropout(X, p):
    """Inverted dropout: zero each element with probability ``p``, scale the rest by
    ``1 / (1 - p)``; ``p = 1`` gives zeros. ``X``'s shape, dtype and device are kept, and the
    mask comes from ``torch.rand`` (uniform), drawn with torch's global generator.

    Introduced in ``09_dropout``.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    if p == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape, device=X.device) > p).to(X.dtype)
    return mask * X / (1 - p)


# --- Reference answers (notebook 12) ---------------------------------------------------------

def corr2d(X, K):
    """2-D cross-correlation of ``X`` (h, w) with the kernel ``K`` (kh, kw), no padding,
    stride 1: shape ``(h - kh + 1, w - kw + 1)``, differentiable in ``X`` and ``K``.

    Introduced in ``12_cnn_lenet``.
    """
    kh, kw = K.shape
    Y = torch.zeros(X.shape[0] - kh + 1, X.shape[1] - kw + 1,
                    dtype=torch.promote_types(X.dtype, K.dtype), device=X.device)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + kh, j:j + kw] * K).sum()
    return Y


def corr2d_multi_in_out(X, K):
    """Cross-correlation of ``X`` (c_in, h, w) with ``K`` (c_out, c_in, kh, kw): for each
    output channel, the sum over the input channels of :func:`corr2d`; shape
    ``(c_out, h - kh + 1, w - kw + 1)``.

    Introduced in ``12_cnn_lenet``.
    """
    return torch.stack([sum(corr2d(x, k) for x, k in zip(X, K_out)) for K_out in K])


def conv_output_shape(n, k, p=0, s=1):
    """Output size of a convolution or pooling window of size ``k`` over ``n`` positions with
    padding ``p`` on each side and stride ``s``: ``(n - k + 2p) // s + 1`` (a Python int).

    Introduced in ``12_cnn_lenet``.
    """
    return (n - k + 2 * p) // s + 1


def pool2d(X, pool_size, stride=None, mode="max"):
    """Max or average pooling of ``X`` (c, h, w) with square windows of ``pool_size``, each
    channel on its own; ``stride`` defaults to ``pool_size`` (as in ``nn.MaxPool2d``).

    Introduced in ``12_cnn_lenet``.
    """
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    k = pool_size
    s = k if stride is None else stride
    rows, cols = conv_output_shape(X.shape[1], k, 0, s), conv_output_shape(X.shape[2], k, 0, s)
    Y = torch.zeros(X.shape[0], rows, cols, dtype=X.dtype, device=X.device)
    for i in range(rows):
        for j in range(cols):
            window = X[:, i * s:i * s + k, j * s:j * s + k]
            Y[:, i, j] = window.amax(dim=(1, 2)) if mode == "max" else window.mean(dim=(1, 2))
    return Y


def lenet(activation=nn.ReLU, pooling=nn.MaxPool2d):
    """LeNet for 28×28 images: two convolutions (5×5; the first padded by 2), each followed
    by ``activation()`` and ``pooling(kernel_size=2, stride=2)``, then three fully connected
    layers 400 -> 120 -> 84 -> 10 with ``activation()`` between them; returns logits.

    Introduced in ``12_cnn_lenet``.
    """
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), activation(), pooling(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), activation(), pooling(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), activation(),
        nn.Linear(120, 84), activation(),
        nn.Linear(84, 10))


LENET_SHAPES = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,),
                (10, 84), (10,)]

_ACTIVATIONS = {nn.ReLU: torch.relu, nn.Sigmoid: torch.sigmoid, nn.Tanh: torch.tanh}
_POOLS = {nn.MaxPool2d: lambda H: torch.nn.functional.max_pool2d(H, 2, 2),
          nn.AvgPool2d: lambda H: torch.nn.functional.avg_pool2d(H, 2, 2)}


def _lenet_function(params, X, act, pool, *, conv_act=True, fc_act=True, out_act=False,
                    pool_first=False):
    """LeNet written with functions, for the variants a learner may have built."""
    F_ = torch.nn.functional
    w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = params
    conv_act_fn = act if conv_act else (lambda H: H)
    fc_act_fn = act if fc_act else (lambda H: H)
    H = F_.conv2d(X, w1, b1, padding=2)
    H = conv_act_fn(pool(H)) if pool_first else pool(conv_act_fn(H))
    H = F_.conv2d(H, w2, b2)
    H = conv_act_fn(pool(H)) if pool_first else pool(conv_act_fn(H))
    H = H.flatten(1)
    H = fc_act_fn(F_.linear(H, w3, b3))
    H = fc_act_fn(F_.linear(H, w4, b4))
    H = F_.linear(H, w5, b5)
    return act(H) if out_act else H


def _run_model(net, X, name: str):
    """``net(X)``, with a course message for the shape errors a LeNet usually raises."""
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    try:
        return net(X)
    except RuntimeError as err:
        text = str(err)
    # outside the except block: the learner sees the course message, not a chained traceback
    if "mat1 and mat2" in text and text.split("(")[1].startswith("1x"):
        hint = ("flatten each example on its own, nn.Flatten() or X.reshape(X.shape[0], -1): X.view(1, -1) "
                "(as in the notes) puts the whole batch into one row and works for a batch of one image only.")
    elif "mat1 and mat2" in text:
        hint = ("the first fully connected layer gets a different number of features than it expects. For 28×28 "
                "images the first convolution needs padding=2 (28 -> 28 -> 14 -> 10 -> 5), so that 16 maps of "
                "5×5 = 400 features reach nn.Linear(400, 120); the notes' net was made for 32×32 images.")
    elif "is invalid for input of size" in text:
        hint = ("x.view(-1, 16 * 5 * 5) needs exactly 400 numbers per image: for 28×28 images pad the first "
                "convolution by 2 (28 -> 28 -> 14 -> 10 -> 5), and flatten with nn.Flatten() (or x.flatten(1)), "
                "which never mixes the numbers of different images.")
    else:
        hint = ("print the shape after each layer (for layer in net: X = layer(X); print(layer, X.shape)); "
                "a convolution needs input (batch, channels, height, width).")
    _fail(name, f"raised RuntimeError: {text.splitlines()[0]}", [], hint)


def check_lenet(net, activation, pooling, name: str) -> None:
    """Fail with a course message unless ``net`` (built by a learner's ``lenet(activation,
    pooling)``) has LeNet's parameters and computes what :func:`lenet` computes with them;
    for the usual mistakes (a missing padding, ``view(1, -1)``, an activation missing or
    too many, pooling before the activation, the arguments ignored) the hint names it.

    Introduced in ``12_cnn_lenet``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    params = list(net.parameters())
    shapes = [tuple(p.shape) for p in params]
    if shapes != LENET_SHAPES:
        hint = ("the layers, in this order: nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Conv2d(6, 16, "
                "kernel_size=5), nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10).")
        if (120, 256) in shapes:
            hint = ("without padding the first convolution shrinks 28×28 to 24×24 and 16 maps of 4×4 = 256 features "
                    "reach the first linear layer: pad the first convolution by 2 (padding=2) so that it keeps 28×28 "
                    "and 16 × 5 × 5 = 400 features arrive, as in LeNet's 32×32 design.")
        elif len(shapes) != len(LENET_SHAPES):
            hint = ("LeNet has 5 layers with parameters (2 convolutions, 3 linear layers), each with a weight and a "
                    "bias; activations and pooling have none. " + hint)
        _fail(name, "its parameters have the wrong shapes.",
              [f"expected: {LENET_SHAPES}", f"got:      {shapes}"], hint)
    X = torch.rand(7, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    out = _run_model(net, X, f"{name} on a batch of 7 images (7, 1, 28, 28)")
    if type(out) not in (torch.Tensor, nn.Parameter) or tuple(out.shape) != (7, 10):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else _type_name(out)
        _fail(f"{name} on a batch of 7 images (7, 1, 28, 28)", "wrong output.",
              ["expected: a tensor of shape (7, 10), one row of 10 logits per image", f"got:      {got}"],
              "keep the batch dimension: nn.Flatten() (or X.reshape(X.shape[0], -1)) before the linear layers, "
              "and 10 outputs in the last layer.")
    one = _run_model(net, X[:1], f"{name} on a batch of 1 image (1, 1, 28, 28)")
    if not isinstance(one, torch.Tensor) or tuple(one.shape) != (1, 10):
        _fail(f"{name} on one image (1, 1, 28, 28)", "wrong output.",
              ["expected: shape (1, 10)", f"got: {preview(one)}"], "keep the batch dimension, even for one image.")
    act, pool = _ACTIVATIONS[activation], _POOLS[pooling]
    # A copy of the network with large weights and inputs, so that every activation works in
    # its non-linear range and each misplaced layer changes the output.
    probe = copy.deepcopy(net)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in probe.parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 4
            p.copy_(torch.randn(p.shape, generator=g) * 2 / fan_in ** 0.5)
        Xd = 3 * torch.randn(7, 1, 28, 28, generator=g, dtype=torch.float64)
        out = _run_model(probe, Xd.float(), f"{name} on a batch of 7 images (7, 1, 28, 28)")
        got = out.detach().double()
        plist = [p.detach().double() for p in probe.parameters()]
        if torch.allclose(got, _lenet_function(plist, Xd, act, pool), atol=1e-4, rtol=1e-4):
            return
        other_act = [a for a in _ACTIVATIONS.values() if a is not act]
        other_pool = [q for q in _POOLS.values() if q is not pool]
        variants = [
            (dict(fc_act=False), "put an activation after the first two fully connected layers too: "
                                 "Linear(400, 120), activation, Linear(120, 84), activation, Linear(84, 10)."),
            (dict(out_act=True), "no activation after the last layer: the network returns logits, and "
                                 "nn.CrossEntropyLoss applies softmax itself."),
            (dict(conv_act=False), "put an activation after each convolution: convolution, activation, pooling."),
            (dict(pool_first=True), "the order in each block is convolution, activation, then pooling."),
            (dict(fc_act=False, out_act=True), "activations go between the fully connected layers, not after the "
                                                "last one."),
        ]
        for kwargs, hint in variants:
            if torch.allclose(got, _lenet_function(plist, Xd, act, pool, **kwargs), atol=1e-4, rtol=1e-4):
                _fail(name, "computes something other than LeNet.", [], hint)
        for a in other_act:
            if torch.allclose(got, _lenet_function(plist, Xd, a, pool), atol=1e-4, rtol=1e-4):
                _fail(name, "uses the wrong activation.", [f"expected: {activation.__name__} after each layer"],
                      "create each activation with the argument, `activation()`, not a fixed nn.ReLU() or "
                      "nn.Sigmoid().")
        for q in other_pool:
            if torch.allclose(got, _lenet_function(plist, Xd, act, q), atol=1e-4, rtol=1e-4):
                _fail(name, "uses the wrong pooling.", [f"expected: {pooling.__name__}(kernel_size=2, stride=2)"],
                      "create each pooling layer with the argument, `pooling(kernel_size=2, stride=2)`, not a fixed "
                      "nn.MaxPool2d or nn.AvgPool2d.")
    _fail(name, "computes something other than LeNet with its parameters.", [],
          "conv(1 -> 6, 5×5, padding 2), activation, pooling 2×2; conv(6 -> 16, 5×5), activation, pooling 2×2; "
          "flatten; linear 400 -> 120, activation; linear 120 -> 84, activation; linear 84 -> 10.")


# --- Reference answers (notebook 13) ---------------------------------------------------------

import os
import tempfile


def save_checkpoint(path, model, optimizer, epoch):
    """Save ``{"model", "optimizer", "epoch", "rng"}`` to ``path`` with ``torch.save``.

    ``model`` and ``optimizer`` as their ``state_dict()``, ``epoch`` (the number of finished
    epochs) as it is, ``rng`` as ``torch.get_rng_state()``.

    Introduced in ``13_checkpointing``.
    """
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epoch, "rng": torch.get_rng_state()}, path)


def resume(path, model, optimizer):
    """Restore ``model``, ``optimizer`` and torch's random state from :func:`save_checkpoint`'s
    file (loaded with ``weights_only=True``); return the number of finished epochs.

    Introduced in ``13_checkpointing``.
    """
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    torch.set_rng_state(checkpoint["rng"])
    return checkpoint["epoch"]


def load_matching(model, state_dict):
    """Load the entries of ``state_dict`` whose name and shape match ``model``'s; return the
    model's keys that got nothing (``missing_keys`` of ``load_state_dict(..., strict=False)``).

    Introduced in ``13_checkpointing``.
    """
    own = model.state_dict()
    matching = {k: v for k, v in state_dict.items() if k in own and v.shape == own[k].shape}
    return model.load_state_dict(matching, strict=False).missing_keys


def atomic_save(obj, path):
    """``torch.save(obj, path)`` through a temporary file in the same folder, flushed, fsynced
    and renamed over ``path`` with ``os.replace``; on failure the temporary file is removed and
    the error raised again, so ``path`` keeps its old content.

    Introduced in ``13_checkpointing``.
    """
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def train_keep_best(model, optimizer, num_epochs, train_epoch, evaluate, path):
    """Train ``num_epochs`` epochs (``train_epoch(model, optimizer)``), evaluate after each
    (``evaluate(model)``, a validation accuracy), and :func:`save_checkpoint` whenever the
    accuracy beats the best so far (the first of equal ones is kept); return
    ``(best_epoch, best_accuracy)``, epochs counted from 1.

    Introduced in ``13_checkpointing``.
    """
    best_epoch, best_acc = 0, -float("inf")
    for epoch in range(1, num_epochs + 1):
        train_epoch(model, optimizer)
        acc = evaluate(model)
        if acc > best_acc:
            best_epoch, best_acc = epoch, acc
            save_checkpoint(path, model, optimizer, epoch)
    return best_epoch, best_acc


def toy_classifier(seed: int = 0, lr: float = 0.1):
    """A small classifier with dropout (6 -> 16 -> 3) and SGD with momentum, for tests where
    resuming must restore the parameters, the momentum and the random state.

    Introduced in ``13_checkpointing``.
    """
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    return net, torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)


def toy_data(n: int = 48, seed: int = 1):
    """``(X, y)``: ``n`` examples of 6 features and labels in {0, 1, 2}, for :func:`toy_classifier`.

    Introduced in ``13_checkpointing``.
    """
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 6, generator=g), torch.randint(0, 3, (n,), generator=g)


def toy_epoch(net, optimizer, X, y, batch_size: int = 8):
    """One epoch of minibatch SGD on cross-entropy; the order and the dropout masks come from
    torch's global random generator (so resuming must restore it).

    Introduced in ``13_checkpointing``.
    """
    net.train()
    for idx in torch.randperm(len(X)).split(batch_size):
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
        optimizer.step()


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


# --- Reference answers (notebook 14) ---------------------------------------------------------

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
