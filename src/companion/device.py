"""The one place that picks the device and the floating-point type.

Every experiment in the book takes a ``device`` argument. ``None`` means "the best device here":
CUDA when PyTorch sees a GPU, the CPU otherwise. Nothing in the book needs a GPU.
"""
from __future__ import annotations

import torch

DEFAULT_DTYPE = torch.float32
"""Training runs in float32 unless a chapter needs float64 (kernel solves do)."""


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """Turn a user's ``device`` argument into a :class:`torch.device` that exists here.

    Parameters
    ----------
    device : str, torch.device or None
        ``None`` picks CUDA when available and the CPU otherwise; ``"cpu"``, ``"cuda"`` and
        ``"cuda:K"`` name a device explicitly.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If ``device`` is not one of the allowed forms, or names a CUDA device that this machine
        does not have.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, (str, torch.device)):
        raise ValueError(f"device must be None, 'cpu', 'cuda' or 'cuda:K'; got {device!r}")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as error:
        raise ValueError(f"device must be None, 'cpu', 'cuda' or 'cuda:K'; got {device!r}") from error
    if dev.type == "cpu":
        return dev
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = 0 if dev.index is None else dev.index
        if index >= count:
            raise ValueError(f"device={device!r} was requested but this machine has {count} CUDA "
                             "device(s); use device=None or 'cpu'")
        return dev
    raise ValueError(f"device must be None, 'cpu', 'cuda' or 'cuda:K'; got {device!r}")


def describe(device: str | torch.device | None = None) -> str:
    """A one-line description of the device a run will use, for the notebooks' setup cell.

    Parameters
    ----------
    device : str, torch.device or None
        As for :func:`resolve_device`.

    Returns
    -------
    str
        For example ``"cpu (2 threads), torch 2.13.0"`` or ``"cuda:0 (NVIDIA H100), torch ..."``.
    """
    dev = resolve_device(device)
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
        return f"{dev} ({name}), torch {torch.__version__}"
    threads = torch.get_num_threads()
    return f"cpu ({threads} thread{'' if threads == 1 else 's'}), torch {torch.__version__}"


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work on ``device`` (a no-op on the CPU); used by benchmarks for timing.

    Parameters
    ----------
    device : torch.device
    """
    if device.type == "cuda":
        torch.cuda.synchronize(device)
