"""Exercise checks of the XOR chapter (see :mod:`companion.checks` for the convention).

Each check runs the experiment it judges (at the explorer's size: a second or less on a CPU) and
says what is right or wrong about the answer, not only whether it is.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from .. import twolayer, xor
from . import Feedback, evaluate_formula, is_number

__all__ = ["EXERCISE", "step_one_reference", "step_one", "step_one_margin", "MARGIN_CASES", "MARGIN_SEEDS",
           "hebbian_vector", "biased_rule", "delay", "DELAY"]

EXERCISE = xor.EXPLORER
"""The setting of the chapter's exercises: the explorer's size (n = 100, p = 20,000, m = 200)."""


# --- Exercise: the first step, derived --------------------------------------------------------

def step_one_reference(sample: xor.XORSample, step_size: float) -> torch.Tensor:
    """One full-batch GD step on the explicit weights, with autograd (what the checks compare with).

    Parameters
    ----------
    sample : companion.xor.XORSample
    step_size : float

    Returns
    -------
    torch.Tensor, shape (width, dim)
    """
    w = sample.w0.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(twolayer.explicit_loss(w, sample.x, sample.labels, sample.out_weights), w)
    return (sample.w0 - step_size * grad).detach()


def _slips(sample: xor.XORSample, step_size: float):
    """Typical wrong first steps, each with what is wrong about it."""
    x, y, w0, a = sample.x, sample.labels, sample.w0, sample.out_weights
    n = x.shape[0]
    active = (x @ w0.T > 0).to(x.dtype)                               # (n, m)

    def step(labels, weights, derivative):
        return w0 + step_size * weights[:, None] * ((active * (labels * derivative)[:, None]).T @ x) / n

    exact = torch.sigmoid(-y * twolayer.explicit_outputs(w0, x, a))
    half = torch.full_like(y, 0.5)
    out = [(step(torch.ones_like(y), a, exact), "you dropped the labels y_i: each training point pushes w_j towards "
                                                "a_j y_i x_i, so the label sets the direction."),
           (step(y, a.abs(), exact), "you dropped the sign of a_j: neurons with a_j < 0 move the opposite way, "
                                     "towards -y_i x_i."),
           (step(y, torch.ones_like(a), exact), "you left out the output weight a_j = ±1/√m from the gradient.")]
    if float((exact - half).abs().max()) > 1e-3:
        out.append((step(y, a, half), "you used the f = 0 shortcut (derivative -y_i/2), but at this initialization "
                                      "the start is not negligible: use the exact derivative "
                                      "-y_i σ(-y_i f^(0)(x_i))."))
    return out


def step_one(w1, sample: xor.XORSample, step_size: float) -> Feedback:
    """Check a hand-derived first-step weight matrix against one step of gradient descent.

    Parameters
    ----------
    w1 : array-like, shape (width, dim)
        The student's ``W^(1)``.
    sample : companion.xor.XORSample
        The data and initialization the step starts from.
    step_size : float

    Returns
    -------
    Feedback
    """
    reference = step_one_reference(sample, step_size)
    w1 = torch.as_tensor(np.asarray(w1.detach().cpu() if torch.is_tensor(w1) else w1), dtype=reference.dtype)
    if tuple(w1.shape) != tuple(reference.shape):
        return Feedback(False, f"W1 must have shape {tuple(reference.shape)} (width, dim); got {tuple(w1.shape)}.")
    if not torch.isfinite(w1).all():
        return Feedback(False, "W1 contains NaN or infinite entries.")
    update, ref_update = w1 - sample.w0.cpu(), (reference - sample.w0).cpu()
    if update.norm() == 0:
        return Feedback(False, "W1 equals the initialization: add the gradient step.")
    ratio = float((update * ref_update).sum() / ref_update.pow(2).sum())
    error = float((update - ref_update).norm() / ref_update.norm())
    if error < 1e-3:
        return Feedback(True, f"your W1 matches one step of gradient descent (relative error of the update "
                              f"{error:.1e}).")
    n = sample.x.shape[0]
    for candidate, hint in _slips(sample, step_size):
        slip = (candidate - sample.w0).cpu()
        if float((update - slip).norm() / slip.norm()) < 1e-3:
            return Feedback(False, hint)
    hints = [(2.0, "your update is twice too large: at f = 0 the derivative of log(1 + e^(-z)) is -1/2."),
             (0.5, "your update is half the right size: at f = 0 the derivative of log(1 + e^(-z)) is -1/2, "
                   "not -1/4."),
             (-1.0, "your update has the wrong sign: gradient descent moves against the gradient, so w_j moves "
                    "towards a_j y_i x_i."),
             (float(n), f"your update is n = {n} times too large: the loss is the mean over the training set, "
                        "not the sum."),
             (1.0 / n, f"your update is n = {n} times too small: divide by n once, not twice.")]
    for target, hint in hints:
        if abs(ratio - target) < 0.02 * abs(target):
            return Feedback(False, hint)
    return Feedback(False, f"your update differs from one GD step by a relative error of {error:.2f} (best "
                           f"scalar fit {ratio:.3g}). Check the indicator 1[<w_j^(0), x_i> > 0]: it uses the "
                           "initial weights, and the sum runs over all training points.")


# --- Exercise: the step-1 margin, predicted ---------------------------------------------------

MARGIN_CASES = ((100, 20_000, 40.0, 0.015), (100, 80_000, 40.0, 0.004), (200, 20_000, 40.0, 0.03),
                (100, 20_000, 120.0, 0.015), (50, 5_000, 50.0, 0.05))
"""(n, p, ||mu||, alpha) of the runs :func:`step_one_margin` compares a formula with; the fourth and
fifth have a signal strong enough that ``||mu||^2`` matters next to ``p``."""

MARGIN_SEEDS = tuple(range(1000, 1200))
"""The seeds the margin check averages over (fixed: the check judges an expectation, not a draw; with a
strong signal one seed's mean margin spreads by about half the expectation, so it takes many)."""


def _mean_step_one_margins(n, p, signal, alpha, device) -> np.ndarray:
    """The mean step-1 margin of each seed of :data:`MARGIN_SEEDS`, from omega = 1e-7."""
    cfg = EXERCISE.replace(n=n, dim=p, signal=signal, step_size=alpha, init_scale=1e-7, steps=1, n_test=1)
    run = xor.train(cfg, seeds=MARGIN_SEEDS, device=device, record=[0, 1], progress=False)
    return (run.train_out[:, 1] * run.train_labels).mean(axis=1)


def step_one_margin(formula: Callable | None, device=None, tolerance: float = 0.10) -> Feedback:
    """Check a formula for the expected mean step-1 margin ``E (1/n) sum_k y_k f^(1)(x_k)`` from a tiny start.

    The formula is evaluated on every case of :data:`MARGIN_CASES` and compared with the mean over
    the 200 seeds of :data:`MARGIN_SEEDS` of the measured mean margin, within ``tolerance`` or three
    standard errors of that mean, whichever is larger: a guessed number cannot match cases that
    differ in ``n``, ``p``, ``||mu||`` and ``alpha``.

    Parameters
    ----------
    formula : callable or None
        ``formula(alpha, p, n, signal) -> float``; None means "not written yet".
    device : str, torch.device or None
    tolerance : float
        Smallest relative difference accepted in every case.

    Returns
    -------
    Feedback
    """
    values, problem = evaluate_formula(formula, [(alpha, p, n, signal) for n, p, signal, alpha in MARGIN_CASES],
                                       "alpha, p, n, signal")
    if problem:
        return problem
    rows = []
    for (n, p, signal, alpha), predicted in zip(MARGIN_CASES, values):
        margins = _mean_step_one_margins(n, p, signal, alpha, device)
        mean, se = float(margins.mean()), float(margins.std(ddof=1) / np.sqrt(margins.size))
        rows.append((n, p, signal, alpha, float(predicted), mean, max(tolerance, 3 * se / abs(mean))))
    ratios = np.array([pred / meas for *_, pred, meas, _ in rows])
    allowed = np.array([tol for *_, tol in rows])
    table = "; ".join(f"n={n}, p={p:,}, ‖μ‖={s:g}, α={a:g}: yours {pred:.3f}, measured {meas:.3f} ± {100 * tol:.0f}%"
                      for n, p, s, a, pred, meas, tol in rows)
    if np.all(np.abs(ratios - 1) <= allowed):
        return Feedback(True, f"within the tolerance in every case ({table}). Averaging "
                              "f^(1)(x_k) ≈ (α/8n)<v, x_k> over k gives α‖v‖²/(8n²) on one draw; E‖v‖² = n(p + ‖μ‖²), "
                              "since the cross terms <y_i x_i, y_k x_k> have mean zero (not zero on every draw: with "
                              "a strong signal one seed's mean margin can be far from the expectation).")
    weak, strong = np.abs(ratios[:3] - 1) <= allowed[:3], np.abs(ratios[3:] - 1) <= allowed[3:]
    if weak.all() and not strong.all():
        return Feedback(False, f"right where the signal is weak, off where it is strong ({table}). ‖x_k‖² is "
                               "p + ‖μ‖², not p.")
    for factor, hint in ((2.0, "twice too large: a neuron with a_j y_k > 0 contributes only if it was active on "
                               "x_k at the start (half of them), and the loss derivative at f = 0 is -1/2, not -1."),
                         (0.5, "half the measured size: m/4 neurons contribute (active at the start, a_j y_k > 0), "
                               "not m/8, and the loss derivative at f = 0 is -1/2, not -1/4."),
                         (4.0, "four times too large: only a quarter of the neurons contribute (active on x_k at the "
                               "start, and a_j y_k > 0)."),
                         (0.25, "four times too small: did you divide by 4 twice?")):
        if np.all(np.abs(ratios / factor - 1) <= allowed):
            return Feedback(False, f"your formula is {hint} ({table})")
    return Feedback(False, f"not within the tolerance ({table}). Start from "
                           "<w_j^(1), x_k> ≈ α a_j y_k ‖x_k‖² / (2n) for the neurons active on x_k, sum a_j "
                           "ReLU(·) over them, and count how many there are.")


# --- Exercise: step 1 is a Hebbian classifier ---------------------------------------------------

def hebbian_vector(v, sample: xor.XORSample) -> Feedback:
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
    v = torch.as_tensor(np.asarray(v.detach().cpu() if torch.is_tensor(v) else v), dtype=torch.float64)
    x, y = sample.x.cpu().double(), sample.labels.cpu().double()
    if tuple(v.shape) != (x.shape[1],):
        return Feedback(False, f"v must have shape ({x.shape[1]},) (one weight per input coordinate); got "
                               f"{tuple(v.shape)}.")
    if not torch.isfinite(v).all() or v.norm() == 0:
        return Feedback(False, "v must be a finite, non-zero vector.")
    target = y @ x
    cosine = float(v @ target / (v.norm() * target.norm()))
    if cosine < -0.999:
        return Feedback(False, "v points the wrong way: it is -sum_i y_i x_i. Hebb's rule adds y_i x_i.")
    if abs(float(v @ (sample.clean_labels.cpu().double() @ x)) / (v.norm() * (sample.clean_labels.cpu().double()
                                                                                @ x).norm()) - 1) < 1e-6:
        return Feedback(False, "you used the clean labels; the network only sees the noisy ones, s.labels.")
    if cosine < 0.999:
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


def biased_rule(w, b, predicted, sample: xor.XORSample, minimum: float = 0.65) -> Feedback:
    """Check a biased halfspace ``sign(<w, x> - b)`` that beats chance on XOR clusters, and the
    accuracy the student predicted for it.

    Parameters
    ----------
    w : array-like, shape (dim,), or None
    b : float or None
    predicted : float or None
        The clean test accuracy the student expects, written before running.
    sample : companion.xor.XORSample
        Its test points (clean labels) judge the rule.
    minimum : float
        The clean test accuracy the rule must reach.

    Returns
    -------
    Feedback
    """
    if predicted is None:
        return Feedback(False, "first write down the clean test accuracy you expect for your rule (a number in "
                               "[0, 1]), then run.")
    if not is_number(predicted) or not 0 <= predicted <= 1:
        return Feedback(False, f"predicted must be an accuracy in [0, 1]; got {predicted!r}.")
    if w is None or b is None:
        return Feedback(False, "choose a direction w and an offset b and run the cell.")
    if not is_number(b):
        return Feedback(False, f"b must be a finite number; got {b!r}.")
    w = torch.as_tensor(np.asarray(w.detach().cpu() if torch.is_tensor(w) else w), dtype=torch.float64)
    x = sample.x_test.cpu().double()
    if tuple(w.shape) != (x.shape[1],):
        return Feedback(False, f"w must have shape ({x.shape[1]},); got {tuple(w.shape)}.")
    accuracy = float(((torch.sign(x @ w - b) == sample.test_labels.cpu().double())).double().mean())
    if b == 0:
        return Feedback(False, f"with b = 0 this is a halfspace through the origin: its accuracy is {accuracy:.3f}, "
                               "exactly 1/2 in expectation, since x and -x carry the same label.")
    clusters = {name: float((torch.sign(x @ w - b) == sample.test_labels.cpu().double())[sample.cluster_test == k]
                            .double().mean()) for k, name in enumerate(("+μ1", "-μ1", "+μ2", "-μ2"))
                if bool((sample.cluster_test == k).any())}
    per_cluster = ", ".join(f"{name} {100 * acc:.0f}%" for name, acc in clusters.items())
    note = (f" You predicted {predicted:.2f}: {'right' if abs(predicted - accuracy) <= 0.05 else 'off by more than 0.05'}"
            f" (per cluster: {per_cluster}).")
    if accuracy >= minimum:
        return Feedback(True, f"clean test accuracy {accuracy:.3f}." + note + " The offset breaks the symmetry "
                              "x -> -x; the network has no bias, and after one step from a tiny start it is close to "
                              "a linear function through the origin, so it cannot represent this rule then.")
    return Feedback(False, f"clean test accuracy {accuracy:.3f}, below {minimum}." + note + " Try w along one cluster "
                           "mean and an offset that separates that cluster from the other three (how far is a point "
                           "of it from the origin along w, and how far are the others?).")


# --- Exercise: make the delay visible -----------------------------------------------------------

DELAY = xor.BOOK.replace(steps=300)
"""The setting of :func:`delay`: the book's sizes (n = 500, p = 150,000, m = 500), alpha = 0.01,
300 steps (at the explorer's size some seeds stay stuck whatever the initialization)."""


def _step_ten_threshold(seeds, device, low=1e-6, high=3e-3, rounds=8) -> float:
    """The smallest omega (to a factor of about 1.1) at which every seed is below 90% at step 10."""
    def below(omega):
        run = xor.train(DELAY.replace(init_scale=omega, steps=10), seeds=seeds, device=device, record=[0, 10],
                        progress=False)
        return bool(np.all(run.test_acc[:, -1] < 0.9))
    for _ in range(rounds):                               # bisection on a logarithmic scale
        mid = float(np.sqrt(low * high))
        low, high = (low, mid) if below(mid) else (mid, high)
    return high


def delay(init_scale, predicted, seeds: Sequence[int] = (0, 1, 2), device=None) -> Feedback:
    """Check an initialization scale that makes the harmful phase visible at the book's sizes.

    The run (:data:`DELAY`) must fit every training label at step 1, stay below 90% clean test
    accuracy at step 10, and reach 95% by step 300, on every seed. The feedback compares the
    student's predicted threshold with the measured one: the smallest ``omega`` that keeps step 10
    below 90% on every seed, found by bisection.

    Parameters
    ----------
    init_scale : float or None
        The student's choice of ``omega``.
    predicted : float or None
        The smallest ``omega`` the student predicted would keep step 10 below 90%, written down
        before searching.
    seeds : sequence of int
    device : str, torch.device or None

    Returns
    -------
    Feedback
    """
    if predicted is None:
        return Feedback(False, "first write down your prediction (the smallest init scale that keeps the test "
                               "accuracy below 90% at step 10), then choose init_scale.")
    if init_scale is None:
        return Feedback(False, "choose init_scale and run the cell.")
    for name, value in (("predicted", predicted), ("init_scale", init_scale)):
        if not is_number(value) or not 1e-9 <= value <= 1.0:
            return Feedback(False, f"{name} must be a number in [1e-9, 1]; got {value!r}.")
    run = xor.train(DELAY.replace(init_scale=float(init_scale)), seeds=seeds, device=device,
                    record=[0, 1, 10, DELAY.steps], progress=False)
    fitted, at10, end = run.train_acc[:, 1], run.test_acc[:, 2], run.test_acc[:, 3]
    shown = (f"step-1 training accuracy {', '.join(f'{v:.2f}' for v in fitted)}; test at step 10 "
             f"{', '.join(f'{v:.2f}' for v in at10)}; at step {DELAY.steps} {', '.join(f'{v:.2f}' for v in end)}")
    threshold = _step_ten_threshold(list(seeds), device)
    laziness = xor.natural_units(DELAY.replace(init_scale=threshold))["laziness"]
    note = (f" Measured threshold: ω ≈ {threshold:.2g} (laziness 2ω√(nm)/α ≈ {laziness:.2g}); your prediction "
            f"{predicted:.2g} is {predicted / threshold:.2g} times it.")
    if np.any(fitted < 1):
        return Feedback(False, f"too large: step 1 no longer fits every label ({shown}). The start's outputs now "
                               "rival what one step adds to a training point's margin." + note)
    if np.any(at10 >= 0.9):
        return Feedback(False, f"too small: the harmful phase is over by step 10 ({shown}). The learned part has "
                               "to outgrow each neuron's start, ω√p, on fresh points." + note)
    if np.any(end < 0.95):
        return Feedback(False, f"too large: the network is still harmful at step {DELAY.steps} ({shown}). Each "
                               "neuron's start dominates what a step adds, so training stays lazy." + note)
    return Feedback(True, f"a visible delay: {shown}." + note)
