"""A paper's headline claims turned into checks with explicit thresholds: one protocol for every chapter.

A chapter computes each claim once, on every seed of a run, as a :class:`PerSeed` (the value per
seed, the threshold, the direction of the comparison). Its claims come in groups, and each
chapter's ``claims`` module exposes them the same way: ``claim_groups(scale)`` returns a mapping of
keys to :class:`Group` objects, each with a title, the function that judges its inputs (returning
a list of :class:`PerSeed`) and the function that makes those inputs for given seeds (the runs of
the chapter, used by :mod:`companion.robustness` to judge fresh seeds).

Every notebook's "What we verified" cell is written the same way::

    checked = claims.verify(xor.claim_groups(scale), main=result, fast_start=fast, theorem=theorem)
    print(claims.report(checked))           # verdicts and thresholds; raises when a claim fails

:func:`verify` judges each group on the notebook's own runs and turns each :class:`PerSeed` into
a :class:`Claim` judged on its worst seed (:func:`aggregate`); :func:`report` prints one table per
group (verdicts and thresholds only, so the text is identical on every machine and nbval can
compare it) and raises :class:`ClaimFailed` when any claim fails, so that a failed claim fails
the tests even in a notebook saved without outputs. A second, uncompared cell shows the exact
values, ``claims.measured(checked, chapter="xor", scale=scale)``: the same text as
``report(checked, measured=True)``, and beside it, under the MIME type :data:`MIME`, every claim as
data (statement, threshold, measured value, verdict), which the book's verification appendix reads
from the executed notebook.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

__all__ = ["Claim", "PerSeed", "Group", "ClaimFailed", "Measured", "MIME", "table", "measurements", "require",
           "aggregate", "verdicts", "verify", "report", "measured"]

MIME = "application/vnd.companion.claims+json"
"""The MIME type under which a notebook's measurements cell stores its claims as data
(:class:`Measured`); pages show its text, the verification appendix reads the data."""

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
        if not math.isfinite(self.threshold):
            raise ValueError(f"threshold must be a finite number; got {self.threshold!r} for {self.statement!r}")

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
    values : ndarray, shape (S,) or (1,)
        Each seed's value (already the worst over steps, where the claim spans steps); NaN where
        the claim does not apply to a seed (for instance a claim about flipped labels on a seed
        without any), which then counts as holding there. A pooled claim has one value for all
        the seeds of its run.
    threshold : float
    relation : {">=", "<="}
    percent : bool
    worst : str
        How the seeds are combined, added to the statement in brackets: "worst seed", "best
        seed", ...; "" adds nothing.
    pooled : bool
        True for a claim about all the seeds of a run together (a share of seeds, a median, a
        count pooled over seeds): its one value is judged once per run, not seed by seed.
    detail : str
        What the uncompared measurements cell shows beside the value (default: the value of every
        seed).
    """

    statement: str
    values: np.ndarray
    threshold: float
    relation: str = ">="
    percent: bool = True
    worst: str = "worst seed"
    pooled: bool = False
    detail: str = ""

    def __post_init__(self) -> None:
        if self.relation not in _RELATIONS:
            raise ValueError(f"relation must be one of {sorted(_RELATIONS)}; got {self.relation!r}")
        v = np.asarray(self.values, dtype=float)
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"values must be a non-empty 1-d array (one value per seed); got shape {v.shape} for "
                             f"{self.statement!r}")
        if self.pooled and v.size != 1:
            raise ValueError(f"a pooled claim has one value; got {v.size} for {self.statement!r}")
        if np.isinf(v).any():
            raise ValueError(f"values must be finite or NaN (not applicable); got {v.tolist()} for {self.statement!r}")

    @property
    def title(self) -> str:
        """The statement with how the seeds are combined, as the notebooks print it."""
        return f"{self.statement} ({self.worst})" if self.worst else self.statement

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
        detail = c.detail or "per seed: " + ", ".join("n/a" if np.isnan(x) else f"{x:.4f}" for x in v)
        out.append(Claim(c.title, float(worst), c.threshold, c.relation, percent=c.percent, detail=detail))
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
    pooled = [c.statement for c in per_seed if c.pooled]
    if pooled:
        raise ValueError(f"verdicts judges claims seed by seed; these are pooled over seeds: {pooled}")
    sizes = {len(np.asarray(c.values)) for c in per_seed}
    if len(sizes) != 1:
        raise ValueError(f"every claim must have one value per seed of the same run; got lengths {sorted(sizes)}")
    return ([c.statement for c in per_seed], np.stack([np.asarray(c.values, dtype=float) for c in per_seed], axis=1),
            np.stack([c.holds() for c in per_seed], axis=1))


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


