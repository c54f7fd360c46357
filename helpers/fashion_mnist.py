"""Fashion-MNIST: find the four IDX files, verify them, decode them once, name the classes.

Search order (the first place that holds all four files wins):

1. the ``root`` argument, when given;
2. the directory in ``$FASHION_MNIST_DIR``;
3. the course cache (``$HANDS_ON_PYTORCH_CACHE``, default ``~/.cache/hands-on-pytorch``);
4. ``/usr/share/datasets/fashion-mnist`` from Debian's ``dataset-fashion-mnist`` package;
5. torchvision's download into the course cache, when online.

A place may hold the ``.gz`` files, the uncompressed files, or a torchvision root
(``FashionMNIST/raw/``). Compressed files are unpacked once into the cache in
torchvision's layout and checked against the sizes and MD5 sums below, then decoded here
(:func:`_decode`), without importing torchvision.

Run ``python -m helpers.get_data`` to find (or fetch) the data and report where it is.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

ENV_DIR = "FASHION_MNIST_DIR"
ENV_CACHE = "HANDS_ON_PYTORCH_CACHE"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

# Size and MD5 of each *uncompressed* IDX file. The sums cover the uncompressed bytes
# because Debian's package and the upstream mirrors compress the same bytes differently.
FILES = {
    "train-images-idx3-ubyte": (47_040_016, "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
    "train-labels-idx1-ubyte": (60_008, "9018921c3c673c538a1fc5bad174d6f9"),
    "t10k-images-idx3-ubyte": (7_840_016, "8181f5470baa50b63fa0f6fddb340f0a"),
    "t10k-labels-idx1-ubyte": (10_008, "15d484375f8d13e6eb1aabb0c3f46965"),
}
# torchvision's names (``FashionMNIST.classes``), index = label. Written out, and the IDX
# files read below without torchvision: importing it costs a kernel about a second (it
# pulls in torch._dynamo), paid at every start of every notebook and graded submission.
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot")

FIXES = (
    "  - on Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist\n"
    f"  - or put the four files in a folder and set {ENV_DIR}=/path/to/that/folder\n"
    "    (or pass root='/path/to/that/folder')\n"
    "  - or connect to the internet once: torchvision then downloads them into {cache}"
)


class FashionMNISTTensors(NamedTuple):
    """Fashion-MNIST as tensors: images ``uint8 (n, 28, 28)``, labels ``int64 (n,)``."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def cache_dir() -> Path:
    """The course's cache folder: ``$HANDS_ON_PYTORCH_CACHE`` or ``~/.cache/hands-on-pytorch``.

    Introduced in ``03_softmax_scratch``.
    """
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hands-on-pytorch"


def _find_files(place: Path) -> dict[str, Path]:
    """Map each IDX name to a file in ``place``: plain or .gz, flat or torchvision layout."""
    found: dict[str, Path] = {}
    for folder in (place, place / "FashionMNIST" / "raw"):
        for name in FILES:
            for candidate in (folder / name, folder / f"{name}.gz"):
                if name not in found and candidate.is_file():
                    found[name] = candidate
    return found


def _places(root) -> list[tuple[str, Path]]:
    if root is not None:
        return [("the root you passed", Path(root).expanduser())]
    places = []
    if os.environ.get(ENV_DIR):
        places.append((f"${ENV_DIR}", Path(os.environ[ENV_DIR]).expanduser()))
    places.append(("the course cache", cache_dir()))
    places.append(("Debian's dataset-fashion-mnist", DEBIAN_DIR))
    return places


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _check(path: Path, name: str, source: Path, *, checksum: bool) -> None:
    """Raise a RuntimeError naming ``source`` and the fix unless ``path`` is the right file."""
    size, md5 = FILES[name]
    fix = (f"Delete {source} and run `python -m helpers.get_data` again, or reinstall "
           "the data with: sudo apt-get install --reinstall dataset-fashion-mnist")
    got = path.stat().st_size
    if got != size:
        raise RuntimeError(f"Fashion-MNIST file {source} is truncated or not the right file: "
                           f"it holds {got:,} bytes uncompressed, expected {size:,}. {fix}")
    if checksum and (digest := _md5(path)) != md5:
        raise RuntimeError(f"Fashion-MNIST file {source} has the wrong checksum: md5 {digest}, "
                           f"expected {md5}. The file is corrupt or not Fashion-MNIST. {fix}")


