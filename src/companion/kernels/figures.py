"""Every figure of the kernels chapter. Each function returns a :class:`matplotlib.figure.Figure`
drawn in the book's style (:mod:`companion.plots`) and shows nothing itself."""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, NullLocator

from .. import plots
from .relu import Interpolant, ReluRisk
from .setting import MAX_CONDITION
from .train import DimensionRisk, NumericsCheck, RiskCurves

__all__ = ["figure_risk_curves", "figure_spectra", "figure_noise", "figure_numerics", "figure_dimension",
           "figure_relu"]

_CURVE_COLORS = {"ridge": "#2ca02c", "tempered": "#1f77b4", "catastrophic": "#d62728"}


def _slanted_sizes(ax, ns) -> None:
    """The sample sizes as the x ticks, labelled in plain numbers, slanted and ending at their ticks:
    at 60 degrees, labels of neighbouring sizes on a log axis (2,500 and 3,000) do not touch."""
    ax.set_xticks(list(ns), [f"{int(n):,}" for n in ns])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.tick_params(axis="x", labelrotation=60)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")


def _log_axes(ax, ns) -> None:
    """Log-log axes labelled in plain numbers: the sample sizes on x, the default decades on y."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    _slanted_sizes(ax, ns)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:.1g}"[0] in "25" else ""))


@plots.styled
def figure_risk_curves(curves: dict, predictions: dict | None = None, title: str | None = None):
    """Test risk against n on log axes: median over seeds and label draws (line), 10th to 90th
    percentile (band), the eigenlearning estimate (dashed), the Bayes risk and the null predictor's
    risk (gray). Sizes whose solve is not trusted are drawn as hollow markers.

    Parameters
    ----------
    curves : dict of str to RiskCurves
        Legend label (or "ridge", "tempered", "catastrophic", which also pick the color) to curves.
    predictions : dict of str to ndarray, optional
        Same keys; eigenlearning's risk, shape (len(noise), len(ns)) or (len(ns),).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """

    fig, ax = plots.subplots(height=4.2)
    sigma2 = None
    for i, (name, c) in enumerate(curves.items()):
        color = _CURVE_COLORS.get(name, f"C{i}")
        label = f"{name}: {c.config.label()}" if name in _CURVE_COLORS else name
        flat = c.risk[:, 0].transpose(1, 0, 2).reshape(len(c.ns), -1)
        lo, med, hi = np.percentile(flat, [10, 50, 90], axis=1)
        ax.fill_between(c.ns, lo, hi, color=color, alpha=0.18, lw=0)
        ax.plot(c.ns, med, "-", color=color, lw=1.8, label=label)
        trusted = c.trusted.all(axis=0)
        ax.plot(c.ns[trusted], med[trusted], "o", color=color, ms=4)
        ax.plot(c.ns[~trusted], med[~trusted], "o", mfc="white", color=color, ms=6,
                label=None if trusted.all() else f"{name}: not trusted (condition > {MAX_CONDITION:.0e})")
        if predictions and name in predictions:
            p = np.atleast_2d(predictions[name])[0]
            ax.plot(c.ns, p, "--", color=color, lw=1.4, label=f"{name}: eigenlearning estimate")
        sigma2 = c.noise[0]
    ax.axhline(sigma2, color=plots.COLORS["gray"], lw=1.0, ls=":", label=f"Bayes risk σ² = {sigma2:g}")
    ax.axhline(1 + sigma2, color=plots.COLORS["gray"], lw=1.0, ls="-.", label=f"null predictor 1 + σ² = {1 + sigma2:g}")
    _log_axes(ax, next(iter(curves.values())).ns)
    ax.set_xlabel("training set size n")
    ax.set_ylabel("test risk (MSE on noisy labels)")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title)
    return plots.finish(fig)


