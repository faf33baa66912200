"""Every figure of the XOR chapter. Each function returns a :class:`matplotlib.figure.Figure`
drawn in the book's style (:mod:`companion.plots`) and shows nothing itself."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from .. import plots, validate
from .claims import FINAL_TEST_MIN, HARMFUL_TEST_MAX
from .measures import feature_alignment, first_step_reaching, normalized_margin
from .train import XORResult, XORSweep

__all__ = ["draw_accuracy", "accuracy_curves", "figure_phases", "figure_hebbian", "figure_delay", "figure_neurons", "figure_alignment", "figure_sweep",
           "figure_regimes", "figure_long_run"]


def draw_accuracy(ax, result, xscale: str = "log", xmax: float | None = None, legend: bool = True,
                  harmful_level: float = HARMFUL_TEST_MAX, benign_level: float = FINAL_TEST_MIN) -> None:
    """Training, flipped-label and clean-test accuracy against the step, onto ``ax``.

    Lines are means over seeds, bands span the minimum to the maximum. Shading follows the mean
    test accuracy: red (harmful) from step 1 while it is at most ``harmful_level``, green (benign)
    from the first recorded step where it reaches ``benign_level``; the transition in between is
    not shaded. (The shading says nothing about the training labels; their curves are drawn.)

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    result : object with ``steps`` (R,) and ``train_acc``, ``flipped_train_acc``, ``test_acc`` (S, R)
    xscale : {"log", "linear"}
        "log" shows steps from 1 on a logarithmic axis; "linear" shows steps from 0.
    xmax : float, optional
        Last step shown (default: the last recorded step).
    legend : bool
    harmful_level, benign_level : float
        The levels shaded and drawn (default: the claims' :data:`~companion.xor.HARMFUL_TEST_MAX` and
        :data:`~companion.xor.FINAL_TEST_MIN`).
    """
    validate.choice("xscale", xscale, ("log", "linear"))
    steps = np.asarray(result.steps)
    keep = steps >= (1 if xscale == "log" else 0)
    if xmax is not None:
        keep &= steps <= xmax
    if not keep.any():
        raise ValueError(f"xmax must leave some recorded step to draw; got {xmax!r} (steps {steps.tolist()})")
    s = steps[keep]
    end = s[-1]
    mean_test = result.test_acc.mean(axis=0)[keep]
    late = s >= 1
    left = np.flatnonzero((mean_test > harmful_level) & late)
    harmful_to = s[left[0]] if left.size else end
    if harmful_to > 1:
        ax.axvspan(1, harmful_to, color=plots.COLORS["harmful"], alpha=0.07, lw=0)
    reached = np.flatnonzero((mean_test >= benign_level) & late)
    if reached.size:
        ax.axvspan(s[reached[0]], end, color=plots.COLORS["benign"], alpha=0.07, lw=0)
    plots.band(ax, s, result.train_acc[:, keep], plots.COLORS["train"], "train (noisy labels)")
    plots.band(ax, s, result.flipped_train_acc[:, keep], plots.COLORS["flipped"], "flipped training points", ls="--")
    plots.band(ax, s, result.test_acc[:, keep], plots.COLORS["test"], "test (clean labels)")
    ax.axhline(0.5, color=plots.COLORS["gray"], lw=0.8, ls=":")
    if xscale == "log":
        ax.set_xscale("log")
        ax.set_xlim(1, end)
    else:
        ax.set_xlim(0, end)
    ax.set_ylim(min(0.4, 0.05 * np.floor(20 * result.test_acc[:, keep].min())), 1.02)
    for level in (harmful_level, benign_level):
        ax.axhline(level, color=plots.COLORS["gray"], lw=0.6, ls="--", alpha=0.6)
    ax.set_xlabel("gradient-descent step" + (" (log scale)" if xscale == "log" else ""))
    ax.set_ylabel("accuracy")
    if legend:
        ax.legend(loc="lower right")


@plots.styled
def accuracy_curves(result, title: str | None = None, benign_level: float = FINAL_TEST_MIN):
    """One panel of :func:`draw_accuracy` on a logarithmic step axis.

    Parameters
    ----------
    result : object with ``steps`` (R,) and ``train_acc``, ``flipped_train_acc``, ``test_acc`` (S, R)
    title : str, optional
    benign_level : float

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plots.subplots(height=3.8)
    draw_accuracy(ax, result, benign_level=benign_level, legend=False)
    seeds = result.train_acc.shape[0]
    ax.set_title(title or f"accuracy against step: mean over {seeds} seed(s), band = min to max")
    return plots.legends_outside(fig, handles=ax.get_legend_handles_labels()[0], ncol=3)


