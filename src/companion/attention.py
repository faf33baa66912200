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
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from . import engine, gram, validate
from .claims import Claim, PerSeed, aggregate
from .device import resolve_device

__all__ = ["AttentionConfig", "BOOK", "BOOK_LOW_SNR", "EXPLORER", "SCALES", "PHASE_SNRS", "PHASE_NS", "LONG_STEPS",
           "LONG_SNRS", "FATE_SEEDS", "FATE_STEPS", "config_for", "snr", "with_snr", "at_dimension",
           "attention_by_group", "clean_labels", "attention_separation", "attention_pattern", "PATTERNS",
           "normalized_margin", "step_one_accuracy_prediction", "step_one_threshold", "step_one_gap", "attention_role",
           "claims_attention_role", "LARGE_STEP_V", "per_seed_large_step_v", "claims_large_step_v",
           "DIRECTION_GAP_RATIO", "SNR_RISE_MIN_N", "figure_attention_role", "ABLATION_SNRS", "ABLATION_SEEDS", "GAP_MIN",
           "STEP_ONE_FLIPPED_MAX", "STEP_ONE_CLASS_FACTOR", "STEP_ONE_TOL", "THRESHOLD_BAND", "ABLATION_FROZEN_MAX", "ABLATION_MOVING_MIN",
           "ABLATION_BELOW_MIN", "AttentionSweep", "sweep", "HardAttentionMargin",
           "hard_attention_margin", "v_cosine", "margin_grid", "margin_threshold", "explore", "per_seed_two_steps",
           "claims_two_steps", "per_seed_low_snr", "claims_low_snr", "per_seed_phase", "claims_phase",
           "per_seed_max_margin", "claims_max_margin", "per_seed_fates", "claims_fates", "figure_steps",
           "figure_phase", "figure_step_sizes", "figure_long_run", "figure_fates", "AttentionData", "SpanAttention",
           "AttentionResult", "train", "explicit_tokens", "explicit_outputs", "explicit_loss"]


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
        Step size on ``p`` (>= 0; 0 freezes the attention at uniform, the chapter's ablation).
    n_test : int
        Number of clean test examples (>= 1).
    noise_tokens : int
        Noise tokens per example (>= 1; the paper's model has one).
    """

    n: int = 40
    dim: int = 6000
    signal: float = 30.0
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
        validate.positive("step_size_p", self.step_size_p, allow_zero=True)
        validate.integer("n_test", self.n_test, 1)
        validate.integer("noise_tokens", self.noise_tokens, 1)

    def replace(self, **changes) -> "AttentionConfig":
        """A copy with some fields changed (validated like the original)."""
        return dataclasses.replace(self, **changes)


def snr(cfg: AttentionConfig) -> float:
    """The signal-to-noise ratio ``rho / sqrt(dim)``, the ratio of the signal token's norm to the
    noise token's typical norm.

    Parameters
    ----------
    cfg : AttentionConfig

    Returns
    -------
    float
    """
    return float(cfg.signal / np.sqrt(float(cfg.dim)))


BOOK = AttentionConfig()
"""The chapter's benign configuration: n = 40, d = 6,000, rho = 30 (SNR 0.387), eta = 0.1, two steps
with step sizes 0.02 on v and 0.05 on p. Its SNR is above :func:`step_one_threshold` (0.25 at this n
and eta), so step 1 fits none of the flipped labels and step 2's attention update is what fits them
(the chapter's ablation, :func:`claims_attention_role`); at rho = 20, just above that threshold
(rho = 19.4 there), step 1 or a second step on v alone fitted every flipped label on most seeds (46 of
58 seeds with flips among seeds 0-59 fitted them all with p frozen; measured 2026-11-24)."""

BOOK_LOW_SNR = BOOK.replace(signal=4.0)
"""The same with a weak signal, rho = 4 (SNR 0.052): harmful overfitting."""

EXPLORER = BOOK.replace(n_test=500)
"""The explorer's configuration (smaller test set, so a slider change answers fast)."""

def with_snr(cfg: AttentionConfig, value: float) -> AttentionConfig:
    """``cfg`` with the signal set so that ``rho / sqrt(dim)`` is ``value``.

    Parameters
    ----------
    cfg : AttentionConfig
    value : float
        The SNR (> 0).

    Returns
    -------
    AttentionConfig
        ``cfg`` with ``signal = value * sqrt(dim)``, everything else unchanged.
    """
    validate.positive("value", value)
    return cfg.replace(signal=float(value * np.sqrt(float(cfg.dim))))


def at_dimension(cfg: AttentionConfig, dim: int) -> AttentionConfig:
    """``cfg`` moved to dimension ``dim`` with the same SNR, and both step sizes scaled by
    ``cfg.dim / dim``.

    After step 1 a training example's own noise term in its output is about ``alpha_v d / (8 n)`` and
    the signal term about ``alpha_v rho^2 (1 - 2 eta) / 16``; step 2 moves ``<p, x>`` by amounts of
    order ``alpha_p alpha_v d^2 / n^2``. At a fixed SNR these keep their sizes relative to each other
    when both step sizes scale like ``1 / d``, so the training dynamics repeat. On a *fresh* example
    they do not: the signal part of the step-1 output grows like ``rho^2 sqrt(n)`` against a noise
    part like ``sqrt(d)``, a ratio ``SNR^2 sqrt(n d)``, so at a fixed SNR the test accuracy after
    two steps improves with ``d`` (the chapter shows it).

    Parameters
    ----------
    cfg : AttentionConfig
    dim : int

    Returns
    -------
    AttentionConfig
    """
    dim = validate.integer("dim", dim, 3)
    factor = cfg.dim / dim
    return with_snr(cfg.replace(dim=dim, step_size_v=cfg.step_size_v * factor, step_size_p=cfg.step_size_p * factor),
                    snr(cfg))


SCALES = {"book": BOOK}
"""The chapter's scales. Only ``"book"``: the chapter's claims are thresholds in the SNR at the
book's dimension, and other dimensions are shown by :func:`at_dimension` in the chapter itself."""

PHASE_SNRS = np.geomspace(0.02, 0.4, 7)
"""The SNRs of the chapter's phase diagram (with ``n`` in :data:`PHASE_NS`)."""

PHASE_NS = (10, 20, 40, 80, 160)
"""The sample sizes of the chapter's phase diagram."""

LONG_STEPS = 30_000
"""The length of the chapter's long runs towards the max-margin direction."""

LONG_SNRS = {"low": float(snr(BOOK_LOW_SNR)), "middle": float(12.0 / np.sqrt(BOOK.dim)), "high": float(snr(BOOK))}
"""The SNRs of the long runs: below both thresholds with a low step-1 accuracy (0.052, that of
:data:`BOOK_LOW_SNR`: two steps harmful, max margin harmful), below both with a step-1 accuracy near 1
(0.155: step 1 already interpolates and is benign, max margin harmful), above both (0.387, that of
:data:`BOOK`: both benign)."""

ABLATION_SNRS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
"""The SNRs of the chapter's ablation (two steps with the attention update and with ``p`` frozen)."""

ABLATION_SEEDS = tuple(range(300, 330))
"""Its seeds: 30, since its claims are about the share of seeds on which every flipped label is fitted."""

FATE_SEEDS = tuple(range(100, 200))
"""The seeds of the chapter's many long runs at the high SNR (:func:`figure_fates`)."""

FATE_STEPS = 3000
"""Their length (the chapter compares each run's attention pattern at step 20 with its pattern at
this last step)."""


def config_for(scale: str) -> AttentionConfig:
    """The configuration of the chapter's main run at ``scale``.

    Parameters
    ----------
    scale : str
        One of :data:`SCALES` (only ``"book"``).

    Returns
    -------
    AttentionConfig
    """
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
    the signal token), ``loss`` (S,), ``v_norm`` and ``p_norm`` (S,), ``v_coef`` (S, 2 + N) and
    ``signal_score`` (S, 2): ``<mu1, p>`` and ``<mu2, p>``, the attention scores of the two signal tokens.

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
                "p_norm": sq(params["p"]).clamp_min(0).sqrt(), "v_coef": params["v"],
                "signal_score": d.signal_sq[:, None] * params["p"][:, :2]}

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
    v_coef : ndarray, shape (S, R, 2 + N)
        ``v``'s coefficients on ``(mu1, mu2, xi_1, ..., xi_N)``.
    signal_score : ndarray, shape (S, R, 2)
        ``<mu1, p>`` and ``<mu2, p>``: the attention scores of the signal tokens of class +1 and
        class -1 (an example of class ``c`` attends to its signal token with weight
        ``sigmoid(<mu_c, p> - <xi, p>)``).
    noise_gram : ndarray, shape (S, N, N)
        Inner products of the training noise tokens (to turn coefficients into norms and cosines).
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
    v_coef: np.ndarray
    signal_score: np.ndarray
    noise_gram: np.ndarray
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

    Notes
    -----
    The training and test noise tokens are drawn jointly, so a seed's training set depends on ``n``
    and ``n_test`` as well as on the seed: the same seed with another ``n_test`` is another draw
    (:func:`sweep` keeps a seed's draws across its cells by drawing once at the largest ``n``).
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
        v_coef=run["v_coef"], signal_score=run["signal_score"], noise_gram=data.noise_gram.cpu().numpy(), planned_steps=cfg.steps,
        interrupted_at=run.interrupted_at)


# ---------------------------------------------------------------------------------------------
# What the chapter measures
# ---------------------------------------------------------------------------------------------

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


def _threshold_args(n, noise_rate):
    n = np.asarray(n, dtype=float)
    if n.size == 0 or not np.all(np.isfinite(n)) or np.any(n < 1) or np.any(n != np.round(n)):
        raise ValueError(f"n must be an integer >= 1 or an array of them; got {n.tolist()!r}")
    return n, validate.fraction("noise_rate", noise_rate, 0.0, 0.5, high_open=True)


# ---------------------------------------------------------------------------------------------
# Sweeps over configurations
# ---------------------------------------------------------------------------------------------

@dataclass
class AttentionSweep(engine.RunStatus):
    """Accuracies and attention over a grid of configurations, on common random numbers.

    Attributes
    ----------
    config : AttentionConfig
        The base configuration (its ``n`` is the largest ``n`` of the grid).
    axes : dict of str to ndarray
        The varied fields (any of signal, noise_rate, n, step_size_v, step_size_p) and their values,
        in the order of the leading axes of the arrays.
    seeds : ndarray of int, shape (S,)
    steps : ndarray of int, shape (R,)
    train_acc, flipped_train_acc, test_acc : ndarray, shape (*axis sizes, S, R)
    attention_clean, attention_flipped, attention_test : ndarray, shape (*axis sizes, S, R)
        Mean attention on the signal token (NaN where a problem has no flipped example).
    signal_score : ndarray, shape (*axis sizes, S, R, 2)
        ``<mu1, p>`` and ``<mu2, p>`` (see :class:`AttentionResult`).
    signal_count : ndarray, shape (*axis sizes, S, 2)
        For class +1 and class -1: the clean minus the flipped training examples of the class (the
        ``D_c`` of :func:`step_one_accuracy_prediction`).
    planned_steps : int
    interrupted_at : int or None
    """

    config: AttentionConfig
    axes: dict
    seeds: np.ndarray
    steps: np.ndarray
    train_acc: np.ndarray
    flipped_train_acc: np.ndarray
    test_acc: np.ndarray
    attention_clean: np.ndarray
    attention_flipped: np.ndarray
    attention_test: np.ndarray
    signal_score: np.ndarray
    signal_count: np.ndarray
    planned_steps: int
    interrupted_at: int | None = None


_AXIS_CHECKS = {"signal": lambda v: validate.positive("signal", v),
                "noise_rate": lambda v: validate.fraction("noise_rate", v, 0.0, 0.5, high_open=True),
                "n": lambda v: validate.integer("n", v, 1),
                "step_size_v": lambda v: validate.positive("step_size_v", v),
                "step_size_p": lambda v: validate.positive("step_size_p", v, allow_zero=True)}


def sweep(cfg: AttentionConfig, axes: Mapping[str, Sequence[float]], seeds: Sequence[int] = (0, 1, 2),
          device: str | torch.device | None = None, record: Sequence[int] | None = None,
          progress: bool | None = None, dtype: torch.dtype = torch.float64, sampler: str = "auto") -> AttentionSweep:
    """Train every combination of the given values (and every seed) as one batched run.

    A seed's draws are made once, at the largest ``n`` of the grid: a smaller ``n`` uses the first
    ``n`` examples (the others get weight zero in the loss), a larger signal only rescales
    ``rho^2``, and the flipped sets are nested in the noise rate. So a cell equals :func:`train` of
    that configuration on that seed when ``n`` is the grid's largest, and differences between cells
    come from the varied fields alone.

    Parameters
    ----------
    cfg : AttentionConfig
    axes : mapping of str to sequence
        Fields to vary: ``"signal"``, ``"noise_rate"``, ``"n"``, ``"step_size_v"``, ``"step_size_p"``.
    seeds, device, record, progress, dtype, sampler
        As for :func:`train`.

    Returns
    -------
    AttentionSweep
    """
    if not isinstance(cfg, AttentionConfig):
        raise ValueError(f"cfg must be an AttentionConfig; got {type(cfg).__name__}")
    values = validate.axes(axes, _AXIS_CHECKS)
    seeds, dev = _options(seeds, device, dtype, sampler)
    base = cfg.replace(n=max(values.get("n", [cfg.n])))
    draws = [_seed_draws(base, s, sampler, dev) for s in seeds]
    combos = engine.grid(values, len(seeds))
    run, data, flipped, used = _run(base, [draws[k] for _, k in combos], [c for c, _ in combos], dev, dtype, record,
                                    progress)
    labels, test_labels = data.labels.cpu().numpy(), data.test_labels.cpu().numpy()
    real = np.arange(base.n)[None, :] < used[:, None]                     # the examples a problem uses
    cls = np.where(flipped, -labels, labels)
    counts = np.stack([(labels * c * ((cls == c) & real)).sum(axis=1) for c in (1, -1)], axis=-1)   # (P, 2)
    att = run["train_attention"]
    shape = (*[len(v) for v in values.values()], len(seeds), len(run.steps))

    def group_mean(mask):
        count = mask.sum(axis=1)[:, None]
        return np.where(count > 0, (att * mask[:, None, :]).sum(axis=2) / np.maximum(count, 1), np.nan).reshape(shape)

    return AttentionSweep(
        config=base, axes={k: np.asarray(v) for k, v in values.items()}, seeds=np.asarray(seeds), steps=run.steps,
        train_acc=_accuracy(run["train_out"], labels, real).reshape(shape),
        flipped_train_acc=_accuracy(run["train_out"], labels, flipped).reshape(shape),
        test_acc=_accuracy(run["test_out"], test_labels).reshape(shape),
        attention_clean=group_mean(real & ~flipped), attention_flipped=group_mean(flipped),
        attention_test=run["test_attention"].mean(axis=2).reshape(shape),
        signal_score=run["signal_score"].reshape(*shape, 2), signal_count=counts.reshape(*shape[:-1], 2), planned_steps=base.steps, interrupted_at=run.interrupted_at)


# ---------------------------------------------------------------------------------------------
# The max-margin interpolator, with hard attention
# ---------------------------------------------------------------------------------------------

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
    seeds, _ = _options(seeds, "cpu", torch.float64, sampler)
    patterns = [tuple(p.split("/")) for p in PATTERNS]
    sq, acc = np.zeros((len(seeds), 4)), np.zeros((len(seeds), 4))
    coefs = np.zeros((len(seeds), 4, 2 + cfg.n))
    for k, seed in enumerate(seeds):
        d = _seed_draws(cfg, seed, sampler, torch.device("cpu"))
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


# ---------------------------------------------------------------------------------------------
# The explorer
# ---------------------------------------------------------------------------------------------

def explore(cfg: AttentionConfig = EXPLORER, seed: int = 0, device: str | torch.device | None = None):
    """An interactive explorer: sliders for the SNR, n, the noise rate, the two step sizes and the
    number of steps. Each change reruns :func:`train` on one seed and redraws the accuracies and the
    attention (:func:`figure_steps`). In a static page the explorer shows its default figure.

    Parameters
    ----------
    cfg : AttentionConfig
        Starting values, and the fixed sizes (dim, n_test).
    seed : int
    device : str, torch.device or None

    Returns
    -------
    companion.widgets.Explorer
    """
    from . import widgets

    def draw(snr_value, n, noise_rate, step_size_v, step_size_p, steps):
        run_cfg = cfg.replace(signal=float(snr_value * np.sqrt(cfg.dim)), n=int(n), noise_rate=noise_rate,
                              step_size_v=step_size_v, step_size_p=step_size_p, steps=int(steps))
        return figure_steps(train(run_cfg, seeds=[seed], device=device, progress=False),
                            title=f"SNR {snr_value:.3g}, n = {n}, η = {noise_rate:g}, α_v = {step_size_v:.3g}, "
                                  f"α_p = {step_size_p:.3g}")

    return widgets.Explorer(draw, {
        "snr_value": widgets.log_slider(snr(cfg), 0.01, 1.0, "SNR ρ/√d"),
        "n": widgets.int_slider(cfg.n, 10, 200, 10, "n"),
        "noise_rate": widgets.slider(cfg.noise_rate, 0.0, 0.4, 0.05, "noise rate η"),
        "step_size_v": widgets.log_slider(cfg.step_size_v, 1e-3, 1.0, "step on v"),
        "step_size_p": widgets.log_slider(cfg.step_size_p, 1e-3, 3.0, "step on p"),
        "steps": widgets.int_slider(cfg.steps, 1, 50, 1, "steps"),
    })


# ---------------------------------------------------------------------------------------------
# The claims
# ---------------------------------------------------------------------------------------------

TRAIN_MIN = 1.0
"""Interpolation: every training label fitted, the flipped ones included."""

BENIGN_TEST_MIN = 0.95
"""Near-optimal clean test accuracy (with 2,000 test points the sampling error near 1 is below 0.005;
the Bayes-optimal clean accuracy is 1, since the classes' signal tokens are distinct)."""

HARMFUL_TEST_MAX = 0.80
"""Harmful overfitting at low SNR: clean test accuracy at most 80% while every label is fitted. The
step-1 model's accuracy is predicted to be ``Phi(rho^2 sqrt(n)(1 - 2 eta) / (2 sqrt(d)))`` (the
chapter derives it): 0.70 at :data:`BOOK_LOW_SNR`, with a spread over seeds of a few points."""

SEPARATION_MIN = 0.0
"""The mechanism, example by example: after step 2, within each class, every flipped example
attends to its signal token less than every clean example (:func:`attention_separation` positive).
A threshold of 0 asks only for the ordering the mechanism predicts. After step 2 example ``i`` of
class ``c`` attends to its signal token with weight ``sigmoid(rho^2 A_c + a_i ||xi_i||^2 + ...)``:
the class's shared term ``rho^2 A_c = <mu_c, p>`` cancels within the class, and the own term
``a_i`` has the sign of ``y_i (<mu_c, v_1> - <xi_i, v_1>)``, strongly negative for a flipped
example (its signal value has the wrong sign) and positive for a clean one above
:func:`step_one_threshold`."""

GAP_MIN = 0.2
"""The mechanism, on average: after step 2 the mean attention on the signal token is at least 0.2
higher for clean than for flipped training examples. At the book configuration the measured gap
was 0.30-0.78 over seeds 0-59 and 0.36-0.76 over seeds 1000-1029 (2026-11-24): flipped examples sit
near 0.06, clean ones mostly above 1/2 (below it in classes whose signal score turns negative).
At rho = 20, just above :func:`step_one_threshold`, it fell to 0.19 on 2 of 200 seeds."""

STEP_ONE_FLIPPED_MAX = 0.0
"""Step 1 fits no flipped label of a class whose clean-minus-flipped count ``D_c`` is at least
:data:`STEP_ONE_CLASS_FACTOR` times ``d / rho^2``. By the derivation of :func:`step_one_threshold`, a
flipped example's step-1 margin is proportional to ``||xi_i||^2 - rho^2 D_c`` plus cross terms of
standard deviation about ``sqrt(n d)``; with ``D_c >= 1.5 d / rho^2`` the deficit is at least
``d / 2`` = 3,000 at the book configuration, six of those standard deviations (490). Classes with a
smaller count do occur (``d / rho^2`` is 6.7 there, and a class of 11 with 2 flipped labels has
``D_c = 7``): a first version of this claim, over all classes, failed on seeds 3025 and 3027, where a
class with ``D_c = 7`` had some of its flipped labels fitted at step 1, as the derivation says it
may."""

STEP_ONE_CLASS_FACTOR = 1.5
"""See :data:`STEP_ONE_FLIPPED_MAX`."""

UNIFORM_TOL = 1e-12
"""After step 1 the attention is uniform up to rounding: ``p`` has not moved, because its gradient
at ``v = 0`` vanishes."""

SNR_RISE_MIN = 0.20
"""Across the phase diagram, on every seed, the clean test accuracy at the largest SNR exceeds that
at the smallest by at least this, averaged over the ``n`` of at least :data:`SNR_RISE_MIN_N` (the
test sample's error is about 0.01 per cell; the rise the theory predicts, from chance to near 1, is
far larger). At n = 10 and 20 step 2 can lower the accuracy at the largest SNRs (the classes' signal
scores turn negative there), and with ten examples a class can hold one or two clean examples; the
step-1 derivation, checked in every cell (:data:`STEP_ONE_TOL`), covers the small ``n``."""

SNR_RISE_MIN_N = 40
"""See :data:`SNR_RISE_MIN`."""

STEP_ONE_TOL = 0.05
"""Across the phase diagram, on every seed and in every cell, the clean test accuracy after step 1
is within 0.05 of :func:`step_one_accuracy_prediction` given the seed's class counts. Given the
training set that prediction is exact up to the noise norm (a relative error of order
``1 / sqrt(d)``, 0.013 here), so what remains is the test sample's error: a standard deviation of at
most 0.011 with 2,000 test points, and 0.05 is 4.5 of them (the grid has 35 cells per seed)."""

THRESHOLD_BAND = 1.3
"""The max-margin solver against :func:`margin_threshold`: in every cell of the phase diagram with an
SNR below the formula's value divided by 1.3 the best pattern uses no signal token, and in every cell
above it times 1.3 it does. The formula counts a class's clean examples as ``(1 - eta) n / 2``; the
realized count varies by a few examples (standard deviation about ``sqrt(n) / 2``), which moves the
threshold by a factor of up to about 1.25 at n = 10 and less at larger n."""

ABLATION_FROZEN_MAX = 0.25
"""What step 2's attention update adds: with ``p`` frozen (``step_size_p = 0``, so step 2 is a second
step on ``v`` alone), at SNRs at least 1.4 times :func:`step_one_threshold`, at most a quarter of the
seeds fit every flipped label, while with the book's step on ``p`` every seed does
(:data:`ABLATION_MOVING_MIN`). A flipped example's signal term then outweighs its own-noise term by
a factor of two or more, which a second step on ``v`` alone rarely overcomes (measured on seeds
0-29, 2026-11-24: 7%, 3% and 3% of seeds at SNR 0.35, 0.4 and 0.5)."""

ABLATION_MOVING_MIN = 1.0
"""With the book's step sizes, two steps fit every flipped label on every seed of the ablation, at
every SNR of :data:`ABLATION_SNRS`."""

ABLATION_BELOW_MIN = 0.9
"""Below the step-1 threshold (SNRs at most 0.8 times it), the attention is not needed: with ``p``
frozen at least 90% of the seeds fit every flipped label after two steps (the own-noise term beats
the signal term by a third or more; 30 seeds leave a sampling error of about 0.05 near 1)."""

MARGIN_HARMFUL_MAX = 0.60
"""Below the threshold, the max-margin interpolator (hard attention) is at chance on clean test
data: at most 60% (it uses no signal token, so its outputs on fresh examples are noise)."""

DIRECTION_GAP_RATIO = 0.25
"""Long runs close the gap to that direction: ``1 - cos`` at the last step is at most a quarter of
``1 - cos`` at step 2, at each of the three SNRs (the largest ratio decides). The endpoint claim
:data:`DIRECTION_COS_MIN` alone cannot fail at the low SNR, where the cosine is already about 0.975
at step 2; measured ratios: 0.04-0.07 on the chapter's seeds, 0.04-0.13 on seeds 10000-12029
(2026-11-24)."""

DIRECTION_COS_MIN = 0.95
"""Long-run gradient descent heads for a min-norm (max-margin) solution: the cosine between its
``v`` and the min-norm ``v`` of the class-level attention pattern the run is in at its last step
(:func:`attention_pattern`; a KKT point of the hard-attention margin problem) is at least this (1 in
the limit if it converges there). On most seeds that pattern is the max-margin one; the chapter
shows the seeds where it is not."""


FATE_TEST_TOL = 0.10
"""A long run's clean test accuracy is within this of the accuracy of the min-norm solution of the
attention pattern it is in (1 for the max-margin pattern above the threshold; near 3/4 for a pattern
that leaves one class on its noise tokens, since fresh examples of that class are then classified by
noise). The run heads for that solution without reaching it in :data:`FATE_STEPS` steps; the
sampling error of 2,000 test points is below 0.012."""


def _three_seeds(result) -> None:
    if len(result.seeds) < 3:
        raise ValueError(f"result must hold at least 3 seeds to check the claims; got {len(result.seeds)}")


def per_seed_two_steps(result: AttentionResult) -> list[PerSeed]:
    """The two-step claims on every seed (see :func:`claims_two_steps`)."""
    engine.require_complete(result, "the attention claims")
    one, two = result.index(1), result.index(2)
    uniform = np.abs(result.train_attention[:, one] - 1 / (1 + result.config.noise_tokens)).max(axis=1)
    groups = attention_by_group(result, 2)
    cfg = result.config
    cls = clean_labels(result)
    fitted = result.train_out[:, one] * result.train_labels > 0
    step_one_flipped = np.full(len(result.seeds), np.nan)
    for k in range(len(result.seeds)):
        counted = np.zeros(cfg.n, dtype=bool)              # flipped examples of classes with a large D_c
        for c in (1, -1):
            members = cls[k] == c
            if (result.train_labels[k, members] * c).sum() >= STEP_ONE_CLASS_FACTOR * cfg.dim / cfg.signal ** 2:
                counted |= members & result.flipped[k]
        if counted.any():
            step_one_flipped[k] = fitted[k, counted].mean()
    return [
        PerSeed("step 1: attention uniform on every training example (largest deviation)", uniform, UNIFORM_TOL, "<=",
                percent=False),
        PerSeed(f"step 1: flipped labels fitted, in classes with D_c ≥ {STEP_ONE_CLASS_FACTOR:g} d/ρ²",
                step_one_flipped, STEP_ONE_FLIPPED_MAX, "<="),
        PerSeed("step 2: training labels fitted, flipped included", result.train_acc[:, two], TRAIN_MIN),
        PerSeed("step 2: clean test accuracy", result.test_acc[:, two], BENIGN_TEST_MIN),
        PerSeed("step 2: mean attention on the signal token, clean minus flipped examples",
                groups["clean"] - groups["flipped"], GAP_MIN, percent=False),
        PerSeed("step 2: attention on the signal token, least clean minus most flipped example of a class",
                attention_separation(result, 2), SEPARATION_MIN, percent=False),
    ]


def claims_two_steps(result: AttentionResult) -> list[Claim]:
    """The paper's two-step claims on a benign configuration, and the mechanism.

    (1) After step 1 the attention is uniform (``p`` has not moved) and (2) no flipped label of a
    class with a clean-minus-flipped count of at least 1.5 ``d / rho^2`` is fitted
    (:data:`STEP_ONE_FLIPPED_MAX`); (3) after step 2 every training label is fitted, the
    flipped ones included, and (4) the clean test accuracy is at least :data:`BENIGN_TEST_MIN`; after
    step 2 (5) the mean attention on the signal token of clean examples exceeds that of flipped ones
    by at least :data:`GAP_MIN` and (6) within each class every clean example attends to its signal
    token more than every flipped one (:data:`SEPARATION_MIN`). The worst seed decides (a seed without
    flipped labels does not count for (2), (5) and (6)).

    Parameters
    ----------
    result : AttentionResult
        A finished run of at least 2 steps, with steps 1 and 2 recorded, and at least three seeds,
        one of them with flipped labels.

    Returns
    -------
    list of companion.claims.Claim
    """
    _three_seeds(result)
    return aggregate(per_seed_two_steps(result))


def per_seed_low_snr(result: AttentionResult) -> list[PerSeed]:
    """The low-SNR claims on every seed (see :func:`claims_low_snr`)."""
    engine.require_complete(result, "the attention claims")
    last = int(result.steps[-1])
    return [PerSeed(f"low SNR, step {last}: training labels fitted", result.train_acc[:, -1], TRAIN_MIN),
            PerSeed(f"low SNR, step {last}: clean test accuracy", result.test_acc[:, -1], HARMFUL_TEST_MAX, "<=",
                    worst="best seed")]


def claims_low_snr(result: AttentionResult) -> list[Claim]:
    """Harmful overfitting at low SNR: every label fitted at the last step, clean test accuracy at
    most :data:`HARMFUL_TEST_MAX` (the best seed decides)."""
    _three_seeds(result)
    return aggregate(per_seed_low_snr(result))


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


def per_seed_phase(grid: AttentionSweep, margins: Mapping[str, np.ndarray]) -> list[PerSeed]:
    """The phase-diagram claims on every seed (see :func:`claims_phase`)."""
    engine.require_complete(grid, "the attention claims")
    gap = step_one_gap(grid)                                       # validates the axes
    if margins["signal_used"].shape != gap.shape:
        raise ValueError(f"margins must cover the grid's cells and seeds {gap.shape}; got {margins['signal_used'].shape}")
    if not (grid.axes["n"] >= SNR_RISE_MIN_N).any():
        raise ValueError(f"grid must include some n >= {SNR_RISE_MIN_N}; got {grid.axes['n'].tolist()}")
    acc = grid.test_acc[..., -1][:, grid.axes["n"] >= SNR_RISE_MIN_N]   # (signals, ns >= SNR_RISE_MIN_N, S)
    snrs = grid.axes["signal"][:, None] / np.sqrt(grid.config.dim)
    line = margin_threshold(grid.axes["n"], grid.config.noise_rate)[None, :]
    below, above = snrs < line / THRESHOLD_BAND, snrs > line * THRESHOLD_BAND      # (signals, ns)
    used = margins["signal_used"]
    agree = np.where(below[..., None], ~used, np.where(above[..., None], used, True)).all(axis=(0, 1))
    return [
        PerSeed(f"phase diagram, step {grid.steps[-1]}: test accuracy at the largest minus the smallest SNR "
                f"(mean over n ≥ {SNR_RISE_MIN_N})", (acc[-1] - acc[0]).mean(axis=0), SNR_RISE_MIN, percent=False),
        PerSeed("phase diagram, step 1: |test accuracy − the derivation's prediction| (largest over the cells)",
                np.abs(gap).max(axis=(0, 1)), STEP_ONE_TOL, "<=", percent=False),
        PerSeed(f"max margin: signal tokens used exactly in the cells above the formula's threshold (outside a "
                f"factor {THRESHOLD_BAND:g} band)", agree.astype(float), 1.0),
    ]


def claims_phase(grid: AttentionSweep, margins: Mapping[str, np.ndarray]) -> list[Claim]:
    """The phase diagram: (1) clean test accuracy rises with the SNR: on every seed, the test accuracy
    at the largest signal exceeds that at the smallest by at least :data:`SNR_RISE_MIN`, averaged over
    the grid's ``n`` of at least :data:`SNR_RISE_MIN_N`; (2) in every cell, the test
    accuracy after step 1 is the derivation's (:func:`step_one_gap`, within :data:`STEP_ONE_TOL`);
    (3) the exact max-margin solver switches to the signal tokens where :func:`margin_threshold`
    says (outside a band of :data:`THRESHOLD_BAND`).

    Parameters
    ----------
    grid : AttentionSweep
        Over ``signal`` and ``n``, in that order, at least three seeds.
    margins : dict
        :func:`margin_grid` over the same signals, ``n`` and seeds.

    Returns
    -------
    list of companion.claims.Claim
    """
    _three_seeds(grid)
    return aggregate(per_seed_phase(grid, margins))


def attention_role(cfg: AttentionConfig = BOOK, snrs: Sequence[float] = ABLATION_SNRS,
                   seeds: Sequence[int] = ABLATION_SEEDS, device: str | torch.device | None = None,
                   progress: bool | None = None) -> AttentionSweep:
    """Two steps with the attention update and with ``p`` frozen (``step_size_p = 0``), over the SNR:
    one batched run of :func:`sweep` over ``signal`` and ``step_size_p`` in ``(0, cfg.step_size_p)``.

    Parameters
    ----------
    cfg : AttentionConfig
        The base configuration (its step on ``p`` is the moving one).
    snrs : sequence of float
    seeds : sequence of int
    device, progress
        As for :func:`train`.

    Returns
    -------
    AttentionSweep
        Over ``signal`` and ``step_size_p``, in that order.
    """
    if cfg.step_size_p <= 0:
        raise ValueError(f"cfg.step_size_p must be > 0 (the moving run); got {cfg.step_size_p}")
    signals = [float(validate.positive("snrs", x) * np.sqrt(float(cfg.dim))) for x in snrs]
    return sweep(cfg, {"signal": signals, "step_size_p": [0.0, cfg.step_size_p]}, seeds=seeds, device=device,
                 progress=progress)


LARGE_STEP_V = 0.1
"""The step on ``v`` of :func:`per_seed_large_step_v` (five times the book's)."""


def per_seed_large_step_v(result: AttentionResult) -> list[PerSeed]:
    """Why a large step on ``v`` breaks the two-step result, on every seed: after step 2 a class's
    signal score ``<mu_c, p>`` is negative exactly when the class has a flipped example.

    With ``alpha_v`` = :data:`LARGE_STEP_V` step 1 fits the clean examples with large margins, so their
    loss derivatives are tiny, while the flipped ones stay badly wrong (derivatives near 1). A
    class's score is the sum of its examples' contributions, positive for clean and negative for
    flipped ones, each weighted by its derivative: it is negative as soon as the class has one
    flipped example, and positive without any. The value is the share of classes (of the two)
    where the sign of the score matches that rule.

    Parameters
    ----------
    result : AttentionResult
        The book configuration with ``step_size_v`` = :data:`LARGE_STEP_V`, step 2 recorded.

    Returns
    -------
    list of companion.claims.PerSeed
    """
    engine.require_complete(result, "the attention claims")
    if result.config.step_size_v != LARGE_STEP_V:
        raise ValueError(f"result must use step_size_v = {LARGE_STEP_V}; got {result.config.step_size_v}")
    cls = clean_labels(result)
    has_flip = np.stack([(result.flipped & (cls == c)).any(axis=1) for c in (1, -1)], axis=1)   # (S, 2)
    negative = result.signal_score[:, result.index(2)] < 0
    return [PerSeed(f"α_v = {LARGE_STEP_V:g}: classes whose signal score <mu_c, p> is negative exactly when they have "
                    "a flipped example", (negative == has_flip).mean(axis=1), 1.0)]


def claims_large_step_v(result: AttentionResult) -> list[Claim]:
    """The claim of :func:`per_seed_large_step_v`, judged on the worst seed (at least three seeds)."""
    _three_seeds(result)
    return aggregate(per_seed_large_step_v(result))


def claims_attention_role(role: AttentionSweep) -> list[Claim]:
    """What step 2's attention update adds, judged on the share of seeds that fit every flipped label.

    (1) At SNRs at least 1.4 times :func:`step_one_threshold`, with ``p`` frozen at most
    :data:`ABLATION_FROZEN_MAX` of the seeds fit every flipped label after two steps (the largest
    share over those SNRs); (2) with the attention update, every seed does, at every SNR
    (:data:`ABLATION_MOVING_MIN`); (3) at SNRs at most 0.8 times the step-1 threshold, with ``p``
    frozen at least :data:`ABLATION_BELOW_MIN` of the seeds do (the smallest share).

    Parameters
    ----------
    role : AttentionSweep
        :func:`attention_role`, at least 20 seeds (a share over fewer is too coarse).

    Returns
    -------
    list of companion.claims.Claim
    """
    engine.require_complete(role, "the attention claims")
    if list(role.axes) != ["signal", "step_size_p"] or role.axes["step_size_p"][0] != 0:
        raise ValueError("role must be attention_role's sweep (signal, then step_size_p starting at 0)")
    if len(role.seeds) < 20:
        raise ValueError(f"role must hold at least 20 seeds; got {len(role.seeds)}")
    snrs = role.axes["signal"] / np.sqrt(role.config.dim)
    line = float(step_one_threshold(role.config.n, role.config.noise_rate))
    every = (role.flipped_train_acc[..., -1] >= 1).mean(axis=-1)          # (signals, 2): share of seeds
    high, low = snrs >= 1.4 * line, snrs <= 0.8 * line
    if not high.any() or not low.any():
        raise ValueError(f"role must include SNRs at most 0.8 and at least 1.4 times the step-1 threshold {line:.3f}")
    S = len(role.seeds)

    def detail(mask, column):
        return "per SNR: " + ", ".join(f"{x:.3g}: {e:.2f}" for x, e in zip(snrs[mask], every[mask, column]))

    return [
        Claim(f"p frozen, SNR ≥ 1.4 × step-1 threshold: share of {S} seeds fitting every flipped label (largest)",
              float(every[high, 0].max()), ABLATION_FROZEN_MAX, "<=", detail=detail(high, 0)),
        Claim(f"attention updated: share of {S} seeds fitting every flipped label (smallest over the SNRs)",
              float(every[:, 1].min()), ABLATION_MOVING_MIN, ">=", detail=detail(np.ones_like(high), 1)),
        Claim(f"p frozen, SNR ≤ 0.8 × step-1 threshold: share of {S} seeds fitting every flipped label (smallest)",
              float(every[low, 0].min()), ABLATION_BELOW_MIN, ">=", detail=detail(low, 0)),
    ]


def per_seed_max_margin(margins: Mapping[str, HardAttentionMargin],
                        long_runs: Mapping[str, AttentionResult]) -> list[PerSeed]:
    """The max-margin claims on every seed (see :func:`claims_max_margin`)."""
    missing = {"low", "middle", "high"} - set(margins) | {"low", "middle", "high"} - set(long_runs)
    if missing:
        raise ValueError(f"margins and long_runs must have the keys 'low', 'middle', 'high'; missing {sorted(missing)}")
    for r in long_runs.values():
        engine.require_complete(r, "the attention claims")
    best = {k: (m, np.arange(len(m.best)), m.best) for k, m in margins.items()}

    def pattern_is(key, name):
        m, _, b = best[key]
        return np.array([m.patterns[i] == name for i in b], dtype=float)

    def accuracy(key):
        m, s, b = best[key]
        return m.test_acc[s, b]

    ended = {k: attention_pattern(long_runs[k]) for k in best}
    cosines = {k: v_cosine(long_runs[k], m.v_coef[s, ended[k][0]]) for k, (m, s, _) in best.items()}
    cos = np.min([c[:, -1] for c in cosines.values()], axis=0)
    closing = np.max([(1 - c[:, -1]) / (1 - c[:, long_runs[k].index(2)]) for k, c in cosines.items()], axis=0)
    split = np.max([ended[k][1] for k in best], axis=0)
    middle = long_runs["middle"]
    last = int(middle.steps[-1])
    return [
        PerSeed("max margin, low SNR: the best pattern puts every example on its noise token",
                pattern_is("low", "noise/noise"), 1.0),
        PerSeed("max margin, low SNR: clean test accuracy", accuracy("low"), MARGIN_HARMFUL_MAX, "<=", worst="best seed"),
        PerSeed("max margin, high SNR: the best pattern puts clean examples on the signal token",
                pattern_is("high", "signal/signal"), 1.0),
        PerSeed("max margin, high SNR: clean test accuracy", accuracy("high"), BENIGN_TEST_MIN),
        PerSeed("middle SNR: step 1 fits every training label", middle.train_acc[:, middle.index(1)], TRAIN_MIN),
        PerSeed("middle SNR: benign early, clean test accuracy at step 1", middle.test_acc[:, middle.index(1)],
                BENIGN_TEST_MIN),
        PerSeed("middle SNR: max margin uses no signal token", pattern_is("middle", "noise/noise"), 1.0),
        PerSeed(f"middle SNR: long run harmful, clean test accuracy at step {last}", middle.test_acc[:, -1],
                HARMFUL_TEST_MAX, "<=", worst="best seed"),
        PerSeed(f"long runs, step {last}: classes whose clean examples attend to different kinds of token "
                "(most of the three SNRs)", split, 0, "<=", percent=False),
        PerSeed(f"long runs, step {last}: cosine of v with the min-norm v of the attention pattern the run is in "
                "(smallest of the three SNRs)", cos, DIRECTION_COS_MIN, percent=False),
        PerSeed(f"long runs: 1 − that cosine at step {last} over 1 − it at step 2 (largest of the three SNRs)",
                closing, DIRECTION_GAP_RATIO, "<=", percent=False),
    ]


def claims_max_margin(margins: Mapping[str, HardAttentionMargin],
                      long_runs: Mapping[str, AttentionResult]) -> list[Claim]:
    """The max-margin interpolator is harmful below the SNR threshold and benign above it, long
    gradient descent heads for it, and below the max-margin threshold, where step 1 is already benign
    (:data:`LONG_SNRS` "middle"), the network is benign early and harmful in the long run.

    Parameters
    ----------
    margins : mapping with keys "low", "middle", "high" of HardAttentionMargin
        At the SNRs of :data:`LONG_SNRS`.
    long_runs : mapping with the same keys of AttentionResult
        Long runs at the same configurations and seeds, with steps 1 and 2 recorded.

    Claims: (1, 2) low SNR: every example on its noise token, clean test accuracy at most
    :data:`MARGIN_HARMFUL_MAX`; (3, 4) high SNR: clean examples on the signal token, accuracy at least
    :data:`BENIGN_TEST_MIN`; (5-8) middle SNR: step 1 fits every label and is benign (at least
    :data:`BENIGN_TEST_MIN`; the SNR is below :func:`step_one_threshold`, and step 2 can cost accuracy
    there since most classes' signal scores turn negative), max margin without a signal token, the
    long run harmful (at most :data:`HARMFUL_TEST_MAX`); (9) at the end of every long run, the clean
    examples of each class all attend to the same kind of token (a class-level pattern,
    :func:`attention_pattern`), (10) the cosine between gradient descent's ``v`` and the min-norm
    ``v`` of that pattern is at least :data:`DIRECTION_COS_MIN`, and (11) the run closes most of the
    gap to it after step 2 (:data:`DIRECTION_GAP_RATIO`).
    The worst seed decides.
    """
    per_seed = per_seed_max_margin(margins, long_runs)        # validates the keys first
    _three_seeds(long_runs["low"])
    return aggregate(per_seed)


def per_seed_fates(result: AttentionResult, margins: HardAttentionMargin) -> list[PerSeed]:
    """The claims on many long runs at one SNR, on every seed (see :func:`claims_fates`)."""
    engine.require_complete(result, "the attention claims")
    if len(margins.best) != len(result.seeds):
        raise ValueError(f"margins must hold the run's {len(result.seeds)} seeds; got {len(margins.best)}")
    pattern, split = attention_pattern(result)
    own = margins.test_acc[np.arange(len(pattern)), pattern]
    last = int(result.steps[-1])
    return [
        PerSeed(f"step {last}: classes whose clean examples attend to different kinds of token", split, 0, "<=",
                percent=False),
        PerSeed(f"step {last}: clean test accuracy minus that of the min-norm v of the run's pattern, in absolute "
                "value", np.abs(result.test_acc[:, -1] - own), FATE_TEST_TOL, "<=", percent=False),
    ]


def claims_fates(result: AttentionResult, margins: HardAttentionMargin) -> list[Claim]:
    """Many long runs at one SNR end in a class-level attention pattern, and their test accuracy is
    that of the pattern's min-norm solution, whichever pattern it is.

    Claims: (1) at the last step, every class's clean examples attend to the same kind of token
    (:func:`attention_pattern`); (2) each run's clean test accuracy is within :data:`FATE_TEST_TOL`
    of the test accuracy of the min-norm ``v`` of its pattern (:class:`HardAttentionMargin`). The
    worst seed decides.

    Parameters
    ----------
    result : AttentionResult
        Finished long runs, at least three seeds, one noise token.
    margins : HardAttentionMargin
        The same configuration and seeds.

    Returns
    -------
    list of companion.claims.Claim
    """
    _three_seeds(result)
    return aggregate(per_seed_fates(result, margins))


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


# ---------------------------------------------------------------------------------------------
# Figures (each returns a matplotlib Figure; see companion.plots for the style)
# ---------------------------------------------------------------------------------------------

def _plt():
    import matplotlib.pyplot as plt
    from . import plots
    return plt, plots


def figure_steps(result: AttentionResult, title: str | None = None):
    """Accuracies at every recorded step (left) and the attention on the signal token at the last
    step, for clean training examples, flipped ones and test examples (right), first seed.

    Parameters
    ----------
    result : AttentionResult
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt, plots = _plt()
    with plots.style():
        fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 3.4))
        keep = result.steps >= 1
        s = result.steps[keep]
        marker = "o" if len(s) <= 10 else None         # a two-step run is two points per curve
        plots.band(axes[0], s, result.train_acc[:, keep], plots.COLORS["train"], "train (noisy labels)", ls="-",
                   marker=marker)
        plots.band(axes[0], s, result.flipped_train_acc[:, keep], plots.COLORS["flipped"], "flipped examples", ls="--",
                   marker=marker)
        plots.band(axes[0], s, result.test_acc[:, keep], plots.COLORS["test"], "test (clean labels)", marker=marker)
        axes[0].axhline(0.5, color="gray", lw=0.8, ls=":")
        axes[0].set_xlabel("gradient-descent step")
        axes[0].set_ylabel("accuracy")
        axes[0].set_ylim(-0.02, 1.02)
        axes[0].set_xticks(s if len(s) <= 10 else s[:: max(1, len(s) // 8)])
        axes[0].legend(loc="lower right", fontsize=9)
        att, flipped = result.train_attention[0, -1], result.flipped[0]
        bins = np.linspace(0, 1, 26)
        axes[1].hist(att[~flipped], bins=bins, color=plots.COLORS["train"], alpha=0.6, density=True, label="clean train")
        axes[1].hist(att[flipped], bins=bins, color=plots.COLORS["flipped"], alpha=0.7, density=True, label="flipped train")
        axes[1].hist(result.test_attention[0, -1], bins=bins, histtype="step", color=plots.COLORS["test"], lw=1.8,
                     density=True, label="test")
        axes[1].set_xlabel(f"attention on the signal token, step {result.steps[-1]}")
        axes[1].set_ylabel("density")
        axes[1].legend(fontsize=9)
        if title:
            fig.suptitle(title, fontsize=10)
        fig.tight_layout()
    return fig


def figure_phase(grid: AttentionSweep, margins: dict):
    """The phase diagram over SNR and n: clean test accuracy after step 1 (left), after the grid's
    last step (middle) and of the hard-attention max-margin interpolator (right), with the
    benign and harmful cells outlined, the step-1 threshold ``SNR = sqrt(2 / (n (1 - 2 eta)))``
    (orange, dotted, first two panels) and the max-margin threshold ``SNR = sqrt(2 / ((1 - eta) n))`` (dashed).

    A cell is benign when every seed fits every training label and the mean clean test accuracy is
    at least :data:`BENIGN_TEST_MIN`, harmful when every label is fitted and it is at most
    :data:`HARMFUL_TEST_MAX`. A small red cross in a cell's corner marks cells where some seed did
    not fit every training label; the max-margin interpolator fits every label by construction.

    Parameters
    ----------
    grid : AttentionSweep
        Over ``signal`` and ``n``, in that order, with step 1 recorded.
    margins : dict
        :func:`margin_grid` over the same signals and ``n``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt, plots = _plt()
    from matplotlib.patches import Patch, Rectangle
    dim = grid.config.dim
    snrs = grid.axes["signal"] / np.sqrt(dim)
    ns = grid.axes["n"]
    one = int(np.flatnonzero(grid.steps == 1)[0])
    panels = [(grid.test_acc[..., one].mean(axis=-1), "gradient descent, step 1",
               (grid.train_acc[..., one] >= 1).all(axis=-1), True),
              (grid.test_acc[..., -1].mean(axis=-1), f"gradient descent, step {grid.steps[-1]}",
               (grid.train_acc[..., -1] >= 1).all(axis=-1), True),
              (margins["test_acc"].mean(axis=-1), "max margin (hard attention)", np.ones((len(snrs), len(ns)), bool),
               False)]
    outline = {"benign": dict(edgecolor="black", ls="-"), "harmful": dict(edgecolor="white", ls=":")}

    def on_rows(line):          # a threshold line placed on the grid's log-spaced rows
        return np.interp(np.log(line), np.log(snrs), np.arange(len(snrs)), left=np.nan, right=np.nan)

    with plots.style():
        fig, axes = plt.subplots(1, 3, figsize=(plots.WIDTH, 4.6), sharey=True)
        for ax, (values, title, fit, gd) in zip(axes, panels):
            plots.heatmap(ax, values, [f"{s:.2g}" for s in snrs], [f"{int(n)}" for n in ns], vmin=0.5, vmax=1.0,
                          colorbar=ax is axes[-1], colorbar_label="clean test accuracy" if ax is axes[-1] else None)
            plots.corner_marks(ax, ~fit)
            regions = {"benign": fit & (values >= BENIGN_TEST_MIN), "harmful": fit & (values <= HARMFUL_TEST_MAX)}
            for name, cells in regions.items():
                for i, j in zip(*np.nonzero(cells)):
                    ax.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, lw=1.8, **outline[name]))
            ax.plot(np.arange(len(ns)), on_rows(margin_threshold(ns, grid.config.noise_rate)), color="white", lw=2,
                    ls="--")
            if gd:
                ax.plot(np.arange(len(ns)), on_rows(step_one_threshold(ns, grid.config.noise_rate)), color="#ff7f0e",
                        lw=2.2, ls=":")
            ax.set_xlabel("training examples n")
            ax.set_title(title, fontsize=10)
        axes[0].set_ylabel("SNR ρ / √d")
        handles = [Patch(facecolor="#3b528b", lw=1.8, label=label, **outline[name])
                   for name, label in (("benign", f"benign: every label fitted, test ≥ {100 * BENIGN_TEST_MIN:.0f}%"),
                                       ("harmful", f"harmful: every label fitted, test ≤ {100 * HARMFUL_TEST_MAX:.0f}%"))]
        handles += [plt.Line2D([], [], color="#ff7f0e", lw=2.2, ls=":", label="step 1: SNR = √(2 / ((1 − 2η) n))"),
                    plt.Line2D([], [], color=plots.COLORS["gray"], lw=2, ls="--",
                               label="max margin: SNR = √(2 / ((1 − η) n)) (white)"),
                    plt.Line2D([], [], color="#d62728", lw=0, marker="$×$", markersize=8,
                               label="some seed leaves a label unfitted")]
        fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False)
        fig.tight_layout(rect=(0, 0.15, 1, 1))
    return fig


