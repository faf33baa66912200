"""What the kernels chapter derives: the kernels' spectra on the sphere (Funk-Hecke, and the Gaussian
kernel's closed form) and the eigenlearning risk estimate built on them."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .. import validate
from .setting import CurveConfig, check_kind

__all__ = ["multiplicity", "Spectrum", "sphere_spectrum", "gaussian_spectrum_closed_form", "target_power",
           "Eigenlearning", "eigenlearning", "eigenlearning_risk", "predicted_curve", "gaussian_prediction"]

def multiplicity(dim: int, degree) -> np.ndarray:
    """Number of linearly independent spherical harmonics of each degree on ``S^(dim-1)``.

    ``N(dim, 0) = 1`` and ``N(dim, l) = (2l + dim - 2) / l * C(l + dim - 3, l - 1)``.

    Parameters
    ----------
    dim : int
        >= 2.
    degree : int or array of int
        >= 0.

    Returns
    -------
    ndarray of float, shape like ``degree``
    """
    dim = validate.integer("dim", dim, 2)
    deg = np.asarray(degree)
    if deg.size and (deg.min() < 0 or not np.issubdtype(deg.dtype, np.integer)):
        raise ValueError(f"degree must be integers >= 0; got {degree!r}")
    from scipy.special import gammaln

    l = deg.astype(float)
    out = np.ones_like(l)
    pos = l > 0
    lp = l[pos]
    if dim == 2:
        out[pos] = 2.0
    else:
        out[pos] = (2 * lp + dim - 2) / lp * np.exp(gammaln(lp + dim - 2) - gammaln(lp) - gammaln(dim - 1))
    return np.rint(out)


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues of a dot-product kernel's integral operator on ``S^(dim-1)`` (uniform measure),
    one per degree.

    Attributes
    ----------
    eigenvalues : ndarray, shape (L + 1,)
        ``lambda_l`` for degrees ``0..L``; each is shared by the ``multiplicities[l]`` harmonics of
        degree ``l``.
    multiplicities : ndarray, shape (L + 1,)
    tail_trace : float
        ``k(x, x) - sum_l N_l lambda_l``: the total of the eigenvalues beyond degree ``L`` (the trace of
        the operator is ``k(x, x)``).
    dim : int
    """

    eigenvalues: np.ndarray
    multiplicities: np.ndarray
    tail_trace: float
    dim: int

    def flat(self, count: int) -> np.ndarray:
        """The first ``count`` eigenvalues with multiplicity, sorted in decreasing order, shape (count,)."""
        vals = np.repeat(self.eigenvalues, self.multiplicities.astype(int))
        return np.sort(vals)[::-1][:count]


def _profile(kind: str, bandwidth: float, theta: np.ndarray) -> np.ndarray:
    """``k(x, z)`` for unit vectors at angle ``theta``, smooth in ``theta`` on ``[0, pi]``."""
    if kind == "gaussian":        # ||x - z||^2 = 2 - 2 cos(theta)
        return np.exp(-(1 - np.cos(theta)) / bandwidth ** 2)
    if kind == "laplace":         # ||x - z|| = 2 sin(theta / 2), analytic in theta (unlike in cos theta)
        return np.exp(-2 * np.sin(theta / 2) / bandwidth)
    u = np.cos(theta)
    return (2 * u * (np.pi - theta) + np.sin(theta)) / (np.pi * bandwidth ** 2)


