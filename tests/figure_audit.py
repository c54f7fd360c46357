"""Can a learner read this figure? An audit of a matplotlib figure, and a way to run it on every
figure a notebook draws.

``audit_figure(fig)`` draws the figure and returns a list of human-readable problems (empty:
nothing found):

* no suptitle while some visible axes (one with data or an image) has no title;
* an axes with its axis on (one that shows data; not an image axes with its axis off, not a
  colorbar or legend-only axes) lacks an x or a y label; a shared axis whose tick labels are
  hidden, or a figure-wide ``supxlabel``/``supylabel``, excuses the missing label;
* two text elements overlap: suptitle, supxlabel/supylabel, ``fig.text``, legends, and per axes
  its titles (center, left, right), axis labels, offset texts (``1e-3``), visible non-empty
  tick labels (also against the other tick labels of the same axis) and ``ax.text``/``annotate``;
* a title (of any axes, or the suptitle) covers the area of another axes that shows something:
  the image-grid case, where a two-line title sits on the image above;
* a text element sticks out of the figure canvas.

Rotated text is judged by its axis-aligned bounding box, which is larger than the glyphs.

In a Jupyter kernel, ``install()`` wraps ``FigureCanvasBase.print_figure`` (through which the
inline backend, ``IPython.display.display(fig)`` and ``savefig`` render a figure) so that every
rendered figure is audited first; the problems pile up in ``PROBLEMS``, tagged with the
source of the cell that drew the figure (the execution count is no reliable tag: IPython
versions differ on when they advance it) and the figure's title. ``kernel_setup_code()``
and ``kernel_report_code()`` are the sources of the hidden first and last cells a test adds to
a notebook, and ``read_report()`` maps the report back to the notebook's cell indices.

This module imports matplotlib but not pyplot, so loading it in a kernel does not choose a
backend or change the notebook's behaviour.
"""
from __future__ import annotations

import base64
import dataclasses
import functools
import itertools
import json
import struct
from pathlib import Path

from matplotlib.transforms import Bbox

TOLERANCE_PX = 0.5          # overlaps thinner than this (rounding of font metrics) do not count
REPORT_MARKER = "FIGURE-AUDIT-REPORT "

PROBLEMS: list[dict] = []   # filled in a kernel by install(): {"cell", "figure", "problem"}


# -- the audit ----------------------------------------------------------------------------------

def audit_figure(fig) -> list[str]:
    """Draw ``fig`` and return what would stop a learner reading it (empty list: nothing)."""
    renderer = _draw(fig)
    problems: list[str] = []
    axes = [ax for ax in fig.axes if ax.get_visible()]
    names = _axes_names(fig)
    problems += _missing_titles(fig, axes, names)
    problems += _missing_labels(fig, axes, names)
    texts = _text_elements(fig, axes, names, renderer)
    problems += _overlaps(texts)
    problems += _titles_over_other_axes(fig, axes, names, renderer)
    problems += _outside_canvas(fig, texts)
    return problems


def _draw(fig):
    """Draw ``fig`` (layout included) as it will be rendered; return the renderer used."""
    if hasattr(fig.canvas, "get_renderer"):          # Agg and the inline backend
        fig.canvas.draw()
        return fig.canvas.get_renderer()
    fig.draw_without_rendering()                     # a bare Figure() outside pyplot
    return fig._get_renderer()


def figure_title(fig) -> str:
    """The suptitle, else the axes titles joined by `` | `` (what a message calls the figure)."""
    if _has_text(fig._suptitle):
        return fig._suptitle.get_text()
    titles = [t.get_text() for ax in fig.axes for t in _titles(ax) if _has_text(t)]
    return " | ".join(titles) if titles else "(untitled figure)"


def _has_text(t) -> bool:
    return t is not None and t.get_visible() and bool(t.get_text().strip())


def _short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= n else text[: n - 1] + "…")


