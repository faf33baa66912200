"""Exercise checks of the kernels chapter (see :mod:`companion.checks` for the convention).

Each check computes what it judges (a measured risk, a closed form, the package's eigenlearning
solver) and says what is off, never only "incorrect".
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .. import kernels
from . import Feedback, evaluate_formula, is_number

__all__ = ["CHECK_SEEDS", "TEMPERED_DIMS", "ESTIMATE_DEGREES", "tempered_constant", "eigenlearning_e0", "spline_l2"]

CHECK_SEEDS = (900, 901)
"""Seeds of the measured risks (never used by the chapter)."""

TEMPERED_DIMS = (3, 4, 7)
"""Dimensions ``d`` (inputs on ``S^(d-1)``) at which :func:`tempered_constant` measures the Laplace
kernel's ridgeless risk."""


ESTIMATE_DEGREES = {3: 1000, 4: 400, 7: 60}
"""Degrees listed for eigenlearning's estimate at each of :data:`TEMPERED_DIMS` (enough for n = 2,000)."""


def tempered_constant(formula: Callable | None, n: int = 2000, device=None, tolerance: float = 0.03) -> Feedback:
    """Check a formula for the ridgeless Laplace kernel's overfitting factor E0 as n grows, as a
    function of ``d`` (inputs on ``S^(d-1)``).

    The formula is judged against eigenlearning's E0 on the Laplace kernel's actual spectrum on each
    sphere of :data:`TEMPERED_DIMS` at ``n`` (1.4998, 1.3339 and 1.1774 at n = 2,000), within
    ``tolerance``: close enough to tell ``d/(d-1)`` from the off-by-one ``(d+1)/d`` at d = 3 and 4.
    The measured noise slope ``risk(sigma^2 = 1) - risk(sigma^2 = 0)`` (two seeds, five label draws)
    is reported beside it; it sits a few percent below the estimate (1.43 at d = 3 on 2026-11-23):
    uniform points on a low-dimensional sphere are not the Gaussian features eigenlearning assumes.

    Parameters
    ----------
    formula : callable or None
        ``formula(d) -> float``.
    n : int
    device : str, torch.device or None
    tolerance : float

    Returns
    -------
    Feedback
    """
    values, problem = evaluate_formula(formula, [(d,) for d in TEMPERED_DIMS], "d", 0.0, 100.0)
    if problem:
        return problem
    estimate, measured = [], []
    for d in TEMPERED_DIMS:
        spec = kernels.sphere_spectrum("laplace", 1.0, d, ESTIMATE_DEGREES[d])
        estimate.append(kernels.eigenlearning(spec.eigenvalues, np.zeros(len(spec.eigenvalues)), 0.0, 1.0, n,
                                              spec.multiplicities, spec.tail_trace).e0)
        cfg = kernels.CurveConfig(kind="laplace", bandwidth=1.0, ridge=0.0, dim=d, ns=(n,), noise=(0.0, 1.0),
                                  label_draws=5, n_test=2000)
        risk = kernels.risk_curves(cfg, list(CHECK_SEEDS), device=device, progress=False).risk
        measured.append(float(risk[:, 1].mean() - risk[:, 0].mean()))
    rows = "; ".join(f"d={d}: yours {v:.3f}, eigenlearning {e:.3f}, measured {m:.3f}"
                     for d, v, e, m in zip(TEMPERED_DIMS, values, estimate, measured))
    if all(abs(v - e) <= tolerance for v, e in zip(values, estimate)):
        return Feedback(True, f"{rows}. The Laplace kernel's eigenvalues decay as l^(-d) per degree, i.e. as "
                              "i^(-d/(d-1)) in the index i, and E0 tends to the exponent.")
    if all(abs(v - 1.0) < 0.02 for v in values):
        return Feedback(False, f"{rows}. A factor of 1 would mean the noise costs nothing (benign); the factor is "
                               "larger. Look at how fast the eigenvalues decay.")
    if all(abs(v - (d + 1) / d) < 0.02 for v, d in zip(values, TEMPERED_DIMS)):
        return Feedback(False, f"{rows}. Off by one in the dimension: the inputs lie on S^(d-1), whose degree-l "
                               "harmonics number about l^(d-2).")
    if all(abs(v - d / (d - 1) ** 2) < 0.02 or abs(v - (d - 1) / d) < 0.02 for v, d in zip(values, TEMPERED_DIMS)):
        return Feedback(False, f"{rows}. Close: check which exponent E0 tends to. Count the eigenvalues up to "
                               "degree l: about l^(d-1) of them.")
    return Feedback(False, f"{rows}. Hint: E0 -> alpha for a power law lambda_i = i^(-alpha); what is alpha on "
                           "S^(d-1)?")


