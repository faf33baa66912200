"""Privacy attacks that follow from implicit bias: KKT conditions, membership inference, reconstruction.

Follows Lyu and Li, "Gradient Descent Maximizes the Margin of Homogeneous Neural Networks" (ICLR
2020); Smorodinsky, Vardi, Safran, "Provable Privacy Attacks on Trained Shallow Neural Networks"
(2024); Haim et al., "Reconstructing Training Data from Trained Neural Networks" (NeurIPS 2022);
Buzaglo et al., "Deconstructing Data Reconstruction" (NeurIPS 2023). The chapter is
``book/privacy.ipynb``. What lives where:

=====================  ===============================================================================
``setting.py``         the scales (:data:`SCALES`, :func:`config_for`) and the variants of the verified
                       reconstruction setting (:data:`FAILURES`, :data:`DEFENCES`)
``data.py``            the data: scikit-learn's digits, Gaussian images, the univariate task, the
                       Gaussian task of membership inference
``networks.py``        the networks (each from its own random generator) and what an attack needs of
                       a model
``train.py``           training through the engine (a module as the engine's model, :class:`Network`,
                       and its update rule, :class:`Steps`): to a stationary point with weight decay
                       (:func:`train_stationary`, :class:`Stationary`), plainly, and toward the
                       max-margin direction (:func:`train_homogeneous`)
``theory.py``          the KKT conditions of the max-margin problem (:func:`kkt_residual`)
``measures.py``        kinks (with their tolerances :data:`KINK_TOL`, :data:`KINK_SHARE`), membership
                       scores with AUC and ROC, normalized cross-correlation and what counts as a
                       recovered image (:data:`RECOVERED_NCC`), the normalized margin's largest fall
``attacks.py``         the univariate attack and membership inference over the dimension
``reconstruction.py``  reconstruction from the parameters, its trials with controls, the published
                       recipe scaled down, the defences
``claims.py``          the thresholds (each with its reason), the ``per_seed_*`` judges, the ``run_*``
                       runs behind them and :func:`claim_groups` (what "What we verified" and
                       ``python -m companion.robustness privacy`` judge)
``figures.py``         every figure of the chapter (``figure_*``, and the panels they share:
                       :func:`draw_scores`, :func:`draw_chance`)
``explorer.py``        :func:`explore`, the interactive explorer
``checks.py``          the exercise checks (imported in the notebook as ``companion.checks.privacy``)
``references.py``      what the checks compare answers with
=====================  ===============================================================================

To change a figure, open ``figures.py``; a claim or its threshold, ``claims.py`` (what counts as a
kink or a recovered image, ``measures.py``); the data, ``data.py``; a network, ``networks.py``; a
scale, ``setting.py``. Every public name is importable
from ``companion.privacy`` itself.
"""
from .attacks import Membership, Univariate, membership_over_dimension, univariate_attack
from .claims import (CONTROL_MAX, KINKS_Z_MIN, KKT_FALL_MAX, MARGIN_DROP_MAX, MEMBERSHIP_AUC_MIN, MEMBERSHIP_TIE,
                     OFF_MARGIN_RATIO_MAX, PARTIAL_MAX, RECOVERED_MIN, STATIONARY_MAX, UNCONVERGED_MIN, claim_groups,
                     failure_notes, kink_notes, per_seed_failures, per_seed_implicit_bias, per_seed_membership,
                     per_seed_reconstruction, per_seed_univariate, run_failures, run_implicit_bias, run_membership,
                     run_reconstruction, run_univariate)
from .data import Digits, digits, gaussian_images, gaussian_task, univariate_inputs, univariate_task
from .explorer import explore
from .figures import (draw_chance, draw_scores, figure_defences, figure_implicit_bias, figure_membership,
                      figure_reconstruction, figure_univariate)
from .measures import (KINK_SHARE, KINK_TOL, RECOVERED_NCC, auc, best_matches, kinks, margin_drop, membership_scores,
                       ncc, near_share, pooled_kinks, roc_curve)
from .networks import (attacked_parameters, checked_inputs, checked_labels, checked_module, flat, homogeneous_network,
                       input_width, logits, published_network, smooth_network)
from .reconstruction import (Reconstruction, SmoothedReLU, Trial, compare, defences, published_trial, reconstruct,
                             reconstruction_trial, smoothed_relus, trial_arguments)
from .setting import DEFENCES, FAILURES, SCALES, Scale, config_for
from .theory import KKT, kkt_residual
from .train import HomogeneousRun, Network, Stationary, Steps, train_homogeneous, train_plain, train_stationary

__all__ = [
    "FAILURES", "DEFENCES", "Scale", "SCALES", "config_for", "Digits", "digits", "gaussian_images", "univariate_task",
    "univariate_inputs", "gaussian_task", "smooth_network", "homogeneous_network", "published_network", "logits",
    "attacked_parameters", "checked_module", "checked_inputs", "checked_labels", "flat", "input_width", "Network",
    "Steps", "Stationary", "train_stationary", "train_plain", "HomogeneousRun", "train_homogeneous", "KKT",
    "kkt_residual", "KINK_TOL", "KINK_SHARE", "kinks", "near_share", "pooled_kinks", "membership_scores", "auc",
    "roc_curve", "RECOVERED_NCC", "ncc", "best_matches", "margin_drop", "Univariate", "univariate_attack",
    "Membership", "membership_over_dimension", "Reconstruction", "SmoothedReLU", "smoothed_relus", "reconstruct",
    "Trial", "reconstruction_trial", "trial_arguments", "published_trial", "compare", "defences", "MARGIN_DROP_MAX", "KKT_FALL_MAX",
    "OFF_MARGIN_RATIO_MAX", "KINKS_Z_MIN", "MEMBERSHIP_AUC_MIN", "MEMBERSHIP_TIE", "RECOVERED_MIN", "CONTROL_MAX",
    "STATIONARY_MAX", "UNCONVERGED_MIN", "PARTIAL_MAX", "per_seed_implicit_bias", "per_seed_univariate",
    "per_seed_membership", "per_seed_reconstruction", "per_seed_failures", "claim_groups", "run_implicit_bias",
    "run_univariate", "run_membership", "run_reconstruction", "run_failures", "kink_notes", "failure_notes",
    "draw_scores", "draw_chance", "figure_implicit_bias", "figure_univariate", "figure_membership", "figure_reconstruction", "figure_defences",
    "explore",
]
