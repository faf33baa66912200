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
Batches can run on any :class:`concurrent.futures.Executor`: in this process (the default), on N
local processes (``--workers N``) or on a Dask cluster (``--dask``). Each batch computes the same
thing wherever it runs, so on the same kind of device, with the same number of torch threads, the
values and verdicts are identical seed for seed (``tests/test_robustness.py`` checks it for local
processes and for a two-worker Dask cluster).

Running at paper scale, on a Dask cluster (the optional packages ``dask`` and ``distributed``;
``requirements.txt`` pins them)::

    python -m companion.robustness xor --seeds 1000 1030 --dask                # a local cluster, 2 workers
    python -m companion.robustness xor --seeds 1000 1030 --dask --workers 8    # ... of 8 workers
    python -m companion.robustness xor --scale paper --seeds 1000 1100 --dask tcp://host:8786
    python -m companion.robustness xor --scale paper --seeds 1000 1100 --dask scheduler.json --workers 4

``--dask`` alone starts a local cluster of ``--workers`` processes (default 2), one task at a time
each and one torch thread each (``--torch-threads`` to change it), and closes it at the end.
``--dask ADDRESS`` connects to a running scheduler instead (any Dask deployment: ``dask scheduler``
with ``dask worker`` jobs, dask-jobqueue's ``SLURMCluster``, ...), by its address or by the
scheduler file it wrote (``dask scheduler --scheduler-file scheduler.json``); ``--workers N`` then
waits until N workers have joined, and ``--torch-threads N`` sets torch's threads in every worker
(by default the workers keep their own: Dask's nanny starts them with ``OMP_NUM_THREADS=1``; give
CPU-only workers of C cores each ``--torch-threads C``; for one GPU per worker one thread is fine).
The device is picked on each worker, not here: ``--device`` names it for every batch; without it each
batch runs on CUDA where its worker has a GPU (with one GPU per worker, e.g. Slurm's
``--gres=gpu:1``, that is the worker's own), else on the CPU. The record says where it ran
(``machine``: the devices the batches reported and the executor, e.g. ``dask: 2 workers (1 thread
each) at tcp://127.0.0.1:40427``). An interrupted run (Ctrl-C) closes the cluster and writes
nothing. From a notebook, :func:`dask_executor` gives the same executor to :func:`judge` or to
:func:`companion.runs.over_seeds`.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import functools
import importlib
import inspect
import json
import os
import platform
import sys
import time
from typing import Sequence

import numpy as np
import torch

from . import claims, device as devices, runs, validate
from .executors import DASK_MISSING, dask_executor, executor_line, local_processes  # noqa: F401 (re-exported)

__all__ = ["CHAPTERS", "claim_groups", "judge", "text", "local_processes", "dask_executor", "executor_line", "machine",
           "main"]

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
    process sends back), with the device line of where it ran. ``device`` is resolved here, in the
    process that runs the batch (None: CUDA when this worker has a GPU), not where the batches were sent
    from."""
    try:
        where = devices.describe(device)
    except ValueError as error:                      # a device this worker lacks
        raise ValueError(f"{error} (on {platform.node()}, where a batch ran)") from None
    group = claim_groups(chapter, scale, changes)[key]
    inputs = group.run(list(seeds), device=device)
    per_seed = group.judged(inputs)
    notes = list(group.notes(*(inputs if isinstance(inputs, tuple) else (inputs,)))) if group.notes else []
    return {"seeds": list(seeds), "device": where, "notes": [str(n) for n in notes], "claims": [
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
        Where the runs compute: ``"cpu"``, ``"cuda"`` or ``"cuda:K"`` for every batch; None: CUDA where
        the process running a batch has a GPU, else the CPU. It is resolved where each batch runs: a
        Dask worker may have a GPU that this machine lacks (this machine checks only its form then).
    executor : concurrent.futures.Executor, optional
        Where the batches run (default: in this process): :func:`local_processes`,
        :func:`dask_executor`, or any other.
    progress : bool or None
        Progress bars over the seeds of each group.
    changes : dict, optional
        Configuration fields to change in every group's runs (see :func:`claim_groups`).

    Returns
    -------
    dict
        JSON-ready: ``chapter``, ``scale``, ``seeds``, ``started``, ``seconds``, ``machine`` (see
        :func:`machine`: the devices the batches ran on and the executor) and
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
    _check_device(device, executor)                   # a clear error here rather than in a worker
    for key in keys:                                  # every group can be judged on these seeds, before any runs
        group = available[key]
        try:
            runs.batches(seeds, group.batch, group.min_seeds, group.pooled)
        except ValueError as error:
            raise ValueError(f"{error} to judge {group.title!r} (group {key!r})") from None
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.perf_counter()
    out, done_all = [], []
    for key in keys:
        group = available[key]
        done = runs.over_seeds(functools.partial(_judged, chapter, scale, changes, key, device), seeds,
                               batch=group.batch, min_seeds=group.min_seeds, pooled=group.pooled, executor=executor,
                               progress=progress, desc=f"{chapter}: {group.title}")
        if done.interrupted:
            raise KeyboardInterrupt(f"interrupted while judging {group.title!r}: no result is written")
        done_all.extend(done.results)
        _, left_out = runs.batches(seeds, group.batch, group.min_seeds, group.pooled)
        out.append({"key": key, "title": group.title, "left_out": left_out, "claims": _merge(done.results),
                    "notes": [note for r in done.results for note in r["notes"]]})
    return {"chapter": chapter, "scale": scale, "changes": dict(changes or {}), "seeds": seeds,
            "started": started.isoformat(timespec="seconds"), "seconds": round(time.perf_counter() - clock, 1),
            "machine": machine(device, executor, ran_on=[r["device"] for r in done_all]), "groups": out}


def _check_device(device, executor: concurrent.futures.Executor | None) -> None:
    """Refuse a bad ``device`` before any batch runs: one that this machine lacks when the batches run
    here (in this process or local ones), only a malformed one when they run elsewhere (a Dask worker
    resolves its own)."""
    if executor is None or isinstance(executor, (concurrent.futures.ProcessPoolExecutor,
                                                 concurrent.futures.ThreadPoolExecutor)):
        devices.resolve_device(device)
        return
    if device is None or isinstance(device, torch.device):
        return
    try:
        kind = torch.device(device).type if isinstance(device, str) else None
    except (RuntimeError, ValueError):
        kind = None
    if kind not in ("cpu", "cuda"):
        raise ValueError(f"device must be None, 'cpu', 'cuda' or 'cuda:K'; got {device!r}")


def machine(device: str | None = None, executor: concurrent.futures.Executor | None = None,
            ran_on: Sequence[str] | None = None) -> dict:
    """Where a result was computed.

    Parameters
    ----------
    device : str, optional
        The device asked for, described as this machine sees it (the notebooks' device line).
    executor : concurrent.futures.Executor, optional
        Where the batches ran (:func:`executor_line`).
    ran_on : sequence of str, optional
        The device lines the batches reported from where they ran; their distinct lines, joined by
        ``"; "``, replace this machine's (a worker's device need not exist here).

    Returns
    -------
    dict
        ``device``, ``executor``, and this machine's ``platform``, ``python`` version and ``cpus``.
    """
    lines = list(dict.fromkeys(ran_on or []))
    return {"device": "; ".join(lines) if lines else devices.describe(device), "executor": executor_line(executor),
            "platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()}


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
             f"{seeds[0]}..{seeds[-1]} ({len(seeds)} seeds), {result['seconds']:.0f} s on {result['machine']['device']}"
             + (f", {result['machine']['executor']}" if result["machine"].get("executor", "this process")
                != "this process" else "")]
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


class _DaskAddress(argparse.Action):
    """``--dask [ADDRESS]``, refusing a chapter's name as the address (``--dask xor`` with the chapter last)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if values in CHAPTERS:
            parser.error(f"--dask took {values!r} for a scheduler's address: put the chapter before --dask")
        setattr(namespace, self.dest, values)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring). Returns 0 when it ran, whatever the verdicts; 130
    when interrupted (then nothing is written)."""
    paragraphs = __doc__.split("\n\n")             # the docstring's examples, each with the line before them
    examples = [p for i, p in enumerate(paragraphs)
                if p.startswith("    ") or paragraphs[i + 1:i + 2] and paragraphs[i + 1].startswith("    ")]
    parser = argparse.ArgumentParser(prog="python -m companion.robustness", description=paragraphs[0],
                                     epilog="\n\n".join(examples).replace("::", ":"),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", choices=CHAPTERS)
    parser.add_argument("--seeds", type=int, nargs=2, required=True, metavar=("FIRST", "STOP"),
                        help="judge the seeds FIRST, FIRST + 1, ..., STOP - 1")
    parser.add_argument("--scale", default="book", help="the chapter's scale (default: book)")
    parser.add_argument("--groups", nargs="+", default=None, metavar="KEY", help="judge only these groups")
    parser.add_argument("--device", default=None,
                        help="cpu, cuda, cuda:K for every batch (default: CUDA where the process running a batch "
                             "has a GPU, else the CPU)")
    parser.add_argument("--workers", type=int, default=0, metavar="N",
                        help="run batches on this many local processes; with --dask, the local cluster's workers "
                             "(default 2), or with --dask ADDRESS, wait until this many workers have joined")
    parser.add_argument("--dask", nargs="?", const="", default=None, metavar="ADDRESS", action=_DaskAddress,
                        help="run batches on Dask (needs dask and distributed): alone, a local cluster of --workers "
                             "processes; with a scheduler's address (tcp://host:8786) or scheduler file "
                             "(scheduler.json), that running cluster (e.g. dask-jobqueue's SLURMCluster)")
    parser.add_argument("--torch-threads", type=int, default=None, metavar="N",
                        help="with --dask: torch threads in each worker (default: 1 on a local cluster; on a "
                             "scheduler the workers' own, which Dask makes 1)")
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
    if args.workers < 0 or (args.torch_threads is not None and args.torch_threads < 1):
        parser.error("--workers and --torch-threads take a number >= 1")
    if args.torch_threads is not None and args.dask is None:
        parser.error("--torch-threads sets the threads of Dask workers: use it with --dask")
    try:
        with contextlib.ExitStack() as stack:
            executor = None
            if args.dask is not None:
                try:
                    executor = stack.enter_context(dask_executor(args.dask or None, args.workers or None,
                                                                 args.torch_threads))
                except ModuleNotFoundError as error:
                    parser.error(f"--dask: {error}")
                except OSError as error:
                    parser.error(f"--dask: no Dask scheduler answered at {args.dask!r}: {error}")
            elif args.workers > 0:
                executor = local_processes(args.workers)
                stack.callback(executor.shutdown, cancel_futures=True)
            try:
                result = judge(args.chapter, range(first, stop), scale=args.scale, groups=args.groups,
                               device=args.device, executor=executor, changes=changes or None)
            except ValueError as error:               # bad arguments: a message, not a traceback
                parser.error(str(error))
    except KeyboardInterrupt:                         # the workers are shut down, the cluster closed
        print("interrupted: no result is written", file=sys.stderr)
        return 130
    result["command"] = "python -m companion.robustness " + " ".join(sys.argv[1:] if argv is None else argv)
    print(text(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
