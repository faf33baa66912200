"""Univariate two-layer ReLU networks on pure noise (Joshi et al.): the min-norm interpolator, solved
as a linear program, the linear spline beside it, their errors against n, and a trained network."""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from .. import engine, runs, validate
from ..device import resolve_device
from .data import relu_data

__all__ = ["relu_cost_weight", "Interpolant", "min_norm_interpolant", "linear_spline", "ReluRisk", "relu_risk",
           "join_risks", "ReluNetwork", "train_relu_network"]

def relu_cost_weight(t):
    """The weight of the representational cost ``int sqrt(1 + x^2) |f''(x)| dx`` of a two-layer ReLU
    network with a free skip connection and penalized biases (Boursier and Flammarion)."""
    return np.sqrt(1.0 + np.asarray(t, dtype=float) ** 2)


@dataclass(frozen=True)
class Interpolant:
    """A continuous piecewise-linear function, linear outside its knots.

    Attributes
    ----------
    knots : ndarray, shape (G,)
        Increasing; the data points are among them.
    values : ndarray, shape (G,)
    cost : float
        ``sum_k w(knot_k) |slope change at knot_k|``: its representational cost.
    change : float
        Relative change of its L1 and L2 norms in the last refinement round (the stated tolerance).
    """

    knots: np.ndarray
    values: np.ndarray
    cost: float
    change: float

    def __call__(self, x) -> np.ndarray:
        """Evaluate at ``x`` (any shape), extending the end segments linearly."""
        x = np.asarray(x, dtype=float)
        k, v = self.knots, self.values
        left = v[0] + (x - k[0]) * (v[1] - v[0]) / (k[1] - k[0])
        right = v[-1] + (x - k[-1]) * (v[-1] - v[-2]) / (k[-1] - k[-2])
        return np.where(x < k[0], left, np.where(x > k[-1], right, np.interp(x, k, v)))

    def norms(self, low: float = 0.0, high: float = 1.0) -> tuple[float, float]:
        """``(int |f|, int f^2)`` over ``[low, high]``, exactly (f is piecewise linear)."""
        k = np.unique(np.concatenate([[low, high], self.knots[(self.knots > low) & (self.knots < high)]]))
        f = self(k)
        h, a, b = np.diff(k), f[:-1], f[1:]
        l2 = float(np.sum(h * (a * a + a * b + b * b) / 3))
        same = a * b >= 0
        denom = np.where(same, 1.0, np.abs(a) + np.abs(b))
        l1 = float(np.sum(np.where(same, h * (np.abs(a) + np.abs(b)) / 2, h * (a * a + b * b) / (2 * denom))))
        return l1, l2


