"""helpers/reference/ and helpers/_readonly.py: references, isolation, the spies, the replays,
the known-mistakes core they share, sealing."""
from __future__ import annotations

import sys
import types

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import helpers
from helpers import reference as ref
from helpers._readonly import seal
from helpers.reference.mistakes import Mistake, diagnose, first_match
from helpers.reference.replays import _adam_variant, _flat, _momentum_variant, _trajectory


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as err:
        fn(*args, **kwargs)
    return str(err.value)


# --- reference answers ---------------------------------------------------------------------

def test_reference_answers_agree_with_torch():
    X, w, b = torch.randn(5, 3), torch.randn(3, 1), torch.randn(1)
    assert torch.allclose(ref.linreg(X, w, b), torch.addmm(b, X, w))
    y_hat, y = torch.randn(5, 1), torch.randn(5)
    assert torch.allclose(ref.squared_loss(y_hat, y),
                          F.mse_loss(y_hat, y.reshape(5, 1), reduction="none") / 2)
    logits, labels = torch.randn(6, 4), torch.tensor([0, 1, 2, 3, 3, 1])
    assert ref.accuracy(logits, labels) == (logits.argmax(1) == labels).float().mean().item()
    batches = list(ref.data_iter(4, torch.arange(10.0), torch.arange(10.0),
                                 torch.Generator().manual_seed(0)))
    assert [len(X) for X, _ in batches] == [4, 4, 2]
    assert sorted(torch.cat([X for X, _ in batches]).tolist()) == list(range(10))
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    p.grad = torch.tensor([2.0, 4.0])
    ref.sgd([p], lr=0.5, batch_size=2)
    assert p.tolist() == [0.5, 1.0] and p.grad.tolist() == [0.0, 0.0]


# --- isolate ---------------------------------------------------------------------------------

def test_isolate_swaps_the_names_a_function_sees_without_touching_its_module():
    scope = {"helper": lambda: "learner's"}
    exec("def uses(x, *, k=2):\n    return helper(), x * k\n", scope)
    isolated = ref.isolate(scope["uses"], "uses", helper=lambda: "reference")
    assert isolated(3) == ("reference", 6)             # keyword defaults kept
    assert scope["uses"](3) == ("learner's", 6)        # the original is untouched


def test_isolate_explains_what_is_not_a_function():
    assert "defined with `def`" in failure(ref.isolate, print, "train_linreg")
    assert "defined with `def`" in failure(ref.isolate, None, "train_linreg")


# --- the SGD spy -----------------------------------------------------------------------------

