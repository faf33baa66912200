"""The XOR chapter's data: cluster draws, the explicit sample, and the inner products the span
dynamics see.

Random numbers: a seed fixes the clusters, the flip draws, the test clusters and the Gaussian parts
(noise vectors and initial directions), drawn on the CPU in that order, so a seed gives the same
data on every device. None of them depends on ``signal``, ``noise_rate``, ``init_scale`` or
``step_size``: a :func:`companion.xor.sweep` over those compares configurations on common random
numbers, and the flipped sets are nested as the noise rate grows. Test labels are clean.

The data enter the dynamics only through inner products (of the points, the initial neurons and
``e_1, e_2``), which :mod:`companion.gram` draws directly for any dimension (:func:`seed_products`);
:func:`sample` draws the same data explicitly, for the tests and the exercises.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import gram, twolayer, validate
from ..device import resolve_device
from .setting import XORConfig

__all__ = ["XORSample", "sample", "draw_clusters", "label_imbalance", "cluster_counts", "SeedProducts",
           "seed_products", "assemble"]

# cluster index -> (coefficient on e_1, coefficient on e_2) and clean label
_DIRECTIONS = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], dtype=torch.float64)
_CLEAN_LABEL = torch.tensor([1.0, 1.0, -1.0, -1.0], dtype=torch.float64)


def draw_clusters(cfg: XORConfig, seed: int, rng: np.random.Generator | None = None):
    """The seed's discrete draws, the first from its generator.

    Parameters
    ----------
    cfg : XORConfig
    seed : int
    rng : numpy.random.Generator, optional
        The seed's generator, if the caller goes on drawing from it (default: a fresh one).

    Returns
    -------
    cluster : ndarray of int, shape (n,)
        Each training point's cluster: 0: +mu1, 1: -mu1, 2: +mu2, 3: -mu2.
    flip_u : ndarray, shape (n,)
        Uniform draws; a label is flipped where ``flip_u < noise_rate``.
    cluster_test : ndarray of int, shape (n_test,)
    """
    rng = np.random.default_rng(validate.seeds([seed])[0]) if rng is None else rng
    return rng.integers(0, 4, cfg.n), rng.random(cfg.n), rng.integers(0, 4, cfg.n_test)


def _draws(cfg: XORConfig, seed: int, sampler: str):
    """The seed's random draws: clusters, flip variables, test clusters, then the Gaussian parts."""
    rng = np.random.default_rng(seed)
    cluster, flip_u, cluster_test = (torch.from_numpy(a) for a in draw_clusters(cfg, seed, rng))
    noise = gram.gaussian_gram({"train": cfg.n, "test": cfg.n_test, "neurons": cfg.width}, cfg.dim, 2, rng,
                               method=sampler)
    return cluster, flip_u, cluster_test, noise


@dataclass
class XORSample:
    """The explicit data and initialization of one seed (what the span dynamics never form).

    Attributes
    ----------
    x : torch.Tensor, shape (n, dim)
    labels : torch.Tensor, shape (n,)
        Noisy training labels in {-1, +1}.
    clean_labels : torch.Tensor, shape (n,)
    flipped : torch.Tensor of bool, shape (n,)
    cluster : torch.Tensor of int, shape (n,)
        0: +mu1, 1: -mu1, 2: +mu2, 3: -mu2.
    x_test : torch.Tensor, shape (n_test, dim)
    test_labels : torch.Tensor, shape (n_test,)
        Clean.
    cluster_test : torch.Tensor of int, shape (n_test,)
    w0 : torch.Tensor, shape (width, dim)
        First-layer initialization.
    out_weights : torch.Tensor, shape (width,)
    means : torch.Tensor, shape (2, dim)
        ``mu1`` and ``mu2``.
    """

    x: torch.Tensor
    labels: torch.Tensor
    clean_labels: torch.Tensor
    flipped: torch.Tensor
    cluster: torch.Tensor
    x_test: torch.Tensor
    test_labels: torch.Tensor
    cluster_test: torch.Tensor
    w0: torch.Tensor
    out_weights: torch.Tensor
    means: torch.Tensor


def sample(cfg: XORConfig, seed: int, device: str | torch.device | None = None,
           dtype: torch.dtype = torch.float32) -> XORSample:
    """Draw one seed's training set, test set and initialization explicitly.

    Exactly the draws that :func:`train` uses with ``sampler="explicit"`` for the same ``seed``
    (the tests train on them with plain autograd to check the fast path). Memory grows with
    ``dim * (n + n_test + width)``.

    Parameters
    ----------
    cfg : XORConfig
    seed : int
    device : str, torch.device or None
    dtype : torch.dtype

    Returns
    -------
    XORSample
    """
    (seed,) = validate.seeds([seed])
    dev = resolve_device(device)
    cluster, flip_u, cluster_test, noise = _draws(cfg, seed, "explicit")
    means = torch.zeros(2, cfg.dim, dtype=torch.float64)
    means[0, 0] = means[1, 1] = cfg.signal
    clean = _CLEAN_LABEL[cluster]
    flipped = flip_u < cfg.noise_rate
    to = dict(device=dev, dtype=dtype)
    return XORSample(
        x=(noise.vectors("train") + _DIRECTIONS[cluster] @ means).to(**to),
        labels=torch.where(flipped, -clean, clean).to(**to), clean_labels=clean.to(**to), flipped=flipped.to(dev),
        cluster=cluster.to(dev), x_test=(noise.vectors("test") + _DIRECTIONS[cluster_test] @ means).to(**to),
        test_labels=_CLEAN_LABEL[cluster_test].to(**to), cluster_test=cluster_test.to(dev),
        w0=(cfg.init_scale * noise.vectors("neurons")).to(**to),
        out_weights=twolayer.output_weights(cfg.width, dev, dtype), means=means.to(**to))


