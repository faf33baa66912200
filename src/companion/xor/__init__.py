"""Benign overfitting and grokking of a two-layer ReLU network on XOR cluster data.

Follows Xu, Wang, Frei, Vardi and Hu, "Benign Overfitting and Grokking in ReLU Networks for XOR
Cluster Data" (ICLR 2024); the chapter is ``book/xor_grokking.ipynb``. What lives where:

=================  ===================================================================================
``setting.py``     :class:`XORConfig`, the configurations (:data:`BOOK`, :data:`FAST_START`,
                   :data:`THEOREM`, :data:`PAPER`, :data:`EXPLORER`), the scales (:data:`SCALES`,
                   :func:`config_for`) with what each scale's claims expect (:class:`Expectations`: how
                   long the harmful phase lasts, when the run must be benign), the theorem's conditions
                   (:func:`theory_conditions`) and the dynamics' natural units
``data.py``        the data model: cluster draws, the explicit :func:`sample`, the inner products the
                   span dynamics see, label imbalances and cluster counts
``train.py``       :func:`train` (one configuration over seeds), :func:`sweep` (a grid of
                   configurations; :func:`join_sweeps` joins one split over several calls),
                   :func:`step_one_widths`; results :class:`XORResult`, :class:`XORSweep`
``theory.py``      what the chapter derives: :func:`step_one_margin_gain`, :func:`noisy_test_accuracy`
``measures.py``    what is measured on a run: Hebbian agreement and correlation, feature alignment,
                   normalized margin, :func:`first_step_reaching`, :func:`cluster_accuracy`
``claims.py``      the thresholds (each with its reason), :func:`per_seed_claims`, :func:`claim_groups`
                   (what "What we verified" and ``python -m companion.robustness xor`` judge) and the
                   runs behind them (:func:`run_config`)
``figures.py``     every figure of the chapter (``figure_*``, and the accuracy panel they share,
                   :func:`draw_accuracy`, shaded at the claims' levels)
``explorer.py``    :func:`explore`, the interactive explorer
``checks.py``      the exercise checks (imported in the notebook as ``companion.checks.xor``)
``references.py``  what the checks compare answers with (one GD step by autograd, measured margins,
                   the delay runs)
=================  ===================================================================================

To change a figure, open ``figures.py``; a claim or its threshold, ``claims.py`` (the steps at which
each scale is judged, ``setting.py``'s :class:`Expectations`); the data model, ``data.py``; a
configuration or a scale, ``setting.py``. Every public name is importable from
``companion.xor`` itself.
"""
from .claims import (ALIGNMENT_END_MIN, FINAL_TEST_MIN, HARMFUL_TEST_MAX, HEBBIAN_CHANGE_CORRELATION_MIN,
                     HEBBIAN_CORRELATION_MIN, STEP_ONE_TEST_MAX, claim_groups, imbalance_notes, per_seed_claims,
                     run_config)
from .data import SeedProducts, XORSample, assemble, cluster_counts, draw_clusters, label_imbalance, sample, seed_products
from .explorer import explore
from .figures import (accuracy_curves, draw_accuracy, figure_alignment, figure_delay, figure_hebbian, figure_long_run,
                      figure_neurons, figure_phases, figure_regimes, figure_sweep)
from .measures import (cluster_accuracy, feature_alignment, first_step_reaching, hebbian_agreement,
                       hebbian_correlation, normalized_margin)
from .setting import (BOOK, EXPLORER, FAST_START, FAST_START_EXPECT, FLOAT64_ABOVE_DIM, PAPER, SAMPLERS, SCALES,
                      THEOREM, Expectations, Scale, XORConfig, config_for, default_dtype, from_natural_units,
                      natural_units, record_steps, theory_conditions)
from .theory import noisy_test_accuracy, step_one_margin_gain
from .train import XORResult, XORSweep, join_sweeps, step_one_widths, sweep, train

__all__ = [
    # setting
    "XORConfig", "BOOK", "FAST_START", "THEOREM", "PAPER", "EXPLORER", "Expectations", "Scale", "SCALES",
    "FAST_START_EXPECT", "config_for", "theory_conditions", "natural_units", "from_natural_units", "default_dtype",
    "record_steps", "SAMPLERS", "FLOAT64_ABOVE_DIM",
    # data
    "XORSample", "sample", "draw_clusters", "label_imbalance", "cluster_counts", "SeedProducts", "seed_products",
    "assemble",
    # training
    "XORResult", "train", "XORSweep", "sweep", "join_sweeps", "step_one_widths",
    # theory and measures
    "step_one_margin_gain", "noisy_test_accuracy", "feature_alignment", "hebbian_agreement", "hebbian_correlation",
    "normalized_margin", "first_step_reaching", "cluster_accuracy",
    # claims
    "STEP_ONE_TEST_MAX", "HEBBIAN_CORRELATION_MIN", "HEBBIAN_CHANGE_CORRELATION_MIN", "HARMFUL_TEST_MAX",
    "ALIGNMENT_END_MIN", "FINAL_TEST_MIN", "per_seed_claims", "claim_groups", "run_config", "imbalance_notes",
    # figures and the explorer
    "draw_accuracy", "accuracy_curves", "figure_phases", "figure_hebbian", "figure_delay", "figure_neurons", "figure_alignment", "figure_sweep",
    "figure_regimes", "figure_long_run", "explore",
]
