"""Exercise checks of the XOR chapter (see :mod:`companion.checks` for the convention; the notebooks
import them as ``companion.checks.xor``).

Each check runs the experiment it judges and says what is right or wrong about the answer, not only
whether it is. A wrong answer's message describes the answer (its measurements, too high or too low)
but never the target; a right answer's message shows the full comparison.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from .. import twolayer
from ..checks import Feedback, as_array, evaluate_formula, factor_phrase, number, short
from .data import XORSample
from .references import (DELAY, EXERCISE, MARGIN_CASES, MARGIN_SEEDS, STEP_ONE_TOLERANCE, delay_accuracies,
                         expected_margin, margin_measurement, margin_measurements, step_one_reference, step_one_slips,
                         step_ten_threshold)
from .setting import natural_units
from .theory import step_one_margin_gain

__all__ = ["EXERCISE", "step_one_reference", "step_one", "STEP_ONE_TOLERANCE", "step_one_margin", "MARGIN_CASES",
           "MARGIN_SEEDS", "MARGIN_STANDARD_ERRORS", "margin_measurement", "margin_measurements", "hebbian_vector",
           "HEBBIAN_COSINE_MIN", "biased_rule", "delay", "DELAY", "DELAY_FACTOR", "delay_accuracies"]


# --- Exercise: the first step, derived ----------------------------------------------------------

def _fit(u: torch.Tensor, v: torch.Tensor) -> tuple[float, float]:
    """Best scalar ``c`` with ``u ~ c v``, and the residual ``||u - c v|| / ||u||``."""
    c = float((u * v).sum() / v.pow(2).sum())
    return c, float((u - c * v).norm() / u.norm())


def _factor_hints(c: float, n: int, m: int) -> list[str]:
    """What a constant factor ``c`` between an update and one GD step points to (``c`` comes from an exact
    rescaling, so the 2% only absorbs rounding and keeps distinct causes apart)."""
    named = [(2.0, "twice too large: at f = 0 the derivative of log(1 + e^(-z)) is -1/2, not -1."),
             (0.5, "half the right size: at f = 0 the derivative of log(1 + e^(-z)) is -1/2, not -1/4."),
             (n / m if abs(n / m - 1) > 0.02 else np.nan,       # (not when n = m: then it is no factor)
              f"{n / m:.3g} times one step: the loss is the mean over the n = {n} training points; did you divide "
              f"by the width m = {m} instead?"),
             (float(n), f"n = {n} times too large: the loss is the mean over the training set, not the sum."),
             (1.0 / n, f"n = {n} times too small: divide by n once, not twice."),
             (np.sqrt(m), f"√m = {np.sqrt(m):.3g} times too large: the output weights are a_j = ±1/√m, not ±1.")]
    return [hint for target, hint in named if abs(c / target - 1) < 0.02]


def step_one(w1, sample: XORSample, step_size: float) -> Feedback:
    """Check a hand-derived first-step weight matrix against one step of gradient descent.

    The update ``W^(1) - W^(0)`` is compared with autograd's within :data:`STEP_ONE_TOLERANCE`; a wrong
    one is matched against the typical slips (each also up to a constant factor) and against a pure
    rescaling of the right step.

    Parameters
    ----------
    w1 : array-like, shape (width, dim), or None
        The student's ``W^(1)``.
    sample : companion.xor.XORSample
        The data and initialization the step starts from.
    step_size : float

    Returns
    -------
    Feedback
    """
    if w1 is None:
        return Feedback(False, "write W1 as a formula in s.x, s.labels, s.w0, s.out_weights and the step size, and "
                               "run the cell.")
    w1, problem = as_array(w1, "W1")
    if problem:
        return Feedback(False, problem)
    m, p = sample.w0.shape
    n = sample.x.shape[0]
    if tuple(w1.shape) != (m, p):
        return Feedback(False, f"W1 must have shape {(m, p)} (width, dim), like s.w0; got {tuple(w1.shape)}.")
    if not torch.isfinite(w1).all():
        return Feedback(False, "W1 contains NaN or infinite entries.")
    w0 = sample.w0.cpu().double()
    ref_update = step_one_reference(sample, step_size).cpu().double() - w0
    update = w1 - w0
    if update.norm() == 0:
        return Feedback(False, "W1 equals the initialization: add the gradient step.")
    alone, alone_residual = _fit(w1, ref_update)
    if alone_residual < min(STEP_ONE_TOLERANCE, _fit(update, ref_update)[1]):
        extra = "" if abs(alone - 1) < STEP_ONE_TOLERANCE else f" (and it is {alone:.3g} times the update)"
        return Feedback(False, f"W1 is the update alone{extra}: you left out the start, "
                               "W^(1) = W^(0) - α ∇L(W^(0)).")
    error = float((update - ref_update).norm() / ref_update.norm())
    if error < STEP_ONE_TOLERANCE:
        return Feedback(True, f"your W1 matches one step of gradient descent (relative error of the update "
                              f"{error:.1e}, against autograd's step).")
    slips = [(*_fit(update, slip), hint) for slip, hint in step_one_slips(sample, step_size)]
    for c, residual, hint in slips:                                  # a slip exactly
        if residual < STEP_ONE_TOLERANCE and abs(c - 1) < STEP_ONE_TOLERANCE:
            return Feedback(False, hint)
    for c, residual, hint in slips:                                  # a slip and a constant factor
        if residual < STEP_ONE_TOLERANCE:
            return Feedback(False, f"{hint} Compared with that slip, your update is also {factor_phrase(abs(c))}: "
                                   "a constant factor is off as well.")
    c, residual = _fit(update, ref_update)
    if residual < STEP_ONE_TOLERANCE:                                # the right direction, a wrong factor
        if c < 0:
            size = "" if abs(c + 1) < 0.02 else f" Its size is off too: {factor_phrase(-c)}."
            return Feedback(False, "your update has the wrong sign: gradient descent moves against the gradient, so "
                                   "w_j moves towards a_j y_i x_i for the points it is active on." + size)
        hints = _factor_hints(c, n, m)
        if hints:
            return Feedback(False, "your update is " + " Or: ".join(hints))
        return Feedback(False, f"compared with one GD step, your update is {factor_phrase(c)}: every entry is right "
                               "up to one constant factor. Check the constants: the step size α, the 1/n of the mean loss, the "
                               "derivative of the loss at the start, and a_j = ±1/√m.")
    rows = ((update - ref_update).norm(dim=1) <= STEP_ONE_TOLERANCE * ref_update.norm(dim=1)).numpy()
    positive = (sample.out_weights.cpu() > 0).numpy()
    return Feedback(False, f"your update differs from one GD step by a relative error of {error:.2f} and is not a "
                           f"constant multiple of it; the rows of {int(rows.sum())} of the {m} neurons match "
                           f"({int(rows[positive].sum())} of {int(positive.sum())} with a_j > 0, "
                           f"{int(rows[~positive].sum())} of {int((~positive).sum())} with a_j < 0). Check term by "
                           "term: the indicator 1[<w_j^(0), x_i> > 0] uses the initial "
                           "weights; each point enters with its noisy label y_i and the output weight a_j; the sum "
                           "runs over all n training points.")


# --- Exercise: the step-1 margin, predicted -------------------------------------------------------

MARGIN_STANDARD_ERRORS = 3.0
"""How far (in standard errors of the 200-seed estimate) a formula may be from the measured expected
margin in each case, with no allowance for bias, because there is none to allow for: from omega -> 0 the
derivation is exact in expectation, not a leading order (the cross terms <y_i x_i, y_k x_k> have mean zero,
and the ReLU over the two signs of a_j averages to half its argument), and the start omega = 1e-7 moves the
mean margin by 3e-5 to 1e-4 of itself (against omega = 1e-9, seeds 1000-1099, fifth and fourth cases).
Measured (float32, CPU): on MARGIN_SEEDS the expectation is within 1.1 standard errors in every case
(ratios 0.9996, 0.9997, 0.9998, 0.982, 1.003; standard errors 0.18%, 0.08%, 0.27%, 1.7%, 0.8%), and on
the disjoint seeds 1200-2199 within 1.2 (ratios 1.0007, 1.0000, 0.9990, 1.0085, 1.0005). Without the
label-imbalance correction (:func:`margin_measurement`) the fourth case's standard error is 2.8% and its
ratio on MARGIN_SEEDS 0.923, a 2.7-SE draw (1.013 +- 1.6% on seeds 1200-2199): sampling, not a missing
term. Three standard errors are 5.1% or less in every case, while the slips the check names are 21% or
more off in at least one case (the nearest: ||mu||^2 / 2 in place of ||mu||^2, in the fourth)."""


def _margin_dependence(formula) -> str | None:
    """Which variables the formula depends on differently from the expected margin: each is doubled in
    turn at the fourth case (where p and ||mu||^2 are comparable) and the change compared with the
    expectation's; None when none differs by more than 2% (or the formula fails there). The changes are
    exact (no sampling), so the 2% only absorbs rounding: the slips differ by 11% or more (p + 2||mu||^2
    when p doubles)."""
    n, p, signal, alpha = MARGIN_CASES[3]
    base = (alpha, p, n, signal)
    doubled = {"α": (2 * alpha, p, n, signal), "p": (alpha, 2 * p, n, signal), "n": (alpha, p, 2 * n, signal),
               "‖μ‖": (alpha, p, n, 2 * signal)}
    probed, problem = evaluate_formula(formula, [base, *doubled.values()], "alpha, p, n, signal")
    if problem or probed[0] == 0:
        return None
    changes = {name: (yours / probed[0], expected_margin(*args) / expected_margin(*base))
               for (name, args), yours in zip(doubled.items(), probed[1:])}
    off = [name for name, (yours, right) in changes.items() if abs(yours / right - 1) > 0.02]
    told = "; ".join(f"doubling {name} multiplies yours by {changes[name][0]:.3g}" for name in off)
    if not off:
        return None
    if all(abs(yours - 1) < 1e-9 for yours, _ in changes.values()):
        return ("your formula is a constant: it does not change with α, p, n or ‖μ‖, but the margin does (compare "
                "the cases).")
    if "‖μ‖" in off and abs(changes["‖μ‖"][0] - 1) < 1e-9:
        return (f"your formula does not depend on ‖μ‖ ({told}), but the margin does where the signal is strong. "
                "What is E‖x_k‖² for x_k = ±μ + ξ?")
    if set(off) <= {"p", "‖μ‖"}:
        return f"p and ‖μ‖ enter your formula differently from the margin ({told}). What is E‖x_k‖² for x_k = ±μ + ξ?"
    return (f"your formula's dependence on {', '.join(off)} is off ({told}). Go back to the size of one step (α, "
            "and the mean over the n points) and to ‖x_k‖².")


def step_one_margin(formula: Callable | None, device=None, measured=None) -> Feedback:
    """Check a formula for the expected mean step-1 margin ``E (1/n) sum_k y_k f^(1)(x_k)`` from a tiny start.

    The formula is evaluated on every case of :data:`MARGIN_CASES` and compared with the expected
    margin measured on the 200 seeds of :data:`MARGIN_SEEDS` (:func:`margin_measurements`), within
    :data:`MARGIN_STANDARD_ERRORS` standard errors: a guessed number cannot match cases that differ in
    ``n``, ``p``, ``||mu||`` and ``alpha``. A wrong formula is told, per case, whether it is too high or
    too low, and which variable's dependence, sign or constant factor is off.

    Parameters
    ----------
    formula : callable or None
        ``formula(alpha, p, n, signal) -> float``; None means "not written yet".
    device : str, torch.device or None
    measured : sequence of (float, float), optional
        The (mean, standard error) of every case, if already measured (default:
        :func:`margin_measurements`, computed once per session).

    Returns
    -------
    Feedback
    """
    signature = "alpha, p, n, signal"
    values, problem = evaluate_formula(formula, [(alpha, p, n, signal) for n, p, signal, alpha in MARGIN_CASES],
                                       signature, refuse=[step_one_margin_gain])
    if problem:
        return problem
    measured = margin_measurements(device) if measured is None else tuple(measured)
    if len(measured) != len(MARGIN_CASES):
        raise ValueError(f"measured must hold a (mean, standard error) pair for each of the {len(MARGIN_CASES)} cases; "
                         f"got {len(measured)}")
    means = np.array([mean for mean, _ in measured])
    allowed = np.array([MARGIN_STANDARD_ERRORS * se / abs(mean) for mean, se in measured])
    yours = np.array(values)
    ratios = yours / means
    within = np.abs(ratios - 1) <= allowed
    names = [f"n={n}, p={p:,}, ‖μ‖={s:g}, α={a:g}" for n, p, s, a in MARGIN_CASES]
    if within.all():
        table = "; ".join(f"{name}: yours {v:.4g}, measured {m:.4g} ± {100 * t:.1f}%"
                          for name, v, m, t in zip(names, yours, means, allowed))
        return Feedback(True, f"within {MARGIN_STANDARD_ERRORS:g} standard errors in every case ({table}). Averaging "
                              "f^(1)(x_k) ≈ (α/8n)<v, x_k> over k gives α‖v‖²/(8n²) on one draw; E‖v‖² = n(p + ‖μ‖²), "
                              "since the cross terms <y_i x_i, y_k x_k> have mean zero (not zero on every draw: with a "
                              "strong signal one seed's ‖v‖² carries (d_1² + d_2²)‖μ‖² from the label imbalances d_k, "
                              "which scatter; the measurement removes that part of the scatter, whose mean is known).")
    verdicts = "; ".join(f"{name}: yours {v:.4g}, " + ("within tolerance" if ok else "too high" if r > 1 else "too low")
                         for name, v, r, ok in zip(names, yours, ratios, within))
    if np.all(yours <= 0):
        return Feedback(False, f"your formula is {'zero' if np.all(yours == 0) else 'negative'} ({verdicts}). One step "
                               "of gradient descent raises the margins it is computed from: the mean margin after "
                               "step 1 is positive.")
    factors = yours / np.array([expected_margin(alpha, p, n, signal) for n, p, signal, alpha in MARGIN_CASES])
    factor = float(factors[0])
    # the expectation times a constant (to float32 rounding, 1e-7, with room for a formula's own rounding)
    if np.all(np.abs(factors / factor - 1) < 1e-4) and abs(factor - 1) > 1e-3:
        for target, hint in ((2.0, "twice too large: a neuron with a_j y_k > 0 contributes only if it was active "
                                   "on x_k at the start (half of them), and the loss derivative at f = 0 is -1/2, "
                                   "not -1."),
                             (0.5, "half the size of the margin: count the neurons that contribute (active at the "
                                   "start, a_j y_k > 0), and the loss derivative at f = 0 is -1/2, not -1/4."),
                             (4.0, "four times too large: only a quarter of the neurons contribute (active on x_k at "
                                   "the start, and a_j y_k > 0)."),
                             (0.25, "four times too small: did you divide by 4 twice?")):
            if abs(factor / target - 1) <= 0.01:
                return Feedback(False, f"your formula is {hint} ({verdicts})")
        return Feedback(False, f"your formula has the right dependence on α, p, n and ‖μ‖ but is {factor_phrase(factor)}, "
                               f"the same in every case ({verdicts}). Recount the contributing neurons, the loss "
                               "derivative at f = 0 and a_j² = 1/m.")
    dependence = _margin_dependence(formula)
    if dependence:
        return Feedback(False, f"{dependence} ({verdicts})")
    return Feedback(False, f"not within the tolerance ({verdicts}). Start from <w_j^(1), x_k> ≈ α a_j y_k ‖x_k‖² "
                           "/ (2n) for the neurons active on x_k, sum a_j ReLU(·) over them, and count how many there "
                           "are.")


# --- Exercise: step 1 is a Hebbian classifier ---------------------------------------------------

HEBBIAN_COSINE_MIN = 0.999
"""Cosine with ``sum_i y_i x_i`` above which :func:`hebbian_vector` accepts ``v``. Any positive multiple
(the sum, the mean) gives 1 - 2e-14 from float32 data; leaving out one of the n = 100 training points gives
0.995 (about 1 - 1/(2n)), the clean labels 0.805 (``EXERCISE``, omega = 1e-7, seed 0)."""


def hebbian_vector(v, sample: XORSample) -> Feedback:
    """Check ``v = sum_i y_i x_i`` (up to a positive factor) and compare its classifier with the network
    after one gradient step from ``sample``.

    Parameters
    ----------
    v : array-like, shape (dim,), or None
    sample : companion.xor.XORSample

    Returns
    -------
    Feedback
    """
    if v is None:
        return Feedback(False, "compute v from s.x and s.labels and run the cell.")
    v, problem = as_array(v, "v")
    if problem:
        return Feedback(False, problem)
    x, y = sample.x.cpu().double(), sample.labels.cpu().double()
    if tuple(v.shape) != (x.shape[1],):
        return Feedback(False, f"v must have shape ({x.shape[1]},) (one weight per input coordinate); got "
                               f"{tuple(v.shape)}.")
    if not torch.isfinite(v).all() or v.norm() == 0:
        return Feedback(False, "v must be a finite, non-zero vector.")
    target = y @ x
    cosine = float(v @ target / (v.norm() * target.norm()))
    if cosine < -HEBBIAN_COSINE_MIN:
        return Feedback(False, "v points the wrong way: it is -sum_i y_i x_i. Hebb's rule adds y_i x_i.")
    clean = sample.clean_labels.cpu().double() @ x
    if bool(sample.flipped.any()) and float(v @ clean / (v.norm() * clean.norm())) > 1 - 1e-6:
        return Feedback(False, "you used the clean labels; the network only sees the noisy ones, s.labels.")
    if cosine < HEBBIAN_COSINE_MIN:
        return Feedback(False, f"v is not a positive multiple of sum_i y_i x_i (cosine {cosine:.3f}). Sum over all "
                               "training points, each weighted by its (noisy) label.")
    w1 = step_one_reference(sample, EXERCISE.step_size)
    f0 = twolayer.explicit_outputs(sample.w0, sample.x_test, sample.out_weights).cpu().double()
    f1 = twolayer.explicit_outputs(w1, sample.x_test, sample.out_weights).cpu().double()
    hebb = sample.x_test.cpu().double() @ v

    def compare(f):
        agree = float((torch.sign(f) == torch.sign(hebb)).double().mean())
        return f"agrees in sign on {100 * agree:.1f}% and correlates at {np.corrcoef(f.numpy(), hebb.numpy())[0, 1]:.3f}"

    return Feedback(True, f"v is the Hebbian vector. On the test points (one GD step at step size "
                          f"{EXERCISE.step_size:g} from this sample's start), the network after step 1 {compare(f1)} "
                          f"with <v, x>; its change in step 1 {compare(f1 - f0)}. The two differ by the start f^(0), "
                          "which is negligible only when the initialization is small.")


def biased_rule(w, b, predicted, sample: XORSample, minimum: float = 0.65) -> Feedback:
    """Check a biased halfspace ``sign(<w, x> - b)`` that beats chance on XOR clusters, and the
    accuracy the student predicted for it.

    Parameters
    ----------
    w : array-like, shape (dim,), or None
    b : float, 0-d array or tensor, or None
    predicted : float, 0-d array or tensor, or None
        The clean test accuracy the student expects, written before running.
    sample : companion.xor.XORSample
        Its test points (clean labels) judge the rule.
    minimum : float
        The clean test accuracy the rule must reach (the exercise states it).

    Returns
    -------
    Feedback
    """
    if predicted is None:
        return Feedback(False, "first write down the clean test accuracy you expect for your rule (a number in "
                               "[0, 1]), then run.")
    guess = number(predicted)
    if guess is None or not 0 <= guess <= 1:
        return Feedback(False, f"predicted must be an accuracy in [0, 1]; got {short(predicted)}.")
    if w is None or b is None:
        return Feedback(False, "choose a direction w and an offset b and run the cell.")
    offset = number(b)
    if offset is None:
        return Feedback(False, f"b must be one finite number (a float, or a 0-d tensor or array); got {short(b)}.")
    w, problem = as_array(w, "w")
    if problem:
        return Feedback(False, problem)
    x = sample.x_test.cpu().double()
    if tuple(w.shape) != (x.shape[1],):
        return Feedback(False, f"w must have shape ({x.shape[1]},); got {tuple(w.shape)}.")
    if not torch.isfinite(w).all():
        return Feedback(False, "w contains NaN or infinite entries.")
    if w.norm() == 0:
        return Feedback(False, "w is the zero vector: <w, x> - b = -b for every x, so the rule gives every point the "
                               "same label. Choose a direction, e.g. along one cluster mean.")
    correct = torch.sign(x @ w - offset) == sample.test_labels.cpu().double()
    accuracy = float(correct.double().mean())
    if offset == 0:
        return Feedback(False, f"with b = 0 this is a halfspace through the origin: its accuracy is {accuracy:.3f}, "
                               "exactly 1/2 in expectation, since x and -x carry the same label.")
    cluster = sample.cluster_test.cpu()
    per_cluster = ", ".join(f"{name} {100 * float(correct[cluster == k].double().mean()):.0f}%"
                            for k, name in enumerate(("+μ1", "-μ1", "+μ2", "-μ2")) if bool((cluster == k).any()))
    note = (f" You predicted {guess:.2f}: {'right' if abs(guess - accuracy) <= 0.05 else 'off by more than 0.05'}"
            f" (per cluster: {per_cluster}).")
    if accuracy >= minimum:
        return Feedback(True, f"clean test accuracy {accuracy:.3f}." + note + " The offset breaks the symmetry "
                              "x -> -x; the network has no bias, and after one step from a tiny start it is close to "
                              "a linear function through the origin, so it cannot represent this rule then.")
    return Feedback(False, f"clean test accuracy {accuracy:.3f}, below {minimum}." + note + " Try w along one cluster "
                           "mean and an offset that separates that cluster from the other three (how far is a point "
                           "of it from the origin along w, and how far are the others?).")


# --- Exercise: make the delay visible -----------------------------------------------------------

DELAY_FACTOR = 1.5
"""How close to the threshold :func:`delay` wants the answer: at ``init_scale / DELAY_FACTOR`` some seed
must already reach 90% at step 10. Near the threshold the worst seed's step-10 accuracy falls by about
0.05 per factor 1.2 in omega (seeds 0, 1, 2 at the book's sizes, measured on a grid of ratio 1.2), so a
factor of 1.5 is a bracket a grid of a few runs finds without luck, and it excludes the book's default
omega = 5e-4, which meets the other conditions with room to spare."""


def _listed(values) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def delay(init_scale, predicted, seeds: Sequence[int] = (0, 1, 2), device=None, measure=None) -> Feedback:
    """Check the smallest initialization scale that makes the harmful phase visible at the book's sizes.

    The run (:data:`DELAY`) must fit every training label at step 1, stay below 90% clean test
    accuracy at step 10, and reach 95% by step 300, on every seed; and ``init_scale`` must be the
    smallest such scale to within :data:`DELAY_FACTOR`: at ``init_scale / DELAY_FACTOR`` some seed
    already reaches 90% at step 10. A wrong answer is told which condition fails, with its own
    measurements; a right one is compared with the threshold measured by bisection, and with the
    student's ``predicted`` (required, written before searching, not graded).

    Parameters
    ----------
    init_scale : float or None
        The student's ``omega``.
    predicted : float or None
        The smallest ``omega`` the student predicted would keep step 10 below 90%.
    seeds : sequence of int
    device : str, torch.device or None
    measure : callable, optional
        ``measure(omega, steps, seeds, device) -> (fitted, at_ten, at_end)``, the runs the check judges
        (default :func:`delay_accuracies`).

    Returns
    -------
    Feedback
    """
    measure = delay_accuracies if measure is None else measure
    if predicted is None:
        return Feedback(False, "first write down your prediction (the smallest init scale that keeps the test "
                               "accuracy below 90% at step 10), then search for init_scale.")
    if init_scale is None:
        return Feedback(False, "choose init_scale and run the cell.")
    checked = {}
    for name, value in (("predicted", predicted), ("init_scale", init_scale)):
        checked[name] = number(value)
        if checked[name] is None or not 1e-9 <= checked[name] <= 1.0:
            return Feedback(False, f"{name} must be a number in [1e-9, 1]; got {short(value)}.")
    omega, guess, seeds = checked["init_scale"], checked["predicted"], tuple(seeds)
    laziness = natural_units(DELAY.replace(init_scale=omega))["laziness"]
    own = f"ω = {omega:.3g} (laziness 2ω√(nm)/α = {laziness:.3g})"
    fitted, at10, _ = measure(omega, 10, seeds, device)
    if np.any(fitted < 1):
        return Feedback(False, f"too large: at {own} step 1 no longer fits every training label (step-1 training "
                               f"accuracy per seed {_listed(fitted)}). The start's outputs now rival what one step "
                               "adds to a training point's margin.")
    if np.any(at10 >= 0.9):
        return Feedback(False, f"too small: at {own} the harmful phase is over by step 10 (clean test accuracy at "
                               f"step 10 per seed {_listed(at10)}; 90% or more on some seed). The learned part has to "
                               "outgrow each neuron's start, ω√p, on fresh points.")
    _, _, end = measure(omega, DELAY.steps, seeds, device)
    if np.any(end < 0.95):
        return Feedback(False, f"too large: at {own} the network is still harmful at step {DELAY.steps} (clean test "
                               f"accuracy per seed {_listed(end)}). Each neuron's start dominates what a step adds, "
                               "so training stays lazy.")
    smaller = omega / DELAY_FACTOR
    _, below10, _ = measure(smaller, 10, seeds, device)
    shown = (f"step-1 training accuracy {_listed(fitted)}; clean test accuracy at step 10 {_listed(at10)}, at step "
             f"{DELAY.steps} {_listed(end)}")
    if np.all(below10 < 0.9):
        return Feedback(False, f"a visible delay, but not the smallest ω that gives one: at ω/{DELAY_FACTOR:g} = "
                               f"{smaller:.3g} every seed is still below 90% at step 10 ({_listed(below10)}). Look for "
                               f"the smallest such ω, to within a factor {DELAY_FACTOR:g}. (At your ω: {shown}.)")
    threshold = step_ten_threshold(smaller, omega, seeds, device, measure)
    units = natural_units(DELAY.replace(init_scale=threshold))["laziness"]
    return Feedback(True, f"the smallest ω with a visible delay, to within a factor {DELAY_FACTOR:g}: {shown}; at "
                          f"ω/{DELAY_FACTOR:g} = {smaller:.3g} step 10 reaches {_listed(below10)}. Measured threshold "
                          f"(bisection): ω ≈ {threshold:.1e} (laziness {units:.2g}); your prediction {guess:.1e} is "
                          f"{guess / threshold:.2g} times it.")
