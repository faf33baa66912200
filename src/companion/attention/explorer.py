"""The attention chapter's interactive explorer."""
from __future__ import annotations

import numpy as np
import torch

from .. import widgets
from .figures import figure_steps
from .setting import EXPLORER, AttentionConfig, snr
from .train import train

__all__ = ["explore"]


def explore(cfg: AttentionConfig = EXPLORER, seed: int = 0, device: str | torch.device | None = None):
    """An interactive explorer: sliders for the SNR, n, the noise rate, the two step sizes and the
    number of steps. Each change reruns :func:`train` on one seed and redraws the accuracies and the
    attention (:func:`figure_steps`). In a static page the explorer shows its default figure.

    Parameters
    ----------
    cfg : AttentionConfig
        Starting values, and the fixed sizes (dim, n_test).
    seed : int
    device : str, torch.device or None

    Returns
    -------
    companion.widgets.Explorer
    """
    def draw(snr_value, n, noise_rate, step_size_v, step_size_p, steps):
        run_cfg = cfg.replace(signal=float(snr_value * np.sqrt(cfg.dim)), n=int(n), noise_rate=noise_rate,
                              step_size_v=step_size_v, step_size_p=step_size_p, steps=int(steps))
        return figure_steps(train(run_cfg, seeds=[seed], device=device, progress=False),
                            title=f"SNR {snr_value:.3g}, n = {n}, η = {noise_rate:g}, α_v = {step_size_v:.3g}, "
                                  f"α_p = {step_size_p:.3g}")

    return widgets.Explorer(draw, {
        "snr_value": widgets.log_slider(snr(cfg), 0.01, 1.0, "SNR ρ/√d"),
        "n": widgets.int_slider(cfg.n, 10, 200, 10, "n"),
        "noise_rate": widgets.slider(cfg.noise_rate, 0.0, 0.4, 0.05, "noise rate η"),
        "step_size_v": widgets.log_slider(cfg.step_size_v, 1e-3, 1.0, "step on v"),
        "step_size_p": widgets.log_slider(cfg.step_size_p, 1e-3, 3.0, "step on p"),
        "steps": widgets.int_slider(cfg.steps, 1, 50, 1, "steps"),
    })
