"""Benign overfitting and grokking of a two-layer ReLU network on XOR cluster data.

Follows Xu, Wang, Frei, Vardi and Hu, "Benign Overfitting and Grokking in ReLU Networks for XOR
Cluster Data" (ICLR 2024).

Data model: two orthogonal means ``mu1 = signal * e_1`` and ``mu2 = signal * e_2`` in ``R^dim`` (by
rotational invariance of the noise, any orthogonal pair of that norm gives the same law). A point is
``x = mu + xi`` with ``mu`` uniform on ``{+mu1, -mu1, +mu2, -mu2}`` and ``xi ~ N(0, I_dim)``. The clean
label is +1 on the ``+-mu1`` clusters and -1 on the ``+-mu2`` clusters; each training label is
flipped independently with probability ``noise_rate``. Test labels are clean.

Network and training: ``f(x) = sum_j a_j relu(<w_j, x>)`` with ``a_j = +-1/sqrt(width)`` fixed (half
each) and ``W`` trained by full-batch gradient descent on the mean logistic loss from
``W_0 ~ N(0, init_scale^2)``; see :mod:`companion.engine`, whose span fast path this module uses.

Random numbers: for a seed, the noise vectors, clusters, flip draws, initialization and test set
are drawn once on the CPU (so a seed gives the same data on every device) and do not depend on
``signal`` or ``noise_rate``. A sweep over those two therefore compares configurations on common
random numbers, and the flipped sets are nested as the noise rate grows.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from . import engine, gram, twolayer, validate
from .claims import Claim
from .device import resolve_device

__all__ = ["XORConfig", "BOOK", "PAPER", "EXPLORER", "SCALES", "config_for", "XORSample", "sample",
           "XORResult", "train", "XORSweep", "sweep", "feature_alignment", "explore", "claims",
           "STEP_ONE_TEST_MAX", "FINAL_TEST_MIN", "theory_conditions"]

# cluster index -> (coefficient on e_1, coefficient on e_2) and clean label
_DIRECTIONS = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], dtype=torch.float64)
_CLEAN_LABEL = torch.tensor([1.0, 1.0, -1.0, -1.0], dtype=torch.float64)

FLOAT64_ABOVE_DIM = 10**10
"""Above this dimension :func:`train` computes in float64 by default (see :func:`default_dtype`)."""

SAMPLERS = ("auto",) + tuple(m for m in gram.METHODS if m != "auto")


@dataclass(frozen=True)
class XORConfig:
    """One XOR-cluster experiment.

    Attributes
    ----------
    n : int
        Number of training points (>= 1).
    dim : int
        Input dimension ``p`` (>= 3).
    width : int
        Number of hidden units ``m`` (even, >= 2).
    signal : float
        Norm of each cluster mean, ``||mu1|| = ||mu2||`` (> 0).
    noise_rate : float
        Probability ``eta`` that a training label is flipped, in [0, 0.5).
    step_size : float
        Gradient-descent step size (> 0), multiplying the gradient of the mean loss.
    init_scale : float
        Standard deviation of the first-layer initialization (> 0).
    steps : int
        Number of gradient steps (>= 1).
    n_test : int
        Number of clean test points (>= 1).
    """

    n: int = 500
    dim: int = 150_000
    width: int = 500
    signal: float = 45.0
    noise_rate: float = 0.1
    step_size: float = 0.01
    init_scale: float = 1e-6
    steps: int = 200
    n_test: int = 1000

    def __post_init__(self) -> None:
        validate.integer("n", self.n, 1)
        validate.integer("dim", self.dim, 3)
        if isinstance(self.width, bool) or not isinstance(self.width, (int, np.integer)) \
                or self.width < 2 or self.width % 2:
            raise ValueError(f"width must be an even integer >= 2; got {self.width!r}")
        validate.positive("signal", self.signal)
        validate.fraction("noise_rate", self.noise_rate, 0.0, 0.5, high_open=True)
        validate.positive("step_size", self.step_size)
        validate.positive("init_scale", self.init_scale)
        validate.integer("steps", self.steps, 1)
        validate.integer("n_test", self.n_test, 1)

    def replace(self, **changes) -> "XORConfig":
        """A copy with some fields changed (validated like the original)."""
        return dataclasses.replace(self, **changes)


BOOK = XORConfig()
"""The chapter's default configuration (its run time and seed record are in the book's appendix,
measured by ``benchmarks/xor_seed_robustness.py``)."""

PAPER = XORConfig(n=1000, dim=300_000, width=1000, signal=50.0, noise_rate=0.1, step_size=0.01,
                  init_scale=1e-6, steps=1000, n_test=1000)
"""A larger setting (more points, wider network, more steps); meant for a GPU."""

EXPLORER = XORConfig(n=100, dim=20_000, width=200, signal=30.0, noise_rate=0.1, step_size=0.005,
                     init_scale=1e-6, steps=300, n_test=500)
"""A small setting for the interactive explorer (its response time: ``benchmarks/bench_explorer.py``)."""

SCALES = {"book": BOOK, "paper": PAPER}


def config_for(scale: str) -> XORConfig:
    """The chapter's configuration for ``scale`` (one of :data:`SCALES`).

    Raises
    ------
    ValueError
        For any other scale.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}; got {scale!r}")
    return SCALES[scale]


