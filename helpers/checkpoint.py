"""Checkpoints that survive a crash and resume training exactly.

A checkpoint is a plain dictionary of tensors and numbers, written with ``torch.save`` and
read back with ``torch.load(..., weights_only=True)``, which refuses to run code from the
file (a whole pickled model, or any object of a custom class, is refused):

- :func:`save_atomically` writes any object to a temporary file in the target's folder,
  forces it to disk (``flush`` + ``os.fsync``) and only then renames it over the target
  (``os.replace``, atomic): a crash mid-save leaves the previous file intact.
- :func:`save_training_state` saves a model's and an optimizer's ``state_dict``, the number
  of finished epochs, the random number generators' states and any extra entries.
- :func:`load_training_state` restores all of them, so that training for 2 epochs, saving,
  and resuming for 1 more gives bitwise the same model as 3 epochs in one go (on the CPU).
- :func:`rng_states` / :func:`set_rng_states` capture and restore torch's CPU generator,
  every CUDA generator, and Python's ``random``.
"""
from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import torch

from ._readonly import seal

__all__ = ["load_training_state", "rng_states", "save_atomically", "save_training_state",
           "set_rng_states"]


def save_atomically(obj, path) -> Path:
    """``torch.save(obj, path)``, such that ``path`` holds either the old file or the new one.

    The object goes to a temporary file in the same folder (a rename is atomic only within
    one file system), is flushed and fsynced, then renamed over ``path`` with ``os.replace``.
    If anything fails before the rename (an object that cannot be saved, a full disk, an
    interrupt), the temporary file is removed, the error is raised again, and ``path`` is
    untouched. Returns ``path`` as a :class:`~pathlib.Path`.

    Introduced in ``13_checkpointing``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def rng_states() -> dict:
    """The states of torch's CPU generator, of each CUDA generator, and of Python's ``random``.

    A plain dictionary of tensors, lists and numbers, so it loads with ``weights_only=True``.

    Introduced in ``13_checkpointing``.
    """
    version, internal, gauss = random.getstate()
    states = {"torch": torch.get_rng_state(),
              "python": [version, list(internal), gauss]}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict) -> None:
    """Restore what :func:`rng_states` returned (a missing entry is left as it is).

    Introduced in ``13_checkpointing``.
    """
    if "torch" in states:
        torch.set_rng_state(states["torch"].cpu())
    if "python" in states:
        version, internal, gauss = states["python"]
        random.setstate((version, tuple(internal), gauss))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in states["cuda"]])


def save_training_state(path, model, optimizer=None, *, epoch: int = 0, **extra) -> Path:
    """Save everything needed to resume training to ``path``, atomically.

    The file holds ``{"model": model.state_dict(), "optimizer": optimizer.state_dict(),
    "epoch": epoch, "rng": rng_states(), **extra}`` (no ``"optimizer"`` entry without an
    optimizer). ``epoch`` is the number of epochs *finished*: resume with
    ``range(epoch, num_epochs)``. ``extra`` entries must be tensors, numbers, strings, or
    lists and dicts of them (e.g. ``best_acc=0.83``), so that the file loads with
    ``weights_only=True``; a data loader with its own ``torch.Generator`` should save
    ``generator.get_state()`` here too.

    Introduced in ``13_checkpointing``.
    """
    checkpoint = {"model": model.state_dict(), "epoch": int(epoch), "rng": rng_states()}
    if optimizer is not None:
        checkpoint["optimizer"] = optimizer.state_dict()
    clash = set(extra) & {"model", "optimizer", "epoch", "rng"}
    if clash:
        raise ValueError(f"extra entries may not be named {sorted(clash)}")
    checkpoint.update(extra)
    return save_atomically(checkpoint, path)


def load_training_state(path, model=None, optimizer=None, *, restore_rng: bool = True,
                        map_location="cpu") -> dict:
    """Load a checkpoint of :func:`save_training_state` with ``weights_only=True``.

    Restores ``model`` and ``optimizer`` (those given) with ``load_state_dict`` (strict: a
    key or shape that does not match raises), and the random number generators unless
    ``restore_rng=False``. Returns the whole checkpoint dictionary, so
    ``load_training_state(path, net, opt)["epoch"]`` is the number of epochs already done.

    Introduced in ``13_checkpointing``.
    """
    checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    if model is not None:
        model.load_state_dict(checkpoint["model"])
    if optimizer is not None:
        if "optimizer" not in checkpoint:
            raise KeyError(f"{path} holds no optimizer state")
        optimizer.load_state_dict(checkpoint["optimizer"])
    if restore_rng and "rng" in checkpoint:
        set_rng_states(checkpoint["rng"])
    return checkpoint


seal(__name__)