def linear_problem(seed=0, n=7, batch=3):
    g = torch.Generator().manual_seed(seed)
    X, y = torch.randn(n, 2, generator=g), torch.randn(n, 1, generator=g)
    w = torch.zeros(2, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    batches = ref.RecordedMinibatches([(X[i:i + batch], y[i:i + batch]) for i in range(0, n, batch)])
    spy = ref.SGDSpy(batches, lambda params, X, y: ref.squared_loss(ref.linreg(X, *params), y).sum(),
                     lr=0.1, params=[w, b], name="loop", call="sgd([w, b], lr, len(y))")
    return batches, spy, w, b


def loop(batches, spy, w, b, *, mean=False, size=None, lr=0.1, params=None, backward_twice=False):
    for X, y in batches:
        loss = ref.squared_loss(ref.linreg(X, w, b), y)
        (loss.mean() if mean else loss.sum()).backward()
        if backward_twice:
            ref.squared_loss(ref.linreg(X, w, b), y).sum().backward()
        spy(params or [w, b], lr, size or len(y))


def test_the_spy_accepts_a_right_loop_and_takes_the_reference_steps():
    batches, spy, w, b = linear_problem()
    loop(batches, spy, w, b)
    spy.check_steps()
    assert spy.steps == 3 and spy.batch_sizes == [3, 3, 1]
    assert float(w.detach().abs().sum()) > 0 and w.grad.abs().sum() == 0


@pytest.mark.parametrize("mistake, expected", [
    ({"mean": True}, "3 times too small"),
    ({"size": 3}, "batch_size=1 (this minibatch has 1 examples)"),
    ({"lr": 0.5}, "another learning rate"),
    ({"backward_twice": True}, "2 times too large"),
])
def test_the_spy_names_the_mistake(mistake, expected):
    batches, spy, w, b = linear_problem()
    assert expected in failure(loop, batches, spy, w, b, **mistake)


def test_a_gradient_of_nan_gets_the_course_message_not_a_crash():
    batches, spy, w, b = linear_problem()
    X, y = next(iter(batches))
    ref.squared_loss(ref.linreg(X, w, b), y).sum().backward()
    w.grad[0] = float("nan")
    message = failure(spy, [w, b], 0.1, len(y))
    assert "not the gradient of this minibatch's summed loss" in message
    assert "contains nan or inf" in message


def test_the_spy_names_foreign_parameters_and_missing_gradients():
    batches, spy, w, b = linear_problem()
    other = [torch.zeros(2, 1, requires_grad=True), torch.zeros(1, requires_grad=True)]
    assert "other tensors than the parameters" in failure(loop, batches, spy, w, b, params=other)
    batches, spy, w, b = linear_problem()
    spy.params = None
    X, y = next(iter(batches))
    assert ".grad is None" in failure(spy, [w, b], 0.1, len(y))


def test_the_spy_counts_steps_and_minibatches():
    batches, spy, w, b = linear_problem()
    assert "no minibatch was read" in failure(spy.check_steps)
    for X, y in batches:
        pass                                             # read every minibatch, never step
    assert "3 minibatches" in failure(spy.check_steps)


def test_the_spy_checks_the_returned_mean_loss():
    batches, spy, w, b = linear_problem()
    loop(batches, spy, w, b)
    exact = sum(spy.batch_sums) / 7
    spy.check_mean_loss(exact)
    means = sum(s / n for s, n in zip(spy.batch_sums, spy.batch_sizes)) / 3
    assert "mean of the minibatch means" in failure(spy.check_mean_loss, means)
    assert "Python float" in failure(spy.check_mean_loss, torch.tensor(exact))


# --- read-only modules -----------------------------------------------------------------------

@pytest.fixture
def module():
    mod = types.ModuleType("course_sealed_example")
    exec("def answer():\n    return 42\n", vars(mod))
    sys.modules[mod.__name__] = mod
    yield seal(mod.__name__)
    del sys.modules[mod.__name__]


def test_a_sealed_module_keeps_its_names(module):
    with pytest.raises(AttributeError, match="cannot be changed"):
        module.answer = lambda: 0
    with pytest.raises(AttributeError):
        del module.answer
    with pytest.raises(AttributeError):
        module.__class__ = types.ModuleType
    vars(module)["answer"] = lambda: 0                  # writing past the attribute ...
    assert module.answer() == 42                        # ... changes nothing it hands out
    module.added_later = 1                              # new names (submodules) are allowed
    assert module.added_later == 1


def test_the_course_modules_that_tests_rely_on_are_sealed():
    for mod, name in [(helpers, "evaluate_accuracy"), (sys.modules["helpers.checks"], "assert_close"),
                      (ref, "SGDSpy"), (sys.modules["helpers.train"], "num_correct"),
                      (sys.modules["helpers.loader"], "TensorLoader")]:
        with pytest.raises(AttributeError):
            setattr(mod, name, None)


REFERENCE_MODULES = ["answers", "isolation", "mistakes", "replays", "spies"]


def test_the_reference_package_and_every_module_in_it_are_sealed():
    import pkgutil

    assert sorted(m.name for m in pkgutil.iter_modules(ref.__path__)) == REFERENCE_MODULES
    for module in [ref] + [sys.modules[f"helpers.reference.{name}"] for name in REFERENCE_MODULES]:
        public = [n for n in vars(module) if not n.startswith("_") and n != "annotations"]
        assert public, module.__name__
        for name in public:
            with pytest.raises(AttributeError, match="cannot be changed"):
                setattr(module, name, None)
            with pytest.raises(AttributeError):
                delattr(module, name)
        with pytest.raises(AttributeError):
            module.__class__ = types.ModuleType
    with pytest.raises(AttributeError):
        ref.spies = types.ModuleType("fake")                  # the submodules themselves too
    with pytest.raises(AttributeError):
        helpers.reference = types.ModuleType("fake")


def test_writing_past_a_submodules_seal_changes_neither_ref_nor_the_other_modules():
    """Only vars() gets past a seal (the tampering finder reports it); what it writes into one
    module is not what ``ref.X`` gives out, nor what the other modules imported."""
    import helpers.reference.mistakes as mistakes_module
    import helpers.reference.spies as spies_module

    saved = {m: dict(vars(m)) for m in (spies_module, mistakes_module)}
    stub = lambda *args, **kwargs: None  # noqa: E731
    try:
        vars(spies_module)["SGDSpy"] = stub
        vars(mistakes_module)["diagnose"] = stub
        assert ref.SGDSpy is not stub and spies_module.SGDSpy is ref.SGDSpy
        assert ref.diagnose is not stub and mistakes_module.diagnose is ref.diagnose
        batches, spy, w, b = linear_problem()
        assert "3 times too small" in failure(loop, batches, spy, w, b, mean=True)
        X, y = k_fold_problem()
        right = ref.k_fold_loss(X, y, 3, ref.fit_least_squares)
        assert "divide the sum" in failure(ref.check_k_fold_value, right * 3, X, y, 3, name="k_fold_loss")
    finally:
        for module, names in saved.items():
            vars(module).clear()
            vars(module).update(names)


def test_ref_names_every_public_name_of_its_modules():
    for name in REFERENCE_MODULES:
        module = sys.modules[f"helpers.reference.{name}"]
        own = [n for n, v in vars(module).items() if not n.startswith("_")
               and getattr(v, "__module__", None) == module.__name__]
        assert own and all(getattr(ref, n) is getattr(module, n) for n in own), name
        assert set(own) <= set(ref.__all__), name
    assert ref.LENET_SHAPES is sys.modules["helpers.reference.replays"].LENET_SHAPES


# --- the known-mistakes core -----------------------------------------------------------------

def close(a, b) -> bool:
    return abs(a - b) < 1e-9


def test_first_match_wins_in_order_and_none_never_matches():
    mistakes = [Mistake(None, "cannot happen here", "-"), Mistake(2.0, "doubled", "halve it"),
                Mistake(2.0, "also 2", "never reached"), Mistake(3.0, "tripled", "-")]
    assert first_match(2.0, mistakes, close) is mistakes[1]
    assert first_match(3.0, mistakes, close) is mistakes[3]
    assert first_match(5.0, mistakes, close) is None
    assert first_match(None, mistakes, lambda a, b: True) is mistakes[1]   # None is skipped
    assert first_match(1.0, [], close) is None


def test_lazy_products_are_computed_only_until_the_first_match():
    computed = []

    def produce(value):
        def compute():
            computed.append(value)
            return value
        return compute

    mistakes = [Mistake(produce(1.0), "one", "-"), Mistake(produce(2.0), "two", "-"),
                Mistake(produce(3.0), "three", "-")]
    assert first_match(2.0, mistakes, close).problem == "two" and computed == [1.0, 2.0]
    computed.clear()
    assert first_match(9.0, mistakes, close) is None and computed == [1.0, 2.0, 3.0]
    assert Mistake(lambda: None, "p", "h").product() is None
    assert first_match(0.0, [Mistake(lambda: None, "p", "h")], lambda a, b: True) is None

    def generated():                                      # a generator: built as they are tried
        yield Mistake(1.0, "one", "-")
        raise AssertionError("tried after a match")

    assert first_match(1.0, generated(), close).problem == "one"


def test_diagnose_names_the_match_or_fails_generically_or_returns():
    mistakes = [Mistake(2.0, "doubled.", "halve it.", details=("(twice the right value)",)),
                Mistake(3.0, "tripled.", "divide by 3.")]
    details = ["expected: 1", "got:      2"]
    assert failure(diagnose, "f(x)", 2.0, mistakes, close, details, otherwise=("wrong.", "look again.")) == (
        "f(x): doubled.\n  expected: 1\n  got:      2\n  (twice the right value)\n  hint: halve it.")
    assert failure(diagnose, "f(x)", 3.0, mistakes, close) == "f(x): tripled.\n  hint: divide by 3."
    assert failure(diagnose, "f(x)", 7.0, mistakes, close, details, otherwise=("wrong.", "look again.")) == (
        "f(x): wrong.\n  expected: 1\n  got:      2\n  hint: look again.")
    assert diagnose("f(x)", 7.0, mistakes, close, details) is None      # no otherwise: the caller goes on
    assert details == ["expected: 1", "got:      2"]                    # not changed


def test_a_mistake_is_frozen():
    mistake = Mistake(1.0, "p", "h")
    with pytest.raises(AttributeError):
        mistake.hint = "something else"


# --- notebook 02: the model builder check and the SGD replay ---------------------------------

def test_build_model_returns_the_model_and_names_the_usual_mistakes():
    import torch.nn as nn

    assert isinstance(ref.build_model(lambda: ref.linear_sequential(3), "m"), nn.Sequential)

    class NoSuper(nn.Module):
        def __init__(self):
            self.linear = nn.Linear(2, 1)

    assert "super().__init__()" in failure(ref.build_model, NoSuper, "NoSuper()")

    def through_container():
        net = nn.Sequential(nn.Linear(2, 1))
        nn.init.zeros_(net.weight)

    assert "net[0]" in failure(ref.build_model, through_container, "m")
    assert "nn.init.normal_" in failure(ref.build_model,
                                        lambda: nn.init.normal(nn.Linear(2, 1).weight), "m")
    assert "should build an nn.Module" in failure(ref.build_model, lambda: None, "m")
    with pytest.raises(AttributeError, match="other"):          # other errors are the learner's
        ref.build_model(lambda: nn.Linear(2, 1).other, "m")


def replay_problem(seed=0, epochs=1):
    g = torch.Generator().manual_seed(seed)
    X, y = torch.randn(9, 2, generator=g), torch.randn(9, 1, generator=g)
    batches = [(X[i:i + 4], y[i:i + 4]) for i in range(0, 9, 4)]
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(2, 1))
    return net, batches, ref.SGDReplay(net, batches, 0.1, epochs=epochs, name="loop")


