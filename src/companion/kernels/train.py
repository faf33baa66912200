"""The kernels chapter's runs: test risk against n over nested sample sizes (one factorization per seed),
the Gaussian kernel in a dimension that grows with n, each kernel's noise slope, and two solvers
compared where the numerics, not the statistics, set the limit."""
from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from .. import engine, runs, validate
from ..device import resolve_device
from .data import draw, target
from .setting import BOOK_CURVES, MAX_CONDITION, SLOPE_NS, CurveConfig
from .solve import UntrustworthySolve, SolveFailed, cholesky_prefix, column_major, kernel_unchecked, condition_estimate

__all__ = ["RiskCurves", "risk_curves", "DimensionRisk", "dimension_risk", "noise_slopes", "NumericsCheck",
           "numerics_check"]

@dataclass
class RiskCurves(engine.RunStatus):
    """Test risk over nested sample sizes.

    Attributes
    ----------
    config : CurveConfig
    seeds : list of int
    risk : ndarray, shape (S, len(noise), len(ns), label_draws)
        Test MSE on noisy test labels: the mean over test points of ``(prediction - f*)^2``, plus
        ``sigma^2`` (the exact expectation over the test labels' noise).
    condition : ndarray, shape (S, len(ns))
        Estimated condition number of ``K_n + ridge I``.
    trusted : ndarray of bool, shape (S, len(ns))
        ``condition <= MAX_CONDITION``.
    train_mse : ndarray, shape (S, len(noise), len(ns), label_draws)
        Mean squared error on the noisy training labels (zero up to rounding when ridgeless).
    planned_steps : int
        The number of seeds asked for.
    interrupted_at : int or None
        When a KeyboardInterrupt stopped the runs, the number of seeds that finished (the arrays hold
        them); None when every seed finished. The claims refuse an interrupted result.
    """

    config: CurveConfig
    seeds: list
    risk: np.ndarray
    condition: np.ndarray
    trusted: np.ndarray
    train_mse: np.ndarray
    planned_steps: int = 0
    interrupted_at: int | None = None

    unit = "seed"

    @property
    def ns(self) -> np.ndarray:
        """The sample sizes, shape (len(ns),)."""
        return np.asarray(self.config.ns)

    @property
    def noise(self) -> np.ndarray:
        """The noise variances, shape (len(noise),)."""
        return np.asarray(self.config.noise, dtype=float)

    def excess(self) -> np.ndarray:
        """Risk minus the Bayes risk ``sigma^2``, shape like :attr:`risk`."""
        return self.risk - self.noise[None, :, None, None]

    def null_risk(self) -> np.ndarray:
        """Risk of predicting zero, ``E[f*^2] + sigma^2 = 1 + sigma^2``, shape (len(noise),)."""
        return 1.0 + self.noise

    def median(self, excess: bool = False) -> np.ndarray:
        """Median over seeds and label draws, shape (len(noise), len(ns))."""
        values = self.excess() if excess else self.risk
        return np.median(values.transpose(1, 2, 0, 3).reshape(len(self.noise), len(self.ns), -1), axis=2)


