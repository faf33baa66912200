"""Companion package of *When Networks Memorize*, an executable textbook on benign overfitting,
grokking, tempered overfitting and privacy attacks that follow from implicit bias.

One subpackage per chapter, every one with the same files, named by their role:

================  ====================================================================================
``setting.py``    the configurations (typed dataclasses), the scales (``SCALES``; ``"book"`` for a 2-core
                  CPU, ``"paper"`` meant for a GPU) and the theorem's conditions; ``config_for(scale)``
                  gives what the chapter's main run takes at a scale (an ``XORConfig``, an
                  ``AttentionConfig``, a dict of the kernel curves' ``CurveConfig``, the sizes of the
                  privacy reconstruction)
``data.py``       the data model
``train.py``      the model and its training (through :mod:`companion.engine`)
``theory.py``     the closed forms and predictions the chapter derives
``measures.py``   what is measured on a run
``claims.py``     the thresholds, each with the reason for its value; the ``per_seed_*`` judges; the
                  ``run_*`` runs behind them (attention keeps those in ``train.py``); and
                  ``claim_groups(scale)``, a dict of :class:`companion.claims.Group`
``figures.py``    every figure of the chapter (``figure_*``)
``explorer.py``   the interactive explorer (``explore``)
``checks.py``     the exercise checks (also importable as ``companion.checks.<chapter>``)
``references.py`` what the checks compare answers with (public, so that the checks can be given them)
================  ====================================================================================

A chapter adds files where a role is too large for one (``kernels/solve.py`` and ``kernels/relu.py``;
``privacy/networks.py``, ``privacy/attacks.py`` and ``privacy/reconstruction.py``); its own docstring
maps them. The chapters: :mod:`companion.xor` (benign overfitting and grokking on XOR clusters),
:mod:`companion.attention` (single-head attention), :mod:`companion.kernels` (benign, tempered and
catastrophic overfitting) and :mod:`companion.privacy` (attacks that follow from implicit bias). Every
public name of a chapter is importable from the chapter's package itself
(``companion.xor.figure_phases``).

The shared pieces, which import no chapter:

======================  ==============================================================================
:mod:`~.engine`         the one full-batch training loop (update rules, progress, interrupts) and its
                        autograd reference :func:`~companion.engine.plain_gd`
:mod:`~.runs`           the seed runner (batches of seeds, progress, interrupts, any executor) and what
                        results share (recorded steps, masked accuracies, sweep grids)
:mod:`~.claims`         the claims protocol: per-seed values, groups, ``verify`` and ``report``
:mod:`~.robustness`     ``python -m companion.robustness <chapter> --seeds A B``: every claim judged on
                        fresh seeds, as text and JSON
:mod:`~.executors`      where batches of seeds run: local processes or a Dask cluster
:mod:`~.verification`   the book's verification appendix: this build's claims beside the records
:mod:`~.twolayer`       two-layer networks on their span coefficients
:mod:`~.gram`           Gaussian vectors in any dimension, drawn as inner products
:mod:`~.plots`          the book's figure style and one figure helper
:mod:`~.widgets`        explorer scaffolding
:mod:`~.validate`       argument checks shared by every chapter
:mod:`~.device`         the one place that picks the device
:mod:`~.checks`         what the exercise checks share (``Feedback``, formula evaluation)
:mod:`~.course`         student versions of the chapters
======================  ==============================================================================

Importing the package changes no global state.
"""
__version__ = "0.1.0"