def default_dtype(dim: int) -> torch.dtype:
    """float32 up to :data:`FLOAT64_ABOVE_DIM`, float64 above it.

    At dimension ``p`` a training point's squared norm is about ``p`` and its inner product with
    another point about ``sqrt(p)``; the dynamics add the two. float32 keeps about 7 significant
    digits, so a cross term added to a squared norm loses a fraction of about ``6e-8 sqrt(p)`` of
    its value: 0.6% at ``p = 10^10``, 6% at ``p = 10^12``. In the XOR dynamics the squared norms
    enter only the training points' own pre-activations, and ``benchmarks/xor_float32.py``
    (2026-11-23) found float32 and float64 outputs within a relative 1e-6 up to ``p = 10^14``
    at the book's proportions; the switch at ``10^10`` keeps a margin for other proportions.
    """
    return torch.float64 if dim > FLOAT64_ABOVE_DIM else torch.float32


def _draws(cfg: XORConfig, seed: int, sampler: str):
    """The seed's random draws: clusters, flip variables, test clusters, then the Gaussian parts."""
    rng = np.random.default_rng(seed)
    cluster = torch.from_numpy(rng.integers(0, 4, cfg.n))
    flip_u = torch.from_numpy(rng.random(cfg.n))
    cluster_test = torch.from_numpy(rng.integers(0, 4, cfg.n_test))
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
        test_labels=_CLEAN_LABEL[cluster_test].to(**to), w0=(cfg.init_scale * noise.vectors("neurons")).to(**to),
        out_weights=twolayer.output_weights(cfg.width, dev, dtype), means=means.to(**to))


@dataclass
class _SeedProducts:
    """One seed's inner products that do not depend on signal, noise rate or init scale (float64)."""

    xi_gram: torch.Tensor        # (n, n)        Xi Xi^T
    xi_eval_gram: torch.Tensor   # (n, q)        Xi Xi_test^T
    g0_xi: torch.Tensor          # (m, n)        G0 Xi^T
    g0_xi_eval: torch.Tensor     # (m, q)        G0 Xi_test^T
    xi2: torch.Tensor            # (n, 2)        coordinates of Xi along e_1, e_2
    xi2_eval: torch.Tensor       # (q, 2)
    g0_2: torch.Tensor           # (m, 2)
    dirs: torch.Tensor           # (n, 2)        cluster directions D
    dirs_eval: torch.Tensor      # (q, 2)
    clean: torch.Tensor          # (n,)
    clean_eval: torch.Tensor     # (q,)
    flip_u: torch.Tensor         # (n,)


