"""What the XOR chapter measures on a run: step 1 as a Hebbian classifier, feature alignment,
normalized margins, when the test accuracy crosses a level, and accuracy per cluster.

Each function reads an :class:`companion.xor.XORResult` (or plain arrays) and returns numpy arrays
per seed (and per recorded step); nothing here trains.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import validate
from .data import draw_clusters

if TYPE_CHECKING:                  # for the annotations only: train.py imports this module
    from .train import XORResult

__all__ = ["feature_alignment", "hebbian_agreement", "hebbian_correlation", "normalized_margin", "first_step_reaching",
           "cluster_accuracy"]

def feature_alignment(result: XORResult, learned: bool = True) -> np.ndarray:
    """How much of each neuron's weight on the cluster plane points along its own XOR feature.

    A neuron with ``a_j > 0`` helps the label +1, which lives on ``+-mu1``; one with ``a_j < 0`` on
    ``+-mu2``. The alignment of neuron ``j`` is ``|<w_j, own mean>| / (|<w_j, mu1>| + |<w_j, mu2>|)``
    (1: purely along its feature, 0.5: no preference), averaged over neurons.

    Parameters
    ----------
    result : XORResult
    learned : bool
        True: the alignment of what training added, ``w_j(t) - w_j(0)`` (0.5 by convention at step 0);
        False: of the weights themselves, random start included.

    Returns
    -------
    ndarray, shape (S, R)
    """
    proj = result.neuron_proj - result.neuron_proj[:, :1] if learned else result.neuron_proj
    proj = np.abs(proj)                                    # (S, R, m, 2)
    own = np.where(result.out_weights > 0, proj[..., 0], proj[..., 1])
    total = proj.sum(axis=-1)
    return np.where(total > 0, own / np.where(total > 0, total, 1.0), 0.5).mean(axis=-1)


def hebbian_agreement(result: XORResult, step: int = 1) -> np.ndarray:
    """Share of test points on which the network at ``step`` and the Hebbian classifier agree in sign.

    The Hebbian classifier is ``x -> sign(<v, x>)`` with ``v = sum_i y_i x_i``: the chapter derives
    that after one step from a small initialization the network is close to a positive multiple of
    ``<v, x>``.

    Parameters
    ----------
    result : XORResult
    step : int
        A recorded step.

    Returns
    -------
    ndarray, shape (S,)
    """
    out = result.test_out[:, result.index(step)]
    return (np.sign(out) == np.sign(result.hebbian_test)).mean(axis=1)


def hebbian_correlation(result: XORResult, step: int = 1, change: bool = False) -> np.ndarray:
    """Correlation over the test points between the network at ``step`` and ``<v, x>``, ``v = sum_i y_i x_i``.

    Near 1 when the network is close to a positive multiple of the Hebbian classifier; unlike the
    sign agreement it does not hinge on the points where both are near zero.

    Parameters
    ----------
    result : XORResult
    step : int
        A recorded step.
    change : bool
        Correlate the change since initialization, ``f_step - f_0``, instead of ``f_step``.

    Returns
    -------
    ndarray, shape (S,)
    """
    out = result.test_out[:, result.index(step)]
    if change:
        out = out - result.test_out[:, result.index(0)]
    a = out - out.mean(axis=1, keepdims=True)
    b = result.hebbian_test - result.hebbian_test.mean(axis=1, keepdims=True)
    return (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))


def normalized_margin(result: XORResult) -> np.ndarray:
    """``min_i y_i f(x_i) / ||W_t||_F`` over the training set, per seed and recorded step.

    The network is 1-homogeneous in ``W`` (``f(cW) = c f(W)``), so this is the margin of the
    direction of ``W``; for such networks gradient descent on the logistic loss is known to increase
    it once the data are fitted (Lyu and Li, 2020).

    Parameters
    ----------
    result : XORResult

    Returns
    -------
    ndarray, shape (S, R)
    """
    margins = result.train_out * result.train_labels[:, None, :]
    return margins.min(axis=2) / result.weight_norm


def first_step_reaching(steps: np.ndarray, accuracy: np.ndarray, level: float) -> np.ndarray:
    """The first recorded step at which ``accuracy`` reaches ``level`` (NaN where it never does).

    Parameters
    ----------
    steps : ndarray, shape (R,)
    accuracy : ndarray, shape (..., R)
    level : float

    Returns
    -------
    ndarray of float, shape (...)
    """
    steps = validate.array("steps", steps, ndim=1)
    if steps.size == 0 or np.any(np.diff(steps) <= 0):
        raise ValueError(f"steps must be a non-empty increasing sequence of steps; got {steps.tolist()}")
    accuracy = validate.array("accuracy", accuracy, nan=True)
    if accuracy.ndim == 0 or accuracy.shape[-1] != steps.size:
        raise ValueError(f"accuracy must have one value per recorded step along its last axis ({steps.size}); "
                         f"got shape {accuracy.shape}")
    validate.fraction("level", level)
    reached = accuracy >= level
    first = np.argmax(reached, axis=-1)
    return np.where(reached.any(axis=-1), steps[first].astype(float), np.nan)


def cluster_accuracy(result: XORResult, step: int) -> np.ndarray:
    """Clean test accuracy on each of the four clusters (+mu1, -mu1, +mu2, -mu2) at a recorded step.

    Parameters
    ----------
    result : XORResult
    step : int

    Returns
    -------
    ndarray, shape (S, 4)
    """
    out = result.test_out[:, result.index(step)]
    correct = out * result.test_labels > 0
    clusters = np.stack([draw_clusters(result.config, int(s))[2] for s in result.seeds])
    return np.stack([np.array([correct[k][clusters[k] == c].mean() if np.any(clusters[k] == c) else np.nan
                               for c in range(4)]) for k in range(len(result.seeds))])
