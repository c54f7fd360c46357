"""The learner view that ``conftest.py`` adds to every notebook nbval runs."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat

from .conftest import REPO


def test_the_learner_view_names_every_problem_of_a_notebook_run(tmp_path):
    """A notebook that writes to stderr, draws one unlabelled figure and shows no widget:
    its cells all run (nbval passes them), and the learner view fails naming each problem."""
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# A notebook with problems"),
        v4.new_code_cell("import sys\nimport matplotlib.pyplot as plt\n"
                         "print('a warning', file=sys.stderr)"),
        v4.new_code_cell("fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nplt.show()"),
    ])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "problems.ipynb")
    shutil.copy2(REPO / "conftest.py", tmp_path / "conftest.py")
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider",
                           "problems.ipynb"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]
    assert "4 passed" in out and "1 failed" in out, out[-3000:]   # 2 cells + 2 hidden ones
    assert "problems.ipynb::learner view" in out
    for problem in ("text on stderr: a warning",
                    "1 figures drawn; every notebook draws at least two",
                    "no widgets shown",
                    "cell 2, figure"):         # the audit: no title, no axis labels
        assert problem in out, (problem, out[-3000:])