@plots.styled
def figure_spectra(spectra: dict, empirical: dict | None = None):
    """Eigenvalue per degree on the sphere (log scale) for several kernels, with the mean eigenvalue
    of each degree's block of a kernel matrix (markers), and the ``l^(-dim)`` power law for reference.

    Parameters
    ----------
    spectra : dict of str to Spectrum
    empirical : dict of str to ndarray, optional
        Same keys; block means of ``eigvalsh(K) / N`` per degree.

    Returns
    -------
    matplotlib.figure.Figure
    """

    fig, ax = plots.subplots(height=3.8)
    for i, (name, s) in enumerate(spectra.items()):
        l = np.arange(len(s.eigenvalues))
        pos = s.eigenvalues > 0
        ax.plot(l[pos], s.eigenvalues[pos], "-", color=f"C{i}", lw=1.6, label=f"{name}: Funk–Hecke")
        if empirical and name in empirical:
            e = empirical[name]
            ax.plot(np.arange(len(e)), e, "o", color=f"C{i}", ms=5, mfc="none",
                    label=f"{name}: kernel matrix, block means")
    d = next(iter(spectra.values())).dim
    ref = np.arange(2, 61)
    ax.plot(ref, 0.5 * ref ** (-float(d)), ":", color=plots.COLORS["gray"], label=f"slope l^(−{d})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-16, 1)
    ax.set_xlabel("degree l")
    ax.set_ylabel("eigenvalue λ_l")
    ax.legend(fontsize=9, loc="lower left", frameon=False)
    return plots.finish(fig)


@plots.styled
def figure_noise(curves: RiskCurves, n: int, prediction: np.ndarray):
    """Tempered risk is linear in the noise: the test risk at one n against ``sigma^2`` (every draw
    as a dot, the median as a line) with eigenlearning's straight line.

    Parameters
    ----------
    curves : RiskCurves
        Several noise levels.
    n : int
        One of ``curves.ns``.
    prediction : ndarray, shape (len(noise),)

    Returns
    -------
    matplotlib.figure.Figure
    """

    j = list(curves.config.ns).index(n)
    fig, ax = plots.subplots(height=3.6, width=0.6)
    vals = curves.risk[:, :, j].transpose(1, 0, 2).reshape(len(curves.noise), -1)
    for k, s2 in enumerate(curves.noise):
        ax.plot(np.full(vals.shape[1], s2), vals[k], ".", color=_CURVE_COLORS["tempered"], alpha=0.4, ms=5)
    ax.plot(curves.noise, np.median(vals, axis=1), "-", color=_CURVE_COLORS["tempered"], lw=1.8,
            label="measured (median)")
    ax.plot(curves.noise, prediction, "--", color="black", lw=1.2, label="eigenlearning")
    ax.plot(curves.noise, curves.noise, ":", color=plots.COLORS["gray"], label="Bayes risk σ²")
    ax.set_xlabel("noise variance σ²")
    ax.set_ylabel(f"test risk at n = {n}")
    ax.legend(fontsize=9, frameon=False)
    return plots.finish(fig)


@plots.styled
def figure_numerics(check: NumericsCheck, title: str = ""):
    """Two solvers against n (left) and the condition number with the trusted limit (right).

    Parameters
    ----------
    check : NumericsCheck
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """

    fig, axes = plots.subplots(1, 2, height=3.5)
    ok = check.cholesky_ok
    axes[0].plot(check.ns[ok], check.risk_cholesky[ok], "o-", color="C0", label="Cholesky solve")
    axes[0].plot(check.ns, check.risk_eigh, "s--", color="C1", mfc="none", label="eigendecomposition solve")
    if (~ok).any():
        axes[0].axvline(check.ns[~ok][0], color=plots.COLORS["harmful"], lw=1, ls=":",
                        label="Cholesky breaks down")
    _log_axes(axes[0], check.ns)
    axes[0].set_xlabel("n")
    axes[0].set_ylabel("test risk")
    cond = np.where(np.isfinite(check.condition), check.condition, 1e18)
    axes[1].plot(check.ns, cond, "o-", color="C2")
    axes[1].axhline(MAX_CONDITION, color=plots.COLORS["harmful"], ls="--", lw=1,
                    label=f"trusted up to {MAX_CONDITION:.0e}")
    axes[1].axhline(1 / np.finfo(float).eps, color=plots.COLORS["gray"], ls=":", lw=1, label="1 / float64 ε")
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    _slanted_sizes(axes[1], check.ns)
    axes[1].set_xlabel("n")
    axes[1].set_ylabel("condition number of K_n")
    if title:
        fig.suptitle(title, fontsize=11)
    return plots.legends_outside(fig, *axes)


@plots.styled
def figure_dimension(fixed: RiskCurves, growing: DimensionRisk, fixed_prediction: np.ndarray,
                     growing_prediction: np.ndarray):
    """Ridgeless Gaussian risk against n: fixed dimension against dimension growing with n, measured
    (median and 10-90% band) and estimated (dashed).

    Returns
    -------
    matplotlib.figure.Figure
    """

    fig, ax = plots.subplots(height=3.8)
    sigma2 = growing.noise
    f = fixed.risk[:, 0].transpose(1, 0, 2).reshape(len(fixed.ns), -1)
    g = growing.risk.transpose(1, 0, 2).reshape(len(growing.ns), -1)
    for ns, vals, pred, color, label in (
            (fixed.ns, f, fixed_prediction, _CURVE_COLORS["catastrophic"], f"fixed d = {fixed.config.dim}"),
            (growing.ns, g, growing_prediction, _CURVE_COLORS["ridge"],
             f"growing d: {growing.dims[0]} to {growing.dims[-1]}")):
        lo, med, hi = np.percentile(vals, [10, 50, 90], axis=1)
        ax.fill_between(ns, lo, hi, color=color, alpha=0.18, lw=0)
        ax.plot(ns, med, "o-", color=color, lw=1.8, ms=4, label=f"{label}, measured")
        ax.plot(ns, pred, "--", color=color, lw=1.3, label=f"{label}, eigenlearning")
    ax.axhline(sigma2, color=plots.COLORS["gray"], ls=":", lw=1, label=f"Bayes risk σ² = {sigma2:g}")
    ax.axhline(1 + sigma2, color=plots.COLORS["gray"], ls="-.", lw=1, label="null predictor")
    _log_axes(ax, growing.ns)
    ax.set_xlabel("training set size n")
    ax.set_ylabel("test risk")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return plots.finish(fig)


@plots.styled
def figure_relu(x, y, interpolant: Interpolant, spline: Interpolant, network, risk: ReluRisk):
    """Left: one data set, its min-norm interpolator, the linear spline and a trained network.
    Right: L1 and L2 error against n (median over seeds, 25-75% band) for both interpolators.

    Returns
    -------
    matplotlib.figure.Figure
    """

    t = np.linspace(0, 1, 4001)
    fig, axes = plots.subplots(1, 2, height=3.6)
    ax = axes[0]
    ax.plot(t, spline(t), color=plots.COLORS["gray"], lw=1.2, label="linear spline")
    ax.plot(t, interpolant(t), color="C0", lw=1.8, label="min-norm interpolator")
    if network is not None:
        ax.plot(t, network(t), "--", color="C1", lw=1.4, label="trained network")
    ax.plot(x, y, "ko", ms=4, label="data")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax = axes[1]
    for vals, color, ls, label in ((risk.l1, "C0", "-", "min-norm, L1"), (risk.l2, "C3", "-", "min-norm, L2"),
                                   (risk.spline_l1, "C0", ":", "spline, L1"),
                                   (risk.spline_l2, "C3", ":", "spline, L2")):
        lo, med, hi = np.percentile(vals, [25, 50, 75], axis=0)
        if ls == "-":
            ax.fill_between(risk.ns, lo, hi, color=color, alpha=0.15, lw=0)
        ax.plot(risk.ns, med, ls, color=color, marker="o", ms=3, lw=1.6, label=label)
    _log_axes(ax, risk.ns)
    ax.set_xlabel("n")
    ax.set_ylabel("error against f* = 0")
    return plots.legends_outside(fig, *axes, ncol=2)