def risk_curves(cfg: CurveConfig, seeds: Sequence[int], device: str | torch.device | None = None,
                progress: bool | None = None) -> RiskCurves:
    """Test risk against n for one kernel, several seeds, noise levels and label draws.

    Per seed: one draw of ``max(ns)`` training points and ``n_test`` test points, one kernel matrix,
    one Cholesky factorization of ``K + ridge I`` (its leading ``n x n`` block is the factor for the
    first ``n`` points), and, per n, one pair of triangular solves with ``1 + label_draws``
    right-hand sides (the target and each noise draw): predictions are linear in the labels, so
    ``prediction = P f* + sigma P eps`` serves every noise level.

    Parameters
    ----------
    cfg : CurveConfig
    seeds : sequence of int
        Distinct seeds >= 0 (each sets the points and the noise).
    device : str, torch.device or None
    progress : bool or None
        A progress bar over seeds (None: only if the work takes more than 2 s; see
        :func:`companion.engine.progress_bar`).

    Returns
    -------
    RiskCurves
        If a KeyboardInterrupt stops the runs, the seeds that finished, marked interrupted (with an
        :class:`companion.engine.InterruptedRunWarning`).

    Raises
    ------
    SolveFailed
        When ``K + ridge I`` is not numerically positive definite at some n of the config (the
        message names the largest n that would work).

    Warns
    -----
    UntrustworthySolve
        When some n is above :data:`MAX_CONDITION` (its ``trusted`` entry is False).
    """
    seeds = validate.seeds(seeds)
    validate.instance("cfg", cfg, CurveConfig)
    done = runs.over_seeds(functools.partial(_seed_curves, cfg, resolve_device(device)), seeds, batch=1,
                           progress=progress, desc=f"{cfg.label()} risk curves")
    rows = [row for batch in done.results for row in batch]
    if not rows:
        raise engine.IncompleteRunError("risk_curves was interrupted before its first seed finished: nothing to return")
    risk, train, cond = (np.stack([row[k] for row in rows]) for k in range(3))
    trusted = cond <= MAX_CONDITION
    if not trusted.all():
        bad = sorted({int(n) for n in np.asarray(cfg.ns)[~trusted.all(axis=0)]})
        warnings.warn(f"risk_curves ({cfg.label()}): at n in {bad} the condition number exceeds "
                      f"{MAX_CONDITION:.0e}; those risks are not trustworthy (RiskCurves.trusted is False there)",
                      UntrustworthySolve, stacklevel=2)
    return RiskCurves(cfg, done.seeds, risk, cond, trusted, train, planned_steps=len(seeds),
                      interrupted_at=len(done.seeds) if done.interrupted else None)


def _seed_curves(cfg: CurveConfig, dev: torch.device, seeds: list[int]) -> list[tuple]:
    """For each seed: its risk and training error, shape (len(noise), len(ns), label_draws) each, and the
    condition estimate of each n, shape (len(ns),) (see :func:`risk_curves`)."""
    N, R = max(cfg.ns), cfg.label_draws
    sig = torch.tensor(cfg.noise, dtype=torch.float64, device=dev).sqrt()
    rows = []
    for seed in seeds:
        risk = np.empty((len(cfg.noise), len(cfg.ns), R))
        train = np.empty_like(risk)
        cond = np.empty(len(cfg.ns))
        X, T, eps = draw(cfg, seed, dev)
        fx, ft = target(X), target(T)
        K = kernel_unchecked(X, X, cfg.kind, cfg.bandwidth)
        Kt = kernel_unchecked(T, X, cfg.kind, cfg.bandwidth)
        L, ok = cholesky_prefix(K, cfg.ridge)            # K now holds K + ridge I; it is not used again
        del K
        if ok < N:
            good = [n for n in cfg.ns if n <= ok]
            raise SolveFailed(f"risk_curves ({cfg.label()}, bandwidth {cfg.bandwidth:g}, seed {seed}): K + ridge I "
                              f"is not numerically positive definite beyond n = {ok}; the largest n of the config "
                              f"that works is {good[-1] if good else 'none'}. Use a positive ridge, smaller ns, "
                              "or a smaller bandwidth")
        rhs = torch.cat([fx[:, None], eps], dim=1)
        for j, n in enumerate(cfg.ns):
            Ln = column_major(L[:n, :n])            # one copy per n, none per solve
            C = torch.cholesky_solve(rhs[:n], Ln)
            P, Ptr = Kt[:, :n] @ C, rhs[:n] - cfg.ridge * C     # K C = (K + ridge I) C - ridge C
            cond[j] = condition_estimate(Ln)
            for k, sg in enumerate(sig):
                err = P[:, :1] + sg * P[:, 1:] - ft[:, None]
                risk[k, j] = (err.pow(2).mean(0) + sg ** 2).cpu().numpy()
                tr = Ptr[:, :1] + sg * Ptr[:, 1:] - (fx[:n, None] + sg * eps[:n])
                train[k, j] = tr.pow(2).mean(0).cpu().numpy()
        rows.append((risk, train, cond))
    return rows


