"""Benign overfitting in single-head softmax attention.

Follows Magen, Shang, Xu, Frei, Hu, Vardi, "Benign Overfitting in Single-Head Attention"
(arXiv 2410.07746). The module reads in the order of its chapter: the setting, the data, the model
and its span fast path, training, what the chapter measures, sweeps, the explorer, claims, figures.

Data model: two orthogonal signal vectors ``mu1, mu2`` in ``R^dim`` of norm ``signal`` (``rho``).
An example has a clean label ``y~`` uniform in {-1, +1} and ``1 + noise_tokens`` tokens (rows): the
signal token ``mu1`` if ``y~ = +1`` and ``mu2`` if ``y~ = -1``, then noise tokens
``xi ~ N(0, I_dim)`` projected orthogonally to ``mu1`` and ``mu2``. The observed training label is
``y~`` flipped with probability ``noise_rate``; test labels are clean. The signal-to-noise ratio
is ``SNR = rho / sqrt(dim)``, the ratio of the token norms.

Model: ``f(X; p, v) = v^T X^T softmax(X p)``: the attention scores are ``<x_k, p>``, the values
``<x_k, v>``, and ``f`` is the attention-weighted mean of the values. Both ``p`` and ``v`` train, by
full-batch gradient descent on the mean logistic loss from ``p = v = 0``, with one step size for
each (``step_size_p``, ``step_size_v``).

The span fast path: the gradients of ``f`` are combinations of the tokens
(``d f / d v = sum_k s_k x_k`` and ``d f / d p = sum_k s_k (z_k - f) x_k`` with attention ``s`` and
values ``z``), so from zero ``p`` and ``v`` stay in ``span(mu1, mu2, training noise tokens)``. The
model trains the coefficients of that span, which is the same gradient descent (tested against
autograd on explicit tokens), and it sees the tokens only through their inner products, which
:mod:`companion.gram` draws for any dimension.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from . import engine, gram, validate
from .claims import Claim
from .device import resolve_device

__all__ = ["AttentionConfig", "BOOK", "BOOK_LOW_SNR", "EXPLORER", "SCALES", "config_for", "snr",
           "AttentionData", "SpanAttention", "AttentionResult", "train", "explicit_tokens", "explicit_outputs",
           "explicit_loss"]


# ---------------------------------------------------------------------------------------------
# The setting
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttentionConfig:
    """One single-head attention experiment.

    Attributes
    ----------
    n : int
        Number of training examples (>= 1).
    dim : int
        Token dimension ``d`` (>= 3).
    signal : float
        ``rho = ||mu1|| = ||mu2||`` (> 0).
    noise_rate : float
        Probability ``eta`` that a training label is flipped, in [0, 0.5).
    steps : int
        Number of gradient steps (>= 1).
    step_size_v : float
        Step size on ``v`` (> 0).
    step_size_p : float
        Step size on ``p`` (> 0).
    n_test : int
        Number of clean test examples (>= 1).
    noise_tokens : int
        Noise tokens per example (>= 1; the paper's model has one).
    """

    n: int = 40
    dim: int = 6000
    signal: float = 20.0
    noise_rate: float = 0.1
    steps: int = 2
    step_size_v: float = 0.02
    step_size_p: float = 0.05
    n_test: int = 2000
    noise_tokens: int = 1

    def __post_init__(self) -> None:
        validate.integer("n", self.n, 1)
        validate.integer("dim", self.dim, 3)
        validate.positive("signal", self.signal)
        validate.fraction("noise_rate", self.noise_rate, 0.0, 0.5, high_open=True)
        validate.integer("steps", self.steps, 1)
        validate.positive("step_size_v", self.step_size_v)
        validate.positive("step_size_p", self.step_size_p)
        validate.integer("n_test", self.n_test, 1)
        validate.integer("noise_tokens", self.noise_tokens, 1)

    def replace(self, **changes) -> "AttentionConfig":
        """A copy with some fields changed (validated like the original)."""
        return dataclasses.replace(self, **changes)


def snr(cfg: AttentionConfig) -> float:
    """The signal-to-noise ratio ``rho / sqrt(dim)``."""
    return float(cfg.signal / np.sqrt(float(cfg.dim)))


BOOK = AttentionConfig()
"""The chapter's benign configuration: n = 40, d = 6,000, rho = 20 (SNR 0.26), eta = 0.1, two steps
with step sizes 0.02 on v and 0.05 on p."""

BOOK_LOW_SNR = BOOK.replace(signal=5.0)
"""The same with a weak signal, rho = 5 (SNR 0.065): harmful overfitting."""

EXPLORER = BOOK.replace(n_test=500)
"""The explorer's configuration (smaller test set, so a slider change answers fast)."""

SCALES = {"book": BOOK}


def config_for(scale: str) -> AttentionConfig:
    """The configuration of the chapter's main run at ``scale`` (one of :data:`SCALES`)."""
    validate.choice("scale", scale, SCALES)
    return SCALES[scale]


# ---------------------------------------------------------------------------------------------
# The data, as inner products
# ---------------------------------------------------------------------------------------------

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


def _tokens_of(gram_, n):
    """(S, N, X) with N = n K -> (S, n, K, X): the rows grouped by example."""
    S, N = gram_.shape[:2]
    return gram_.reshape(S, n, N // n, *gram_.shape[2:])


class SpanAttention:
    """The attention head on its span coefficients, as a model of :func:`companion.engine.train`.

    Parameters: ``{"p": (S, 2 + N), "v": (S, 2 + N)}``, the coefficients of ``p`` and ``v`` on
    ``(mu1, mu2, xi_1, ..., xi_N)``, starting at zero. Recorded: ``train_out`` (S, n),
    ``test_out`` (S, q), ``train_attention`` (S, n) and ``test_attention`` (S, q) (the attention on
    the signal token), ``loss`` (S,), ``v_norm`` and ``p_norm`` (S,).

    Parameters
    ----------
    data : AttentionData
    """

    linear_rules_only = True

    def __init__(self, data: AttentionData):
        self.data = data

    def init(self):
        S, N = self.data.noise_gram.shape[:2]
        zeros = self.data.noise_gram.new_zeros(S, 2 + N)
        return {"p": zeros, "v": zeros.clone()}

    def _signal_part(self, coef, cls):
        """``<w, mu_c>`` for the signal token class of every example: (S, 2 + N), (S, n) -> (S, n)."""
        return torch.gather(coef[:, :2], 1, cls) * self.data.signal_sq[:, None]

    def _heads(self, params, cls, cross):
        """Scores and values of every token of the examples whose noise tokens have inner products
        ``cross`` (S, N, M) with the training noise tokens: (S, n', 1 + K) each."""
        d = self.data
        n_ex = cls.shape[1]
        out = []
        for coef in (params["p"], params["v"]):
            noise = torch.einsum("sn,snm->sm", coef[:, 2:], cross).reshape(cls.shape[0], n_ex, -1)
            out.append(torch.cat([self._signal_part(coef, cls)[..., None], noise], dim=2))
        return out

    def forward(self, params):
        d = self.data
        scores, values = self._heads(params, d.cls, d.noise_gram)
        att = torch.softmax(scores, dim=2)                    # (S, n, 1 + K)
        f = (att * values).sum(dim=2)
        return att, values, f

    def observe(self, params, out):
        d = self.data
        att, _, f = out
        t_scores, t_values = self._heads(params, d.test_cls, d.test_gram)
        t_att = torch.softmax(t_scores, dim=2)
        loss = (d.weights * F.softplus(-d.labels * f)).sum(dim=1)
        sq = lambda c: d.signal_sq * c[:, :2].pow(2).sum(1) + torch.einsum("sn,snm,sm->s", c[:, 2:], d.noise_gram,
                                                                           c[:, 2:])
        return {"train_out": f, "test_out": (t_att * t_values).sum(dim=2), "train_attention": att[..., 0],
                "test_attention": t_att[..., 0], "loss": loss, "v_norm": sq(params["v"]).clamp_min(0).sqrt(),
                "p_norm": sq(params["p"]).clamp_min(0).sqrt()}

    def gradients(self, params, out):
        d = self.data
        att, values, f = out
        g = d.weights * d.labels * -torch.sigmoid(-d.labels * f)        # dL/df_i, (S, n)
        S, n = g.shape
        # d f / d v = sum_k s_k x_k ;  d f / d p = sum_k s_k (z_k - f) x_k
        gv = g[..., None] * att                                         # (S, n, 1 + K)
        gp = g[..., None] * att * (values - f[..., None])
        grads = {}
        for name, tok in (("v", gv), ("p", gp)):
            coef = torch.zeros(S, 2 + d.noise_gram.shape[1], dtype=f.dtype, device=f.device)
            coef[:, :2].scatter_add_(1, d.cls, tok[..., 0])
            coef[:, 2:] = tok[..., 1:].reshape(S, -1)
            grads[name] = coef
        return grads


# ---------------------------------------------------------------------------------------------
# Explicit tokens (the reference the fast path is tested against)
# ---------------------------------------------------------------------------------------------

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
    """The mean logistic loss for explicit tokens (for autograd)."""
    return F.softplus(-labels * explicit_outputs(p, v, x)[0]).mean()


def _draws(cfg: AttentionConfig, seed: int, sampler: str):
    """The seed's draws, in order: classes, flip variables, test classes, then the noise tokens."""
    rng = np.random.default_rng(seed)
    cls = torch.from_numpy(rng.integers(0, 2, cfg.n))
    flip_u = torch.from_numpy(rng.random(cfg.n))
    test_cls = torch.from_numpy(rng.integers(0, 2, cfg.n_test))
    K = cfg.noise_tokens
    noise = gram.gaussian_gram({"train": cfg.n * K, "test": cfg.n_test * K}, cfg.dim, 2, rng, method=sampler)
    return cls, flip_u, test_cls, noise


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

SAMPLERS = ("auto", "wishart", "explicit")
_VARIED = ("signal", "noise_rate", "n", "step_size_v", "step_size_p")


@dataclass
class _SeedDraws:
    """One seed's draws at the largest size a run needs (float64, on the device)."""

    noise_gram: torch.Tensor     # (N, N)
    test_gram: torch.Tensor      # (N, Q)
    cls: torch.Tensor            # (n,)
    flip_u: torch.Tensor         # (n,)
    test_cls: torch.Tensor       # (q,)


def _seed_draws(cfg: AttentionConfig, seed: int, sampler: str, dev) -> _SeedDraws:
    cls, flip_u, test_cls, noise = _draws(cfg, seed, sampler)
    to = dict(device=dev, dtype=torch.float64)
    return _SeedDraws(noise_gram=noise.inner("train", "train", signal=False).to(**to),
                      test_gram=noise.inner("train", "test", signal=False).to(**to), cls=cls.to(dev),
                      flip_u=flip_u.to(**to), test_cls=test_cls.to(dev))


def _problem(draws: _SeedDraws, c: dict):
    """One problem's tensors for the setting ``c`` (signal, noise_rate, n)."""
    n_max = draws.cls.shape[0]
    clean = 1.0 - 2.0 * draws.cls.double()
    flipped = (draws.flip_u < c["noise_rate"]) & (torch.arange(n_max, device=clean.device) < c["n"])
    weights = (torch.arange(n_max, device=clean.device) < c["n"]).double() / c["n"]
    return dict(noise_gram=draws.noise_gram, test_gram=draws.test_gram,
                signal_sq=torch.tensor(float(c["signal"]) ** 2, dtype=torch.float64, device=clean.device),
                cls=draws.cls, labels=torch.where(flipped, -clean, clean), weights=weights, test_cls=draws.test_cls,
                test_labels=1.0 - 2.0 * draws.test_cls.double()), flipped


def _run(cfg, draws, settings, dev, dtype, record, progress):
    parts, flips, used = [], [], []
    for d, setting in zip(draws, settings):
        c = {name: setting.get(name, getattr(cfg, name)) for name in _VARIED}
        part, flipped = _problem(d, c)
        parts.append(part)
        flips.append(flipped)
        used.append(c["n"])
    stacked = {k: torch.stack([p[k] for p in parts]) for k in parts[0]}
    data = AttentionData(**{k: (v.to(dtype) if v.is_floating_point() else v) for k, v in stacked.items()})
    sizes = {g: [s.get(f"step_size_{g}", getattr(cfg, f"step_size_{g}")) for s in settings] for g in ("p", "v")}
    rule = engine.GD({g: (v[0] if len(set(v)) == 1 else v) for g, v in sizes.items()})
    run = engine.train(SpanAttention(data), rule, cfg.steps,
                       record=np.arange(cfg.steps + 1) if record is None else record, progress=progress)
    return run, data, torch.stack(flips).cpu().numpy(), np.asarray(used)


def _options(seeds, device, dtype, sampler):
    seeds = validate.seeds(seeds)
    dev = resolve_device(device)
    validate.choice("sampler", sampler, SAMPLERS)
    validate.choice("dtype", dtype, (torch.float32, torch.float64))
    return seeds, dev


def _accuracy(out, labels, mask=None):
    """(S, R, q) outputs, (S, q) labels and mask -> (S, R) share of masked points with label * out > 0
    (1 where the mask selects no point)."""
    correct = (out * labels[:, None, :]) > 0
    if mask is None:
        return correct.mean(axis=2)
    m = mask[:, None, :]
    count = m.sum(axis=2)
    return np.where(count > 0, (correct & m).sum(axis=2) / np.maximum(count, 1), 1.0)


@dataclass
class AttentionResult(engine.RunStatus):
    """What :func:`train` measured, per seed and recorded step.

    Attributes
    ----------
    config : AttentionConfig
    seeds : ndarray of int, shape (S,)
    steps : ndarray of int, shape (R,)
        Recorded steps (every step by default).
    train_acc, flipped_train_acc, clean_train_acc, test_acc : ndarray, shape (S, R)
        Accuracy on the noisy training labels, on the flipped examples (1 where a seed has none),
        on the others, and on clean test labels.
    train_out, test_out : ndarray, shape (S, R, n) and (S, R, n_test)
    train_attention, test_attention : ndarray, shape (S, R, n) and (S, R, n_test)
        Attention on the signal token.
    train_labels : ndarray, shape (S, n)
    test_labels : ndarray, shape (S, n_test)
    flipped : ndarray of bool, shape (S, n)
        Which training labels were flipped.
    loss, v_norm, p_norm : ndarray, shape (S, R)
    attention : ndarray, shape (S, n)
        ``train_attention`` at the last recorded step (the entry point the chapter names).
    planned_steps : int
    interrupted_at : int or None
    """

    config: AttentionConfig
    seeds: np.ndarray
    steps: np.ndarray
    train_acc: np.ndarray
    flipped_train_acc: np.ndarray
    clean_train_acc: np.ndarray
    test_acc: np.ndarray
    train_out: np.ndarray
    test_out: np.ndarray
    train_attention: np.ndarray
    test_attention: np.ndarray
    train_labels: np.ndarray
    test_labels: np.ndarray
    flipped: np.ndarray
    loss: np.ndarray
    v_norm: np.ndarray
    p_norm: np.ndarray
    planned_steps: int
    interrupted_at: int | None = None

    @property
    def attention(self) -> np.ndarray:
        """Attention on the signal token of the training examples at the last recorded step, (S, n)."""
        return self.train_attention[:, -1]

    def index(self, step: int) -> int:
        """The position of a recorded ``step`` in :attr:`steps`."""
        hits = np.flatnonzero(self.steps == step)
        if hits.size == 0:
            raise ValueError(f"step must be one of the recorded steps {self.steps.tolist()}; got {step!r}")
        return int(hits[0])


def train(cfg: AttentionConfig = BOOK, seeds: Sequence[int] = (0, 1, 2), device: str | torch.device | None = None,
          record: Sequence[int] | None = None, progress: bool | None = None, dtype: torch.dtype = torch.float64,
          sampler: str = "auto") -> AttentionResult:
    """Train the attention head by full-batch gradient descent from zero, for several seeds at once.

    Parameters
    ----------
    cfg : AttentionConfig
    seeds : sequence of int
    device : str, torch.device or None
        None: CUDA when available, else the CPU.
    record : sequence of int, optional
        Steps to record (default: every step).
    progress : bool or None
    dtype : torch.dtype
        float64 (default; the runs are small) or float32.
    sampler : {"auto", "wishart", "explicit"}
        How the noise tokens are drawn (:func:`companion.gram.gaussian_gram`); "explicit" gives
        exactly the tokens of :func:`explicit_tokens`.

    Returns
    -------
    AttentionResult
    """
    if not isinstance(cfg, AttentionConfig):
        raise ValueError(f"cfg must be an AttentionConfig; got {type(cfg).__name__}")
    seeds, dev = _options(seeds, device, dtype, sampler)
    draws = [_seed_draws(cfg, s, sampler, dev) for s in seeds]
    run, data, flipped, _ = _run(cfg, draws, [{}] * len(seeds), dev, dtype, record, progress)
    labels, test_labels = data.labels.cpu().numpy(), data.test_labels.cpu().numpy()
    return AttentionResult(
        config=cfg, seeds=np.asarray(seeds), steps=run.steps, train_acc=_accuracy(run["train_out"], labels),
        flipped_train_acc=_accuracy(run["train_out"], labels, flipped),
        clean_train_acc=_accuracy(run["train_out"], labels, ~flipped),
        test_acc=_accuracy(run["test_out"], test_labels), train_out=run["train_out"], test_out=run["test_out"],
        train_attention=run["train_attention"], test_attention=run["test_attention"], train_labels=labels,
        test_labels=test_labels, flipped=flipped, loss=run["loss"], v_norm=run["v_norm"], p_norm=run["p_norm"],
        planned_steps=cfg.steps, interrupted_at=run.interrupted_at)
