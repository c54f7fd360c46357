"""How much faster is training from memory than the notes' DataLoader recipe?

Trains softmax regression and a 256-unit MLP on Fashion-MNIST for 5 epochs with batch 256,
three ways in one run, and prints the median seconds per epoch, the test accuracy after the
last epoch, and the speed-ups:

- notes:   torchvision's FashionMNIST + ToTensor through a DataLoader with 4 workers
           (the notes' ``load_data_fashion_mnist``), the notes' training loop;
- tensors: the same images decoded once into float tensors, batched by plain indexing;
- helpers: ``helpers.load_data_fashion_mnist`` + ``helpers.train``.

Every way evaluates test accuracy after each epoch, as the notes do.

Usage: ``python bench/bench_fashion_mnist.py [--epochs 5] [--batch-size 256] [--workers 4]``
(``make bench`` runs it).
"""
from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch
import torchvision
from torch import nn
from torchvision import transforms

import helpers


def softmax_regression() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


MODELS = {"softmax regression": softmax_regression, "MLP (256 hidden)": mlp}


def notes_loaders(root, batch_size: int, workers: int):
    """The notes' recipe: per-example PIL -> ToTensor, collated by DataLoader workers."""
    to_tensor = transforms.ToTensor()
    train = torchvision.datasets.FashionMNIST(root, train=True, transform=to_tensor)
    test = torchvision.datasets.FashionMNIST(root, train=False, transform=to_tensor)
    return (torch.utils.data.DataLoader(train, batch_size, shuffle=True, num_workers=workers),
            torch.utils.data.DataLoader(test, batch_size, shuffle=False, num_workers=workers))


def tensor_batches(X: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool):
    """Plain in-memory batching: index the whole tensor with a slice of a permutation."""
    order = torch.randperm(len(y)) if shuffle else torch.arange(len(y))
    for i in range(0, len(y), batch_size):
        idx = order[i:i + batch_size]
        yield X[idx], y[idx]


def plain_train(net, train_batches, test_batches, num_epochs: int) -> tuple[list[float], float]:
    """The notes' loop with a torch optimizer; returns (seconds per epoch, final test accuracy)."""
    loss = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    seconds = []
    for _ in range(num_epochs):
        start = time.perf_counter()
        net.train()
        train_l_sum, train_acc_sum, n = 0.0, 0.0, 0
        for X, y in train_batches():
            y_hat = net(X)
            l = loss(y_hat, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            train_l_sum += l.item() * len(y)
            train_acc_sum += (y_hat.argmax(dim=1) == y).sum().item()
            n += len(y)
        net.eval()
        correct, total = 0, 0
        with torch.no_grad():
            for X, y in test_batches():
                correct += (net(X).argmax(dim=1) == y).sum().item()
                total += len(y)
        seconds.append(time.perf_counter() - start)
    return seconds, correct / total


def run(epochs: int, batch_size: int, workers: int) -> list[dict]:
    root = helpers.find_fashion_mnist()
    data = helpers.load_fashion_mnist()
    X_train = data.X_train.unsqueeze(1).float().div(255)  # (60000, 1, 28, 28)
    X_test = data.X_test.unsqueeze(1).float().div(255)
    notes_train, notes_test = notes_loaders(root, batch_size, workers)
    helper_train, helper_test = helpers.load_data_fashion_mnist(batch_size)
    ways = {
        "notes": lambda net: plain_train(net, lambda: notes_train, lambda: notes_test, epochs),
        "tensors": lambda net: plain_train(
            net, lambda: tensor_batches(X_train, data.y_train, batch_size, True),
            lambda: tensor_batches(X_test, data.y_test, batch_size, False), epochs),
        "helpers": lambda net: _helpers_train(net, helper_train, helper_test, epochs),
    }
    rows = []
    for model_name, make in MODELS.items():
        for way, fit in ways.items():
            torch.manual_seed(0)
            epoch_seconds, test_acc = fit(make())
            seconds = statistics.median(epoch_seconds)  # robust to one slow epoch
            rows.append(dict(model=model_name, way=way, seconds=seconds, test_acc=test_acc))
            print(f"  {model_name:20s} {way:8s} {seconds:6.2f} s/epoch  test acc {test_acc:.3f}",
                  flush=True)
    return rows


def _helpers_train(net, train_iter, test_iter, epochs):
    history = helpers.train(net, train_iter, test_iter, nn.CrossEntropyLoss(), epochs,
                            torch.optim.SGD(net.parameters(), lr=0.1))
    return history.seconds, history.test_acc[-1]


def table(rows: list[dict]) -> str:
    """A Markdown table: seconds/epoch and accuracy per way, and the speed-ups."""
    lines = ["| model | notes' recipe | plain tensors | helpers | helpers vs notes | "
             "helpers vs tensors | test acc (notes / tensors / helpers) |",
             "|---|---|---|---|---|---|---|"]
    for model in MODELS:
        r = {row["way"]: row for row in rows if row["model"] == model}
        lines.append(
            f"| {model} | {r['notes']['seconds']:.2f} s | {r['tensors']['seconds']:.2f} s | "
            f"{r['helpers']['seconds']:.2f} s | "
            f"{r['notes']['seconds'] / r['helpers']['seconds']:.1f}× faster | "
            f"{r['tensors']['seconds'] / r['helpers']['seconds']:.2f}× | "
            f"{r['notes']['test_acc']:.3f} / {r['tensors']['test_acc']:.3f} / "
            f"{r['helpers']['test_acc']:.3f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=4, help="DataLoader workers (the notes use 4)")
    args = parser.parse_args(argv)
    # DataLoader warns when workers outnumber cores, as the notes' 4 do on a 2-core machine
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    print(f"Fashion-MNIST, {args.epochs} epochs, batch {args.batch_size}, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}")
    rows = run(args.epochs, args.batch_size, args.workers)
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