def optim_loop(net, batches, *, order=("zero", "backward", "step"), lr=0.1, scale=1.0, epochs=1,
               reduction="mean"):
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        for X, y in batches:
            loss = F.mse_loss(net(X), y, reduction=reduction)
            losses.append(loss.item())
            for op in order:
                if op == "zero":
                    optimizer.zero_grad()
                elif op == "step":
                    optimizer.step()
                else:
                    (loss * (1 / len(y) if scale == "divide" else scale)).backward()
    return losses


def test_the_replay_accepts_the_right_loop_and_its_losses():
    net, batches, replay = replay_problem(epochs=2)
    losses = optim_loop(net, batches, epochs=2)
    replay.check(net)
    replay.check_losses(losses)
    assert "one loss per minibatch" in failure(replay.check_losses, losses[:3])
    assert "Python float" in failure(replay.check_losses, [torch.tensor(v) for v in losses])
    net, batches, replay = replay_problem()
    optim_loop(net, batches, order=("backward", "step", "zero"))   # zeroing after the step is right
    replay.check(net)


@pytest.mark.parametrize("mistake, expected", [
    ({"order": ("backward", "step")}, "piled up"),
    ({"order": ("backward", "zero", "step")}, "did not change"),
    ({"order": ("step", "zero", "backward")}, "previous minibatch"),
    ({"scale": "divide"}, "divided by the batch size again"),
    ({"reduction": "sum"}, "summed"),
    ({"scale": 0.5}, "half as large"),
    ({"lr": 0.03}, "learning rate 0.03"),
    ({"lr": 0.001}, "learning rate 0.001"),
    ({"lr": 0.07}, "differ from those of the right loop"),
])
def test_the_replay_names_the_mistake(mistake, expected):
    net, batches, replay = replay_problem()
    optim_loop(net, batches, **mistake)
    assert expected in failure(replay.check, net)