@dataclass
class SeedProducts:
    """One seed's inner products that do not depend on the signal, noise rate, init or step (float64):
    what :func:`seed_products` draws and :func:`assemble` turns into the span model's data."""

    xi_gram: torch.Tensor        # (n, n)        Xi Xi^T
    xi_eval_gram: torch.Tensor   # (n, q)        Xi Xi_test^T
    g0_xi: torch.Tensor          # (m, n)        G0 Xi^T
    g0_xi_eval: torch.Tensor     # (m, q)        G0 Xi_test^T
    g0_sq: torch.Tensor          # ()            ||G0||_F^2
    xi2: torch.Tensor            # (n, 2)        coordinates of Xi along e_1, e_2
    xi2_eval: torch.Tensor       # (q, 2)
    g0_2: torch.Tensor           # (m, 2)
    dirs: torch.Tensor           # (n, 2)        cluster directions D
    dirs_eval: torch.Tensor      # (q, 2)
    clean: torch.Tensor          # (n,)
    clean_eval: torch.Tensor     # (q,)
    flip_u: torch.Tensor         # (n,)


def seed_products(cfg: XORConfig, seed: int, sampler: str, dev: torch.device) -> SeedProducts:
    """One seed's inner products that do not depend on the signal, noise rate, init or step (float64)."""
    cluster, flip_u, cluster_test, noise = _draws(cfg, seed, sampler)
    to = dict(device=dev, dtype=torch.float64)
    return SeedProducts(
        xi_gram=noise.inner("train", "train").to(**to), xi_eval_gram=noise.inner("train", "test").to(**to),
        g0_xi=noise.inner("neurons", "train").to(**to), g0_xi_eval=noise.inner("neurons", "test").to(**to),
        g0_sq=noise.sq_norms("neurons").sum().to(**to),
        xi2=noise.coordinates("train").to(**to), xi2_eval=noise.coordinates("test").to(**to),
        g0_2=noise.coordinates("neurons").to(**to), dirs=_DIRECTIONS[cluster].to(**to),
        dirs_eval=_DIRECTIONS[cluster_test].to(**to), clean=_CLEAN_LABEL[cluster].to(**to),
        clean_eval=_CLEAN_LABEL[cluster_test].to(**to), flip_u=flip_u.to(**to))


def assemble(pr: SeedProducts, signal: float, noise_rate: float, init_scale: float):
    """Inner products of ``x = signal * D + Xi``, ``W_0 = init_scale * G0`` and ``e_1, e_2`` (float64),
    the flipped mask, and the Hebbian scores ``<sum_i y_i x_i, u>`` of the test points."""
    s = signal
    gram_ = pr.xi_gram + s * (pr.dirs @ pr.xi2.T + pr.xi2 @ pr.dirs.T) + s * s * (pr.dirs @ pr.dirs.T)
    eval_gram = (pr.xi_eval_gram + s * (pr.dirs @ pr.xi2_eval.T + pr.xi2 @ pr.dirs_eval.T)
                 + s * s * (pr.dirs @ pr.dirs_eval.T))
    g0_x = pr.g0_xi + s * pr.g0_2 @ pr.dirs.T
    g0_x_eval = pr.g0_xi_eval + s * pr.g0_2 @ pr.dirs_eval.T
    flipped = pr.flip_u < noise_rate
    labels = torch.where(flipped, -pr.clean, pr.clean)
    part = dict(gram=gram_, pre0=init_scale * g0_x, labels=labels, eval_gram=eval_gram,
                eval_pre0=init_scale * g0_x_eval, probe_gram=s * pr.dirs + pr.xi2, probe_pre0=init_scale * pr.g0_2,
                init_sq_norm=init_scale ** 2 * pr.g0_sq)
    return part, flipped, labels @ eval_gram


def label_imbalance(cfg: XORConfig, seed: int) -> np.ndarray:
    """The label-weighted imbalance of each pair of clusters, ``d_k = sum_i y_i s_ik`` with
    ``s_ik = +1`` on ``+mu_k``, ``-1`` on ``-mu_k`` and 0 elsewhere (noisy labels ``y_i``).

    It is the signal part of the Hebbian vector: ``<v, mu_k> = d_k ||mu||^2 + <sum_i y_i xi_i, mu_k>``.

    Parameters
    ----------
    cfg : XORConfig
    seed : int

    Returns
    -------
    ndarray of int, shape (2,)
    """
    cluster, flip_u, _ = draw_clusters(cfg, seed)
    y = np.where(flip_u < cfg.noise_rate, -1, 1) * np.where(cluster < 2, 1, -1)
    sign = np.where(cluster % 2 == 0, 1, -1)
    return np.array([int((y * sign)[cluster // 2 == k].sum()) for k in (0, 1)])


def cluster_counts(cfg: XORConfig, seed: int) -> dict[str, np.ndarray]:
    """The seed's training points per cluster (+mu1, -mu1, +mu2, -mu2), and its flipped ones.

    Parameters
    ----------
    cfg : XORConfig
    seed : int

    Returns
    -------
    dict
        ``"points"`` and ``"flipped"``, each an int array of shape (4,).
    """
    cluster, flip_u, _ = draw_clusters(cfg, seed)
    flipped = flip_u < cfg.noise_rate
    return {"points": np.bincount(cluster, minlength=4), "flipped": np.bincount(cluster[flipped], minlength=4)}
