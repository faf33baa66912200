"""Argument checks shared by every chapter: each raises ValueError naming the argument, the value
it got and what is allowed. Also the base of the chapters' configurations (:class:`Config`)."""
from __future__ import annotations

import dataclasses
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

__all__ = ["Config", "integer", "positive", "fraction", "choice", "instance", "seeds", "axes", "array", "vector",
           "labels"]

_REAL = (int, float, np.integer, np.floating)


class Config:
    """The base of the chapters' configurations, frozen dataclasses that check their fields in
    ``__post_init__``: :meth:`replace` returns a copy with some fields changed, checked like the original."""

    def replace(self, **changes):
        """A copy with some fields changed (validated like the original).

        Raises
        ------
        ValueError
            For a name that is not a field, or a value the field does not allow.
        """
        fields = [f.name for f in dataclasses.fields(self) if f.init]
        unknown = [name for name in changes if name not in fields]
        if unknown:
            raise ValueError(f"{type(self).__name__} has no field {unknown[0]!r}; its fields are {fields}")
        return dataclasses.replace(self, **changes)


def integer(name: str, value, low: int = 0, high: int | None = None) -> int:
    """An integer in ``[low, high]`` (``high`` None: no upper bound); booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low \
            or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {allowed}; got {value!r}")
    return int(value)


def positive(name: str, value, allow_zero: bool = False) -> float:
    """A finite real number ``> 0`` (or ``>= 0`` with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, _REAL) or not np.isfinite(value) \
            or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}; got {value!r}")
    return float(value)


def fraction(name: str, value, low: float = 0.0, high: float = 1.0, high_open: bool = False) -> float:
    """A real number in ``[low, high]`` (or ``[low, high)`` with ``high_open``)."""
    if isinstance(value, bool) or not isinstance(value, _REAL) or not np.isfinite(value) or value < low \
            or value > high or (high_open and value == high):
        raise ValueError(f"{name} must be in [{low:g}, {high:g}{')' if high_open else ']'}; got {value!r}")
    return float(value)


def choice(name: str, value, allowed: Iterable):
    """One of ``allowed``."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def instance(name: str, value, kind: type):
    """``value`` if it is a ``kind`` (a chapter's configuration or result); a clear error otherwise."""
    if not isinstance(value, kind):
        article = "an" if kind.__name__[0] in "AEIOU" else "a"
        raise ValueError(f"{name} must be {article} {kind.__name__}; got {type(value).__name__}")
    return value


def instances(name: str, values, kind: type) -> list:
    """``values`` as a list if it is a non-empty sequence of ``kind``; a clear error otherwise."""
    if isinstance(values, (kind, str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise ValueError(f"{name} must be a non-empty sequence of {kind.__name__}; got {type(values).__name__}")
    values = list(values)
    wrong = sorted({type(v).__name__ for v in values if not isinstance(v, kind)})
    if not values or wrong:
        raise ValueError(f"{name} must be a non-empty sequence of {kind.__name__}; got "
                         + (f"items of type {', '.join(wrong)}" if wrong else "an empty sequence"))
    return values


def seeds(values: Sequence[int]) -> list[int]:
    """A non-empty sequence of distinct integers >= 0."""
    if isinstance(values, (int, np.integer, str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0; got {values!r}")
    values = list(values)
    if not values or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in values):
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0; got {values!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must be distinct; got {values!r}")
    return [int(s) for s in values]


def axes(values: Mapping[str, Sequence], checks: Mapping[str, Callable]) -> dict[str, list]:
    """The axes of a sweep: a non-empty mapping of field names (keys of ``checks``) to non-empty
    lists of values, each value passed through its field's check."""
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"axes must map at least one of {list(checks)} to values; got {values!r}")
    out = {}
    for name, vals in values.items():
        choice("axes key", name, checks)
        vals = [checks[name](v) for v in vals]
        if not vals:
            raise ValueError(f"axes[{name!r}] must hold at least one value")
        out[name] = vals
    return out


def array(name: str, value, ndim: int | None = None, nan: bool = False) -> np.ndarray:
    """Real numbers (a number, a sequence, a NumPy array or a torch tensor) as a float64 NumPy array.

    Parameters
    ----------
    name : str
    value : array-like
    ndim : int, optional
        The number of dimensions it must have.
    nan : bool
        Allow NaN (a value that does not apply); infinities are refused either way.

    Returns
    -------
    ndarray of float64
    """
    if hasattr(value, "detach"):                     # a torch tensor, on any device
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except Exception as error:                       # a ragged list: say which argument
        raise ValueError(f"{name} must be an array of real numbers; got {type(value).__name__}") from error
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers; got an array of {arr.dtype} ({value!r:.80})")
    arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension{'s' if ndim != 1 else ''}; got shape {arr.shape}")
    bad = np.isinf(arr) if nan else ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} must hold finite numbers{' (or NaN)' if nan else ''}; got "
                         f"{arr[bad].ravel()[:3].tolist()} among its values")
    return arr


def vector(name: str, value, length: int | None = None, per: str = "") -> np.ndarray:
    """A non-empty 1-d array of finite real numbers, of ``length`` entries if given.

    Parameters
    ----------
    name : str
    value : array-like
    length : int, optional
    per : str
        What each entry stands for, for the message (``"point of x"``: "one entry per point of x").

    Returns
    -------
    ndarray of float64, shape (length,)
    """
    v = array(name, value, ndim=1)
    if v.size == 0:
        raise ValueError(f"{name} must hold at least one number; got an empty array")
    if length is not None and v.size != length:
        raise ValueError(f"{name} must have length {length}{f' (one entry per {per})' if per else ''}; got {v.size}")
    return v


def labels(name: str, value, count: int | None = None) -> np.ndarray:
    """Binary labels in {-1, +1} (a sequence, a NumPy array or a torch tensor), as a 1-d float64 array.

    Parameters
    ----------
    name : str
    value : array-like
    count : int, optional
        How many labels there must be (one per input).

    Returns
    -------
    ndarray of float64, shape (count,)
    """
    y = array(name, value).reshape(-1)
    if count is not None and y.size != count:
        raise ValueError(f"{name} must hold one label per input ({count}); got {y.size}")
    wrong = sorted(set(y[(y != 1) & (y != -1)].tolist()))
    if wrong:
        shown = ", ".join(f"{v:g}" for v in wrong[:5]) + (", ..." if len(wrong) > 5 else "")
        raise ValueError(f"{name} must hold labels in {{-1, +1}}; got the values {shown}")
    return y
