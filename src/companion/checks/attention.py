"""Exercise checks of the attention chapter (see :mod:`companion.checks` for the convention).

Each check runs the experiment it judges and compares with measurements averaged over fixed seeds,
so that it judges the answer, not a lucky draw.
"""
from __future__ import annotations

from math import erf, sqrt
from typing import Callable, Sequence

import numpy as np

from .. import attention
from . import Feedback, evaluate_formula, is_number

__all__ = ["ACCURACY_CASES", "CHECK_SEEDS", "step_one_accuracy", "largest_step_on_p", "TOKEN_CASES",
           "noise_tokens_threshold",
           "THRESHOLD_NS", "margin_threshold_formula"]

CHECK_SEEDS = tuple(range(2000, 2100))
"""The seeds the checks average over (fixed, and never used by the chapter)."""

ACCURACY_CASES = ((40, 6000, 4.0, 0.1), (40, 6000, 3.0, 0.1), (80, 6000, 3.0, 0.2), (20, 6000, 5.0, 0.1),
                  (40, 24000, 6.0, 0.1))
"""(n, d, rho, eta) of the runs :func:`step_one_accuracy` compares a formula with."""


def _phi(z: float) -> float:
    return 0.5 * (1 + erf(z / sqrt(2)))


def step_one_accuracy(formula: Callable | None, device=None, tolerance: float = 0.02) -> Feedback:
    """Check a formula for the expected clean test accuracy after step 1.

    The formula is evaluated on every case of :data:`ACCURACY_CASES` and compared with the mean over
    the 100 :data:`CHECK_SEEDS` of the measured step-1 accuracy (500 test points each), within
    ``tolerance`` or three standard errors, whichever is larger.

    Parameters
    ----------
    formula : callable or None
        ``formula(rho, n, d, eta) -> float``, an accuracy in [0, 1].
    device : str, torch.device or None
    tolerance : float

    Returns
    -------
    Feedback
    """
    values, problem = evaluate_formula(formula, [(rho, n, d, eta) for n, d, rho, eta in ACCURACY_CASES],
                                       "rho, n, d, eta", 0.0, 1.0)
    if problem:
        return problem
    rows = []
    for (n, d, rho, eta), predicted in zip(ACCURACY_CASES, values):
        cfg = attention.BOOK.replace(n=n, dim=d, signal=rho, noise_rate=eta, steps=1, n_test=500)
        acc = attention.train(cfg, seeds=CHECK_SEEDS, device=device, record=[0, 1], progress=False).test_acc[:, 1]
        mean, se = float(acc.mean()), float(acc.std(ddof=1) / np.sqrt(acc.size))
        rows.append((n, d, rho, eta, float(predicted), mean, max(tolerance, 3 * se)))
    table = "; ".join(f"n={n}, d={d}, ρ={rho:g}, η={eta:g}: yours {p:.3f}, measured {m:.3f} ± {t:.3f}"
                      for n, d, rho, eta, p, m, t in rows)
    off = [abs(p - m) > t for *_, p, m, t in rows]
    if not any(off):
        return Feedback(True, f"within the tolerance in every case ({table}). With p = 0 the attention is uniform, "
                              "v₁ ∝ Σ yᵢ (μᵢ + ξᵢ), and on a fresh example the signal part of f is ∝ ρ² n(1 − 2η)/2 "
                              "while the noise part is Gaussian with standard deviation ∝ √(n d).")
    ratio = np.array([(p - 0.5) / (m - 0.5) if abs(m - 0.5) > 1e-3 else np.nan for *_, p, m, _ in rows])
    if np.nanmax(np.abs(ratio)) < 0.2:
        return Feedback(False, f"your accuracies stay near 1/2 where the measured ones do not ({table}). The "
                               "signal part of ⟨v₁, μ⟩ adds up over the n/2 examples of a class.")
    return Feedback(False, f"not within the tolerance ({table}). Write f₁(x) = ½⟨v₁, μ_c⟩ + ½⟨v₁, ξ⟩ for a fresh "
                           "example x of class c, with v₁ from one step at p = 0: the first part is a sum over "
                           "the class's examples, of which a fraction η have the wrong label; the second is a sum "
                           "of n independent ±⟨ξᵢ, ξ⟩ terms of variance d each.")


def _step_two_test(alpha_v: float, alpha_p: float, device) -> float:
    cfg = attention.BOOK.replace(step_size_v=alpha_v, step_size_p=alpha_p, n_test=500)
    run = attention.train(cfg, seeds=CHECK_SEEDS[:20], device=device, record=[0, 2], progress=False)
    return float(run.test_acc[:, -1].mean())


