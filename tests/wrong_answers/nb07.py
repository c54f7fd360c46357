"""Typical wrong, hostile and right answers to notebook 07 (model selection)."""
from __future__ import annotations

from .common import PATCH, Tampering, WrongAnswer

_K_FOLD = '''
def k_fold_loss(X, y, k, fit):
    n = len(X)
    m = n // k
    losses = []
    for i in range(k):
        start, stop = {bounds}
        X_train = {X_train}
        y_train = {y_train}
        model = fit(X_train, y_train)
        losses.append({loss})
    return {result}
'''


def _k_fold(bounds="i * m, (n if i == k - 1 else (i + 1) * m)",
            X_train="torch.cat([X[:start], X[stop:]])", y_train="torch.cat([y[:start], y[stop:]])",
            loss="((model(X[start:stop]) - y[start:stop]) ** 2).mean().item()",
            result="sum(losses) / k") -> str:
    return _K_FOLD.format(bounds=bounds, X_train=X_train, y_train=y_train, loss=loss, result=result)


_CHOOSE = '''
def choose_degree(x_train, y_train, x_val, y_val, degrees):
    losses = []
    for degree in degrees:
        model = fit_least_squares(poly_features({fit_x}, degree), {fit_y})
        losses.append(((model(poly_features({eval_x}, degree)) - {eval_y}) ** 2).mean().item())
    {result}
'''


def _choose(fit_x="x_train", fit_y="y_train", eval_x="x_val", eval_y="y_val",
            result="return list(degrees)[losses.index(min(losses))]") -> str:
    return _CHOOSE.format(fit_x=fit_x, fit_y=fit_y, eval_x=eval_x, eval_y=eval_y, result=result)


