"""The kernels chapter's setting: the kernels, the risk-curve configurations and the scales.

Follows Mallinar, Simon, Abedsoltan, Pandit, Belkin, Nakkiran, "Benign, Tempered, or Catastrophic:
A Taxonomy of Overfitting" (arXiv 2207.06569); Medvedev, Vardi, Srebro, "The Overfitting Behaviour
of Gaussian Kernel Ridgeless Regression: Varying Bandwidth or Dimensionality" (arXiv 2409.03891);
and Joshi, Vardi, Srebro, "Noisy Interpolation Learning with Shallow Univariate ReLU Networks"
(arXiv 2307.15396). Data: inputs uniform on the unit sphere ``S^(dim-1)``; labels
``y = f*(x) + sigma * eps`` with ``eps ~ N(0, 1)`` and the target ``f*(x) = sqrt(dim) * x_1`` (a
degree-1 spherical harmonic with ``E[f*(x)^2] = 1``). A test risk is the mean squared error on
*noisy* test labels, so the Bayes risk is ``sigma^2`` and predicting zero (the null predictor) has
risk ``1 + sigma^2``. Everything is computed in float64.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import validate

__all__ = ["KINDS", "MAX_CONDITION", "check_kind", "CurveConfig", "BOOK_CURVES", "PAPER_CURVES", "DIMENSION_FIXED",
           "DIMENSION_NS", "DIMENSION_EXPONENT", "SLOPE_NS", "RELU_NS", "Scale", "SCALES", "config_for"]

KINDS = ("gaussian", "laplace", "relu_ntk")
"""The kernels: ``gaussian`` ``exp(-||x - z||^2 / (2 b^2))``, ``laplace`` ``exp(-||x - z|| / b)``
(Euclidean norm) and ``relu_ntk``, the neural tangent kernel of a two-layer bias-free ReLU network
with both layers trained, ``||x|| ||z|| (u (pi - arccos u) + sqrt(1 - u^2) + u (pi - arccos u)) / pi``
at ``u = cos(x, z)``, evaluated at ``x / b, z / b`` (it is homogeneous of degree 2, so the bandwidth
only rescales it by ``1 / b^2``)."""


MAX_CONDITION = 1e12
"""A ridge(less) solve is trusted when the estimated 2-norm condition number of ``K + ridge I`` is at
most this. A backward-stable float64 solve (Cholesky) then has a relative error of at most about
``condition * 1.1e-16 ~ 1e-4`` in the coefficients; above it, two correct float64 solvers disagree
visibly (the chapter shows it)."""


def check_kind(kind: str, bandwidth: float) -> float:
    """``bandwidth`` as a float, after checking that ``kind`` is one of :data:`KINDS` and the bandwidth a
    number > 0."""
    validate.choice("kind", kind, KINDS)
    return validate.positive("bandwidth", bandwidth)


@dataclass(frozen=True)
class CurveConfig(validate.Config):
    """One risk-against-n experiment on the sphere.

    Attributes
    ----------
    kind : {"gaussian", "laplace", "relu_ntk"}
    bandwidth : float
        ``b`` (> 0).
    ridge : float
        ``delta >= 0`` of ``(K + delta I) c = y`` (the chapter's δ), the same at every n.
    dim : int
        Ambient dimension (inputs on ``S^(dim-1)``; >= 2).
    ns : tuple of int
        Increasing training-set sizes; the training sets are nested (the first n of one draw).
    noise : tuple of float
        Noise variances ``sigma^2 >= 0``; every level reuses the same solves.
    label_draws : int
        Independent label-noise draws per seed (>= 1).
    n_test : int
        Test points (>= 1).
    """

    kind: str = "laplace"
    bandwidth: float = 1.0
    ridge: float = 0.0
    dim: int = 5
    ns: tuple[int, ...] = (125, 250, 500, 1000, 1500, 2000, 3000, 4000)
    noise: tuple[float, ...] = (1.0,)
    label_draws: int = 5
    n_test: int = 2000

    def __post_init__(self) -> None:
        check_kind(self.kind, self.bandwidth)
        validate.positive("ridge", self.ridge, allow_zero=True)
        validate.integer("dim", self.dim, 2)
        ns = [validate.integer("ns", n, 1) for n in self.ns]
        if not ns or any(b <= a for a, b in zip(ns, ns[1:])):
            raise ValueError(f"ns must be a non-empty increasing sequence of integers >= 1; got {self.ns!r}")
        if not self.noise:
            raise ValueError("noise must hold at least one variance")
        for s in self.noise:
            validate.positive("noise", s, allow_zero=True)
        validate.integer("label_draws", self.label_draws, 1)
        validate.integer("n_test", self.n_test, 1)

    def label(self) -> str:
        """A short name for legends, e.g. ``"laplace, ridgeless"``."""
        return f"{self.kind}, " + ("ridgeless" if self.ridge == 0 else f"ridge {self.ridge:g}")


BOOK_CURVES = {
    "ridge": CurveConfig(kind="gaussian", bandwidth=0.3, ridge=1.0),
    "tempered": CurveConfig(kind="laplace", bandwidth=1.0, ridge=0.0),
    "catastrophic": CurveConfig(kind="gaussian", bandwidth=0.3, ridge=0.0),
}
"""The chapter's three risk curves on ``S^4``: a Gaussian kernel with a fixed ridge (``"ridge"``: a
consistent reference that does not interpolate, its training error stays near the noise level), a
Laplace kernel without one (tempered) and the same Gaussian kernel without one (catastrophic);
``sigma^2 = 1``, n up to 4,000. The chapter's benign interpolator is the ridgeless Gaussian kernel in a
dimension growing with n (:func:`companion.kernels.dimension_risk`)."""


PAPER_CURVES = {name: CurveConfig(kind=c.kind, bandwidth=c.bandwidth, ridge=c.ridge, dim=c.dim,
                                  ns=c.ns + (6000, 8000, 10000), noise=c.noise, label_draws=c.label_draws,
                                  n_test=c.n_test)
                for name, c in BOOK_CURVES.items()}
"""The book's three risk curves continued to n = 10,000, meant for a GPU (its memory more than its
speed: a 10,000 x 10,000 float64 kernel matrix and its factor take 1.6 GB). The paper's own experiment
sizes are not known. The catastrophic claims need every ridgeless Gaussian solve trusted
(:data:`MAX_CONDITION`); a seed whose condition number passes it there fails them."""


DIMENSION_FIXED = CurveConfig(kind="gaussian", bandwidth=1.0, ridge=0.0, dim=5, ns=(125, 250, 500))
"""Ridgeless Gaussian kernel, bandwidth 1, fixed dimension 5, up to n = 500: at n = 1,000 the condition
number reached 1.6e12 on one of seeds 0-2 (2026-11-23), past :data:`MAX_CONDITION`."""


DIMENSION_NS = (125, 250, 500, 1000, 2000, 4000)
"""Sample sizes of the growing-dimension runs."""


DIMENSION_EXPONENT = 2.0 / 3.0
"""``d(n) = ceil(n^(2/3))``: from 25 at n = 125 to 252 at n = 4,000."""


SLOPE_NS = (250, 1000, 2000)
"""The sizes at which :func:`companion.kernels.noise_slopes` measures each kernel's noise slope."""