@dataclass(frozen=True)
class Group:
    """One group of a chapter's claims: how it is judged, and the runs it is judged on.

    Attributes
    ----------
    title : str
        The heading the "What we verified" cell prints above the group.
    judge : callable
        ``judge(*inputs) -> list of PerSeed``: the group's claims on the chapter's runs.
    run : callable
        ``run(seeds, device=None) -> tuple``: the runs behind the group for the given seeds, exactly
        as the chapter makes them; ``judge(*run(seeds))`` judges fresh seeds
        (:mod:`companion.robustness`). A module-level function or a :func:`functools.partial` of one,
        so that it can be sent to another process.
    batch : int or None
        How many seeds one run takes when fresh seeds are judged: per-seed claims are judged in
        runs of this many seeds (memory and parallelism; the verdicts do not depend on it, apart
        from pooled claims); None runs all the seeds at once.
    min_seeds : int
        The fewest seeds one run may have (a claim pooled over seeds needs its pool; the worst of
        fewer than three seeds says little).
    pooled : bool
        True when some claims of the group are pooled over the seeds of a run: fresh seeds are then
        judged in runs of exactly ``batch`` seeds, and a remainder is left out.
    notes : callable, optional
        ``notes(*inputs) -> list of str``: what a robustness check reports beside the verdicts about
        a run (for example the seeds ranked by a quantity the chapter suspects behind a failure).
    """

    title: str
    judge: Callable[..., list]
    run: Callable[..., tuple]
    batch: int | None = 10
    min_seeds: int = 1
    pooled: bool = False
    notes: Callable[..., list] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title:
            raise ValueError(f"title must be a non-empty string; got {self.title!r}")
        if not callable(self.judge) or not callable(self.run) or not (self.notes is None or callable(self.notes)):
            raise ValueError(f"judge, run and notes must be callable (group {self.title!r})")
        if self.batch is not None and (isinstance(self.batch, bool) or not isinstance(self.batch, int)
                                       or self.batch < 1):
            raise ValueError(f"batch must be None or an integer >= 1; got {self.batch!r}")
        if isinstance(self.min_seeds, bool) or not isinstance(self.min_seeds, int) or self.min_seeds < 1:
            raise ValueError(f"min_seeds must be an integer >= 1; got {self.min_seeds!r}")
        if self.pooled and self.batch is not None and self.batch < self.min_seeds:
            raise ValueError(f"batch must be at least min_seeds={self.min_seeds} for a pooled group; got {self.batch}")

    def judged(self, inputs) -> list:
        """``judge(*inputs)`` (a tuple of inputs, or one input), after checking that the runs hold at
        least ``min_seeds`` seeds.

        Returns
        -------
        list of PerSeed
        """
        per_seed = list(self.judge(*(inputs if isinstance(inputs, tuple) else (inputs,))))
        if not per_seed or not all(isinstance(c, PerSeed) for c in per_seed):
            raise TypeError(f"the judge of {self.title!r} must return a non-empty list of PerSeed")
        seeds = {len(np.asarray(c.values)) for c in per_seed if not c.pooled}
        if seeds and min(seeds) < self.min_seeds:
            raise ValueError(f"{self.title!r} must be judged on at least {self.min_seeds} seeds; got {min(seeds)}")
        return per_seed