WRONG = [
    # --- poly_features
    WrongAnswer("poly_features", "powers from 0: a column of ones", '''
def poly_features(x, degree):
    powers = torch.arange(degree)
    return x.reshape(-1, 1) ** powers / torch.tensor([math.factorial(int(i)) for i in powers])
''', "the powers start at 1"),
    WrongAnswer("poly_features", "powers 0..degree: degree + 1 columns", '''
def poly_features(x, degree):
    return torch.stack([x ** i / math.factorial(i) for i in range(degree + 1)], dim=1)
''', "no column of ones"),
    WrongAnswer("poly_features", "plain powers, no factorial", '''
def poly_features(x, degree):
    return x.reshape(-1, 1) ** torch.arange(1, degree + 1)
''', "divide x ** i by i!"),
    WrongAnswer("poly_features", "divided by i instead of i!", '''
def poly_features(x, degree):
    powers = torch.arange(1, degree + 1)
    return x.reshape(-1, 1) ** powers / powers
''', "divide x ** i by i!"),
    WrongAnswer("poly_features", "divided by (i - 1)!", '''
def poly_features(x, degree):
    return torch.stack([x ** i / math.factorial(i - 1) for i in range(1, degree + 1)], dim=1)
''', "divide x ** i by i!"),
    WrongAnswer("poly_features", "a flat x: no reshape", '''
def poly_features(x, degree):
    powers = torch.arange(1, degree + 1)
    return x ** powers / torch.exp(torch.lgamma(powers + 1.0))
''', "x.reshape(-1, 1)"),
    WrongAnswer("poly_features", "x.unsqueeze_ changes the input", '''
def poly_features(x, degree):
    x.unsqueeze_(1)
    return x ** torch.arange(1, degree + 1) / torch.exp(torch.lgamma(torch.arange(2, degree + 2.0)))
''', "changed its input `x` in place"),
    # --- train_val_split
    WrongAnswer("train_val_split", "no shuffle: arange", '''
def train_val_split(n, num_val, generator=None):
    order = torch.arange(n)
    return order[num_val:], order[:num_val]
''', "torch.randperm(n, generator=generator), not torch.arange(n)"),
    WrongAnswer("train_val_split", "two permutations overlap", '''
def train_val_split(n, num_val, generator=None):
    val_idx = torch.randperm(n, generator=generator)[:num_val]
    train_idx = torch.randperm(n, generator=generator)[num_val:]
    return train_idx, val_idx
''', "draw ONE permutation"),
    WrongAnswer("train_val_split", "randint draws duplicates", '''
def train_val_split(n, num_val, generator=None):
    order = torch.randint(0, n, (n,), generator=generator)
    return order[num_val:], order[:num_val]
''', "draw ONE permutation"),
    WrongAnswer("train_val_split", "the generator is ignored", '''
def train_val_split(n, num_val, generator=None):
    order = torch.randperm(n)
    return order[num_val:], order[:num_val]
''', "generator=generator"),
    WrongAnswer("train_val_split", "a seed of its own", '''
def train_val_split(n, num_val, generator=None):
    torch.manual_seed(0)
    order = torch.randperm(n)
    return order[num_val:], order[:num_val]
''', "not from a seed of your own"),
    WrongAnswer("train_val_split", "validation first", '''
def train_val_split(n, num_val, generator=None):
    order = torch.randperm(n, generator=generator)
    return order[:num_val], order[num_val:]
''', "training first"),
    WrongAnswer("train_val_split", "the last num_val validate", '''
def train_val_split(n, num_val, generator=None):
    order = torch.randperm(n, generator=generator)
    return order[:n - num_val], order[n - num_val:]
''', "FIRST num_val entries"),
    WrongAnswer("train_val_split", "Python lists", '''
def train_val_split(n, num_val, generator=None):
    order = torch.randperm(n, generator=generator).tolist()
    return order[num_val:], order[:num_val]
''', "index tensors"),
    # --- k_fold_loss
    WrongAnswer("k_fold_loss", "trains on all the data", _k_fold(X_train="X", y_train="y"),
                "train on the other k-1 folds only"),
    WrongAnswer("k_fold_loss", "the remainder is dropped", _k_fold(bounds="i * m, (i + 1) * m"),
                "also takes the remainder"),
    WrongAnswer("k_fold_loss", "sum over folds", _k_fold(result="sum(losses)"),
                "divide the sum of the k fold losses by k"),
    WrongAnswer("k_fold_loss", "training loss",
                _k_fold(loss="((model(X_train) - y_train) ** 2).mean().item()"),
                "evaluate each fold's model on the held-out fold"),
    WrongAnswer("k_fold_loss", "torch.chunk folds", '''
def k_fold_loss(X, y, k, fit):
    X_parts, y_parts = torch.chunk(X, k), torch.chunk(y, k)
    losses = []
    for i in range(k):
        X_train = torch.cat([p for j, p in enumerate(X_parts) if j != i])
        y_train = torch.cat([p for j, p in enumerate(y_parts) if j != i])
        model = fit(X_train, y_train)
        losses.append(((model(X_parts[i]) - y_parts[i]) ** 2).mean().item())
    return sum(losses) / k
''', "torch.chunk"),
    WrongAnswer("k_fold_loss", "shuffled folds", '''
def k_fold_loss(X, y, k, fit):
    order = torch.randperm(len(X))
    X, y = X[order], y[order]
    n, m = len(X), len(X) // k
    losses = []
    for i in range(k):
        start, stop = i * m, (n if i == k - 1 else (i + 1) * m)
        model = fit(torch.cat([X[:start], X[stop:]]), torch.cat([y[:start], y[stop:]]))
        losses.append(((model(X[start:stop]) - y[start:stop]) ** 2).mean().item())
    return sum(losses) / k
''', "do not shuffle"),
    WrongAnswer("k_fold_loss", "pooled squared errors", '''
def k_fold_loss(X, y, k, fit):
    n, m = len(X), len(X) // k
    errors = []
    for i in range(k):
        start, stop = i * m, (n if i == k - 1 else (i + 1) * m)
        model = fit(torch.cat([X[:start], X[stop:]]), torch.cat([y[:start], y[stop:]]))
        errors.append((model(X[start:stop]) - y[start:stop]) ** 2)
    return torch.cat(errors).mean().item()
''', "not the squared errors of all folds pooled"),
    WrongAnswer("k_fold_loss", "overlapping slices", _k_fold(X_train="torch.cat([X[:start + 1], X[stop:]])",
                                                           y_train="torch.cat([y[:start + 1], y[stop:]])"),
                "Check the slice bounds"),
    WrongAnswer("k_fold_loss", "a tensor comes back",
                _k_fold(loss="((model(X[start:stop]) - y[start:stop]) ** 2).mean()"),
                "return a Python float"),
    # --- choose_degree
    WrongAnswer("choose_degree", "the lowest training loss", _choose(eval_x="x_train", eval_y="y_train"),
                "compare the losses on the VALIDATION data"),
    WrongAnswer("choose_degree", "fitted on the validation data", _choose(fit_x="x_val", fit_y="y_val"),
                "compare the losses on the VALIDATION data"),
    WrongAnswer("choose_degree", "the position, not the degree",
                _choose(result="return losses.index(min(losses))"), "not i, its position"),
    WrongAnswer("choose_degree", "max instead of min",
                _choose(result="return list(degrees)[losses.index(max(losses))]"), "LOWEST validation loss"),
    WrongAnswer("choose_degree", "torch.argmin: a tensor", _choose(
        result="return torch.tensor(list(degrees))[torch.tensor(losses).argmin()]"), "return int(degree)"),
    WrongAnswer("choose_degree", "the loss instead of the degree", _choose(result="return min(losses)"),
                "return int(degree)"),
]

TAMPERING = [
    Tampering("k_fold_loss", "the references patched",
              PATCH + "import helpers.reference as _r\n"
                      "for _n in ('FitSpy', 'check_k_fold_value', 'k_fold_loss'):\n"
                      "    try:\n        setattr(_r, _n, stub)\n    except AttributeError:\n        pass\n"
                      "def k_fold_loss(X, y, k, fit):\n    return 0.0\n"),
    Tampering("choose_degree", "checks rebound in the notebook",
              "check = lambda *a, **k: None\n"
              "def choose_degree(x_train, y_train, x_val, y_val, degrees):\n    return 1\n"),
    Tampering("poly_features", "an object that equals everything",
              "class Anything(torch.Tensor):\n    def __eq__(self, other):\n        return True\n"
              "def poly_features(x, degree):\n"
              "    return torch.zeros(len(x), degree).as_subclass(Anything)\n"),
]