def figure_attention_role(role: AttentionSweep):
    """What step 2's attention update adds: over the SNR, the share of seeds that fit every flipped
    label after two steps (solid) and the mean share of flipped labels fitted (dashed), with the
    attention updated and with ``p`` frozen, and after step 1 (gray); the step-1 threshold dotted.

    Parameters
    ----------
    role : AttentionSweep
        :func:`attention_role`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt, plots = _plt()
    snrs = role.axes["signal"] / np.sqrt(role.config.dim)
    flipped = role.flipped_train_acc
    with plots.style():
        fig, ax = plt.subplots(figsize=(plots.WIDTH * 0.75, 3.4))
        lines = [(flipped[:, 1, :, -1], plots.COLORS["test"], f"two steps, step on p {role.axes['step_size_p'][1]:g}"),
                 (flipped[:, 0, :, -1], plots.COLORS["flipped"], "two steps, p frozen"),
                 (flipped[:, 0, :, 1], plots.COLORS["gray"], "step 1 only")]
        for values, color, label in lines:
            ax.plot(snrs, (values >= 1).mean(axis=-1), color=color, lw=2, marker="o", label=label)
            ax.plot(snrs, values.mean(axis=-1), color=color, lw=1.2, ls="--")
        ax.axvline(float(step_one_threshold(role.config.n, role.config.noise_rate)), color="black", lw=1, ls=":")
        ax.set_xlabel("SNR ρ / √d")
        ax.set_ylabel(f"share of {len(role.seeds)} seeds")
        ax.set_ylim(-0.03, 1.03)
        ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig.tight_layout()
    return fig


def figure_step_sizes(grid: AttentionSweep):
    """Where the two-step result breaks: clean test accuracy and the clean-minus-flipped attention
    gap after step 2, over the two step sizes.

    Parameters
    ----------
    grid : AttentionSweep
        Over ``step_size_v`` and ``step_size_p``, in that order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt, plots = _plt()
    rows = [f"{a:g}" for a in grid.axes["step_size_v"]]
    cols = [f"{a:g}" for a in grid.axes["step_size_p"]]
    fitted = (grid.train_acc[..., -1] >= 1).all(axis=-1)
    test = grid.test_acc[..., -1].mean(axis=-1)
    gap = (grid.attention_clean - grid.attention_flipped)[..., -1].mean(axis=-1)
    with plots.style():
        fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 3.4))
        plots.heatmap(axes[0], test, rows, cols, vmin=0.5, vmax=1.0)
        plots.corner_marks(axes[0], ~fitted)
        axes[0].set_title(f"clean test accuracy, step {grid.steps[-1]}", fontsize=10)
        plots.heatmap(axes[1], gap, rows, cols, vmin=0.0, vmax=0.6, fmt="{:.2f}", scale=1.0, cmap="cividis")
        axes[1].set_title("attention gap, clean − flipped", fontsize=10)
        for ax in axes:
            ax.set_xlabel("step size on p")
            ax.set_ylabel("step size on v")
        fig.tight_layout()
    return fig


