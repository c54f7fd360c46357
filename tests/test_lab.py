"""`make lab` serves the course: start it headless on a free loopback port, ask its REST API."""
from __future__ import annotations

import os
import secrets
import urllib.error
import urllib.request

import pytest

from .conftest import REPO, free_port, get, jupyter_server


@pytest.fixture
def lab(tmp_path):
    """`make lab` with a token on a free loopback port; yields (base url, token)."""
    port, token = free_port(), secrets.token_hex(16)
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 "
            f"--IdentityProvider.token={token}")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    with jupyter_server(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=REPO,
                        env=env, log_path=tmp_path / "lab.log", port=port, token=token) as base:
        yield base, token


def notebooks_in(base: str, token: str, path: str = "") -> list[str]:
    """Every notebook the server lists, walking folders through the contents API."""
    _, listing = get(f"{base}/api/contents/{path}", token)
    found = []
    for item in listing["content"]:
        if item["type"] == "directory":
            found += notebooks_in(base, token, item["path"])
        elif item["type"] == "notebook":
            found.append(item["path"])
    return found


@pytest.mark.slow
def test_make_lab_serves_the_course_notebooks(lab):
    base, token = lab
    on_disk = sorted(str(p.relative_to(REPO / "course"))
                     for p in (REPO / "course").rglob("*.ipynb")
                     if ".ipynb_checkpoints" not in p.parts)
    assert "START_HERE.ipynb" in on_disk
    assert sorted(notebooks_in(base, token)) == on_disk  # the server's root is course/
    for path in on_disk:
        status, model = get(f"{base}/api/contents/{path}?content=1", token)
        assert status == 200 and model["type"] == "notebook"
        assert model["content"]["cells"], f"{path} came back empty"
    with urllib.request.urlopen(f"{base}/?token={token}", timeout=10) as response:
        landing, page = response.geturl(), response.read().decode()
    assert landing.startswith(f"{base}/lab/tree/START_HERE.ipynb")  # opens the set-up check
    assert "JupyterLab" in page


@pytest.mark.slow
def test_the_server_refuses_requests_without_the_token(lab):
    base, _ = lab
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{base}/api/contents/", timeout=10)
    assert err.value.code == 403