def test_the_replay_starts_from_leftover_gradients_and_names_a_new_model():
    net, batches, _ = replay_problem()
    for p in net.parameters():
        p.grad = torch.ones_like(p)
    replay = ref.SGDReplay(net, batches[:1], 0.1, name="step")
    optim_loop(net, batches[:1], order=("backward", "step"))        # the leftovers join the step
    assert "piled up" in failure(replay.check, net)
    net, batches, replay = replay_problem()
    assert "changed their number or shapes" in failure(replay.check, torch.nn.Linear(3, 1))


# --- Notebook 04 (softmax with nn) ----------------------------------------------------------------

def test_softmax_net_returns_logits_of_a_flattened_linear_layer():
    torch.manual_seed(0)
    net = ref.softmax_net()
    assert isinstance(net[0], nn.Flatten) and isinstance(net[1], nn.Linear)
    assert [tuple(p.shape) for p in net.parameters()] == [(10, 784), (10,)]
    assert 0.009 < float(net[1].weight.detach().std()) < 0.011
    assert float(net[1].bias.detach().abs().max()) == 0.0
    X = torch.rand(3, 1, 28, 28)
    assert torch.allclose(net(X), X.reshape(3, -1) @ net[1].weight.T + net[1].bias)
    assert tuple(ref.softmax_net(6, 4)(torch.rand(2, 2, 3)).shape) == (2, 4)


def test_the_new_references_are_read_only():
    with pytest.raises(AttributeError):
        ref.softmax_net = None


# --- Notebook 05 (MLP by hand) --------------------------------------------------------------------

def test_relu_matches_torch_in_values_gradient_and_dtype():
    x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    ref.relu(x).sum().backward()
    assert torch.equal(ref.relu(x.detach()), torch.relu(x.detach()))
    assert x.grad.tolist() == [0.0, 0.0, 1.0]
    assert ref.relu(torch.randn(3, dtype=torch.float64)).dtype == torch.float64


def test_init_mlp_params_shapes_scale_and_leaves():
    params = ref.init_mlp_params(300, generator=torch.Generator().manual_seed(0))
    assert [tuple(p.shape) for p in params] == [(784, 300), (300,), (300, 10), (10,)]
    assert all(p.requires_grad and p.is_leaf for p in params)
    assert 0.009 < float(params[0].detach().std()) < 0.011
    assert float(params[1].detach().abs().sum()) == float(params[3].detach().abs().sum()) == 0.0
    again = ref.init_mlp_params(300, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(p, q) for p, q in zip(params, again))


def test_mlp_forward_matches_a_sequential_model():
    g = torch.Generator().manual_seed(1)
    params = [torch.randn(784, 5, generator=g), torch.randn(5, generator=g),
              torch.randn(5, 10, generator=g), torch.randn(10, generator=g)]
    X = torch.rand(4, 1, 28, 28, generator=g)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 5), torch.nn.ReLU(),
                              torch.nn.Linear(5, 10))
    with torch.no_grad():
        net[1].weight.copy_(params[0].T), net[1].bias.copy_(params[1])
        net[3].weight.copy_(params[2].T), net[3].bias.copy_(params[3])
        assert torch.allclose(ref.mlp_forward(X, params), net(X), atol=1e-5)


def test_sigmoid_grad_matches_autograd_and_stays_finite():
    x = torch.linspace(-100, 100, 41, requires_grad=True)
    torch.sigmoid(x).sum().backward()
    assert torch.allclose(ref.sigmoid_grad(x.detach()), x.grad, atol=1e-7)
    assert bool(torch.isfinite(ref.sigmoid_grad(torch.tensor([-1000.0, 1000.0]))).all())


def test_quiet_helpers_trains_without_plot_or_progress_bar(capsys):
    stand_in = ref.quiet_helpers()
    assert stand_in.History is helpers.History
    assert stand_in.load_data_fashion_mnist is helpers.load_data_fashion_mnist
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(20, 784, generator=g), torch.randint(0, 10, (20,), generator=g)
    params = ref.init_mlp_params(4, generator=g)
    loader = [(X[:10], y[:10]), (X[10:], y[10:])]
    history = stand_in.train(lambda X: ref.mlp_forward(X, params), loader, loader,
                             lambda O, y: F.cross_entropy(O, y, reduction="none"), 2,
                             updater=lambda n: ref.sgd(params, 0.1, n), plot=True, progress=True)
    assert isinstance(history, helpers.History) and len(history) == 2
    assert capsys.readouterr().err == ""   # progress=True would have drawn a bar on stderr


# --- Notebook 06 (MLP with nn and optimizers) -----------------------------------------------------

def problem():
    g = torch.Generator().manual_seed(0)
    params0 = [torch.randn(2, 3, generator=g), torch.randn(2, generator=g)]
    grads = [[torch.randn(2, 3, generator=g), torch.randn(2, generator=g)] for _ in range(5)]
    return params0, grads, [0.1, 0.1, 0.05, 0.02, 0.02]


def test_mlp_structure_and_initialisation():
    torch.manual_seed(0)
    net = ref.mlp()
    assert [type(m) for m in net] == [nn.Flatten, nn.Linear, nn.ReLU, nn.Linear]
    assert net(torch.rand(4, 1, 28, 28)).shape == (4, 10)
    for i in (1, 3):
        assert 0.009 < float(net[i].weight.detach().std()) < 0.011
        assert torch.equal(net[i].bias, torch.zeros_like(net[i].bias))
    ref.init_weights(nn.ReLU())   # modules without weights are left alone