def figure_long_run(runs: Sequence[AttentionResult], margins: Sequence[HardAttentionMargin], labels: Sequence[str]):
    """Long gradient descent against the max-margin interpolator: normalized margin (with the
    max-margin value dashed), cosine of ``v`` with the min-norm ``v`` of the class-level attention
    pattern the run is in at its last step (:func:`attention_pattern`), and clean test accuracy.

    Parameters
    ----------
    runs : sequence of AttentionResult
    margins : sequence of HardAttentionMargin
        For the same configurations and seeds.
    labels : sequence of str

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt, plots = _plt()
    colors = [plots.COLORS["flipped"], plots.COLORS["neg"], plots.COLORS["train"]]
    with plots.style():
        fig, axes = plt.subplots(1, 3, figsize=(plots.WIDTH, 3.2))
        for run, mm, label, color in zip(runs, margins, labels, colors):
            keep = run.steps >= 1
            s = run.steps[keep]
            k = np.arange(len(run.seeds))
            best = 1 / np.sqrt(mm.sq_norms[k, mm.best])
            plots.band(axes[0], s, normalized_margin(run)[:, keep], color, label)
            axes[0].axhline(best.mean(), color=color, ls="--", lw=1)
            plots.band(axes[1], s, v_cosine(run, mm.v_coef[k, attention_pattern(run)[0]])[:, keep], color, label)
            plots.band(axes[2], s, run.test_acc[:, keep], color, label)
        for ax, ylabel in zip(axes, ("min yᵢ f / ‖v‖ (dashed: max margin)", "cosine with min-norm v\nof the run's pattern",
                                     "clean test accuracy")):
            ax.set_xscale("log")
            ax.set_xlabel("step (log scale)")
            ax.set_ylabel(ylabel, fontsize=10)
        axes[0].legend(fontsize=9, loc="lower right")
        fig.tight_layout()
    return fig


def figure_fates(result: AttentionResult, margins: HardAttentionMargin):
    """Where long runs end, over many seeds: each class's pattern against its label counts, and
    each seed's clean test accuracy over the steps, by whether it ends in the max-margin pattern.

    Parameters
    ----------
    result : AttentionResult
        Long runs, many seeds, one noise token.
    margins : HardAttentionMargin
        For the same configuration and seeds.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt, plots = _plt()
    pattern, _ = attention_pattern(result)
    cls = clean_labels(result)
    rng = np.random.default_rng(0)                 # jitter only, so that equal counts do not overlap
    clean_n, flipped_n, on_noise = [], [], []
    for k, p in enumerate(pattern):
        for c, kind in zip((1, -1), PATTERNS[p].split("/")):
            clean_n.append(int((~result.flipped[k] & (cls[k] == c)).sum()))
            flipped_n.append(int((result.flipped[k] & (cls[k] == c)).sum()))
            on_noise.append(kind == "noise")
    clean_n, flipped_n, on_noise = np.array(clean_n), np.array(flipped_n), np.array(on_noise)
    jitter = rng.uniform(-0.25, 0.25, (2, len(clean_n)))
    reached = pattern == margins.best
    with plots.style():
        fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 4.0))
        for mask, color, marker, label in ((~on_noise, plots.COLORS["train"], "o", "clean examples on the signal token"),
                                           (on_noise, plots.COLORS["flipped"], "x", "clean examples on their noise tokens")):
            axes[0].scatter(clean_n[mask] + jitter[0, mask], flipped_n[mask] + jitter[1, mask], s=18, color=color,
                            marker=marker, label=f"{label} ({mask.sum()})", alpha=0.8)
        axes[0].set_xlabel("clean examples in the class")
        axes[0].set_ylabel("flipped examples in the class")
        axes[0].legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
        keep = result.steps >= 1
        for k in np.argsort(~reached, kind="stable"):          # the ones that end elsewhere drawn on top
            color = plots.COLORS["train"] if reached[k] else plots.COLORS["flipped"]
            axes[1].plot(result.steps[keep], result.test_acc[k, keep], color=color, lw=1.0 if reached[k] else 1.6,
                         alpha=0.35 if reached[k] else 0.9)
        axes[1].plot([], [], color=plots.COLORS["train"], label=f"ends in the max-margin pattern ({reached.sum()})")
        axes[1].plot([], [], color=plots.COLORS["flipped"], label=f"ends elsewhere ({(~reached).sum()})")
        axes[1].set_xscale("log")
        axes[1].set_xlabel("step (log scale)")
        axes[1].set_ylabel("clean test accuracy")
        axes[1].legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
        fig.tight_layout()
    return fig

