"""Exercise checks of the privacy chapter (see :mod:`companion.checks` for the convention).

Each check runs the experiment it judges on seeds the chapter never uses.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from .. import privacy
from . import Feedback, evaluate_formula, is_number

__all__ = ["CHECK_SEEDS", "stationary_multipliers", "noise_defence", "membership_dimension"]

CHECK_SEEDS = tuple(range(500, 520))
"""The seeds the checks use (fixed, never used by the chapter)."""


def stationary_multipliers(formula: Callable | None, weight_decay: float = 1e-3) -> Feedback:
    """Check a formula for the multiplier ``mu_i`` of training point ``i`` at a stationary point of the
    mean logistic loss plus ``(weight_decay / 2) ||theta||^2``.

    The formula, ``formula(margin, n, weight_decay)`` with ``margin = y_i f(x_i)``, is compared with
    the multipliers that non-negative least squares fits to ``theta`` on a network trained to a
    stationary point (8x8 digits, n = 10, seed 500).

    Parameters
    ----------
    formula : callable or None
    weight_decay : float

    Returns
    -------
    Feedback
    """
    data = privacy.digits(10, CHECK_SEEDS[0], side=8, held_out=0)
    model = privacy.smooth_network(64, widths=(60, 60), seed=CHECK_SEEDS[0])
    privacy.train_stationary(model, data.X, data.y, weight_decay=weight_decay, gd_steps=200, lbfgs_iterations=500)
    with torch.no_grad():
        margins = (model(data.X)[:, 0] * data.y).numpy()
    n = len(margins)
    values, problem = evaluate_formula(formula, [(float(m), n, weight_decay) for m in margins],
                                       "margin, n, weight_decay", 0.0)
    if problem:
        return problem
    fitted = privacy.kkt_residual(model, data.X, data.y).multipliers
    yours = np.asarray(values)
    table = ", ".join(f"{a:.3g} (fitted {b:.3g})" for a, b in list(zip(yours, fitted))[:4])
    ratio = yours / fitted
    if np.allclose(ratio, 1.0, rtol=1e-2):
        return Feedback(True, f"your multipliers match the fitted ones ({table}, ...). Setting the gradient of the "
                              "regularized loss to zero gives θ = Σᵢ σ(−yᵢfᵢ)/(n·wd) · yᵢ ∇f(xᵢ): points with a "
                              "small margin carry large multipliers.")
    if np.ptp(np.log(ratio)) < 0.05:
        return Feedback(False, f"right shape, off by a constant factor of about {np.median(ratio):.3g} ({table}, ...): "
                               "where do the 1/n of the mean loss and the weight decay go?")
    if np.corrcoef(yours, fitted)[0, 1] < 0:
        return Feedback(False, f"your multipliers grow where the fitted ones shrink ({table}, ...): the loss derivative "
                               "of log(1 + exp(−m)) is −σ(−m), largest for small margins.")
    return Feedback(False, f"not the fitted multipliers ({table}, ...). Differentiate the mean logistic loss plus "
                           "(wd/2)‖θ‖² with respect to θ and set the gradient to zero.")


def noise_defence(predicted, found, tolerance: float = 2.0) -> Feedback:
    """Check the smallest output-noise level (relative to ``||theta||``) that stops the reconstruction:
    at most 2 of 20 training digits recovered (8x8, n = 20, seed 501).

    The level is found by bisection on a logarithmic scale between 0.005 and 0.5 (five rounds); the
    answer must lie within a factor ``tolerance`` of it. The prediction is required but not graded.

    Parameters
    ----------
    predicted, found : float or None
    tolerance : float

    Returns
    -------
    Feedback
    """
    if predicted is None:
        return Feedback(False, "first write down your prediction, then search.")
    if found is None:
        return Feedback(False, "find the level by experiment and write it in `found`.")
    for name, value in (("predicted", predicted), ("found", found)):
        if not is_number(value) or value <= 0:
            return Feedback(False, f"{name} must be a positive number (a fraction of ‖θ‖); got {value!r}.")

    def stopped(level):
        trial = privacy.reconstruction_trial(n=20, seed=CHECK_SEEDS[1], side=8, perturb=level, control=False)
        return trial.recovered <= 2, trial.residual

    low, high = 0.005, 0.5
    for _ in range(5):
        mid = float(np.sqrt(low * high))
        low, high = (low, mid) if stopped(mid)[0] else (mid, high)
    level = float(np.sqrt(low * high))
    note = (f" Measured: about {level:.3g} of ‖θ‖ (between {low:.3g} and {high:.3g}); your prediction {predicted:.3g}, "
            f"your answer {found:.3g}.")
    if 1 / tolerance <= found / level <= tolerance:
        return Feedback(True, "within a factor of two." + note + " The noise moves θ off the stationarity equation "
                              "by about the same fraction, and the attack needs that equation to hold far more "
                              "precisely than the accuracy does.")
    return Feedback(False, ("too small: the attack still recovers digits there." if found < level else
                            "larger than needed: a smaller noise already stops the attack.") + note)


def membership_dimension(predicted) -> Feedback:
    """Check a prediction of the smallest input dimension, among 10, 30, 100, 300 and 1,000, at which
    the margin score ``|f(x)|`` reaches an AUC of at least 0.99 on every one of three seeds (n = 50; 0.99
    rather than 0.95 keeps the answer away from a dimension where the AUC sits at the threshold).

    Parameters
    ----------
    predicted : int or None

    Returns
    -------
    Feedback
    """
    grid = (10, 30, 100, 300, 1000)
    if predicted is None:
        return Feedback(False, f"write the dimension you predict, one of {grid}, and run the cell.")
    if predicted not in grid:
        return Feedback(False, f"predicted must be one of {grid}; got {predicted!r}.")
    result = privacy.membership_over_dimension(grid, n=50, seeds=CHECK_SEEDS[2:5], widths=(200,), steps=2000)
    worst = result.auc_margin.min(axis=1)
    reached = [d for d, a in zip(grid, worst) if a >= 0.99]
    first = reached[0] if reached else None
    table = ", ".join(f"d={d}: {a:.3f}" for d, a in zip(grid, worst))
    if predicted == first:
        return Feedback(True, f"right ({table}, worst of three seeds). In low dimension fresh points fall near "
                              "training points and share their large outputs; once d is large compared with n, "
                              "fresh points are nearly orthogonal to every training point and the network's output "
                              "on them is small.")
    return Feedback(False, f"the smallest such dimension is {first} ({table}, worst of three seeds). Compare n with "
                           "d: when are 50 random points in d dimensions nearly orthogonal to a fresh one?")
