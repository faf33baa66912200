"""The privacy chapter's setting: the sizes of its experiments at each scale, and the variants of the
verified reconstruction setting (where it stops working, and the defences).

Follows Lyu and Li (ICLR 2020) for the implicit bias, Smorodinsky, Vardi, Safran (2024) for the
provable attacks, Haim et al. (NeurIPS 2022) and Buzaglo et al. (NeurIPS 2023) for reconstruction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import validate

__all__ = ["FAILURES", "DEFENCES", "Scale", "SCALES", "config_for"]

FAILURES = {
    "the verified setting": {},
    "all layers trained": dict(train_first_only=False),
    "training stopped early": dict(lbfgs_iterations=0),
    "attack without L-BFGS": dict(attack_lbfgs=0),
    "ReLU, smoothed backward": dict(activation="relu", relu_alpha=20.0),
    "Gaussian images": dict(data="gaussian"),
}
"""The chapter's variants of the verified setting, as :func:`companion.privacy.reconstruction_trial` arguments: every
layer trained with weight decay; the first layer trained by the 300 gradient-descent steps alone (no
L-BFGS, so not stationary); the attack's SGD stage alone; ReLU units with the published
``sigmoid(20 z)`` backward pass; and Gaussian "images" with no prior but the box."""


DEFENCES = {
    "weight decay": ("weight_decay", (1e-4, 1e-3, 1e-2, 1e-1), {}),
    "early stopping (L-BFGS iterations)": ("lbfgs_iterations", (0, 30, 100, 300), {}),
    "parameter noise (share of ‖θ‖)": ("perturb", (0.01, 0.05, 0.2), {}),
}
"""Each defence, as the :func:`companion.privacy.reconstruction_trial` argument it sets, the strengths tried and the
arguments it fixes (early stopping ends the training's L-BFGS stage, after its 300 gradient-descent
steps, after so many iterations, against 1,000 undefended; parameter noise, an output perturbation,
perturbs the trained parameters once before release)."""


@dataclass(frozen=True)
class Scale:
    """A named scale of the chapter: the sizes of its reconstruction in the verified setting.

    Attributes
    ----------
    reconstruction : dict
        :func:`companion.privacy.reconstruction_trial`'s ``n``, ``side`` and ``widths``.
    description : str
    """

    reconstruction: dict = field(default_factory=dict)
    description: str = ""


SCALES = {
    "book": Scale(dict(n=20, side=16, widths=(200, 200)), "20 training digits of 16x16, a 256-200-200-1 network"),
    "paper": Scale(dict(n=500, side=16, widths=(1000, 1000)),
                   "500 training digits of 16x16, a 256-1000-1000-1 network (the published experiments' number of "
                   "images and widths; meant for a GPU)"),
}
"""The chapter's scales: ``"book"`` (the default, a 2-core CPU) and ``"paper"``, whose reconstruction has
the number of training images and the widths of the published experiments (Haim et al.: 500 images,
1,000-unit layers), here on 16x16 digits and trained to a stationary point with weight decay, the
setting in which the attack is verified. The other experiments keep the sizes they state at either
scale. The thresholds of the claims were set at the book scale, and how often the reconstruction claims
hold at the paper scale has not been measured (it needs a GPU; ``python -m companion.robustness privacy
--scale paper --groups reconstruction`` measures it)."""


def config_for(scale: str) -> dict:
    """The arguments of the chapter's reconstruction trials at ``scale``.

    Parameters
    ----------
    scale : str
        One of :data:`SCALES`.

    Returns
    -------
    dict
        ``n``, ``side`` and ``widths`` for :func:`companion.privacy.reconstruction_trial`.

    Raises
    ------
    ValueError
        For any other scale.
    """
    validate.choice("scale", scale, SCALES)
    return dict(SCALES[scale].reconstruction)
