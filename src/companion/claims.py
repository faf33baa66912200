"""A paper's headline claims turned into checks with explicit thresholds.

A :class:`Claim` holds a statement, the measured value, a threshold and the direction of the
comparison. Chapters build their claims from a run (for example :func:`companion.xor.claims`);
the notebooks' "What we verified" cell prints :func:`table` (verdicts and thresholds only, so the
text is identical on every machine and nbval can compare it), prints :func:`measurements` in a
separate, uncompared cell, and calls :func:`require`, which raises when any claim fails.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

__all__ = ["Claim", "ClaimFailed", "table", "measurements", "require"]

_RELATIONS = {">=": "≥", "<=": "≤"}


@dataclass(frozen=True)
class Claim:
    """One checked statement.

    Attributes
    ----------
    statement : str
        What the paper claims, in words, for this run (e.g. "after step 1: train accuracy").
    measured : float
        The value compared with the threshold (usually the worst case over seeds).
    threshold : float
    relation : {">=", "<="}
        The claim holds when ``measured >= threshold`` (or ``<=``).
    percent : bool
        Show values as percentages.
    detail : str
        The exact measurements behind ``measured`` (e.g. per seed), for the uncompared cell.
    """

    statement: str
    measured: float
    threshold: float
    relation: str = ">="
    percent: bool = True
    detail: str = ""

    def __post_init__(self) -> None:
        if self.relation not in _RELATIONS:
            raise ValueError(f"relation must be one of {sorted(_RELATIONS)}; got {self.relation!r}")
        if not math.isfinite(self.measured):
            raise ValueError(f"measured must be a finite number; got {self.measured!r} for {self.statement!r}")

    @property
    def holds(self) -> bool:
        """Whether the measured value satisfies the threshold."""
        if self.relation == ">=":
            return self.measured >= self.threshold
        return self.measured <= self.threshold

    def _fmt(self, value: float) -> str:
        return f"{100 * value:.0f}%" if self.percent else f"{value:g}"

    def line(self) -> str:
        """``✓``/``✗``, the statement and the threshold: the same text on every machine."""
        return f"{'✓' if self.holds else '✗'} {self.statement} {_RELATIONS[self.relation]} {self._fmt(self.threshold)}"


class ClaimFailed(AssertionError):
    """Raised by :func:`require` when a claim does not hold on this run."""


def table(claims: Sequence[Claim]) -> str:
    """One line per claim (verdict, statement, threshold), no measured values.

    Parameters
    ----------
    claims : sequence of Claim

    Returns
    -------
    str
    """
    return "\n".join(c.line() for c in claims)


def measurements(claims: Sequence[Claim]) -> str:
    """The measured values behind each claim, exactly, one line per claim.

    Parameters
    ----------
    claims : sequence of Claim

    Returns
    -------
    str
    """
    return "\n".join(f"{c.statement}: {c.measured:.6g}" + (f"  ({c.detail})" if c.detail else "")
                     for c in claims)


def require(claims: Sequence[Claim]) -> None:
    """Raise :class:`ClaimFailed` naming every claim that does not hold.

    Parameters
    ----------
    claims : sequence of Claim

    Raises
    ------
    ClaimFailed
    """
    failed = [c for c in claims if not c.holds]
    if failed:
        raise ClaimFailed("claims that failed on this run:\n" + "\n".join(
            f"{c.line()} (measured {c.measured:.6g})" for c in failed))
