"""tests/figure_audit.py: what it flags in a figure, and its run inside a notebook's kernel."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest

from .figure_audit import (
    audit_figure,
    figure_title,
    kernel_report_code,
    kernel_setup_code,
    read_report,
    retina_problems,
)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_a_labelled_titled_figure_passes():
    fig, axes = plt.subplots(1, 2, figsize=(6, 2.5), sharey=True, layout="constrained")
    for ax, name in zip(axes, ["train", "test"]):
        ax.plot([1, 2, 3], [0.9, 0.5, 0.3], label="loss")
        ax.plot([1, 2, 3], [0.6, 0.7, 0.8], label="accuracy")
        ax.set(title=name, xlabel="epoch")
        ax.legend(loc="lower left")
    axes[0].set_ylabel("value")      # the second panel shares it: its tick labels are hidden
    ax.annotate("best", (3, 0.8), xytext=(2, 0.85), arrowprops={"arrowstyle": "->"})
    fig.suptitle("two panels")
    assert audit_figure(fig) == []


def test_a_suptitle_on_the_panel_titles_is_flagged():
    """The shape of 03's softmax explorer: a short figure without a layout engine."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.4), sharey=True)
    for ax, name in zip(axes, ["notes' naive softmax", "your softmax"]):
        ax.bar(range(4), [0.638, 0.235, 0.095, 0.032])
        ax.set(title=f"{name}: [0.638, 0.235, 0.095, 0.032]", xlabel="class", ylim=(0, 1.05))
        ax.title.set_fontsize(8)
    axes[0].set_ylabel("probability")
    fig.suptitle("softmax of [2.0, 1.0, 0.1, -1.0]", fontsize=9)
    problems = audit_figure(fig)
    assert ("suptitle 'softmax of [2.0, 1.0, 0.1, -1.0]' overlaps title "
            '"notes\' naive softmax: [0.638, 0.235, 0.…" of axes 1') in problems
    assert ("suptitle 'softmax of [2.0, 1.0, 0.1, -1.0]' overlaps title "
            "'your softmax: [0.638, 0.235, 0.095, 0.0…' of axes 2") in problems


def test_missing_axis_labels_are_flagged_but_inner_shared_panels_may_omit_them():
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.6), sharey=True, layout="constrained")
    for j, ax in enumerate(axes):
        ax.scatter([0, 1, 2], [1, 0, 2])
        ax.set_title(f"feature {j + 1}")
        if j < 2:
            ax.set_xlabel(f"x{j + 1}")
    axes[0].set_ylabel("y")
    assert audit_figure(fig) == ["axes 3 (title 'feature 3') has no x label"]

    fig, ax = plt.subplots(layout="constrained")
    ax.plot([1, 2])
    fig.suptitle("a line")
    assert audit_figure(fig) == ["the axes has no x label", "the axes has no y label"]


def test_a_figure_level_label_stands_for_the_panels():
    fig, axes = plt.subplots(1, 2, layout="constrained")
    for ax in axes:
        ax.plot([1, 2])
        ax.set_title("panel")
    fig.supxlabel("time")
    fig.supylabel("value")
    assert audit_figure(fig) == []


def test_an_untitled_panel_needs_a_suptitle():
    fig, axes = plt.subplots(1, 2, layout="constrained")
    for ax in axes:
        ax.plot([1, 2])
        ax.set(xlabel="x", ylabel="y")
    axes[0].set_title("first")
    assert audit_figure(fig) == ["axes 2 has no title and the figure no suptitle"]
    fig.suptitle("both")
    assert audit_figure(fig) == []


def test_overlapping_tick_labels_are_flagged():
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.bar(range(8), range(8))
    ax.set_xticks(range(8), [f"category {i}" for i in range(8)])
    ax.set(title="crowded", xlabel="category", ylabel="count")
    problems = audit_figure(fig)
    assert len(problems) == 1
    assert problems[0].startswith("x tick labels of the axes overlap each other: "
                                  "'category 0' & 'category 1'")


def image_grid(titles, **adjust):
    fig, axes = plt.subplots(2, 3, figsize=(4.5, 3.2))
    for ax, title in zip(axes.flat, titles):
        ax.imshow(np.random.default_rng(0).random((28, 28)), cmap="gray_r")
        ax.axis("off")
        ax.set_title(title, fontsize=8)
    fig.subplots_adjust(**adjust)
    return fig


