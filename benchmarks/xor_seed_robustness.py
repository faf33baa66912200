"""How often do the XOR chapter's claims hold, seed by seed, at a given configuration?

Usage (from the repository root):

    python benchmarks/xor_seed_robustness.py --seeds 1000 1050          # the book configuration
    python benchmarks/xor_seed_robustness.py --seeds 0 40 --set n=200 signal=40

For every seed it checks the chapter's two claims (step 1: every training label fitted, flipped
included, and clean test accuracy <= 60%; last step: clean test accuracy >= 95% with every training
label fitted) and prints the seeds where a part fails. The chapter quotes these counts.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from companion import xor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs=2, default=[1000, 1050], metavar=("FIRST", "STOP"))
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="change fields of the book configuration, e.g. n=200 signal=40")
    parser.add_argument("--chunk", type=int, default=10, help="seeds trained together in one batch")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    changes = {}
    for item in args.set:
        field, _, value = item.partition("=")
        kind = type(getattr(xor.BOOK, field))
        changes[field] = kind(float(value)) if kind is int else kind(value)
    cfg = xor.BOOK.replace(**changes)
    seeds = list(range(*args.seeds))
    start = time.perf_counter()
    failures = {"step 1: a training label not fitted": [], "step 1: test accuracy > 60%": [],
                "end: test accuracy < 95%": [], "end: a training label not fitted": []}
    step_one_test, final_test = [], []
    for i in range(0, len(seeds), args.chunk):
        chunk = seeds[i:i + args.chunk]
        run = xor.train(cfg, seeds=chunk, device=args.device, record=[0, 1, cfg.steps], progress=False)
        one, end = run.at(1), run.at(cfg.steps)
        step_one_test += one["test_acc"].tolist()
        final_test += end["test_acc"].tolist()
        for k, seed in enumerate(chunk):
            if one["train_acc"][k] < 1:
                failures["step 1: a training label not fitted"].append(seed)
            if one["test_acc"][k] > xor.STEP_ONE_TEST_MAX:
                failures["step 1: test accuracy > 60%"].append(seed)
            if end["test_acc"][k] < xor.FINAL_TEST_MIN:
                failures["end: test accuracy < 95%"].append(seed)
            if end["train_acc"][k] < 1:
                failures["end: a training label not fitted"].append(seed)
    print(f"config: {cfg}")
    print(f"seeds {seeds[0]}..{seeds[-1]} ({len(seeds)} seeds) in {time.perf_counter() - start:.0f} s")
    for what, bad in failures.items():
        print(f"  {what}: {len(bad)} of {len(seeds)} seeds {bad if bad else ''}")
    print(f"  step-1 test accuracy: max {max(step_one_test):.3f}, mean {np.mean(step_one_test):.3f}")
    print(f"  final test accuracy: min {min(final_test):.3f}, mean {np.mean(final_test):.3f}")
    held = len(seeds) - len(set(s for bad in failures.values() for s in bad))
    print(f"  all claims held on {held} of {len(seeds)} seeds")


if __name__ == "__main__":
    main()