def sphere_spectrum(kind: str, bandwidth: float, dim: int, max_degree: int, nodes: int | None = None,
                    method: str = "auto") -> Spectrum:
    """The kernel's eigenvalues on ``S^(dim-1)`` by the Funk-Hecke formula.

    ``lambda_l = c_dim * int_0^pi k(theta) P_l(cos theta) sin(theta)^(dim-2) d theta`` with
    ``c_dim = Gamma(dim/2) / (sqrt(pi) Gamma((dim-1)/2))`` and ``P_l`` the Legendre (Gegenbauer)
    polynomial of dimension ``dim`` normalized to ``P_l(1) = 1`` (three-term recurrence). The
    quadrature is over the angle, where all three kernels are analytic, with Gauss-Legendre nodes.
    Its rounding error is about ``nodes * 2.2e-16 * c_dim * int |k| sin^(dim-2)``; eigenvalues below
    that floor are set to 0 (the ReLU NTK's odd degrees >= 3 are exactly 0). For the Gaussian kernel
    ``method="auto"`` uses the closed form (:func:`gaussian_spectrum_closed_form`), whose
    eigenvalues stay accurate far below the quadrature's floor.

    Parameters
    ----------
    kind : {"gaussian", "laplace", "relu_ntk"}
    bandwidth : float
    dim : int
        >= 3.
    max_degree : int
        Highest degree ``L`` (>= 1).
    nodes : int, optional
        Quadrature nodes (default ``4 (L + dim) + 400``).
    method : {"auto", "quadrature"}
        ``"quadrature"`` forces the quadrature for the Gaussian kernel too (used to test it).

    Returns
    -------
    Spectrum
    """
    bandwidth = check_kind(kind, bandwidth)
    dim = validate.integer("dim", dim, 3)
    L = validate.integer("max_degree", max_degree, 1)
    nodes = validate.integer("nodes", nodes if nodes is not None else 4 * (L + dim) + 400, L + 1)
    validate.choice("method", method, ("auto", "quadrature"))
    from scipy.special import gammaln

    mult = multiplicity(dim, np.arange(L + 1))
    trace = float(_profile(kind, bandwidth, np.array([0.0]))[0])
    if kind == "gaussian" and method == "auto":
        lam = gaussian_spectrum_closed_form(bandwidth, dim, L)
        return Spectrum(lam, mult, max(trace - float((mult * lam).sum()), 0.0), dim)
    x, w = np.polynomial.legendre.leggauss(nodes)
    theta, w = np.pi * (x + 1) / 2, w * np.pi / 2
    t = np.cos(theta)
    weight = w * _profile(kind, bandwidth, theta) * np.sin(theta) ** (dim - 2)
    c = math.exp(gammaln(dim / 2) - gammaln((dim - 1) / 2)) / math.sqrt(math.pi)
    lam = np.empty(L + 1)
    p_prev, p = np.ones_like(t), t.copy()
    lam[0] = c * weight.sum()
    lam[1] = c * (weight * p).sum()
    for l in range(1, L):
        p_prev, p = p, ((2 * l + dim - 2) * t * p - l * p_prev) / (l + dim - 2)
        lam[l + 1] = c * (weight * p).sum()
    floor = nodes * np.finfo(float).eps * c * float(np.abs(weight).sum())
    lam[np.abs(lam) <= floor] = 0.0
    if (lam < 0).any():
        raise ArithmeticError(f"sphere_spectrum: the {kind} kernel has negative eigenvalues above the quadrature's "
                              f"rounding floor {floor:.1e}: {lam[lam < 0][:3]}")
    return Spectrum(lam, mult, max(trace - float((mult * lam).sum()), 0.0), dim)


def gaussian_spectrum_closed_form(bandwidth: float, dim: int, max_degree: int) -> np.ndarray:
    """The Gaussian kernel's eigenvalues on ``S^(dim-1)`` in closed form, for checking the quadrature.

    On the sphere ``exp(-||x - z||^2 / (2 b^2)) = exp(-s) exp(s <x, z>)`` with ``s = 1 / b^2``, and
    ``lambda_l = Gamma(dim/2) (2/s)^(dim/2 - 1) I_(l + dim/2 - 1)(s) exp(-s)`` (modified Bessel ``I``).

    Parameters
    ----------
    bandwidth : float
    dim : int
    max_degree : int

    Returns
    -------
    ndarray, shape (max_degree + 1,)
    """
    bandwidth = validate.positive("bandwidth", bandwidth)
    dim = validate.integer("dim", dim, 2)
    L = validate.integer("max_degree", max_degree, 0)
    from scipy.special import gammaln, ive

    s = 1.0 / bandwidth ** 2
    l = np.arange(L + 1)
    return np.exp(gammaln(dim / 2) + (dim / 2 - 1) * np.log(2 / s)) * ive(l + dim / 2 - 1, s)


