"""Training the XOR chapter's network: one configuration over seeds, sweeps over configurations.

The network is the span model of :mod:`companion.twolayer` (only the first layer trains, from a
fixed start, so every iterate stays in start + span of the training points) run by the loop of
:mod:`companion.engine`: exactly full-batch gradient descent on the mean logistic loss. Seeds and
configurations train together as one batched computation.
"""
from __future__ import annotations

import dataclasses

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch

from .. import engine, runs, twolayer, validate
from ..device import resolve_device
from .data import SeedProducts, assemble, seed_products
from .measures import hebbian_agreement, hebbian_correlation
from .setting import BOOK, SAMPLERS, XORConfig, default_dtype, record_steps

__all__ = ["XORResult", "train", "XORSweep", "sweep", "join_sweeps", "step_one_widths"]

_VARIED = ("signal", "noise_rate", "init_scale", "step_size")


def _run(cfg: XORConfig, products: list[SeedProducts], settings: list[dict], dev, dtype, record, progress):
    """Train one batched problem: ``products[k]`` with the fields of ``cfg`` changed by ``settings[k]``."""
    parts, flips, hebbian = [], [], []
    for pr, setting in zip(products, settings):
        c = {name: setting.get(name, getattr(cfg, name)) for name in _VARIED}
        part, flipped, heb = assemble(pr, c["signal"], c["noise_rate"], c["init_scale"])
        parts.append(part)
        flips.append(flipped)
        hebbian.append(heb)
    data = twolayer.SpanData(**{k: torch.stack([p[k] for p in parts]).to(dtype) for k in parts[0]})
    model = twolayer.SpanTwoLayer(data, twolayer.output_weights(cfg.width, dev, dtype))
    sizes = [s.get("step_size", cfg.step_size) for s in settings]
    rule = engine.GD(sizes[0] if len(set(sizes)) == 1 else sizes)
    run = engine.train(model, rule, cfg.steps, record=record_steps(cfg.steps) if record is None else record,
                       progress=progress)
    out = dict(labels=data.labels.cpu().numpy(), flipped=torch.stack(flips).cpu().numpy(),
               clean_eval=torch.stack([pr.clean_eval for pr in products]).cpu().numpy(),
               hebbian=torch.stack(hebbian).cpu().numpy())
    return run, out


def _options(seeds, device, dtype, sampler, cfg):
    seeds = validate.seeds(seeds)
    dev = resolve_device(device)
    validate.choice("sampler", sampler, SAMPLERS)
    if dtype is None:
        dtype = default_dtype(cfg.dim)
    validate.choice("dtype", dtype, (torch.float32, torch.float64))
    return seeds, dev, dtype


@dataclass
class XORResult(engine.RunStatus, runs.Recorded):
    """What :func:`train` measured, per seed and recorded step.

    Attributes
    ----------
    config : XORConfig
    seeds : ndarray of int, shape (S,)
    steps : ndarray of int, shape (R,)
        Recorded steps; include 0, 1 and the last step run.
    train_acc : ndarray, shape (S, R)
        Accuracy on the (noisy) training labels.
    flipped_train_acc : ndarray, shape (S, R)
        Accuracy on the flipped training points against their flipped labels (1 for a seed with no
        flipped point; see ``n_flipped``).
    clean_train_acc : ndarray, shape (S, R)
        Accuracy on the training points whose label was not flipped.
    test_acc : ndarray, shape (S, R)
        Accuracy on fresh test points with clean labels.
    train_out : ndarray, shape (S, R, n)
        The network's outputs on the training points.
    train_labels : ndarray, shape (S, n)
        The (noisy) training labels.
    flipped : ndarray of bool, shape (S, n)
        Which training labels were flipped.
    test_out : ndarray, shape (S, R, n_test)
        The network's outputs on the test points.
    test_labels : ndarray, shape (S, n_test)
        Their clean labels.
    hebbian_test : ndarray, shape (S, n_test)
        ``<v, x>`` for every test point ``x``, with the Hebbian vector ``v = sum_i y_i x_i``.
    train_loss : ndarray, shape (S, R)
        Mean logistic loss on the training set.
    weight_norm : ndarray, shape (S, R)
        ``||W_t||_F``.
    pattern_change : ndarray, shape (S, R)
        Share of (neuron, test point) pairs whose ReLU state differs from the initialization's.
    neuron_proj : ndarray, shape (S, R, width, 2)
        ``<w_j, mu_k> / ||mu_k||`` for every neuron ``j`` and ``k = 1, 2``.
    out_weights : ndarray, shape (width,)
        The fixed second layer.
    n_flipped : ndarray of int, shape (S,)
    planned_steps : int
        ``config.steps``.
    interrupted_at : int or None
        The step at which a KeyboardInterrupt stopped training (None: it finished); the arrays
        then hold the steps that finished, and :func:`companion.xor.per_seed_claims` refuses the result.
    """

    config: XORConfig
    seeds: np.ndarray
    steps: np.ndarray
    train_acc: np.ndarray
    flipped_train_acc: np.ndarray
    clean_train_acc: np.ndarray
    test_acc: np.ndarray
    train_out: np.ndarray
    train_labels: np.ndarray
    flipped: np.ndarray
    test_out: np.ndarray
    test_labels: np.ndarray
    hebbian_test: np.ndarray
    train_loss: np.ndarray
    weight_norm: np.ndarray
    pattern_change: np.ndarray
    neuron_proj: np.ndarray
    out_weights: np.ndarray
    n_flipped: np.ndarray
    planned_steps: int
    interrupted_at: int | None = None

    def at(self, step: int) -> dict[str, np.ndarray]:
        """The per-seed accuracies at a recorded ``step`` (shape (S,) each)."""
        r = self.index(step)
        return {"train_acc": self.train_acc[:, r], "flipped_train_acc": self.flipped_train_acc[:, r],
                "clean_train_acc": self.clean_train_acc[:, r], "test_acc": self.test_acc[:, r]}