def verify(groups: Mapping[str, Group], **inputs) -> dict[str, list[Claim]]:
    """Judge every group of a chapter on the notebook's runs, each claim on its worst seed.

    Parameters
    ----------
    groups : mapping of str to Group
        The chapter's ``claim_groups(scale)``.
    **inputs
        For each key of ``groups``, what its judge takes: one run, or a tuple of them. Inputs for
        keys that ``groups`` does not hold at this scale are not used.

    Returns
    -------
    dict of str to list of Claim
        Keyed by the groups' titles, in the order of ``groups``.

    Raises
    ------
    ValueError
        When a group has no input.
    """
    if not isinstance(groups, Mapping) or not groups or not all(isinstance(g, Group) for g in groups.values()):
        raise ValueError("groups must be a non-empty mapping of keys to claims.Group (a chapter's claim_groups(scale))")
    missing = [key for key in groups if key not in inputs]
    if missing:
        raise ValueError(f"verify needs the runs of every group; missing {missing} (groups: {list(groups)})")
    return {group.title: aggregate(group.judged(inputs[key])) for key, group in groups.items()}


def report(checked: Mapping[str, Sequence[Claim]], measured: bool = False) -> str:
    """Each group's title and claims, as the "What we verified" cells print them.

    Parameters
    ----------
    checked : mapping of str to sequence of Claim
        What :func:`verify` returned.
    measured : bool
        False: verdicts and thresholds only (:func:`table`, identical on every machine), and every
        claim must hold. True: the exact measurements (:func:`measurements`).

    Returns
    -------
    str

    Raises
    ------
    ClaimFailed
        With ``measured=False``, when a claim does not hold; the message holds the whole report and
        then the failed claims with their measured values.
    """
    text = "\n".join(f"{title}\n{measurements(verified) if measured else table(verified)}"
                     for title, verified in checked.items())
    if not measured:
        try:
            require([c for verified in checked.values() for c in verified])
        except ClaimFailed as failed:
            raise ClaimFailed(f"{text}\n\n{failed}") from None
    return text


@dataclass(frozen=True)
class Measured:
    """A chapter's verified claims with their exact values, for the uncompared measurements cell.

    Displayed in a notebook, it shows the text of ``report(checked, measured=True)`` and carries the
    same claims as data under :data:`MIME` (see :meth:`data`), which the book's verification
    appendix reads from the executed notebook.

    Attributes
    ----------
    checked : mapping of str to sequence of Claim
        What :func:`verify` returned.
    chapter : str
        The chapter's name, as :mod:`companion.robustness` knows it ("xor", "attention", ...).
    scale : str
        The scale the notebook ran at.
    """

    checked: Mapping[str, Sequence[Claim]]
    chapter: str
    scale: str

    def __post_init__(self) -> None:
        for name in ("chapter", "scale"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string; got {getattr(self, name)!r}")
        if not isinstance(self.checked, Mapping) or not all(
                isinstance(c, Claim) for verified in self.checked.values() for c in verified):
            raise ValueError("checked must be what claims.verify returned: group titles mapped to lists of Claim")

    def __str__(self) -> str:
        return report(self.checked, measured=True)

    def data(self) -> dict:
        """The claims as plain data (what :data:`MIME` carries).

        Returns
        -------
        dict
            ``{"chapter", "scale", "groups": [{"title", "claims": [{"title", "line", "threshold",
            "relation", "percent", "measured", "holds"}]}]}``; ``line`` is the verdict line the
            "What we verified" cell prints, ``title`` the claim's statement with how seeds combine.
        """
        return {"chapter": self.chapter, "scale": self.scale, "groups": [
            {"title": title, "claims": [{"title": c.statement, "line": c.line(), "threshold": c.threshold,
                                         "relation": c.relation, "percent": c.percent, "measured": c.measured,
                                         "holds": c.holds} for c in verified]}
            for title, verified in self.checked.items()]}

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": str(self), MIME: self.data()}


def measured(checked: Mapping[str, Sequence[Claim]], chapter: str, scale: str) -> Measured:
    """The exact values behind a chapter's claims, as its measurements cell shows them.

    Parameters
    ----------
    checked : mapping of str to sequence of Claim
        What :func:`verify` returned.
    chapter : str
        The chapter's name ("xor", "attention", "kernels", "privacy").
    scale : str
        The scale the notebook ran at.

    Returns
    -------
    Measured
        Shows as text; carries the claims as data under :data:`MIME`.
    """
    return Measured(checked, chapter, scale)
