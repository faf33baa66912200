"""What the XOR chapter derives: the margin step 1 adds, and the accuracy on noisy test labels.

The theorem's scale conditions and the dynamics' natural units are with the setting
(:func:`companion.xor.theory_conditions`, :func:`companion.xor.natural_units`).
"""
from __future__ import annotations

import numpy as np

from .. import validate
from .setting import XORConfig

__all__ = ["step_one_margin_gain", "noisy_test_accuracy"]

def step_one_margin_gain(cfg: XORConfig, start: str = "small") -> float:
    """The mean margin that step 1 adds to a training point, to leading order in expectation.

    A neuron active on ``x_k`` at the start gains ``alpha a_j y_k ||x_k||^2 / (2n)`` on it, with
    ``E ||x_k||^2 = p + ||mu||^2`` and ``a_j^2 = 1/m``. From a lazy start the activation patterns
    stay those of the start, so all ``m/2`` neurons active on ``x_k`` add their share; from a small
    start only the ``m/4`` with ``a_j y_k > 0`` do, the others being switched off. The chapter's
    exercise "Predict the step-1 margin" asks for the small-start value, and its check measures it.

    Parameters
    ----------
    cfg : XORConfig
    start : {"small", "lazy"}

    Returns
    -------
    float
    """
    validate.choice("start", start, ("small", "lazy"))
    validate.instance("cfg", cfg, XORConfig)
    share = 0.25 if start == "small" else 0.5       # of the m neurons, each adding alpha ||x||^2 / (2 n m)
    return float(share * cfg.step_size * (float(cfg.dim) + float(cfg.signal) ** 2) / (2 * cfg.n))


def noisy_test_accuracy(clean_accuracy: np.ndarray | float, noise_rate: float) -> np.ndarray:
    """The expected accuracy on test labels flipped with probability ``noise_rate``.

    A prediction that is right on the clean label is right on the noisy one with probability
    ``1 - eta`` and a wrong one with probability ``eta``, so the expected noisy accuracy is
    ``eta + (1 - 2 eta) clean``; its best possible value is ``1 - eta`` (the Bayes-optimal rule
    predicts the clean label).

    Parameters
    ----------
    clean_accuracy : float or ndarray
    noise_rate : float

    Returns
    -------
    ndarray
    """
    eta = validate.fraction("noise_rate", noise_rate, 0.0, 0.5, high_open=True)
    clean = validate.array("clean_accuracy", clean_accuracy)
    if np.any((clean < 0) | (clean > 1)):
        raise ValueError(f"clean_accuracy must be an accuracy in [0, 1] (or an array of them); got {clean_accuracy!r}")
    return eta + (1 - 2 * eta) * clean