def largest_step_on_p(alpha_p, predicted, alpha_v: float = 0.1, device=None, low: float = 1e-3, high: float = 10.0,
                      rounds: int = 10) -> Feedback:
    """Check a step size on ``p`` near the largest that keeps the two-step test accuracy at 95%.

    At the book configuration with step ``alpha_v`` on ``v``, the largest ``alpha_p`` with mean
    clean test accuracy (over 20 of the :data:`CHECK_SEEDS`) at least 95% after step 2 is found by
    bisection; the answer must lie within a factor 1.5 of it.

    Parameters
    ----------
    alpha_p : float or None
        The student's answer, found by experiment.
    predicted : float or None
        The student's prediction, written before experimenting.
    alpha_v : float
    device : str, torch.device or None

    Returns
    -------
    Feedback
    """
    if predicted is None:
        return Feedback(False, "first write down your prediction for the largest step on p, then search.")
    if alpha_p is None:
        return Feedback(False, "choose alpha_p and run the cell.")
    for name, value in (("predicted", predicted), ("alpha_p", alpha_p)):
        if not is_number(value) or value <= 0:
            return Feedback(False, f"{name} must be a positive number; got {value!r}.")
    if _step_two_test(alpha_v, low, device) < 0.95:
        return Feedback(False, f"even a tiny step on p does not reach 95% here (alpha_v = {alpha_v}).")
    for _ in range(rounds):                               # bisection on a logarithmic scale
        mid = float(np.sqrt(low * high))
        low, high = (mid, high) if _step_two_test(alpha_v, mid, device) >= 0.95 else (low, mid)
    mine = _step_two_test(alpha_v, float(alpha_p), device)
    note = (f" Measured: the largest step on p keeping 95% is about {low:.3g} (at step {alpha_v} on v); your "
            f"prediction {predicted:.3g} is {predicted / low:.2g} times it, your answer gives {mine:.3f}.")
    if 1 / 1.5 <= alpha_p / low <= 1.5:
        return Feedback(True, "within a factor 1.5 of the largest step." + note + " With a large step on v, step 1 "
                              "fits the clean examples with large margins (tiny loss derivatives) and leaves the "
                              "flipped ones badly wrong (derivatives near 1), so step 2's update of a class's signal "
                              "score ⟨μ_c, p⟩ is dominated by its flipped examples and turns negative: every example "
                              "of the class, fresh ones included, is pushed to its noise tokens, the further the "
                              "larger the step on p.")
    return Feedback(False, ("too large: fresh examples of classes whose signal score turned negative move to their "
                            "noise tokens." if alpha_p > low
                            else "smaller than it needs to be: there is room for a larger step.") + note)


TOKEN_CASES = ((80, 1, 0.1), (80, 4, 0.25), (160, 2, 0.2), (40, 8, 0.1))
"""(n, noise tokens per example K, eta) of the runs :func:`noise_tokens_threshold` compares a formula
with. The noise rates differ so that ``1 - 2 eta`` and ``1 - eta`` give answers more than the
tolerance apart."""


def _bisect_snr(above: Callable[[float], bool], low: float, high: float, rounds: int) -> float:
    """The SNR where ``above`` switches from False to True, by bisection on a logarithmic scale."""
    for _ in range(rounds):
        mid = float(np.sqrt(low * high))
        low, high = (low, mid) if above(mid) else (mid, high)
    return float(np.sqrt(low * high))


def _step_one_switch(n: int, tokens: int, eta: float, seeds: Sequence[int], device) -> float:
    """The SNR above which step 1 fits fewer than half of the flipped labels (pooled over ``seeds``)."""
    base = attention.BOOK.replace(n=n, noise_rate=eta, noise_tokens=tokens, steps=1, n_test=1)

    def above(value):
        run = attention.train(attention.with_snr(base, value), seeds=seeds, device=device, record=[0, 1],
                              progress=False)
        fitted = (run.train_out[:, 1] * run.train_labels > 0)[run.flipped]
        return fitted.mean() < 0.5

    return _bisect_snr(above, 0.02, 3.0, 12)