@plots.styled
def figure_phases(result: XORResult, zoom: int = 50):
    """The two phases: accuracies over the first ``zoom`` steps on a linear axis, and over the whole
    run on a logarithmic one.

    Parameters
    ----------
    result : XORResult
    zoom : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plots.subplots(1, 2, height=3.6, gridspec_kw={"width_ratios": [1, 1.3]})
    draw_accuracy(axes[0], result, xscale="linear", xmax=zoom, legend=False)
    axes[0].set_title(f"steps 0 to {zoom}")
    draw_accuracy(axes[1], result, xscale="log", legend=False)
    axes[1].set_ylabel("")
    axes[1].set_title(f"the whole run, {len(result.seeds)} seeds")
    return plots.legends_outside(fig, handles=axes[1].get_legend_handles_labels()[0], ncol=3)


@plots.styled
def figure_hebbian(result: XORResult, widths: dict, seed_index: int = 0):
    """Step 1 as a Hebbian classifier: the network against ``<v, x>`` on the test points (one seed),
    and the share of test points where their signs disagree, against the width.

    Parameters
    ----------
    result : XORResult
        A run from a small initialization, with step 1 recorded.
    widths : dict
        The output of :func:`step_one_widths`.
    seed_index : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plots.subplots(1, 2, height=3.4)
    f1 = result.test_out[seed_index, result.index(1)]
    h = result.hebbian_test[seed_index]
    right = f1 * result.test_labels[seed_index] > 0
    axes[0].scatter(h[right], f1[right], s=6, alpha=0.5, color=plots.COLORS["test"], label="classified correctly")
    axes[0].scatter(h[~right], f1[~right], s=6, alpha=0.5, color=plots.COLORS["flipped"], label="misclassified")
    axes[0].axhline(0, color="gray", lw=0.8)
    axes[0].axvline(0, color="gray", lw=0.8)
    axes[0].set_xlabel("⟨v, x⟩,  v = Σᵢ yᵢ xᵢ")
    axes[0].set_ylabel("network after step 1, f(x)")
    axes[0].set_title(f"test points, seed {result.seeds[seed_index]}")
    m = widths["widths"]
    dis = widths["disagreement"]
    se = dis.std(axis=1, ddof=1) / np.sqrt(dis.shape[1])
    axes[1].errorbar(m, dis.mean(axis=1), yerr=se, fmt="o-", color=plots.COLORS["train"], capsize=3,
                     label=f"mean over {dis.shape[1]} seeds (± s.e.)")
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    c = float(np.exp(np.mean(np.log(np.maximum(dis.mean(axis=1), 1e-6) * np.sqrt(m)))))
    axes[1].loglog(m, c / np.sqrt(m), ":", color="black", label=f"{c:.2f} / √m")
    axes[1].set_xlabel("width m")
    axes[1].set_ylabel("sign disagreement with ⟨v, x⟩")
    axes[1].set_title("finite-width fluctuations")
    fig = plots.legends_outside(fig, *axes)
    for handle in fig.legends[0].legend_handles:   # the points of the left legend drawn twice as large
        handle.set_sizes([24])
    return fig