def _titles(ax):
    return [ax.title, ax._left_title, ax._right_title]


def _is_colorbar(ax) -> bool:
    return ax.get_label() == "<colorbar>" or hasattr(ax, "_colorbar")


def _shows_something(ax) -> bool:
    """An axes a reader looks at: its axis is on, or it shows an image (not a spare grid cell,
    not a colorbar, not an axes that only holds a legend or text)."""
    return not _is_colorbar(ax) and (ax.axison or bool(ax.images))


def _axes_names(fig) -> dict:
    """``axes N`` (N counts from 1 in ``fig.axes``), or ``the axes`` when there is one."""
    if len(fig.axes) == 1:
        return {fig.axes[0]: "the axes"}
    return {ax: f"axes {i + 1}" for i, ax in enumerate(fig.axes)}


def _titled(ax, name: str) -> str:
    title = next((t.get_text() for t in _titles(ax) if _has_text(t)), "")
    return f"{name} (title {_short(title)})" if title else name


def _twins(ax) -> list:
    """The axes made by ``twinx``/``twiny`` with ``ax`` (they share its box), not ``ax``."""
    grouper = getattr(ax, "_twinned_axes", None)
    if grouper is None or ax not in grouper:
        return []
    return [a for a in grouper.get_siblings(ax) if a is not ax]


def _missing_titles(fig, axes, names) -> list[str]:
    if _has_text(fig._suptitle):
        return []
    return [f"{names[ax]} has no title and the figure no suptitle" for ax in axes
            if _shows_something(ax)
            and not any(_has_text(t) for a in (ax, *_twins(ax)) for t in _titles(a))]


def _visible_ticklabels(axis) -> list:
    try:
        ticks = axis._update_ticks()      # the ticks that will be drawn (inside the view)
    except AttributeError:                # a matplotlib without it: every tick
        ticks = axis.get_major_ticks() + axis.get_minor_ticks()
    return [label for tick in ticks for label in (tick.label1, tick.label2)
            if label.get_visible() and label.get_text().strip()]


def _missing_labels(fig, axes, names) -> list[str]:
    problems = []
    for ax in axes:
        if not ax.axison or _is_colorbar(ax):
            continue
        for which, axis, sup, shared in (
                ("x", ax.xaxis, fig._supxlabel, ax.get_shared_x_axes()),
                ("y", ax.yaxis, fig._supylabel, ax.get_shared_y_axes())):
            if not axis.get_visible() or _has_text(axis.label) or _has_text(sup):
                continue
            if len(shared.get_siblings(ax)) > 1 and not _visible_ticklabels(axis):
                continue                  # an inner panel of a shared axis: its neighbour labels it
            problems.append(f"{_titled(ax, names[ax])} has no {which} label")
    return problems


@dataclasses.dataclass
class _Text:
    """A text element as drawn: what it is, its text, where, and its window extent."""
    kind: str                 # "suptitle", "title", "x tick label", "legend", ...
    text: str
    where: str                # "axes 2", "the axes", "" for the figure
    bbox: Bbox
    group: str | None = None  # tick labels of one axis: "x tick labels of axes 2"

    def __str__(self) -> str:
        return f"{self.kind} {_short(self.text)}" + (f" of {self.where}" if self.where else "")


