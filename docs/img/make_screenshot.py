"""Regenerate failing-check.png: notebook 01's `squared_loss` exercise with a typical wrong
answer typed in and its test cell run, as a learner sees it in JupyterLab.

From the repository root: `.venv/bin/python docs/img/make_screenshot.py`. Needs Chromium
(`make browser` installs Debian's; `CHROMIUM=/path/to/chromium` elsewhere) and Playwright
(the `maintainer` extra, which `make` installs). Takes about a minute.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbclient
import nbformat
from PIL import Image
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
ID = "01_linear_regression_scratch"
WRONG = "    return (y_hat - y) ** 2 / 2\n"   # y not reshaped: a flat y broadcasts to (n, n)
OUT = Path(__file__).with_name("failing-check.png")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SETTINGS = {"apputils-extension/notification": '{"fetchNews": "false"}',
            "notebook-extension/tracker": '{"codeCellConfig": {"lineWrap": true}}'}


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def exercise_run() -> nbformat.NotebookNode:
    """The release notebook up to squared_loss's test cell, run in a kernel, with the earlier
    exercises answered by the reference solutions and squared_loss by WRONG; it keeps the
    task, the learner's cell and the test cell."""
    nb = nbformat.read(REPO / "course" / ID / f"{ID}.ipynb", as_version=4)
    solutions = nbformat.read(REPO / "solutions" / ID / f"{ID}.ipynb", as_version=4)
    answers = {grade_id(c): c.source for c in solutions.cells}
    end = next(i for i, c in enumerate(nb.cells) if grade_id(c) == "test_squared_loss")
    nb.cells = nb.cells[:end + 1]
    for cell in nb.cells[:end - 1]:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[grade_id(cell)]
    stub = nb.cells[end - 1]   # the learner replaces the stub's two lines
    stub.source = stub.source.split("    # YOUR CODE HERE")[0] + WRONG
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True,
                            resources={"metadata": {"path": str(REPO / "course" / ID)}}).execute()
    nb.cells = nb.cells[end - 2:]
    return nb


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def screenshot(root: Path) -> None:
    """Serve ``exercise_run()`` with JupyterLab from ``root``; screenshot its cells into OUT."""
    (root / "notebooks").mkdir()
    nbformat.write(exercise_run(), root / "notebooks" / "exercise.ipynb")
    for plugin, value in SETTINGS.items():   # no news pop-up; long lines wrap
        path = root / "settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value)
    port, token = free_port(), secrets.token_hex(16)
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root / 'notebooks'}",
         f"--LabApp.user_settings_dir={root / 'settings'}", f"--LabApp.workspaces_dir={root}",
         "--expose-app-in-browser", *(["--allow-root"] if os.getuid() == 0 else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page(viewport={"width": 900, "height": 2000},
                                    device_scale_factor=2)   # crisp at README width
            page.goto(f"{base}/lab/tree/exercise.ipynb?token={token}")
            page.wait_for_selector(".jp-OutputArea-output:has-text('hint:')")
            page.wait_for_selector(".jp-MarkdownCell mjx-container")   # the maths typeset
            page.evaluate("() => { const shell = window.jupyterapp.shell;"
                          " shell.collapseLeft(); shell.collapseRight();"
                          " shell.currentWidget.content.activeCellIndex = 2; }")  # the test cell
            page.add_style_tag(content=".jp-cell-toolbar { display: none; }")
            page.wait_for_timeout(1000)
            boxes = [c.bounding_box() for c in page.locator(".jp-Notebook .jp-Cell").all()]
            x, y = min(b["x"] for b in boxes), min(b["y"] for b in boxes)
            clip = {"x": x, "y": y, "width": max(b["x"] + b["width"] for b in boxes) - x,
                    "height": max(b["y"] + b["height"] for b in boxes) - y + 8}
            page.screenshot(path=OUT, clip=clip)
            browser.close()
    finally:
        os.killpg(lab.pid, 15)
        lab.wait()


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        screenshot(Path(root))
    Image.open(OUT).convert("RGB").quantize(64).save(OUT, optimize=True)   # small, still crisp
    print(f"{OUT}: {OUT.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
