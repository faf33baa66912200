"""What the XOR chapter's exercise checks compare answers with: one gradient step by autograd and its
typical slips, the expected step-1 margin measured over many seeds, and the runs behind the delay
exercise. Public, so that a test (or a curious student) can call them and pass their results to
the checks (:mod:`companion.xor.checks`)."""
from __future__ import annotations

import functools

import numpy as np
import torch

from .. import twolayer
from .data import XORSample, label_imbalance
from .setting import BOOK, EXPLORER
from .theory import step_one_margin_gain
from .train import train

__all__ = ["EXERCISE", "STEP_ONE_TOLERANCE", "step_one_reference", "step_one_slips", "MARGIN_CASES", "MARGIN_SEEDS",
           "margin_measurement", "margin_measurements", "expected_margin", "DELAY", "delay_accuracies",
           "step_ten_threshold"]


EXERCISE = EXPLORER
"""The setting of the chapter's exercises: the explorer's size (n = 100, p = 20,000, m = 200)."""


STEP_ONE_TOLERANCE = 1e-3
"""Relative size below which :func:`companion.xor.checks.step_one` counts two updates ``W^(1) - W^(0)`` as equal (and an update
as a constant multiple of another, by the residual of the best scalar fit). On the notebook's sample
(``EXERCISE`` at omega = 1e-7, seed 0) the book's solution differs from autograd's step by 2.1e-7 (float32
rounding) and the f = 0 shortcut by 4.3e-6 (the start's outputs are ~1e-5), while every slip the check names
is at least 2.6e-3 away (forgetting ``W^(0)``, whose norm is that fraction of the update's; the clean labels
0.61, the other slips 1 or more): the tolerance sits between the two."""


def step_one_reference(sample: XORSample, step_size: float) -> torch.Tensor:
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


def step_one_slips(sample: XORSample, step_size: float):
    """Typical wrong first-step updates ``W^(1) - W^(0)`` (float64, CPU), each with what is wrong about it."""
    x, y, w0, a = (t.cpu().double() for t in (sample.x, sample.labels, sample.w0, sample.out_weights))
    clean = sample.clean_labels.cpu().double()
    n = x.shape[0]
    pre = x @ w0.T                                                    # (n, m): <w_j^(0), x_i>
    active = (pre > 0).double()

    def update(labels=y, weights=a, derivative=None, indicator=active):
        derivative = torch.sigmoid(-labels * (torch.relu(pre) @ a)) if derivative is None else derivative
        return step_size * weights[:, None] * ((indicator * (labels * derivative)[:, None]).T @ x) / n

    f0 = torch.relu(pre) @ a
    out = [(update(labels=torch.ones_like(y)), "you dropped the labels y_i: each training point pushes w_j towards "
                                               "a_j y_i x_i, so the label sets the direction."),
           (update(weights=a.abs()), "you dropped the sign of a_j: neurons with a_j < 0 move the opposite way, "
                                     "towards -y_i x_i."),
           (update(weights=torch.ones_like(a)), "you left out the output weight a_j = ±1/√m from the gradient."),
           (update(indicator=torch.ones_like(active)), "you dropped the ReLU's derivative 1[<w_j^(0), x_i> > 0]: a "
                                                       "neuron moves only with the points it is active on."),
           (update(indicator=torch.relu(pre)), "you used ReLU(<w_j^(0), x_i>) where its derivative, the indicator "
                                               "1[<w_j^(0), x_i> > 0], belongs.")]
    if bool((sample.flipped).any()):
        out.append((update(labels=clean), "you used the clean labels: the network is trained on the noisy ones, "
                                          "s.labels (s.clean_labels is only for measuring)."))
    if float((torch.sigmoid(-y * f0) - 0.5).abs().max()) > STEP_ONE_TOLERANCE:
        out.append((update(derivative=torch.full_like(y, 0.5)),
                    "you used the f = 0 shortcut (derivative -y_i/2), but at this initialization the start is not "
                    "negligible: use the exact derivative -y_i σ(-y_i f^(0)(x_i))."))
        out.append((update(derivative=torch.sigmoid(y * f0)), "the derivative of log(1 + e^(-z)) is -σ(-z): you "
                                                               "used σ(+y_i f^(0)(x_i))."))
    return out


