"""The networks the privacy chapter trains and attacks, and what every attack needs of a model: its
logits, its attacked parameters, and inputs and labels checked against it.

Every network is initialized from its own :class:`torch.Generator` (PyTorch's default initialization,
drawn from it), so building one never touches the global random state. Every function that attacks a
model accepts any ``torch.nn.Module`` mapping ``(N, input_dim)`` inputs to ``(N,)`` or ``(N, 1)``
logits; the attacked parameters are those with ``requires_grad`` set, unless a ``params`` argument
names others.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from .. import validate
from ..device import resolve_device

__all__ = ["smooth_network", "homogeneous_network", "published_network", "logits", "attacked_parameters",
           "checked_module", "checked_inputs", "checked_labels", "flat", "input_width"]


def _linear(fan_in: int, fan_out: int, bias: bool, generator: torch.Generator) -> torch.nn.Linear:
    """``torch.nn.Linear(fan_in, fan_out, bias)`` with PyTorch's default initialization drawn from
    ``generator`` (float32, as PyTorch draws it): the same numbers as ``torch.manual_seed(seed)`` followed
    by ``torch.nn.Linear``, without touching the global random state."""
    layer = torch.nn.Linear(fan_in, fan_out, bias=bias, device="meta").to_empty(device="cpu")
    with torch.no_grad():
        torch.nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
        if bias:
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            torch.nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return layer


def smooth_network(input_dim: int, widths: Sequence[int] = (200, 200), beta: float = 10.0, seed: int = 0,
                   train_first_only: bool = True, activation: str = "softplus", device=None) -> torch.nn.Sequential:
    """A softplus MLP with a bias in its first layer only, float64, PyTorch's default initialization
    (``activation="relu"`` gives the same network with ReLU units, for the chapter's failure case).

    Parameters
    ----------
    input_dim : int
    widths : sequence of int
        Hidden widths.
    beta : float
        Softplus sharpness (``softplus(beta z) / beta``; large beta approaches the ReLU).
    seed : int
        Seeds the network's own generator (the global random state is not touched).
    train_first_only : bool
        Freeze every layer but the first (the setting in which reconstruction verifiably works).
    activation : {"softplus", "relu"}
    device : str, torch.device or None

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, input_dim)`` to ``(N, 1)``.
    """
    input_dim = validate.integer("input_dim", input_dim, 1)
    widths = [validate.integer("widths", w, 1) for w in widths]
    if not widths:
        raise ValueError("widths must name at least one hidden layer")
    validate.positive("beta", beta)
    validate.choice("activation", activation, ("softplus", "relu"))
    generator = torch.Generator().manual_seed(validate.integer("seed", seed, 0))
    layers, fan_in = [], input_dim
    for k, w in enumerate(widths):
        unit = torch.nn.Softplus(beta=beta) if activation == "softplus" else torch.nn.ReLU()
        layers += [_linear(fan_in, w, k == 0, generator), unit]
        fan_in = w
    layers.append(_linear(fan_in, 1, False, generator))
    model = torch.nn.Sequential(*layers).to(dtype=torch.float64, device=resolve_device(device))
    if train_first_only:
        for p in list(model.parameters())[2:]:
            p.requires_grad_(False)
    return model


def homogeneous_network(input_dim: int, widths: Sequence[int] = (1000,), seed: int = 0, init_scale: float = 1.0,
                        device=None) -> torch.nn.Sequential:
    """A bias-free ReLU MLP: ``f(c theta; x) = c^L f(theta; x)`` with ``L = len(widths) + 1``.

    Parameters
    ----------
    input_dim : int
    widths : sequence of int
    seed : int
    init_scale : float
        Every weight is PyTorch's default initialization times this (a small scale starts training
        in the rich regime).
    device : str, torch.device or None

    Returns
    -------
    torch.nn.Sequential
        float64, ``(N, input_dim) -> (N, 1)``.
    """
    input_dim = validate.integer("input_dim", input_dim, 1)
    widths = [validate.integer("widths", w, 1) for w in widths]
    validate.positive("init_scale", init_scale)
    if not widths:
        raise ValueError("widths must name at least one hidden layer")
    generator = torch.Generator().manual_seed(validate.integer("seed", seed, 0))
    layers, fan_in = [], input_dim
    for w in widths:
        layers += [_linear(fan_in, w, False, generator), torch.nn.ReLU()]
        fan_in = w
    layers.append(_linear(fan_in, 1, False, generator))
    model = torch.nn.Sequential(*layers).to(dtype=torch.float64, device=resolve_device(device))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(init_scale)
    return model


def published_network(input_dim: int, widths: Sequence[int] = (200, 200), first_scale: float = 1e-4, seed: int = 0,
                      device=None) -> torch.nn.Sequential:
    """The shape of the published reconstructions (Haim et al. 2022), scaled down: a ReLU MLP with a
    bias in the first layer only, the first layer initialized at PyTorch's default times
    ``first_scale`` and the others at the default, every layer trained.

    Parameters
    ----------
    input_dim : int
    widths : sequence of int
        The published models have (1000, 1000).
    first_scale : float
    seed : int
    device : str, torch.device or None

    Returns
    -------
    torch.nn.Sequential
    """
    model = smooth_network(input_dim, widths, seed=seed, train_first_only=False, activation="relu", device=device)
    validate.positive("first_scale", first_scale)
    with torch.no_grad():
        for p in model[0].parameters():
            p.mul_(first_scale)
    return model


def checked_module(model) -> torch.nn.Module:
    """``model`` if it is a ``torch.nn.Module``; a clear error otherwise."""
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module mapping (N, input_dim) to (N,) or (N, 1); "
                         f"got {type(model).__name__}")
    return model


def attacked_parameters(model, params) -> list[torch.Tensor]:
    """The parameters an attack or a KKT fit works on: ``params`` if given, else the model's parameters
    with ``requires_grad`` set.

    Returns
    -------
    list of torch.Tensor
    """
    chosen = [p for p in model.parameters() if p.requires_grad] if params is None else list(params)
    if not chosen:
        raise ValueError("params must name at least one tensor (the model has no parameter with requires_grad set)")
    for p in chosen:
        if not isinstance(p, torch.Tensor) or not p.is_floating_point():
            raise ValueError(f"params must be floating-point tensors; got {type(p).__name__}")
    return chosen


def logits(model, X: torch.Tensor) -> torch.Tensor:
    """The model's outputs on ``X`` as a vector, shape (N,)."""
    out = model(X)
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.ndim != 1 or out.shape[0] != X.shape[0]:
        raise ValueError(f"model must map (N, input_dim) inputs to (N,) or (N, 1) logits; got output shape "
                         f"{tuple(model(X).shape)} for input shape {tuple(X.shape)}")
    return out


