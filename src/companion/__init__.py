"""Companion package of *When Networks Memorize*, an executable textbook on benign overfitting,
grokking, tempered overfitting and privacy attacks that follow from implicit bias.

Each chapter of the book has one module here (:mod:`companion.xor`, ...); the shared machinery is in
:mod:`companion.engine` (full-batch gradient descent), :mod:`companion.device`,
:mod:`companion.claims`, :mod:`companion.plots`, :mod:`companion.widgets` and
:mod:`companion.checks`.
"""
__version__ = "0.1.0"