def target_power(spectrum: Spectrum) -> np.ndarray:
    """The chapter's target ``sqrt(dim) x_1`` in the spectrum's degrees: its squared norm per degree.

    The target is a degree-1 harmonic with ``E[f*^2] = 1``, so the power is 1 at degree 1 and 0 elsewhere.

    Parameters
    ----------
    spectrum : Spectrum

    Returns
    -------
    ndarray, shape (L + 1,)
    """
    power = np.zeros_like(spectrum.eigenvalues)
    power[1] = 1.0
    return power


@dataclass(frozen=True)
class Eigenlearning:
    """The eigenlearning (omniscient) risk estimate of kernel ridge regression.

    Attributes
    ----------
    kappa : float
        The effective regularization, solving ``sum_i lambda_i / (lambda_i + kappa) + ridge / kappa = n``.
    learnability : ndarray, shape (M,)
        ``L_i = lambda_i / (lambda_i + kappa)``.
    e0 : float
        The overfitting coefficient ``n / (n - sum_i L_i^2)``.
    test_mse : float
        ``e0 * (sum_i (1 - L_i)^2 v_i^2 + sigma^2)``: the predicted MSE on noisy test labels.
    train_mse : float
        ``(ridge / (n kappa))^2 * test_mse``.
    bias : float
        ``e0 * sum_i (1 - L_i)^2 v_i^2`` (the part of ``test_mse`` that is not noise).
    """

    kappa: float
    learnability: np.ndarray
    e0: float
    test_mse: float
    train_mse: float
    bias: float


def eigenlearning(eigenvalues, target_coeffs, ridge: float, noise: float, n: int, multiplicities=None,
                  tail_trace: float = 0.0) -> Eigenlearning:
    """The eigenlearning risk estimate (Simon et al.; the theory Mallinar et al. use).

    ``E0 = n / (n - sum L_i^2)`` is computed as ``n / ((ridge + tail) / kappa + sum L_i (1 - L_i))``
    (the same number, by the equation for ``kappa``), with ``1 - L_i = kappa / (lambda_i + kappa)``:
    every term is positive and none squares ``kappa``, which underflows on fast-decaying spectra at
    large n (``lambda_i kappa / (lambda_i + kappa)^2`` is 0/0 there). Computing ``n - sum L_i^2``
    as it stands would also do: it loses only about ``1e-16 E0`` of relative precision.

    Parameters
    ----------
    eigenvalues : array, shape (M,)
        ``lambda_i >= 0`` of the kernel operator (any order).
    target_coeffs : array, shape (M,)
        ``v_i``: with ``multiplicities``, ``v_i^2`` is the target's squared norm in the whole
        eigenspace ``i`` (so ``sum_i v_i^2 = E[f*^2]`` if the target lies in the listed spaces).
    ridge : float
        ``>= 0`` (the ``lambda`` of ``(K + lambda I) c = y``).
    noise : float
        ``sigma^2 >= 0``.
    n : int
        Training-set size (>= 1).
    multiplicities : array, shape (M,), optional
        How many eigenfunctions share each eigenvalue (default 1).
    tail_trace : float
        The total of eigenvalues not listed, all assumed much smaller than ``kappa`` (they then act
        like extra ridge). :func:`sphere_spectrum` returns it.

    Returns
    -------
    Eigenlearning

    Raises
    ------
    ValueError
        On bad input; when ``ridge = tail_trace = 0`` and there are at most ``n`` modes (no
        interpolating solution of the equation); or when the smallest listed eigenvalue is not
        small (``> 1e-3 kappa``) although ``tail_trace > 0``: the spectrum was truncated too early.
    """
    lam = validate.vector("eigenvalues", eigenvalues)
    if (lam < 0).any():
        raise ValueError("eigenvalues must be >= 0")
    v2 = validate.vector("target_coeffs", target_coeffs, lam.size, per="eigenvalue") ** 2
    m = np.ones_like(lam) if multiplicities is None else validate.vector("multiplicities", multiplicities, lam.size, per="eigenvalue")
    if (m < 0).any():
        raise ValueError("multiplicities must be >= 0")
    ridge = validate.positive("ridge", ridge, allow_zero=True)
    noise = validate.positive("noise", noise, allow_zero=True)
    n = validate.integer("n", n, 1)
    tail = validate.positive("tail_trace", tail_trace, allow_zero=True)
    extra = ridge + tail
    modes = float(m[lam > 0].sum())
    if extra == 0 and modes <= n:
        raise ValueError(f"with ridge = 0 and no tail the spectrum must have more than n = {n} modes; it has "
                         f"{modes:g}")

    def excess(log_k):                 # sum L + extra / kappa - n, decreasing in kappa
        k = math.exp(log_k)
        return float((m * lam / (lam + k)).sum()) + extra / k - n

    hi = math.log((float((m * lam).sum()) + extra) / n) + 1.0
    lo = hi - 10.0
    while excess(lo) <= 0:
        lo -= 10.0
        if lo < -745:
            raise ValueError(f"no kappa > 1e-323 solves the eigenlearning equation at n = {n}")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if excess(mid) > 0:
            lo = mid
        else:
            hi = mid
    kappa = math.exp(0.5 * (lo + hi))
    if tail > 0 and lam[m > 0].min() > 1e-3 * kappa:
        raise ValueError(f"the spectrum is truncated too early for n = {n}: its smallest eigenvalue "
                         f"{lam[m > 0].min():.3g} is not small next to kappa = {kappa:.3g}; list more degrees")
    L = lam / (lam + kappa)
    e0 = n / (extra / kappa + float((m * L * (kappa / (lam + kappa))).sum()))
    bias = e0 * float(((1 - L) ** 2 * v2).sum())
    test = bias + e0 * noise
    return Eigenlearning(kappa, L, e0, test, (ridge / (n * kappa)) ** 2 * test, bias)