def input_width(model) -> int | None:
    """The number of inputs the model's first ``torch.nn.Linear`` takes (None without one)."""
    first = next((m for m in model.modules() if isinstance(m, torch.nn.Linear)), None)
    return None if first is None else first.in_features


def checked_inputs(name: str, X, model) -> torch.Tensor:
    """``X`` as a tensor of the model's dtype and device, after checking its shape (``(N, input_dim)``,
    with the model's input width) and that it is finite.

    Returns
    -------
    torch.Tensor, shape (N, input_dim)
    """
    ref = next(iter(model.parameters()), None)
    X = torch.as_tensor(X, dtype=ref.dtype if ref is not None else torch.float64,
                        device=ref.device if ref is not None else None)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, input_dim) with N >= 1; got {tuple(X.shape)}")
    width = input_width(model)
    if width is not None and X.shape[1] != width:
        raise ValueError(f"{name} must have the model's input width {width} (shape (N, {width})); got shape "
                         f"{tuple(X.shape)}")
    if not torch.isfinite(X).all():
        raise ValueError(f"{name} must be finite; it holds NaN or infinite entries")
    return X


def checked_labels(name: str, y, X: torch.Tensor) -> torch.Tensor:
    """Labels in {-1, +1}, one per row of ``X``, as a tensor like ``X`` (the error names the wrong values)."""
    return torch.as_tensor(validate.labels(name, y, X.shape[0]), dtype=X.dtype, device=X.device)


def flat(tensors) -> torch.Tensor:
    """The tensors concatenated into one vector."""
    return torch.cat([t.reshape(-1) for t in tensors])
