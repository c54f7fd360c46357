"""Shared fixtures: the repository root, an isolated Fashion-MNIST search path, tiny IDX files."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

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


@pytest.fixture
def run_in_kernel():
    """Run code in a fresh IPython kernel; return its iopub messages (type, content)."""
    from jupyter_client.manager import start_new_kernel

    kernels = []

    def run(code: str, env: dict | None = None, timeout: float = 120) -> list[tuple[str, dict]]:
        import os

        kernel_env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
        kernel_env.update(env or {})
        km, kc = start_new_kernel(kernel_name="python3", env=kernel_env)
        kernels.append((km, kc))
        messages: list[tuple[str, dict]] = []
        reply = kc.execute_interactive(
            code, timeout=timeout,
            output_hook=lambda msg: messages.append((msg["msg_type"], msg["content"])))
        errors = [c for t, c in messages if t == "error"]
        assert reply["content"]["status"] == "ok", errors
        return messages

    yield run
    for km, kc in kernels:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
