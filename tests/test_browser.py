"""JupyterLab in a real browser, as a learner on Binder sees it.

The server runs in a home directory prepared by the real ``binder/postBuild`` (see the
``binder_home`` fixture), on a free loopback port with a token. Playwright drives the
system's Chromium headless (Debian's ``chromium``; ``$CHROMIUM`` elsewhere) and never
downloads a browser. Screenshots go to ``test-artifacts/browser/``.
"""
from __future__ import annotations

import os
import re
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from .conftest import (
    REPO,
    free_port,
    get,
    grade_cells,
    jupyter_server,
    maintainer_module,
    release_path,
    submission,
)

playwright = maintainer_module("playwright.sync_api")
expect = playwright.expect

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / "test-artifacts" / "browser"
NOTEBOOK = "03_softmax_scratch"  # exercises, a tqdm progress bar, live plots, a slider
RUN_TIMEOUT_MS = 120_000         # the notebook takes about 15 s on 2 cores; leave room


@pytest.fixture(scope="module")
def lab(binder_home, tmp_path_factory):
    """JupyterLab started as Binder starts it: in the learner's home, which holds the course.
    The learner's finished work is in ``answers/``; yields (base url, token)."""
    assert binder_home.result.returncode == 0, binder_home.result.stderr[-3000:]
    home = binder_home.home
    (home / "answers").mkdir(exist_ok=True)
    nbformat.write(submission(NOTEBOOK), home / "answers" / f"{NOTEBOOK}.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
               "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp_path_factory.mktemp("lab") / "lab.log"
    with jupyter_server(command, cwd=home, env=binder_home.env, log_path=log, port=port,
                        token=token) as base:
        yield base, token


@pytest.fixture
def page(request, chromium, lab):
    """A fresh browser page; its last state is saved as ``<test name>-end.png``, pass or fail."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        yield page
        page.screenshot(path=ARTIFACTS / f"{request.node.name}-end.png")
        browser.close()


def open_notebook(page, lab, path: str, workspace: str):
    """Open ``path`` in a fresh JupyterLab workspace and wait until its kernel is idle."""
    base, token = lab
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?reset&token={token}")
    notebook = page.locator(".jp-NotebookPanel").first
    expect(notebook).to_be_visible(timeout=120_000)
    news = page.get_by_text("Would you like to get notified about official Jupyter news?")
    if news.is_visible():  # JupyterLab's first-start question; it would cover the screenshots
        page.get_by_role("button", name="No", exact=True).click()
    kernel_idle(page, 120_000)
    return notebook


def kernel_idle(page, timeout_ms: int):
    """Wait for the status bar's "Python 3 (ipykernel) | Idle" (the toolbar's indicator also
    says idle while the kernel is still initializing)."""
    expect(page.locator(".jp-StatusBar-TextItem").filter(has_text="| Idle")
           ).to_be_visible(timeout=timeout_ms)


def prompts(page) -> list[str]:
    return page.locator(".jp-CodeCell .jp-InputPrompt").evaluate_all(
        "nodes => nodes.map(n => n.textContent.trim())")


def validate(page, name: str):
    """Press nbgrader's Validate button; return the results dialog once it has come back."""
    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog").filter(has_text="Validation Results")
    body = dialog.locator(".validation-success, .validation-failed, .validation-changed, "
                          ".validation-type-changed, pre")
    expect(body.first).to_be_visible(timeout=RUN_TIMEOUT_MS)
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    return dialog


def test_binder_session_has_validate_but_no_instructor_tools(lab):
    base, token = lab
    status, version = get(f"{base}/nbgrader_version?version=0.0", token)
    assert status == 200 and "version" in version.get("message", "")  # Validate's server side
    status, assignments = get(f"{base}/assignments?course_id=hands-on-pytorch", token)
    assert status == 200 and assignments["success"], assignments  # the exchange works
    for instructor_page in ("formgrader", "formgraders"):
        with pytest.raises(urllib.error.HTTPError) as err:
            get(f"{base}/{instructor_page}", token)
        assert err.value.code == 404, instructor_page


def test_learner_runs_the_finished_notebook_and_validate_reports_success(page, lab):
    notebook = open_notebook(page, lab, f"answers/{NOTEBOOK}.ipynb", "answers")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => {
            const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                .map(n => n.textContent.trim());
            return p.length > 0 && p.every(t => /^\\[\\d+\\]:$/.test(t));
        }""", timeout=RUN_TIMEOUT_MS)
    kernel_idle(page, 60_000)

    code_cells = [c for c in nbformat.read(release_path(NOTEBOOK), as_version=4).cells
                  if c.cell_type == "code"]
    assert len(prompts(page)) == len(code_cells)  # every cell ran
    errors = notebook.locator(".jp-OutputArea-output[data-mime-type="
                              "'application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()[:3]

    bar = notebook.locator(".widget-hprogress").first  # tqdm's bar, an ipywidget
    expect(bar).to_be_visible()
    training = notebook.locator(".jp-CodeCell").filter(has=page.locator(".widget-hprogress"))
    training.screenshot(path=ARTIFACTS / "training-cell.png")  # the bar and the live plot
    fill = bar.locator(".progress-bar")
    assert fill.evaluate("n => n.style.width") == "100%"  # the training loop ran to the end
    expect(fill).to_have_class(re.compile(r"progress-bar-success"))  # and tqdm closed the bar

    images = notebook.locator(".jp-RenderedImage img")
    assert images.count() >= 2
    sizes = images.evaluate_all("nodes => nodes.map(n => [n.naturalWidth, n.naturalHeight])")
    assert all(w > 100 and h > 100 for w, h in sizes), sizes  # decoded PNGs, not broken links
    notebook.locator(".jp-CodeCell").filter(has=page.locator(".jp-RenderedImage")).last.screenshot(
        path=ARTIFACTS / "predictions-cell.png")
    assert notebook.locator(".widget-slider").count() >= 1  # the interact() exploration

    dialog = validate(page, "validate-success")
    expect(dialog.locator(".validation-success")).to_contain_text(
        "Success! Your notebook passes all the tests.")


def test_validate_names_every_unfinished_exercise_of_the_release(page, lab):
    open_notebook(page, lab, f"course/{NOTEBOOK}/{NOTEBOOK}.ipynb", "release")
    dialog = validate(page, "validate-failed")
    failed = dialog.locator(".validation-failed")
    expect(failed).to_be_visible()
    text = failed.inner_text()
    tests = grade_cells(nbformat.read(release_path(NOTEBOOK), as_version=4))
    assert text.count("The following cell failed:") == len(tests) >= 4
    shown = [" ".join(t.split()) for t in failed.locator("pre").all_inner_texts()]
    for grade_id, cell in tests.items():
        assert " ".join(cell.source.split()) in shown, f"{grade_id} is not reported"
    assert text.count("NotImplementedError") >= len(tests)