def _products(cfg: XORConfig, seed: int, sampler: str, dev: torch.device) -> _SeedProducts:
    cluster, flip_u, cluster_test, noise = _draws(cfg, seed, sampler)
    to = dict(device=dev, dtype=torch.float64)
    return _SeedProducts(
        xi_gram=noise.inner("train", "train").to(**to), xi_eval_gram=noise.inner("train", "test").to(**to),
        g0_xi=noise.inner("neurons", "train").to(**to), g0_xi_eval=noise.inner("neurons", "test").to(**to),
        xi2=noise.coordinates("train").to(**to), xi2_eval=noise.coordinates("test").to(**to),
        g0_2=noise.coordinates("neurons").to(**to), dirs=_DIRECTIONS[cluster].to(**to),
        dirs_eval=_DIRECTIONS[cluster_test].to(**to), clean=_CLEAN_LABEL[cluster].to(**to),
        clean_eval=_CLEAN_LABEL[cluster_test].to(**to), flip_u=flip_u.to(**to))


def _assemble(pr: _SeedProducts, signal: float, noise_rate: float, init_scale: float, dtype: torch.dtype):
    """Inner products of ``x = signal * D + Xi``, ``W_0 = init_scale * G0`` and ``e_1, e_2`` (one problem)."""
    s = signal
    gram_ = pr.xi_gram + s * (pr.dirs @ pr.xi2.T + pr.xi2 @ pr.dirs.T) + s * s * (pr.dirs @ pr.dirs.T)
    eval_gram = (pr.xi_eval_gram + s * (pr.dirs @ pr.xi2_eval.T + pr.xi2 @ pr.dirs_eval.T)
                 + s * s * (pr.dirs @ pr.dirs_eval.T))
    pre0 = init_scale * (pr.g0_xi + s * pr.g0_2 @ pr.dirs.T)
    eval_pre0 = init_scale * (pr.g0_xi_eval + s * pr.g0_2 @ pr.dirs_eval.T)
    probe_gram = s * pr.dirs + pr.xi2              # X e_k: projections of the inputs on e_1, e_2
    probe_pre0 = init_scale * pr.g0_2              # W_0 e_k
    flipped = pr.flip_u < noise_rate
    labels = torch.where(flipped, -pr.clean, pr.clean)
    part = dict(gram=gram_, pre0=pre0, labels=labels, eval_gram=eval_gram, eval_pre0=eval_pre0,
                probe_gram=probe_gram, probe_pre0=probe_pre0)
    return {k: v.to(dtype) for k, v in part.items()}, flipped