def _text_elements(fig, axes, names, renderer) -> list[_Text]:
    """Every visible, non-empty text element of the figure, with its extent in pixels."""
    found = []

    def add(kind, artist, where="", text=None, group=None):
        if artist is None or not artist.get_visible():
            return
        text = artist.get_text() if text is None else text
        if not text.strip():
            return
        bbox = artist.get_window_extent(renderer)
        if bbox.width > 0 and bbox.height > 0:
            found.append(_Text(kind, text, where, bbox, group))

    add("suptitle", fig._suptitle)
    add("supxlabel", fig._supxlabel)
    add("supylabel", fig._supylabel)
    for t in fig.texts:
        if t not in (fig._suptitle, fig._supxlabel, fig._supylabel):
            add("figure text", t)
    for legend in fig.legends:
        add("figure legend", legend, text=_legend_text(legend))
    for ax in axes:
        name = names[ax]
        for kind, t in zip(("title", "left title", "right title"), _titles(ax)):
            add(kind, t, name)
        if ax.axison:
            for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                if not axis.get_visible():
                    continue
                add(f"{which} label", axis.label, name)
                add(f"{which} offset text", axis.get_offset_text(), name)
                for label in _visible_ticklabels(axis):
                    add(f"{which} tick label", label, name, group=f"{which} tick labels of {name}")
        for t in ax.texts:
            add("text", t, name)
        legend = ax.get_legend()
        if legend is not None:
            add("legend", legend, name, text=_legend_text(legend))
    return found


def _legend_text(legend) -> str:
    return "[" + ", ".join(t.get_text() for t in legend.get_texts()) + "]"


def _intersects(a: Bbox, b: Bbox) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > TOLERANCE_PX and height > TOLERANCE_PX


