"""Companion package of *When Networks Memorize*, an executable textbook on benign overfitting,
grokking, tempered overfitting and privacy attacks that follow from implicit bias.

Each chapter of the book has one module here (:mod:`companion.xor`, ...) and one module of
exercise checks (:mod:`companion.checks.xor`, ...). The shared machinery: :mod:`companion.engine`
(the full-batch training loop and its autograd reference), :mod:`companion.twolayer` (two-layer
networks on their span coefficients), :mod:`companion.gram` (Gaussian vectors as inner products,
in any dimension), :mod:`companion.device`, :mod:`companion.claims`, :mod:`companion.plots`,
:mod:`companion.widgets`, :mod:`companion.validate` and :mod:`companion.course`. Importing the
package changes no global state.
"""
__version__ = "0.1.0"
