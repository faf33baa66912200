"""The attacks that read training data off a trained network's implicit bias: the univariate attack
(the kinks of a two-layer ReLU network, against its untrained control) and membership inference from
the size of the output (Smorodinsky, Vardi, Safran)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from .. import validate
from .data import gaussian_task, univariate_inputs, univariate_task
from .measures import KINK_TOL, auc, kinks, membership_scores, near_share
from .networks import homogeneous_network, logits
from .theory import kkt_residual
from .train import HomogeneousRun, train_homogeneous

__all__ = ["Univariate", "univariate_attack", "Membership", "membership_over_dimension"]

@dataclass
class Univariate:
    """One run of the univariate attack (:func:`univariate_attack`).

    Attributes
    ----------
    x, y : ndarray, shape (n,)
        The training set.
    run : HomogeneousRun
    candidates : ndarray, shape (k,)
        The kinks read off the trained network (:func:`kinks`).
    hit : ndarray of bool, shape (k,)
        Whether each candidate lies within :data:`KINK_TOL` of a training point.
    chance : float
        The share of (-1, 1) within :data:`KINK_TOL` of a training point (:func:`near_share`).
    control : ndarray of bool, shape (c,)
        The same for the kinks of the untrained network (same seed) read the same way: what the
        reader finds without training.
    on_margin : int
        Training points whose margin is within 5% of the smallest (at a KKT point only these can
        carry a multiplier).
    residual : float
        The KKT residual of the trained network (:func:`kkt_residual`, with the ReLU's derivative 0
        at a kink and every unit counted, so it overstates the distance to a Clarke KKT point when
        units sit at a kink on a training point or never moved).
    """

    x: np.ndarray
    y: np.ndarray
    run: HomogeneousRun
    candidates: np.ndarray
    hit: np.ndarray
    chance: float
    control: np.ndarray
    on_margin: int
    residual: float


def univariate_attack(n: int = 12, seed: int = 0, width: int = 1000, steps: int = 6000, step_size: float = 0.5,
                      normalized: float = 0.005, init_scale: float = 1.0, device=None) -> Univariate:
    """Train a univariate two-layer ReLU network toward the max-margin direction and read its kinks,
    and those of the same network untrained (the control).

    :func:`univariate_task` draws the data; :func:`train_homogeneous` trains on
    :func:`univariate_inputs` (plain steps until the data are separated, loss-normalized ones after).

    Parameters
    ----------
    n, seed
        As for :func:`univariate_task` (the seed also initializes the network).
    width, steps, step_size, normalized, init_scale
        As for :func:`train_homogeneous`.
    device : str, torch.device or None

    Returns
    -------
    Univariate
    """
    x, y = univariate_task(n, seed)
    X = univariate_inputs(x)
    near = lambda c: np.abs(c[:, None] - x[None, :]).min(axis=1) < KINK_TOL if c.size else np.zeros(0, bool)  # noqa: E731
    untrained = kinks(homogeneous_network(2, (width,), seed=seed, init_scale=init_scale, device=device))[0]
    run = train_homogeneous(X, y, widths=(width,), steps=steps, step_size=step_size, seed=seed,
                            init_scale=init_scale, normalized=normalized, record=[0, steps], device=device)
    cand, _ = kinks(run.model)
    with torch.no_grad():
        p = next(run.model.parameters())
        margins = (logits(run.model, torch.as_tensor(X, dtype=p.dtype, device=p.device)).cpu().numpy() * y)
    return Univariate(x=x, y=y, run=run, candidates=cand, hit=near(cand), chance=near_share(x),
                      control=near(untrained), on_margin=int((margins <= 1.05 * margins.min()).sum()),
                      residual=kkt_residual(run.model, X, y).residual)


@dataclass
class Membership:
    """Membership inference over input dimensions (:func:`membership_over_dimension`).

    Attributes
    ----------
    dims : ndarray of int, shape (D,)
    seeds : ndarray of int, shape (S,)
    auc_margin, auc_loss : ndarray, shape (D, S)
        AUC of the margin score ``|f(x)|`` and of the loss baseline.
    train_acc : ndarray, shape (D, S)
    kkt : ndarray, shape (D, S)
        The KKT residual of each trained network.
    scores : dict
        ``(dim, seed) -> (margin scores of members, of non-members, loss scores of members, of
        non-members)``, each an ndarray (for the score histograms).
    """

    dims: np.ndarray
    seeds: np.ndarray
    auc_margin: np.ndarray
    auc_loss: np.ndarray
    train_acc: np.ndarray
    kkt: np.ndarray
    scores: dict


def membership_over_dimension(dims: Sequence[int], n: int = 50, seeds: Sequence[int] = (0, 1, 2),
                              widths: Sequence[int] = (200,), steps: int = 2000, step_size: float = 0.5,
                              device=None) -> Membership:
    """Train a homogeneous network on :func:`gaussian_task` at each dimension and seed, and score its
    members against as many fresh points with :func:`membership_scores`.

    Parameters
    ----------
    dims : sequence of int
    n : int
    seeds : sequence of int
    widths : sequence of int
    steps : int
    step_size : float
    device : str, torch.device or None

    Returns
    -------
    Membership
    """
    dims = [validate.integer("dims", d, 1) for d in dims]
    seeds = validate.seeds(seeds)
    shape = (len(dims), len(seeds))
    out = {k: np.zeros(shape) for k in ("auc_margin", "auc_loss", "train_acc", "kkt")}
    scores = {}
    for i, dim in enumerate(dims):
        for j, seed in enumerate(seeds):
            X, y, Xf, yf = gaussian_task(n, dim, seed)
            run = train_homogeneous(X, y, widths=widths, steps=steps, step_size=step_size, seed=seed,
                                    record=[steps], device=device)
            m_in, m_out = membership_scores(run.model, X), membership_scores(run.model, Xf)
            l_in, l_out = membership_scores(run.model, X, y, kind="loss"), membership_scores(run.model, Xf, yf,
                                                                                              kind="loss")
            out["auc_margin"][i, j], out["auc_loss"][i, j] = auc(m_in, m_out), auc(l_in, l_out)
            out["train_acc"][i, j] = run.train_acc[-1]
            out["kkt"][i, j] = kkt_residual(run.model, X, y).residual
            scores[(dim, seed)] = (m_in, m_out, l_in, l_out)
    return Membership(dims=np.asarray(dims), seeds=np.asarray(seeds), scores=scores, **out)