@pytest.mark.parametrize("kind", ["momentum", "adam"])
def test_the_right_trajectory_is_torch_optim_and_the_by_hand_formula(kind):
    params0, grads, lrs = problem()
    if kind == "momentum":
        replay = ref.OptimizerReplay.momentum(params0, grads, lrs, 0.9)
        by_hand = _trajectory(_momentum_variant(0.9), params0, grads, lrs)
    else:
        replay = ref.OptimizerReplay.adam(params0, grads, lrs, (0.8, 0.99), 1e-3)
        by_hand = _trajectory(_adam_variant((0.8, 0.99), 1e-3), params0, grads, lrs)
    for a, b in zip(replay.right, by_hand):
        assert torch.allclose(_flat(a), _flat(b))
    replay.check_all(replay.right)                     # the right answer passes
    for k in range(len(grads)):
        replay.check(k, replay.right[k])


@pytest.mark.parametrize("kind", ["momentum", "adam"])
def test_every_mistake_is_named_by_its_own_message(kind):
    params0, grads, lrs = problem()
    replay = (ref.OptimizerReplay.momentum(params0, grads, lrs, 0.9) if kind == "momentum"
              else ref.OptimizerReplay.adam(params0, grads, lrs, (0.8, 0.99), 1e-3))
    for mistake in replay.variants:
        message = failure(replay.check_all, mistake.produces)
        assert mistake.problem in message and mistake.hint in message, message


def test_parameters_that_never_move_and_unknown_mistakes():
    params0, grads, lrs = problem()
    replay = ref.OptimizerReplay.momentum(params0, grads, lrs, 0.9, name="sgd_momentum")
    assert "did not change" in failure(replay.check_all, [params0] * len(grads))
    odd = [[p + 1.0 for p in ps] for ps in replay.right]
    message = failure(replay.check_all, odd)
    assert "differ from those of torch.optim" in message and "hint:" in message
    assert "nan or inf" in failure(replay.check, 0, [torch.full((2, 3), float("nan")), torch.zeros(2)])
    assert "no longer tensors" in failure(replay.check, 0, [None, None])


def test_zero_start_equals_pytorch_without_dampening_only():
    g = [torch.randn(3, generator=torch.Generator().manual_seed(k)) for k in range(4)]

    def zero_start(dampening):
        p, buf = torch.zeros(3), torch.zeros(3)
        for gk in g:
            buf = 0.9 * buf + (1 - dampening) * gk
            p = p - 0.1 * buf
        return p

    def torch_sgd(dampening):
        p = torch.zeros(3, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=dampening)
        for gk in g:
            p.grad = gk.clone()
            opt.step()
        return p.detach()

    assert torch.allclose(zero_start(0.0), torch_sgd(0.0))
    assert not torch.allclose(zero_start(0.5), torch_sgd(0.5))


# --- Notebook 07 ---------------------------------------------------------------------------------

def test_poly_features_and_least_squares_agree_with_plain_formulas():
    x = torch.tensor([-2.0, 0.5, 3.0], dtype=torch.float64)
    F = ref.poly_features(x, 4)
    assert F.dtype == torch.float64 and F.shape == (3, 4)
    assert torch.allclose(F, torch.stack([x ** i / [1, 2, 6, 24][i - 1] for i in range(1, 5)], dim=1))
    g = torch.Generator().manual_seed(0)
    X, w = torch.randn(30, 3, generator=g), torch.tensor([[1.0], [-2.0], [0.5]])
    predict = ref.fit_least_squares(X, X @ w + 4.0)
    Z = torch.randn(5, 3, generator=g)
    assert predict(Z).dtype == torch.float32 and torch.allclose(predict(Z), Z @ w + 4.0, atol=1e-4)
    # fewer examples than parameters: an exact fit of the training data (minimum norm)
    few = ref.fit_least_squares(X[:2], (X @ w)[:2])
    assert torch.allclose(few(X[:2]), (X @ w)[:2], atol=1e-5)


def test_train_val_split_is_one_seeded_permutation():
    train_idx, val_idx = ref.train_val_split(10, 3, generator=torch.Generator().manual_seed(0))
    order = torch.randperm(10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(val_idx, order[:3]) and torch.equal(train_idx, order[3:])


def test_fold_bounds_and_k_fold_loss_by_hand():
    assert ref.fold_bounds(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert ref.fold_bounds(6, 6) == [(i, i + 1) for i in range(6)]
    X = torch.arange(6.0).reshape(-1, 1)
    y = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0], [10.0]])

    def mean_model(X_train, y_train):   # predicts the training mean
        return lambda Z: torch.full((len(Z), 1), y_train.mean().item())

    # folds [0, 1, 2] and [3, 4, 5]: train means 17/3 and 1
    expected = (((torch.tensor([0.0, 1, 2]) - 17 / 3) ** 2).mean()
                + ((torch.tensor([3.0, 4, 10]) - 1) ** 2).mean()) / 2
    assert ref.k_fold_loss(X, y, 2, mean_model) == pytest.approx(expected.item())


