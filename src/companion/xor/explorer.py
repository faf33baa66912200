"""The XOR chapter's interactive explorer: sliders in the dynamics' natural units, from the explorer's
size up to the theorem's dimensions."""
from __future__ import annotations

import torch

from .. import widgets
from .figures import accuracy_curves
from .setting import EXPLORER, XORConfig, from_natural_units, natural_units, theory_conditions
from .train import train

__all__ = ["explore"]


def explore(cfg: XORConfig = EXPLORER, seed: int = 0, device: str | torch.device | None = None):
    """An interactive explorer in the dynamics' natural units, from the explorer's size up to the
    theorem's dimensions.

    Sliders: the noise rate, the dimension ``p`` (10^3 to 10^18), and the three
    :func:`natural_units` (``||mu||^2 / sqrt(p)``, ``alpha p / n`` and the laziness
    ``2 omega sqrt(n m) / alpha``), which keep their meaning across dimensions; and the number of
    steps. Each change reruns :func:`train` on one
    seed at the explorer's size and redraws the accuracy curves; the title gives the raw values and
    the theorem's two ratios (:func:`theory_conditions`). In a static page (the built book) the
    explorer shows its default figure.

    Parameters
    ----------
    cfg : XORConfig
        Starting values of the sliders, and the fixed sizes (n, width, n_test).
    seed : int
    device : str, torch.device or None

    Returns
    -------
    companion.widgets.Explorer
    """
    start = natural_units(cfg)

    def draw(noise_rate, dim, snr, step, laziness, steps):
        run_cfg = from_natural_units(cfg.replace(noise_rate=noise_rate, steps=steps), int(round(dim)), snr, step,
                                     laziness)
        run = train(run_cfg, seeds=[seed], device=device, progress=False)
        ratios = theory_conditions(run_cfg)
        title = (f"p = {run_cfg.dim:.2g}, ‖μ‖ = {run_cfg.signal:.3g}, α = {run_cfg.step_size:.2g}, "
                 f"ω = {run_cfg.init_scale:.2g}, η = {noise_rate:g}\n"
                 f"theorem's ratios: dimension {ratios['dimension']:.2g}, signal {ratios['signal']:.2g} "
                 "(both ≫ 1 inside its conditions)")
        return accuracy_curves(run, title=title)

    return widgets.Explorer(draw, {
        "noise_rate": widgets.slider(cfg.noise_rate, 0.0, 0.4, 0.05, "noise rate η"),
        "dim": widgets.log_slider(cfg.dim, 1e3, 1e18, "dimension p", step=0.5),
        "snr": widgets.log_slider(start["snr"], 0.3, 3e3, "‖μ‖²/√p"),
        "step": widgets.log_slider(start["step"], 0.03, 100.0, "α p / n"),
        "laziness": widgets.log_slider(start["laziness"], 1e-3, 300.0, "2ω√(nm) / α"),
        "steps": widgets.int_slider(cfg.steps, 10, 2000, 10, "steps"),
    })