RELU_NS = (32, 64, 128, 256, 512)
"""The sample sizes of the chapter's univariate ReLU experiment."""


@dataclass(frozen=True)
class Scale:
    """A named scale of the chapter: the configurations of its three risk curves on ``S^4``.

    Attributes
    ----------
    curves : dict of str to CurveConfig
        Keys ``"ridge"``, ``"tempered"`` and ``"catastrophic"``.
    description : str
    """

    curves: dict
    description: str


SCALES = {"book": Scale(BOOK_CURVES, "n up to 4,000 (a 2-core CPU)"),
          "paper": Scale(PAPER_CURVES, "n up to 10,000 (meant for a GPU; the paper's experiment sizes are not known)")}
"""The chapter's scales: ``"book"`` (the default) and ``"paper"``. The scale sets the three risk curves;
the noise slopes, the Gaussian kernel in growing dimension and the ReLU section keep the sizes they
state at either scale. The thresholds of the claims were set at the book scale, and how often the curve
claims hold at the paper scale has not been measured (it needs a GPU; ``python -m companion.robustness
kernels --scale paper --groups curves`` measures it); the tests run one paper-scale solve, at its largest n."""


def config_for(scale: str) -> dict[str, CurveConfig]:
    """The three risk curves of the chapter at ``scale``.

    Parameters
    ----------
    scale : str
        One of :data:`SCALES`.

    Returns
    -------
    dict of str to CurveConfig

    Raises
    ------
    ValueError
        For any other scale.
    """
    validate.choice("scale", scale, SCALES)
    return dict(SCALES[scale].curves)
