"""Every figure of the privacy chapter. Each function returns a :class:`matplotlib.figure.Figure`
drawn in the book's style (:mod:`companion.plots`) and shows nothing itself."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.transforms import Bbox

from .. import plots, validate
from .attacks import Membership, Univariate
from .data import univariate_inputs
from .measures import RECOVERED_NCC, roc_curve
from .networks import logits
from .reconstruction import Trial

__all__ = ["draw_scores", "draw_chance", "figure_implicit_bias", "figure_univariate", "figure_membership", "figure_reconstruction",
           "figure_defences"]


@plots.styled
def figure_implicit_bias(runs: dict):
    """Normalized margin (left), KKT residual (middle) and the multipliers' mass off the margin
    (right) over the steps of one or more :class:`HomogeneousRun` (recorded with ``kkt=True``), from
    the first recorded step at which the training data are separated.

    Parameters
    ----------
    runs : dict of str to HomogeneousRun
        Label -> run.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plots.subplots(1, 3, height=3.0)
    for (label, run), color in zip(runs.items(), ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")):
        keep = (run.steps >= 1) & np.isfinite(run.off_margin)   # from the first recorded step after separation
        axes[0].plot(run.steps[keep], run.normalized_margin[keep], color=color, lw=1.8, marker="o", ms=3,
                     label=label)
        axes[1].plot(run.steps[keep], run.kkt[keep], color=color, lw=1.8, marker="o", ms=3)
        axes[2].plot(run.steps[keep], run.off_margin[keep], color=color, lw=1.8, marker="o", ms=3)
    for ax, title in zip(axes, ("normalized margin", "KKT residual", "multiplier mass off the margin")):
        ax.set_xscale("log")
        ax.set_xlabel("step")
        ax.set_title(title)
    axes[1].set_ylim(0, 1.05)
    axes[2].set_ylim(-0.03, 1.03)
    # one legend for the three panels (the same runs in the same colors)
    return plots.legends_outside(fig, handles=axes[0].get_legend_handles_labels()[0], ncol=len(runs))


@plots.styled
def figure_univariate(results: Sequence[Univariate], show: int = 0):
    """Left: one trained univariate network, scaled so that its smallest training margin is 1, with
    its training points and the kinks read off it (solid green: within :data:`KINK_TOL` of a
    training point; dashed gray: not). Right: per seed, the share of the trained network's kinks at
    training points (bars) against the untrained network's, read the same way (ticks).

    Parameters
    ----------
    results : sequence of Univariate
    show : int
        Which result the left panel draws.

    Returns
    -------
    matplotlib.figure.Figure
    """
    r = results[show]
    grid = np.linspace(-1, 1, 801)
    with torch.no_grad():
        p = next(r.run.model.parameters())
        f = lambda x: logits(r.run.model, torch.as_tensor(univariate_inputs(x), dtype=p.dtype, device=p.device)).detach().cpu().numpy()
        margin = float((f(r.x) * r.y).min())
        scale = 1.0 / margin if margin > 0 else 1.0 / np.abs(f(r.x)).max()
        curve = f(grid) * scale
    fig, axes = plots.subplots(1, 2, height=3.2, gridspec_kw={"width_ratios": [1.6, 1]})
    ax = axes[0]
    for c, h in zip(r.candidates, r.hit):
        ax.axvline(c, color=plots.COLORS["benign"] if h else plots.COLORS["gray"], lw=1.4 if h else 1.0,
                   ls="-" if h else "--", alpha=0.8)
    ax.plot(grid, curve, color="black", lw=1.5)
    for label, color, marker in ((1.0, plots.COLORS["pos"], "o"), (-1.0, plots.COLORS["neg"], "s")):
        keep = r.y == label
        ax.scatter(r.x[keep], f(r.x[keep]) * scale, color=color, marker=marker, s=30, zorder=3,
                   label=f"training, y = {label:+.0f}")
    ax.axhline(1, color="gray", lw=0.8, ls=":")
    ax.axhline(-1, color="gray", lw=0.8, ls=":")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x) / smallest margin")
    ax.set_title(f"seed {show}: {int(r.hit.sum())} of {r.hit.size} kinks at training points", fontsize=10)
    ax = axes[1]
    seeds = np.arange(len(results))
    share = np.array([q.hit.mean() if q.hit.size else 0.0 for q in results])
    ax.bar(seeds, share, color=plots.COLORS["benign"], alpha=0.7, label="kinks at training points")
    ax.scatter(seeds, [q.control.mean() if q.control.size else 0.0 for q in results], color="black",
               marker="_", s=200, lw=2, zorder=3, label="untrained network")
    ax.set_ylim(0, 1.05)
    ax.set_xticks(seeds)
    ax.set_xlabel("seed")
    ax.set_ylabel("share of candidates")
    return plots.legends_outside(fig, *axes)


