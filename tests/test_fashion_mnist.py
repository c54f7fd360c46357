"""helpers/fashion_mnist.py: finding, verifying, decoding and caching Fashion-MNIST."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import helpers
from helpers import fashion_mnist as fm
from helpers.get_data import main as get_data_main

from .conftest import REPO, FakeFashionMNIST

# --- the real data -------------------------------------------------------------------

def test_real_data_has_the_documented_shapes_and_dtypes(real_data):
    assert real_data.X_train.shape == (60_000, 28, 28)
    assert real_data.X_test.shape == (10_000, 28, 28)
    assert real_data.X_train.dtype == real_data.X_test.dtype == torch.uint8
    assert real_data.y_train.dtype == real_data.y_test.dtype == torch.int64


def test_real_labels_are_balanced_classes_0_to_9(real_data):
    assert torch.bincount(real_data.y_train).tolist() == [6000] * 10
    assert torch.bincount(real_data.y_test).tolist() == [1000] * 10


def test_real_images_use_the_full_pixel_range(real_data):
    assert int(real_data.X_train.min()) == 0 and int(real_data.X_train.max()) == 255
    # a sanity check that images are not blank or scrambled: the mean is mid-grey-ish
    assert 60 < float(real_data.X_train.float().mean()) < 90


def test_label_names_follow_torchvision():
    from torchvision.datasets import FashionMNIST

    assert helpers.CLASSES == tuple(FashionMNIST.classes)
    assert helpers.get_fashion_mnist_labels(torch.tensor([0, 9, 1])) == [
        "T-shirt/top", "Ankle boot", "Trouser"]
    assert helpers.get_fashion_mnist_labels([]) == []


def test_the_tensors_equal_torchvision_s_reading_of_the_files(real_data):
    from torchvision.datasets import FashionMNIST

    root = helpers.find_fashion_mnist(download=False)
    for train, X, y in ((True, real_data.X_train, real_data.y_train),
                        (False, real_data.X_test, real_data.y_test)):
        theirs = FashionMNIST(root, train=train)
        assert torch.equal(X, theirs.data) and X.dtype == theirs.data.dtype
        assert torch.equal(y, theirs.targets) and y.dtype == theirs.targets.dtype


def test_importing_helpers_does_not_import_torchvision():
    """torchvision costs every kernel start about a second (it imports torch._dynamo)."""
    code = "import sys, helpers; print('torchvision' in sys.modules, 'torch._dynamo' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.split() == ["False", "False"]


def test_second_load_in_a_process_returns_the_same_tensors(real_data):
    again = helpers.load_fashion_mnist(download=False)
    assert again.X_train is real_data.X_train


def test_a_new_process_loads_from_the_cache_without_the_source(tmp_path):
    """Is the data decoded once? After one run, the source files are no longer needed."""
    source = tmp_path / "source"
    source.mkdir()
    for name in fm.FILES:  # the real .gz files, from wherever they were found
        found = fm._find_files(fm.DEBIAN_DIR).get(name) or fm._find_files(fm.cache_dir())[name]
        (source / found.name).write_bytes(found.read_bytes())
    env = {**os.environ, fm.ENV_CACHE: str(tmp_path / "cache"), fm.ENV_DIR: str(source)}
    code = ("import helpers, sys; d = helpers.load_fashion_mnist(download=False); "
            "print(helpers.find_fashion_mnist(download=False), int(d.y_train.sum()))")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    for f in source.iterdir():
        f.unlink()
    env.pop(fm.ENV_DIR)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split()[0] == str(tmp_path / "cache")
    assert second.stdout.split()[1] == first.stdout.split()[1]


# --- search order (fake data) ----------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False], ids=["gz", "uncompressed"])
@pytest.mark.parametrize("torchvision_layout", [False, True], ids=["flat", "torchvision"])
def test_fake_files_decode_to_the_arrays_written(data_env, fake, gz, torchvision_layout):
    root = fake.write(data_env / "mine", gz=gz, torchvision_layout=torchvision_layout)
    data = helpers.load_fashion_mnist(root)
    np.testing.assert_array_equal(data.X_train.numpy(), fake.arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(data.y_test.numpy(), fake.arrays["t10k-labels-idx1-ubyte"])
    assert data.X_train.dtype == torch.uint8 and data.y_train.dtype == torch.int64


def test_explicit_root_wins_over_the_environment_variable(data_env, fake, monkeypatch):
    mine = fake.write(data_env / "mine", gz=False, torchvision_layout=True)
    other = FakeFashionMNIST(seed=1)
    monkeypatch.setenv(fm.ENV_DIR, str(other.write(data_env / "env", gz=False,
                                                   torchvision_layout=True)))
    assert helpers.find_fashion_mnist(mine) == mine


def test_environment_variable_wins_over_cache_and_debian(data_env, fake, monkeypatch):
    env_dir = fake.write(data_env / "env", gz=False, torchvision_layout=True)
    fake.write(data_env / "cache", gz=False, torchvision_layout=True)
    fake.write(fm.DEBIAN_DIR)
    monkeypatch.setenv(fm.ENV_DIR, str(env_dir))
    assert helpers.find_fashion_mnist() == env_dir


def test_debian_folder_is_used_when_nothing_else_is_there(data_env, fake):
    fake.write(fm.DEBIAN_DIR)  # .gz files, flat, as Debian's package lays them out
    root = helpers.find_fashion_mnist(download=False)
    assert root == data_env / "cache"  # unpacked once into the cache
    assert sorted(p.name for p in (root / "FashionMNIST" / "raw").iterdir()) == sorted(fm.FILES)


def test_cache_wins_over_debian_once_filled(data_env, fake):
    fake.write(fm.DEBIAN_DIR)
    helpers.find_fashion_mnist(download=False)
    for f in fm.DEBIAN_DIR.iterdir():
        f.unlink()
    assert helpers.find_fashion_mnist(download=False) == data_env / "cache"


def test_download_goes_through_torchvision_into_the_cache(data_env, fake, monkeypatch):
    """When nothing is on disk, torchvision's FashionMNIST(download=True) is asked."""
    calls = []

    def fake_download(self):
        calls.append(self.root)
        fake.write(self.root, gz=False, torchvision_layout=True)

    from torchvision.datasets import FashionMNIST

    monkeypatch.setattr(FashionMNIST, "download", fake_download)
    assert helpers.find_fashion_mnist() == data_env / "cache"
    assert calls and all(str(c) == str(data_env / "cache") for c in calls)


