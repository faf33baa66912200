"""What the privacy chapter's exercise checks compare answers with: a network trained to a stationary
point and its fitted multipliers, reconstruction trials under parameter noise, membership inference
across dimensions, and the attacked network trained again (the plain reference for the multipliers a
trial keeps). On seeds the chapter never uses, or on the very call an exercise names. Public, so that
a test (or a curious student) can call them and pass their results to the checks
(:mod:`companion.checks`); each is computed once per session.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from .attacks import membership_over_dimension
from .data import digits
from .networks import smooth_network
from .reconstruction import reconstruction_trial
from .theory import kkt_residual
from .train import train_stationary

__all__ = ["CHECK_SEEDS", "MULTIPLIER_N", "stationary_fit", "noise_trial", "MEMBERSHIP_DIMS", "membership_worst",
           "refit"]


CHECK_SEEDS = tuple(range(500, 520))
"""The seeds the checks use (fixed, never used by the chapter)."""


MULTIPLIER_N = 40
"""Training images of :func:`stationary_multipliers`' network: with 40 images (weight decay 1e-3)
the margins spread from 0.30 to 2.62 (seed 500), so the loss ``log(1 + e^-m)`` and its derivative
``sigma(-m)`` differ in shape, not only in scale (their ratio ranges over a factor 1.26); with the 10
images used before they lay between 1.75 and 2.40 and the ratio varied by 4% only."""


@functools.lru_cache(maxsize=None)
def stationary_fit(n: int, weight_decay: float) -> tuple[np.ndarray, np.ndarray]:
    """Margins ``y_i f(x_i)`` and the NNLS-fitted multipliers of a network trained to a stationary point
    (8x8 digits, ``n`` images, seed 500; about 3 s on one CPU core, once per process)."""
    data = digits(n, CHECK_SEEDS[0], side=8, held_out=0, device="cpu")
    model = smooth_network(64, widths=(60, 60), seed=CHECK_SEEDS[0], device="cpu")
    train_stationary(model, data.X, data.y, weight_decay=weight_decay, gd_steps=200, lbfgs_iterations=500)
    with torch.no_grad():
        margins = (model(data.X)[:, 0] * data.y).numpy()
    return margins, kkt_residual(model, data.X, data.y).multipliers


@functools.lru_cache(maxsize=None)
def noise_trial(level: float, seed: int, device) -> tuple[int, float]:
    """Images recovered and stationarity residual of the exercise's attack with output noise ``level``
    (8x8, n = 20, no untrained control; 10 s to a minute on a CPU, once per process and level)."""
    trial = reconstruction_trial(n=20, seed=seed, side=8, control=False, perturb=level, device=device)
    return trial.recovered, trial.residual


MEMBERSHIP_DIMS = (10, 30, 100, 300, 1000)
"""The dimensions :func:`membership_dimension` offers."""


@functools.lru_cache(maxsize=None)
def membership_worst(dim: int) -> float:
    """The worst margin-score AUC over seeds 502-504 at input dimension ``dim`` (n = 50, CPU; 2 to 10 s
    per dimension, once per process)."""
    result = membership_over_dimension((dim,), n=50, seeds=CHECK_SEEDS[2:5], widths=(200,), steps=2000,
                                               device="cpu")
    return float(result.auc_margin.min())


@functools.lru_cache(maxsize=None)
def refit(n: int, seed: int, side: int, device) -> tuple[torch.Tensor, np.ndarray, float]:
    """The training images, multipliers and stationarity residual of the network that
    ``reconstruction_trial(n, seed, side)`` attacks, trained again (the same defaults; a few
    seconds on a CPU, once per process)."""
    data = digits(n, seed, side=side, held_out=n, device=device)
    model = smooth_network(data.X.shape[1], seed=seed, device=device)
    fit = train_stationary(model, data.X, data.y, gd_steps=300, lbfgs_iterations=1000)
    return data.X.detach().cpu(), fit.multipliers.detach().cpu().numpy(), fit.residual
