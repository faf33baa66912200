"""Scale-out of a seed sweep: ``runs.over_seeds`` of an XOR training in this process, on one Dask
worker and on two (a local cluster, one task and one torch thread per worker, as
``python -m companion.robustness --dask`` starts it), each timed ``--repeat`` times (median, min,
max), the three in turn, after an untimed warm-up (one seed in each process, so that imports and
first-call costs are not timed); Dask runs every batch anew (``pure=False``: no result handed back
from an earlier run). The results of every timed run are checked to be identical, seed for seed, to
the in-process run before the speed-up of two workers over one is printed. Needs the optional
packages dask and distributed.

    python benchmarks/bench_scaleout.py
    python benchmarks/bench_scaleout.py --seeds 8 --batch 2 --steps 50 --out book/benchmarks/scaleout.txt
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import os
import sys
import time

import numpy as np
import torch

import common
from companion import robustness, runs, xor


def identical(a: xor.XORResult, b: xor.XORResult) -> bool:
    """Every field of two results equal, arrays element for element."""
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        same = np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
        if not same:
            return False
    return True


def sweep(experiment, seeds, batch, executor=None) -> tuple[float, list]:
    """One timed sweep: its seconds and its per-batch results."""
    start = time.perf_counter()
    done = runs.over_seeds(experiment, seeds, batch=batch, executor=executor, progress=False)
    seconds = time.perf_counter() - start
    if done.interrupted:
        raise SystemExit("interrupted: nothing is written")
    return seconds, [r[0] for r in done.results]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=8, help="seeds in the sweep (default 8)")
    parser.add_argument("--batch", type=int, default=2, help="seeds per batch (default 2)")
    parser.add_argument("--steps", type=int, default=50, help="gradient steps of each training (default 50)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=None, metavar="FILE", help="also write the printed text here, after "
                        "the command and the machine")
    args = parser.parse_args()
    if args.out and not os.path.isdir(os.path.dirname(os.path.abspath(args.out))):
        parser.error(f"--out: the folder of {args.out!r} does not exist")
    started = common.machine_line()                    # the load before the benchmark's own work
    torch.set_num_threads(1)                           # one thread here, as in each worker
    cfg = xor.FAST_START.replace(steps=args.steps)
    experiment = functools.partial(xor.claims.run_config, cfg, device="cpu")
    seeds = list(range(args.seeds))
    planned, _ = runs.batches(seeds, args.batch)
    lines = [f"runs.over_seeds of xor.train (FAST_START with {cfg.steps} steps: n = {cfg.n}, p = {cfg.dim:,}, "
             f"m = {cfg.width}) on {len(seeds)} seeds in {len(planned)} batches of {args.batch}, on the CPU, "
             f"one torch thread in each process; {args.repeat} timed runs each (median, min, max)"]
    print(lines[0], flush=True)

    names = ["this process", "dask, 1 worker", "dask, 2 workers"]
    times, results, loads = {n: [] for n in names}, {n: [] for n in names}, []
    with contextlib.ExitStack() as stack:
        pools = {"this process": None}
        sweep(experiment, seeds[:1], 1)                # this process's own warm-up
        for workers, name in ((1, names[1]), (2, names[2])):
            start = time.perf_counter()
            pools[name] = stack.enter_context(robustness.dask_executor(workers=workers, torch_threads=1))
            up = time.perf_counter() - start
            sweep(experiment, seeds[:workers], 1, pools[name])    # one seed on each worker, as here
            print(f"  ({name}: cluster up in {up:.1f} s, workers warmed up in {time.perf_counter() - start - up:.1f} "
                  "s, neither timed)", flush=True)
        for _ in range(args.repeat):                   # in turn, so that other work on the machine hits all alike
            for name in names:
                loads.append(os.getloadavg()[0])
                seconds, result = sweep(experiment, seeds, args.batch, pools[name])
                times[name].append(seconds)
                results[name].append(result)
    times = {name: np.array(t) for name, t in times.items()}
    for name, t in times.items():
        lines.append(f"{name:<16}{common.spread(t)}")
    lines.append(f"load average (1 min) as the timed runs started: {min(loads):.1f} to {max(loads):.1f}")
    reference = results["this process"][0]
    same = all(identical(a, b) for rs in results.values() for r in rs for a, b in zip(reference, r))
    lines.append(f"results identical seed for seed in every run: {'yes' if same else 'NO'}")
    if not same:
        print("\n".join(lines[1:]))
        print("the results differ: no speed-up is reported", file=sys.stderr)
        return 1
    one, two, here = times["dask, 1 worker"], times["dask, 2 workers"], times["this process"]
    lines.append(f"speed-up of 2 workers over 1: {np.median(one) / np.median(two):.2f}x (ratio of the medians; "
                 f"{one.min() / two.max():.2f}x to {one.max() / two.min():.2f}x over the runs); this process over "
                 f"1 worker: {np.median(here) / np.median(one):.2f}x")
    text = "\n".join(lines)
    print("\n".join(lines[1:]))
    if args.out:
        common.record(args.out, text, machine=started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
