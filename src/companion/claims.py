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

import numpy as np

__all__ = ["Claim", "PerSeed", "ClaimFailed", "table", "measurements", "require", "aggregate", "verdicts",
           "robustness_report"]

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


@dataclass(frozen=True)
class PerSeed:
    """A claim's value on every seed of a run, before the worst seed is taken.

    Chapters compute their claims in this form once; :func:`aggregate` turns them into the
    :class:`Claim` lines of a notebook (judged on the worst seed), and :func:`verdicts` into
    per-seed pass/fail for robustness checks over many seeds.

    Attributes
    ----------
    statement : str
    values : ndarray, shape (S,)
        Each seed's value (already the worst over steps, where the claim spans steps); NaN where
        the claim does not apply to a seed (for instance a claim about flipped labels on a seed
        without any), which then counts as holding there.
    threshold : float
    relation : {">=", "<="}
    percent : bool
    worst : str
        How the seeds are combined, for the statement: "worst seed", "best seed", ...
    """

    statement: str
    values: np.ndarray
    threshold: float
    relation: str = ">="
    percent: bool = True
    worst: str = "worst seed"

    def holds(self) -> np.ndarray:
        """Whether the claim holds on each seed, shape (S,)."""
        v = np.asarray(self.values, dtype=float)
        return np.isnan(v) | (v >= self.threshold if self.relation == ">=" else v <= self.threshold)


def aggregate(per_seed: Sequence[PerSeed]) -> list[Claim]:
    """The :class:`Claim` of each :class:`PerSeed`, judged on its worst seed.

    Parameters
    ----------
    per_seed : sequence of PerSeed

    Returns
    -------
    list of Claim
    """
    out = []
    for c in per_seed:
        v = np.asarray(c.values, dtype=float)
        if np.isnan(v).all():
            raise ValueError(f"the claim {c.statement!r} applies to none of the seeds (every value is NaN)")
        worst = np.nanmin(v) if c.relation == ">=" else np.nanmax(v)
        out.append(Claim(f"{c.statement} ({c.worst})", float(worst), c.threshold, c.relation, percent=c.percent,
                         detail="per seed: " + ", ".join("n/a" if np.isnan(x) else f"{x:.4f}" for x in v)))
    return out


def verdicts(per_seed: Sequence[PerSeed]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each claim on each seed separately (for robustness checks over many seeds).

    Parameters
    ----------
    per_seed : sequence of PerSeed

    Returns
    -------
    statements : list of str
    values : ndarray, shape (S, number of claims)
    holds : ndarray of bool, shape (S, number of claims)
    """
    return ([c.statement for c in per_seed], np.stack([np.asarray(c.values, dtype=float) for c in per_seed], axis=1),
            np.stack([c.holds() for c in per_seed], axis=1))


def robustness_report(statements: Sequence[str], values: np.ndarray, holds: np.ndarray,
                      seeds: Sequence[int]) -> str:
    """For each claim, the seeds it failed on and the range of its value; then how many seeds passed
    every claim (the text the robustness scripts in ``benchmarks/`` print).

    Parameters
    ----------
    statements, values, holds
        As returned by :func:`verdicts`; values and holds have shape (S, number of claims).
    seeds : sequence of int, length S
        The seeds, in the order of the rows.

    Returns
    -------
    str
    """
    lines = []
    for j, statement in enumerate(statements):
        failed = [s for s, ok in zip(seeds, holds[:, j]) if not ok]
        missing = int(np.isnan(values[:, j]).sum())
        span = (f"values {np.nanmin(values[:, j]):.4g} to {np.nanmax(values[:, j]):.4g}" if missing < len(seeds)
                else "no values")
        lines.append(f"  {statement}: failed on {len(failed)} of {len(seeds)} seeds {failed if failed else ''}"
                     f"({span}{f'; does not apply to {missing} seeds' if missing else ''})")
    lines.append(f"  all claims held on {int(holds.all(axis=1).sum())} of {len(seeds)} seeds")
    return "\n".join(lines)


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