def eigenlearning_e0(answer, alpha: float = 2.0, n: int = 1000, ridge: float = 1e-3) -> Feedback:
    """Check a value of ``E0`` for the power law ``lambda_i = i^(-alpha)`` with ridge ``ridge`` at ``n``.

    With the default ridge E0 is 1.617, far enough from its ridgeless limit ``alpha`` that the limit
    alone does not pass (within 1%).

    Parameters
    ----------
    answer : float or None
    alpha : float
    n : int
    ridge : float

    Returns
    -------
    Feedback
    """
    if answer is None:
        return Feedback(False, "solve for kappa and compute E0, then set `answer` and run the cell.")
    if not is_number(answer):
        return Feedback(False, f"answer must be a number; got {answer!r}")
    modes = 2_000_000
    lam = np.arange(1, modes + 1, dtype=float) ** (-alpha)
    tail = (modes + 0.5) ** (1 - alpha) / (alpha - 1)          # sum of i^(-alpha) beyond the listed modes
    e0 = kernels.eigenlearning(lam, np.zeros(modes), ridge, 1.0, n, tail_trace=tail).e0
    if abs(answer - e0) <= 0.01 * e0:
        return Feedback(True, f"E0 = {e0:.4f} (the package's solver). Without the ridge it would be close to "
                              f"alpha = {alpha:g} (ridgeless risk about {alpha:g} sigma^2, tempered); the ridge "
                              "lowers it.")
    if abs(answer - alpha) <= 0.02 * alpha:
        return Feedback(False, f"{answer:.4f} is about alpha, the ridgeless limit; with ridge {ridge:g} the solver "
                               f"gives {e0:.4f}. Include the ridge in the equation for kappa and in n - sum L_i^2.")
    if abs(answer - 1.0) < 0.05:
        return Feedback(False, f"E0 = 1 means no overfitting cost at all; the solver gives {e0:.4f}. Did you set "
                               "kappa to the ridge? Solve sum L_i + ridge / kappa = n for kappa.")
    if abs(answer - n / (n - 1)) < 1e-3:
        return Feedback(False, "that is n/(n-1): sum L_i^2 is not 1. Compute the learnabilities at the kappa that "
                               "solves sum L_i = n.")
    return Feedback(False, f"the solver gives {e0:.4f}; yours is {answer:.4f}. Check the cancellation: compute "
                           "n - sum L_i^2 as ridge / kappa + sum L_i (1 - L_i).")


def spline_l2(answer, noise: float = 1.0) -> Feedback:
    """Check the expected L2 error of the linear spline through pure noise, away from the ends.

    Between two data points the spline is ``(1 - t) e_1 + t e_2`` with independent noise ``e``, so
    its mean square, averaged over ``t`` in [0, 1], is ``sigma^2 int (1-t)^2 + t^2 dt = 2 sigma^2 / 3``.

    Parameters
    ----------
    answer : float or None
        The expected ``int f^2`` per unit length, for ``sigma^2 = noise``.
    noise : float

    Returns
    -------
    Feedback
    """
    if answer is None:
        return Feedback(False, "set `answer` to a number and run the cell.")
    if not is_number(answer):
        return Feedback(False, f"answer must be a number; got {answer!r}")
    right = 2 * noise / 3
    if math.isclose(answer, right, rel_tol=0.01):
        return Feedback(True, f"2σ²/3 = {right:.4f}: bounded for every n, so the linear spline is tempered in L2 "
                              "too. The min-norm network is not: its spikes, not its values at the data, blow up.")
    if math.isclose(answer, noise, rel_tol=0.01):
        return Feedback(False, "σ² is the value at the data points; between them the spline averages two "
                               "independent noises, which shrinks the variance.")
    if math.isclose(answer, noise / 2, rel_tol=0.01) or math.isclose(answer, noise / 3, rel_tol=0.01):
        return Feedback(False, "integrate (1 - t)^2 + t^2 over t in [0, 1]: it is not 1/2 or 1/3.")
    return Feedback(False, f"compute E[((1 - t) e_1 + t e_2)^2] and average over t; yours is {answer:.4f}.")
