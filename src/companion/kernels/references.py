"""What the kernels chapter's exercise checks compare answers with: eigenlearning's overfitting factor
and the measured noise slope of the Laplace kernel in several dimensions, the power-law spectrum's E0,
and the test risk against the ridge. Public, so that a test (or a curious student) can call them and
pass their results to the checks (:mod:`companion.kernels.checks`); each is computed once per session.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from .data import draw, target
from .setting import CurveConfig
from .solve import kernel_matrix
from .theory import eigenlearning, eigenlearning_risk, sphere_spectrum, target_power
from .train import risk_curves

__all__ = ["CHECK_SEEDS", "TEMPERED_DIMS", "ESTIMATE_DEGREES", "ESTIMATE_NODES", "tempered_estimates",
           "tempered_measured", "power_law_modes", "power_law_kappa", "power_law_e0", "RIDGE_GRID", "expected_risk",
           "ridge_curve", "ridge_theory"]


CHECK_SEEDS = (900, 901)
"""Seeds of the measured risks (never used by the chapter)."""


TEMPERED_DIMS = (3, 4, 7)
"""Dimensions ``d`` (inputs on ``S^(d-1)``) at which :func:`tempered_constant` measures the Laplace
kernel's ridgeless risk."""


ESTIMATE_DEGREES = {3: 1000, 4: 400, 7: 60}
"""Degrees listed for eigenlearning's estimate at each of :data:`TEMPERED_DIMS` (enough for n = 2,000)."""


ESTIMATE_NODES = {3: 1100, 4: 500, 7: None}
"""Quadrature nodes of :func:`companion.kernels.sphere_spectrum` for those spectra (None: its default
``4 (L + d) + 400``). The default's Gauss-Legendre nodes cost about 30 s at d = 3 (4,416 nodes); with
1,100 and 500 nodes eigenlearning's E0 at n = 2,000 is the same to ten digits (1.4997987104 and
1.3338879300; eigenvalues within a relative 2e-7) at a tenth of the cost. At d = 7 the default is cheap,
and 61 nodes are too few (negative eigenvalues)."""


@functools.lru_cache(maxsize=None)
def tempered_estimates(n: int) -> tuple[float, ...]:
    """Eigenlearning's E0 of the ridgeless Laplace kernel (b = 1) at ``n`` on each sphere of
    :data:`TEMPERED_DIMS` (about 4 s on one CPU core, once per process)."""
    out = []
    for d in TEMPERED_DIMS:
        spec = sphere_spectrum("laplace", 1.0, d, ESTIMATE_DEGREES[d], nodes=ESTIMATE_NODES[d])
        out.append(eigenlearning(spec.eigenvalues, np.zeros(len(spec.eigenvalues)), 0.0, 1.0, n,
                                         spec.multiplicities, spec.tail_trace).e0)
    return tuple(out)


@functools.lru_cache(maxsize=None)
def tempered_measured(n: int, device) -> tuple[float, ...]:
    """The measured noise slope ``risk(sigma^2 = 1) - risk(sigma^2 = 0)`` of the ridgeless Laplace
    kernel at ``n`` on each sphere of :data:`TEMPERED_DIMS` (seeds :data:`CHECK_SEEDS`, five label
    draws; a few seconds, once per process and device)."""
    out = []
    for d in TEMPERED_DIMS:
        cfg = CurveConfig(kind="laplace", bandwidth=1.0, ridge=0.0, dim=d, ns=(n,), noise=(0.0, 1.0),
                                  label_draws=5, n_test=2000)
        risk = risk_curves(cfg, list(CHECK_SEEDS), device=device, progress=False).risk
        out.append(float(risk[:, 1].mean() - risk[:, 0].mean()))
    return tuple(out)


@functools.lru_cache(maxsize=2)
def power_law_modes(alpha: float) -> tuple[np.ndarray, float]:
    """The exercise's spectrum ``i^(-alpha)``, ``i`` up to two million, and the sum of the rest."""
    modes = 2_000_000
    return np.arange(1, modes + 1, dtype=float) ** (-alpha), (modes + 0.5) ** (1 - alpha) / (alpha - 1)


@functools.lru_cache(maxsize=None)
def power_law_kappa(alpha: float, n: int, ridge: float) -> float:
    """kappa from the package's solver (a few seconds, once per process and setting)."""
    lam, tail = power_law_modes(alpha)
    return eigenlearning(lam, np.zeros(len(lam)), ridge, 1.0, n, tail_trace=tail).kappa


def power_law_e0(alpha: float, n: int, ridge: float, kappa: float, ridge_in_e0: bool = True) -> float:
    """``n / ((ridge + tail) / kappa + sum L_i (1 - L_i))`` (the ridge's term dropped if not ``ridge_in_e0``)."""
    lam, tail = power_law_modes(alpha)
    return n / (((ridge if ridge_in_e0 else 0.0) + tail) / kappa + float((lam * kappa / (lam + kappa) ** 2).sum()))


RIDGE_GRID = np.logspace(-6, 1, 141)
"""The ridges at which :func:`best_ridge` evaluates the test risk: 1e-6 to 10, twenty per decade."""


def expected_risk(X, T, ridges, kind: str, bandwidth: float, noise: float = 1.0) -> np.ndarray:
    """Kernel ridge regression's test MSE on noisy labels (``target`` plus noise of variance ``noise``),
    in expectation over the label noise, at each ridge: one eigendecomposition ``K = U diag(w) U^T``,
    then ``noise + mean_t (P_t f - f*_t)^2 + noise * sum_j mean_t (K_t U)_j^2 / (w_j + r)^2``, the
    same predictor as :func:`companion.kernels.ridge_path` (``P = K_t U diag(1 / (w + r)) U^T``)."""
    w, U = torch.linalg.eigh(kernel_matrix(X, X, kind, bandwidth))
    KtU = kernel_matrix(T, X, kind, bandwidth) @ U
    coef, ft = U.T @ target(X), target(T)
    col = (KtU ** 2).mean(dim=0)
    out = []
    for r in ridges:
        d = 1.0 / (w + r)
        out.append(float(((KtU @ (coef * d) - ft) ** 2).mean() + noise * (col * d ** 2).sum()) + noise)
    return np.array(out)


@functools.lru_cache(maxsize=None)
def ridge_curve(n: int, device) -> np.ndarray:
    """The expected test risk of the Gaussian kernel (b = 0.3, S^4, sigma^2 = 1) at ``n`` on
    :data:`RIDGE_GRID`, mean of seeds :data:`CHECK_SEEDS` (2,000 test points each; a few seconds, once
    per process and device)."""
    cfg = CurveConfig(kind="gaussian", bandwidth=0.3, ridge=0.0, ns=(n,), label_draws=1, n_test=2000)
    curves = []
    for seed in CHECK_SEEDS:
        X, T, _ = draw(cfg, seed, device)
        curves.append(expected_risk(X, T, RIDGE_GRID, "gaussian", 0.3))
    return np.mean(curves, axis=0)


@functools.lru_cache(maxsize=None)
def ridge_theory(n: int) -> np.ndarray:
    """Eigenlearning's test risk for the same kernel and target on :data:`RIDGE_GRID`."""
    spec = sphere_spectrum("gaussian", 0.3, 5, 200)
    coef = np.sqrt(target_power(spec))
    return np.array([eigenlearning_risk(spec.eigenvalues, coef, r, 1.0, n, spec.multiplicities,
                                                spec.tail_trace) for r in RIDGE_GRID])
