"""The kernels chapter's interactive explorer."""
from __future__ import annotations

import warnings

import numpy as np
import torch

from .. import plots, widgets
from .figures import figure_risk_curves
from .setting import KINDS, CurveConfig
from .solve import SolveFailed, UntrustworthySolve
from .theory import predicted_curve
from .train import risk_curves

__all__ = ["explore"]


@plots.styled
def _no_solve(message: str):
    """A figure that says why there is no curve to draw (the explorer's answer to a failed solve)."""
    fig, ax = plots.subplots(height=3.0)
    ax.axis("off")
    ax.text(0.5, 0.5, "No trustworthy solve:\n" + message.split(": ", 1)[1][:160] + " ...", ha="center",
            va="center", wrap=True)
    return fig


def explore(seed: int = 0, device: str | torch.device | None = None):
    """An interactive explorer: kernel, bandwidth, ridge, noise and the largest n. Each change reruns
    :func:`risk_curves` (one seed, two label draws, 1,000 test points) and redraws the risk against
    n with the eigenlearning estimate. In a static page it shows its default figure.

    Parameters
    ----------
    seed : int
    device : str, torch.device or None

    Returns
    -------
    companion.widgets.Explorer
    """
    def draw(kind, bandwidth, ridgeless, log_ridge, noise, n_max):
        ns = tuple(int(n) for n in np.unique(np.geomspace(50, n_max, 7).astype(int)))
        cfg = CurveConfig(kind=kind, bandwidth=bandwidth, ridge=0.0 if ridgeless else 10.0 ** log_ridge, ns=ns,
                          noise=(noise,), label_draws=2, n_test=1000)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UntrustworthySolve)     # drawn as hollow markers instead
                curves = risk_curves(cfg, [seed], device, progress=False)
            return figure_risk_curves({cfg.label(): curves}, predictions={cfg.label(): predicted_curve(cfg)},
                                      title=f"{cfg.label()}, bandwidth {bandwidth:.3g}, σ² = {noise:g}")
        except SolveFailed as error:
            return _no_solve(str(error))

    return widgets.Explorer(draw, {
        "kind": widgets.dropdown(KINDS, "laplace", "kernel"),
        "bandwidth": widgets.log_slider(1.0, 0.1, 3.0, "bandwidth b"),
        "ridgeless": widgets.checkbox(True, "ridgeless (ridge 0)"),
        "log_ridge": widgets.slider(-1.0, -6.0, 1.0, 0.5, "log10 ridge"),
        "noise": widgets.slider(1.0, 0.0, 4.0, 0.25, "noise σ²"),
        "n_max": widgets.int_slider(1000, 200, 2000, 100, "largest n"),
    })
