"""Exercise checks: what every chapter's checks share, and the names the notebooks import them by.

Each chapter's checks live beside it, in ``companion.<chapter>.checks`` (and what they compare
answers with in ``companion.<chapter>.references``); ``companion.checks.xor``, ``...attention``,
``...kernels`` and ``...privacy`` are those modules under the name the notebooks use
(``from companion.checks import xor as check``).

A check takes the student's answer and returns a :class:`Feedback`, whose ``correct`` says whether
the answer is right and whose message says what is wrong and where to look. A check never raises on
a wrong answer (a placeholder answer must run); it raises only for an answer of a kind it cannot
judge at all.
"""
from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

__all__ = ["Feedback", "number", "is_number", "as_array", "short", "evaluate_formula", "factor_phrase", "uses_function"]


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


def short(value) -> str:
    """``repr(value)``, cut to 60 characters, for a message about an answer."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_array(value, name: str) -> tuple[torch.Tensor | None, str | None]:
    """A student's array answer as a float64 CPU tensor, or None and a sentence saying why it is not an
    array of real numbers (a check reports, never raises, on a wrong answer).

    Parameters
    ----------
    value : object
    name : str
        The answer's name, for the sentence.

    Returns
    -------
    tensor : torch.Tensor or None
    problem : str or None
    """
    if torch.is_tensor(value):
        if value.is_complex():
            return None, f"{name} must be real; got a complex tensor."
        return value.detach().cpu().double(), None
    try:
        if np.iscomplexobj(value):
            return None, f"{name} must be real; got complex numbers."
        return torch.from_numpy(np.array(value, dtype=np.float64)), None
    except Exception:                                     # a string, a ragged list, ...: report, never raise
        return None, f"{name} must be an array of numbers (a tensor or a NumPy array); got {type(value).__name__} " \
                     f"{short(value)}."


FACTOR_BINS = ((1.25, "by less than 25%"), (1.6, "by a factor between 1.25 and 1.6 (√2 lies there)"),
               (2.5, "by a factor between 1.6 and 2.5 (2 lies there)"),
               (5.0, "by a factor between 2.5 and 5 (π and 4 lie there)"), (np.inf, "by a factor of more than 5"))
"""How :func:`factor_phrase` words a constant factor: in bins, never the factor itself, so that a
student finds the lost constant in the derivation rather than by dividing by the number shown."""


def factor_phrase(factor: float) -> str:
    """Say how far off a positive constant ``factor`` (yours / right) is, without its value.

    Parameters
    ----------
    factor : float
        Positive and finite.

    Returns
    -------
    str
        For example ``"too large by a factor between 1.6 and 2.5 (2 lies there)"``.

    Raises
    ------
    ValueError
        If ``factor`` is not a positive finite number.
    """
    if not (np.isfinite(factor) and factor > 0):
        raise ValueError(f"factor must be a positive finite number; got {factor!r}")
    size = max(factor, 1.0 / factor)
    words = next(text for bound, text in FACTOR_BINS if size < bound)
    return ("too large " if factor > 1 else "too small ") + words


def _code_objects(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def uses_function(formula, target: Callable) -> bool:
    """Whether ``formula`` is ``target`` or calls it by name: directly, through a
    :func:`functools.partial`, a bound method, or a global name or module attribute in its code
    (nested functions included).

    A check uses this to refuse the package's own implementation of an exercise's answer, which the
    chapter needs for its figures. A student's own function that happens to share ``target``'s name
    is not refused: the name must resolve, in the formula's globals, to ``target`` or to a module
    that holds ``target`` under that name.

    Parameters
    ----------
    formula : callable
    target : callable

    Returns
    -------
    bool
    """
    for _ in range(10):         # unwrap partials and bound methods
        if formula is target:
            return True
        inner = getattr(formula, "func", None) or getattr(formula, "__func__", None)
        if inner is None:
            break
        formula = inner
    code, namespace = getattr(formula, "__code__", None), getattr(formula, "__globals__", {})
    if code is None:
        return False
    name = target.__name__
    for c in _code_objects(code):
        if any(namespace.get(used) is target for used in c.co_names):
            return True
        if name not in c.co_names:
            continue
        modules = [namespace.get(used) for used in c.co_names if isinstance(namespace.get(used), types.ModuleType)]
        for _ in range(3):      # companion.attention.margin_threshold: follow attributes through modules
            if any(getattr(module, name, None) is target for module in modules):
                return True
            modules = [getattr(module, used) for module in modules for used in c.co_names
                       if isinstance(getattr(module, used, None), types.ModuleType)]
    return False


def _public_name(target: Callable) -> str:
    """``companion.xor.step_one_margin_gain`` rather than ``companion.xor.theory.step_one_margin_gain``: the name
    under which a chapter's package exports ``target``, when it does."""
    package = target.__module__.rpartition(".")[0]
    if getattr(sys.modules.get(package), target.__name__, None) is target:
        return f"{package}.{target.__qualname__}"
    return f"{target.__module__}.{target.__qualname__}"


def evaluate_formula(formula, cases: Sequence[tuple], signature: str, low: float = -np.inf,
                     high: float = np.inf, refuse: Sequence[Callable] = (),
                     range_hint: str = "") -> tuple[list[float] | None, Feedback | None]:
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
    refuse : sequence of callables
        The package's own implementations of the answer (:func:`uses_function`): a formula that
        calls one is not judged.
    range_hint : str
        Added to the message when a call returns a finite number outside [low, high] (what such a
        value points to).

    Returns
    -------
    values : list of float or None
    feedback : Feedback or None
        None when every call returned a finite number in range; otherwise what went wrong.
    """
    if formula is None:
        return None, Feedback(False, f"write a function of ({signature}) and run the cell.")
    if not callable(formula):
        return None, Feedback(False, f"formula must be a function of ({signature}); got {type(formula).__name__}.")
    for target in refuse:
        if uses_function(formula, target):
            return None, Feedback(False, f"your formula calls {_public_name(target)}, the package's "
                                         "implementation of this answer, which the chapter uses for its figures; the "
                                         "exercise asks for your own derivation, so write the formula yourself.")
    values = []
    for args in cases:
        try:
            value = formula(*args)
        except TypeError as error:  # the student's code: report, never raise
            return None, Feedback(False, f"your formula raised TypeError: {error} when called with ({signature}) = "
                                         f"{args}; it must take exactly these arguments, in that order.")
        except Exception as error:
            return None, Feedback(False, f"your formula raised {type(error).__name__}: {error} when called with "
                                         f"({signature}) = {args}.")
        if number(value) is None or not low <= number(value) <= high:
            where = "" if np.isinf(low) and np.isinf(high) else f" in [{low:g}, {high:g}]"
            hint = f" {range_hint}" if range_hint and number(value) is not None else ""
            return None, Feedback(False, f"your formula must return a finite number{where}; got {value!r} for "
                                         f"({signature}) = {args}.{hint}")
        values.append(number(value))
    return values, None