# --- errors that name the fix ------------------------------------------------------------

def test_missing_data_offline_says_where_it_looked_and_how_to_fix(data_env):
    with pytest.raises(FileNotFoundError) as err:
        helpers.load_fashion_mnist()
    message = str(err.value)
    assert "downloading failed" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert fm.ENV_DIR in message and "internet" in message
    assert str(fm.DEBIAN_DIR) in message and str(data_env / "cache") in message


def test_missing_data_with_download_off_says_so(data_env):
    with pytest.raises(FileNotFoundError, match="downloading is switched off"):
        helpers.find_fashion_mnist(download=False)


def test_explicit_root_without_the_files_is_an_error_naming_it(data_env, fake):
    fake.write(fm.DEBIAN_DIR)  # present elsewhere, but the learner asked for this folder
    empty = data_env / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=str(empty)):
        helpers.find_fashion_mnist(empty, download=False)


def test_partial_folder_lists_the_missing_files(data_env, fake):
    fake.write(data_env / "partial")
    (data_env / "partial" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="missing t10k-labels-idx1-ubyte"):
        helpers.find_fashion_mnist(data_env / "partial", download=False)


def test_truncated_gz_file_is_reported_with_its_path(data_env, fake):
    root = fake.write(data_env / "mine")
    path = root / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(RuntimeError, match="truncated") as err:
        helpers.load_fashion_mnist(root)
    assert str(path) in str(err.value) and "apt-get install --reinstall" in str(err.value)
    assert not list((data_env / "cache").rglob("*ubyte*")), "a broken file must not be cached"


