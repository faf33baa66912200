"""Training the attention head: its span model, one configuration over seeds, sweeps over configurations.

The gradients of ``f`` are combinations of the tokens (``d f / d v = sum_k s_k x_k`` and
``d f / d p = sum_k s_k (z_k - f) x_k`` with attention ``s`` and values ``z``), so from zero ``p`` and
``v`` stay in ``span(mu1, mu2, training noise tokens)``. :class:`SpanAttention` trains the
coefficients of that span in the loop of :mod:`companion.engine`, which is the same gradient descent
(tested against autograd on explicit tokens), and it sees the tokens only through their inner products.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import engine, runs, validate
from ..device import resolve_device
from .data import AttentionData, problem, seed_draws
from .setting import (ABLATION_SEEDS, ABLATION_SNRS, BOOK, FATE_STEPS, LARGE_STEP_V, LONG_SNRS, LONG_STEPS, PHASE_NS,
                      PHASE_SNRS, SAMPLERS, AttentionConfig, with_snr)
from .theory import HardAttentionMargin, hard_attention_margin, margin_grid

__all__ = ["SpanAttention", "AttentionResult", "train", "AttentionSweep", "sweep", "attention_role", "run_two_steps",
           "run_role", "run_large_step_v", "run_phase", "run_max_margin", "run_fates"]

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


_VARIED = ("signal", "noise_rate", "n", "step_size_v", "step_size_p")


def _run(cfg, draws, settings, dev, dtype, record, progress):
    parts, flips, used = [], [], []
    for d, setting in zip(draws, settings):
        c = {name: setting.get(name, getattr(cfg, name)) for name in _VARIED}
        part, flipped = problem(d, c)
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


@dataclass
class AttentionResult(engine.RunStatus, runs.Recorded):
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
    validate.instance("cfg", cfg, AttentionConfig)
    seeds, dev = _options(seeds, device, dtype, sampler)
    draws = [seed_draws(cfg, s, sampler, dev) for s in seeds]
    run, data, flipped, _ = _run(cfg, draws, [{}] * len(seeds), dev, dtype, record, progress)
    labels, test_labels = data.labels.cpu().numpy(), data.test_labels.cpu().numpy()
    return AttentionResult(
        config=cfg, seeds=np.asarray(seeds), steps=run.steps, train_acc=runs.masked_accuracy(run["train_out"], labels),
        flipped_train_acc=runs.masked_accuracy(run["train_out"], labels, flipped),
        clean_train_acc=runs.masked_accuracy(run["train_out"], labels, ~flipped),
        test_acc=runs.masked_accuracy(run["test_out"], test_labels), train_out=run["train_out"], test_out=run["test_out"],
        train_attention=run["train_attention"], test_attention=run["test_attention"], train_labels=labels,
        test_labels=test_labels, flipped=flipped, loss=run["loss"], v_norm=run["v_norm"], p_norm=run["p_norm"],
        v_coef=run["v_coef"], signal_score=run["signal_score"], noise_gram=data.noise_gram.cpu().numpy(), planned_steps=cfg.steps,
        interrupted_at=run.interrupted_at)


@dataclass
class AttentionSweep(engine.RunStatus, runs.Recorded):
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
    validate.instance("cfg", cfg, AttentionConfig)
    values = validate.axes(axes, _AXIS_CHECKS)
    seeds, dev = _options(seeds, device, dtype, sampler)
    base = cfg.replace(n=max(values.get("n", [cfg.n])))
    draws = [seed_draws(base, s, sampler, dev) for s in seeds]
    combos = engine.grid(values, len(seeds))
    run, data, flipped, used = _run(base, [draws[k] for _, k in combos], [c for c, _ in combos], dev, dtype, record,
                                    progress)
    labels, test_labels = data.labels.cpu().numpy(), data.test_labels.cpu().numpy()
    real = np.arange(base.n)[None, :] < used[:, None]                     # the examples a problem uses
    cls = np.where(flipped, -labels, labels)
    counts = np.stack([(labels * c * ((cls == c) & real)).sum(axis=1) for c in (1, -1)], axis=-1)   # (P, 2)
    att = run["train_attention"]

    def grid(array):            # problems -> (*axis sizes, seeds, ...)
        return runs.on_grid(array, values, len(seeds))

    def group_mean(mask):
        count = mask.sum(axis=1)[:, None]
        return grid(np.where(count > 0, (att * mask[:, None, :]).sum(axis=2) / np.maximum(count, 1), np.nan))

    return AttentionSweep(
        config=base, axes={k: np.asarray(v) for k, v in values.items()}, seeds=np.asarray(seeds), steps=run.steps,
        train_acc=grid(runs.masked_accuracy(run["train_out"], labels, real)),
        flipped_train_acc=grid(runs.masked_accuracy(run["train_out"], labels, flipped)),
        test_acc=grid(runs.masked_accuracy(run["test_out"], test_labels)),
        attention_clean=group_mean(real & ~flipped), attention_flipped=group_mean(flipped),
        attention_test=grid(run["test_attention"].mean(axis=2)), signal_score=grid(run["signal_score"]),
        signal_count=grid(counts), planned_steps=base.steps, interrupted_at=run.interrupted_at)


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


# --- The runs behind the chapter's claim groups (what the notebook runs, as functions of the seeds) ---

def run_two_steps(cfg: AttentionConfig, seeds, device=None) -> tuple[AttentionResult]:
    """``attention.train(cfg)`` on ``seeds``: the two-step runs (the benign one and its low-SNR twin)."""
    return (train(cfg, seeds=seeds, device=device, progress=False),)


def run_role(cfg: AttentionConfig, seeds, device=None) -> tuple[AttentionSweep]:
    """The ablation: :func:`companion.attention.attention_role` of ``cfg`` on ``seeds``."""
    return (attention_role(cfg, seeds=seeds, device=device, progress=False),)


def run_large_step_v(cfg: AttentionConfig, seeds, device=None) -> tuple[AttentionResult]:
    """Two steps of ``cfg`` with the step :data:`companion.attention.LARGE_STEP_V` on ``v``."""
    return (train(cfg.replace(step_size_v=LARGE_STEP_V), seeds=seeds, device=device, progress=False),)


def run_phase(cfg: AttentionConfig, seeds, device=None) -> tuple[AttentionSweep, dict]:
    """The phase diagram: a sweep over :data:`PHASE_SNRS` and :data:`PHASE_NS` and its max-margin grid."""
    signals = list(PHASE_SNRS * np.sqrt(cfg.dim))
    return (sweep(cfg, {"signal": signals, "n": list(PHASE_NS)}, seeds=seeds, device=device, progress=False),
            margin_grid(cfg, signals, PHASE_NS, seeds=seeds))


def run_max_margin(cfg: AttentionConfig, seeds, device=None) -> tuple[dict, dict]:
    """The long runs at :data:`LONG_SNRS` and their max-margin solutions: ``(margins, long_runs)``."""
    configs = {name: with_snr(cfg, value).replace(steps=LONG_STEPS) for name, value in LONG_SNRS.items()}
    record = engine.record_steps(LONG_STEPS)
    long_runs = {name: train(c, seeds=seeds, device=device, record=record, progress=False) for name, c in configs.items()}
    return {name: hard_attention_margin(c, seeds=seeds) for name, c in configs.items()}, long_runs


def run_fates(cfg: AttentionConfig, seeds, device=None) -> tuple[AttentionResult, HardAttentionMargin]:
    """Long runs at the high SNR of :data:`LONG_SNRS` for :data:`FATE_STEPS` steps, and their max-margin
    solutions: ``(runs, margins)``."""
    fate_cfg = with_snr(cfg, LONG_SNRS["high"]).replace(steps=FATE_STEPS)
    runs = train(fate_cfg, seeds=seeds, device=device, record=sorted({*engine.record_steps(fate_cfg.steps), 20}),
                 progress=False)
    return runs, hard_attention_margin(fate_cfg, seeds=seeds)
