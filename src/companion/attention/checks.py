"""Exercise checks of the attention chapter (see :mod:`companion.checks` for the convention; the notebooks
import them as ``companion.checks.attention``).

Each check runs the experiment it judges on fixed seeds the chapter never uses, so that it judges
the answer, not a lucky draw. A measurement is made once per session (device) and kept: a student
rerunning a cell waits for the formula, not for the experiment again. A wrong answer is told, case
by case, whether its value is too high or too low and what that pattern points to; the measured
values appear only once the answer is accepted.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..checks import Feedback, evaluate_formula, factor_phrase, number
from .references import (ACCURACY_CASES, CHECK_SEEDS, THRESHOLD_CASES, TOKEN_CASES, count_spread, largest_step,
                         margin_thresholds, step_one_measurements, step_two_accuracy, token_thresholds)
from .setting import BOOK
from .theory import margin_threshold, step_one_accuracy_prediction

__all__ = ["CHECK_SEEDS", "ACCURACY_CASES", "step_one_accuracy", "STEP_P_FACTOR", "largest_step_on_p",
           "TOKEN_CASES", "TOKEN_BAND", "noise_tokens_threshold", "THRESHOLD_CASES", "FORMULA_BAND",
           "margin_threshold_formula"]


def _status(low_ok: bool, high_ok: bool) -> str:
    return "too low" if not low_ok else "too high" if not high_ok else "within tolerance"


def _trend(cases: Sequence[tuple], logs: np.ndarray, axis: int, logarithmic: bool = True) -> tuple[float, float]:
    """Slope and spread of ``logs`` (log of yours/measured) over the largest group of cases that differ
    only in coordinate ``axis`` (against the log of that coordinate when ``logarithmic``): (0, 0) when
    no two cases differ only there."""
    groups: dict[tuple, list[int]] = {}
    for i, case in enumerate(cases):
        groups.setdefault(tuple(case[:axis]) + tuple(case[axis + 1:]), []).append(i)
    idx = max(groups.values(), key=len)
    if len(idx) < 2:
        return 0.0, 0.0
    x = np.array([cases[i][axis] for i in idx], dtype=float)
    return float(np.polyfit(np.log(x) if logarithmic else x, logs[idx], 1)[0]), float(np.ptp(logs[idx]))


def _cases(name: str, values, cases) -> tuple:
    """``values`` as a tuple with one entry per case (a measurement passed in is checked like an argument)."""
    values = tuple(values)
    if len(values) != len(cases):
        raise ValueError(f"{name} must hold one entry for each of the {len(cases)} cases; got {len(values)}")
    return values


def _against_band(values, measured, names, band) -> tuple[bool, str, np.ndarray]:
    """Whether every ratio of ``values`` to ``measured`` lies in ``band``; the table to show (yours and
    the measurement when all do, yours and too low/high otherwise) and the logs of the ratios."""
    ratios = np.array(values) / np.array(measured)
    low, high = band
    if np.all((ratios >= low) & (ratios <= high)):
        return True, "; ".join(f"{name}: yours {p:.3f}, measured {m:.3f}"
                               for name, p, m in zip(names, values, measured)), np.log(ratios)
    return False, "; ".join(f"{name}: yours {p:.3f} ({_status(r >= low, r <= high)})"
                            for name, p, r in zip(names, values, ratios)), np.log(ratios)


# --- The step-1 accuracy ----------------------------------------------------------------------

def step_one_accuracy(formula: Callable | None, device=None, measured=None) -> Feedback:
    """Check a formula for the expected clean test accuracy after step 1.

    The formula is evaluated on every case of :data:`ACCURACY_CASES` and compared with the mean
    over the 100 :data:`CHECK_SEEDS` of the measured step-1 accuracy (500 test points each). The
    tolerance of a case is three standard errors of that mean (a standard error of 0.0014 to 0.0063) plus
    what the derivation neglects: it puts a class's clean-minus-flipped count at its mean, and the
    mean of Phi over the count's spread lies below Phi at the mean count (:func:`count_spread`,
    computed exactly: 0.0014 to 0.0073 in these cases). The noise part's variance, ``n d`` up to a
    relative error of order ``1 / sqrt(d)``, moves each seed's accuracy but not its mean beyond 1e-4.
    Measured on the CHECK_SEEDS, the right formula lies -0.0010 to +0.0091 from the mean (-0.0009 to
    +0.0082 on seeds 5000-5199 in two groups of 100), inside tolerances of 0.0057 to 0.026 (at least 2.4 times
    the right formula's distance in every case).

    Parameters
    ----------
    formula : callable or None
        ``formula(rho, n, d, eta) -> float``, an accuracy in [0, 1].
    device : str, torch.device or None
    measured : sequence of (float, float), optional
        The (mean, standard error) of every case, if already measured (default:
        :func:`companion.attention.references.step_one_measurements`).

    Returns
    -------
    Feedback
    """
    from scipy.special import ndtri
    values, problem = evaluate_formula(formula, [(rho, n, d, eta) for n, d, rho, eta in ACCURACY_CASES],
                                       "rho, n, d, eta", 0.0, 1.0, refuse=[step_one_accuracy_prediction],
                                       range_hint="An accuracy lies in [0, 1]: did you return the argument of Φ, "
                                                  "not Φ of it?")
    if problem:
        return problem
    measured = _cases("measured", step_one_measurements(device) if measured is None else measured, ACCURACY_CASES)
    tol = [3 * se + count_spread(*case) for case, (_, se) in zip(ACCURACY_CASES, measured)]
    names = [f"n={n}, d={d}, ρ={rho:g}, η={eta:g}" for n, d, rho, eta in ACCURACY_CASES]
    if all(abs(p - m) <= t for p, (m, _), t in zip(values, measured, tol)):
        table = "; ".join(f"{name}: yours {p:.3f}, measured {m:.3f} ± {t:.3f}"
                          for name, p, (m, _), t in zip(names, values, measured, tol))
        return Feedback(True, f"within the tolerance in every case ({table}). With p = 0 the attention is uniform, "
                              "v₁ ∝ Σ yᵢ (μᵢ + ξᵢ), and on a fresh example the signal part of f is ∝ ρ² n(1 − 2η)/2 "
                              "while the noise part is Gaussian with standard deviation ∝ √(n d). (The measured mean "
                              "lies slightly below Φ at the mean class count, because the count varies from seed "
                              "to seed; the tolerance allows for it.)")
    table = "; ".join(f"{name}: yours {p:.3f} ({_status(p >= m - t, p <= m + t)})"
                      for name, p, (m, _), t in zip(names, values, measured, tol))
    z_yours = ndtri(np.clip(values, 1e-12, 1 - 1e-12))
    ratio = z_yours / ndtri(np.array([m for m, _ in measured]))
    if np.max(np.abs(ratio)) < 0.2:
        return Feedback(False, f"your accuracies stay near 1/2 where the measured ones do not ({table}). The signal "
                               "part of ⟨v₁, μ⟩ adds up over the n/2 examples of a class.")
    if np.any(ratio <= 0):
        return Feedback(False, f"your accuracy is below 1/2 in {int(np.sum(ratio <= 0))} of the {len(ratio)} cases "
                               f"({table}), where the measured one is above it: the step-1 model is better than "
                               "chance. Check the sign of the argument of Φ (1 − Φ(z) = Φ(−z)): is the signal part of "
                               "c·f₁(x) positive on average?")
    logs = np.log(ratio)
    wrong = []
    for axis, up, down in ((2, "grows too fast with ρ", "grows too slowly with ρ"),
                           (0, "grows too fast with n", "grows too slowly with n (or not at all)"),
                           (1, "falls too slowly as d grows (or not at all)", "falls too fast as d grows")):
        exponent_error, _ = _trend(ACCURACY_CASES, logs, axis)
        if abs(exponent_error) > 0.25:
            wrong.append(up if exponent_error > 0 else down)
    eta_slope, eta_spread = _trend(ACCURACY_CASES, logs, 3, logarithmic=False)
    if eta_spread > 0.1:
        wrong.append("falls too slowly as η grows (or not at all)" if eta_slope > 0 else "falls too fast as η grows")
    if wrong:
        return Feedback(False, f"the argument of Φ in your formula, Φ⁻¹(your accuracy), {'; it '.join(wrong)} "
                               f"({table}). The cases change one of ρ, n, d, η at a time. Write the mean of the "
                               "signal part and the standard deviation of the noise part of c·f₁(x), and how each "
                               "depends on that variable.")
    factor = float(np.exp(logs.mean()))
    if np.ptp(logs) < 0.1:
        return Feedback(False, f"the right dependence on ρ, n, d and η, but the argument of Φ is "
                               f"{factor_phrase(factor)}, the same in every case ({table}). Look for a lost factor: the 1/2 "
                               "of the attention on each token (in v₁ and again in f₁), the n/2 examples of a class, "
                               "the noise part's standard deviation (the square root of its variance), and the "
                               "√2 inside Φ(z) = ½(1 + erf(z/√2)).")
    return Feedback(False, f"not within the tolerance ({table}). Write f₁(x) = ½⟨v₁, μ_c⟩ + ½⟨v₁, ξ⟩ for a fresh "
                           "example x of class c, with v₁ from one step at p = 0: the first part is a sum over "
                           "the class's examples, of which a fraction η have the wrong label; the second is a sum "
                           "of n independent ±⟨ξᵢ, ξ⟩ terms of variance d each.")


# --- The largest step on p -------------------------------------------------------------------

STEP_P_FACTOR = 1.5
"""How far (as a factor) an answer to :func:`largest_step_on_p` may lie from the largest step found by
bisection on 20 of the :data:`CHECK_SEEDS`. The largest step depends on the seeds a student searches
with: on seven groups of 20 seeds (2000-2059 and 5000-5079, 500 test points each) it was 0.0106 to
0.0141 (0.0112 on the check's, 2000-2019), and on the chapter's seeds 0, 1, 2 it was 0.0157, 1.40
times the check's. A factor 1.5 accepts every one of these and rejects a step that misses the scale:
half the largest (0.0056, accuracy 0.995) or twice it (0.0225, accuracy 0.825 on the check's seeds)."""


def largest_step_on_p(alpha_p, predicted, alpha_v: float = 0.1, device=None, measure=None) -> Feedback:
    """Check a step size on ``p`` near the largest that keeps the two-step test accuracy at 95%.

    At the book configuration with step ``alpha_v`` on ``v``, the largest ``alpha_p`` with mean
    clean test accuracy (over 20 of the :data:`CHECK_SEEDS`) at least 95% after step 2 is found by
    bisection; the answer must lie within a factor :data:`STEP_P_FACTOR` of it (why that factor:
    see there). A wrong answer is told the accuracy at its own step (and, when too small, at
    1.5 times it), not the largest step.

    Parameters
    ----------
    alpha_p : float or None
        The student's answer, found by experiment.
    predicted : float or None
        The student's prediction, written before experimenting.
    alpha_v : float
    device : str, torch.device or None
    measure : callable, optional
        ``measure(alpha_v, alpha_p, device) -> float``, the mean clean test accuracy after step 2 that
        the check judges (default :func:`companion.attention.references.step_two_accuracy`).

    Returns
    -------
    Feedback
    """
    if predicted is None:
        return Feedback(False, "first write down your prediction for the largest step on p, then search.")
    if alpha_p is None:
        return Feedback(False, "choose alpha_p and run the cell.")
    for name, value in (("predicted", predicted), ("alpha_p", alpha_p)):
        if isinstance(value, (str, bytes)) or number(value) is None or number(value) <= 0:
            return Feedback(False, f"{name} must be a positive number; got {value!r}.")
    alpha_p, predicted = number(alpha_p), number(predicted)
    measure = step_two_accuracy if measure is None else measure
    largest = largest_step(alpha_v, device, measure=measure)
    if largest is None:
        return Feedback(False, f"even a tiny step on p does not reach 95% here (alpha_v = {alpha_v}).")
    mine = measure(alpha_v, alpha_p, device)
    factor = STEP_P_FACTOR
    if 1 / factor <= alpha_p / largest <= factor:
        return Feedback(True, f"within a factor {factor:g} of the largest step. Measured on the check's 20 seeds: the "
                              f"largest step on p keeping 95% is about {largest:.3g} (at step {alpha_v:g} on v); your "
                              f"answer gives {mine:.3f} there, and your prediction {predicted:.3g} is "
                              f"{predicted / largest:.2g} times the largest step. (The largest step varies with the "
                              "seeds, by up to a factor 1.4 between sets of seeds, hence the factor.) With a large "
                              "step on v, step 1 fits the clean examples with large margins (tiny loss derivatives) "
                              "and leaves the flipped ones badly wrong (derivatives near 1), so step 2's update of a "
                              "class's signal score ⟨μ_c, p⟩ is dominated by its flipped examples and turns "
                              "negative: every example of the class, fresh ones included, is pushed to its noise "
                              "tokens, the further the larger the step on p.")
    if alpha_p > largest:
        return Feedback(False, f"too large: on the check's 20 seeds your step gives a mean clean test accuracy of "
                               f"{mine:.3f} after step 2{', below 95%' if mine < 0.95 else ''}. Fresh examples of "
                               "classes whose signal score turned negative move to their noise tokens.")
    bigger = measure(alpha_v, factor * alpha_p, device)
    return Feedback(False, f"smaller than it needs to be: on the check's 20 seeds your step gives {mine:.3f}, and "
                           f"{factor:g} times your step still gives {bigger:.3f}"
                           f"{', at least 95%' if bigger >= 0.95 else ''}. Search upwards.")


# --- More than one noise token ----------------------------------------------------------------

TOKEN_BAND = (0.94, 1.03)
"""The range of yours/measured that :func:`noise_tokens_threshold` accepts. The derivation puts a
flipped example's class count at its mean ``Dbar = (n/2)(1 - 2 eta)``; given that the example is
flipped, the count is one lower, which raises the measured threshold by about ``sqrt(Dbar / (Dbar -
1))``: 1.6% at Dbar = 32 (n = 80, eta = 0.1 and n = 160, eta = 0.3) down to 0.4% at Dbar = 128. Measured
on the 100 CHECK_SEEDS, the threshold is 0.4% to 2.6% above ``sqrt(2K / (n(1 - 2 eta)))`` in these
cases (0.5% to 3.1% on seeds 5000-5299 in three groups of 100, the groups agreeing within 2.2%), so
the right answer gives 0.97 to 1.0; the band leaves 3% on either side, and rejects ``1 - eta`` for
``1 - 2 eta`` (0.92 at eta = 0.1, 0.74 at eta = 0.3) and ``K + 1`` for ``K`` (1.39 at K = 1)."""


def noise_tokens_threshold(formula: Callable | None, device=None, measured=None) -> Feedback:
    """Check a formula for the SNR below which step 1 alone fits the flipped labels when every
    example has ``K`` noise tokens, against the SNR where the share of flipped labels fitted at step 1
    falls below 1/2 (computed exactly from each flipped example's step-1 output, which is linear in
    ``rho^2``; the 100 :data:`CHECK_SEEDS` pooled, book dimension), at every case of
    :data:`TOKEN_CASES`. Accepted: yours/measured within :data:`TOKEN_BAND` in every case (why: see
    there).

    Parameters
    ----------
    formula : callable or None
        ``formula(n, eta, K) -> float``.
    device : str, torch.device or None
    measured : sequence of float, optional
        The measured threshold of every case, if already measured (default:
        :func:`companion.attention.references.token_thresholds`).

    Returns
    -------
    Feedback
    """
    values, problem = evaluate_formula(formula, [(n, eta, k) for n, k, eta in TOKEN_CASES], "n, eta, K", 1e-12)
    if problem:
        return problem
    low, high = TOKEN_BAND
    names = [f"n={n}, K={k}, η={eta:g}" for n, k, eta in TOKEN_CASES]
    measured = _cases("measured", token_thresholds(device) if measured is None else measured, TOKEN_CASES)
    right, table, logs = _against_band(values, measured, names, TOKEN_BAND)
    if right:
        return Feedback(True, f"within {low:g} to {high:g} times the measured threshold in every case "
                              f"({table}). With K tokens the attention is 1/(K+1) on each, and a flipped example's "
                              "own noise tokens add up to about K d in its step-1 output against ρ² times its class's "
                              "clean-minus-flipped count, about ρ² n(1 − 2η)/2: the threshold grows like √K. (It lies "
                              "slightly below the measurement: given that an example is flipped, its class's count is "
                              "one lower.)")
    slope_k, _ = _trend(TOKEN_CASES, logs, 1)
    if abs(slope_k) > 0.1:
        trend = "grows too fast" if slope_k > 0 else "falls as K grows" if slope_k < -0.5 else \
            "grows too slowly (or not at all)"
        return Feedback(False, f"your threshold {trend}{' with K' if slope_k > -0.5 else ''} ({table}): how does a flipped example's own noise term, "
                               "⟨Σₖ ξᵢₖ, Σₖ ξᵢₖ⟩, grow with K, and the threshold with it (it is an SNR, ρ/√d)?")
    slope_n, _ = _trend(TOKEN_CASES, logs, 0)
    if abs(slope_n) > 0.1:
        return Feedback(False, f"your threshold scales differently with n ({table}): it "
                               f"{'falls too slowly (or not at all)' if slope_n > 0 else 'falls too fast'} as n grows. "
                               "How does a class's clean-minus-flipped count grow with n, and what power of it does "
                               "an SNR (ρ/√d) take?")
    slope_eta, spread_eta = _trend(TOKEN_CASES, logs, 2, logarithmic=False)
    if spread_eta > 0.07:
        return Feedback(False, f"the noise rate enters differently ({table}): your threshold rises "
                               f"{'too fast' if slope_eta > 0 else 'too slowly (or not at all)'} as η grows. Of a "
                               "class's examples a fraction η is flipped; what is its clean-minus-flipped count?")
    return Feedback(False, f"the right dependence on n, η and K, but {factor_phrase(float(np.exp(logs.mean())))}, the "
                           f"same in every case ({table}). Compare a flipped example's "
                           "own-noise term with its class's signal term, as in the one-token derivation (the "
                           "attention weight multiplies both alike), and count a class's examples.")


# --- The max-margin threshold -----------------------------------------------------------------

FORMULA_BAND = (0.99, 1.12)
"""The range of yours/measured that :func:`margin_threshold_formula` accepts. The count neglects two
effects, and both lower the measured threshold: the first class to switch to its signal token is the
one with more clean examples (the larger of two counts: 2% to 4% at n = 160 down to 40), and
memorizing m nearly orthogonal noise tokens costs about m/(d - m), not m/d (1% to 3% at n = 80 to
160). Measured: the median over the 100 CHECK_SEEDS lies 4.6% to 6.2% below ``sqrt(2 / ((1 - eta)
n))`` in these cases (4.4% to 6.6% on seeds 5000-5299 in three groups of 100, the groups agreeing
within 1.5%), so the right answer gives 1.05 to 1.07. The band leaves 5% on either side; ``sqrt(2 /
n)`` gives 0.89 and ``sqrt(2 / ((1 - 2 eta) n))`` 1.40 at eta = 0.3."""


def margin_threshold_formula(formula: Callable | None, measured=None) -> Feedback:
    """Check a formula for the SNR above which the max-margin interpolator (hard attention) uses the
    signal tokens, against the median over the 100 :data:`CHECK_SEEDS` of the SNR where the exact
    solver's best pattern stops being all-noise, at every case of :data:`THRESHOLD_CASES` (book
    dimension). Accepted: yours/measured within :data:`FORMULA_BAND` in every case (why: see
    there).

    Parameters
    ----------
    formula : callable or None
        ``formula(n, eta) -> float``.
    measured : sequence of float, optional
        The measured threshold of every case, if already measured (default:
        :func:`companion.attention.references.margin_thresholds`).

    Returns
    -------
    Feedback
    """
    values, problem = evaluate_formula(formula, THRESHOLD_CASES, "n, eta", 1e-12, refuse=[margin_threshold])
    if problem:
        return problem
    low, high = FORMULA_BAND
    names = [f"n={n}, η={eta:g}" for n, eta in THRESHOLD_CASES]
    measured = _cases("measured", margin_thresholds() if measured is None else measured, THRESHOLD_CASES)
    right, table, logs = _against_band(values, measured, names, FORMULA_BAND)
    if not right and np.ptp(logs) < 0.1 and abs(logs.mean() - np.log(np.sqrt(BOOK.dim))) < np.log(1.25):
        return Feedback(False, f"your values are about √d times the measured SNRs ({table}): is your threshold on ρ, "
                               "the signal token's norm? The exercise asks for the SNR, ρ/√d.")
    if right:
        return Feedback(True, f"within {low:g} to {high:g} times the measured threshold in every case ({table}). The "
                              "signal token of a class costs ‖v‖² = 1/ρ² once; memorizing its (1 − η)n/2 clean "
                              "examples through their noise tokens costs about (1 − η)n/(2d). (The measurement lies "
                              "a few percent lower: the class with more clean examples switches first, and nearly "
                              "orthogonal noise tokens cost slightly more than 1/d each.)")
    slope_n, _ = _trend(THRESHOLD_CASES, logs, 0)
    if abs(slope_n) > 0.1:
        return Feedback(False, f"your formula scales differently with n ({table}): it "
                               f"{'falls too slowly (or not at all)' if slope_n > 0 else 'falls too fast'} as n grows. "
                               "Compare what the signal route and the noise route cost as n grows.")
    slope_eta, spread_eta = _trend(THRESHOLD_CASES, logs, 1, logarithmic=False)
    if spread_eta > 0.07:
        return Feedback(False, f"the noise rate enters differently ({table}): your threshold rises "
                               f"{'too fast' if slope_eta > 0 else 'too slowly (or not at all)'} as η grows. Which "
                               "examples of a class take the noise route in either pattern, and which of them does "
                               "the signal route spare?")
    return Feedback(False, f"the right dependence on n and η, but {factor_phrase(float(np.exp(logs.mean())))}, the "
                           f"same in every case ({table}). Count how many clean "
                           "examples of one class there are, and what one noise token costs in ‖v‖².")