def eigenlearning_risk(eigenvalues, target_coeffs, ridge: float, noise: float, n: int, multiplicities=None,
                       tail_trace: float = 0.0) -> float:
    """The predicted test MSE on noisy test labels (:func:`eigenlearning`'s ``test_mse``).

    Parameters
    ----------
    eigenvalues, target_coeffs, ridge, noise, n, multiplicities, tail_trace
        As for :func:`eigenlearning`.

    Returns
    -------
    float
    """
    return eigenlearning(eigenvalues, target_coeffs, ridge, noise, n, multiplicities, tail_trace).test_mse


def predicted_curve(cfg: CurveConfig, max_degree: int = 200) -> np.ndarray:
    """The eigenlearning estimate for each n and noise level of a :class:`CurveConfig`.

    Parameters
    ----------
    cfg : CurveConfig
    max_degree : int
        Degrees computed by :func:`sphere_spectrum`.

    Returns
    -------
    ndarray, shape (len(noise), len(ns))
    """
    spec = sphere_spectrum(cfg.kind, cfg.bandwidth, cfg.dim, max_degree)
    power = np.sqrt(target_power(spec))
    return np.array([[eigenlearning_risk(spec.eigenvalues, power, cfg.ridge, s, n, spec.multiplicities,
                                         spec.tail_trace) for n in cfg.ns] for s in cfg.noise])


def gaussian_prediction(ns: Sequence[int], dims: Sequence[int], bandwidth: float, noise: float,
                        ridge: float = 0.0, max_degree: int = 60) -> np.ndarray:
    """Eigenlearning's test risk for the Gaussian kernel on ``S^(d-1)`` at each ``(n, d)`` pair.

    Parameters
    ----------
    ns, dims : sequences of int, the same length
        Sample sizes and the dimension used at each.
    bandwidth, noise, ridge : float
    max_degree : int
        Degrees of the closed-form spectrum (the rest enters as ``tail_trace``).

    Returns
    -------
    ndarray, shape (len(ns),)
    """
    if len(ns) != len(dims):
        raise ValueError(f"ns and dims must have the same length; got {len(ns)} and {len(dims)}")
    out = []
    for n, d in zip(ns, dims):
        spec = sphere_spectrum("gaussian", bandwidth, d, max_degree)
        out.append(eigenlearning_risk(spec.eigenvalues, np.sqrt(target_power(spec)), ridge, noise, n,
                                      spec.multiplicities, spec.tail_trace))
    return np.array(out)
