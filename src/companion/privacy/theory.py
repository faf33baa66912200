"""The KKT conditions of the max-margin problem that gradient descent on a homogeneous network heads
for (Lyu and Li): how far a network's parameters are from a KKT point, with the multipliers fitted."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .networks import attacked_parameters, checked_inputs, checked_labels, checked_module, flat, logits

__all__ = ["KKT", "kkt_residual"]

@dataclass
class KKT:
    """How far ``theta`` is from a KKT point of the max-margin problem, on a given training set.

    Attributes
    ----------
    residual : float
        ``||theta - sum_i lambda_i y_i grad f(x_i)|| / ||theta||`` with ``lambda >= 0`` fitted by
        non-negative least squares.
    multipliers : ndarray, shape (n,)
        The fitted ``lambda``.
    margins : ndarray, shape (n,)
        ``y_i f(x_i)`` divided by the smallest of them (1 on the margin). Complementary slackness
        asks ``lambda_i = 0`` wherever this exceeds 1.
    """

    residual: float
    multipliers: np.ndarray
    margins: np.ndarray


def _per_example_gradients(model, X, theta) -> torch.Tensor:
    rows = []
    for i in range(X.shape[0]):
        g = torch.autograd.grad(logits(model, X[i:i + 1])[0], theta)
        rows.append(flat(g))
    return torch.stack(rows)                                   # (n, P)


def kkt_residual(model, X, y, params=None) -> KKT:
    """The KKT residual of ``model``'s parameters on the training set ``(X, y)``.

    Fits ``lambda >= 0`` minimizing ``||theta - sum_i lambda_i y_i grad_theta f(x_i)||`` (scipy's NNLS
    on the per-example gradients, float64) and reports the relative residual. The stationarity
    equation is homogeneous in the scale of ``theta`` for a homogeneous network, so the residual
    measures the direction.

    Parameters
    ----------
    model : torch.nn.Module
    X : array_like, shape (n, input_dim)
    y : array_like, shape (n,)
        Labels in {-1, +1}.
    params : sequence of torch.Tensor, optional
        The parameters ``theta`` (default: those with ``requires_grad``).

    Returns
    -------
    KKT
    """
    from scipy.optimize import nnls

    model = checked_module(model)
    X = checked_inputs("X", X, model)
    y = checked_labels("y", y, X)
    theta = attacked_parameters(model, params)
    J = _per_example_gradients(model, X, theta)               # (n, P)
    with torch.no_grad():
        t = flat(theta)
        A = (y[:, None] * J).T.double().cpu().numpy()          # (P, n)
        b = t.double().cpu().numpy()
        lam, res = nnls(A, b, maxiter=50 * A.shape[1])
        margins = (y * logits(model, X)).double().cpu().numpy()
    norm = float(np.linalg.norm(b))
    if norm == 0:
        raise ValueError("the parameters are all zero: the KKT residual is undefined")
    low = margins.min()
    return KKT(residual=float(res / norm), multipliers=lam,
               margins=margins / low if low > 0 else np.full_like(margins, np.nan))