def test_fit_spy_names_the_usual_fold_mistakes():
    X = torch.stack([torch.arange(10.0), torch.randn(10, generator=torch.Generator().manual_seed(1))], dim=1)
    y = X[:, 1:] * 2

    def run(folds):
        spy = ref.FitSpy()
        for keep in folds:
            spy(X[keep], y[keep])
        return spy

    right = [[r for r in range(10) if not lo <= r < hi] for lo, hi in ref.fold_bounds(10, 3)]
    run(right).check_folds(10, 3)
    assert "train on the other k-1 folds only" in failure(run([list(range(10))] * 3).check_folds, 10, 3)
    dropped = right[:2] + [[r for r in range(10) if not 6 <= r < 9]]
    assert "also takes the remainder" in failure(run(dropped).check_folds, 10, 3)
    assert "once per fold" in failure(run(right[:2]).check_folds, 10, 3)
    shuffled = [[r for r in range(10) if r not in (2, 7, 8)]] + right[1:]
    assert "do not shuffle" in failure(run(shuffled).check_folds, 10, 3)
    assert "slice bounds" in failure(run([list(range(4, 10))] + right[1:]).check_folds, 10, 3)


def k_fold_problem():
    X = torch.stack([torch.arange(10.0), torch.randn(10, generator=torch.Generator().manual_seed(2))], dim=1)
    return X, (X[:, 1] ** 2).reshape(-1, 1)


def test_check_k_fold_value_recognises_sums_and_training_losses():
    X, y = k_fold_problem()
    right = ref.k_fold_loss(X, y, 3, ref.fit_least_squares)
    ref.check_k_fold_value(right, X, y, 3, name="k_fold_loss")
    assert "divide the sum" in failure(ref.check_k_fold_value, right * 3, X, y, 3, name="k_fold_loss")
    assert "Python float" in failure(ref.check_k_fold_value, torch.tensor(right), X, y, 3, name="k_fold_loss")
    assert "expected" in failure(ref.check_k_fold_value, right + 1.0, X, y, 3, name="k_fold_loss")


def test_choose_degree_prefers_the_true_degree_over_the_training_loss():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(65, generator=g)
    y = (5 + 1.2 * x - 3.4 * x ** 2 + 5.6 * x ** 3 + 0.5 * torch.randn(65, generator=g)).reshape(-1, 1)
    assert ref.choose_degree(x[:15], y[:15], x[15:], y[15:], range(1, 11)) == 3
    assert ref.choose_degree(x[:15], y[:15], x[:15], y[:15], range(1, 11)) == 10


# --- Notebook 08 ---------------------------------------------------------------------------------

def test_penalties_and_their_gradients():
    w = torch.tensor([[3.0], [-4.0], [0.0]], requires_grad=True)
    assert ref.l2_penalty(w).item() == 12.5 and ref.l2_penalty(w).shape == ()
    assert ref.l1_penalty(w).item() == 7.0 and ref.l1_penalty(w).shape == ()
    ref.l2_penalty(w).backward()
    assert torch.equal(w.grad, w.detach())
    w.grad = None
    ref.l1_penalty(w).backward()
    assert torch.equal(w.grad, torch.tensor([[1.0], [-1.0], [0.0]]))


def test_sgd_no_bias_decay_decays_the_weights_only():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    optimizer = ref.sgd_no_bias_decay(net, 0.1, 0.5)
    groups = optimizer.param_groups
    assert [g["weight_decay"] for g in groups] == [0.5, 0.0] and all(g["lr"] == 0.1 for g in groups)
    assert [id(p) for g in groups for p in g["params"]] == [id(net[0].weight), id(net[2].weight),
                                                           id(net[0].bias), id(net[2].bias)]
    before = [p.detach().clone() for p in net.parameters()]
    for p in net.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()
    for (name, p), p0 in zip(net.named_parameters(), before):
        assert torch.allclose(p, p0 * (1.0 if name.endswith("bias") else 0.95))