def _install_into_cache(files: dict[str, Path], cache: Path) -> Path:
    """Unpack or copy ``files`` into ``cache/FashionMNIST/raw``, verified; return ``cache``."""
    raw = cache / "FashionMNIST" / "raw"
    try:
        raw.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RuntimeError(f"Cannot create the Fashion-MNIST cache {raw} ({err}). Set "
                           f"{ENV_CACHE} to a writable folder.") from err
    for name, source in files.items():
        target = raw / name
        if target.is_file() and target.stat().st_size == FILES[name][0]:
            continue  # unpacked and checked on an earlier run
        # a private temporary name, so processes unpacking at the same time never collide
        with tempfile.NamedTemporaryFile(dir=raw, prefix=f".{name}.", delete=False) as dst:
            partial = Path(dst.name)
        try:
            opener = gzip.open if source.suffix == ".gz" else open
            with opener(source, "rb") as src, open(partial, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
        except (EOFError, OSError, zlib.error) as err:
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"Fashion-MNIST file {source} is truncated or not a gzip file "
                               f"({err}). Delete it and run `python -m helpers.get_data` "
                               "again, or reinstall the data with: "
                               "sudo apt-get install --reinstall dataset-fashion-mnist") from err
        try:
            _check(partial, name, source, checksum=True)
        except RuntimeError:
            partial.unlink()
            raise
        os.replace(partial, target)  # atomic: a half-written file never looks complete
    return cache


def find_fashion_mnist(root=None, *, download: bool = True) -> Path:
    """Return a torchvision root (it holds ``FashionMNIST/raw/``) with verified files.

    Looks in ``root`` if given, else ``$FASHION_MNIST_DIR``, the course cache and Debian's
    package folder; then downloads with torchvision if ``download`` and online. Missing or
    corrupt data raise one error that says where it looked and how to fix it.

    Introduced in ``03_softmax_scratch``.

    Raises:
        FileNotFoundError: no complete copy anywhere and no download possible.
        RuntimeError: a file is truncated or has the wrong checksum.
    """
    cache = cache_dir()
    places = _places(root)
    looked = []
    for label, place in places:
        files = _find_files(place)
        if len(files) == len(FILES):
            in_torchvision_layout = all(
                f.suffix != ".gz" and f.parent == place / "FashionMNIST" / "raw"
                for f in files.values())
            if in_torchvision_layout:
                for name, path in files.items():
                    # files in the cache were checksummed when unpacked; others every time
                    _check(path, name, path, checksum=place != cache)
                return place
            return _install_into_cache(files, cache)
        missing = sorted(set(FILES) - set(files))
        looked.append(f"  - {label}: {place} (missing {', '.join(missing)})")
    if not os.environ.get(ENV_DIR) and root is None:
        looked.insert(0, f"  - ${ENV_DIR}: not set")

    failure = "downloading is switched off"
    if download:
        target = places[0][1] if root is not None else cache
        try:
            from torchvision.datasets import FashionMNIST

            for train in (True, False):
                FashionMNIST(target, train=train, download=True)
        except Exception as err:  # offline: torchvision tries every mirror, then raises
            failure = f"downloading failed: {err}"
        else:
            return find_fashion_mnist(target, download=False)
    raise FileNotFoundError(
        f"Fashion-MNIST was not found and {failure}.\nLooked in:\n" + "\n".join(looked)
        + "\nFix it with one of:\n" + FIXES.format(cache=cache))


_loaded: dict[Path, FashionMNISTTensors] = {}


def load_fashion_mnist(root=None, *, download: bool = True) -> FashionMNISTTensors:
    """Fashion-MNIST as four tensors ``(X_train, y_train, X_test, y_test)``.

    Images are ``uint8`` of shape ``(n, 28, 28)`` (60,000 train, 10,000 test), labels
    ``int64`` in ``0..9``. Decoded once per process; the unpacked files stay in the cache,
    so a later process loads them in a fraction of a second.

    Introduced in ``03_softmax_scratch``. Args as for :func:`find_fashion_mnist`.
    """
    return _decode(find_fashion_mnist(root, download=download))


def read_idx(path: Path) -> torch.Tensor:
    """An uncompressed IDX file of unsigned bytes (magic ``0x00000803`` images,
    ``0x00000801`` labels) as a ``uint8`` tensor of the shape its header gives."""
    data = np.fromfile(path, dtype=np.uint8)
    if data[:3].tolist() != [0, 0, 0x08]:
        raise RuntimeError(f"{path} is not an IDX file of unsigned bytes")
    ndim = int(data[3])
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i].tobytes(), "big") for i in range(ndim))
    return torch.from_numpy(data[4 + 4 * ndim:].reshape(shape))


def _decode(where: Path) -> FashionMNISTTensors:
    """Read a verified torchvision root (``FashionMNIST/raw/``), once per process."""
    where = where.resolve()
    if where not in _loaded:
        raw = where / "FashionMNIST" / "raw"
        X_train, y_train, X_test, y_test = (read_idx(raw / name) for name in FILES)
        _loaded[where] = FashionMNISTTensors(X_train, y_train.long(), X_test, y_test.long())
    return _loaded[where]


def get_fashion_mnist_labels(labels) -> list[str]:
    """Class names for integer labels (a tensor or a list), e.g. ``[9] -> ['Ankle boot']``.

    Introduced in ``03_softmax_scratch``.
    """
    return [CLASSES[int(i)] for i in labels]
