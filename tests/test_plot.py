"""helpers/plot.py: line plots, image grids, the live training plot."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

import helpers

from .figure_audit import audit_figure

matplotlib.use("Agg")


def test_plot_lines_labels_everything(tmp_path):
    ax = helpers.plot_lines([1, 2, 3], [[3.0, 2.0, 1.5], torch.tensor([1.0, 0.5, 0.1])],
                            xlabel="epoch", ylabel="loss", title="loss curves",
                            legend=["train", "test"], yscale="log")
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("epoch", "loss", "loss curves")
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    ax.figure.savefig(tmp_path / "lines.png")
    plt.close(ax.figure)


def test_show_images_draws_a_titled_grid_and_hides_spare_axes(real_data, tmp_path):
    images = real_data.X_test[:5]
    titles = helpers.get_fashion_mnist_labels(real_data.y_test[:5])
    axes = helpers.show_images(images, 2, 3, titles=titles, suptitle="test images")
    assert axes.shape == (2, 3)
    shown = [ax for ax in axes.flat if ax.images]
    assert len(shown) == 5
    assert [ax.get_title() for ax in shown] == titles
    assert shown[0].images[0].get_array().shape == (28, 28)
    axes[0, 0].figure.savefig(tmp_path / "grid.png")
    plt.close(axes[0, 0].figure)


def test_show_images_accepts_channel_first_batches():
    axes = helpers.show_images(torch.rand(2, 1, 8, 8), 1, 2)
    assert axes[0, 1].images[0].get_array().shape == (8, 8)
    plt.close(axes[0, 0].figure)


def test_live_plot_records_points_and_skips_missing_values():
    live = helpers.LivePlot(["loss", "acc"], show=False)
    live.add(1, (0.9, None))
    live.add(2, (0.5, 0.7))
    assert live.X == [[1, 2], [2]] and live.Y == [[0.9, 0.5], [0.7]]
    assert live.ax.get_xlabel() == "epoch" and live.ax.get_title() == "training progress"
    assert [len(line.get_xdata()) for line in live.ax.get_lines()] == [2, 1]
    live.close()
    assert not plt.fignum_exists(live.fig.number)


def test_set_figsize_changes_the_default(monkeypatch):
    monkeypatch.setitem(plt.rcParams, "figure.figsize", [6.4, 4.8])
    helpers.set_figsize((3, 2))
    assert list(plt.rcParams["figure.figsize"]) == [3, 2]


def test_use_retina_does_nothing_outside_ipython(monkeypatch):
    """In a script (no IPython shell) use_retina must not create one, as
    matplotlib_inline's set_matplotlib_formats would (with a history file in ~/.ipython)."""
    import IPython
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    had_shell = InteractiveShell.initialized()
    assert helpers.plot.use_retina() is False
    assert InteractiveShell.initialized() == had_shell


def test_plot_lines_passes_the_figure_audit():
    losses = [[1.0, 0.1, 0.01, 1e-3, 1e-4], [0.5, 0.2, 0.1, 0.05, 0.03]]
    ax = helpers.plot_lines(range(1, 6), losses, xlabel="epoch", ylabel="mean squared loss",
                            title="Training loss (lr 0.03, batch 10)", legend=["train", "test"],
                            yscale="log")
    ax.axhline(5e-5, color="gray", ls=":")
    assert audit_figure(ax.figure) == []
    plt.close(ax.figure)


@pytest.mark.parametrize("rows, cols, n, two_lines, suptitle, scale", [
    (3, 6, 18, True, "true label → prediction (probability)", 1.6),   # 03's predictions
    (2, 8, 16, False, "Training images and their labels", 1.5),       # 03's first look
    (2, 6, 12, False, "Fashion-MNIST training images", 1.5),          # START_HERE
    (2, 3, 5, True, None, 1.5),                                        # spare cell, no suptitle
])
def test_show_images_titles_stay_off_the_images_and_the_suptitle(rows, cols, n, two_lines,
                                                                  suptitle, scale):
    names = helpers.CLASSES * 3
    titles = ([f"{t}\n→ {p} {c:.0%}" for t, p, c in zip(names, names[3:], [0.85, 1.0] * n)]
              if two_lines else names)[:n]
    axes = helpers.show_images(torch.rand(n, 1, 28, 28), rows, cols, titles=titles,
                               suptitle=suptitle, scale=scale)
    fig = axes[0, 0].figure
    assert audit_figure(fig) == []
    width, height = (axes[0, 0].get_window_extent().size / fig.dpi)
    assert width == pytest.approx(height) and 0.85 * scale < width <= scale   # compact
    plt.close(fig)


def test_live_plot_passes_the_figure_audit():
    live = helpers.LivePlot(["train loss", "train acc", "test acc"], xlim=(1, 10), show=False)
    for epoch in range(1, 11):
        live.add(epoch, (1.2 / epoch, 0.6 + epoch / 40, 0.6 + epoch / 45))
    assert audit_figure(live.fig) == []
    live.close()
