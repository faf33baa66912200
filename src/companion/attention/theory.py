"""What the attention chapter derives: the step-1 accuracy and thresholds, and the max-margin
interpolator with hard attention, solved exactly among the class-level attention patterns."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from .. import validate
from .data import seed_draws
from .setting import SAMPLERS, AttentionConfig

__all__ = ["step_one_accuracy_prediction", "step_one_threshold", "margin_threshold", "PATTERNS",
           "HardAttentionMargin", "hard_attention_margin", "margin_grid"]

def step_one_accuracy_prediction(cfg: AttentionConfig, counts=None):
    """The clean test accuracy of the step-1 model, by the chapter's derivation (one noise token).

    After step 1, ``v_1 = alpha_v / (4 n) sum_i y_i (mu_(i) + xi_i)``. On a fresh example of class
    ``c`` the output times ``c`` is ``alpha_v / (8 n)`` times ``rho^2 D_c + c sum_i y_i <xi_i, xi>``,
    where ``D_c`` is the class's clean minus flipped count among the training examples. Given the
    training set the second term is exactly Gaussian with variance ``||sum_i y_i xi_i||^2``, which is
    ``n d`` up to a relative error of order ``1 / sqrt(d)``. So class ``c`` is classified correctly with
    probability ``Phi(rho^2 D_c / sqrt(n d))``, and with ``D_c`` at its mean ``(n / 2)(1 - 2 eta)`` the
    accuracy is ``Phi(rho^2 sqrt(n) (1 - 2 eta) / (2 sqrt(d)))``.

    Parameters
    ----------
    cfg : AttentionConfig
        One noise token per example.
    counts : array_like, shape (..., 2), optional
        The realized ``D_c`` of class +1 and class -1 (for instance :attr:`AttentionSweep.signal_count`).
        Default: their mean, ``(n / 2)(1 - 2 eta)`` each.

    Returns
    -------
    float or ndarray, shape (...)
        The mean over the two classes of the predicted accuracy.
    """
    from scipy.special import ndtr
    if cfg.noise_tokens != 1:
        raise ValueError(f"cfg.noise_tokens must be 1 for the step-1 prediction; got {cfg.noise_tokens}")
    if counts is None:
        return float(ndtr(cfg.signal ** 2 * np.sqrt(cfg.n) * (1 - 2 * cfg.noise_rate) / (2 * np.sqrt(cfg.dim))))
    counts = np.asarray(counts, dtype=float)
    if counts.ndim == 0 or counts.shape[-1] != 2:
        raise ValueError(f"counts must have shape (..., 2) (class +1, class -1); got {counts.shape}")
    return ndtr(cfg.signal ** 2 * counts / np.sqrt(cfg.n * cfg.dim)).mean(axis=-1)


def step_one_threshold(n, noise_rate: float) -> np.ndarray:
    """The SNR below which, by the chapter's count, step 1 alone already fits the flipped labels:
    ``sqrt(2 / (n (1 - 2 eta)))``.

    After step 1 a flipped training example's output times its label is ``alpha_v / (8 n)`` times
    ``||xi_i||^2 - rho^2 D_c`` plus cross terms of size ``sqrt(n d)``: its own noise token (about
    ``d``) against its class's signal (``D_c`` about ``(n / 2)(1 - 2 eta)``). The first wins when
    ``rho^2 / d < 2 / (n (1 - 2 eta))``. The same two values set the sign of a clean example's own term
    in step 2's attention update; the class's shared term, its signal score ``<mu_c, p>``, is decided
    by the whole class (the chapter derives both).

    Parameters
    ----------
    n : int or array_like of int
        Training examples (>= 1).
    noise_rate : float
        In [0, 0.5).

    Returns
    -------
    ndarray
        The SNR, with the shape of ``n``.
    """
    n, eta = _threshold_args(n, noise_rate)
    return np.sqrt(2.0 / (n * (1.0 - 2.0 * eta)))


def margin_threshold(n: int | np.ndarray, noise_rate: float) -> np.ndarray:
    """The SNR above which, by the chapter's count, the hard-attention max-margin interpolator puts
    a class's clean examples on the signal token: ``sqrt(2 / ((1 - eta) n))``.

    A class's signal token costs ``||v||^2 = 1 / rho^2`` once; memorizing its ``(1 - eta) n / 2``
    clean examples through their noise tokens instead costs about ``(1 - eta) n / (2 d)``. The first
    is cheaper when ``rho^2 / d > 2 / ((1 - eta) n)``. :data:`THRESHOLD_BAND` bounds how far the
    exact solver's switch (exact among the class-level patterns) may lie from it.

    Parameters
    ----------
    n : int or array_like of int
        Training examples (>= 1).
    noise_rate : float
        In [0, 0.5).

    Returns
    -------
    ndarray
        The SNR, with the shape of ``n``.
    """
    n, eta = _threshold_args(n, noise_rate)
    return np.sqrt(2.0 / ((1.0 - eta) * n))


def _threshold_args(n, noise_rate):
    message = f"n must be an integer >= 1 or an array of them; got {n!r}"
    try:
        n = np.asarray(n, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if n.size == 0 or not np.all(np.isfinite(n)) or np.any(n < 1) or np.any(n != np.round(n)):
        raise ValueError(message)
    return n, validate.fraction("noise_rate", noise_rate, 0.0, 0.5, high_open=True)


PATTERNS = ("signal/signal", "signal/noise", "noise/signal", "noise/noise")
"""The class-level hard-attention patterns: where the clean examples of class +1, then of class -1,
attend (flipped examples always attend to their noise tokens)."""


@dataclass
class HardAttentionMargin:
    """The min-norm ``v`` that fits every training label when each example attends to one token.

    With ``p`` free to grow, attention can become hard: example ``i`` then outputs ``<v, x_i*>``
    for the token ``x_i*`` it attends to, and the max-margin interpolator solves
    ``min ||v||^2`` subject to ``y_i <v, x_i*> >= 1``. :func:`hard_attention_margin` solves it
    exactly for the patterns that treat all clean examples of a class alike (see there).

    Attributes
    ----------
    patterns : list of str
        :data:`PATTERNS`: "signal" or "noise" for class +1 and for class -1 (e.g. "signal/noise").
    sq_norms : ndarray, shape (S, 4)
        ``||v||^2`` of the min-norm solution of each pattern, per seed.
    best : ndarray of int, shape (S,)
        The pattern of smallest norm: the max-margin interpolator among them.
    test_acc : ndarray, shape (S, 4)
        Clean test accuracy of each pattern's solution when test examples attend to the same kind
        of token as the clean training examples of their class.
    v_coef : ndarray, shape (S, 4, 2 + n)
        Each solution's ``v`` on ``(mu1, mu2, xi_1, ..., xi_n)``.
    """

    patterns: list
    sq_norms: np.ndarray
    best: np.ndarray
    test_acc: np.ndarray
    v_coef: np.ndarray


def _min_norm_sq(gram_: np.ndarray) -> tuple[float, np.ndarray]:
    """``min ||v||^2 s.t. <v, z_i> >= 1`` for tokens with Gram matrix ``gram_`` (labels folded in).

    The dual is ``max sum(a) - a^T G a / 2`` over ``a >= 0``; with ``G = L L^T`` it is the
    non-negative least squares problem ``min ||L^T a - L^{-1} 1||``. The optimum has
    ``||v||^2 = sum(a)``, and ``v = sum_i a_i z_i``.
    """
    from scipy.optimize import nnls
    L = np.linalg.cholesky(gram_)
    a, _ = nnls(L.T, np.linalg.solve(L, np.ones(len(gram_))))
    return float(a.sum()), a


def hard_attention_margin(cfg: AttentionConfig, seeds: Sequence[int] = (0, 1, 2), sampler: str = "auto") -> HardAttentionMargin:
    """The max-margin interpolator with hard attention, among the patterns that send all clean
    examples of a class to the same kind of token.

    For each class (clean label +1 or -1) its clean examples attend either to the signal token or
    each to its own noise token; flipped examples attend to their noise tokens (they cannot share the
    signal token with the clean examples of their class, whose label is the opposite). For each of
    the four patterns the min-norm ``v`` is found exactly (a non-negative least squares dual, with
    the examples that share a signal token merged into one constraint). The test accuracy of a
    solution assumes test examples attend like the clean training examples of their class: to the
    signal token, where their class does, and to their own noise token otherwise.

    "Exact" holds within this family: patterns that split a class, or put a flipped example on its
    signal token, are not searched. It runs on the CPU in float64 (scipy's NNLS on an ``n x n``
    Gram matrix); there is no ``device`` argument because there is nothing to gain from a GPU at
    these sizes.

    Parameters
    ----------
    cfg : AttentionConfig
        One noise token per example.
    seeds : sequence of int
    sampler : {"auto", "wishart", "explicit"}

    Returns
    -------
    HardAttentionMargin
    """
    if cfg.noise_tokens != 1:
        raise ValueError(f"noise_tokens must be 1 for hard_attention_margin; got {cfg.noise_tokens}")
    seeds = validate.seeds(seeds)
    validate.choice("sampler", sampler, SAMPLERS)
    patterns = [tuple(p.split("/")) for p in PATTERNS]
    sq, acc = np.zeros((len(seeds), 4)), np.zeros((len(seeds), 4))
    coefs = np.zeros((len(seeds), 4, 2 + cfg.n))
    for k, seed in enumerate(seeds):
        d = seed_draws(cfg, seed, sampler, torch.device("cpu"))
        G, T = d.noise_gram.numpy(), d.test_gram.numpy()
        cls, test_cls = d.cls.numpy(), d.test_cls.numpy()
        clean = 1.0 - 2.0 * cls
        y = np.where(d.flip_u.numpy() < cfg.noise_rate, -clean, clean)
        rho2 = cfg.signal ** 2
        for j, pattern in enumerate(patterns):
            on_signal = np.array([pattern[c] == "signal" for c in cls]) & (y == clean)   # clean, class on signal
            noise_idx = np.flatnonzero(~on_signal)
            classes = [c for c in (0, 1) if pattern[c] == "signal" and np.any(on_signal & (cls == c))]
            # constraints: one per signal class (<v, y_c mu_c> >= 1), one per noise-attending example
            size = len(classes) + len(noise_idx)
            gram_ = np.zeros((size, size))
            gram_[:len(classes), :len(classes)] = rho2 * np.eye(len(classes))      # mu1 orthogonal to mu2
            yn = y[noise_idx]
            gram_[len(classes):, len(classes):] = G[np.ix_(noise_idx, noise_idx)] * np.outer(yn, yn)
            sq[k, j], a = _min_norm_sq(gram_)
            # v = sum_c a_c y_c mu_c + sum_i a_i y_i xi_i ; test outputs from the inner products
            v_signal = {c: a[i] * (1.0 - 2.0 * c) * rho2 for i, c in enumerate(classes)}     # <v, mu_c>
            coef_noise = a[len(classes):] * yn
            for i, c in enumerate(classes):
                coefs[k, j, c] = a[i] * (1.0 - 2.0 * c)
            coefs[k, j, 2 + noise_idx] = coef_noise
            noise_out = coef_noise @ T[noise_idx]                                             # <v, xi'_l>
            out = np.array([v_signal.get(c, 0.0) if pattern[c] == "signal" else noise_out[l]
                            for l, c in enumerate(test_cls)])
            acc[k, j] = float(np.mean(out * (1.0 - 2.0 * test_cls) > 0))
    return HardAttentionMargin(patterns=list(PATTERNS), sq_norms=sq, best=sq.argmin(axis=1),
                               test_acc=acc, v_coef=coefs)


def margin_grid(cfg: AttentionConfig, signals: Sequence[float], ns: Sequence[int], seeds: Sequence[int] = (0, 1, 2),
                sampler: str = "auto") -> dict[str, np.ndarray]:
    """The hard-attention max-margin interpolator over a grid of signals and sample sizes.

    Parameters
    ----------
    cfg : AttentionConfig
    signals : sequence of float
    ns : sequence of int
    seeds : sequence of int
    sampler : str

    Returns
    -------
    dict
        ``"test_acc"`` (signals, ns, S): the best pattern's clean test accuracy; ``"signal_used"``
        (signals, ns, S): whether the best pattern puts some clean examples on the signal token (its
        ``v`` has a component along a signal vector).
    """
    acc = np.zeros((len(signals), len(ns), len(seeds)))
    used = np.zeros_like(acc, dtype=bool)
    for i, rho in enumerate(signals):
        for j, n in enumerate(ns):
            h = hard_attention_margin(cfg.replace(signal=float(rho), n=int(n)), seeds=seeds, sampler=sampler)
            k = np.arange(len(seeds))
            acc[i, j] = h.test_acc[k, h.best]
            # a class on the signal token counts only if it has clean examples there (a class without any
            # costs nothing in either pattern, and the tie would otherwise read as "signal used")
            used[i, j] = np.abs(h.v_coef[k, h.best, :2]).max(axis=1) > 0
    return {"test_acc": acc, "signal_used": used}
