"""What the attention chapter measures on a run: attention by group, the separation of flipped from
clean examples, the class-level attention pattern, normalized margins, the cosine with a fixed ``v``,
and the step-1 accuracy against the derivation. Nothing here trains."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .theory import step_one_accuracy_prediction

if TYPE_CHECKING:                 # for the annotations only
    from .train import AttentionResult, AttentionSweep

__all__ = ["attention_by_group", "clean_labels", "attention_separation", "attention_pattern", "normalized_margin",
           "v_cosine", "step_one_gap"]

def attention_by_group(result: AttentionResult, step: int) -> dict[str, np.ndarray]:
    """Mean attention on the signal token at a recorded ``step``, per seed: over the clean training
    examples, the flipped ones, and the test examples.

    Parameters
    ----------
    result : AttentionResult
    step : int

    Returns
    -------
    dict of str to ndarray, shape (S,) each (NaN for a seed without flipped examples)
    """
    r = result.index(step)
    att = result.train_attention[:, r]
    flipped = result.flipped

    def mean(mask):
        count = mask.sum(axis=1)
        return np.where(count > 0, (att * mask).sum(axis=1) / np.maximum(count, 1), np.nan)

    return {"clean": mean(~flipped), "flipped": mean(flipped), "test": result.test_attention[:, r].mean(axis=1)}


def clean_labels(result: AttentionResult) -> np.ndarray:
    """The clean label (the class) of every training example, shape (S, n)."""
    return np.where(result.flipped, -result.train_labels, result.train_labels)


def attention_separation(result: AttentionResult, step: int) -> np.ndarray:
    """Whether the attention at a recorded ``step`` tells the flipped examples from the clean ones.

    Within each class: the smallest attention on the signal token of a clean training example minus
    the largest of a flipped one; the smaller of the two classes' values (classes without flipped
    examples are skipped). Positive when every flipped example attends to its signal token less
    than every clean example of its class.

    Parameters
    ----------
    result : AttentionResult
    step : int

    Returns
    -------
    ndarray, shape (S,)
        NaN for a seed without flipped examples (nothing to separate).
    """
    att = result.train_attention[:, result.index(step)]
    cls = clean_labels(result)
    out = np.full(len(result.seeds), np.nan)
    for k in range(len(result.seeds)):
        for c in (1, -1):
            clean = ~result.flipped[k] & (cls[k] == c)
            flipped = result.flipped[k] & (cls[k] == c)
            if flipped.any() and clean.any():
                out[k] = np.fmin(out[k], att[k, clean].min() - att[k, flipped].max())
    return out


def attention_pattern(result: AttentionResult, step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The class-level attention pattern a run is in at a recorded ``step`` (default: the last).

    A clean training example is "on the signal token" when its attention there exceeds 1/2. Each
    class's pattern is what the majority of its clean examples do; the index refers to
    :data:`PATTERNS` (the patterns of :class:`HardAttentionMargin`).

    Parameters
    ----------
    result : AttentionResult
    step : int, optional

    Returns
    -------
    pattern : ndarray of int, shape (S,)
        Index into :data:`PATTERNS`.
    split : ndarray of int, shape (S,)
        How many classes (0, 1 or 2) have clean examples on both kinds of token.
    """
    att = result.train_attention[:, -1 if step is None else result.index(step)]
    cls = clean_labels(result)
    pattern, split = np.zeros(len(result.seeds), dtype=int), np.zeros(len(result.seeds), dtype=int)
    for k in range(len(result.seeds)):
        for bit, c in ((2, 1), (1, -1)):                 # PATTERNS: class +1 first, then class -1
            on_signal = att[k, ~result.flipped[k] & (cls[k] == c)] > 0.5
            pattern[k] += bit * int(on_signal.mean() < 0.5)
            split[k] += int(0 < on_signal.sum() < on_signal.size)
    return pattern, split


def normalized_margin(result: AttentionResult) -> np.ndarray:
    """``min_i y_i f(X_i) / ||v||`` per seed and recorded step (``f`` is 1-homogeneous in ``v``).

    Returns
    -------
    ndarray, shape (S, R) (NaN where ``v = 0``)
    """
    margins = (result.train_out * result.train_labels[:, None, :]).min(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(result.v_norm > 0, margins / np.where(result.v_norm > 0, result.v_norm, 1), np.nan)


def v_cosine(result: AttentionResult, coef: np.ndarray) -> np.ndarray:
    """Cosine between ``v`` of every recorded step of ``result`` and a fixed ``v`` given by its
    coefficients (for instance the max-margin solution), in the token inner product.

    Parameters
    ----------
    result : AttentionResult
        One noise token per example.
    coef : ndarray, shape (S, 2 + n)

    Returns
    -------
    ndarray, shape (S, R)
    """
    rho2 = result.config.signal ** 2
    G = result.noise_gram

    def inner(a, b):           # a (S, R, 2 + n), b (S, 2 + n)
        return rho2 * (a[..., :2] * b[:, None, :2]).sum(-1) + np.einsum("srn,snm,sm->sr", a[..., 2:], G, b[:, 2:])

    b = np.asarray(coef)
    num = inner(result.v_coef, b)
    norm_a = np.sqrt(np.maximum(rho2 * (result.v_coef[..., :2] ** 2).sum(-1)
                                + np.einsum("srn,snm,srm->sr", result.v_coef[..., 2:], G, result.v_coef[..., 2:]), 0))
    norm_b = np.sqrt(inner(b[:, None, :], b))
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / (norm_a * norm_b)


def step_one_gap(grid: AttentionSweep) -> np.ndarray:
    """The clean test accuracy after step 1 minus :func:`step_one_accuracy_prediction` given each
    problem's class counts, in every cell of a sweep over ``signal`` and ``n``.

    Parameters
    ----------
    grid : AttentionSweep
        Over ``signal`` and ``n``, in that order, with step 1 recorded and one noise token.

    Returns
    -------
    ndarray, shape (signals, ns, S)
    """
    if list(grid.axes) != ["signal", "n"]:
        raise ValueError(f"grid must vary signal and n, in that order; got {list(grid.axes)}")
    one = int(np.flatnonzero(grid.steps == 1)[0]) if (grid.steps == 1).any() else None
    if one is None:
        raise ValueError(f"grid must record step 1; it recorded {grid.steps.tolist()}")
    predicted = np.stack([np.stack([step_one_accuracy_prediction(grid.config.replace(signal=float(rho), n=int(n)),
                                                                 grid.signal_count[i, j])
                                    for j, n in enumerate(grid.axes["n"])])
                          for i, rho in enumerate(grid.axes["signal"])])
    return grid.test_acc[..., one] - predicted