# Right answers written differently from the reference: each must pass its exercise's full
# test, hidden checks included. (`expect` is unused here.)
RIGHT = [
    WrongAnswer("poly_features", "a loop with math.factorial and torch.stack", '''
def poly_features(x, degree):
    return torch.stack([x ** i / math.factorial(i) for i in range(1, degree + 1)], dim=1)
''', ""),
    WrongAnswer("poly_features", "lgamma and unsqueeze", '''
def poly_features(x, degree):
    i = torch.arange(1, degree + 1, dtype=x.dtype)
    return torch.pow(x.unsqueeze(1), i) / torch.lgamma(i + 1).exp()
''', ""),
    WrongAnswer("poly_features", "cumulative products", '''
def poly_features(x, degree):
    columns, term = [], torch.ones_like(x)
    for i in range(1, degree + 1):
        term = term * x / i
        columns.append(term)
    return torch.stack(columns, dim=1)
''', ""),
    WrongAnswer("train_val_split", "split with torch.split", '''
def train_val_split(n, num_val, generator=None):
    val_idx, train_idx = torch.split(torch.randperm(n, generator=generator), [num_val, n - num_val])
    return train_idx, val_idx
''', ""),
    WrongAnswer("train_val_split", "keyword arguments and a tuple", '''
def train_val_split(n, num_val, generator=None):
    perm = torch.randperm(n=n, generator=generator)
    return (perm[num_val:n], perm[0:num_val])
''', ""),
    WrongAnswer("train_val_split", "narrow", '''
def train_val_split(n, num_val, generator=None):
    p = torch.randperm(n, generator=generator)
    return p.narrow(0, num_val, n - num_val), p.narrow(0, 0, num_val)
''', ""),
    WrongAnswer("k_fold_loss", "a boolean mask and nn.MSELoss", '''
def k_fold_loss(X, y, k, fit):
    n = X.shape[0]
    size = n // k
    total = 0.0
    for i in range(k):
        held = torch.zeros(n, dtype=torch.bool)
        held[i * size:(i + 1) * size if i < k - 1 else n] = True
        model = fit(X[~held], y[~held])
        total += nn.MSELoss()(model(X[held]), y[held]).item()
    return total / k
''', ""),
    WrongAnswer("k_fold_loss", "index lists and a tensor mean", '''
def k_fold_loss(X, y, k, fit):
    n = len(X)
    bounds = [i * (n // k) for i in range(k)] + [n]
    losses = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        rest = list(range(0, lo)) + list(range(hi, n))
        model = fit(X[rest], y[rest])
        losses.append(torch.mean((model(X[lo:hi]) - y[lo:hi]) ** 2))
    return torch.stack(losses).mean().item()
''', ""),
    WrongAnswer("k_fold_loss", "float() of each loss, statistics.mean", '''
import statistics
def k_fold_loss(X, y, k, fit):
    m = len(X) // k
    losses = []
    for i in range(k):
        stop = len(X) if i == k - 1 else (i + 1) * m
        X_val, y_val = X[i * m:stop], y[i * m:stop]
        model = fit(torch.cat((X[:i * m], X[stop:])), torch.cat((y[:i * m], y[stop:])))
        losses.append(float(((model(X_val) - y_val) ** 2).mean()))
    return statistics.mean(losses)
''', ""),
    WrongAnswer("choose_degree", "a dict and min with a key", '''
def choose_degree(x_train, y_train, x_val, y_val, degrees):
    val_loss = {}
    for d in degrees:
        model = fit_least_squares(poly_features(x_train, d), y_train)
        val_loss[d] = nn.functional.mse_loss(model(poly_features(x_val, d)), y_val).item()
    return int(min(val_loss, key=val_loss.get))
''', ""),
    WrongAnswer("choose_degree", "sorted pairs", '''
def choose_degree(x_train, y_train, x_val, y_val, degrees):
    scored = []
    for d in degrees:
        predict = fit_least_squares(poly_features(x_train, d), y_train)
        scored.append((float(((predict(poly_features(x_val, d)) - y_val) ** 2).mean()), d))
    return int(min(scored, key=lambda pair: pair[0])[1])
''', ""),
    WrongAnswer("choose_degree", "argmin over a tensor of losses", '''
def choose_degree(x_train, y_train, x_val, y_val, degrees):
    degrees = list(degrees)
    losses = torch.stack([((fit_least_squares(poly_features(x_train, d), '''
    '''y_train)(poly_features(x_val, d)) - y_val) ** 2).mean()
                          for d in degrees])
    return int(degrees[int(losses.argmin())])
''', ""),
]