@dataclass
class DimensionRisk(engine.RunStatus):
    """Measured ridgeless Gaussian risk where the dimension may change with n.

    Attributes
    ----------
    ns : ndarray, shape (N,)
    dims : ndarray, shape (N,)
    risk : ndarray, shape (S, N, label_draws)
        Test MSE on noisy test labels.
    condition : ndarray, shape (S, N)
    trusted : ndarray of bool, shape (S, N)
    noise : float
    bandwidth : float
    planned_steps, interrupted_at
        As for :class:`RiskCurves`.
    """

    ns: np.ndarray
    dims: np.ndarray
    risk: np.ndarray
    condition: np.ndarray
    trusted: np.ndarray
    noise: float
    bandwidth: float
    planned_steps: int = 0
    interrupted_at: int | None = None

    unit = "seed"


def dimension_risk(ns: Sequence[int], dims: Sequence[int], bandwidth: float, noise: float, seeds: Sequence[int],
                   label_draws: int = 5, n_test: int = 2000, device: str | torch.device | None = None,
                   progress: bool | None = None) -> DimensionRisk:
    """Ridgeless Gaussian kernel regression, one fresh draw (and factorization) per ``(n, d)``.

    Parameters
    ----------
    ns, dims : sequences of int, the same length
    bandwidth : float
    noise : float
        ``sigma^2``.
    seeds : sequence of int
    label_draws, n_test : int
    device : str, torch.device or None
    progress : bool or None
        As for :func:`risk_curves`.

    Returns
    -------
    DimensionRisk
        If a KeyboardInterrupt stops the runs, the seeds that finished, marked interrupted.
    """
    ns = [validate.integer("ns", n, 1) for n in ns]
    dims = [validate.integer("dims", d, 2) for d in dims]
    if len(ns) != len(dims) or not ns:
        raise ValueError(f"ns and dims must be non-empty and of the same length; got {len(ns)} and {len(dims)}")
    bandwidth = validate.positive("bandwidth", bandwidth)
    noise = validate.positive("noise", noise, allow_zero=True)
    seeds = validate.seeds(seeds)
    configs = [CurveConfig(kind="gaussian", bandwidth=bandwidth, ridge=0.0, dim=d, ns=(n,), noise=(noise,),
                           label_draws=label_draws, n_test=n_test) for n, d in zip(ns, dims)]
    done = runs.over_seeds(functools.partial(_seed_dimensions, configs, resolve_device(device)), seeds, batch=1,
                           progress=progress, desc="Gaussian kernel, growing dimension")
    rows = [row for batch in done.results for row in batch]
    if not rows:
        raise engine.IncompleteRunError("dimension_risk was interrupted before its first seed finished")
    risk, cond = np.stack([row[0] for row in rows]), np.stack([row[1] for row in rows])
    trusted = cond <= MAX_CONDITION
    if not trusted.all():
        warnings.warn("dimension_risk: some (n, d) exceed the trusted condition number; see .trusted",
                      UntrustworthySolve, stacklevel=2)
    return DimensionRisk(np.asarray(ns), np.asarray(dims), risk, cond, trusted, noise, bandwidth,
                         planned_steps=len(seeds), interrupted_at=len(done.seeds) if done.interrupted else None)


def _seed_dimensions(configs: list[CurveConfig], dev: torch.device, seeds: list[int]) -> list[tuple]:
    """For each seed: the risk (one row of label draws per configuration) and the condition estimate of
    each configuration, drawn with the seed ``seed * 1000 + j`` for the ``j``-th (see :func:`dimension_risk`)."""
    rows = []
    for seed in seeds:
        curves = [_seed_curves(cfg, dev, [seed * 1000 + j])[0] for j, cfg in enumerate(configs)]
        rows.append((np.stack([c[0][0, 0] for c in curves]), np.array([c[2][0] for c in curves])))
    return rows