@plots.styled
def figure_delay(grid: XORSweep, step_size: float, level: float = 0.95):
    """The initialization sets the delay. Top: at one step size, clean test accuracy and the share of
    changed activation patterns against the step, for every initialization scale. Bottom: the first
    recorded step at which the mean test accuracy reaches ``level``, over (initialization scale,
    step size).

    Parameters
    ----------
    grid : XORSweep
        Over ``init_scale`` and ``step_size``, in that order.
    step_size : float
        One of the grid's step sizes, for the curves.
    level : float

    Returns
    -------
    matplotlib.figure.Figure
    """
    sizes = [float(a) for a in grid.axes["step_size"]]
    if step_size not in sizes:
        raise ValueError(f"step_size must be one of the grid's {sizes}; got {step_size!r}")
    col = sizes.index(step_size)
    fig = plots.figure(6.4)
    g = fig.add_gridspec(2, 2, height_ratios=[1, 0.9])
    ax_acc, ax_pat, ax_map = fig.add_subplot(g[0, 0]), fig.add_subplot(g[0, 1]), fig.add_subplot(g[1, :])
    steps = grid.steps
    keep = steps >= 1
    inits = grid.axes["init_scale"]
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(inits)))
    for i, (w, color) in enumerate(zip(inits, colors)):
        ax_acc.plot(steps[keep], grid.test_acc[i, col].mean(axis=0)[keep], color=color, label=f"ω = {w:g}")
        ax_pat.plot(steps[keep], grid.pattern_change[i, col].mean(axis=0)[keep], color=color)
    for ax in (ax_acc, ax_pat):
        ax.set_xscale("log")
        ax.set_xlim(1, steps[-1])
        ax.set_xlabel("step (log scale)")
    ax_acc.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax_acc.set_ylabel("clean test accuracy")
    ax_pat.set_ylabel("activation patterns changed")
    ax_acc.set_title(f"test accuracy, α = {step_size:g}")
    ax_pat.set_title("changed since the start")
    first = first_step_reaching(steps, grid.test_acc.mean(axis=-2), level)       # (inits, sizes)
    fitted = (grid.train_acc[..., 1] >= 1).all(axis=-1)
    shown = np.where(fitted, first, np.nan)
    labels = np.where(~fitted, "×", np.vectorize(lambda v: "–" if not np.isfinite(v) else f"{v:.0f}")(first))
    plots.heatmap(ax_map, np.log10(shown).T, [f"{a:g}" for a in sizes], [f"{w:g}" for w in inits], vmin=0,
                  vmax=np.log10(steps[-1]), colorbar_label="log₁₀ step", cmap="magma_r", text=labels.T)
    ax_map.set_xlabel("initialization scale ω")
    ax_map.set_ylabel("step size α")
    ax_map.set_title(f"first step with test accuracy ≥ {100 * level:.0f}%  (–: not by step {steps[-1]}; "
                     "×: step 1 left a label unfitted)", fontsize=10)
    # the curves' legend above the two panels it labels
    return plots.legends_outside(fig, handles=ax_acc.get_legend_handles_labels()[0], ncol=len(inits), top=True)