def penalised_run(objective, penalty=None, lambd=3.0, other=None):
    """One epoch of 10 examples in minibatches of 4, 4 and 2 with the spy; ``objective(w, b, X, y)``
    is what the loop calls backward() on."""
    penalty = ref.l2_penalty if penalty is None else penalty
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(10, 3, generator=g), torch.randn(10, 1, generator=g)
    w = torch.randn(3, 1, generator=g, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    batches = ref.RecordedMinibatches()
    spy = ref.PenaltySGDSpy(batches, penalty, lambd, lr=0.1, params=[w, b], other_penalty=other)
    for Xb, yb in batches(4, X, y, g):
        objective(w, b, Xb, yb).backward()
        spy([w, b], 0.1, len(yb))
    spy.check_steps()
    return w


def test_penalty_spy_passes_the_right_loop_and_names_each_mistake():
    def squared(w, b, X, y):
        return ref.squared_loss(ref.linreg(X, w, b), y)

    def right(w, b, X, y):
        return (squared(w, b, X, y) + 3.0 * ref.l2_penalty(w)).sum()

    w_spied = penalised_run(right)
    assert w_spied.shape == (3, 1)
    assert "once per example" in failure(
        penalised_run, lambda w, b, X, y: squared(w, b, X, y).sum() + 3.0 * ref.l2_penalty(w))
    assert "no penalty" in failure(penalised_run, lambda w, b, X, y: squared(w, b, X, y).sum())
    assert "bias was penalised" in failure(
        penalised_run,
        lambda w, b, X, y: (squared(w, b, X, y) + 3.0 * (ref.l2_penalty(w) + ref.l2_penalty(b))).sum())
    assert "another penalty" in failure(
        penalised_run, lambda w, b, X, y: (squared(w, b, X, y) + 3.0 * ref.l2_penalty(w)).sum(),
        penalty=ref.l1_penalty, other=ref.l2_penalty)
    assert "times too small" in failure(penalised_run, lambda w, b, X, y: right(w, b, X, y) / len(y))
    assert "not those of" in failure(penalised_run, lambda w, b, X, y: -right(w, b, X, y))


# --- Notebook 09 ---------------------------------------------------------------------------------

def test_dropout_keeps_the_right_fraction_scales_and_keeps_dtype():
    torch.manual_seed(0)
    X = torch.ones(500, 400)
    for p in (0.2, 0.5, 0.8):
        out = ref.dropout(X, p)
        kept = out != 0
        assert abs(float(kept.float().mean()) - (1 - p)) < 0.01
        assert torch.allclose(out[kept], torch.full_like(out[kept], 1 / (1 - p)))
    assert torch.equal(ref.dropout(X, 0.0), X)
    zeros = ref.dropout(torch.ones(3, dtype=torch.float64), 1.0)
    assert zeros.dtype == torch.float64 and torch.equal(zeros, torch.zeros(3, dtype=torch.float64))
    X64 = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    out = ref.dropout(X64, 0.5)
    out.sum().backward()
    assert out.dtype == torch.float64 and torch.equal(X64.grad, (out.detach() != 0).double() * 2)
    with pytest.raises(ValueError):
        ref.dropout(X, 1.5)



# --- Notebook 12 ---------------------------------------------------------------------------------

def test_corr2d_and_channels_agree_with_conv2d():
    g = torch.Generator().manual_seed(0)
    X, K = torch.randn(5, 7, generator=g), torch.randn(2, 3, generator=g)
    assert torch.allclose(ref.corr2d(X, K), F.conv2d(X[None, None], K[None, None])[0, 0], atol=1e-5)
    Y = ref.corr2d(torch.arange(9.0).reshape(3, 3), torch.arange(4.0).reshape(2, 2))
    assert Y.tolist() == [[19, 25], [37, 43]]
    Xc, Kc = torch.randn(3, 5, 6, generator=g), torch.randn(2, 3, 3, 2, generator=g)
    assert torch.allclose(ref.corr2d_multi_in_out(Xc, Kc), F.conv2d(Xc[None], Kc)[0], atol=1e-5)
    Kg = K.clone().requires_grad_(True)
    ref.corr2d(X, Kg).sum().backward()
    assert Kg.grad is not None and Kg.grad.shape == K.shape


def test_conv_output_shape_and_pool2d_agree_with_torch():
    for n, k, p, s in [(5, 2, 0, 2), (28, 5, 2, 1), (7, 3, 1, 2), (32, 7, 3, 4)]:
        size = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p).shape[-1]
        assert ref.conv_output_shape(n, k, p, s) == size
    X = torch.randn(3, 7, 6, dtype=torch.float64)
    for k, s in [(2, None), (3, 1), (3, 2)]:
        stride = k if s is None else s
        assert torch.allclose(ref.pool2d(X, k, s), F.max_pool2d(X[None], k, stride)[0])
        assert torch.allclose(ref.pool2d(X, k, s, "avg"), F.avg_pool2d(X[None], k, stride)[0])
    assert ref.pool2d(X, 2).dtype == torch.float64
    with pytest.raises(ValueError):
        ref.pool2d(X, 2, mode="min")


def test_check_lenet_accepts_the_reference_and_names_mistakes():
    ref.check_lenet(ref.lenet(), nn.ReLU, nn.MaxPool2d, "lenet()")
    ref.check_lenet(ref.lenet(nn.Sigmoid, nn.AvgPool2d), nn.Sigmoid, nn.AvgPool2d,
                    "lenet(nn.Sigmoid, nn.AvgPool2d)")
    assert "wrong activation" in failure(ref.check_lenet, ref.lenet(), nn.Sigmoid, nn.MaxPool2d, "lenet")
    assert "wrong pooling" in failure(ref.check_lenet, ref.lenet(), nn.ReLU, nn.AvgPool2d, "lenet")
    no_pad = ref.lenet()
    no_pad[0].padding = (0, 0)
    assert "padding=2" in failure(ref.check_lenet, no_pad, nn.ReLU, nn.MaxPool2d, "lenet")
    with_out_act = nn.Sequential(*ref.lenet(), nn.ReLU())
    assert "after the last layer" in failure(ref.check_lenet, with_out_act, nn.ReLU, nn.MaxPool2d, "lenet")
    small = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    assert "wrong shapes" in failure(ref.check_lenet, small, nn.ReLU, nn.MaxPool2d, "lenet")


# --- Notebook 13 ---------------------------------------------------------------------------------

import os  # noqa: E402  (the notebook 13 tests look into folders)


def test_save_checkpoint_and_resume_give_three_epochs_bitwise(tmp_path):
    X, y = ref.toy_data()
    straight, opt = ref.toy_classifier(seed=0)
    for _ in range(3):
        ref.toy_epoch(straight, opt, X, y)
    first, opt = ref.toy_classifier(seed=0)
    for _ in range(2):
        ref.toy_epoch(first, opt, X, y)
    ref.save_checkpoint(tmp_path / "c.pt", first, opt, 2)
    saved = torch.load(tmp_path / "c.pt", weights_only=True)
    assert sorted(saved) == ["epoch", "model", "optimizer", "rng"] and saved["epoch"] == 2
    net, opt2 = ref.toy_classifier(seed=5, lr=0.7)
    torch.manual_seed(99)
    assert ref.resume(tmp_path / "c.pt", net, opt2) == 2
    assert opt2.param_groups[0]["lr"] == 0.1
    ref.toy_epoch(net, opt2, X, y)
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), straight.state_dict().values()))


