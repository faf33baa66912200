"""The attention chapter's mechanism claims, over many seeds, cheaply.

Usage (from the repository root):

    python benchmarks/attention_mechanism.py --seeds 4000 4200

Two measurements, on every seed of the range:

separation  the book configuration's two steps: the mechanism claim of the chapter (within each
            class, the least attention on the signal token of a clean example minus the most of a
            flipped one, companion.attention.attention_separation, must be positive) against the
            average gap the chapter also claims (mean over clean minus mean over flipped at
            least attention.GAP_MIN = 0.20; at the earlier book SNR 0.258 it failed on 2 of 200 seeds).
fates       the high-SNR runs of "Where long runs end" (FATE_STEPS steps): how many end outside
            the max-margin pattern, whether any class splits, and the label counts of the classes
            that end on their noise tokens, against those of the other classes.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from companion import attention


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs=2, default=[4000, 4200], metavar=("FIRST", "STOP"))
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    seeds = list(range(*args.seeds))
    start = time.perf_counter()
    book = attention.train(attention.BOOK, seeds=seeds, device=args.device, progress=False)
    sep = attention.attention_separation(book, 2)
    groups = attention.attention_by_group(book, 2)
    gap = groups["clean"] - groups["flipped"]
    have = np.isfinite(sep)
    print(f"separation: book configuration, seeds {seeds[0]}..{seeds[-1]}, {have.sum()} of {len(seeds)} seeds with "
          f"flipped labels")
    print(f"  least clean minus most flipped (claim: >= 0): min {np.nanmin(sep):.3f}, median {np.nanmedian(sep):.3f}, "
          f"not positive on {int((sep[have] <= 0).sum())} seeds")
    print(f"  mean clean minus mean flipped (claim >= 0.20): min {np.nanmin(gap):.3f}, median {np.nanmedian(gap):.3f}, "
          f"below 0.20 on {int((gap[have] < 0.2).sum())} seeds")
    cfg = attention.with_snr(attention.BOOK, attention.LONG_SNRS["high"]).replace(steps=attention.FATE_STEPS)
    run = attention.train(cfg, seeds=seeds, device=args.device, record=[0, 2, 20, cfg.steps], progress=False)
    margins = attention.hard_attention_margin(cfg, seeds=seeds)
    pattern, split = attention.attention_pattern(run)
    early, _ = attention.attention_pattern(run, step=20)
    elsewhere = pattern != margins.best
    print(f"fates: high SNR {attention.snr(cfg):.3f}, {cfg.steps} steps, {len(seeds)} seeds")
    print(f"  max-margin pattern signal/signal on {int((margins.best == 0).sum())} seeds; runs ending outside it: "
          f"{int(elsewhere.sum())}; classes split between token kinds: {int(split.sum())}; pattern at step 20 = "
          f"final pattern on {int((early == pattern).sum())} seeds")
    if elsewhere.any():
        print(f"  clean test accuracy at step {cfg.steps}: ending outside {run.test_acc[elsewhere, -1].min():.3f} to "
              f"{run.test_acc[elsewhere, -1].max():.3f}", end="")
    if (~elsewhere).any():
        print(f"; in the max-margin pattern {run.test_acc[~elsewhere, -1].min():.3f} to "
              f"{run.test_acc[~elsewhere, -1].max():.3f}")
    cls = attention.clean_labels(run)
    stuck, other = [], []
    for k, p in enumerate(pattern):
        for c, kind in zip((1, -1), attention.PATTERNS[p].split("/")):
            counts = (int((~run.flipped[k] & (cls[k] == c)).sum()), int((run.flipped[k] & (cls[k] == c)).sum()))
            (stuck if kind == "noise" else other).append(counts)
    net = lambda rows: np.array([a - b for a, b in rows])  # noqa: E731
    print(f"  classes on their noise tokens (clean, flipped): {sorted(stuck)}")
    if stuck:
        print(f"  clean minus flipped: on noise {net(stuck).min()} to {net(stuck).max()}; on signal "
              f"{net(other).min()} to {net(other).max()} ({int((net(other) <= net(stuck).max()).sum())} of "
              f"{len(other)} classes on signal at or below the largest value on noise)")
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
