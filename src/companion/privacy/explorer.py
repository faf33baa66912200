"""The privacy chapter's interactive explorer: membership inference as the dimension, the training-set
size, the width and the number of steps change."""
from __future__ import annotations

from .. import plots, widgets
from .data import gaussian_task
from .figures import draw_chance, draw_scores
from .measures import auc, membership_scores, roc_curve
from .train import train_homogeneous

__all__ = ["explore"]


def explore(seed: int = 0, device=None):
    """An interactive explorer of membership inference: input dimension, training-set size, width and
    gradient-descent steps. Each change trains one homogeneous network on :func:`gaussian_task` and
    redraws the members' and fresh points' margin scores and both ROC curves (about a second on a
    2-core CPU at the defaults). In a static page it shows its default figure.

    Parameters
    ----------
    seed : int
    device : str, torch.device or None

    Returns
    -------
    companion.widgets.Explorer
    """
    def draw(dim, n, width, steps):
        X, y, Xf, yf = gaussian_task(n, int(dim), seed)
        run = train_homogeneous(X, y, widths=(width,), steps=steps, step_size=0.5, seed=seed, record=[steps],
                                device=device)
        m_in, m_out = membership_scores(run.model, X), membership_scores(run.model, Xf)
        l_in, l_out = membership_scores(run.model, X, y, kind="loss"), membership_scores(run.model, Xf, yf, kind="loss")
        with plots.style():
            fig, axes = plots.subplots(1, 2, height=3.2)
            draw_scores(axes[0], m_in, m_out)
            axes[0].set_ylabel("count")
            axes[0].set_title(f"d = {int(dim):,}, n = {n}, training accuracy {run.train_acc[-1]:.0%}")
            axes[1].plot(*roc_curve(m_in, m_out), color=plots.COLORS["train"], lw=2,
                         label=f"margin |f|: AUC {auc(m_in, m_out):.3f}")
            axes[1].plot(*roc_curve(l_in, l_out), color=plots.COLORS["neg"], lw=1.6, ls="--",
                         label=f"loss: AUC {auc(l_in, l_out):.3f}")
            draw_chance(axes[1])
            return plots.legends_outside(fig, *axes)      # under each panel, covering no bar and no curve

    return widgets.Explorer(draw, {
        "dim": widgets.log_slider(100, 10, 3000, "input dimension d"),
        "n": widgets.int_slider(50, 10, 200, 10, "members n"),
        "width": widgets.int_slider(200, 20, 500, 20, "width"),
        "steps": widgets.int_slider(1000, 100, 4000, 100, "GD steps"),
    })