def test_load_matching_skips_other_shapes_and_names_and_returns_missing_keys():
    from collections import OrderedDict
    torch.manual_seed(0)
    old = nn.Sequential(OrderedDict([("body", nn.Linear(4, 5)), ("head", nn.Linear(5, 10))]))
    new = nn.Sequential(OrderedDict([("body", nn.Linear(4, 5)), ("head", nn.Linear(5, 3))]))
    given = dict(old.state_dict(), extra=torch.ones(1))
    head = new.head.weight.detach().clone()
    assert ref.load_matching(new, given) == ["head.weight", "head.bias"]
    assert torch.equal(new.body.weight, old.body.weight) and torch.equal(new.head.weight, head)
    assert "extra" in given


def test_atomic_save_keeps_the_old_file_through_a_simulated_crash(tmp_path):
    path = tmp_path / "c.pt"
    torch.save({"epoch": 1}, path)
    with ref.SaveSpy(crash=True) as spy:
        with pytest.raises(RuntimeError, match="simulated crash"):
            ref.atomic_save({"epoch": 2}, path)
    assert torch.load(path, weights_only=True)["epoch"] == 1 and os.listdir(tmp_path) == ["c.pt"]
    assert spy.targets and spy.targets[0] != str(path)
    with ref.SaveSpy() as spy:
        ref.atomic_save({"epoch": 3}, path)
    assert torch.load(path, weights_only=True)["epoch"] == 3 and os.listdir(tmp_path) == ["c.pt"]
    assert spy.fsyncs == 1 and len(spy.renames) == 1 and spy.renames[0][1] == str(path)
    assert os.path.dirname(spy.renames[0][0]) == str(tmp_path)
    assert torch.save is not None and os.replace.__name__ == "replace"    # restored


def test_save_spy_without_crash_lets_a_plain_save_through(tmp_path):
    with ref.SaveSpy() as spy:
        torch.save(torch.ones(2), tmp_path / "a.pt")
    assert spy.targets == [str(tmp_path / "a.pt")] and spy.fsyncs == 0 and spy.renames == []
    assert torch.equal(torch.load(tmp_path / "a.pt", weights_only=True), torch.ones(2))


def test_train_keep_best_saves_the_first_best_epoch(tmp_path):
    torch.manual_seed(0)
    net = nn.Linear(3, 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    run = ref.ScriptedRun([0.5, 0.7, 0.6, 0.7, 0.65])
    assert ref.train_keep_best(net, opt, 5, run.train_epoch, run.evaluate, tmp_path / "b.pt") == (2, 0.7)
    saved = torch.load(tmp_path / "b.pt", weights_only=True)
    assert saved["epoch"] == 2 and run.log == ["train", "eval"] * 5
    assert all(torch.equal(saved["model"][k], v) for k, v in run.states[1].items())
    assert not torch.equal(run.states[1]["weight"], run.states[4]["weight"])


# --- Notebook 14 ---------------------------------------------------------------------------------

def _time_it(fn, device, repeats, *, warm=True, sync_before=True, sync_after=True, divide=True):
    """A timing loop with the usual mistakes switched on or off, for the simulated GPU."""
    import time

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    if warm:
        fn()
    if sync_before:
        sync()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if sync_after:
        sync()
    elapsed = time.perf_counter() - start
    return elapsed / repeats if divide else elapsed


def test_simulated_gpu_queues_work_and_synchronize_waits_for_it():
    import time

    gpu = ref.SimulatedGPU(0.01, first_call_extra=0.02)
    start = time.perf_counter()
    for _ in range(3):
        gpu.kernel()
    assert time.perf_counter() - start < 0.005          # the calls only queue
    assert 0.04 < gpu.pending() <= 0.05
    gpu.synchronize()
    assert time.perf_counter() - start >= 0.05 and gpu.pending() == 0.0
    assert gpu.calls == 3 and gpu.syncs == 1


def test_simulated_gpu_stands_in_for_torch_cuda_only_inside_installed():
    gpu = ref.SimulatedGPU(0.001)
    real = torch.cuda.synchronize
    with gpu.installed():
        assert torch.cuda.is_available() and torch.cuda.device_count() == 1
        torch.cuda.synchronize(torch.device("cuda"))
        if hasattr(torch, "accelerator"):
            torch.accelerator.synchronize()
    assert gpu.syncs == (2 if hasattr(torch, "accelerator") else 1)
    assert torch.cuda.synchronize is real


@pytest.mark.parametrize("mistake, fragment", [
    ({}, None),
    ({"sync_after": False, "sync_before": False}, "after the loop, before reading the clock"),
    ({"sync_before": False}, "synchronize *before* starting the clock"),
    ({"warm": False}, "no warm-up"),
    ({"divide": False}, "divide by `repeats`"),
])
def test_simulated_gpu_names_the_timing_mistake(mistake, fragment):
    gpu = ref.SimulatedGPU(0.02, first_call_extra=0.15)
    with gpu.installed():
        got = _time_it(gpu.kernel, torch.device("cuda"), 4, **mistake)
    if fragment is None:
        gpu.check_time(got, 4, name="time_it")
    else:
        message = failure(gpu.check_time, got, 4, name="time_it")
        assert fragment in message and "hint:" in message and message.startswith("time_it: ")


def test_simulated_gpu_wants_a_python_float():
    gpu = ref.SimulatedGPU(0.005)
    assert "Python float" in failure(gpu.check_time, torch.tensor(0.005), 4, name="time_it")