def noise_tokens_threshold(formula: Callable | None, tolerance: float = 0.12, device=None) -> Feedback:
    """Check a formula for the SNR below which step 1 alone fits the flipped labels when every
    example has ``K`` noise tokens, against the SNR where the share of flipped labels fitted at step 1
    crosses 1/2 (bisection, 20 of the :data:`CHECK_SEEDS` pooled, book dimension), at every case of
    :data:`TOKEN_CASES`. The measured switch lies up to about 6% above the leading-order answer
    (given that an example is flipped, its class's clean-minus-flipped count is one lower than on
    average), inside the tolerance.

    Parameters
    ----------
    formula : callable or None
        ``formula(n, eta, K) -> float``.
    tolerance : float
        Largest relative difference accepted.
    device : str, torch.device or None

    Returns
    -------
    Feedback
    """
    values, problem = evaluate_formula(formula, [(n, eta, k) for n, k, eta in TOKEN_CASES],
                                       "n, eta, K", 1e-12)
    if problem:
        return problem
    rows = [(n, k, predicted, _step_one_switch(n, k, eta, CHECK_SEEDS[:20], device))
            for (n, k, eta), predicted in zip(TOKEN_CASES, values)]
    table = "; ".join(f"n={n}, K={k}, η={eta:g}: yours {p:.3f}, measured {m:.3f}"
                      for (n, k, eta), (*_, p, m) in zip(TOKEN_CASES, rows))
    ratios = np.array([p / m for *_, p, m in rows])
    if np.all(np.abs(ratios - 1) <= tolerance):
        return Feedback(True, f"within {100 * tolerance:.0f}% in every case ({table}). With K tokens the attention "
                              "is 1/(K+1) on each, and a training example's own noise tokens add up to about K d in "
                              "its step-1 output against ρ² times its class's clean-minus-flipped count, about "
                              "ρ² n(1 − 2η)/2: the threshold grows like √K.")
    ks, etas = np.array([k for _, k, _ in TOKEN_CASES]), np.array([e for *_, e in TOKEN_CASES])
    residual = np.log(ratios) - np.log(ratios).mean()
    if abs(np.polyfit(np.log(ks), residual, 1)[0]) > 0.2:
        return Feedback(False, f"your threshold grows with K at the wrong rate ({table}): how does the sum of an "
                               "example's own noise terms ⟨Σₖ ξᵢₖ, Σₖ ξᵢₖ⟩ grow with K?")
    if abs(np.polyfit(etas, residual, 1)[0]) > 0.5:
        return Feedback(False, f"the noise rate enters differently ({table}): of a class's examples a fraction η is "
                               "flipped; what is its clean-minus-flipped count?")
    if np.ptp(np.log(ratios)) < 0.2:
        return Feedback(False, f"right scaling, off by a factor of about {np.median(ratios):.2f} ({table}). Compare a "
                               "flipped example's own-noise term with its class's signal term, as in the one-token "
                               "derivation (the attention weight multiplies both alike).")
    return Feedback(False, f"not within {100 * tolerance:.0f}% ({table}). Write a flipped example's step-1 output: "
                           "its own noise tokens against its class's signal token, with v₁ from one step at p = 0.")


THRESHOLD_NS = (20, 40, 80, 160)
"""The sample sizes at which :func:`margin_threshold_formula` finds the threshold."""


def _switch_snr(n: int, seeds: Sequence[int], eta: float, low: float = 0.01, high: float = 1.0, rounds: int = 12) -> float:
    """The SNR at which the hard-attention max-margin interpolator starts using the signal tokens, on
    the majority of ``seeds`` (bisection, book dimension)."""
    dim = attention.BOOK.dim

    def uses_signal(value):
        h = attention.hard_attention_margin(attention.BOOK.replace(n=n, signal=float(value * np.sqrt(dim)),
                                                                   noise_rate=eta, n_test=1), seeds=seeds)
        return np.mean([h.patterns[b] != "noise/noise" for b in h.best]) > 0.5

    return _bisect_snr(uses_signal, low, high, rounds)


def margin_threshold_formula(formula: Callable | None, eta: float = 0.1, tolerance: float = 0.15) -> Feedback:
    """Check a formula for the SNR above which the max-margin interpolator (hard attention) uses the
    signal tokens, against the threshold found by bisection with the exact solver at every ``n`` of
    :data:`THRESHOLD_NS` (9 of the :data:`CHECK_SEEDS`, majority).

    Parameters
    ----------
    formula : callable or None
        ``formula(n, eta) -> float``.
    eta : float
    tolerance : float
        Largest relative difference accepted.

    Returns
    -------
    Feedback
    """
    values, problem = evaluate_formula(formula, [(n, eta) for n in THRESHOLD_NS], "n, eta", 1e-12)
    if problem:
        return problem
    rows = [(n, predicted, _switch_snr(n, CHECK_SEEDS[:9], eta)) for n, predicted in zip(THRESHOLD_NS, values)]
    table = "; ".join(f"n={n}: yours {p:.3f}, measured {m:.3f}" for n, p, m in rows)
    ratios = np.array([p / m for _, p, m in rows])
    if np.all(np.abs(ratios - 1) <= tolerance):
        return Feedback(True, f"within {100 * tolerance:.0f}% at every n ({table}). The signal token of a class costs "
                              "‖v‖² = 1/ρ² once; memorizing its (1 − η)n/2 clean examples through their noise tokens "
                              "costs about (1 − η)n/(2d).")
    slope = np.polyfit(np.log([n for n, _, _ in rows]), np.log(ratios), 1)[0]
    if abs(slope) > 0.2:
        return Feedback(False, f"your formula scales differently with n ({table}): compare what the signal route "
                               "and the noise route cost as n grows.")
    return Feedback(False, f"right scaling, off by a factor of about {np.median(ratios):.2f} ({table}). Count how many "
                           "clean examples of one class there are, and what one noise token costs in ‖v‖².")
