"""helpers/train.py: counters, accuracy, evaluation and the training loop."""
from __future__ import annotations

import math
import warnings

import pytest
import torch
from torch import nn

import helpers
from helpers import Accumulator, TensorLoader, Timer


def test_accumulator_sums_each_slot():
    acc = Accumulator(3)
    acc.add(1, 2.5, torch.tensor(3))
    acc.add(1, 0.5, 1)
    assert [acc[0], acc[1], acc[2]] == [2.0, 3.0, 4.0]
    acc.reset()
    assert acc.data == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="expected 3 numbers"):
        acc.add(1, 2)


def test_timer_records_intervals():
    timer = Timer()
    first = timer.stop()
    timer.start()
    second = timer.stop()
    assert timer.times == [first, second] and min(timer.times) >= 0
    assert timer.sum() == pytest.approx(first + second)
    assert timer.avg() == pytest.approx((first + second) / 2)


def test_accuracy_from_scores_and_from_labels():
    y = torch.tensor([0, 2, 1, 1])
    scores = torch.tensor([[3.0, 1, 0], [0, 0, 5], [1, 0, 0], [0, 2, 1]])  # predicts 0 2 0 1
    assert helpers.num_correct(scores, y) == 3
    assert helpers.accuracy(scores, y) == 0.75
    assert helpers.accuracy(torch.tensor([0, 2, 0, 1]), y) == 0.75
    assert math.isnan(helpers.accuracy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)))


class ModeSpy(nn.Module):
    """Predicts class 0 always, and records the mode and grad state it was called in."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 3)
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, X):
        self.calls.append((self.training, torch.is_grad_enabled()))
        return torch.zeros(len(X), 3).index_fill_(1, torch.tensor([0]), 1.0) + 0 * self.linear(X)


def two_batches():
    X = torch.zeros(6, 2)
    y = torch.tensor([0, 0, 1, 0, 2, 0])
    return TensorLoader(X, y, batch_size=4)


@pytest.mark.parametrize("start_in_training_mode", [True, False])
def test_evaluate_runs_in_eval_mode_without_grad_and_restores_the_mode(start_in_training_mode):
    net = ModeSpy()
    net.train(start_in_training_mode)
    assert helpers.evaluate_accuracy(net, two_batches()) == pytest.approx(4 / 6)
    assert net.calls == [(False, False), (False, False)]
    assert net.training is start_in_training_mode


def test_evaluate_restores_the_mode_even_when_the_model_fails():
    net = ModeSpy()
    net.train()
    with pytest.raises(RuntimeError):
        helpers.evaluate_accuracy(net, [(torch.zeros(2, 5), torch.zeros(2))])  # wrong width
    assert net.training


def test_evaluate_accepts_a_plain_function():
    def always_zero(X):
        assert not torch.is_grad_enabled()
        return torch.zeros(len(X), dtype=torch.long)

    assert helpers.evaluate_accuracy(always_zero, two_batches()) == pytest.approx(4 / 6)


@pytest.fixture(scope="module")
def small_fashion(real_data):
    X = real_data.X_train[:3000].unsqueeze(1).float().div(255)  # (3000, 1, 28, 28)
    y = real_data.y_train[:3000]
    return (TensorLoader(X, y, batch_size=128, shuffle=True, seed=0),
            TensorLoader(real_data.X_test[:1000].unsqueeze(1).float().div(255),
                         real_data.y_test[:1000], batch_size=500))


def test_train_with_an_optimizer_learns_and_reports_each_epoch(small_fashion, capsys):
    train_iter, test_iter = small_fashion
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    history = helpers.train(net, train_iter, test_iter, nn.CrossEntropyLoss(), 4,
                            torch.optim.SGD(net.parameters(), lr=0.1))
    assert len(history) == 4
    for series in (history.train_loss, history.train_acc, history.test_acc, history.seconds):
        assert len(series) == 4
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.65
    assert all(0 <= a <= 1 for a in history.train_acc + history.test_acc)
    assert "4 epochs" in str(history)
    out = capsys.readouterr()
    assert out.out == "" and out.err == "", "outside Jupyter training prints nothing"


def test_one_epoch_draws_its_plot_without_a_warning(small_fashion):
    train_iter, test_iter = small_fashion
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns about a singular x range
        history = helpers.train(net, train_iter, test_iter, nn.CrossEntropyLoss(), 1,
                                torch.optim.SGD(net.parameters(), lr=0.1), plot=True)
    assert len(history) == 1


def test_train_with_a_from_scratch_updater(small_fashion):
    train_iter, test_iter = small_fashion
    torch.manual_seed(0)
    W = torch.normal(0, 0.01, (784, 10), requires_grad=True)
    b = torch.zeros(10, requires_grad=True)

    def net(X):
        return X.reshape(-1, 784) @ W + b

    def sgd(batch_size):  # divides by the batch size: the loss must be per example
        with torch.no_grad():
            for p in (W, b):
                p -= 0.1 * p.grad / batch_size
                p.grad.zero_()

    history = helpers.train(net, train_iter, test_iter, nn.CrossEntropyLoss(reduction="none"),
                            3, sgd)
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.65


def test_a_from_scratch_updater_with_an_averaged_loss_is_refused(small_fashion):
    """The notes' double scaling: mean loss, then sgd divides by the batch size again."""
    train_iter, test_iter = small_fashion
    W = torch.zeros(784, 10, requires_grad=True)
    with pytest.raises(ValueError, match="one value per example"):
        helpers.train(lambda X: X.reshape(-1, 784) @ W, train_iter, test_iter,
                      nn.CrossEntropyLoss(), 1, lambda batch_size: None)


