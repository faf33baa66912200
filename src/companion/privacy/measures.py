"""What the privacy chapter measures: kinks read off a univariate network and how much of the line
lies near a training point, membership scores with their AUC and ROC curve, normalized
cross-correlations of images with candidates, and the normalized margin's largest fall."""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import validate
from .networks import checked_inputs, checked_labels, checked_module, logits

if TYPE_CHECKING:              # for the annotations only
    from .attacks import Univariate
    from .train import HomogeneousRun

__all__ = ["KINK_TOL", "KINK_SHARE", "kinks", "near_share", "pooled_kinks", "membership_scores", "auc", "roc_curve",
           "RECOVERED_NCC", "ncc", "best_matches", "margin_drop"]

KINK_TOL = 0.02
"""A candidate counts as a training point when it lies within 0.02 of one (a ninth of the spacing
of the 12-point grid on [-1, 1] that :func:`univariate_task` jitters)."""


KINK_SHARE = 0.05
"""Kinks read off the network are those whose slope change is at least 5% of the largest one: units
that barely bend the function (most of a wide network's units stay near their initialization)
are not part of what the network computes, to within what a reader of its graph would see."""


def kinks(model, lo: float = -1.0, hi: float = 1.0, share: float = KINK_SHARE, merge: float = KINK_TOL
          ) -> tuple[np.ndarray, np.ndarray]:
    """The kinks of a univariate two-layer ReLU network: where its slope changes, and by how much.

    Parameters
    ----------
    model : torch.nn.Sequential
        ``Linear -> ReLU -> Linear``, either on ``(x, 1)`` inputs without biases (as
        :func:`univariate_inputs`) or on ``x`` alone with a first-layer bias; no other layers.
    lo, hi : float
        Only kinks inside ``(lo, hi)`` are returned.
    share : float
        Keep the kinks whose slope change is at least this share of the largest one.
    merge : float
        Kinks of different units merge into one (at their slope-weighted mean) when they lie within
        this of the first kink of their group (so a group spans less than ``merge``).

    Returns
    -------
    position : ndarray, shape (k,)
        Sorted.
    slope_change : ndarray, shape (k,)
        ``|sum_j a_j |w_j||`` over the units of the group: the change of the slope of ``f`` across it
        (a unit switching on to the right, ``w_j > 0``, adds ``a_j w_j``; one switching off, ``w_j < 0``,
        adds ``-a_j w_j``).
    """
    model = checked_module(model)
    layers = list(model.children()) if isinstance(model, torch.nn.Sequential) else []
    if (len(layers) != 3 or not isinstance(layers[0], torch.nn.Linear) or not isinstance(layers[1], torch.nn.ReLU)
            or not isinstance(layers[2], torch.nn.Linear) or layers[2].out_features != 1):
        raise ValueError("model must be a torch.nn.Sequential(Linear, ReLU, Linear) with one output")
    first = layers[0]
    W = first.weight.detach().double().cpu().numpy()
    if first.in_features == 2 and first.bias is None:
        w, b = W[:, 0], W[:, 1]
    elif first.in_features == 1 and first.bias is not None:
        w, b = W[:, 0], first.bias.detach().double().cpu().numpy()
    else:
        raise ValueError("the first layer must map (x, 1) without a bias, or x with a bias; "
                         f"got in_features={first.in_features}, bias={first.bias is not None}")
    validate.positive("share", share)
    validate.positive("merge", merge)
    a = layers[2].weight.detach().double().cpu().numpy()[0]
    bends = a * w != 0                                        # units that bend f
    t, jump = -b[bends] / w[bends], (a * np.abs(w))[bends]
    order = np.argsort(t)
    t, jump = t[order], jump[order]
    groups, start = [], 0
    for i in range(1, t.size + 1):                            # a group spans less than merge
        if i == t.size or t[i] - t[start] >= merge:
            groups.append(np.arange(start, i))
            start = i
    pos = np.array([np.average(t[g], weights=np.abs(jump[g])) for g in groups])
    size = np.array([abs(jump[g].sum()) for g in groups])
    keep = (pos > lo) & (pos < hi)
    pos, size = pos[keep], size[keep]
    if size.size:
        keep = size >= share * size.max()
        pos, size = pos[keep], size[keep]
    return pos, size


def near_share(x, tol: float = KINK_TOL, lo: float = -1.0, hi: float = 1.0) -> float:
    """The share of ``(lo, hi)`` within ``tol`` of a point of ``x``: the chance that a point drawn
    uniformly there counts as a training point."""
    x = np.sort(np.asarray(x, dtype=float))
    a, b = np.clip(x - tol, lo, hi), np.clip(x + tol, lo, hi)
    covered, end = 0.0, lo
    for s, e in zip(a, b):
        s = max(s, end)
        if e > s:
            covered, end = covered + e - s, e
    return covered / (hi - lo)


