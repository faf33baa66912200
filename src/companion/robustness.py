"""How often a chapter's claims hold on seeds its notebook never uses.

Command line (from anywhere the package is installed)::

    python -m companion.robustness xor --seeds 1000 1030
    python -m companion.robustness xor --scale theorem --seeds 1000 1030 --json xor-theorem.json
    python -m companion.robustness xor --groups fast_start --seeds 100 140 --set n=200 dim=50000 signal=40
    python -m companion.robustness kernels --seeds 30000 30096 --groups relu
    python -m companion.robustness attention --seeds 10000 10030 --workers 2

For every group of the chapter's claims at the scale (``claim_groups(scale)`` of the chapter's
``claims`` module: the same groups, thresholds and runs as its "What we verified" cell), the tool
runs the group's experiment on the seeds (``Group.run``), in batches (``Group.batch``), judges them
with the group's own judge, and reports each claim seed by seed: the seeds it failed on, the range
of its value, and how many seeds passed every claim of the group. A claim pooled over the seeds of
a run (a share of seeds, a median, a pooled count) is judged once per batch of ``Group.batch``
seeds. The result is printed as text and, with ``--json``, written as JSON (with the command, the
date, the machine and the time taken), the form the book's verification appendix reads.

``--set FIELD=VALUE`` changes fields of the configuration of every group's runs, to see where the
claims break, for a chapter whose ``claim_groups`` takes ``changes`` (the XOR chapter).

The chapter is found by name at run time (``companion.<chapter>``); this module imports no chapter.
Batches can run on any :class:`concurrent.futures.Executor` (``--workers N``: N local processes);
each batch computes the same thing wherever it runs, so the verdicts are the same seed for seed.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import functools
import importlib
import inspect
import json
import multiprocessing
import os
import platform
import sys
import time
from typing import Sequence

import numpy as np

from . import claims, device as devices, runs, validate

__all__ = ["CHAPTERS", "claim_groups", "judge", "text", "local_processes", "machine", "main"]

CHAPTERS = ("xor", "attention", "kernels", "privacy")
"""The chapters whose claims the tool can judge (each a subpackage ``companion.<chapter>``)."""


def claim_groups(chapter: str, scale: str = "book", changes: dict | None = None) -> dict[str, claims.Group]:
    """The claim groups of ``chapter`` at ``scale``, found by name.

    Parameters
    ----------
    chapter : str
        One of :data:`CHAPTERS`.
    scale : str
        One of the chapter's scales.
    changes : dict, optional
        Configuration fields to change in every group's runs (only for a chapter whose
        ``claim_groups`` takes ``changes``).

    Returns
    -------
    dict of str to companion.claims.Group
    """
    validate.choice("chapter", chapter, CHAPTERS)
    module = importlib.import_module(f"companion.{chapter}")
    if not changes:
        return module.claim_groups(scale)
    if "changes" not in inspect.signature(module.claim_groups).parameters:
        raise ValueError(f"changes: the {chapter} chapter's claim groups take no configuration changes; got {changes}")
    return module.claim_groups(scale, changes=changes)


def _judged(chapter: str, scale: str, changes: dict | None, key: str, device: str | None, seeds: list[int]) -> dict:
    """One batch: the group's runs on ``seeds`` and its judge's verdicts, as plain lists (what a worker
    process sends back)."""
    group = claim_groups(chapter, scale, changes)[key]
    inputs = group.run(list(seeds), device=device)
    per_seed = group.judged(inputs)
    notes = list(group.notes(*(inputs if isinstance(inputs, tuple) else (inputs,)))) if group.notes else []
    return {"seeds": list(seeds), "notes": [str(n) for n in notes], "claims": [
        {"statement": c.statement, "title": c.title, "threshold": float(c.threshold), "relation": c.relation,
         "percent": bool(c.percent), "pooled": bool(c.pooled),
         "values": [None if np.isnan(v) else float(v) for v in np.asarray(c.values, dtype=float)],
         "holds": [bool(h) for h in c.holds()]} for c in per_seed]}


def _merge(batches: list[dict]) -> list[dict]:
    """Every claim over all the batches: per-seed claims seed by seed, pooled ones batch by batch."""
    merged = []
    for j, first in enumerate(batches[0]["claims"]):
        rows = [b["claims"][j] for b in batches]
        if any(r["statement"] != first["statement"] for r in rows):
            raise RuntimeError(f"the batches list different claims at position {j}: the judge must list the same "
                               "claims for any seeds")
        entry = {k: first[k] for k in ("statement", "title", "threshold", "relation", "percent", "pooled")}
        units = [b["seeds"] for b in batches] if first["pooled"] else [[s] for b in batches for s in b["seeds"]]
        entry.update(units=units, values=[v for r in rows for v in r["values"]],
                     holds=[h for r in rows for h in r["holds"]])
        entry.update(held=sum(entry["holds"]), of=len(entry["holds"]))
        merged.append(entry)
    return merged


def judge(chapter: str, seeds: Sequence[int], scale: str = "book", groups: Sequence[str] | None = None,
          device: str | None = None, executor: concurrent.futures.Executor | None = None,
          progress: bool | None = None, changes: dict | None = None) -> dict:
    """Judge ``chapter``'s claims on ``seeds``, group by group.

    Parameters
    ----------
    chapter : str
        One of :data:`CHAPTERS`.
    seeds : sequence of int
        Distinct seeds >= 0 (seeds the chapter's notebook does not use, to be a fair test).
    scale : str
        The chapter's scale whose groups are judged.
    groups : sequence of str, optional
        Keys of the groups to judge (default: all of them).
    device : str, optional
        Where the runs compute (None: CUDA when present, else the CPU).
    executor : concurrent.futures.Executor, optional
        Where the batches run (default: in this process).
    progress : bool or None
        Progress bars over the seeds of each group.
    changes : dict, optional
        Configuration fields to change in every group's runs (see :func:`claim_groups`).

    Returns
    -------
    dict
        JSON-ready: ``chapter``, ``scale``, ``seeds``, ``started``, ``seconds``, ``machine`` and
        ``groups``, a list with, per group, its ``key``, ``title``, ``left_out`` seeds (pooled groups),
        ``notes`` (the group's own report on each batch) and ``claims``: per claim its statement, the
        ``title`` the notebook prints, threshold, relation, ``pooled``, the ``units`` it was judged on
        (one seed each, or one batch each when pooled), their ``values`` and ``holds``, and ``held``
        of ``of``.
    """
    seeds = validate.seeds(seeds)
    available = claim_groups(chapter, scale, changes)
    keys = list(available) if groups is None else [validate.choice("groups", g, available) for g in groups]
    keys = list(dict.fromkeys(keys))                  # each group once
    if not keys:
        raise ValueError(f"groups must name at least one of {list(available)}")
    devices.resolve_device(device)                    # a clear error here rather than in a worker
    for key in keys:                                  # every group can be judged on these seeds, before any runs
        group = available[key]
        try:
            runs.batches(seeds, group.batch, group.min_seeds, group.pooled)
        except ValueError as error:
            raise ValueError(f"{error} to judge {group.title!r} (group {key!r})") from None
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.perf_counter()
    out = []
    for key in keys:
        group = available[key]
        done = runs.over_seeds(functools.partial(_judged, chapter, scale, changes, key, device), seeds,
                               batch=group.batch, min_seeds=group.min_seeds, pooled=group.pooled, executor=executor,
                               progress=progress, desc=f"{chapter}: {group.title}")
        if done.interrupted:
            raise KeyboardInterrupt(f"interrupted while judging {group.title!r}: no result is written")
        _, left_out = runs.batches(seeds, group.batch, group.min_seeds, group.pooled)
        out.append({"key": key, "title": group.title, "left_out": left_out, "claims": _merge(done.results),
                    "notes": [note for r in done.results for note in r["notes"]]})
    return {"chapter": chapter, "scale": scale, "changes": dict(changes or {}), "seeds": seeds,
            "started": started.isoformat(timespec="seconds"), "seconds": round(time.perf_counter() - clock, 1),
            "machine": machine(device), "groups": out}


def local_processes(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """An executor of ``workers`` local processes, started fresh (``spawn``), not forked: a process forked
    after torch has started its thread pool can hang.

    Parameters
    ----------
    workers : int

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
    """
    workers = validate.integer("workers", workers, 1)
    return concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def machine(device: str | None = None) -> dict:
    """Where a result was computed: the device line of the notebooks, the platform and the CPU count."""
    return {"device": devices.describe(device), "platform": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count()}


def _threshold(claim: dict) -> str:
    """The threshold as the notebooks print it (a percentage where the claim is one)."""
    rel = "≥" if claim["relation"] == ">=" else "≤"
    return f"{rel} {_value(claim, claim['threshold'])}"


def _value(claim: dict, value: float | None) -> str:
    """A value of ``claim`` in its own units: a percentage where the claim is one."""
    if value is None:
        return "n/a"
    return f"{100 * value:.4g}%" if claim["percent"] else f"{value:.4g}"


def text(result: dict) -> str:
    """The text report of :func:`judge`'s result: per group, each claim's failures and value range, and
    how many seeds passed every per-seed claim of the group.

    Parameters
    ----------
    result : dict

    Returns
    -------
    str
    """
    seeds = result["seeds"]
    changed = ", ".join(f"{k} = {v}" for k, v in result.get("changes", {}).items())
    lines = [f"{result['chapter']}, scale {result['scale']!r}{' with ' + changed if changed else ''}: seeds "
             f"{seeds[0]}..{seeds[-1]} ({len(seeds)} seeds), {result['seconds']:.0f} s on {result['machine']['device']}"]
    for group in result["groups"]:
        lines.append(group["title"])
        per_seed = {}
        for c in group["claims"]:
            values = [v for v in c["values"] if v is not None]
            span = f"values {_value(c, min(values))} to {_value(c, max(values))}" if values else "no values"
            missing = len(c["values"]) - len(values)
            failed = [u for u, h in zip(c["units"], c["holds"]) if not h]
            if c["pooled"]:
                where = ", ".join(f"seeds {u[0]}-{u[-1]}: {_value(c, v)}" for u, v in zip(c["units"], c["values"]))
                lines.append(f"  {c['title']} {_threshold(c)}: held on {c['held']} of {c['of']} batches "
                             f"({where})")
                continue
            for u, h in zip(c["units"], c["holds"]):
                per_seed[u[0]] = per_seed.get(u[0], True) and h
            names = [u[0] for u in failed]
            lines.append(f"  {c['title']} {_threshold(c)}: failed on {len(names)} of {c['of']} seeds"
                         f"{' ' + str(names) if names else ''} ({span}"
                         f"{f'; does not apply to {missing} seeds' if missing else ''})")
        if per_seed:
            lines.append(f"  every per-seed claim held on {sum(per_seed.values())} of {len(per_seed)} seeds")
        if group["left_out"]:
            lines.append(f"  seeds left out (fewer than a batch): {group['left_out']}")
        lines.extend(f"  {note}" for note in group.get("notes", []))
    return "\n".join(lines)


def _number(text: str) -> int | float | None:
    """``text`` as an int when it is one (exactly, however large), else as a float; None if neither."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring). Returns 0 when it ran, whatever the verdicts."""
    parser = argparse.ArgumentParser(prog="python -m companion.robustness", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", choices=CHAPTERS)
    parser.add_argument("--seeds", type=int, nargs=2, required=True, metavar=("FIRST", "STOP"),
                        help="judge the seeds FIRST, FIRST + 1, ..., STOP - 1")
    parser.add_argument("--scale", default="book", help="the chapter's scale (default: book)")
    parser.add_argument("--groups", nargs="+", default=None, metavar="KEY", help="judge only these groups")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:K (default: CUDA when present)")
    parser.add_argument("--workers", type=int, default=0, help="run batches on this many local processes")
    parser.add_argument("--set", nargs="+", default=[], metavar="FIELD=VALUE",
                        help="change configuration fields in every group's runs (chapters that allow it)")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write the result as JSON here")
    args = parser.parse_args(argv)
    changes = {}
    for item in args.set:
        field, sep, value = item.partition("=")
        number = _number(value)
        if not sep or not field or number is None:
            parser.error(f"--set takes FIELD=NUMBER items; got {item!r}")
        changes[field] = number
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        parser.error(f"--json: the folder of {args.json!r} does not exist")
    first, stop = args.seeds
    if stop <= first:
        parser.error(f"--seeds FIRST STOP needs STOP > FIRST; got {first} {stop}")
    executor = local_processes(args.workers) if args.workers > 0 else None
    try:
        result = judge(args.chapter, range(first, stop), scale=args.scale, groups=args.groups, device=args.device,
                       executor=executor, changes=changes or None)
    except ValueError as error:                       # bad arguments: a message, not a traceback
        parser.error(str(error))
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    result["command"] = "python -m companion.robustness " + " ".join(sys.argv[1:] if argv is None else argv)
    print(text(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
