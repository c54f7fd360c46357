"""Time each solution notebook top to bottom in a fresh kernel, as CI and graders run them.

Usage: python bench/bench_notebooks.py [NOTEBOOK ...]   (default: every solutions/ notebook)
Prints one line per notebook: wall seconds including kernel start, and the slowest cell.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent


def time_notebook(path: Path) -> tuple[float, float, str]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    # nbclient answers an Output widget's messages on the shell channel while it waits there
    # for the execute reply, which can stall it for the whole timeout (jupyter/nbclient#312)
    client.comm_open_handlers = {}
    cell_times = []
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, index)
            cell_times.append((time.perf_counter() - t, cell.get("id", str(index))))
    total = time.perf_counter() - start
    slowest = max(cell_times)
    return total, slowest[0], slowest[1]


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(REPO.glob("solutions/*/*.ipynb"))
    print(f"{'notebook':<40} {'seconds':>8}  slowest cell")
    for path in paths:
        total, cell_s, cell_id = time_notebook(path)
        print(f"{path.stem:<40} {total:8.1f}  {cell_id} ({cell_s:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
