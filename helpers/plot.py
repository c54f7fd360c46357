"""Plots the notebooks share: line plots, image grids and a live training curve."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import MaxNLocator

FIGSIZE = (4.5, 3.0)
TITLE_FONTSIZE = 8  # points, for the titles of an image grid


def use_retina() -> bool:
    """Show inline figures as retina PNGs (twice the pixels), crisp on high-resolution screens.

    In an IPython kernel every figure displayed afterwards is rendered at twice its dpi and
    shown at its usual size: those the inline backend draws after a cell, ``plt.show()`` and
    ``IPython.display.display(fig)`` (which :class:`LivePlot` uses), and stays so after
    ``%matplotlib inline``. Outside IPython it does nothing. Returns whether it switched.

    Introduced in ``01_linear_regression_scratch``.
    """
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:
        return False
    shell = get_ipython()   # None in a plain script: create no shell there
    if shell is None or getattr(shell, "display_formatter", None) is None:
        return False
    kwargs = {"bbox_inches": "tight"}
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:
        pass
    else:
        # The inline backend applies its figure_formats when it first activates (at the first
        # figure, possibly after this call): set them too, or it would switch back to png.
        config = InlineBackend.instance(parent=shell)
        config.figure_formats = {"retina"}
        kwargs = dict(config.print_figure_kwargs)
    select_figure_formats(shell, {"retina"}, **kwargs)
    return True


def set_figsize(figsize=FIGSIZE) -> None:
    """Set matplotlib's default figure size (inches). (Importing ``helpers`` in a notebook
    already makes figures crisp: :func:`use_retina`.)

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
        _, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
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

    Titles may have several lines (``"Shirt\\n→ T-shirt 85%"``); each row gets the room its
    titles need, so they never touch the image above. Each image is about ``scale`` inches
    wide. Returns the array of axes. Introduced in ``03_softmax_scratch``.
    """
    lines = max((str(t).count("\n") + 1 for t in titles), default=0) if titles is not None else 0
    title_height = (lines * 1.25 * TITLE_FONTSIZE / 72 + 0.1) if lines else 0.0   # inches
    suptitle_height = 0.35 if suptitle else 0.0
    figsize = (num_cols * scale, num_rows * (scale + title_height) + suptitle_height)
    # constrained layout spaces rows by their titles and keeps the suptitle above them
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False,
                             layout="constrained")
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(imgs):
            continue
        img = _numpy(imgs[i])
        ax.imshow(img.reshape(img.shape[-2:]), cmap="gray_r")
        if titles is not None:
            ax.set_title(titles[i], fontsize=TITLE_FONTSIZE)
    if suptitle:
        fig.suptitle(suptitle)
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
        self.fig, self.ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
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