def draw_scores(ax, members: np.ndarray, fresh: np.ndarray) -> None:
    """Histograms of the margin scores ``|f(x)|`` of members (shape (n,)) and fresh points (shape (m,))
    on ``ax``, on shared bins; used by :func:`figure_membership` and the explorer."""
    bins = np.linspace(0, max(members.max(), fresh.max()) * 1.02, 25)
    ax.hist(members, bins=bins, alpha=0.6, color=plots.COLORS["train"], label="members")
    ax.hist(fresh, bins=bins, alpha=0.6, color=plots.COLORS["neg"], label="fresh")
    ax.set_xlabel("|f(x)|")


def draw_chance(ax) -> None:
    """The chance diagonal and the axis labels of a ROC plot on ``ax``."""
    ax.plot([0, 1], [0, 1], color="gray", lw=0.8, ls=":")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")


@plots.styled
def figure_membership(result: Membership, seed_index: int = 0):
    """Membership inference over the input dimension: the members' and fresh points' margin scores
    ``|f(x)|`` at each dimension (one seed, top row); the ROC curves of the margin score (solid) and
    of the loss baseline (dashed) at each dimension, for that seed (bottom left); and the AUC of both
    against the dimension (mean over seeds, band from the smallest to the largest seed; bottom right).

    Parameters
    ----------
    result : Membership
    seed_index : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    dims, seed = result.dims, int(result.seeds[seed_index])
    shades = plt.cm.viridis(np.linspace(0.0, 0.85, len(dims)))
    fig = plots.figure(6.4)
    grid = fig.add_gridspec(2, len(dims) * 2, height_ratios=(1.0, 1.25))
    for k, dim in enumerate(dims):
        ax = fig.add_subplot(grid[0, 2 * k:2 * k + 2])
        draw_scores(ax, *result.scores[(int(dim), seed)][:2])
        ax.set_title(f"d = {int(dim):,}")
        if k == 0:
            ax.set_ylabel("count")
            scores = ax.get_legend_handles_labels()[0]
    half = len(dims)
    ax = fig.add_subplot(grid[1, :half])
    for dim, color in zip(dims, shades):
        m_in, m_out, l_in, l_out = result.scores[(int(dim), seed)]
        ax.plot(*roc_curve(m_in, m_out), color=color, lw=2, label=f"d = {int(dim):,}")
        ax.plot(*roc_curve(l_in, l_out), color=color, lw=1.4, ls="--")
    draw_chance(ax)
    ax.set_title(f"ROC, seed {seed} (dashed: loss)")
    ax.legend(fontsize=9, loc="lower right")
    ax = fig.add_subplot(grid[1, half:])
    for values, color, label in ((result.auc_margin, plots.COLORS["train"], "margin |f(x)|"),
                                 (result.auc_loss, plots.COLORS["neg"], "loss baseline")):
        ax.plot(dims, values.mean(axis=1), color=color, lw=2, marker="o", label=label)
        ax.fill_between(dims, values.min(axis=1), values.max(axis=1), color=color, alpha=0.2, lw=0)
    ax.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("input dimension d")
    ax.set_ylabel("AUC")
    ax.set_ylim(0.4, 1.02)
    ax.legend(fontsize=9, loc="lower right")
    # the histograms' legend above the row it labels
    return plots.legends_outside(fig, handles=scores, ncol=2, top=True)


@plots.styled
def figure_reconstruction(trial: Trial, count: int = 10):
    """Training images (top row) above their best-matching candidates (bottom row), with the NCC of
    each pair; the pairs shown are the first ``count`` training images, alternating odd and even.

    Parameters
    ----------
    trial : Trial
    count : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    count = min(validate.integer("count", count, 1), len(trial.scores))
    side = trial.data.side
    images = (trial.data.X + trial.data.mean).cpu().numpy()
    candidates = (trial.candidates + trial.data.mean).cpu().numpy()
    y = trial.data.y.cpu().numpy()
    pos, neg = np.flatnonzero(y > 0), np.flatnonzero(y < 0)
    order = [i for pair in zip(pos, neg) for i in pair] + list(pos[len(neg):]) + list(neg[len(pos):])
    fig, axes = plots.subplots(2, count, height=1.9, squeeze=False)
    for j, i in enumerate(order[:count]):
        for row, picture in ((0, images[i]), (1, candidates[trial.matches[i]])):
            ax = axes[row, j]
            ax.imshow(picture.reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        color = "black" if trial.scores[i] >= RECOVERED_NCC else plots.COLORS["flipped"]
        axes[1, j].set_title(f"{trial.scores[i]:.2f}", fontsize=9, color=color, y=-0.35)
    axes[0, 0].set_ylabel("train", fontsize=9)
    axes[1, 0].set_ylabel("found", fontsize=9)
    return plots.finish(fig, h_pad=0.2, w_pad=0.2)


@plots.styled
def figure_defences(results: dict, undefended: Sequence | None = None):
    """The price of each defence: training images recovered (x) against test accuracy (y), one line
    per defence through its strengths (mean over seeds), each point labelled by its strength.

    Parameters
    ----------
    results : dict
        :func:`defences`'s result.
    undefended : list of Trial, optional
        The verified setting without a defence, drawn as a star.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = list(dict.fromkeys(name for name, _ in results))
    fig, ax = plots.subplots(height=3.8)
    notes = []
    for name, color, marker in zip(names, ("#1f77b4", "#d62728", "#2ca02c", "#9467bd"), "osD^"):
        keys = [k for k in results if k[0] == name]
        xs = [np.mean([t.recovered / len(t.scores) for t in results[k]]) for k in keys]
        ys = [np.mean([t.test_acc for t in results[k]]) for k in keys]
        ax.plot(xs, ys, color=color, marker=marker, ms=7, lw=1.6, label=name)
        notes += [(f"{value:g}", x, y, color) for (_, value), x, y in zip(keys, xs, ys)]
    if undefended:
        ax.plot([np.mean([t.recovered / len(t.scores) for t in undefended])],
                [np.mean([t.test_acc for t in undefended])], marker="*", ms=14, color="black", ls="none",
                label="no defence (weight decay 1e-3)")
    ax.set_xlabel(f"share of training images recovered (NCC ≥ {RECOVERED_NCC:g})")
    ax.set_ylabel("test accuracy")
    ax.set_xlim(-0.05, 1.05)
    fig = plots.legends_outside(fig, handles=ax.get_legend_handles_labels()[0], ncol=2)
    _label_points(ax, notes)      # once the panel has its final size
    return fig


def _label_points(ax, notes) -> None:
    """Write each note ``(text, x, y, color)`` beside its point, inside the panel, at the first of a few
    places around it that overlaps no marker, no note already written and no line; failing that, no
    marker and no note (the points of the defences meet near the undefended one); failing that, at
    the first place."""
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = []                                                    # display boxes of markers and notes
    lines = [line.get_transform().transform_path(line.get_path()) for line in ax.lines
             if line.get_linestyle() not in ("None", "none", "")]
    for line in ax.lines:
        if line.get_marker() not in (None, "None", "", " "):
            size = line.get_markersize() * ax.figure.dpi / 72
            for px, py in ax.transData.transform(np.column_stack(line.get_data())):
                taken.append(Bbox.from_bounds(px - size / 2, py - size / 2, size, size))
    places = [((6, 4), "left", "bottom"), ((6, -4), "left", "top"), ((-6, 4), "right", "bottom"),
              ((-6, -4), "right", "top"), ((0, 9), "center", "bottom"), ((0, -9), "center", "top"),
              ((6, 16), "left", "bottom"), ((6, -16), "left", "top"), ((-6, 16), "right", "bottom"),
              ((-6, -16), "right", "top")]
    for text, x, y, color in notes:
        boxes = []
        for offset, ha, va in places:
            note = ax.annotate(text, (x, y), textcoords="offset points", xytext=offset, ha=ha, va=va, fontsize=9,
                               color=color)
            boxes.append(note.get_window_extent(renderer))
            note.remove()
        inside = [frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes]
        free = [ok and not any(b.overlaps(other) for other in taken) for b, ok in zip(boxes, inside)]
        clear = [ok and not any(path.intersects_bbox(b, filled=False) for path in lines) for b, ok in zip(boxes, free)]
        k = clear.index(True) if any(clear) else free.index(True) if any(free) else 0
        offset, ha, va = places[k]
        ax.annotate(text, (x, y), textcoords="offset points", xytext=offset, ha=ha, va=va, fontsize=9, color=color)
        taken.append(boxes[k])
