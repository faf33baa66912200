"""Exercise checks: one module per chapter (``companion.checks.xor``, ...), each importing only its
chapter's module and the shared ones.

A check takes the student's answer and returns a :class:`Feedback`, whose ``correct`` says whether
the answer is right and whose message says what is wrong and where to look. A check never raises on
a wrong answer (a placeholder answer must run); it raises only for an answer of a kind it cannot
judge at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["Feedback", "number", "is_number", "evaluate_formula"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on an answer.

    Attributes
    ----------
    correct : bool
    message : str
    """

    correct: bool
    message: str

    def __str__(self) -> str:
        return ("✓ " if self.correct else "✗ not yet: ") + self.message

    def _repr_markdown_(self) -> str:
        return ("**✓ Correct.** " if self.correct else "**✗ Not yet.** ") + self.message


def number(x) -> float | None:
    """``x`` as a float when it is one finite real number, else None.

    A Python or NumPy number, or a 0-d NumPy array or torch tensor (what ``s.means[0].norm() / 2``
    gives), counts; booleans, strings, complex numbers and arrays with any axis do not.

    Parameters
    ----------
    x : object

    Returns
    -------
    float or None
    """
    if isinstance(x, (bool, np.bool_, str, bytes)) or str(getattr(x, "dtype", "")).endswith("bool"):
        return None
    if isinstance(x, np.ndarray) and x.dtype.kind not in "iuf":          # a string or object array
        return None
    if getattr(x, "ndim", 0) != 0 or getattr(x, "is_complex", lambda: False)() or np.iscomplexobj(x):
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def is_number(x) -> bool:
    """Whether ``x`` is one finite real number (:func:`number`)."""
    return number(x) is not None


def evaluate_formula(formula, cases: Sequence[tuple], signature: str, low: float = -np.inf,
                     high: float = np.inf) -> tuple[list[float] | None, Feedback | None]:
    """Evaluate a student's formula on every case, or say what is wrong with it.

    Parameters
    ----------
    formula : callable or None
    cases : sequence of tuples
        The arguments of each call, in the order of ``signature``.
    signature : str
        The argument names, e.g. ``"alpha, p, n, signal"``, for the messages.
    low, high : float
        The range the values must lie in.

    Returns
    -------
    values : list of float or None
    feedback : Feedback or None
        None when every call returned a number in range; otherwise what went wrong.
    """
    if formula is None:
        return None, Feedback(False, f"write a function of ({signature}) and run the cell.")
    if not callable(formula):
        return None, Feedback(False, f"formula must be a function of ({signature}); got {type(formula).__name__}.")
    values = []
    for args in cases:
        try:
            value = formula(*args)
        except Exception as error:  # the student's code: report, never raise
            return None, Feedback(False, f"your formula raised {type(error).__name__}: {error} when called with "
                                         f"({signature}) = {args}; it must take its arguments in that order.")
        if number(value) is None or not low <= number(value) <= high:
            return None, Feedback(False, f"your formula must return a number in [{low:g}, {high:g}]; got {value!r} for "
                                         f"({signature}) = {args}.")
        values.append(number(value))
    return values, None