def noise_slopes(seeds: Sequence[int], ns: Sequence[int] = SLOPE_NS, device=None) -> dict:
    """Each of :data:`BOOK_CURVES`' noise slope, ``risk(sigma^2 = 1) - risk(sigma^2 = 0)`` on the same draws
    (mean over label draws), per seed and size: the measured E0.

    At one training set every kernel ridge solve is linear in the labels, so the risk is affine in
    ``sigma^2`` for any kernel; what tells the regimes apart is how this slope changes with n.

    Parameters
    ----------
    seeds : sequence of int
    ns : sequence of int
    device : str, torch.device or None

    Returns
    -------
    dict of str to ndarray, shape (S, len(ns))
    """
    out = {}
    for name, cfg in BOOK_CURVES.items():
        both = risk_curves(dataclasses.replace(cfg, ns=tuple(ns), noise=(1.0, 0.0)), seeds, device=device,
                           progress=False)
        engine.require_complete(both, "noise_slopes")
        out[name] = (both.risk[:, 0] - both.risk[:, 1]).mean(axis=2)
    return out


@dataclass
class NumericsCheck:
    """Two float64 solvers on the same ridgeless system, over nested n.

    Attributes
    ----------
    ns : ndarray, shape (N,)
    condition : ndarray, shape (N,)
        Largest over smallest eigenvalue of ``K_n + ridge I`` (from the eigendecomposition; ``inf``
        when the smallest computed eigenvalue is not positive).
    risk_cholesky : ndarray, shape (N,)
        Test risk from the Cholesky solve; only where ``cholesky_ok``.
    cholesky_ok : ndarray of bool, shape (N,)
        Whether the Cholesky factorization of ``K_n`` ran to the end.
    risk_eigh : ndarray, shape (N,)
        Test risk from the eigendecomposition solve (pseudo-inverse, eigenvalues below
        ``1e-15 * max`` dropped).
    """

    ns: np.ndarray
    condition: np.ndarray
    risk_cholesky: np.ndarray
    cholesky_ok: np.ndarray
    risk_eigh: np.ndarray


def numerics_check(cfg: CurveConfig, seed: int = 0, device: str | torch.device | None = None) -> NumericsCheck:
    """Solve each nested ridgeless system twice, by Cholesky and by eigendecomposition, and compare.

    Both are backward-stable float64 solvers; where the system is well conditioned they agree to
    many digits, and where the condition number passes about ``1e12`` their test risks part: the
    numbers then say nothing about the statistics.

    Parameters
    ----------
    cfg : CurveConfig
        Its first noise level and first label draw are used.
    seed : int
    device : str, torch.device or None

    Returns
    -------
    NumericsCheck
    """
    dev = resolve_device(device)
    X, T, eps = draw(cfg, seed, dev)
    eps = eps[:, 0]
    sigma2 = cfg.noise[0]
    y = target(X) + math.sqrt(sigma2) * eps
    K = kernel_unchecked(X, X, cfg.kind, cfg.bandwidth)
    Kt = kernel_unchecked(T, X, cfg.kind, cfg.bandwidth)
    ft = target(T)
    L, ok = cholesky_prefix(K.clone(), cfg.ridge)
    out = {k: [] for k in ("cond", "chol", "ok", "eigh")}
    for n in cfg.ns:
        w, U = torch.linalg.eigh(K[:n, :n] + cfg.ridge * torch.eye(n, dtype=K.dtype, device=dev))
        keep = w > 1e-15 * w[-1]
        c_e = U[:, keep] @ ((U[:, keep].T @ y[:n]) / w[keep])
        out["eigh"].append(float((Kt[:, :n] @ c_e - ft).pow(2).mean()) + sigma2)
        out["cond"].append(float(w[-1] / w[0]) if w[0] > 0 else math.inf)
        out["ok"].append(n <= ok)
        if n <= ok:
            c = torch.cholesky_solve(y[:n, None], L[:n, :n])[:, 0]
            out["chol"].append(float((Kt[:, :n] @ c - ft).pow(2).mean()) + sigma2)
        else:
            out["chol"].append(0.0)
    return NumericsCheck(np.asarray(cfg.ns), np.array(out["cond"]), np.array(out["chol"]), np.array(out["ok"]),
                         np.array(out["eigh"]))