def train(cfg: XORConfig = BOOK, seeds: Sequence[int] = (0, 1, 2), device: str | torch.device | None = None,
          record: Sequence[int] | None = None, progress: bool | None = None, dtype: torch.dtype | None = None,
          sampler: str = "auto") -> XORResult:
    """Train the network on XOR cluster data for several seeds at once.

    Parameters
    ----------
    cfg : XORConfig
    seeds : sequence of int
        Distinct non-negative seeds; each gives its own data, label noise and initialization.
    device : str, torch.device or None
        None: CUDA when available, else the CPU.
    record : sequence of int, optional
        Steps to record (default :func:`record_steps`: every step up to 20, then log-spaced).
    progress : bool or None
        Show a progress bar; None shows one only if training takes more than 2 s.
    dtype : torch.dtype or None
        float32 or float64; None: :func:`default_dtype` of ``cfg.dim``.
    sampler : {"auto", "wishart", "explicit"}
        How the Gaussian parts are drawn (:func:`companion.gram.gaussian_gram`): "auto" draws
        the inner products directly whenever ``dim - 2 >= n + n_test + width`` (any dimension costs
        the same), and the vectors otherwise. "explicit" draws exactly what :func:`sample` returns.

    Returns
    -------
    XORResult
    """
    validate.instance("cfg", cfg, XORConfig)
    seeds, dev, dtype = _options(seeds, device, dtype, sampler, cfg)
    products = [seed_products(cfg, s, sampler, dev) for s in seeds]
    run, o = _run(cfg, products, [{}] * len(seeds), dev, dtype, record, progress)
    return XORResult(
        config=cfg, seeds=np.asarray(seeds), steps=run.steps,
        train_acc=runs.masked_accuracy(run["train_out"], o["labels"]),
        flipped_train_acc=runs.masked_accuracy(run["train_out"], o["labels"], o["flipped"]),
        clean_train_acc=runs.masked_accuracy(run["train_out"], o["labels"], ~o["flipped"]),
        test_acc=runs.masked_accuracy(run["eval_out"], o["clean_eval"]), train_out=run["train_out"], train_labels=o["labels"],
        flipped=o["flipped"], test_out=run["eval_out"], test_labels=o["clean_eval"], hebbian_test=o["hebbian"],
        train_loss=run["loss"], weight_norm=run["weight_norm"], pattern_change=run["pattern_change"],
        neuron_proj=run["probes"],
        out_weights=twolayer.output_weights(cfg.width).numpy(), n_flipped=o["flipped"].sum(axis=1),
        planned_steps=cfg.steps, interrupted_at=run.interrupted_at)


@dataclass
class XORSweep(engine.RunStatus, runs.Recorded):
    """Accuracies over a grid of configurations, on common random numbers.

    Attributes
    ----------
    config : XORConfig
        The base configuration; the fields in ``axes`` vary.
    axes : dict of str to ndarray
        The varied fields (any of signal, noise_rate, init_scale, step_size) and their values, in
        the order of the leading axes of the arrays.
    seeds : ndarray of int, shape (S,)
    steps : ndarray of int, shape (R,)
    train_acc, flipped_train_acc, test_acc, pattern_change : ndarray, shape (*axis sizes, S, R)
        As in :class:`XORResult`.
    planned_steps : int
    interrupted_at : int or None
    """

    config: XORConfig
    axes: dict
    seeds: np.ndarray
    steps: np.ndarray
    train_acc: np.ndarray
    flipped_train_acc: np.ndarray
    test_acc: np.ndarray
    pattern_change: np.ndarray
    planned_steps: int
    interrupted_at: int | None = None


_AXIS_CHECKS = {"signal": lambda v: validate.positive("signal", v),
                "noise_rate": lambda v: validate.fraction("noise_rate", v, 0.0, 0.5, high_open=True),
                "init_scale": lambda v: validate.positive("init_scale", v),
                "step_size": lambda v: validate.positive("step_size", v)}


