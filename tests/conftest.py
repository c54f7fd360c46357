"""Shared fixtures: the repository root, an isolated Fashion-MNIST search path, tiny IDX files,
a JupyterLab server on a free loopback port, and a home directory set up as Binder sets it up."""
from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import importlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest
from torchvision.datasets import FashionMNIST

import helpers
from helpers import fashion_mnist as fm

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def real_data() -> fm.FashionMNISTTensors:
    """The real Fashion-MNIST (CI installs Debian's dataset-fashion-mnist)."""
    return helpers.load_fashion_mnist(download=False)


@pytest.fixture
def data_env(tmp_path, monkeypatch) -> Path:
    """An isolated search path: empty cache, no $FASHION_MNIST_DIR, no Debian folder, offline.

    Downloads go to a closed loopback port, so torchvision fails at once, as offline.
    """
    monkeypatch.setenv(fm.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.delenv(fm.ENV_DIR, raising=False)
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "no-debian-package")
    monkeypatch.setattr(FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    monkeypatch.setattr(fm, "_loaded", {})
    return tmp_path


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (magic 0x08 = ubyte, then big-endian dims)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


class FakeFashionMNIST:
    """Tiny IDX files (a few 28x28 images) written to disk, and their expected arrays."""

    def __init__(self, seed: int = 0, n_train: int = 6, n_test: int = 4):
        rng = np.random.default_rng(seed)
        self.arrays = {
            "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
            "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
        }
        self.raw = {name: idx_bytes(a) for name, a in self.arrays.items()}

    def checksums(self) -> dict[str, tuple[int, str]]:
        """A FILES table that accepts these fake files."""
        return {n: (len(b), hashlib.md5(b).hexdigest()) for n, b in self.raw.items()}

    def write(self, folder: Path, *, gz: bool = True, torchvision_layout: bool = False) -> Path:
        target = folder / "FashionMNIST" / "raw" if torchvision_layout else folder
        target.mkdir(parents=True, exist_ok=True)
        for name, data in self.raw.items():
            if gz:
                (target / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (target / name).write_bytes(data)
        return folder


@pytest.fixture
def fake(monkeypatch) -> FakeFashionMNIST:
    """Fake Fashion-MNIST whose checksums the helpers accept (the real table is patched)."""
    data = FakeFashionMNIST()
    monkeypatch.setattr(fm, "FILES", data.checksums())
    return data


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """``text`` without the terminal colour codes of IPython's tracebacks."""
    return ANSI_ESCAPE.sub("", text)


class Kernel:
    """A fresh IPython kernel that runs code one cell after another (jupyter_client).

    It does not inherit ``NBGRADER_EXECUTION`` from the tests' environment; ``env`` adds to
    (or sets) variables, ``cwd`` is its working directory.
    """

    def __init__(self, env: dict | None = None, cwd: Path | None = None):
        from jupyter_client.manager import start_new_kernel

        kernel_env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
        kernel_env.update(env or {})
        options = {"cwd": str(cwd)} if cwd is not None else {}
        self.km, self.kc = start_new_kernel(kernel_name="python3", env=kernel_env, **options)

    def execute(self, code: str, timeout: float = 300) -> tuple[dict, list[tuple[str, dict]]]:
        """Run ``code``; return the execute_reply's content and the iopub messages
        (type, content) it produced."""
        messages: list[tuple[str, dict]] = []
        reply = self.kc.execute_interactive(
            code, timeout=timeout, allow_stdin=False,
            output_hook=lambda msg: messages.append((msg["msg_type"], msg["content"])))
        return reply["content"], messages

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def run_in_kernel():
    """Run code in a fresh IPython kernel; return its iopub messages (type, content)."""
    kernels: list[Kernel] = []

    def run(code: str, env: dict | None = None, timeout: float = 120) -> list[tuple[str, dict]]:
        kernels.append(Kernel(env))
        reply, messages = kernels[-1].execute(code, timeout)
        assert reply["status"] == "ok", [c for t, c in messages if t == "error"]
        return messages

    yield run
    for kernel in kernels:
        kernel.close()


def maintainer_module(name: str):
    """Import a tool of the ``maintainer`` extra (Playwright, repo2docker's helpers, ...).
    ``make test`` installs it, so under CI it must be there; elsewhere, e.g. in the conda
    environment, the tests that need it are skipped."""
    if os.environ.get("CI"):
        return importlib.import_module(name)
    return pytest.importorskip(name, reason="a maintainer tool: pip install -e '.[maintainer]'")


CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system's Chromium, for Playwright (Debian's ``chromium``; ``$CHROMIUM`` elsewhere)."""
    if not Path(CHROMIUM).exists():
        message = (f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium; "
                   "elsewhere set CHROMIUM=/path/to/chromium")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


# --- The course notebooks as a learner hands them in ---------------------------------------

def solution_path(assignment: str) -> Path:
    return REPO / "solutions" / assignment / f"{assignment}.ipynb"


def release_path(assignment: str) -> Path:
    return REPO / "course" / assignment / f"{assignment}.ipynb"


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_cells(nb) -> dict[str, dict]:
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if nbgrader_meta(c).get("grade")}


def submission(assignment: str, *, replace: dict[str, str] | None = None,
               delete: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """The release notebook with every solution cell filled in from the reference.

    ``replace`` maps a solution cell's grade_id to other source; ``delete`` drops cells.
    """
    from helpers.grading import reference_submission

    return reference_submission(assignment, replace=replace, delete=delete)


# --- A JupyterLab server, and a home directory as Binder sets it up ------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str):
    """GET a JupyterLab REST URL with the token; return (status, parsed JSON)."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@contextlib.contextmanager
def jupyter_server(command: list[str], *, cwd: Path, env: dict, log_path: Path, port: int,
                   token: str, timeout: float = 180):
    """Run ``command`` (a JupyterLab server on ``port``), wait until its API answers, yield
    its base URL; stop it and everything it started afterwards."""
    log = open(log_path, "w+")
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                get(f"{base}/api/status", token)
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"JupyterLab did not start:\n{log.read()[-3000:]}")
                time.sleep(0.5)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # the server and its kernels share a session
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


