"""The course's reference answers, in notebook order: solve the exercises before reading.

These are the answers to the from-scratch exercises (``data_iter``, ``sgd``, ``dropout``,
``corr2d``, ``atomic_save`` ...), each with the notebook that introduces it. Test cells run a
learner's training function with them in place of the learner's earlier answers
(:mod:`helpers.reference.isolation`), so that one mistake costs its own points only, and
the spies and replays compare the learner's results with what they compute.

This module is read-only in notebooks (:mod:`helpers._readonly`).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .._readonly import seal
from ..checkpoint import save_atomically

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


# --- Reference answers (notebook 03) ---------------------------------------------------------

def accuracy(y_hat, y):
    """Fraction of rows of ``y_hat`` whose largest entry is at the label ``y``, as a float.

    Introduced in ``03_softmax_scratch``.
    """
    return (y_hat.argmax(dim=1) == y).float().mean().item()


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


# --- Reference answers (notebook 13) ---------------------------------------------------------

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

    The course's own :func:`helpers.checkpoint.save_atomically` does exactly this (its
    temporary file is named after ``path``, ``.<name>.<random>.tmp``); unlike it, this answer
    returns nothing, as the exercise asks.

    Introduced in ``13_checkpointing``.
    """
    save_atomically(obj, path)


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


seal(__name__)
