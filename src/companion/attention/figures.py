"""Every figure of the attention chapter. Each function returns a :class:`matplotlib.figure.Figure`
drawn in the book's style (:mod:`companion.plots`) and shows nothing itself."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch, Rectangle

from .. import plots
from .claims import BENIGN_TEST_MIN, HARMFUL_TEST_MAX
from .measures import attention_pattern, clean_labels, normalized_margin, v_cosine
from .theory import PATTERNS, HardAttentionMargin, margin_threshold, step_one_threshold
from .train import AttentionResult, AttentionSweep

__all__ = ["figure_steps", "figure_phase", "figure_attention_role", "figure_step_sizes", "figure_long_run",
           "figure_fates"]


@plots.styled
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
    fig, axes = plots.subplots(1, 2, height=3.4)
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
    att, flipped = result.train_attention[0, -1], result.flipped[0]
    bins = np.linspace(0, 1, 26)
    axes[1].hist(att[~flipped], bins=bins, color=plots.COLORS["train"], alpha=0.6, density=True, label="clean train")
    axes[1].hist(att[flipped], bins=bins, color=plots.COLORS["flipped"], alpha=0.7, density=True, label="flipped train")
    axes[1].hist(result.test_attention[0, -1], bins=bins, histtype="step", color=plots.COLORS["test"], lw=1.8,
                 density=True, label="test")
    axes[1].set_xlabel(f"attention on the signal token, step {result.steps[-1]}")
    axes[1].set_ylabel("density")
    if title:
        fig.suptitle(title, fontsize=10)
    return plots.legends_outside(fig, *axes)


@plots.styled
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

    fig, axes = plots.subplots(1, 3, height=4.6, sharey=True)
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
    return plots.finish(fig, rect=(0, 0.15, 1, 1))


@plots.styled
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
    snrs = role.axes["signal"] / np.sqrt(role.config.dim)
    flipped = role.flipped_train_acc
    fig, ax = plots.subplots(height=3.4, width=0.75)
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
    return plots.finish(fig)


@plots.styled
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
    rows = [f"{a:g}" for a in grid.axes["step_size_v"]]
    cols = [f"{a:g}" for a in grid.axes["step_size_p"]]
    fitted = (grid.train_acc[..., -1] >= 1).all(axis=-1)
    test = grid.test_acc[..., -1].mean(axis=-1)
    gap = (grid.attention_clean - grid.attention_flipped)[..., -1].mean(axis=-1)
    fig, axes = plots.subplots(1, 2, height=3.4)
    plots.heatmap(axes[0], test, rows, cols, vmin=0.5, vmax=1.0)
    plots.corner_marks(axes[0], ~fitted)
    axes[0].set_title(f"clean test accuracy, step {grid.steps[-1]}", fontsize=10)
    plots.heatmap(axes[1], gap, rows, cols, vmin=0.0, vmax=0.6, fmt="{:.2f}", scale=1.0, cmap="cividis")
    axes[1].set_title("attention gap, clean − flipped", fontsize=10)
    for ax in axes:
        ax.set_xlabel("step size on p")
        ax.set_ylabel("step size on v")
    return plots.finish(fig)


@plots.styled
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
    colors = [plots.COLORS["flipped"], plots.COLORS["neg"], plots.COLORS["train"]]
    fig, axes = plots.subplots(1, 3, height=3.2)
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
    # one legend for the three panels (the same runs in the same colors)
    return plots.legends_outside(fig, handles=axes[0].get_legend_handles_labels()[0], ncol=len(runs))


@plots.styled
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
    fig, axes = plots.subplots(1, 2, height=4.0)
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
    return plots.finish(fig)