def test_truncated_uncompressed_file_is_reported_with_sizes(data_env, fake):
    root = fake.write(data_env / "mine", gz=False, torchvision_layout=True)
    path = root / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(RuntimeError, match=r"truncated .* holds 100 bytes"):
        helpers.load_fashion_mnist(root)


def test_wrong_checksum_is_reported_with_both_sums(data_env, fake):
    root = fake.write(data_env / "mine", gz=False)
    path = root / "train-labels-idx1-ubyte"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # same size, different content
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="wrong checksum") as err:
        helpers.load_fashion_mnist(root)
    assert fm.FILES["train-labels-idx1-ubyte"][1] in str(err.value)


def test_real_checksums_reject_files_of_the_right_size_with_other_bytes(data_env):
    """The real table: all-zero files of the right sizes are not Fashion-MNIST."""
    fm.DEBIAN_DIR.mkdir()
    for name, (size, _) in fm.FILES.items():
        (fm.DEBIAN_DIR / f"{name}.gz").write_bytes(gzip.compress(bytes(size)))
    with pytest.raises(RuntimeError, match="wrong checksum"):
        helpers.find_fashion_mnist(download=False)


def test_unwritable_cache_names_the_variable_to_set(data_env, fake, monkeypatch):
    fake.write(fm.DEBIAN_DIR)
    blocker = data_env / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(fm.ENV_CACHE, str(blocker / "cache"))
    with pytest.raises(RuntimeError, match=fm.ENV_CACHE):
        helpers.find_fashion_mnist(download=False)


# --- the command line ------------------------------------------------------------------------

def test_get_data_reports_where_the_data_is(data_env, fake, capsys):
    fake.write(fm.DEBIAN_DIR)
    assert get_data_main(["--no-download"]) == 0
    assert str(data_env / "cache") in capsys.readouterr().out


def test_get_data_fails_with_the_fix_on_stderr(data_env, capsys):
    assert get_data_main(["--no-download"]) == 1
    assert "apt-get install dataset-fashion-mnist" in capsys.readouterr().err


def test_get_data_runs_as_a_module_without_warnings():
    result = subprocess.run([sys.executable, "-m", "helpers.get_data", "--no-download"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""


def test_cache_dir_follows_the_variable_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv(fm.ENV_CACHE, str(tmp_path / "mine"))
    assert helpers.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(fm.ENV_CACHE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert helpers.cache_dir() == tmp_path / "xdg" / "hands-on-pytorch"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert helpers.cache_dir() == tmp_path / "home" / ".cache" / "hands-on-pytorch"


def test_processes_unpacking_at_the_same_time_do_not_collide(data_env, fake, monkeypatch):
    """Parallel graders may all find an empty cache and unpack the same files at once."""
    import shutil
    import threading
    from concurrent.futures import ThreadPoolExecutor

    fake.write(fm.DEBIAN_DIR)
    files = fm._find_files(fm.DEBIAN_DIR)
    together = threading.Barrier(4, timeout=10)
    copy = shutil.copyfileobj

    def copy_in_step(src, dst, length=0):  # every worker is mid-copy at the same moment
        together.wait()
        copy(src, dst, length)

    monkeypatch.setattr(fm.shutil, "copyfileobj", copy_in_step)
    with ThreadPoolExecutor(4) as pool:
        roots = list(pool.map(lambda _: fm._install_into_cache(files, data_env / "cache"),
                              range(4)))
    assert set(roots) == {data_env / "cache"}
    raw = data_env / "cache" / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(fm.FILES)  # no temporary files left
    np_labels = helpers.load_fashion_mnist(download=False).y_train.numpy()
    np.testing.assert_array_equal(np_labels, fake.arrays["train-labels-idx1-ubyte"])