def _min_cost_on_grid(knots: np.ndarray, x: np.ndarray, y: np.ndarray):
    """The linear program: minimize ``sum w |slope changes|`` over functions linear between ``knots``
    that pass through ``(x, y)``. Returns the values at the knots and the kink masses.

    The unknowns are the slopes of the cells and the kink masses; each data interval contributes one
    equation, its cells' slopes averaged with weights ``cell length / interval length`` equal to its
    secant slope. All coefficients lie in [-1, 1], which keeps the program well scaled when two data
    points are very close (secant slopes of 1e6 and more).
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    G = len(knots)
    h = np.diff(knots)                                                 # (G - 1,) cells
    interval = np.searchsorted(x, knots[:-1], side="right") - 1         # data interval of each cell
    H = np.diff(x)[interval]
    secant = np.diff(y) / np.diff(x)
    c, m = G - 1, G - 2                                                # slopes, interior kinks
    A_eq = sp.csr_matrix((h / H, (interval, np.arange(c))), shape=(len(x) - 1, c + m))
    eye = sp.eye(c, format="csr")
    diff = eye[1:] - eye[:-1]                                          # (m, c)
    A_ub = sp.vstack([sp.hstack([diff, -sp.eye(m)]), sp.hstack([-diff, -sp.eye(m)])]).tocsr()
    scale = max(1.0, float(np.abs(secant).max()))
    cost = np.concatenate([np.zeros(c), relu_cost_weight(knots[1:-1])])
    res = linprog(cost, A_ub=A_ub, b_ub=np.zeros(2 * m), A_eq=A_eq, b_eq=secant / scale,
                  bounds=[(None, None)] * c + [(0, None)] * m, method="highs", options={"time_limit": 60.0})
    if res.status != 0:
        raise ArithmeticError(f"min_norm_interpolant: the linear program failed ({res.message})")
    slopes = res.x[:c] * scale
    values = y[0] + np.concatenate([[0.0], np.cumsum(slopes * h)])
    drift = float(np.abs(values[np.searchsorted(knots, x)] - y).max())
    if drift > 1e-6 * max(1.0, float(np.abs(y).max())):
        raise ArithmeticError(f"min_norm_interpolant: the solution misses the data by {drift:.2e}")
    values[np.searchsorted(knots, x)] = y                              # the data exactly (rounding only)
    return values, np.diff(slopes), float(res.fun) * scale


def min_norm_interpolant(x, y, subdivisions: int = 8, tol: float = 1e-3, max_rounds: int = 8) -> Interpolant:
    """The minimum-norm interpolator of a two-layer ReLU network with a skip connection, univariate.

    It minimizes ``int sqrt(1 + t^2) |f''(t)| dt`` over functions through the points (the network's
    representational cost when the biases are penalized and the skip connection is free; Boursier
    and Flammarion; the setting of Joshi et al.). Solved as a linear program over piecewise-linear
    functions whose kinks lie on a grid: two cells per data interval to start, then rounds that
    subdivide the cells around every kink found inside an interval into ``subdivisions`` parts, until
    the L1 and L2 norms on [0, 1] change by less than ``tol`` (relative) between rounds.

    Parameters
    ----------
    x : array, shape (n,)
        Distinct inputs (n >= 2), any order.
    y : array, shape (n,)
    subdivisions : int
    tol : float
    max_rounds : int

    Returns
    -------
    Interpolant
        Its ``change`` is the last round's relative change (at most ``tol`` unless ``max_rounds`` ran out).
    """
    x = validate.vector("x", x)
    y = validate.vector("y", y, x.size, per="point of x")
    if x.size < 2:
        raise ValueError(f"x must hold at least 2 points; got {x.size}")
    order = np.argsort(x)
    x, y = x[order], y[order]
    if (np.diff(x) <= 0).any():
        raise ValueError("x must hold distinct points")
    subdivisions = validate.integer("subdivisions", subdivisions, 2)
    tol = validate.positive("tol", tol)
    max_rounds = validate.integer("max_rounds", max_rounds, 1)
    base = np.unique(np.concatenate([x, (x[1:] + x[:-1]) / 2]))
    knots, previous, change = base, None, np.inf
    for _ in range(max_rounds):
        values, kinks, cost = _min_cost_on_grid(knots, x, y)
        f = Interpolant(knots, values, cost, change)
        norms = np.array(f.norms())
        if previous is not None:
            change = float(np.max(np.abs(norms - previous) / np.maximum(previous, 1e-300)))
            f = Interpolant(knots, values, cost, change)
            if change <= tol:
                return f
        previous = norms
        inner = np.where(np.abs(kinks) > 1e-9 * max(1.0, np.abs(kinks).max()))[0] + 1
        inner = inner[~np.isin(knots[inner], x)]
        windows = [np.linspace(knots[j - 1], knots[j + 1], 2 * subdivisions + 1) for j in inner]
        new = np.unique(np.concatenate([base, *windows]))
        keep = np.concatenate([[True], np.diff(new) > 1e-12 * max(1.0, float(np.abs(new).max()))]) | np.isin(new, x)
        knots = new[keep]
    warnings.warn(f"min_norm_interpolant: after {max_rounds} rounds the norms still changed by {f.change:.1e} "
                  f"(> tol = {tol:g}) in the last round; Interpolant.change says so", RuntimeWarning, stacklevel=2)
    return f


def linear_spline(x, y) -> Interpolant:
    """The linear spline through the points (kinks at the data only), for comparison.

    Parameters
    ----------
    x, y : arrays, shape (n,)

    Returns
    -------
    Interpolant
    """
    x = validate.vector("x", x)
    y = validate.vector("y", y, x.size, per="point of x")
    order = np.argsort(x)
    x, y = x[order], y[order]
    s = np.diff(y) / np.diff(x)
    return Interpolant(x, y, float((relu_cost_weight(x[1:-1]) * np.abs(np.diff(s))).sum()), 0.0)


@dataclass
class ReluRisk(engine.RunStatus):
    """Error of univariate interpolators of pure noise (``f* = 0``, ``y ~ N(0, sigma^2)``, x uniform on
    [0, 1]) against n.

    Attributes
    ----------
    ns : ndarray, shape (N,)
    l1, l2 : ndarray, shape (S, N)
        ``int_0^1 |f|`` and ``int_0^1 f^2`` of the min-norm interpolator (its L1 and L2 error against
        the target; the L2 test risk on noisy labels adds ``sigma^2``).
    spline_l1, spline_l2 : ndarray, shape (S, N)
        The same for the linear spline.
    change : ndarray, shape (S, N)
        The min-norm solve's stated tolerance (relative change in the last refinement round).
    noise : float
    sup : ndarray, shape (S, N)
        ``max_[0,1] |f|`` of the min-norm interpolator (the height of its tallest spike).
    planned_steps : int
        The number of seeds asked for.
    interrupted_at : int or None
        When a KeyboardInterrupt stopped the runs, the number of seeds that finished (the arrays hold
        them); None when every seed finished. The claims refuse an interrupted result.
    """

    ns: np.ndarray
    l1: np.ndarray
    l2: np.ndarray
    spline_l1: np.ndarray
    spline_l2: np.ndarray
    change: np.ndarray
    noise: float
    sup: np.ndarray
    planned_steps: int = 0
    interrupted_at: int | None = None

    unit = "seed"


def relu_risk(ns: Sequence[int], seeds: Sequence[int], noise: float = 1.0, progress: bool | None = None) -> ReluRisk:
    """L1 and L2 error of the min-norm ReLU interpolator and of the linear spline, against n.

    Parameters
    ----------
    ns : sequence of int
        Sample sizes (each >= 2).
    seeds : sequence of int
        One data draw per (seed, n).
    noise : float
        ``sigma^2``.
    progress : bool or None
        As for :func:`risk_curves`.

    Returns
    -------
    ReluRisk
        If a KeyboardInterrupt stops the runs, the seeds that finished, marked interrupted.
    """
    ns = [validate.integer("ns", n, 2) for n in ns]
    seeds = validate.seeds(seeds)
    noise = validate.positive("noise", noise)
    done = runs.over_seeds(functools.partial(_seed_errors, ns, noise), seeds, batch=1, progress=progress,
                           desc="min-norm ReLU interpolators")
    rows = np.array([row for batch in done.results for row in batch])          # (S, 6, N)
    if rows.size == 0:
        raise engine.IncompleteRunError("relu_risk was interrupted before its first seed finished")
    l1, l2, s1, s2, ch, sup = (rows[:, k] for k in range(6))
    return ReluRisk(np.asarray(ns), l1, l2, s1, s2, ch, noise, sup, planned_steps=len(seeds),
                    interrupted_at=len(done.seeds) if done.interrupted else None)


def join_risks(parts: Sequence[ReluRisk]) -> ReluRisk:
    """:func:`relu_risk` results over consecutive groups of seeds, joined in order (a long run split over
    several calls, each short): the same as one call over all the seeds, since each seed's data depend
    on that seed alone.

    Parameters
    ----------
    parts : sequence of ReluRisk
        Finished results with the same ``ns`` and noise.

    Returns
    -------
    ReluRisk
    """
    parts = list(parts)
    if not parts or not all(isinstance(p, ReluRisk) for p in parts):
        raise ValueError(f"parts must be a non-empty sequence of ReluRisk; got {parts!r}")
    first = parts[0]
    if any(p.interrupted for p in parts):
        raise engine.IncompleteRunError("join_risks: a part was interrupted; rerun it")
    if any(not np.array_equal(p.ns, first.ns) or p.noise != first.noise for p in parts):
        raise ValueError("parts must have the same ns and noise")

    def join(name):
        return np.concatenate([getattr(p, name) for p in parts])

    return ReluRisk(first.ns, join("l1"), join("l2"), join("spline_l1"), join("spline_l2"), join("change"),
                    first.noise, join("sup"), planned_steps=sum(p.planned_steps for p in parts))


def _seed_errors(ns: list[int], noise: float, seeds: list[int]) -> list[np.ndarray]:
    """For each seed, shape (6, len(ns)): the min-norm interpolator's L1 and L2 error, the spline's, the
    interpolator's stated tolerance and its largest value, at each n (data seed ``seed * 100 + j``)."""
    rows = []
    for seed in seeds:
        row = np.empty((6, len(ns)))
        for j, n in enumerate(ns):
            x, y = relu_data(n, seed * 100 + j, noise)
            f = min_norm_interpolant(x, y)
            inside = f.knots[(f.knots >= 0) & (f.knots <= 1)]      # |f| is largest at a knot or an end
            row[:, j] = (*f.norms(), *linear_spline(x, y).norms(), f.change,
                         float(np.abs(f(np.concatenate([[0.0, 1.0], inside]))).max()))
        rows.append(row)
    return rows


