"""The book's figure style, its one figure helper, and the drawing pieces the chapters share.

Every figure function returns a :class:`matplotlib.figure.Figure` and shows nothing itself; the
notebook cell that calls it displays it. A chapter's figure function is written as::

    @plots.styled                                    # the book's style while it draws
    def figure_something(result):
        fig, axes = plots.subplots(1, 2, height=3.4)  # panels at the book's width
        ...
        return plots.finish(fig)                      # the layout, then the figure

The book's style (:data:`STYLE`) is applied through :func:`style` (a ``matplotlib.rc_context``);
importing this module changes no global setting. A notebook cell that draws its own figure uses
``with plots.style(): ...``.

Figures are sized for the book's text column (about 7.5 inches wide at 100 dpi) with 11-point
text, so that no text shrinks below about 9 points on the page; panels that would be narrower than
about 3 inches go on a new row instead.
"""
from __future__ import annotations

import contextlib
import functools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["STYLE", "COLORS", "WIDTH", "style", "styled", "subplots", "figure", "finish", "band", "heatmap",
           "corner_marks", "legends_outside"]

STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 11, "axes.titlesize": 11,
    "axes.labelsize": 11, "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
}
"""The book's matplotlib settings, applied inside :func:`style`."""

WIDTH = 7.5
"""The width in inches of a figure that spans the text column."""

COLORS = {"train": "#1f77b4", "flipped": "#d62728", "test": "#2ca02c", "pos": "#9467bd", "neg": "#ff7f0e",
          "harmful": "#d62728", "benign": "#2ca02c", "gray": "#7f7f7f"}


@contextlib.contextmanager
def style():
    """A context in which figures are drawn in the book's style (and nothing outside it changes).

    One setting survives the context: matplotlib's interactive flag. In Jupyter the inline backend
    is activated by the first figure a kernel draws, and the activation turns interactive mode on;
    if that happens inside ``rc_context``, leaving it would turn the flag back off and no later
    figure of the notebook would be displayed.
    """
    interactive = matplotlib.is_interactive()
    try:
        with plt.rc_context(STYLE):
            try:
                yield
            finally:
                interactive = matplotlib.is_interactive()
    finally:
        matplotlib.interactive(interactive)


def styled(draw):
    """Decorator: run a figure function inside :func:`style`."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with style():
            return draw(*args, **kwargs)
    return wrapper


def subplots(rows: int = 1, cols: int = 1, height: float = 3.4, width: float = 1.0, **kwargs):
    """``plt.subplots`` for a figure ``width`` times the book's text column wide (:data:`WIDTH`).

    Parameters
    ----------
    rows, cols : int
    height : float
        In inches.
    width : float
        A share of the column (1: the whole width).
    **kwargs
        Passed to :func:`matplotlib.pyplot.subplots` (``squeeze``, ``sharey``, ``gridspec_kw``, ...).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes or ndarray of them
    """
    return plt.subplots(rows, cols, figsize=(WIDTH * width, height), **kwargs)


def figure(height: float, width: float = 1.0):
    """An empty figure ``width`` times the book's column wide, for layouts built with ``add_gridspec``.

    Parameters
    ----------
    height : float
        In inches.
    width : float
        A share of the column.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return plt.figure(figsize=(WIDTH * width, height))


def finish(fig, **layout):
    """Lay the figure out (``tight_layout`` with ``layout``'s arguments) and return it."""
    fig.tight_layout(**layout)
    return fig


