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
import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from . import engine
from .claims import Claim
from .device import DEFAULT_DTYPE, resolve_device

__all__ = ["XORConfig", "BOOK", "PAPER", "EXPLORER", "SCALES", "config_for", "XORSample", "sample",
           "XORResult", "train", "XORSweep", "sweep", "feature_alignment", "explore", "claims",
           "STEP_ONE_TEST_MAX", "FINAL_TEST_MIN", "theory_conditions"]

# cluster index -> (coefficient on e_1, coefficient on e_2) and clean label
_DIRECTIONS = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
_CLEAN_LABEL = torch.tensor([1.0, 1.0, -1.0, -1.0])


def _check_int(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")


def _check_noise_rate(value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not 0 <= value < 0.5:
        raise ValueError(f"noise_rate must be in [0, 0.5); got {value!r}")


@dataclass(frozen=True)
class XORConfig:
    """One XOR-cluster experiment.

    Attributes
    ----------
    n : int
        Number of training points (>= 1).
    dim : int
        Input dimension ``p`` (>= 2).
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
        _check_int("n", self.n, 1)
        _check_int("dim", self.dim, 2)
        if isinstance(self.width, bool) or not isinstance(self.width, (int, np.integer)) \
                or self.width < 2 or self.width % 2:
            raise ValueError(f"width must be an even integer >= 2; got {self.width!r}")
        _check_positive("signal", self.signal)
        _check_noise_rate(self.noise_rate)
        _check_positive("step_size", self.step_size)
        _check_positive("init_scale", self.init_scale)
        _check_int("steps", self.steps, 1)
        _check_int("n_test", self.n_test, 1)

    def replace(self, **changes) -> "XORConfig":
        """A copy with some fields changed (validated like the original)."""
        return dataclasses.replace(self, **changes)


BOOK = XORConfig()
"""The chapter's default: three seeds train in about 25 s on a 2-core CPU (mostly drawing the data);
every claim held on 70 of 70 seeds checked (see the book's appendix)."""

PAPER = XORConfig(n=1000, dim=300_000, width=1000, signal=50.0, noise_rate=0.1, step_size=0.01,
                  init_scale=1e-6, steps=1000, n_test=1000)
"""A larger setting, closer to the paper's high-dimensional regime; meant for a GPU."""

EXPLORER = XORConfig(n=100, dim=20_000, width=200, signal=30.0, noise_rate=0.1, step_size=0.005,
                     init_scale=1e-6, steps=300, n_test=500)
"""A small setting that reruns in about a second on a CPU, for the interactive explorer."""

SCALES = {"book": BOOK, "paper": PAPER}


def config_for(scale: str) -> XORConfig:
    """The chapter's configuration for ``scale`` ("book" or "paper").

    Raises
    ------
    ValueError
        For any other scale.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}; got {scale!r}")
    return SCALES[scale]


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    if isinstance(seeds, (int, np.integer)):
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0; got {seeds!r}")
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0; got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct; got {seeds!r}")
    return [int(s) for s in seeds]


def _raw(cfg: XORConfig, seed: int):
    """The seed's random draws, on the CPU, in a fixed order (unscaled initialization)."""
    gen = torch.Generator().manual_seed(seed)
    xi = torch.randn(cfg.n, cfg.dim, generator=gen)
    cluster = torch.randint(0, 4, (cfg.n,), generator=gen)
    flip_u = torch.rand(cfg.n, generator=gen)
    g0 = torch.randn(cfg.width, cfg.dim, generator=gen)
    xi_test = torch.randn(cfg.n_test, cfg.dim, generator=gen)
    cluster_test = torch.randint(0, 4, (cfg.n_test,), generator=gen)
    return xi, cluster, flip_u, g0, xi_test, cluster_test


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


def sample(cfg: XORConfig, seed: int, device: str | torch.device | None = None) -> XORSample:
    """Draw one seed's training set, test set and initialization explicitly.

    Exactly the draws that :func:`train` uses for the same ``seed``; the tests train on them with
    plain autograd to check the fast path.

    Parameters
    ----------
    cfg : XORConfig
    seed : int
    device : str, torch.device or None

    Returns
    -------
    XORSample
    """
    (seed,) = _check_seeds([seed])
    dev = resolve_device(device)
    xi, cluster, flip_u, g0, xi_test, cluster_test = _raw(cfg, seed)
    means = torch.zeros(2, cfg.dim)
    means[0, 0] = means[1, 1] = cfg.signal
    clean = _CLEAN_LABEL[cluster]
    flipped = flip_u < cfg.noise_rate
    to = dict(device=dev, dtype=DEFAULT_DTYPE)
    return XORSample(
        x=(xi + _DIRECTIONS[cluster] @ means).to(**to), labels=torch.where(flipped, -clean, clean).to(**to),
        clean_labels=clean.to(**to), flipped=flipped.to(dev), cluster=cluster.to(dev),
        x_test=(xi_test + _DIRECTIONS[cluster_test] @ means).to(**to),
        test_labels=_CLEAN_LABEL[cluster_test].to(**to), w0=(cfg.init_scale * g0).to(**to),
        out_weights=engine.output_weights(cfg.width, dev), means=means.to(**to))


@dataclass
class _SeedProducts:
    """One seed's products that do not depend on signal, noise rate or init scale (on device)."""

    xi_gram: torch.Tensor        # (n, n)        Xi Xi^T
    xi_eval_gram: torch.Tensor   # (n, q)        Xi Xi_test^T
    g0_xi: torch.Tensor          # (m, n)        G0 Xi^T
    g0_xi_eval: torch.Tensor     # (m, q)        G0 Xi_test^T
    xi2: torch.Tensor            # (n, 2)        first two coordinates of Xi
    xi2_eval: torch.Tensor       # (q, 2)
    g0_2: torch.Tensor           # (m, 2)        first two columns of G0
    dirs: torch.Tensor           # (n, 2)        cluster directions D
    dirs_eval: torch.Tensor      # (q, 2)
    clean: torch.Tensor          # (n,)
    clean_eval: torch.Tensor     # (q,)
    flip_u: torch.Tensor         # (n,)


def _products(cfg: XORConfig, seed: int, dev: torch.device) -> _SeedProducts:
    """The seed's products, cached: they depend only on the sizes, the seed and the device, so a
    sweep or an explorer that revisits a seed does not redraw and remultiply ``dim``-sized arrays."""
    return _cached_products(cfg.n, cfg.dim, cfg.width, cfg.n_test, seed, str(dev))


@functools.lru_cache(maxsize=16)
def _cached_products(n: int, dim: int, width: int, n_test: int, seed: int, dev: str) -> _SeedProducts:
    cfg = XORConfig(n=n, dim=dim, width=width, n_test=n_test)
    dev = torch.device(dev)
    xi, cluster, flip_u, g0, xi_test, cluster_test = _raw(cfg, seed)
    xi, g0, xi_test = (t.to(dev, DEFAULT_DTYPE) for t in (xi, g0, xi_test))
    to = dict(device=dev, dtype=DEFAULT_DTYPE)
    return _SeedProducts(
        xi_gram=xi @ xi.T, xi_eval_gram=xi @ xi_test.T, g0_xi=g0 @ xi.T, g0_xi_eval=g0 @ xi_test.T,
        xi2=xi[:, :2].clone(), xi2_eval=xi_test[:, :2].clone(), g0_2=g0[:, :2].clone(),
        dirs=_DIRECTIONS[cluster].to(**to), dirs_eval=_DIRECTIONS[cluster_test].to(**to),
        clean=_CLEAN_LABEL[cluster].to(**to), clean_eval=_CLEAN_LABEL[cluster_test].to(**to),
        flip_u=flip_u.to(**to))


def _assemble(pr: _SeedProducts, signal: float, noise_rate: float, init_scale: float):
    """Gram matrices and initial pre-activations for ``x = signal * D + Xi`` (one problem)."""
    s = signal
    gram = pr.xi_gram + s * (pr.dirs @ pr.xi2.T + pr.xi2 @ pr.dirs.T) + s * s * (pr.dirs @ pr.dirs.T)
    eval_gram = (pr.xi_eval_gram + s * (pr.dirs @ pr.xi2_eval.T + pr.xi2 @ pr.dirs_eval.T)
                 + s * s * (pr.dirs @ pr.dirs_eval.T))
    pre0 = init_scale * (pr.g0_xi + s * pr.g0_2 @ pr.dirs.T)
    eval_pre0 = init_scale * (pr.g0_xi_eval + s * pr.g0_2 @ pr.dirs_eval.T)
    probe_gram = s * pr.dirs + pr.xi2              # X e_k: projections of the inputs on e_1, e_2
    probe_pre0 = init_scale * pr.g0_2              # W_0 e_k
    flipped = pr.flip_u < noise_rate
    labels = torch.where(flipped, -pr.clean, pr.clean)
    return dict(gram=gram, pre0=pre0, labels=labels, eval_gram=eval_gram, eval_pre0=eval_pre0,
                probe_gram=probe_gram, probe_pre0=probe_pre0), flipped


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


def _auto_progress(problems: int, cfg: XORConfig) -> bool:
    # show a bar when the step loop is expected to take more than a few seconds on a CPU
    return problems * cfg.steps * cfg.width * cfg.n ** 2 > 3e10


def _run(cfg: XORConfig, products: list[_SeedProducts], settings: list[tuple[float, float]], dev,
         record, progress):
    """Build one batched problem from (seed products, (signal, noise_rate)) pairs and train it."""
    parts, flips = [], []
    for pr, (signal, noise_rate) in zip(products, settings):
        part, flipped = _assemble(pr, signal, noise_rate, cfg.init_scale)
        parts.append(part)
        flips.append(flipped)
    stacked = {k: torch.stack([p[k] for p in parts]) for k in parts[0]}
    problem = engine.SpanProblem(out_weights=engine.output_weights(cfg.width, dev), **stacked)
    if progress is None:
        progress = _auto_progress(len(parts), cfg)
    trace = engine.span_gd(problem, cfg.step_size, cfg.steps, record=record, progress=progress)
    labels = stacked["labels"].cpu().numpy()
    flipped = torch.stack(flips).cpu().numpy()
    clean_eval = torch.stack([pr.clean_eval for pr in products]).cpu().numpy()
    return trace, labels, flipped, clean_eval


@dataclass
class XORResult:
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
    train_loss : ndarray, shape (S, R)
        Mean logistic loss on the training set.
    neuron_proj : ndarray, shape (S, R, width, 2)
        ``<w_j, mu_k> / ||mu_k||`` for every neuron ``j`` and ``k = 1, 2``.
    out_weights : ndarray, shape (width,)
        The fixed second layer.
    n_flipped : ndarray of int, shape (S,)
    interrupted : bool
        True when the run was stopped early; the arrays hold the steps that finished.
    """

    config: XORConfig
    seeds: np.ndarray
    steps: np.ndarray
    train_acc: np.ndarray
    flipped_train_acc: np.ndarray
    clean_train_acc: np.ndarray
    test_acc: np.ndarray
    train_loss: np.ndarray
    neuron_proj: np.ndarray
    out_weights: np.ndarray
    n_flipped: np.ndarray
    interrupted: bool = False

    def at(self, step: int) -> dict[str, np.ndarray]:
        """The per-seed accuracies at a recorded ``step`` (shape (S,) each)."""
        hits = np.flatnonzero(self.steps == step)
        if hits.size == 0:
            raise ValueError(f"step must be one of the recorded steps {self.steps.tolist()}; got {step!r}")
        r = int(hits[0])
        return {"train_acc": self.train_acc[:, r], "flipped_train_acc": self.flipped_train_acc[:, r],
                "clean_train_acc": self.clean_train_acc[:, r], "test_acc": self.test_acc[:, r]}


def train(cfg: XORConfig = BOOK, seeds: Sequence[int] = (0, 1, 2), device: str | torch.device | None = None,
          record: Sequence[int] | None = None, progress: bool | None = None) -> XORResult:
    """Train the network on XOR cluster data for several seeds at once.

    Parameters
    ----------
    cfg : XORConfig
    seeds : sequence of int
        Distinct non-negative seeds; each gives its own data, labels noise and initialization.
    device : str, torch.device or None
        None: CUDA when available, else the CPU.
    record : sequence of int, optional
        Steps to record (default about 40 log-spaced steps including 0, 1 and ``cfg.steps``).
    progress : bool or None
        Show a progress bar; None shows one only for runs expected to take more than a few seconds.

    Returns
    -------
    XORResult
    """
    if not isinstance(cfg, XORConfig):
        raise ValueError(f"cfg must be an XORConfig; got {type(cfg).__name__}")
    seeds = _check_seeds(seeds)
    dev = resolve_device(device)
    products = [_products(cfg, s, dev) for s in seeds]
    trace, labels, flipped, clean_eval = _run(cfg, products, [(cfg.signal, cfg.noise_rate)] * len(seeds),
                                              dev, None if record is None else np.asarray(record), progress)
    return XORResult(
        config=cfg, seeds=np.asarray(seeds), steps=trace.steps,
        train_acc=_accuracy(trace.train_out, labels),
        flipped_train_acc=_accuracy(trace.train_out, labels, flipped),
        clean_train_acc=_accuracy(trace.train_out, labels, ~flipped),
        test_acc=_accuracy(trace.eval_out, clean_eval), train_loss=trace.loss,
        neuron_proj=trace.probes, out_weights=engine.output_weights(cfg.width, dev).cpu().numpy(),
        n_flipped=flipped.sum(axis=1), interrupted=trace.interrupted)


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
class XORSweep:
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
    interrupted : bool
    """

    config: XORConfig
    signals: np.ndarray
    noise_rates: np.ndarray
    seeds: np.ndarray
    steps: np.ndarray
    train_acc: np.ndarray
    flipped_train_acc: np.ndarray
    test_acc: np.ndarray
    interrupted: bool = False


def sweep(cfg: XORConfig, signals: Sequence[float], noise_rates: Sequence[float], seeds: Sequence[int] = (0, 1, 2),
          device: str | torch.device | None = None, record: Sequence[int] | None = None,
          progress: bool | None = None) -> XORSweep:
    """Train every (signal, noise rate, seed) combination as one batched run.

    Parameters
    ----------
    cfg : XORConfig
        Base configuration (its ``signal`` and ``noise_rate`` are ignored).
    signals : sequence of float
        Cluster-mean norms, each > 0.
    noise_rates : sequence of float
        Each in [0, 0.5).
    seeds : sequence of int
    device : str, torch.device or None
    record : sequence of int, optional
    progress : bool or None

    Returns
    -------
    XORSweep
    """
    if not isinstance(cfg, XORConfig):
        raise ValueError(f"cfg must be an XORConfig; got {type(cfg).__name__}")
    signals = [float(s) for s in signals]
    noise_rates = [float(r) for r in noise_rates]
    if not signals or not noise_rates:
        raise ValueError(f"signals and noise_rates must be non-empty; got {signals!r} and {noise_rates!r}")
    for s in signals:
        _check_positive("signal", s)
    for r in noise_rates:
        _check_noise_rate(r)
    seeds = _check_seeds(seeds)
    dev = resolve_device(device)
    base = [_products(cfg, s, dev) for s in seeds]
    combos = [(sig, rate, k) for sig in signals for rate in noise_rates for k in range(len(seeds))]
    trace, labels, flipped, clean_eval = _run(cfg, [base[k] for _, _, k in combos],
                                              [(sig, rate) for sig, rate, _ in combos], dev,
                                              None if record is None else np.asarray(record), progress)
    shape = (len(signals), len(noise_rates), len(seeds), len(trace.steps))
    return XORSweep(
        config=cfg, signals=np.asarray(signals), noise_rates=np.asarray(noise_rates), seeds=np.asarray(seeds),
        steps=trace.steps, train_acc=_accuracy(trace.train_out, labels).reshape(shape),
        flipped_train_acc=_accuracy(trace.train_out, labels, flipped).reshape(shape),
        test_acc=_accuracy(trace.eval_out, clean_eval).reshape(shape), interrupted=trace.interrupted)


def explore(cfg: XORConfig = EXPLORER, seed: int = 0, device: str | torch.device | None = None):
    """An interactive explorer: sliders for noise rate, signal, dimension, step size and steps.

    Each change reruns :func:`train` on one seed at the explorer's small size (about a second on a
    CPU) and redraws the accuracy curves. In a static page (the built book) the explorer shows its
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