def pooled_kinks(results: Sequence[Univariate]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Kinks at training points and kinks in all, pooled over runs, for the trained networks and for
    their untrained controls: ``((hits, total), (control_hits, control_total))``."""
    count = lambda masks: (sum(int(m.sum()) for m in masks), sum(m.size for m in masks))  # noqa: E731
    return count([r.hit for r in results]), count([r.control for r in results])


def membership_scores(model, X, y=None, kind: str = "margin") -> np.ndarray:
    """Membership scores: higher means more likely a training point.

    Parameters
    ----------
    model : torch.nn.Module
    X : array_like, shape (N, input_dim)
    y : array_like, shape (N,), optional
        Labels in {-1, +1}; needed by ``kind="loss"``.
    kind : {"margin", "loss"}
        "margin": ``|f(x)|`` (Smorodinsky et al.: a trained network near a KKT point puts its training
        points on the margin, while fresh points in high dimension get outputs near 0; no label
        needed). "loss": minus the logistic loss ``log(1 + exp(-y f(x)))``, the standard
        loss-threshold baseline.

    Returns
    -------
    ndarray, shape (N,)
    """
    model = checked_module(model)
    X = checked_inputs("X", X, model)
    validate.choice("kind", kind, ("margin", "loss"))
    with torch.no_grad():
        out = logits(model, X)
        if kind == "margin":
            return out.abs().double().cpu().numpy()
        if y is None:
            raise ValueError('y must be given for kind="loss"')
        y = checked_labels("y", y, X)
        return (-F.softplus(-y * out)).double().cpu().numpy()


def auc(members, non_members) -> float:
    """The area under the ROC curve of scores that should be higher for members: the probability
    that a random member outscores a random non-member, ties counting one half (Mann-Whitney).

    Parameters
    ----------
    members : array_like, shape (m,)
    non_members : array_like, shape (k,)

    Returns
    -------
    float
    """
    a = np.asarray(members, dtype=float).reshape(-1)
    b = np.asarray(non_members, dtype=float).reshape(-1)
    if a.size == 0 or b.size == 0:
        raise ValueError(f"members and non_members must be non-empty; got sizes {a.size} and {b.size}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("members and non_members must be finite")
    from scipy.stats import rankdata
    ranks = rankdata(np.concatenate([a, b]))                  # average ranks for ties
    return float((ranks[:a.size].sum() - a.size * (a.size + 1) / 2) / (a.size * b.size))


def roc_curve(members, non_members) -> tuple[np.ndarray, np.ndarray]:
    """The ROC curve of scores that should be higher for members: for every threshold, the share of
    non-members (false positives) and of members (true positives) scoring at least that much.

    Parameters
    ----------
    members : array_like, shape (m,)
    non_members : array_like, shape (k,)

    Returns
    -------
    fpr, tpr : ndarray, shape (T,)
        From (0, 0) to (1, 1), non-decreasing; its area (trapezoids) equals :func:`auc`.
    """
    a = np.asarray(members, dtype=float).reshape(-1)
    b = np.asarray(non_members, dtype=float).reshape(-1)
    auc(a, b)                                                 # the same validation
    thresholds = np.unique(np.concatenate([a, b]))[::-1]
    tpr = np.concatenate([[0.0], [(a >= t).mean() for t in thresholds]])
    fpr = np.concatenate([[0.0], [(b >= t).mean() for t in thresholds]])
    return fpr, tpr


RECOVERED_NCC = 0.9
"""A training image counts as recovered when some candidate has a normalized cross-correlation of at
least 0.9 with it (SSIM >= 0.6 is too lenient at these sizes: held-out digits reach it often)."""


def ncc(a, b) -> torch.Tensor:
    """Normalized cross-correlation between every row of ``a`` (m, D) and every row of ``b`` (k, D):
    the cosine of the mean-centred rows, shape (m, k)."""
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64, device=a.device)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must have shapes (m, D) and (k, D); got {tuple(a.shape)} and {tuple(b.shape)}")
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    a = a / a.norm(dim=1, keepdim=True).clamp_min(1e-300)
    b = b / b.norm(dim=1, keepdim=True).clamp_min(1e-300)
    return a @ b.T


def best_matches(images, candidates) -> tuple[np.ndarray, np.ndarray]:
    """For every image, its best normalized cross-correlation with a candidate, and which candidate.

    Parameters
    ----------
    images : array_like, shape (m, D)
    candidates : array_like, shape (k, D)

    Returns
    -------
    score : ndarray, shape (m,)
    index : ndarray of int, shape (m,)
    """
    c = ncc(images, candidates)
    score, index = c.max(dim=1)
    return score.cpu().numpy(), index.cpu().numpy()


def margin_drop(run: HomogeneousRun) -> float:
    """The largest relative fall of the normalized margin between consecutive recorded steps from the
    first one at which the summed logistic loss is below ln 2 (the premise of Lyu and Li's theorem:
    the mean loss below ln 2 / n); 0 if fewer than two recorded steps qualify.

    Parameters
    ----------
    run : HomogeneousRun

    Returns
    -------
    float
    """
    below = np.flatnonzero(run.loss * run.n < np.log(2.0))
    if below.size == 0:
        raise ValueError("the run's loss never fell below the theorem's threshold (summed loss < ln 2)")
    m = run.normalized_margin[below[0]:]
    return float(np.max(np.maximum(0.0, m[:-1] - m[1:]) / m[:-1])) if m.size > 1 else 0.0