def legends_outside(fig, *axes, handles=None, ncol=1, top=False, markerscale=1.0, **layout):
    """Lay ``fig`` out (:func:`finish`) with its legends outside every panel, where they cover
    no data and no label, and return it: one legend under each of ``axes`` (panels of one row), of
    that panel's labelled artists and centered on it; or, given ``handles``, one legend of them for
    the whole figure, under it (above it with ``top``). The figure grows by the tallest legend's
    height, so the panels keep their size."""
    where = "upper center" if top else "lower center"
    style = dict(loc=where, ncol=ncol, fontsize=9, frameon=False, markerscale=markerscale)
    if handles is not None:
        pairs = [(None, fig.legend(handles=handles, bbox_to_anchor=(0.5, 1.0 if top else 0.0), **style))]
    else:
        pairs = [(ax, fig.legend(*ax.get_legend_handles_labels(), bbox_to_anchor=(0.5, 0.0), **style))
                 for ax in axes]
    renderer = fig.canvas.get_renderer()
    room = max(legend.get_window_extent(renderer).height for _, legend in pairs) / fig.dpi + 0.05   # inches
    fig.set_figheight(fig.get_figheight() + room)
    share = room / fig.get_figheight()
    finish(fig, rect=(0, 0, 1, 1 - share) if top else (0, share, 1, 1), **layout)
    for ax, legend in pairs:
        if ax is not None:   # centered under its own panel, now that the panels have their places
            box = ax.get_position()
            legend.set_bbox_to_anchor((box.x0 + box.width / 2, 0.0), transform=fig.transFigure)
    return fig


def band(ax, steps, values, color, label, lw=1.8, ls="-", marker=None):
    """Mean over seeds (axis 0) as a line (with ``marker`` at each step, for short runs), minimum to
    maximum over seeds as a band."""
    values = np.asarray(values)
    ax.plot(steps, values.mean(axis=0), color=color, label=label, lw=lw, ls=ls, marker=marker)
    if values.shape[0] > 1:
        ax.fill_between(steps, values.min(axis=0), values.max(axis=0), color=color, alpha=0.2, lw=0)


def heatmap(ax, values, row_labels, col_labels, vmin=0.5, vmax=1.0, fmt="{:.0f}", scale=100.0, marks=None,
            cmap="viridis", colorbar_label=None, text=None, colorbar=True):
    """A heat map with the value written in every cell (legible: 10-point numbers).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values : ndarray, shape (rows, cols)
        NaN cells are drawn gray and labelled "–".
    row_labels, col_labels : sequence of str
    vmin, vmax : float
        Color range.
    fmt : str
        Format of the number written in a cell (applied to ``scale * value``).
    scale : float
    marks : ndarray of bool, shape (rows, cols), optional
        Cells that get a star after their number.
    cmap : str
    colorbar_label : str, optional
    text : ndarray of str, shape (rows, cols), optional
        What to write in each cell instead of the formatted value.
    colorbar : bool
        Draw a color bar beside the map (leave it off on all but one of several maps that share a
        color range).

    Returns
    -------
    matplotlib.image.AxesImage
    """
    values = np.asarray(values, dtype=float)
    cm = plt.get_cmap(cmap).with_extremes(bad="#cccccc")
    im = ax.imshow(np.ma.masked_invalid(values), vmin=vmin, vmax=vmax, cmap=cm, origin="lower", aspect="auto")
    norm = plt.Normalize(vmin, vmax)

    def ink(v):       # black on light cells, white on dark ones, by the cell's luminance
        if not np.isfinite(v):
            return "black"
        r, g, b, _ = cm(norm(v))
        return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"

    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            label = "–" if not np.isfinite(v) else fmt.format(scale * v) + ("★" if marks is not None and marks[i, j]
                                                                             else "")
            ax.text(j, i, label if text is None else text[i][j], ha="center", va="center", fontsize=10, color=ink(v))
    ax.set_xticks(range(values.shape[1]), col_labels)
    ax.set_yticks(range(values.shape[0]), row_labels)
    ax.grid(False)
    if colorbar:
        cbar = ax.figure.colorbar(im, ax=ax, fraction=0.05)
        if colorbar_label:
            cbar.set_label(colorbar_label)
    return im


def corner_marks(ax, cells, symbol="×", color="#d62728"):
    """A small ``symbol`` in the upper right corner of every cell of a :func:`heatmap` where
    ``cells`` (bool, shape (rows, cols)) is True: a mark that leaves the cell's number legible."""
    for i, j in zip(*np.nonzero(np.asarray(cells))):
        ax.text(j + 0.38, i + 0.36, symbol, ha="right", va="top", fontsize=9, fontweight="bold", color=color)
