"""The attention chapter's data: the seeds' draws, the inner products the span dynamics see, and the
explicit tokens the fast path is tested against.

A seed's draws, in order: the classes, the flip variables, the test classes, then the noise tokens
(training and test jointly, drawn as inner products by :mod:`companion.gram` for any dimension, or
explicitly). None of them depends on ``signal`` or the step sizes, and the flipped sets are nested as
the noise rate grows: configurations compared on one seed share its random numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .. import gram, validate
from .setting import AttentionConfig

__all__ = ["AttentionData", "SeedDraws", "seed_draws", "problem", "explicit_tokens", "explicit_outputs",
           "explicit_loss"]

@dataclass
class AttentionData:
    """``S`` problems as the span dynamics see them: token inner products only.

    With ``N = n * K`` training noise tokens (``K`` per example) and ``Q = q * K`` test noise
    tokens, the span basis is ``(mu1, mu2, xi_1, ..., xi_N)``.

    Attributes
    ----------
    noise_gram : torch.Tensor, shape (S, N, N)
        Inner products of the training noise tokens.
    test_gram : torch.Tensor, shape (S, N, Q)
        Inner products of training noise tokens with test noise tokens.
    signal_sq : torch.Tensor, shape (S,)
        ``rho^2``.
    cls : torch.Tensor of int, shape (S, n)
        Each training example's signal token: 0 for ``mu1`` (clean label +1), 1 for ``mu2``.
    labels : torch.Tensor, shape (S, n)
        Observed (noisy) training labels.
    weights : torch.Tensor, shape (S, n)
        Each example's weight in the loss: ``1 / n`` for the examples of a problem, 0 for padding
        (problems with fewer examples batched with larger ones).
    test_cls : torch.Tensor of int, shape (S, q)
    test_labels : torch.Tensor, shape (S, q)
        Clean.
    """

    noise_gram: torch.Tensor
    test_gram: torch.Tensor
    signal_sq: torch.Tensor
    cls: torch.Tensor
    labels: torch.Tensor
    weights: torch.Tensor
    test_cls: torch.Tensor
    test_labels: torch.Tensor

    @property
    def tokens(self) -> int:
        """Noise tokens per example, ``K``."""
        return self.noise_gram.shape[1] // self.labels.shape[1]


def _draws(cfg: AttentionConfig, seed: int, sampler: str):
    """The seed's draws, in order: classes, flip variables, test classes, then the noise tokens."""
    rng = np.random.default_rng(seed)
    cls = torch.from_numpy(rng.integers(0, 2, cfg.n))
    flip_u = torch.from_numpy(rng.random(cfg.n))
    test_cls = torch.from_numpy(rng.integers(0, 2, cfg.n_test))
    K = cfg.noise_tokens
    noise = gram.gaussian_gram({"train": cfg.n * K, "test": cfg.n_test * K}, cfg.dim, 2, rng, method=sampler)
    return cls, flip_u, test_cls, noise


@dataclass
class SeedDraws:
    """One seed's draws at the largest size a run needs (float64, on the device)."""

    noise_gram: torch.Tensor     # (N, N)
    test_gram: torch.Tensor      # (N, Q)
    cls: torch.Tensor            # (n,)
    flip_u: torch.Tensor         # (n,)
    test_cls: torch.Tensor       # (q,)


def seed_draws(cfg: AttentionConfig, seed: int, sampler: str, dev) -> SeedDraws:
    cls, flip_u, test_cls, noise = _draws(cfg, seed, sampler)
    to = dict(device=dev, dtype=torch.float64)
    return SeedDraws(noise_gram=noise.inner("train", "train", signal=False).to(**to),
                      test_gram=noise.inner("train", "test", signal=False).to(**to), cls=cls.to(dev),
                      flip_u=flip_u.to(**to), test_cls=test_cls.to(dev))


def problem(draws: SeedDraws, c: dict):
    """One problem's tensors for the setting ``c`` (signal, noise_rate, n)."""
    n_max = draws.cls.shape[0]
    clean = 1.0 - 2.0 * draws.cls.double()
    flipped = (draws.flip_u < c["noise_rate"]) & (torch.arange(n_max, device=clean.device) < c["n"])
    weights = (torch.arange(n_max, device=clean.device) < c["n"]).double() / c["n"]
    return dict(noise_gram=draws.noise_gram, test_gram=draws.test_gram,
                signal_sq=torch.tensor(float(c["signal"]) ** 2, dtype=torch.float64, device=clean.device),
                cls=draws.cls, labels=torch.where(flipped, -clean, clean), weights=weights, test_cls=draws.test_cls,
                test_labels=1.0 - 2.0 * draws.test_cls.double()), flipped


def explicit_tokens(cfg: AttentionConfig, seed: int, dtype: torch.dtype = torch.float64):
    """One seed's examples as explicit tokens (memory ``(n + n_test) (1 + K) dim``).

    Exactly the draws of :func:`train` with ``sampler="explicit"``.

    Returns
    -------
    dict
        ``x`` (n, 1 + K, dim), ``labels`` (n,), ``clean`` (n,), ``x_test`` (q, 1 + K, dim),
        ``test_labels`` (q,).
    """
    (seed,) = validate.seeds([seed])
    cls, flip_u, test_cls, noise = _draws(cfg, seed, "explicit")
    K = cfg.noise_tokens
    means = torch.zeros(2, cfg.dim, dtype=torch.float64)
    means[0, 0] = means[1, 1] = cfg.signal

    def build(c, name, count):
        xi = noise.vectors(name).clone()
        xi[:, :2] = 0                                     # projected orthogonally to mu1, mu2
        return torch.cat([means[c][:, None, :], xi.reshape(count, K, cfg.dim)], dim=1).to(dtype)

    clean = 1.0 - 2.0 * cls.double()
    labels = torch.where(flip_u < cfg.noise_rate, -clean, clean)
    return {"x": build(cls, "train", cfg.n), "labels": labels.to(dtype), "clean": clean.to(dtype),
            "x_test": build(test_cls, "test", cfg.n_test), "test_labels": (1.0 - 2.0 * test_cls.double()).to(dtype)}


def explicit_outputs(p: torch.Tensor, v: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``f(X; p, v)`` and the attention on the first (signal) token, for explicit tokens.

    Parameters
    ----------
    p, v : torch.Tensor, shape (dim,)
    x : torch.Tensor, shape (count, tokens, dim)

    Returns
    -------
    f : torch.Tensor, shape (count,)
    attention : torch.Tensor, shape (count,)
    """
    s = torch.softmax(x @ p, dim=1)
    return (s * (x @ v)).sum(dim=1), s[:, 0]


def explicit_loss(p: torch.Tensor, v: torch.Tensor, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The mean logistic loss for explicit tokens (the plain reference, differentiated by autograd).

    Parameters
    ----------
    p, v : torch.Tensor, shape (dim,)
    x : torch.Tensor, shape (count, tokens, dim)
    labels : torch.Tensor, shape (count,)
        In {-1, +1}.

    Returns
    -------
    torch.Tensor, shape ()
        ``mean(log(1 + exp(-labels * f(X; p, v))))``.
    """
    return F.softplus(-labels * explicit_outputs(p, v, x)[0]).mean()
