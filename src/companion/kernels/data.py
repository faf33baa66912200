"""The kernels chapter's data: points on the sphere, the target, one seed's draw for the risk curves,
and the univariate pure-noise data of the ReLU section. Every draw uses a CPU generator, so a seed
gives the same data on every device."""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import validate
from ..device import resolve_device
from .setting import CurveConfig

__all__ = ["sphere", "target", "draw", "relu_data", "growing_dimension"]

def sphere(n: int, dim: int, seed: int, device: str | torch.device | None = None) -> torch.Tensor:
    """Points uniform on the unit sphere ``S^(dim-1)`` (normalized Gaussians), float64.

    The draw uses a CPU generator, so the points are the same on every device.

    Parameters
    ----------
    n : int
        Number of points (>= 1).
    dim : int
        Ambient dimension (>= 2).
    seed : int
    device : str, torch.device or None

    Returns
    -------
    Tensor, shape (n, dim)
    """
    n = validate.integer("n", n, 1)
    dim = validate.integer("dim", dim, 2)
    validate.integer("seed", seed, 0)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dim, generator=g, dtype=torch.float64)
    return (x / x.norm(dim=1, keepdim=True)).to(resolve_device(device))


def target(x: torch.Tensor) -> torch.Tensor:
    """The chapter's target ``f*(x) = sqrt(dim) x_1``: a degree-1 harmonic of unit mean square on the
    sphere.

    Parameters
    ----------
    x : Tensor, shape (n, dim)

    Returns
    -------
    Tensor, shape (n,)
    """
    return math.sqrt(x.shape[1]) * x[:, 0]


def draw(cfg: CurveConfig, seed: int, device: str | torch.device | None = None):
    """One seed's data for :func:`risk_curves`: ``max(ns)`` training and ``n_test`` test points on the
    sphere and the standard normal label noise of every draw.

    Parameters
    ----------
    cfg : CurveConfig
    seed : int
    device : str, torch.device or None

    Returns
    -------
    X : Tensor, shape (max(ns), dim)
    T : Tensor, shape (n_test, dim)
    eps : Tensor, shape (max(ns), label_draws)
        Labels are ``target(X) + sqrt(sigma^2) * eps[:, r]``.
    """
    dev = resolve_device(device)
    N = max(cfg.ns)
    X = sphere(N + cfg.n_test, cfg.dim, seed, dev)
    g = torch.Generator().manual_seed(10_000_019 + seed)
    return X[:N], X[N:], torch.randn(N, cfg.label_draws, generator=g, dtype=torch.float64).to(dev)


def relu_data(n: int, seed: int, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform on [0, 1] (sorted) with pure-noise labels ``N(0, noise)``.

    Parameters
    ----------
    n : int
        >= 2.
    seed : int
    noise : float
        ``sigma^2 > 0``.

    Returns
    -------
    x, y : ndarrays, shape (n,)
    """
    n = validate.integer("n", n, 2)
    validate.integer("seed", seed, 0)
    noise = validate.positive("noise", noise)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    return x, math.sqrt(noise) * rng.standard_normal(n)


def growing_dimension(n: int, exponent: float) -> int:
    """The chapter's growing dimension ``d(n) = ceil(n ** exponent)`` (at least 3).

    Parameters
    ----------
    n : int
    exponent : float
        In (0, 1].

    Returns
    -------
    int
    """
    n = validate.integer("n", n, 1)
    exponent = validate.fraction("exponent", exponent, 0.0, 1.0)
    return max(3, math.ceil(n ** exponent - 1e-9))
