"""Replays: the right computation and the usual wrong ones, redone by the course, so that a
check can name the mistake a learner's result matches.

:class:`SGDReplay` trains copies of a model as a right ``optim.SGD`` loop and as the usual
wrong loops would; :class:`OptimizerReplay` steps hand-written momentum and Adam the right
way (``torch.optim`` itself) and the usual wrong ways; :func:`check_k_fold_value` recomputes
k-fold cross-validation and its usual slips; :func:`check_lenet` runs LeNet and its usual
misassemblies as functions with the learner's own parameters. Each wrong way is a
:class:`~helpers.reference.mistakes.Mistake`, tried in order (first match wins).

Solve the exercises before reading: the replays compute the answers to check them.
This module is read-only in notebooks (:mod:`helpers._readonly`).
"""
from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from .._readonly import seal
from ..checks import _fail, _type_name, assert_close, assert_float, preview
from .answers import _fold_losses, fit_least_squares, fold_bounds
from .mistakes import Mistake, diagnose


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
        self.variants = [   # the usual mistakes, in the order they are tried
            Mistake(self.initial, "the parameters did not change.",
                    f"train the model you were given: for each minibatch, {zero}, then backward() "
                    f"on its loss, then {step}. Zeroing between backward() and the step, or "
                    "stepping before any backward(), leaves the step no gradient."
                    + ("" if step == "optimizer.step()" else " And update each parameter in "
                       "place (p -= ...): p = p - ... makes a new tensor and leaves the model as "
                       "it was.")),
            Mistake(self._run(order="bs")[0], "the gradients piled up: the result is that of a "
                    "loop that never zeroes them.",
                    f"call {zero} for every minibatch, before backward(): backward() adds to .grad."),
            Mistake(self._run(order="szb")[0], "each step used the previous minibatch's gradient: "
                    "the result is that of a step before backward().",
                    f"keep the order {zero}, loss.backward(), {step}."),
            Mistake(self._run(scale="divide")[0], f"the steps were {n} times too small: the mean "
                    "loss was divided by the batch size again (the notes' double scaling).",
                    f"{spelled} already averages over the minibatch: call backward() on it as it "
                    "is, without / len(y) or / batch_size."),
            Mistake(self._run(scale="multiply")[0], f"the steps were {n} times too large: the "
                    "loss was summed over the minibatch, not averaged.",
                    f"use the mean loss, {spelled} with its default reduction='mean', not a sum."),
            Mistake(self._run(maximize=True)[0], "the parameters moved up the gradient: the loss "
                    "was made larger, not smaller.",
                    "subtract the gradient, p -= lr * p.grad (gradient *descent*)."),
        ]
        if isinstance(self.loss, nn.MSELoss):
            self.variants.append(Mistake(
                self._run(scale=0.5)[0], "the steps were half as large: the loss had notebook "
                "01's factor 1/2.",
                "nn.MSELoss() is the mean of (y_hat - y)**2, without the 1/2 of notebook 01's "
                "squared_loss."))
        for other in (1e-3, 0.03):
            if other != lr:
                self.variants.append(Mistake(
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

        def same(got_flat, params) -> bool:
            ref_flat = _flat(params)
            return bool(torch.allclose(got_flat, ref_flat, rtol=1e-4,
                                       atol=1e-6 * (1 + float(ref_flat.abs().max()))))

        if same(got_flat, self.right):
            return
        details = [f"expected: {preview(_flat(self.right).float())}",
                   f"got:      {preview(got_flat.float())}",
                   f"(all parameters, flattened; before training: "
                   f"{preview(_flat(self.initial).float())})"]
        if not bool(torch.isfinite(got_flat).all()):
            details.append("your parameters contain nan or inf: the steps diverged.")
        diagnose(self.name, got_flat, self.variants, same, details, otherwise=(
            "the parameters after training differ from those of the right loop.",
            "for each minibatch: compute the loss of net(X) against y, zero the gradients, "
            "backward(), step, with the learning rate you were given."))

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
        def traj(kind):
            return _trajectory(_momentum_variant(momentum, kind=kind), params0, grads, lrs)

        right = _torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=lrs[0], momentum=momentum),
                                  params0, grads, lrs)
        variants = [
            Mistake(traj("sgd"), "the result is that of plain SGD: no momentum carried over from the "
                    "earlier steps.",
                    "keep the buffer between calls in bufs[i] (store it back: bufs[i] = ...), and step "
                    "with it: buf = momentum * buf + grad, then p -= lr * buf."),
            Mistake(traj("param_first"), "the parameters moved with the buffer of the *previous* "
                    "step: they were updated before the buffer.",
                    "first update the buffer with this step's gradient, then p -= lr * buf."),
            Mistake(traj("ema_zero"), "the buffer is an average, momentum * buf + (1 - momentum) * grad "
                    "(dampening): PyTorch adds the gradient itself.",
                    "buf = momentum * buf + grad, without the factor (1 - momentum) (optim.SGD's "
                    "dampening is 0 by default)."),
            Mistake(traj("ema"), "the buffer is an average, momentum * buf + (1 - momentum) * grad "
                    "(dampening): PyTorch adds the gradient itself.",
                    "buf = momentum * buf + grad, without the factor (1 - momentum) (optim.SGD's "
                    "dampening is 0 by default)."),
            Mistake(traj("lr_inside"), "the learning rate went into the buffer (v = momentum * v + "
                    "lr * grad; p -= v): equal to PyTorch's rule only while lr stays the same, and "
                    "here it changed between steps.",
                    "PyTorch's convention keeps lr out of the buffer: buf = momentum * buf + grad, "
                    "then p -= lr * buf, with this step's lr."),
            Mistake(traj("nesterov"), "that is Nesterov momentum (p -= lr * (grad + momentum * buf)).",
                    "plain momentum steps with the buffer itself: p -= lr * buf."),
        ]
        return cls(right, variants, [p.detach().clone().double() for p in params0], name=name,
                   hint="on the first step buf = grad (a copy); later buf = momentum * buf + grad; "
                        "then p -= lr * buf, in place under torch.no_grad().")

    @classmethod
    def adam(cls, params0, grads, lrs, betas, eps, *, name="adam_step"):
        """``optim.Adam(betas=betas, eps=eps)`` and the usual mistakes of writing it by hand."""
        def traj(kind):
            return _trajectory(_adam_variant(betas, eps, kind=kind), params0, grads, lrs)

        right = _torch_trajectory(lambda ps: torch.optim.Adam(ps, lr=lrs[0], betas=betas, eps=eps),
                                  params0, grads, lrs)
        variants = [
            Mistake(traj("no_bias_correction"), "no bias correction: m and v were used as they are.",
                    "divide by 1 - beta**t: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t), "
                    "with t the step number (1 on the first step)."),
            Mistake(traj("eps_inside"), "eps was added inside the square root, sqrt(v_hat + eps).",
                    "add eps after the root: p -= lr * m_hat / (v_hat.sqrt() + eps)."),
            Mistake(traj("square_m"), "v averaged the square of m, not of the gradient.",
                    "v = beta2 * v + (1 - beta2) * grad**2: the square of this step's gradient."),
            Mistake(traj("abs"), "v averaged |grad|, not grad**2.",
                    "v = beta2 * v + (1 - beta2) * grad**2: the square of this step's gradient."),
            Mistake(traj("swapped"), "beta1 and beta2 were swapped.",
                    "m uses beta1, the first of betas (0.9 by default), v uses beta2 (0.999): "
                    "beta1, beta2 = betas."),
            Mistake(traj("no_1_minus"), "m added the whole gradient: m = beta1 * m + grad.",
                    "both averages weigh the new value by (1 - beta): m = beta1 * m + (1 - beta1) * grad."),
            Mistake(traj("t_plus_1"), "the bias correction used t + 1: t already counts from 1.",
                    "use 1 - beta1**t and 1 - beta2**t with the t you were given."),
            Mistake(traj("stored_hat"), "the bias-corrected m_hat and v_hat were stored back into m "
                    "and v, so the next step corrects them again.",
                    "keep m and v as the plain moving averages; compute m_hat and v_hat as new "
                    "tensors for the update only."),
            Mistake(traj("no_state"), "m and v started from zero again at every step: the new "
                    "averages were not kept for the next step.",
                    "keep m and v for the next step: update ms[i] and vs[i] in place "
                    "(m.mul_(beta1).add_(...)), or store the new tensors back, ms[i] = ...; a plain "
                    "m = ... only renames a local variable."),
            Mistake(traj("param_first"), "the parameters moved with the m and v of the *previous* "
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

        def same_trajectory(got, trajectory) -> bool:
            return all(same(k, trajectory[k]) for k in range(len(got)))

        first = next((k for k in range(len(got)) if not same(k, self.right[k])), None)
        if first is None:
            return
        diagnose(f"{self.name}, after step {first + 1}", got, self.variants, same_trajectory,
                 [f"expected: {preview(_flat(self.right[first]).float())}",
                  f"got:      {preview(got[first].float())}"])
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

        def same(got_flat, ref_params) -> bool:
            ref_flat = _flat(ref_params)
            return bool(torch.allclose(got_flat, ref_flat, rtol=1e-4, atol=1e-7))

        if same(got_flat, want):
            return
        details = [f"expected: {preview(_flat(want).float())}",
                   f"got:      {preview(got_flat.float())}",
                   f"(all parameters, flattened; before step 1: {preview(_flat(self.initial).float())})"]
        if not bool(torch.isfinite(got_flat).all()):
            details.append("your parameters contain nan or inf.")
        unchanged = Mistake(
            self.initial if k == 0 else self.right[k - 1], "the parameters did not change.",
            "update each parameter in place under torch.no_grad(), p -= lr * ... (p = p - ... "
            "makes a new tensor and leaves the parameter as it was). And first update the buffers "
            "with this step's gradient, then the parameter: a buffer that starts at zero and is "
            "used before its update moves nothing.")
        at_step_k = [Mistake(m.product()[k], m.problem, m.hint) for m in self.variants]
        diagnose(where, got_flat, [unchanged, *at_step_k], same, details,
                 otherwise=("the parameters differ from those of torch.optim.", self.hint))


def check_k_fold_value(got, X, y, k, *, name: str) -> None:
    """Compare a learner's ``k_fold_loss(X, y, k, fit_least_squares)`` with the reference; on a
    mismatch, say which usual mistake gives the value (a sum over folds, the pooled mean, the
    training loss, the last fold only).

    Introduced in ``07_model_selection``.
    """
    __tracebackhide__ = True  # tracebacks show the learner's code, not the check's
    assert_float(got, name=name,
                 hint="return a Python float: sum(losses) / k of floats, or .item() of a tensor.")
    val = _fold_losses(X, y, k, fit_least_squares)
    right = sum(val) / k
    if abs(got - right) <= 1e-4 * abs(right) + 1e-7:
        return
    sizes = [stop - start for start, stop in fold_bounds(len(X), k)]
    wrong = "wrong mean validation loss."
    mistakes = [
        Mistake(sum(val), wrong,
                "divide the sum of the k fold losses by k: the result is their mean, not their sum."),
        Mistake(sum(v * s for v, s in zip(val, sizes)) / len(X), wrong,
                "average the k fold losses, each the mean over its own fold: sum(losses) / k, not the "
                "squared errors of all folds pooled (the last fold is larger)."),
        Mistake(lambda: sum(_fold_losses(X, y, k, fit_least_squares, on_train=True)) / k, wrong,
                "evaluate each fold's model on the held-out fold (X[start:stop]), not on the data it was "
                "trained on: the training loss says nothing about new data."),
        Mistake(val[-1], wrong,
                "collect one loss per fold in a list and average them all; only the last fold's loss came "
                "back."),
    ]
    diagnose(name, got, mistakes, lambda got, value: abs(got - value) <= 1e-4 * abs(value) + 1e-7,
             [f"expected: {right:.6g}", f"got:      {got:.6g}"], otherwise=(
                 wrong, "for each fold: model = fit(X_train, y_train), then the mean of (model(X_val) - "
                 "y_val) ** 2 on the held-out fold; return the mean of the k losses. Check that y_val has "
                 "the same shape as the predictions (a column): broadcasting (n, 1) against (n,) gives "
                 "(n, n)."))


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
        hint = ("flatten each example on its own, nn.Flatten() or X.reshape(X.shape[0], -1): "
                "X.view(1, -1) (as in the notes) puts the whole batch into one row and works for a batch "
                "of one image only.")
    elif "mat1 and mat2" in text:
        hint = ("the first fully connected layer gets a different number of features than it expects. "
                "For 28×28 images the first convolution needs padding=2 (28 -> 28 -> 14 -> 10 -> 5), so "
                "that 16 maps of 5×5 = 400 features reach nn.Linear(400, 120); the notes' net was made "
                "for 32×32 images.")
    elif "is invalid for input of size" in text:
        hint = ("x.view(-1, 16 * 5 * 5) needs exactly 400 numbers per image: for 28×28 images pad the "
                "first convolution by 2 (28 -> 28 -> 14 -> 10 -> 5), and flatten with nn.Flatten() (or "
                "x.flatten(1)), which never mixes the numbers of different images.")
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
            hint = ("without padding the first convolution shrinks 28×28 to 24×24 and 16 maps of 4×4 = "
                    "256 features reach the first linear layer: pad the first convolution by 2 (padding=2) "
                    "so that it keeps 28×28 and 16 × 5 × 5 = 400 features arrive, as in LeNet's 32×32 "
                    "design.")
        elif len(shapes) != len(LENET_SHAPES):
            hint = ("LeNet has 5 layers with parameters (2 convolutions, 3 linear layers), each with a "
                    "weight and a bias; activations and pooling have none. " + hint)
        _fail(name, "its parameters have the wrong shapes.",
              [f"expected: {LENET_SHAPES}", f"got:      {shapes}"], hint)
    X = torch.rand(7, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    out = _run_model(net, X, f"{name} on a batch of 7 images (7, 1, 28, 28)")
    if type(out) not in (torch.Tensor, nn.Parameter) or tuple(out.shape) != (7, 10):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else _type_name(out)
        _fail(f"{name} on a batch of 7 images (7, 1, 28, 28)", "wrong output.",
              ["expected: a tensor of shape (7, 10), one row of 10 logits per image",
               f"got:      {got}"],
              "keep the batch dimension: nn.Flatten() (or X.reshape(X.shape[0], -1)) before the linear "
              "layers, and 10 outputs in the last layer.")
    one = _run_model(net, X[:1], f"{name} on a batch of 1 image (1, 1, 28, 28)")
    if not isinstance(one, torch.Tensor) or tuple(one.shape) != (1, 10):
        _fail(f"{name} on one image (1, 1, 28, 28)", "wrong output.",
              ["expected: shape (1, 10)", f"got: {preview(one)}"],
              "keep the batch dimension, even for one image.")
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

        def lenet_as(a=act, q=pool, **variant):   # the output, computed when it is tried
            return lambda: _lenet_function(plist, Xd, a, q, **variant)

        other = "computes something other than LeNet."
        mistakes = [
            Mistake(lenet_as(fc_act=False), other, "put an activation after the first two fully connected "
                    "layers too: Linear(400, 120), activation, Linear(120, 84), activation, Linear(84, 10)."),
            Mistake(lenet_as(out_act=True), other, "no activation after the last layer: the network returns "
                    "logits, and nn.CrossEntropyLoss applies softmax itself."),
            Mistake(lenet_as(conv_act=False), other, "put an activation after each convolution: convolution, "
                    "activation, pooling."),
            Mistake(lenet_as(pool_first=True), other, "the order in each block is convolution, activation, "
                    "then pooling."),
            Mistake(lenet_as(fc_act=False, out_act=True), other, "activations go between the fully connected "
                    "layers, not after the last one."),
            *(Mistake(lenet_as(a=a), "uses the wrong activation.",
                      "create each activation with the argument, `activation()`, not a fixed nn.ReLU() or "
                      "nn.Sigmoid().", details=(f"expected: {activation.__name__} after each layer",))
              for a in _ACTIVATIONS.values() if a is not act),
            *(Mistake(lenet_as(q=q), "uses the wrong pooling.",
                      "create each pooling layer with the argument, `pooling(kernel_size=2, stride=2)`, "
                      "not a fixed nn.MaxPool2d or nn.AvgPool2d.",
                      details=(f"expected: {pooling.__name__}(kernel_size=2, stride=2)",))
              for q in _POOLS.values() if q is not pool),
        ]
        diagnose(name, got, mistakes, lambda got, out: torch.allclose(got, out, atol=1e-4, rtol=1e-4),
                 otherwise=("computes something other than LeNet with its parameters.",
                            "conv(1 -> 6, 5×5, padding 2), activation, pooling 2×2; conv(6 -> 16, "
                            "5×5), activation, pooling 2×2; flatten; linear 400 -> 120, activation; "
                            "linear 120 -> 84, activation; linear 84 -> 10."))


seal(__name__)
