"""Plots the notebooks share: line plots, image grids and a live training curve."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import torch

FIGSIZE = (4.5, 3.0)


def set_figsize(figsize=FIGSIZE) -> None:
    """Set matplotlib's default figure size (inches).

    Introduced in ``01_linear_regression_scratch``.
    """
    plt.rcParams["figure.figsize"] = figsize


def plot_lines(X, Y, *, xlabel: str, ylabel: str, title: str, legend=None, xscale="linear",
               yscale="linear", fmts=("-", "m--", "g-.", "r:"), ax=None):
    """Plot one or more curves sharing an x axis, e.g. ``plot_lines(epochs, [loss], ...)``.

    ``X`` is one sequence shared by every curve, ``Y`` a list of sequences (one per curve).
    Use ``yscale="log"`` for losses that span decades. Returns the axes.

    Introduced in ``01_linear_regression_scratch``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
    for y, fmt in zip(Y, fmts * len(Y)):
        ax.plot(_numpy(X), _numpy(y), fmt)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title, xscale=xscale, yscale=yscale)
    if legend:
        ax.legend(legend)
    ax.grid(True, alpha=0.3)
    return ax


def show_images(imgs, num_rows: int, num_cols: int, *, titles=None, suptitle=None,
                scale: float = 1.5):
    """Show a grid of images (a tensor ``(n, H, W)`` / ``(n, 1, H, W)`` or a list) with titles.

    Returns the array of axes. Introduced in ``03_softmax_scratch``.
    """
    figsize = (num_cols * scale, num_rows * scale + (0.4 if titles is not None else 0))
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(imgs):
            continue
        img = _numpy(imgs[i])
        ax.imshow(img.reshape(img.shape[-2:]), cmap="gray_r")
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return axes


class LivePlot:
    """A figure that redraws in place as training adds points: one display handle, updated.

    ``LivePlot(["train loss", "train acc", "test acc"])`` then ``.add(epoch, values)``.
    Outside Jupyter it only records. Introduced in ``03_softmax_scratch``.
    """

    def __init__(self, legend, *, xlabel="epoch", ylabel="loss / accuracy",
                 title="training progress", xlim=None, ylim=None,
                 fmts=("-", "m--", "g-.", "r:"), show: bool = True):
        self.legend = list(legend)
        self.xlabel, self.ylabel, self.title = xlabel, ylabel, title
        self.xlim, self.ylim, self.fmts = xlim, ylim, fmts
        self.X: list[list[float]] = [[] for _ in self.legend]
        self.Y: list[list[float]] = [[] for _ in self.legend]
        self.fig, self.ax = plt.subplots(figsize=FIGSIZE)
        self._handle = None
        self.show = show

    def add(self, x: float, ys) -> None:
        """Append one point to every curve whose value is not ``None``, then redraw."""
        for i, y in enumerate(ys):
            if y is not None:
                self.X[i].append(x)
                self.Y[i].append(float(y))
        self.ax.cla()
        for x_, y_, fmt in zip(self.X, self.Y, self.fmts * len(self.X)):
            self.ax.plot(x_, y_, fmt)
        self.ax.set(xlabel=self.xlabel, ylabel=self.ylabel, title=self.title)
        self.ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if self.xlim:
            self.ax.set_xlim(self.xlim)
        if self.ylim:
            self.ax.set_ylim(self.ylim)
        self.ax.legend(self.legend)
        self.ax.grid(True, alpha=0.3)
        if self.show:
            from IPython.display import display

            if self._handle is None:
                self._handle = display(self.fig, display_id=True)
            else:
                self._handle.update(self.fig)

    def close(self) -> None:
        """Release the figure so the inline backend does not draw it a second time."""
        plt.close(self.fig)


def _numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return x