@dataclass(eq=False)        # parameters are tensors: compare networks by their values, not with ==
class ReluNetwork:
    """A trained ``f(t) = sum_j a_j relu(w_j t + b_j) + u t + c`` (:func:`train_relu_network`);
    ``net(t)`` for an array ``t`` returns an ndarray of the same shape.

    Attributes
    ----------
    params : dict of str to torch.Tensor
        ``a``, ``w``, ``b``, shape (width,); ``u``, ``c``, scalars.
    train_mse : float
        The final training MSE.
    cost : float
        ``sum_j |a_j| sqrt(w_j^2 + b_j^2)``, an upper bound on the representational cost of the
        function the network computes.
    """

    params: dict
    train_mse: float
    cost: float

    @staticmethod
    def output(p: dict, t: torch.Tensor) -> torch.Tensor:
        """The network with parameters ``p`` at the points ``t``, shape (N,) -> (N,)."""
        return torch.relu(t[:, None] * p["w"] + p["b"]) @ p["a"] + p["u"] * t + p["c"]

    def __call__(self, t) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        with torch.no_grad():
            out = self.output(self.params, torch.as_tensor(t.ravel(), device=self.params["a"].device))
        return out.cpu().numpy().reshape(t.shape)


def train_relu_network(x, y, width: int = 200, weight_decay: float = 1e-5, steps: int = 20000,
                       step_size: float = 0.01, seed: int = 0, device: str | torch.device | None = None):
    """Train ``f(t) = sum_j a_j relu(w_j t + b_j) + u t + c`` on
    ``mean (f(x_i) - y_i)^2 + weight_decay * (|a|^2 + |w|^2 + |b|^2)`` (the skip connection ``u, c``
    is not penalized), full batch, float64, gradients by autograd (the engine's plain loop).

    The optimizer is Adam (:class:`companion.engine.Adam`), not gradient descent: what is compared
    with the min-norm interpolator is the minimizer of the regularized loss (which tends to it as
    ``weight_decay -> 0``), and plain gradient descent from a small start does not reach
    interpolation of these spiky functions within a CPU budget.

    Parameters
    ----------
    x, y : arrays, shape (n,)
    width : int
    weight_decay : float
    steps : int
    step_size : float
    seed : int
    device : str, torch.device or None

    Returns
    -------
    ReluNetwork
        ``net(t)`` for an array ``t`` returns an ndarray of the same shape.
    """
    x = validate.vector("x", x)
    y = validate.vector("y", y, x.size, per="point of x")
    width = validate.integer("width", width, 1)
    weight_decay = validate.positive("weight_decay", weight_decay, allow_zero=True)
    steps = validate.integer("steps", steps, 1)
    step_size = validate.positive("step_size", step_size)
    dev = resolve_device(device)
    g = torch.Generator().manual_seed(validate.integer("seed", seed, 0))
    init = {"a": 0.1 * torch.randn(width, generator=g, dtype=torch.float64),
            "w": torch.randn(width, generator=g, dtype=torch.float64),
            "b": 2 * torch.rand(width, generator=g, dtype=torch.float64) - 1,
            "u": torch.zeros((), dtype=torch.float64), "c": torch.zeros((), dtype=torch.float64)}
    init = {k: v.to(dev) for k, v in init.items()}
    xt = torch.as_tensor(x, device=dev)
    yt = torch.as_tensor(y, device=dev)

    net = ReluNetwork.output

    def loss(p):
        return (net(p, xt) - yt).pow(2).mean() + weight_decay * (p["a"].pow(2).sum() + p["w"].pow(2).sum()
                                                                + p["b"].pow(2).sum())

    run = engine.plain_gd(loss, init, step_size, steps, record=[steps], rule=engine.Adam(step_size),
                          observe=lambda p: {k: v.clone() for k, v in p.items()})
    engine.require_complete(run, "train_relu_network")
    p = {k: torch.as_tensor(v[0, -1], device=dev) for k, v in run.records.items()}
    with torch.no_grad():
        return ReluNetwork(params=p, train_mse=float((net(p, xt) - yt).pow(2).mean()),
                           cost=float((p["a"].abs() * torch.sqrt(p["w"] ** 2 + p["b"] ** 2)).sum()))