def sweep(cfg: XORConfig, axes: Mapping[str, Sequence[float]], seeds: Sequence[int] = (0, 1, 2),
          device: str | torch.device | None = None, record: Sequence[int] | None = None,
          progress: bool | None = None, dtype: torch.dtype | None = None, sampler: str = "auto") -> XORSweep:
    """Train every combination of the given values (and every seed) as one batched run.

    Every configuration of one seed shares that seed's draws (common random numbers), so a cell of
    the grid equals :func:`train` of that configuration on that seed.

    Parameters
    ----------
    cfg : XORConfig
        Base configuration.
    axes : mapping of str to sequence of float
        Fields to vary, each one of ``"signal"``, ``"noise_rate"``, ``"init_scale"``,
        ``"step_size"``, with a non-empty list of values.
    seeds, device, record, progress, dtype, sampler
        As for :func:`train`.

    Returns
    -------
    XORSweep
    """
    validate.instance("cfg", cfg, XORConfig)
    values = validate.axes(axes, _AXIS_CHECKS)
    seeds, dev, dtype = _options(seeds, device, dtype, sampler, cfg)
    base = [seed_products(cfg, s, sampler, dev) for s in seeds]
    combos = engine.grid(values, len(seeds))
    run, o = _run(cfg, [base[k] for _, k in combos], [c for c, _ in combos], dev, dtype, record, progress)

    def grid(array):            # problems -> (*axis sizes, seeds, ...)
        return runs.on_grid(array, values, len(seeds))

    return XORSweep(
        config=cfg, axes={k: np.asarray(v) for k, v in values.items()}, seeds=np.asarray(seeds), steps=run.steps,
        train_acc=grid(runs.masked_accuracy(run["train_out"], o["labels"])),
        flipped_train_acc=grid(runs.masked_accuracy(run["train_out"], o["labels"], o["flipped"])),
        test_acc=grid(runs.masked_accuracy(run["eval_out"], o["clean_eval"])),
        pattern_change=grid(run["pattern_change"]), planned_steps=cfg.steps, interrupted_at=run.interrupted_at)


def join_sweeps(parts: Sequence[XORSweep], axis: str) -> XORSweep:
    """Sweeps that differ only in the values of one axis, joined along it (a long sweep split over
    several calls, each short). On common random numbers every cell depends only on its own
    configuration and seed, so the result equals one :func:`sweep` over all the values.

    Parameters
    ----------
    parts : sequence of XORSweep
        Finished sweeps with the same base configuration, seeds, recorded steps and other axes.
    axis : str
        One of their axes.

    Returns
    -------
    XORSweep
        Its ``axis`` values are the parts' in order.
    """
    parts = list(parts)
    if not parts or not all(isinstance(p, XORSweep) for p in parts):
        raise ValueError(f"parts must be a non-empty sequence of XORSweep; got {parts!r}")
    first = parts[0]
    if axis not in first.axes:
        raise ValueError(f"axis must be one of the sweeps' axes {list(first.axes)}; got {axis!r}")
    for p in parts:
        if p.interrupted:
            raise engine.IncompleteRunError("join_sweeps: a part was interrupted; rerun it")
        same = (p.config == first.config and list(p.axes) == list(first.axes)
                and np.array_equal(p.seeds, first.seeds) and np.array_equal(p.steps, first.steps)
                and all(np.array_equal(p.axes[k], first.axes[k]) for k in first.axes if k != axis))
        if not same:
            raise ValueError(f"parts must differ only in their {axis!r} values (same configuration, seeds, "
                             "recorded steps and other axes)")
    k = list(first.axes).index(axis)

    def join(name):
        return np.concatenate([getattr(p, name) for p in parts], axis=k)

    return dataclasses.replace(
        first, axes={**first.axes, axis: np.concatenate([p.axes[axis] for p in parts])}, train_acc=join("train_acc"),
        flipped_train_acc=join("flipped_train_acc"), test_acc=join("test_acc"), pattern_change=join("pattern_change"))


def step_one_widths(cfg: XORConfig, widths: Sequence[int], seeds: Sequence[int] = (0, 1, 2),
                    device: str | torch.device | None = None) -> dict[str, np.ndarray]:
    """How close the network after one step is to the Hebbian classifier, at several widths.

    One step of ``cfg`` at every width (a separate run each: the width fixes the number of vectors
    drawn), recording the sign disagreement and the correlation with ``<v, x>`` on the test points.

    Parameters
    ----------
    cfg : XORConfig
    widths : sequence of int
        Even widths.
    seeds, device
        As for :func:`train`.

    Returns
    -------
    dict
        ``"widths"`` (W,), ``"disagreement"`` and ``"correlation"`` (W, S).
    """
    widths = [int(w) for w in widths]
    if not widths:
        raise ValueError("widths must hold at least one width")
    runs = [train(cfg.replace(width=w, steps=1), seeds=seeds, device=device, record=[0, 1], progress=False)
            for w in widths]
    return {"widths": np.array(widths), "disagreement": np.stack([1 - hebbian_agreement(r, 1) for r in runs]),
            "correlation": np.stack([hebbian_correlation(r, 1) for r in runs])}