def _accuracy(out: np.ndarray, labels: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Fraction of points with ``label * out > 0``; out (S, R, q), labels and mask (S, q) -> (S, R).

    With a mask that selects no point of a problem, the accuracy over that empty set is 1 (every
    one of its zero points is fitted); callers report the counts beside it.
    """
    correct = (out * labels[:, None, :]) > 0
    if mask is None:
        return correct.mean(axis=2)
    m = mask[:, None, :]
    count = m.sum(axis=2)
    return np.where(count > 0, (correct & m).sum(axis=2) / np.maximum(count, 1), 1.0)


def _run(cfg: XORConfig, products: list[_SeedProducts], settings: list[tuple[float, float]], dev, dtype,
         record, progress):
    """Build one batched problem from (seed products, (signal, noise_rate)) pairs and train it."""
    parts, flips = [], []
    for pr, (signal, noise_rate) in zip(products, settings):
        part, flipped = _assemble(pr, signal, noise_rate, cfg.init_scale, dtype)
        parts.append(part)
        flips.append(flipped)
    data = twolayer.SpanData(**{k: torch.stack([p[k] for p in parts]) for k in parts[0]})
    model = twolayer.SpanTwoLayer(data, twolayer.output_weights(cfg.width, dev, dtype))
    run = engine.train(model, engine.GD(cfg.step_size), cfg.steps, record=record, progress=progress)
    labels = data.labels.cpu().numpy()
    flipped = torch.stack(flips).cpu().numpy()
    clean_eval = torch.stack([pr.clean_eval for pr in products]).cpu().numpy()
    return run, labels, flipped, clean_eval


def _options(seeds, device, dtype, sampler, cfg):
    seeds = validate.seeds(seeds)
    dev = resolve_device(device)
    validate.choice("sampler", sampler, SAMPLERS)
    if dtype is None:
        dtype = default_dtype(cfg.dim)
    validate.choice("dtype", dtype, (torch.float32, torch.float64))
    return seeds, dev, dtype


@dataclass
class XORResult(engine.RunStatus):
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
    test_out : ndarray, shape (S, R, n_test)
        The network's outputs ``f(x)`` on the test points.
    test_labels : ndarray, shape (S, n_test)
        Their clean labels.
    train_loss : ndarray, shape (S, R)
        Mean logistic loss on the training set.
    neuron_proj : ndarray, shape (S, R, width, 2)
        ``<w_j, mu_k> / ||mu_k||`` for every neuron ``j`` and ``k = 1, 2``.
    out_weights : ndarray, shape (width,)
        The fixed second layer.
    n_flipped : ndarray of int, shape (S,)
    planned_steps : int
        ``config.steps``.
    interrupted_at : int or None
        The step at which a KeyboardInterrupt stopped training (None: it finished); the arrays
        then hold the steps that finished, and :func:`claims` refuses the result.
    """

    config: XORConfig
    seeds: np.ndarray
    steps: np.ndarray
    train_acc: np.ndarray
    flipped_train_acc: np.ndarray
    clean_train_acc: np.ndarray
    test_acc: np.ndarray
    test_out: np.ndarray
    test_labels: np.ndarray
    train_loss: np.ndarray
    neuron_proj: np.ndarray
    out_weights: np.ndarray
    n_flipped: np.ndarray
    planned_steps: int
    interrupted_at: int | None = None

    def at(self, step: int) -> dict[str, np.ndarray]:
        """The per-seed accuracies at a recorded ``step`` (shape (S,) each)."""
        hits = np.flatnonzero(self.steps == step)
        if hits.size == 0:
            raise ValueError(f"step must be one of the recorded steps {self.steps.tolist()}; got {step!r}")
        r = int(hits[0])
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
        Steps to record (default about 40 log-spaced steps including 0, 1 and ``cfg.steps``).
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
    if not isinstance(cfg, XORConfig):
        raise ValueError(f"cfg must be an XORConfig; got {type(cfg).__name__}")
    seeds, dev, dtype = _options(seeds, device, dtype, sampler, cfg)
    products = [_products(cfg, s, sampler, dev) for s in seeds]
    run, labels, flipped, clean_eval = _run(cfg, products, [(cfg.signal, cfg.noise_rate)] * len(seeds), dev,
                                            dtype, record, progress)
    return XORResult(
        config=cfg, seeds=np.asarray(seeds), steps=run.steps,
        train_acc=_accuracy(run["train_out"], labels),
        flipped_train_acc=_accuracy(run["train_out"], labels, flipped),
        clean_train_acc=_accuracy(run["train_out"], labels, ~flipped),
        test_acc=_accuracy(run["eval_out"], clean_eval), test_out=run["eval_out"], test_labels=clean_eval,
        train_loss=run["loss"],
        neuron_proj=run["probes"], out_weights=twolayer.output_weights(cfg.width).numpy(),
        n_flipped=flipped.sum(axis=1), planned_steps=cfg.steps, interrupted_at=run.interrupted_at)


def feature_alignment(result: XORResult) -> np.ndarray:
    """How much of each neuron's weight on the cluster plane points along its own XOR feature.

    A neuron with ``a_j > 0`` helps the label +1, which lives on ``+-mu1``; one with ``a_j < 0`` on
    ``+-mu2``. The alignment of neuron ``j`` is ``|<w_j, own mean>| / (|<w_j, mu1>| + |<w_j, mu2>|)``
    (1: purely along its feature, 0.5: no preference), averaged over neurons.

    Parameters
    ----------
    result : XORResult

    Returns
    -------
    ndarray, shape (S, R)
    """
    proj = np.abs(result.neuron_proj)                      # (S, R, m, 2)
    own = np.where(result.out_weights > 0, proj[..., 0], proj[..., 1])
    total = proj.sum(axis=-1)
    return np.where(total > 0, own / np.where(total > 0, total, 1.0), 0.5).mean(axis=-1)


@dataclass
class XORSweep(engine.RunStatus):
    """Accuracies over a grid of signal strengths and noise rates, on common random numbers.

    Attributes
    ----------
    config : XORConfig
        The base configuration; ``signal`` and ``noise_rate`` vary.
    signals : ndarray, shape (A,)
    noise_rates : ndarray, shape (B,)
    seeds : ndarray of int, shape (S,)
    steps : ndarray of int, shape (R,)
    train_acc, flipped_train_acc, test_acc : ndarray, shape (A, B, S, R)
    planned_steps : int
    interrupted_at : int or None
    """

    config: XORConfig
    signals: np.ndarray
    noise_rates: np.ndarray
    seeds: np.ndarray
    steps: np.ndarray
    train_acc: np.ndarray
    flipped_train_acc: np.ndarray
    test_acc: np.ndarray
    planned_steps: int
    interrupted_at: int | None = None


def sweep(cfg: XORConfig, signals: Sequence[float], noise_rates: Sequence[float], seeds: Sequence[int] = (0, 1, 2),
          device: str | torch.device | None = None, record: Sequence[int] | None = None,
          progress: bool | None = None, dtype: torch.dtype | None = None, sampler: str = "auto") -> XORSweep:
    """Train every (signal, noise rate, seed) combination as one batched run.

    Every configuration of one seed shares that seed's draws (common random numbers), so a cell of
    the grid equals :func:`train` of that configuration on that seed.

    Parameters
    ----------
    cfg : XORConfig
        Base configuration (its ``signal`` and ``noise_rate`` are ignored).
    signals : sequence of float
        Cluster-mean norms, each > 0.
    noise_rates : sequence of float
        Each in [0, 0.5).
    seeds, device, record, progress, dtype, sampler
        As for :func:`train`.

    Returns
    -------
    XORSweep
    """
    if not isinstance(cfg, XORConfig):
        raise ValueError(f"cfg must be an XORConfig; got {type(cfg).__name__}")
    signals = [validate.positive("signal", s) for s in signals]
    noise_rates = [validate.fraction("noise_rate", r, 0.0, 0.5, high_open=True) for r in noise_rates]
    if not signals or not noise_rates:
        raise ValueError(f"signals and noise_rates must be non-empty; got {signals!r} and {noise_rates!r}")
    seeds, dev, dtype = _options(seeds, device, dtype, sampler, cfg)
    base = [_products(cfg, s, sampler, dev) for s in seeds]
    combos = [(sig, rate, k) for sig in signals for rate in noise_rates for k in range(len(seeds))]
    run, labels, flipped, clean_eval = _run(cfg, [base[k] for _, _, k in combos],
                                            [(sig, rate) for sig, rate, _ in combos], dev, dtype, record, progress)
    shape = (len(signals), len(noise_rates), len(seeds), len(run.steps))
    return XORSweep(
        config=cfg, signals=np.asarray(signals), noise_rates=np.asarray(noise_rates), seeds=np.asarray(seeds),
        steps=run.steps, train_acc=_accuracy(run["train_out"], labels).reshape(shape),
        flipped_train_acc=_accuracy(run["train_out"], labels, flipped).reshape(shape),
        test_acc=_accuracy(run["eval_out"], clean_eval).reshape(shape), planned_steps=cfg.steps,
        interrupted_at=run.interrupted_at)


def explore(cfg: XORConfig = EXPLORER, seed: int = 0, device: str | torch.device | None = None):
    """An interactive explorer: sliders for noise rate, signal, dimension, step size and steps.

    Each change reruns :func:`train` on one seed at the explorer's small size and redraws the
    accuracy curves (``benchmarks/bench_explorer.py`` times a change). In a static page (the built book) the explorer shows its
    default figure.

    Parameters
    ----------
    cfg : XORConfig
        Starting values of the sliders, and the fixed sizes (n, width, n_test).
    seed : int
    device : str, torch.device or None

    Returns
    -------
    companion.widgets.Explorer
    """
    from . import plots, widgets

    def draw(noise_rate, signal, dim, step_size, steps):
        run = train(cfg.replace(noise_rate=noise_rate, signal=signal, dim=dim, step_size=step_size, steps=steps),
                    seeds=[seed], device=device, progress=False)
        return plots.accuracy_curves(run, title=f"signal {signal:g}, noise rate {noise_rate:g}, dim {dim:,}, "
                                                f"step {step_size:g}")

    return widgets.Explorer(draw, {
        "noise_rate": widgets.slider(cfg.noise_rate, 0.0, 0.4, 0.05, "noise rate η"),
        "signal": widgets.slider(cfg.signal, 5.0, 80.0, 5.0, "signal ‖μ‖"),
        "dim": widgets.int_slider(cfg.dim, 2_000, 40_000, 2_000, "dimension p"),
        "step_size": widgets.log_slider(cfg.step_size, 1e-3, 1.0, "step size"),
        "steps": widgets.int_slider(cfg.steps, 10, 1000, 10, "steps"),
    })


STEP_ONE_TEST_MAX = 0.60
"""Claim 1: after step 1 the clean test accuracy is at most this (near chance)."""
FINAL_TEST_MIN = 0.95
"""Claim 2: at the end of the run the clean test accuracy is at least this (near-optimal)."""


def claims(result: XORResult) -> list[Claim]:
    """The paper's two headline claims, checked on every seed of ``result``.

    1. After the first step: training accuracy 100% with every flipped label fitted, and clean
       test accuracy at most 60% (catastrophic overfitting).
    2. At the last recorded step: clean test accuracy at least 95% while training accuracy is still
       100% with every flipped label fitted (benign overfitting, reached by grokking).

    Each claim is judged on the worst seed.

    Parameters
    ----------
    result : XORResult
        Must hold at least three seeds, steps 1 and the last step, and at least one flipped label
        per seed (otherwise "flipped labels fitted" would be vacuous).

    Returns
    -------
    list of companion.claims.Claim
    """
    engine.require_complete(result, "the XOR claims")
    if len(result.seeds) < 3:
        raise ValueError(f"result must hold at least 3 seeds to check the claims; got {len(result.seeds)}")
    if 1 not in set(result.steps.tolist()):
        raise ValueError("result must have recorded step 1")
    if np.any(result.n_flipped == 0):
        raise ValueError(f"every seed needs at least one flipped label; n_flipped = {result.n_flipped.tolist()}")
    one, last = result.at(1), result.at(int(result.steps[-1]))
    end = int(result.steps[-1])

    def per_seed(values):
        return "per seed: " + ", ".join(f"{v:.4f}" for v in values)

    return [
        Claim("after step 1: training accuracy (worst seed)", float(one["train_acc"].min()), 1.0, ">=",
              detail=per_seed(one["train_acc"])),
        Claim("after step 1: flipped labels fitted (worst seed)", float(one["flipped_train_acc"].min()), 1.0,
              ">=", detail=per_seed(one["flipped_train_acc"])),
        Claim("after step 1: clean test accuracy (best seed)", float(one["test_acc"].max()), STEP_ONE_TEST_MAX,
              "<=", detail=per_seed(one["test_acc"])),
        Claim(f"after step {end}: clean test accuracy (worst seed)", float(last["test_acc"].min()),
              FINAL_TEST_MIN, ">=", detail=per_seed(last["test_acc"])),
        Claim(f"after step {end}: training accuracy (worst seed)", float(last["train_acc"].min()), 1.0, ">=",
              detail=per_seed(last["train_acc"])),
        Claim(f"after step {end}: flipped labels fitted (worst seed)", float(last["flipped_train_acc"].min()),
              1.0, ">=", detail=per_seed(last["flipped_train_acc"])),
    ]


def theory_conditions(cfg: XORConfig) -> dict[str, float]:
    """How far a configuration is from the theorem's two scale conditions (constants dropped).

    The theorem asks for ``p >> n^2 ||mu||^2`` (dimension) and ``||mu||^2 >> n^0.51 sqrt(p)``
    (signal). This returns the two ratios; a ratio well above 1 means the condition is met with
    room to spare, below 1 that the configuration is outside the theorem.

    Parameters
    ----------
    cfg : XORConfig

    Returns
    -------
    dict
        ``{"dimension": p / (n^2 ||mu||^2), "signal": ||mu||^2 / (n^0.51 sqrt(p))}``
    """
    mu2 = cfg.signal ** 2
    return {"dimension": cfg.dim / (cfg.n ** 2 * mu2), "signal": mu2 / (cfg.n ** 0.51 * np.sqrt(cfg.dim))}
