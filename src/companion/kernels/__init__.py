"""Benign, tempered and catastrophic overfitting in kernels and shallow univariate ReLU networks.

Follows Mallinar, Simon, Abedsoltan, Pandit, Belkin, Nakkiran, "Benign, Tempered, or Catastrophic:
A Taxonomy of Overfitting" (arXiv 2207.06569); Medvedev, Vardi, Srebro, "The Overfitting Behaviour
of Gaussian Kernel Ridgeless Regression: Varying Bandwidth or Dimensionality" (arXiv 2409.03891);
and Joshi, Vardi, Srebro, "Noisy Interpolation Learning with Shallow Univariate ReLU Networks"
(arXiv 2307.15396); the chapter is ``book/kernels.ipynb``. What lives where:

=================  ===================================================================================
``setting.py``     the kernels (:data:`KINDS`), the largest condition number a solve may have
                   (:data:`MAX_CONDITION`), :class:`CurveConfig`, the risk-curve configurations
                   (:data:`BOOK_CURVES`, :data:`PAPER_CURVES`, :data:`DIMENSION_FIXED`, ...) and the
                   scales (:data:`SCALES`, :func:`config_for`)
``data.py``        the data model: points on the sphere, the target, one seed's draw, the univariate
                   pure-noise data, the growing dimension
``solve.py``       kernel matrices and kernel ridge regression (:func:`fit_predict`,
                   :func:`ridge_path`), and the check that refuses a float64 solve it cannot trust
``train.py``       the runs: :func:`risk_curves` over nested sample sizes, :func:`dimension_risk`,
                   :func:`noise_slopes`, :func:`numerics_check`
``relu.py``        univariate ReLU networks: the min-norm interpolator, the linear spline, their
                   errors (:func:`relu_risk`, :func:`join_risks`) and a trained network
``theory.py``      what the chapter derives: spectra on the sphere and the eigenlearning estimate
``measures.py``    :func:`risk_at`, a seed's risk at one sample size
``claims.py``      the thresholds (each with its reason), the ``per_seed_*`` judges, the ``run_*``
                   runs behind them and :func:`claim_groups` (what "What we verified" and ``python -m
                   companion.robustness kernels`` judge)
``figures.py``     every figure of the chapter (``figure_*``)
``explorer.py``    :func:`explore`, the interactive explorer
``checks.py``      the exercise checks (imported in the notebook as ``companion.checks.kernels``)
``references.py``  what the checks compare answers with
=================  ===================================================================================

To change a figure, open ``figures.py``; a claim or its threshold, ``claims.py``; the data model,
``data.py``; a configuration or a scale, ``setting.py``. Every public name is importable from
``companion.kernels`` itself.
"""
from .claims import (AGREEMENT_MIN_N, CATASTROPHIC_GROWTH, CATASTROPHIC_SLOPE_GROWTH, DIMENSION_AGREEMENT,
                     GROWING_RATIO_MAX, JUDGED_FROM_N, NULL_RATIO, RELU_L1_GROWTH_MAX, RELU_L2_GROWTH_MIN,
                     RELU_SPIKE_GROWTH_MIN, RIDGE_EXCESS_MAX, RIDGE_RATIO, SPLINE_L2_GROWTH_MAX, TEMPERED_AGREEMENT, TEMPERED_EXCESS_MAX,
                     TEMPERED_EXCESS_MIN, TEMPERED_SLOPE_BAND, TEMPERED_TREND_MAX, TEMPERED_TREND_MIN,
                     agreement_notes, claim_groups, dimension_notes, per_seed_curves, per_seed_dimension, per_seed_relu,
                     per_seed_slopes, per_seed_sphere, run_curves, run_dimension, run_relu)
from .data import draw, growing_dimension, relu_data, sphere, target
from .explorer import explore
from .figures import (figure_dimension, figure_noise, figure_numerics, figure_relu, figure_risk_curves,
                      figure_spectra)
from .measures import risk_at
from .relu import (Interpolant, ReluNetwork, ReluRisk, join_risks, linear_spline, min_norm_interpolant,
                   relu_cost_weight, relu_risk, train_relu_network)
from .setting import (BOOK_CURVES, DIMENSION_EXPONENT, DIMENSION_FIXED, DIMENSION_NS, KINDS, MAX_CONDITION,
                      PAPER_CURVES, RELU_NS, SCALES, SLOPE_NS, CurveConfig, Scale, check_kind, config_for)
from .solve import (SolveFailed, UntrustworthySolve, cholesky_prefix, column_major, condition_estimate, fit_predict,
                    kernel_matrix, kernel_unchecked, ridge_path)
from .theory import (Eigenlearning, Spectrum, eigenlearning, eigenlearning_risk, gaussian_prediction,
                     gaussian_spectrum_closed_form, multiplicity, predicted_curve, sphere_spectrum, target_power)
from .train import DimensionRisk, NumericsCheck, RiskCurves, dimension_risk, noise_slopes, numerics_check, risk_curves

__all__ = [
    # setting and data
    "KINDS", "MAX_CONDITION", "check_kind", "CurveConfig", "BOOK_CURVES", "PAPER_CURVES", "DIMENSION_FIXED",
    "DIMENSION_NS", "DIMENSION_EXPONENT", "SLOPE_NS", "RELU_NS", "Scale", "SCALES", "config_for", "sphere", "target",
    "draw", "relu_data", "growing_dimension",
    # solves and runs
    "UntrustworthySolve", "SolveFailed", "kernel_matrix", "fit_predict", "ridge_path", "condition_estimate",
    "kernel_unchecked", "cholesky_prefix", "column_major",
    "RiskCurves", "risk_curves", "DimensionRisk", "dimension_risk", "noise_slopes", "NumericsCheck", "numerics_check",
    "relu_cost_weight", "Interpolant", "min_norm_interpolant", "linear_spline", "ReluRisk", "relu_risk", "join_risks",
    "ReluNetwork", "train_relu_network",
    # theory and measures
    "multiplicity", "Spectrum", "sphere_spectrum", "gaussian_spectrum_closed_form", "target_power", "Eigenlearning",
    "eigenlearning", "eigenlearning_risk", "predicted_curve", "gaussian_prediction", "risk_at",
    # claims
    "JUDGED_FROM_N", "TEMPERED_EXCESS_MIN", "TEMPERED_EXCESS_MAX", "TEMPERED_TREND_MIN", "TEMPERED_TREND_MAX",
    "TEMPERED_AGREEMENT",
    "RIDGE_RATIO", "RIDGE_EXCESS_MAX", "CATASTROPHIC_GROWTH", "NULL_RATIO", "TEMPERED_SLOPE_BAND",
    "CATASTROPHIC_SLOPE_GROWTH", "RELU_L1_GROWTH_MAX", "RELU_L2_GROWTH_MIN", "RELU_SPIKE_GROWTH_MIN",
    "SPLINE_L2_GROWTH_MAX", "GROWING_RATIO_MAX", "DIMENSION_AGREEMENT", "AGREEMENT_MIN_N", "per_seed_curves",
    "per_seed_slopes", "per_seed_sphere", "per_seed_dimension", "per_seed_relu", "claim_groups", "run_curves",
    "run_dimension", "run_relu", "agreement_notes", "dimension_notes",
    # figures and the explorer
    "figure_risk_curves", "figure_spectra", "figure_noise", "figure_numerics", "figure_dimension", "figure_relu",
    "explore",
]