def _listed(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + (f", … ({len(items)} in all)" if len(items) > n else "")


def _overlaps(texts: list[_Text]) -> list[str]:
    problems, crowded = [], {}
    for a, b in itertools.combinations(texts, 2):
        if not _intersects(a.bbox, b.bbox):
            continue
        if a.group is not None and a.group == b.group:   # one message per crowded axis
            crowded.setdefault(a.group, []).append(f"{_short(a.text)} & {_short(b.text)}")
        else:
            problems.append(f"{a} overlaps {b}")
    problems += [f"{group} overlap each other: {_listed(pairs)}"
                 for group, pairs in crowded.items()]
    return problems


def _titles_over_other_axes(fig, axes, names, renderer) -> list[str]:
    """Titles (and the suptitle) must stay off every other axes' box: in an image grid, a
    title that grew a line would otherwise sit on the image above it."""
    areas = [(ax, ax.get_window_extent(renderer)) for ax in axes if _shows_something(ax)]
    titled = [(None, "suptitle", "", fig._suptitle)]
    titled += [(ax, kind, names[ax], t) for ax in axes
               for kind, t in zip(("title", "left title", "right title"), _titles(ax))]
    problems = []
    for owner, kind, where, t in titled:
        if not _has_text(t):
            continue
        what = f"{kind} {_short(t.get_text())}" + (f" of {where}" if where else "")
        bbox = t.get_window_extent(renderer)
        for ax, area in areas:
            if ax is not owner and ax not in _twins(owner) and _intersects(bbox, area):
                covered = "image" if ax.images and not ax.axison else "plot area"
                problems.append(f"{what} covers the {covered} of {_titled(ax, names[ax])}")
    return problems


def _outside_canvas(fig, texts: list[_Text]) -> list[str]:
    canvas, tol = fig.bbox, TOLERANCE_PX
    problems, grouped = [], {}
    for t in texts:
        b = t.bbox
        if (b.x0 < canvas.x0 - tol or b.y0 < canvas.y0 - tol
                or b.x1 > canvas.x1 + tol or b.y1 > canvas.y1 + tol):
            if t.group is None:
                problems.append(f"{t} sticks out of the figure")
            else:
                grouped.setdefault(t.group, []).append(_short(t.text))
    problems += [f"{group} stick out of the figure: {_listed(labels)}"
                 for group, labels in grouped.items()]
    return problems


# -- in a kernel: audit every figure as it is rendered --------------------------------------------

_state = {"cell": None, "installed": False}


def _record(fig) -> None:
    try:
        problems = audit_figure(fig)
        title = figure_title(fig)
    except Exception as error:  # noqa: BLE001 -- never break the learner's notebook; report it
        problems, title = [f"the audit failed: {error!r}"], "(unknown)"
    for problem in problems:
        entry = {"cell": _state["cell"], "figure": title, "problem": problem}
        if entry not in PROBLEMS:   # a LivePlot renders the same figure once per epoch
            PROBLEMS.append(entry)


def install(shell=None) -> None:
    """Audit every figure rendered from now on (once per process); tag problems with the
    source of the running cell when ``shell`` (an IPython shell) is given."""
    from matplotlib.backend_bases import FigureCanvasBase

    if shell is not None and _state.get("shell") is not shell:
        def remember_cell(info):
            _state["cell"] = info.raw_cell

        shell.events.register("pre_run_cell", remember_cell)
        _state["shell"] = shell
    if _state["installed"]:
        return
    original = FigureCanvasBase.print_figure

    @functools.wraps(original)
    def print_figure(self, *args, **kwargs):
        if self.figure is not None:
            _record(self.figure)
        return original(self, *args, **kwargs)

    FigureCanvasBase.print_figure = print_figure
    _state["installed"] = True


def kernel_setup_code() -> str:
    """Source of a hidden first cell: load this file in the kernel and install the audit,
    leaving no name behind in the learner's namespace."""
    return (
        "def _figure_audit_setup():\n"
        "    import importlib.util, sys\n"
        "    spec = importlib.util.spec_from_file_location(\n"
        f"        '_figure_audit', {str(Path(__file__).resolve())!r})\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    sys.modules['_figure_audit'] = module\n"
        "    spec.loader.exec_module(module)\n"
        "    module.install(get_ipython())\n"
        "_figure_audit_setup()\n"
        "del _figure_audit_setup\n"
    )


def kernel_report_code() -> str:
    """Source of a hidden last cell: print the problems found, as one JSON line."""
    return ("import sys as _sys\n"
            f"print({REPORT_MARKER!r} + __import__('json').dumps("
            "_sys.modules['_figure_audit'].PROBLEMS))\n"
            "del _sys\n")


def read_report(report_cell, cells) -> list[dict]:
    """The problems printed by the report cell, each with ``cell`` turned from the source of
    a cell into its index in ``cells`` (the notebook without the hidden cells)."""
    text = "".join(o.get("text", "") for o in report_cell.get("outputs", [])
                   if o.get("output_type") == "stream")
    lines = [line for line in text.splitlines() if line.startswith(REPORT_MARKER)]
    if not lines:
        raise AssertionError(f"the figure audit printed no report: {report_cell.get('outputs')}")
    index = {}
    for i, c in enumerate(cells):
        if c.get("cell_type") == "code":
            index.setdefault(c.get("source"), i)
    problems = json.loads(lines[-1][len(REPORT_MARKER):])
    for p in problems:
        p["cell"] = index.get(p["cell"], "(a hidden cell)")
    return problems


def describe(problems: list[dict]) -> list[str]:
    """One line per problem: ``cell 4, figure 'title': problem``."""
    return [f"cell {p['cell']}, figure {_short(p['figure'], 60)}: {p['problem']}" for p in problems]


def retina_problems(cells) -> list[str]:
    """Every PNG output of ``cells`` that is not retina: a retina PNG carries ``width`` and
    ``height`` metadata of half its pixel size, so it shows at its usual size, twice as sharp."""
    problems = []
    for i, cell in enumerate(cells):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {}).get("image/png")
            if data is None:
                continue
            png = base64.b64decode(data)
            pixels = struct.unpack(">II", png[16:24])          # the IHDR chunk: width, height
            meta = output.get("metadata", {}).get("image/png", {})
            shown = (meta.get("width"), meta.get("height"))
            if shown != (pixels[0] // 2, pixels[1] // 2):
                problems.append(f"cell {i}: a PNG of {pixels[0]}x{pixels[1]} pixels shown at "
                                f"{shown[0]}x{shown[1]}, not a retina PNG (twice the pixels)")
    return problems
