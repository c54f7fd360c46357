"""Pick where tensors live: a GPU when there is one, else the CPU."""
from __future__ import annotations

import torch


def pick_device(*, verbose: bool = True) -> torch.device:
    """Return ``cuda`` if a CUDA GPU is visible, else ``mps`` on Apple silicon, else ``cpu``.

    With ``verbose``, print which one and why, e.g. ``Using cuda:0 (NVIDIA H100)``.

    Introduced in ``14_gpu``.
    """
    if torch.cuda.is_available():
        device = torch.device("cuda", 0)
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    if verbose:
        print(f"Using {describe_device(device)}")
    return device


def describe_device(device) -> str:
    """A short human description: ``cuda:0 (NVIDIA H100)``, ``cpu (no GPU found, 2 threads)``.

    Introduced in ``14_gpu``.
    """
    device = torch.device(device)
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    why = "no GPU found" if not torch.cuda.is_available() else "GPU not requested"
    threads = torch.get_num_threads()
    return f"{device.type} ({why}, {threads} thread{'s' if threads != 1 else ''})"