MARGIN_CASES = ((100, 20_000, 40.0, 0.015), (100, 80_000, 40.0, 0.004), (200, 20_000, 40.0, 0.03),
                (100, 20_000, 120.0, 0.015), (50, 5_000, 50.0, 0.05))
"""(n, p, ||mu||, alpha) of the runs :func:`step_one_margin` compares a formula with; the fourth and
fifth have a signal strong enough that ``||mu||^2`` matters next to ``p``."""


MARGIN_SEEDS = tuple(range(1000, 1200))
"""The seeds the margin check averages over (fixed: the check judges an expectation, not a draw)."""


@functools.lru_cache(maxsize=None)
def margin_measurement(n: int, p: int, signal: float, alpha: float, device=None) -> tuple[float, float]:
    """The expected mean step-1 margin from omega = 1e-7, estimated on :data:`MARGIN_SEEDS`, and its standard error.

    Each seed's mean margin scatters with its label imbalance ``D = d_1^2 + d_2^2``
    (:func:`companion.xor.label_imbalance`), through the ``D ||mu||^2`` in ``||sum_i y_i x_i||^2``;
    ``E D = n`` exactly (each point adds +-1 to one ``d_k`` with probability 1/2), so the estimate
    subtracts ``beta (D - n)``, with ``beta`` the regression slope over the seeds (a control variate:
    the same expectation, a standard error up to three times smaller).
    Cached: the cases are fixed, so a rerun of the cell costs nothing.
    """
    cfg = EXERCISE.replace(n=n, dim=p, signal=signal, step_size=alpha, init_scale=1e-7, steps=1, n_test=1)
    run = train(cfg, seeds=MARGIN_SEEDS, device=device, record=[0, 1], progress=False)
    margins = (run.train_out[:, 1] * run.train_labels).mean(axis=1)
    imbalance = np.array([float(np.sum(label_imbalance(cfg, s) ** 2)) for s in MARGIN_SEEDS])
    beta = np.cov(margins, imbalance)[0, 1] / imbalance.var(ddof=1)
    adjusted = margins - beta * (imbalance - n)
    return float(adjusted.mean()), float(adjusted.std(ddof=2) / np.sqrt(adjusted.size))


def margin_measurements(device=None) -> tuple[tuple[float, float], ...]:
    """:func:`margin_measurement` for every case of :data:`MARGIN_CASES`: what :func:`step_one_margin`
    compares a formula with, as (mean, standard error) pairs in the order of the cases."""
    return tuple(margin_measurement(n, p, signal, alpha, device) for n, p, signal, alpha in MARGIN_CASES)


def expected_margin(alpha, p, n, signal) -> float:
    """The expectation the measurement estimates (:func:`companion.xor.step_one_margin_gain`); used only to
    say what is wrong with a formula, never shown."""
    return step_one_margin_gain(EXERCISE.replace(n=int(n), dim=int(p), signal=float(signal),
                                                     step_size=float(alpha)), "small")


DELAY = BOOK.replace(steps=300)
"""The setting of :func:`delay`: the book's sizes (n = 500, p = 150,000, m = 500), alpha = 0.01,
300 steps (at the explorer's size some seeds stay stuck whatever the initialization)."""


def delay_accuracies(omega: float, steps: int, seeds: tuple, device=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`delay` measures of one initialization scale ``omega`` at the sizes of :data:`DELAY`: per
    seed, the training accuracy at step 1 and the clean test accuracy at step 10 and at ``steps``.

    Returns
    -------
    fitted, at_ten, at_end : ndarray, shape (S,) each
    """
    run = train(DELAY.replace(init_scale=float(omega), steps=steps), seeds=list(seeds), device=device,
                    record=sorted({0, 1, 10, steps}), progress=False)
    return run.train_acc[:, 1], run.test_acc[:, run.index(10)], run.test_acc[:, -1]


def step_ten_threshold(low: float, high: float, seeds: tuple, device, measure, rounds: int = 3) -> float:
    """Bisection (on a log scale) between ``low``, where some seed reaches 90% at step 10, and ``high``,
    where none does: the smallest omega that keeps every seed below 90%, to a factor (high/low)^(1/2^rounds)."""
    for _ in range(rounds):
        mid = float(np.sqrt(low * high))
        if np.all(measure(mid, 10, seeds, device)[1] < 0.9):
            high = mid
        else:
            low = mid
    return high