def test_train_moves_the_model_and_the_batches_to_the_device(small_fashion):
    """On the "meta" device tensors have shapes but no values, so reading a loss fails."""
    train_iter, test_iter = small_fashion
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    with pytest.raises((RuntimeError, NotImplementedError)):
        helpers.train(net, train_iter, test_iter, nn.CrossEntropyLoss(), 1,
                      torch.optim.SGD(net.parameters(), lr=0.1), device="meta")
    assert next(net.parameters()).device.type == "meta"


def test_progress_can_be_forced_on_in_a_script(small_fashion, capsys):
    train_iter, test_iter = small_fashion
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    helpers.train(net, train_iter, test_iter, nn.CrossEntropyLoss(), 1,
                  torch.optim.SGD(net.parameters(), lr=0.1), progress=True)
    assert "epochs" in capsys.readouterr().err  # tqdm's console bar


TRAIN_IN_KERNEL = """
import warnings
import torch, helpers
from torch import nn
data = helpers.load_fashion_mnist(download=False)
X = data.X_train[:2000].unsqueeze(1).float() / 255
it = helpers.TensorLoader(X, data.y_train[:2000], batch_size=250, shuffle=True, seed=0)
torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
history = helpers.train(net, it, it, nn.CrossEntropyLoss(), 3,
                        torch.optim.SGD(net.parameters(), lr=0.1))
print("epochs:", len(history))
warnings.warn("a warning from learner code")
"""


def test_in_jupyter_training_shows_a_progress_bar_and_one_plot_updated_in_place(run_in_kernel):
    messages = run_in_kernel(TRAIN_IN_KERNEL)
    kinds = [kind for kind, _ in messages]
    assert "clear_output" not in kinds
    widgets = [c for k, c in messages
               if k == "display_data" and "application/vnd.jupyter.widget-view+json" in c["data"]]
    assert widgets, "tqdm.auto should show the notebook progress bar"
    plots = [c for k, c in messages if k == "display_data" and "image/png" in c["data"]]
    updates = [c for k, c in messages if k == "update_display_data" and "image/png" in c["data"]]
    assert len(plots) == 1, "one figure is displayed"
    assert len(updates) == 2, "and redrawn in place after each later epoch"
    display_id = plots[0]["transient"]["display_id"]
    assert all(u["transient"]["display_id"] == display_id for u in updates)


def test_under_grading_training_keeps_stderr_clean_and_shows_nothing(run_in_kernel):
    messages = run_in_kernel(TRAIN_IN_KERNEL, env={"NBGRADER_EXECUTION": "autograde"})
    stderr = [c["text"] for k, c in messages if k == "stream" and c["name"] == "stderr"]
    assert stderr == []
    assert not [k for k, _ in messages if k in ("display_data", "update_display_data")]
    stdout = "".join(c["text"] for k, c in messages if k == "stream" and c["name"] == "stdout")
    assert "epochs: 3" in stdout
    assert "a warning from learner code" in stdout  # routed to stdout, not lost


def test_a_lazy_layer_first_built_during_evaluation_can_still_train():
    net = nn.Sequential(nn.Flatten(), nn.LazyLinear(3))
    helpers.evaluate_accuracy(net, two_batches())
    loss = nn.CrossEntropyLoss()(net(torch.zeros(2, 2)), torch.tensor([0, 1]))
    loss.backward()
    assert net[1].weight.grad is not None
