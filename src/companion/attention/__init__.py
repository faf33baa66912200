"""Benign overfitting in single-head softmax attention.

Follows Magen, Shang, Xu, Frei, Hu, Vardi, "Benign Overfitting in Single-Head Attention" (arXiv
2410.07746); the chapter is ``book/attention.ipynb``. What lives where:

=================  ===================================================================================
``setting.py``     :class:`AttentionConfig`, the configurations (:data:`BOOK`, :data:`BOOK_LOW_SNR`,
                   :data:`PAPER`, :data:`EXPLORER`), the scales (:data:`SCALES`, :func:`config_for`),
                   the SNR and its moves (:func:`snr`, :func:`with_snr`, :func:`at_dimension`,
                   :func:`at_size`), and the constants of the chapter's studies (phase diagram,
                   ablation, long runs)
``data.py``        the data model: a seed's draws as token inner products, and explicit tokens with
                   the plain model and loss the fast path is tested against
``train.py``       :class:`SpanAttention` (the head on its span coefficients), :func:`train`,
                   :func:`sweep`, :func:`attention_role`; results :class:`AttentionResult`,
                   :class:`AttentionSweep`; the runs behind each group of claims (``run_*``)
``theory.py``      what the chapter derives: the step-1 accuracy and thresholds, and the exact
                   max-margin interpolator with hard attention (:func:`hard_attention_margin`)
``measures.py``    what is measured on a run: attention by group, separation, the attention pattern,
                   normalized margin, cosines, the step-1 accuracy against the derivation
``claims.py``      the thresholds (each with its reason), the ``per_seed_*`` judges and
                   :func:`claim_groups` (what "What we verified" and ``python -m companion.robustness
                   attention`` judge; their runs are in ``train.py``)
``figures.py``     every figure of the chapter (``figure_*``)
``explorer.py``    :func:`explore`, the interactive explorer
``checks.py``      the exercise checks (imported in the notebook as ``companion.checks.attention``)
``references.py``  what the checks compare answers with (measured on seeds the chapter never uses)
=================  ===================================================================================

To change a figure, open ``figures.py``; a claim or its threshold, ``claims.py``; the data model,
``data.py``; a configuration or a scale, ``setting.py``. Every public name is importable from
``companion.attention`` itself.
"""
from .claims import (ABLATION_ABOVE, ABLATION_BELOW, ABLATION_BELOW_MIN, ABLATION_FROZEN_MAX, ABLATION_MOVING_MIN, BENIGN_TEST_MIN,
                     DIRECTION_COS_MIN, DIRECTION_GAP_RATIO, FATE_TEST_TOL, GAP_MIN, HARMFUL_TEST_MAX,
                     MARGIN_HARMFUL_MAX, SEPARATION_MIN, SNR_RISE_MIN, SNR_RISE_MIN_N, STEP_ONE_CLASS_FACTOR,
                     STEP_ONE_FLIPPED_MAX, STEP_ONE_TOL, THRESHOLD_BAND, TRAIN_MIN, UNIFORM_TOL, claim_groups,
                     fate_notes, per_seed_attention_role, per_seed_fates, per_seed_large_step_v, per_seed_low_snr,
                     per_seed_max_margin, per_seed_phase, per_seed_two_steps)
from .data import AttentionData, SeedDraws, explicit_loss, explicit_outputs, explicit_tokens, problem, seed_draws
from .explorer import explore
from .figures import (figure_attention_role, figure_fates, figure_long_run, figure_phase, figure_step_sizes,
                      figure_steps)
from .measures import (attention_by_group, attention_pattern, attention_separation, clean_labels, normalized_margin,
                       step_one_gap, v_cosine)
from .setting import (ABLATION_SEEDS, ABLATION_SNRS, BOOK, BOOK_LOW_SNR, EXPLORER, FATE_SEEDS, FATE_STEPS,
                      LARGE_STEP_V, LONG_SNRS, LONG_STEPS, PAPER, PAPER_LOW_SNR, PHASE_NS, PHASE_SNRS, SAMPLERS,
                      SCALES, AttentionConfig, Scale, at_dimension, at_size, config_for, snr, with_snr)
from .theory import (PATTERNS, HardAttentionMargin, hard_attention_margin, margin_grid, margin_threshold,
                     step_one_accuracy_prediction, step_one_threshold)
from .train import (AttentionResult, AttentionSweep, SpanAttention, attention_role, run_fates, run_large_step_v,
                    run_max_margin, run_phase, run_role, run_two_steps, sweep, train)

__all__ = [
    # setting
    "AttentionConfig", "BOOK", "BOOK_LOW_SNR", "PAPER", "PAPER_LOW_SNR", "EXPLORER", "Scale", "SCALES", "PHASE_SNRS",
    "PHASE_NS", "LONG_STEPS", "LONG_SNRS", "ABLATION_SNRS", "ABLATION_SEEDS", "FATE_SEEDS", "FATE_STEPS",
    "LARGE_STEP_V", "SAMPLERS", "config_for", "snr", "with_snr", "at_dimension", "at_size",
    # data and training
    "AttentionData", "SeedDraws", "seed_draws", "problem", "explicit_tokens", "explicit_outputs", "explicit_loss",
    "SpanAttention", "AttentionResult",
    "train", "AttentionSweep", "sweep", "attention_role",
    # theory and measures
    "step_one_accuracy_prediction", "step_one_threshold", "margin_threshold", "PATTERNS", "HardAttentionMargin",
    "hard_attention_margin", "margin_grid", "attention_by_group", "clean_labels", "attention_separation",
    "attention_pattern", "normalized_margin", "v_cosine", "step_one_gap",
    # claims
    "TRAIN_MIN", "BENIGN_TEST_MIN", "HARMFUL_TEST_MAX", "SEPARATION_MIN", "GAP_MIN", "STEP_ONE_FLIPPED_MAX",
    "STEP_ONE_CLASS_FACTOR", "ABLATION_ABOVE", "ABLATION_BELOW", "UNIFORM_TOL", "SNR_RISE_MIN", "SNR_RISE_MIN_N",
    "STEP_ONE_TOL", "THRESHOLD_BAND",
    "ABLATION_FROZEN_MAX", "ABLATION_MOVING_MIN", "ABLATION_BELOW_MIN", "MARGIN_HARMFUL_MAX", "DIRECTION_GAP_RATIO",
    "DIRECTION_COS_MIN", "FATE_TEST_TOL", "per_seed_two_steps", "per_seed_low_snr", "per_seed_attention_role",
    "per_seed_large_step_v", "per_seed_phase", "per_seed_max_margin", "per_seed_fates", "claim_groups",
    "run_two_steps", "run_role", "run_large_step_v", "run_phase", "run_max_margin", "run_fates", "fate_notes",
    # figures and the explorer
    "figure_steps", "figure_phase", "figure_attention_role", "figure_step_sizes", "figure_long_run", "figure_fates",
    "explore",
]
