"""What the attention chapter's exercise checks compare answers with: the step-1 accuracy measured over
many seeds, the largest step on ``p`` found by bisection, the step-1 threshold with several noise
tokens, and the max-margin solver's switch to the signal tokens. All on the :data:`CHECK_SEEDS`, which
the chapter never uses. Public, so that a test (or a curious student) can call them and pass their
results to the checks (:mod:`companion.attention.checks`); the measurements are kept for the session.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from .measures import clean_labels
from .setting import BOOK
from .theory import PATTERNS, hard_attention_margin
from .train import train

__all__ = ["CHECK_SEEDS", "ACCURACY_CASES", "step_one_measurements", "count_spread", "step_two_accuracy",
           "largest_step", "TOKEN_CASES", "flipped_terms", "half_fitted", "token_thresholds", "THRESHOLD_CASES",
           "margin_switches", "margin_thresholds"]


CHECK_SEEDS = tuple(range(2000, 2100))
"""The seeds the checks average over (fixed, and never used by the chapter)."""


ACCURACY_CASES = ((80, 6000, 4.0, 0.1), (80, 6000, 5.5, 0.1), (320, 6000, 4.0, 0.1), (80, 1500, 4.0, 0.1),
                  (80, 6000, 5.5, 0.3))
"""(n, d, rho, eta) of the runs :func:`step_one_accuracy` compares a formula with: a base case, then
one change at a time (rho, n, d; the last changes eta from the second), so that a wrong dependence on
one variable shows as a change of ``Phi^-1(yours) / Phi^-1(measured)`` between two cases. The
accuracies run from 0.75 to 0.93, where a 10% error in the argument of Phi moves the accuracy by
0.020 to 0.022: 1.7 to 3.5 times the tolerance in the four cases at eta = 0.1 (the case at eta = 0.3
varies more from seed to seed, and its tolerance is 0.026)."""


@functools.lru_cache(maxsize=None)
def step_one_measurements(device=None) -> tuple[tuple[float, float], ...]:
    """(mean, standard error) over the 100 :data:`CHECK_SEEDS` of the step-1 clean test accuracy
    (500 test points per seed), per case of :data:`ACCURACY_CASES`."""
    rows = []
    for n, d, rho, eta in ACCURACY_CASES:
        cfg = BOOK.replace(n=n, dim=d, signal=rho, noise_rate=eta, steps=1, n_test=500)
        acc = train(cfg, seeds=CHECK_SEEDS, device=device, record=[0, 1], progress=False).test_acc[:, 1]
        rows.append((float(acc.mean()), float(acc.std(ddof=1) / np.sqrt(acc.size))))
    return tuple(rows)


def count_spread(n: int, d: int, rho: float, eta: float) -> float:
    """How far the mean-count formula lies above the expected accuracy: ``Phi(rho^2 Dbar / sqrt(n d))``
    minus ``E[Phi(rho^2 D / sqrt(n d))]`` over the trinomial law of a class's clean-minus-flipped
    count ``D`` (each example is a clean one of the class with probability ``(1 - eta) / 2``, a
    flipped one with ``eta / 2``)."""
    from scipy.special import ndtr
    from scipy.stats import binom
    scale = rho ** 2 / np.sqrt(n * d)
    clean = np.arange(n + 1)
    expected = 0.0
    for a, pa in zip(clean, binom.pmf(clean, n, (1 - eta) / 2)):
        b = np.arange(n - a + 1)
        expected += pa * float(np.sum(binom.pmf(b, n - a, eta / (1 + eta)) * ndtr(scale * (a - b))))
    return float(ndtr(scale * n * (1 - 2 * eta) / 2)) - expected


def step_two_accuracy(alpha_v: float, alpha_p: float, device=None) -> float:
    """The mean clean test accuracy after step 2 over 20 of the :data:`CHECK_SEEDS` (500 test points each)."""
    cfg = BOOK.replace(step_size_v=alpha_v, step_size_p=alpha_p, n_test=500)
    run = train(cfg, seeds=CHECK_SEEDS[:20], device=device, record=[0, 2], progress=False)
    return float(run.test_acc[:, -1].mean())


@functools.lru_cache(maxsize=None)
def largest_step(alpha_v: float, device=None, low: float = 1e-3, high: float = 10.0, rounds: int = 10,
                 measure: Callable | None = None) -> float | None:
    """The largest step on p keeping the mean accuracy of :func:`step_two_accuracy` (or of ``measure``, a
    function of ``(alpha_v, alpha_p, device)``) at least 95%, by bisection on a logarithmic scale (to a
    factor 1.01), or None when even ``low`` does not."""
    measure = step_two_accuracy if measure is None else measure
    if measure(alpha_v, low, device) < 0.95:
        return None
    for _ in range(rounds):
        mid = float(np.sqrt(low * high))
        low, high = (mid, high) if measure(alpha_v, mid, device) >= 0.95 else (low, mid)
    return low


TOKEN_CASES = ((80, 1, 0.1), (80, 2, 0.1), (80, 4, 0.1), (160, 1, 0.1), (320, 1, 0.1), (160, 1, 0.3))
"""(n, noise tokens per example K, eta) of the runs :func:`noise_tokens_threshold` compares a formula
with: K = 1, 2, 4 at n = 80, n = 80, 160, 320 at K = 1, and eta = 0.1, 0.3 at n = 160, so that a wrong
dependence on one of them shows as a trend of yours/measured across its cases."""


def flipped_terms(n: int, tokens: int, eta: float, seeds: Sequence[int], device) -> tuple[np.ndarray, np.ndarray]:
    """For every flipped training example (pooled over ``seeds``): ``(a, b)`` with its step-1 output
    times its label equal to ``a - rho^2 b`` at every rho. At p = 0 the attention is uniform, 1/(K+1)
    on each token, so the output is ``<v_1, mu_c> / (K+1)`` (``rho^2`` times v_1's coefficient on
    ``mu_c``, which does not depend on rho) plus noise terms that do not involve rho either: one run
    gives both terms exactly."""
    rho = 1.0
    cfg = BOOK.replace(n=n, noise_rate=eta, noise_tokens=tokens, steps=1, n_test=1, signal=rho)
    run = train(cfg, seeds=seeds, device=device, record=[0, 1], progress=False)
    cls = (clean_labels(run) < 0).astype(int)          # 0: mu1 (clean label +1), 1: mu2
    b = -run.train_labels * np.take_along_axis(run.v_coef[:, 1, :2], cls, axis=1) / (tokens + 1)
    a = run.train_out[:, 1] * run.train_labels + rho ** 2 * b
    return a[run.flipped], b[run.flipped]


def half_fitted(a: np.ndarray, b: np.ndarray, dim: int) -> float:
    """The smallest SNR at which fewer than half of the flipped examples are fitted (their output
    times their label, ``a - SNR^2 dim b``, positive): where the bisection of the share would land."""
    share = lambda x: float(np.mean(a - x * x * dim * b > 0))     # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = np.sqrt(a / (b * dim))
    for x in np.sort(roots[np.isfinite(roots) & (roots > 0)]):
        if share(x * (1 + 1e-9)) < 0.5:
            return float(x)
    return float("inf")


@functools.lru_cache(maxsize=None)
def token_thresholds(device=None) -> tuple[float, ...]:
    """Per case of :data:`TOKEN_CASES`, the SNR above which step 1 fits fewer than half of the flipped
    labels, pooled over the 100 :data:`CHECK_SEEDS` (book dimension)."""
    return tuple(half_fitted(*flipped_terms(n, k, eta, CHECK_SEEDS, device), BOOK.dim)
                 for n, k, eta in TOKEN_CASES)


THRESHOLD_CASES = ((40, 0.1), (80, 0.1), (160, 0.1), (80, 0.0), (80, 0.3))
"""(n, eta) at which :func:`margin_threshold_formula` finds the threshold: n = 40, 80, 160 at eta =
0.1, and eta = 0, 0.1, 0.3 at n = 80. At eta = 0.3 the answers with ``1 - eta``, ``1 - 2 eta`` and no
eta at all are 20% or more apart."""


_SWITCH_SIGNAL = 1.0
"""rho at which :func:`margin_switches` solves (any value gives the same switches)."""


def margin_switches(n: int, eta: float, seeds: Sequence[int]) -> np.ndarray:
    """Per seed, the SNR above which the hard-attention max-margin interpolator (the exact solver)
    stops being the all-noise pattern. A pattern with k classes on their signal tokens has
    ``||v||^2 = k / rho^2 + C`` with C independent of rho (the signal tokens are orthogonal to the
    noise tokens), so one solve gives every pattern's k and C, and the switch is exact."""
    h = hard_attention_margin(BOOK.replace(n=n, signal=_SWITCH_SIGNAL, noise_rate=eta, n_test=1),
                                        seeds=seeds)
    k = (h.v_coef[:, :, :2] != 0).sum(axis=-1)
    rest = h.sq_norms - k / _SWITCH_SIGNAL ** 2
    saving = rest[:, [PATTERNS.index("noise/noise")]] - rest
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where((k > 0) & (saving > 0), np.sqrt(k / (saving * BOOK.dim)), np.inf)
    return snr.min(axis=1)


@functools.lru_cache(maxsize=None)
def margin_thresholds() -> tuple[float, ...]:
    """Per case of :data:`THRESHOLD_CASES`, the median over the 100 :data:`CHECK_SEEDS` of the switch
    (the SNR above which the majority of seeds use a signal token)."""
    return tuple(float(np.median(margin_switches(n, eta, CHECK_SEEDS))) for n, eta in THRESHOLD_CASES)