def test_image_grid_titles_on_the_images_above_are_flagged():
    titles = [f"Shirt\n→ T-shirt {p}%" for p in range(80, 86)]
    problems = audit_figure(image_grid(titles, hspace=0.05, top=0.85))
    assert "title 'Shirt → T-shirt 83%' of axes 4 covers the image of axes 1 " \
           "(title 'Shirt → T-shirt 80%')" in problems
    assert len([p for p in problems if "covers the image" in p]) == 3
    assert audit_figure(image_grid(titles, hspace=0.6, top=0.85)) == []


def test_text_outside_the_canvas_is_flagged():
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.plot([1, 2])
    ax.set(title="t", xlabel="x", ylabel="y")
    ax.text(1.3, 0.5, "a note far right", transform=ax.transAxes)
    assert audit_figure(fig) == ["text 'a note far right' of the axes sticks out of the figure"]


def test_without_a_layout_labels_of_a_short_figure_stick_out():
    fig, ax = plt.subplots(figsize=(4, 1.2))
    ax.plot([1, 2])
    ax.set(title="t", xlabel="x", ylabel="y")
    problems = audit_figure(fig)
    assert "x label 'x' of the axes sticks out of the figure" in problems
    assert any(p.startswith("x tick labels of the axes stick out of the figure: '0.0'")
               for p in problems)


def test_colorbars_twins_and_spare_grid_cells_need_no_title_or_labels():
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.6), layout="constrained")
    image = axes[0].imshow(np.arange(25).reshape(5, 5))
    axes[0].set(title="heat map", xlabel="column", ylabel="row")
    fig.colorbar(image, ax=axes[0])
    axes[1].bar(["a", "b"], [1, 2])
    axes[1].set(title="counts", xlabel="group", ylabel="count")
    twin = axes[1].twinx()
    twin.plot([0, 1], [5, 3], "r")
    twin.set_ylabel("rate")
    axes[2].axis("off")               # a spare cell
    assert audit_figure(fig) == []


def test_figure_title_names_the_figure():
    fig, axes = plt.subplots(1, 2)
    assert figure_title(fig) == "(untitled figure)"
    axes[0].set_title("left")
    axes[1].set_title("right")
    assert figure_title(fig) == "left | right"
    fig.suptitle("both")
    assert figure_title(fig) == "both"


def test_the_audit_runs_on_every_figure_a_kernel_renders():
    """Helpers' figures in a kernel are retina and pass; a bad one is reported once, with its
    cell, however often it is drawn."""
    from nbclient import NotebookClient

    cells = [
        "import matplotlib.pyplot as plt\nimport torch\nimport helpers\n"
        "from IPython.display import display",   # importing helpers makes figures retina
        "titles = [f'Shirt\\n→ T-shirt {p}%' for p in range(80, 92)]\n"
        "helpers.show_images(torch.rand(12, 1, 28, 28), 2, 6, titles=titles, suptitle='grid');",
        "live = helpers.LivePlot(['loss', 'acc'])\n"
        "for epoch in range(1, 4):\n    live.add(epoch, (1 / epoch, epoch / 4))\nlive.close()",
        "%matplotlib inline\n"   # keeps the retina format
        "helpers.plot_lines([1, 2, 3], [[1.0, 0.1, 0.01]], xlabel='epoch', ylabel='loss',\n"
        "                   title='loss', legend=['train'], yscale='log');",
        "fig, ax = plt.subplots()\nax.plot([1, 2])\ndisplay(fig)\ndisplay(fig)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.cells.insert(0, nbformat.v4.new_code_cell(kernel_setup_code()))
    nb.cells.append(nbformat.v4.new_code_cell(kernel_report_code()))
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    setup, report = nb.cells.pop(0), nb.cells.pop()
    assert setup.outputs == []
    pngs = [i for i, c in enumerate(nb.cells) for o in c.outputs
            if "image/png" in o.get("data", {})]
    assert pngs == [1, 2, 3, 4, 4, 4]
    assert retina_problems(nb.cells) == []
    assert read_report(report, nb.cells) == [
        {"cell": 4, "figure": "(untitled figure)", "problem": problem}
        for problem in ["the axes has no title and the figure no suptitle",
                        "the axes has no x label", "the axes has no y label"]]


def test_a_figure_made_without_pyplot_is_audited_too():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([1, 2])
    ax.set(title="t", xlabel="x")
    assert audit_figure(fig) == ["the axes (title 't') has no y label"]
