"""The notebooks nbval runs (``course/START_HERE.ipynb`` and ``solutions/``), checked as a
learner sees them, in the same run.

nbval executes a notebook once, one test item per code cell, in one kernel. This plugin adds
three items to each notebook: a hidden first cell that installs the figure audit
(``tests/figure_audit.py``: every figure is audited as the kernel renders it), a hidden last
cell that prints the audit's report, and ``learner view``, which reads the outputs nbval
recorded and checks what a learner would see: no error, nothing on stderr, figures drawn,
readable and crisp (retina PNG), the exploration's widgets shown. So each notebook runs
once for both the smoke test and the learner's view.

It relies on two things of nbval (0.11): ``IPyNbCell(name, parent, cell_num, cell, options)``
and the outputs it records in ``test_outputs``.
"""
from __future__ import annotations

import copy
from collections import defaultdict

import nbformat
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile

from tests import figure_audit

SETUP, REPORT = "figure audit (hidden first cell)", "figure audit report (hidden last cell)"


class LearnerView(pytest.Item):
    """What a learner sees after running the notebook top to bottom (see the module doc)."""

    def __init__(self, *, cells: list[IPyNbCell], setup: IPyNbCell, report: IPyNbCell,
                 **kwargs):
        super().__init__(**kwargs)
        self.cells, self.setup_cell, self.report = cells, setup, report

    def runtest(self):
        ran = {id(item.cell): item.test_outputs or [] for item in self.cells}
        nb = copy.deepcopy(self.parent.nb)
        for original, cell in zip(self.parent.nb.cells, nb.cells):
            if cell.cell_type == "code":
                cell.outputs = ran.get(id(original), [])
        problems = []
        if self.setup_cell.test_outputs != []:
            problems.append(f"the figure audit did not install quietly: "
                            f"{self.setup_cell.test_outputs}")
        report = nbformat.v4.new_code_cell(outputs=self.report.test_outputs or [])
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        problems += [f"an error: {o.ename}: {o.evalue}" for o in outputs
                     if o.output_type == "error"]
        problems += [f"text on stderr: {o.text.strip()[:300]}" for o in outputs
                     if o.output_type == "stream" and o.name == "stderr"]
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        if len(images) < 2:
            problems.append(f"{len(images)} figures drawn; every notebook draws at least two")
        if not any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                   for o in outputs):
            problems.append("no widgets shown; every notebook has an exploration with sliders")
        problems += figure_audit.retina_problems(nb.cells)
        problems += figure_audit.describe(figure_audit.read_report(report, nb.cells))
        assert not problems, "what a learner would see:\n" + "\n".join(problems)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: learner view"


def _hidden_cell(parent: IPyNbFile, name: str, source: str, number: int) -> IPyNbCell:
    return IPyNbCell.from_parent(parent, name=name, cell_num=number,
                                 cell=nbformat.v4.new_code_cell(source),
                                 options=defaultdict(bool, check=False))


def pytest_collection_modifyitems(session, config, items):
    by_notebook: dict[IPyNbFile, list[IPyNbCell]] = {}
    for item in items:
        if isinstance(item, IPyNbCell):
            by_notebook.setdefault(item.parent, []).append(item)
    if not by_notebook:
        return
    reordered, setups = [], {}
    for item in items:
        cells = by_notebook.get(item.parent) if isinstance(item, IPyNbCell) else None
        if cells is None:
            reordered.append(item)
            continue
        if item is cells[0]:
            setups[item.parent] = _hidden_cell(item.parent, SETUP,
                                               figure_audit.kernel_setup_code(), -1)
            reordered.append(setups[item.parent])
        reordered.append(item)
        if item is cells[-1]:
            report = _hidden_cell(item.parent, REPORT, figure_audit.kernel_report_code(),
                                  len(cells))
            reordered += [report, LearnerView.from_parent(item.parent, name="learner view",
                                                          cells=cells,
                                                          setup=setups[item.parent],
                                                          report=report)]
    items[:] = reordered
