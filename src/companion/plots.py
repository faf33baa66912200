"""The book's figure style and the plots the chapters share.

Every function returns a :class:`matplotlib.figure.Figure` and shows nothing itself; the notebook
cell that calls it displays it. The book's style (:data:`STYLE`) is applied inside each plotting
function through :func:`style` (a ``matplotlib.rc_context``); importing this module changes no
global setting. A notebook cell that draws its own figure uses ``with plots.style(): ...``.
"""
from __future__ import annotations

import contextlib
import functools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["STYLE", "COLORS", "style", "styled", "accuracy_curves", "neuron_panels", "sweep_maps"]

STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 11, "axes.titlesize": 11,
    "axes.labelsize": 11, "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 9,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
}
"""The book's matplotlib settings, applied inside :func:`style`."""


@contextlib.contextmanager
def style():
    """A context in which figures are drawn in the book's style (and nothing outside it changes).

    One setting survives the context: matplotlib's interactive flag. In Jupyter the inline backend
    is activated by the first figure a kernel draws, and the activation turns interactive mode on;
    if that happens inside ``rc_context``, leaving it would turn the flag back off and no later
    figure of the notebook would be displayed.
    """
    with plt.rc_context(STYLE):
        try:
            yield
        finally:
            interactive = matplotlib.is_interactive()
    matplotlib.interactive(interactive)


def styled(draw):
    """Decorator: run a plotting function inside :func:`style`."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with style():
            return draw(*args, **kwargs)
    return wrapper

COLORS = {"train": "#1f77b4", "flipped": "#d62728", "test": "#2ca02c", "pos": "#9467bd", "neg": "#ff7f0e"}


def _band(ax, steps, values, color, label):
    """Mean over seeds (axis 0) as a line, min-max over seeds as a band."""
    ax.plot(steps, values.mean(axis=0), color=color, label=label, lw=1.8)
    if values.shape[0] > 1:
        ax.fill_between(steps, values.min(axis=0), values.max(axis=0), color=color, alpha=0.2, lw=0)


@styled
def accuracy_curves(result, title: str | None = None, benign_level: float = 0.95):
    """Training, flipped-label and clean-test accuracy against the step, over seeds.

    Lines are means over seeds, bands span the minimum to the maximum. The x axis is linear up to
    step 1 and logarithmic after it, so step 0 and step 1 are both visible.

    Parameters
    ----------
    result : companion.xor.XORResult
        Or any object with ``steps`` (R,) and ``train_acc``, ``flipped_train_acc``, ``test_acc``
        (S, R).
    title : str, optional
    benign_level : float
        Test accuracy that marks the start of the benign phase (shaded from the first recorded
        step where the mean test accuracy reaches it).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7, 3.8))
    steps = result.steps
    ax.axvspan(0.5, 1.5, color="#d62728", alpha=0.08)
    ax.text(1, 0.03, "step 1:\ncatastrophic", ha="center", va="bottom", fontsize=8, color="#a01010")
    reached = np.flatnonzero(result.test_acc.mean(axis=0) >= benign_level)
    if reached.size:
        start = steps[reached[0]]
        ax.axvspan(start, steps[-1], color="#2ca02c", alpha=0.08)
        ax.text(np.sqrt(start * steps[-1]) if start > 0 else steps[-1] / 2, 0.03,
                f"benign: test ≥ {100 * benign_level:.0f}%", ha="center", va="bottom", fontsize=8,
                color="#106010")
    _band(ax, steps, result.train_acc, COLORS["train"], "train (noisy labels)")
    _band(ax, steps, result.flipped_train_acc, COLORS["flipped"], "flipped training points")
    _band(ax, steps, result.test_acc, COLORS["test"], "test (clean labels)")
    ax.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax.set_xscale("symlog", linthresh=1, linscale=0.4)
    ax.set_xlim(0, steps[-1])
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("gradient-descent step (linear to 1, logarithmic after)")
    ax.set_ylabel("accuracy")
    seeds = result.train_acc.shape[0]
    ax.set_title(title or f"accuracy against step: mean over {seeds} seed(s), band = min to max")
    ax.legend(loc="center right")
    fig.tight_layout()
    return fig