# Variables that would point a sandboxed home's tools back at the real machine's folders.
OUTSIDE_HOME = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_PATH",
                "IPYTHONDIR", "MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
                "XDG_DATA_HOME", fm.ENV_DIR, fm.ENV_CACHE)


def binder_env(home: Path, path_prefix: Path | None = None) -> dict:
    """The environment of a Binder session whose home is ``home``: the course's Python first
    on PATH, nothing pointing outside the home."""
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_HOME}
    bin_dirs = [str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")]
    if path_prefix:
        bin_dirs.insert(0, str(path_prefix))
    env.update(HOME=str(home), PATH=os.pathsep.join(bin_dirs))
    return env


# On Binder the repository is the home directory; these are the parts postBuild and a
# learner's session use.
BINDER_COPY = ("binder", "course", "nbgrader_config.py", "pyproject.toml")


def fake_python(folder: Path, pip_log: Path, *, pip_exit: int = 0) -> Path:
    """A folder holding a ``python`` for postBuild that logs ``python -m pip ...`` and exits
    with ``pip_exit`` instead of running pip (the package is installed here already, editable),
    and runs everything else with this interpreter."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "python"
    script.write_text("#!/bin/sh\n"
                      'if [ "$1 $2" = "-m pip" ]; then\n'
                      f'  echo "$@" >> "{pip_log}"; exit {pip_exit}\n'
                      "fi\n"
                      f'exec "{sys.executable}" "$@"\n')
    script.chmod(0o755)
    return folder


def binder_copy(home: Path) -> Path:
    """Put in ``home`` the parts of the repository that postBuild and a session use."""
    home.mkdir(parents=True, exist_ok=True)
    for name in BINDER_COPY:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, home / name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            shutil.copy2(source, home / name)
    return home


def run_postbuild(home: Path, bin_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(home / "binder" / "postBuild")], cwd=home,
                          env=binder_env(home, bin_dir), capture_output=True, text=True,
                          timeout=300)


@dataclasses.dataclass
class BinderHome:
    """A home directory after binder/postBuild ran in it, as on Binder."""

    home: Path
    env: dict            # a session's environment in that home
    result: subprocess.CompletedProcess  # postBuild's run
    pip_calls: list[str]  # the pip commands postBuild gave


@pytest.fixture(scope="session")
def binder_home(tmp_path_factory) -> BinderHome:
    """Run the real binder/postBuild in a fresh home that holds the repository, as Binder does
    (only its pip step is logged instead of run), with Debian's Fashion-MNIST standing in for
    the download. Shared by the environment checks and the browser test."""
    root = tmp_path_factory.mktemp("binder")
    home = binder_copy(root / "home")
    pip_log = root / "pip.log"
    result = run_postbuild(home, fake_python(root / "bin", pip_log))
    calls = pip_log.read_text().splitlines() if pip_log.exists() else []
    return BinderHome(home, binder_env(home), result, calls)
