"""helpers/plot.py: line plots, image grids, the live training plot."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import torch

import helpers

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
