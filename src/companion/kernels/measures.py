"""What the kernels chapter measures on its runs, beyond the risks themselves: the risk at one sample
size, per seed. (The risks, their medians and excesses over the Bayes risk are methods of
:class:`companion.kernels.RiskCurves`; the interpolants' errors, of :class:`companion.kernels.Interpolant`.)"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:                # for the annotations only
    from .train import RiskCurves

__all__ = ["risk_at"]


def risk_at(curves: RiskCurves, n: int) -> np.ndarray:
    """Each seed's test risk at sample size ``n`` (first noise level, mean over the label draws).

    Parameters
    ----------
    curves : RiskCurves
    n : int
        One of ``curves.ns``.

    Returns
    -------
    ndarray, shape (S,)
    """
    ns = [int(m) for m in curves.config.ns]
    if n not in ns:
        raise ValueError(f"n must be one of the curves' sample sizes {ns}; got {n!r}")
    return curves.risk[:, 0, ns.index(n)].mean(axis=1)