@styled
def neuron_panels(result, steps, seed_index: int = 0):
    """Every first-layer neuron projected on the two cluster means, at several steps.

    Parameters
    ----------
    result : companion.xor.XORResult
    steps : sequence of int
        Recorded steps to show, one panel each.
    seed_index : int
        Which seed of the result to show.

    Returns
    -------
    matplotlib.figure.Figure
    """
    steps = list(steps)
    missing = [s for s in steps if s not in set(result.steps.tolist())]
    if missing:
        raise ValueError(f"steps must be recorded steps {result.steps.tolist()}; got {missing}")
    fig, axes = plt.subplots(1, len(steps), figsize=(2.6 * len(steps), 2.9))
    axes = np.atleast_1d(axes)
    pos = result.out_weights > 0
    for ax, step in zip(axes, steps):
        r = int(np.flatnonzero(result.steps == step)[0])
        proj = result.neuron_proj[seed_index, r]
        ax.scatter(proj[pos, 0], proj[pos, 1], s=6, color=COLORS["pos"], alpha=0.6, label="a_j > 0")
        ax.scatter(proj[~pos, 0], proj[~pos, 1], s=6, color=COLORS["neg"], alpha=0.6, label="a_j < 0")
        lim = 1.1 * max(np.abs(proj).max(), 1e-12)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title(f"step {step}")
        ax.set_xlabel("⟨w_j, μ1⟩ / ‖μ1‖")
        ax.ticklabel_format(style="sci", scilimits=(-2, 3))
    axes[0].set_ylabel("⟨w_j, μ2⟩ / ‖μ2‖")
    axes[0].legend(loc="upper left", markerscale=2)
    fig.tight_layout()
    return fig


@styled
def sweep_maps(sweep, benign_level: float = 0.95):
    """Heat maps over (noise rate, signal): step-1 test accuracy, final test accuracy, and the
    fraction of flipped labels fitted by step 1 (means over seeds).

    Parameters
    ----------
    sweep : companion.xor.XORSweep
    benign_level : float
        Cells of the middle map whose every seed reaches this final test accuracy while fitting
        every training label (flipped included) at the end get a star.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = [("clean test accuracy at step 1", sweep.test_acc[..., 1]),
              (f"clean test accuracy at step {sweep.steps[-1]}", sweep.test_acc[..., -1]),
              ("flipped labels fitted at step 1", sweep.flipped_train_acc[..., 1])]
    benign = ((sweep.test_acc[..., -1] >= benign_level) & (sweep.flipped_train_acc[..., -1] >= 1)
              & (sweep.train_acc[..., -1] >= 1)).all(axis=2)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, (title, values) in zip(axes, panels):
        mean = values.mean(axis=2)                    # (signals, noise rates)
        im = ax.imshow(mean, vmin=0.5 if "test" in title else 0, vmax=1, cmap="viridis", origin="lower",
                       aspect="auto")
        for i in range(mean.shape[0]):
            for j in range(mean.shape[1]):
                star = "★" if benign[i, j] and ax is axes[1] else ""
                ax.text(j, i, f"{100 * mean[i, j]:.0f}{star}", ha="center", va="center", fontsize=7,
                        color="white" if mean[i, j] < 0.8 else "black")
        ax.set_xticks(range(len(sweep.noise_rates)), [f"{r:g}" for r in sweep.noise_rates])
        ax.set_yticks(range(len(sweep.signals)), [f"{s:g}" for s in sweep.signals])
        ax.set_xlabel("noise rate η")
        ax.set_ylabel("signal ‖μ‖")
        ax.set_title(title)
        ax.grid(False)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig
