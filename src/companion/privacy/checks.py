"""Exercise checks of the privacy chapter (see :mod:`companion.checks` for the convention; the notebooks
import them as ``companion.checks.privacy``).

Each check runs the experiment it judges, on seeds the chapter never uses or on the very call the
exercise names. A wrong answer is told what is wrong and what the check measured at the answer
itself, never the value it should have been. The experiments (:mod:`companion.privacy.references`) are
cached per process: rerunning a cell with the same answer is quick.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ..checks import Feedback, evaluate_formula, factor_phrase, number
from .data import digits
from .reconstruction import Trial
from .references import (CHECK_SEEDS, MEMBERSHIP_DIMS, MULTIPLIER_N, membership_worst, noise_trial,
                         stationary_fit)

__all__ = ["CHECK_SEEDS", "MULTIPLIER_N", "stationary_multipliers", "noise_defence", "membership_dimension",
           "exposure"]


def _same_shape(a: np.ndarray, b: np.ndarray, spread: float = 0.02) -> bool:
    """Whether ``a / b`` is one positive constant to within ``spread`` in the logarithm."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log(a / b)
    return bool(np.isfinite(ratio).all() and np.ptp(ratio) < spread)


def stationary_multipliers(formula: Callable | None, weight_decay: float = 1e-3, measured=None) -> Feedback:
    """Check a formula for the multiplier ``mu_i`` of training point ``i`` at a stationary point of the
    mean logistic loss plus ``(weight_decay / 2) ||theta||^2``.

    The formula, ``formula(margin, n, weight_decay)`` with ``margin = y_i f(x_i)``, is compared with
    the multipliers that non-negative least squares fits to ``theta`` on a network trained to a
    stationary point (8x8 digits, n = :data:`MULTIPLIER_N`, seed 500), and accepted within 1% at every
    point: the right formula matches them to 2e-7 (the stationarity residual is 5e-8). The shape
    diagnoses compare logarithms of ratios to within 0.02: the right shape spreads by 2e-7, the loss
    ``log(1 + e^-m)`` in place of its derivative by 0.23, ``e^-m`` by 0.48. How a formula scales with
    ``n`` and ``weight_decay`` is read off the formula itself, at doubled values (within 0.5% of the
    halving the right formula gives exactly). ``None`` and formulas that fail are answered before the
    network is trained.

    Parameters
    ----------
    formula : callable or None
    weight_decay : float
    measured : (ndarray, ndarray), optional
        The trained network's margins and fitted multipliers, if already computed (default:
        :func:`companion.privacy.references.stationary_fit`).

    Returns
    -------
    Feedback
    """
    n = MULTIPLIER_N
    signature = "margin, n, weight_decay"
    _, problem = evaluate_formula(formula, [(0.5, n, weight_decay), (2.0, n, weight_decay)], signature, 0.0)
    if problem:                                      # before any training
        return problem
    margins, fitted = stationary_fit(n, float(weight_decay)) if measured is None else measured
    values, problem = evaluate_formula(formula, [(float(m), n, weight_decay) for m in margins], signature, 0.0)
    if problem:
        return problem
    yours = np.asarray(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = yours / fitted
    where = f"{n} training points (margins {margins.min():.2f} to {margins.max():.2f}, weight decay {weight_decay:g})"
    if np.all(np.abs(ratio - 1.0) <= 1e-2):
        order = np.argsort(margins)[[0, n // 2, -1]]
        table = ", ".join(f"margin {margins[i]:.2f}: yours {yours[i]:.4g}, fitted {fitted[i]:.4g}" for i in order)
        return Feedback(True, f"your multipliers match the fitted ones within 1% on {where}: {table}. Setting the "
                              "gradient of the regularized loss to zero gives θ = Σᵢ σ(−yᵢfᵢ)/(n·wd) · yᵢ ∇f(xᵢ): "
                              "points with a small margin carry large multipliers.")
    if np.ptp(yours) == 0:
        return Feedback(False, f"your formula gives the same multiplier at every margin; the fitted ones vary over "
                               f"{where}. The multiplier comes from the loss derivative at the margin.")
    spread = f"yours / fitted ranges from {np.nanmin(ratio):.3g} to {np.nanmax(ratio):.3g} over {where}"
    if _same_shape(yours, fitted):
        probe = float(np.median(margins))
        scaled, problem = evaluate_formula(formula, [(probe, n, weight_decay), (probe, 2 * n, weight_decay),
                                                     (probe, n, 2 * weight_decay)], signature, 0.0)
        if problem:
            return problem
        base, double_n, double_wd = scaled
        wrong = []
        if base > 0 and abs(double_n / base - 0.5) > 0.005:
            wrong.append(f"doubling n multiplies yours by {double_n / base:.3g}, but the 1/n of the mean loss halves "
                         "every multiplier")
        if base > 0 and abs(double_wd / base - 0.5) > 0.005:
            wrong.append(f"doubling weight_decay multiplies yours by {double_wd / base:.3g}, but θ = Σᵢ μᵢ yᵢ ∇f(xᵢ) "
                         "comes from wd·θ = −∇(mean loss), so the multipliers scale as 1/wd")
        if wrong:
            return Feedback(False, f"right dependence on the margin, wrong scale: {'; '.join(wrong)}.")
        return Feedback(False, f"right dependence on the margin, n and wd, but {factor_phrase(float(np.median(ratio)))}, "
                               f"the same at every one of the {n} points. Check the "
                               "constants of the loss derivative and of (wd/2)‖θ‖².")
    if _same_shape(yours, np.log1p(np.exp(-margins))):
        return Feedback(False, f"your multipliers follow the loss log(1 + e^−m) itself ({spread}). Stationarity sets "
                               "the gradient to zero, so the multiplier carries the loss's derivative in the margin.")
    if _same_shape(yours, np.exp(-margins)):
        return Feedback(False, f"your multipliers follow e^−m ({spread}): that is the exponential loss's derivative; "
                               "differentiate the logistic loss log(1 + e^−m) instead.")
    with np.errstate(divide="ignore", invalid="ignore"):
        growing = np.corrcoef(yours, fitted)[0, 1] < 0
    if growing:
        return Feedback(False, f"your multipliers grow where the fitted ones shrink ({spread}): the loss derivative "
                               "of log(1 + exp(−m)) is −σ(−m), largest for small margins.")
    return Feedback(False, f"not the fitted multipliers ({spread}). Differentiate the mean logistic loss plus "
                           "(wd/2)‖θ‖² with respect to θ and set the gradient to zero.")


NOISE_COUNT = 2
"""The attack counts as stopped when it recovers at most this many of the 20 training images."""


def noise_defence(predicted, found, seed: int = 0, device=None, factor: float = 1.5, measure=None) -> Feedback:
    """Check the smallest output-noise level (a share of ``||theta||``) that stops the reconstruction,
    at most :data:`NOISE_COUNT` of 20 training digits recovered, in the exercise's own setting:
    ``companion.privacy.reconstruction_trial(n=20, seed=seed, side=8, control=False, perturb=level)``.

    The answer is judged by two trials, no search: the attack must be stopped at ``found * factor``
    and must still recover more than :data:`NOISE_COUNT` images at ``found / factor``. A trial is
    deterministic given the seed on a given device and thread count (the perturbation draws from a
    CPU generator seeded with ``seed + 7919``; two runs at level 0.1 gave the same count, residual
    and scores). Measured on
    seed 0 (CPU, 2026-12-03), images recovered at each level: 0.05: 8, 0.06: 5, 0.07: 5, 0.083: 4,
    0.09: 3, 0.1: 4, 0.113: 3, 0.119: 3, 0.130: 1, 0.135: 0, 0.141: 0, 0.16: 0, 0.186: 0, 0.2: 0: the
    count crosses 2 between 0.119 and 0.130, so a factor of 1.5 accepts answers from about 0.087 to
    0.178 (the solution narrows [0.05, 0.2] on a log scale until its ends are within a factor of 1.5,
    two trials, at 0.1 and 0.141, and answers 0.119; the check's trials at 0.178 and 0.079 give 0
    and 4). The level differs from seed to seed (0.07 on seed 501), which is why the check
    uses the exercise's seed. The prediction is required but not graded.

    Parameters
    ----------
    predicted, found : float or None
    seed : int
    device : str, torch.device or None
    factor : float
    measure : callable, optional
        ``measure(level, seed, device) -> (images recovered, stationarity residual)``: the trial the
        check judges (default :func:`companion.privacy.references.noise_trial`).

    Returns
    -------
    Feedback
    """
    measure = noise_trial if measure is None else measure
    if predicted is None:
        return Feedback(False, "first write down your prediction, then search.")
    if found is None:
        return Feedback(False, "find the level by experiment and write it in `found`.")
    values = {}
    for name, value in (("predicted", predicted), ("found", found)):
        values[name] = number(value)
        if values[name] is None or not 0 < values[name] <= 1:
            return Feedback(False, f"{name} must be a number in (0, 1], a share of ‖θ‖; got {value!r}.")
    level = values["found"]
    above, below = level * factor, level / factor
    stopped_count, stopped_res = measure(round(above, 12), int(seed), device)
    if stopped_count > NOISE_COUNT:
        return Feedback(False, f"too small: at {factor:g} × your level ({above:.3g} of ‖θ‖) the attack still "
                               f"recovers {stopped_count} of 20 (stationarity residual {stopped_res:.2g}).")
    leak_count, leak_res = measure(round(below, 12), int(seed), device)
    if leak_count <= NOISE_COUNT:
        return Feedback(False, f"larger than needed: at your level / {factor:g} ({below:.3g} of ‖θ‖) the attack "
                               f"already recovers only {leak_count} of 20 (stationarity residual {leak_res:.2g}).")
    return Feedback(True, f"at {factor:g} × your level ({above:.3g}) the attack recovers {stopped_count} of 20, at "
                          f"your level / {factor:g} ({below:.3g}) {leak_count} (seed {seed}); stationarity residuals "
                          f"{stopped_res:.2g} and {leak_res:.2g}. Your prediction was {values['predicted']:.3g}. The "
                          "noise moves θ off the stationarity equation by about the same share, and the attack needs "
                          "that equation to hold far more precisely than the accuracy does.")


def membership_dimension(predicted, measure=None) -> Feedback:
    """Check a prediction of the smallest input dimension, among :data:`MEMBERSHIP_DIMS`, at which the
    margin score ``|f(x)|`` reaches an AUC of at least 0.99 on every one of three seeds (502-504, n =
    50; 0.99 rather than 0.95 keeps the answer away from a dimension where the AUC sits at the
    threshold).

    Only the answer's dimension is measured, and the listed one below it when the answer reaches
    0.99. Measured worst AUCs (CPU, 2026-12-03): 0.550, 0.769, 0.949, 1.000, 1.000 at d = 10, 30, 100,
    300, 1000, rising with d, so a dimension below 0.99 is too low. A wrong answer is told the worst
    AUC at its own dimension and whether it is too low or too high, never the answer.

    Parameters
    ----------
    predicted : int or None
    measure : callable, optional
        ``measure(dim) -> float``, the worst AUC over the three seeds at ``dim`` (default
        :func:`companion.privacy.references.membership_worst`).

    Returns
    -------
    Feedback
    """
    measure = membership_worst if measure is None else measure
    grid = MEMBERSHIP_DIMS
    if predicted is None:
        return Feedback(False, f"write the dimension you predict, one of {grid}, and run the cell.")
    value = number(predicted)
    if value is None or value not in grid:
        return Feedback(False, f"predicted must be one of {grid}; got {predicted!r}.")
    value = int(value)
    worst = measure(value)
    at = f"at d = {value} the worst AUC over three seeds is {worst:.3f}"
    if worst < 0.99:
        return Feedback(False, f"too low: {at}, below 0.99. Compare n with d: when are 50 random points in d "
                               "dimensions nearly orthogonal to a fresh one?")
    below = grid[grid.index(value) - 1] if value != grid[0] else None
    if below is not None and measure(below) >= 0.99:
        return Feedback(False, f"too high: {at}, but a smaller dimension of the list already reaches 0.99 on every "
                               "seed.")
    before = f"d = {below}: {measure(below):.3f} (below 0.99); " if below is not None else ""
    return Feedback(True, f"right: {before}d = {value}: {worst:.3f} (worst of three seeds, n = 50). In low dimension "
                          "fresh points fall near training points and share their large outputs; once d is large "
                          "compared with n, fresh points are nearly orthogonal to every training point and the "
                          "network's output on them is small.")


EXPOSURE_ANSWERS = ("largest", "smallest", "unrelated")
"""The answers :func:`exposure` takes: the best-recovered images carry the largest multipliers, the
smallest, or neither."""


EXPOSURE_WEAK = 0.2
"""A rank correlation within 0.2 of zero counts as "unrelated": on 20 images its standard error is
about 1/sqrt(19) = 0.23."""


def _ranks(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata
    return rankdata(x)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's correlation, 0 when either side is constant (no warning)."""
    a, b = a - a.mean(), b - b.mean()
    scale = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / scale) if scale > 0 else 0.0


def exposure(answer, correlation, trial, seed: int = 0, tolerance: float = 0.02, device=None) -> Feedback:
    """Check who a reconstruction attack exposes first: the rank correlation between how well each
    training image is recovered (``trial.scores``) and its multiplier ``sigma(-y_i f(x_i)) / (n wd)``,
    and what it says.

    ``trial`` is seed ``seed`` of the chapter's verified setting (``trials[0]``: 16x16 digits, n =
    20). The check makes sure its training images are that seed's (not how its network was trained:
    another network on the same images is judged by its own numbers), takes the multipliers of the
    network it attacked (``trial.multipliers``; ``tests/test_privacy.py`` checks them against the
    network trained again), computes the rank (Spearman) correlation with the trial's scores, and
    accepts the student's within ``tolerance`` (both are computed from the same numbers; only
    rounding can differ). ``answer`` is judged by that correlation's sign, :data:`EXPOSURE_WEAK`
    deciding "unrelated". Measured (CPU, 2026-12-03): 0.37 on seed 0, and 0.76, 0.17, 0.63, 0.25 on
    seeds 1 to 4 (0.64, 0.63, 0.52 on seeds 510-512): positive on every seed, weak on some. A wrong
    correlation is told whether it is Pearson's or has the sign of the margins',
    never the value nor on which side of it the answer lies.

    Parameters
    ----------
    answer : str or None
        One of :data:`EXPOSURE_ANSWERS`.
    correlation : float or None
    trial : companion.privacy.Trial
    seed : int
    tolerance : float
    device : optional
        Unused: the check no longer trains anything. Accepted so that a notebook saved when it did
        (``check.exposure(..., device=DEVICE)``) still runs.

    Returns
    -------
    Feedback
    """
    if answer is None or correlation is None:
        return Feedback(False, "compute the rank correlation of trials[0].scores with the multipliers, write it in "
                               f"`correlation`, and your conclusion, one of {EXPOSURE_ANSWERS}, in `answer`.")
    if not isinstance(answer, str) or answer.strip().lower() not in EXPOSURE_ANSWERS:
        return Feedback(False, f"answer must be one of {EXPOSURE_ANSWERS}; got {answer!r}.")
    value = number(correlation)
    if value is None or not -1 <= value <= 1:
        return Feedback(False, f"correlation must be a number in [-1, 1]; got {correlation!r}.")
    if not isinstance(trial, Trial):
        return Feedback(False, f"pass trials[0], the Trial of seed {seed} of the verified setting; got "
                               f"{type(trial).__name__}.")
    scores = np.asarray(trial.scores, dtype=float)
    n, side = len(scores), trial.data.side
    X = digits(n, int(seed), side=side, held_out=n, device="cpu").X
    if trial.multipliers is None or trial.data.X.shape != X.shape or not torch.allclose(trial.data.X.detach().cpu(), X):
        return Feedback(False, f"this trial's training images are not those of seed {seed} ({side}x{side}, n = {n}), "
                               "or it kept no multipliers: pass trials[0].")
    mu = np.asarray(trial.multipliers, dtype=float)
    rho = _correlation(_ranks(scores), _ranks(mu))
    answer = answer.strip().lower()
    right = "largest" if rho >= EXPOSURE_WEAK else "smallest" if rho <= -EXPOSURE_WEAK else "unrelated"
    if abs(value - rho) > tolerance:
        if abs(value - _correlation(scores, mu)) <= tolerance:
            return Feedback(False, "that is Pearson's correlation of the values; the exercise asks for the rank "
                                   "correlation (scipy.stats.spearmanr), which only asks whether the order agrees.")
        if abs(value + rho) <= tolerance:
            return Feedback(False, "right size, wrong sign: that is the correlation with the margins (or with "
                                   "1/multiplier). The multiplier sigma(-m) / (n wd) falls as the margin m grows.")
        return Feedback(False, f"your correlation is more than {tolerance:g} from the one of trials[0]: rank "
                               f"the {n} scores and the {n} multipliers (scipy.stats.spearmanr) and correlate the "
                               "ranks.")
    if answer != right:
        what = {"largest": "the best-recovered images carry the largest multipliers",
                "smallest": "the best-recovered images carry the smallest multipliers",
                "unrelated": "no clear relation"}
        return Feedback(False, f"your correlation is right, but it does not say \"{what[answer]}\": read its sign, "
                               f"and count a correlation within {EXPOSURE_WEAK:g} of zero as no relation on 20 images.")
    return Feedback(True, f"rank correlation {rho:.2f} on seed {seed} (yours {value:.2f}), so \"{answer}\". On 20 "
                          "images one seed is weak evidence (standard error about 0.23), but the correlation was "
                          "positive on each of the chapter's five seeds (0.37, 0.76, 0.17, 0.63, 0.25 on a CPU) and "
                          "on three more (0.64, 0.63, 0.52). "
                          "The images with small margins carry the large multipliers: they make up most of θ = "
                          "Σᵢ μᵢ yᵢ ∇f(xᵢ), so the stationarity equation the attack solves pins them down best. The "
                          "hard, atypical examples, near the decision boundary, are exposed first.")
