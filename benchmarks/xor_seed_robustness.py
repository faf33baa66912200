"""How often do the XOR chapter's claims hold, seed by seed, at a given scale?

Usage (from the repository root):

    python benchmarks/xor_seed_robustness.py --seeds 1000 1030                 # the book scale
    python benchmarks/xor_seed_robustness.py --scale theorem --seeds 1000 1030
    python benchmarks/xor_seed_robustness.py --scale fast_start --seeds 1000 1030
    python benchmarks/xor_seed_robustness.py --seeds 100 140 --set n=200 dim=50000 signal=40

Every seed is judged by exactly the chapter's claims (companion.xor.seed_verdicts, the per-seed form
of companion.xor.claims). The script prints, for each claim, how many seeds it failed on and which,
the range of each claim's value over the seeds, and how many seeds passed every claim.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from companion import claims, xor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    runs = {name: (sc.config, sc.expect) for name, sc in xor.SCALES.items()}
    runs["fast_start"] = (xor.FAST_START, xor.FAST_START_EXPECT)
    parser.add_argument("--scale", default="book", choices=sorted(runs))
    parser.add_argument("--seeds", type=int, nargs=2, default=[1000, 1030], metavar=("FIRST", "STOP"))
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="change fields of the scale's configuration, e.g. n=200 signal=40")
    parser.add_argument("--chunk", type=int, default=10, help="seeds trained together in one batch")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    base, expect = runs[args.scale]
    changes = {}
    for item in args.set:
        field, _, value = item.partition("=")
        kind = type(getattr(base, field))
        changes[field] = kind(float(value)) if kind is int else kind(value)
    cfg = base.replace(**changes)
    seeds = list(range(*args.seeds))
    start = time.perf_counter()
    statements, values, holds = None, [], []
    for i in range(0, len(seeds), args.chunk):
        run = xor.train(cfg, seeds=seeds[i:i + args.chunk], device=args.device, progress=False)
        statements, v, h = xor.seed_verdicts(run, expect)
        values.append(v)
        holds.append(h)
    values, holds = np.concatenate(values), np.concatenate(holds)
    print(f"config: {cfg}")
    print(f"expectations: {expect}")
    print(f"seeds {seeds[0]}..{seeds[-1]} ({len(seeds)} seeds) in {time.perf_counter() - start:.0f} s")
    print(claims.robustness_report(statements, values, holds, seeds))
    # the label-weighted cluster-pair imbalance d_k = sum_i y_i s_ik, largest first, with each seed's verdict
    d = np.array([np.abs(xor.label_imbalance(cfg, s)).max() for s in seeds])
    order = np.argsort(-d, kind="stable")
    print("  seeds by largest |d_k| (label-weighted imbalance of a cluster pair):")
    print("   ", ", ".join(f"{seeds[i]}: {d[i]} {'held' if holds[i].all() else 'FAILED'}" for i in order[:10]))


if __name__ == "__main__":
    main()