@plots.styled
def figure_neurons(result: XORResult, steps: Sequence[int], seed_index: int = 0, learned: bool = False):
    """Every first-layer neuron projected on the two cluster means, at several recorded steps.

    Parameters
    ----------
    result : XORResult
    steps : sequence of int
        Recorded steps, one panel each (three per row).
    seed_index : int
    learned : bool
        Show what training added, ``w_j(t) - w_j(0)``, instead of the weights.

    Returns
    -------
    matplotlib.figure.Figure
    """
    steps = list(steps)
    rows = (len(steps) + 2) // 3
    fig, axes = plots.subplots(rows, 3, height=2.6 * rows + 0.3, squeeze=False)
    pos = result.out_weights > 0
    for ax, step in zip(axes.flat, steps):
        proj = result.neuron_proj[seed_index, result.index(step)]
        if learned:
            proj = proj - result.neuron_proj[seed_index, 0]
        ax.scatter(proj[pos, 0], proj[pos, 1], s=5, color=plots.COLORS["pos"], alpha=0.6, label="aⱼ > 0")
        ax.scatter(proj[~pos, 0], proj[~pos, 1], s=5, color=plots.COLORS["neg"], alpha=0.6, label="aⱼ < 0")
        lim = 1.1 * max(np.abs(proj).max(), 1e-30)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title(f"step {step}  (axes ±{lim:.1e})", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
    for ax in axes.flat[len(steps):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("⟨wⱼ, μ₂⟩ / ‖μ₂‖")
    for ax in axes[-1]:
        ax.set_xlabel("⟨wⱼ, μ₁⟩ / ‖μ₁‖")
    return plots.legends_outside(fig, handles=axes[0, 0].get_legend_handles_labels()[0], ncol=2, markerscale=3)


@plots.styled
def figure_alignment(result: XORResult):
    """Feature alignment of the learned weights and of the weights, against the step (log axis).

    Parameters
    ----------
    result : XORResult

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plots.subplots(height=3.2)
    keep = result.steps >= 1
    plots.band(ax, result.steps[keep], feature_alignment(result)[:, keep], plots.COLORS["test"],
               "learned weights wⱼ(t) − wⱼ(0)")
    plots.band(ax, result.steps[keep], feature_alignment(result, learned=False)[:, keep], plots.COLORS["pos"],
               "weights wⱼ(t), start included", ls="--")
    ax.axhline(0.5, color="gray", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(1, result.steps[-1])
    ax.set_ylim(0.4, 1.0)
    ax.set_xlabel("gradient-descent step (log scale)")
    ax.set_ylabel("feature alignment")
    ax.legend(loc="lower right")
    return plots.finish(fig)


@plots.styled
def figure_sweep(grid: XORSweep, level: float = 0.95):
    """Where the transition happens: over (signal, noise rate), the clean test accuracy at step 1
    and at the end, and the share of seeds whose step 1 fitted every training label.

    Parameters
    ----------
    grid : XORSweep
        Over ``signal`` and ``noise_rate``, in that order.
    level : float
        Cells of the end map with flipped labels (noise rate above 0) where every seed reaches this
        test accuracy while fitting every label get a star.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = [f"{s:g}" for s in grid.axes["signal"]]
    cols = [f"{r:g}" for r in grid.axes["noise_rate"]]
    flips = np.asarray(grid.axes["noise_rate"])[None, :] > 0     # no flipped label, no overfitting to call benign
    benign = ((grid.test_acc[..., -1] >= level) & (grid.train_acc[..., -1] >= 1)).all(axis=-1) & flips
    fig = plots.figure(6.4)
    g = fig.add_gridspec(2, 2)
    panels = [(fig.add_subplot(g[0, 0]), grid.test_acc[..., 1].mean(axis=-1), "test accuracy at step 1", 0.5, None),
              (fig.add_subplot(g[0, 1]), grid.test_acc[..., -1].mean(axis=-1),
               f"test accuracy at step {grid.steps[-1]}", 0.5, benign),
              (fig.add_subplot(g[1, 0]), (grid.train_acc[..., 1] >= 1).mean(axis=-1),
               "seeds with every label fitted at step 1", 0.0, None)]
    for ax, values, title, vmin, marks in panels:
        plots.heatmap(ax, values, rows, cols, vmin=vmin, vmax=1.0, marks=marks)
        ax.set_xlabel("noise rate η")
        ax.set_ylabel("signal ‖μ‖")
        ax.set_title(title)
    return plots.finish(fig)


@plots.styled
def figure_regimes(results: Sequence[XORResult], titles: Sequence[str]):
    """Accuracy curves of several runs side by side (logarithmic step axes), one row each.

    Parameters
    ----------
    results : sequence of XORResult
    titles : sequence of str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plots.subplots(len(results), 1, height=3.0 * len(results), squeeze=False)
    for ax, res, title in zip(axes[:, 0], results, titles):
        draw_accuracy(ax, res, legend=False)
        ax.set_title(title, fontsize=10)
    return plots.legends_outside(fig, handles=axes[0, 0].get_legend_handles_labels()[0], ncol=3)


@plots.styled
def figure_long_run(result: XORResult, seed_index: int = 0):
    """The long run: test accuracy and normalized margin against the step, and where the training
    points' margins end up (clean against flipped).

    Parameters
    ----------
    result : XORResult
    seed_index : int
        The seed whose final margins are shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plots.subplots(1, 2, height=3.4)
    keep = result.steps >= 1
    ax = axes[0]
    plots.band(ax, result.steps[keep], result.test_acc[:, keep], plots.COLORS["test"], "test accuracy")
    ax.set_xscale("log")
    ax.set_ylim(0.4, 1.02)
    ax.set_xlabel("step (log scale)")
    ax.set_ylabel("clean test accuracy", color=plots.COLORS["test"])
    twin = ax.twinx()
    margin = normalized_margin(result)
    twin.plot(result.steps[keep], margin[:, keep].mean(axis=0), color="black", ls="--")
    twin.set_ylabel("min yᵢ f(xᵢ) / ‖W‖  (dashed)")
    twin.grid(False)
    ax.set_title("accuracy and normalized margin")
    end = result.train_out[seed_index, -1] * result.train_labels[seed_index]
    end = end / end.min()
    flipped = result.flipped[seed_index]
    bins = np.linspace(1, np.quantile(end, 0.98), 30)
    axes[1].hist(end[~flipped], bins=bins, color=plots.COLORS["train"], alpha=0.6, label="clean labels")
    axes[1].hist(end[flipped], bins=bins, color=plots.COLORS["flipped"], alpha=0.7, label="flipped labels")
    axes[1].set_xlabel(f"yᵢ f(xᵢ) / minimum, step {result.steps[-1]}")
    axes[1].set_ylabel("training points")
    axes[1].set_title(f"final margins, seed {result.seeds[seed_index]}")
    return plots.legends_outside(fig, axes[1], ncol=2)
