"""How often do the privacy chapter's claims hold on seeds the chapter never used?

Usage (from the repository root):

    python benchmarks/privacy_seed_robustness.py --seeds 100 130 --parts bias univariate membership reconstruction failures

Runs, for every seed, exactly the runs behind the chapter's "What we verified" cell and judges each
seed by the claims in their per-seed form (companion.privacy.claims_*); prints, for each claim, the
seeds it failed on and the range of its value, and how many seeds passed every claim. The univariate
claim pools ten seeds, as in the chapter: it is judged once per batch of ten consecutive seeds.
Parts: ``bias`` (implicit bias, 8x8 digits), ``univariate``, ``membership``, ``reconstruction`` (the
verified setting, 16x16, with both controls: about 20 s per seed on a 2-core CPU) and ``failures``
(the six variants at 8x8: about 45 s per seed).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from companion import claims, privacy


def _bias(seeds, dev):
    plain, fast = [], []
    for s in seeds:
        d = privacy.digits(20, s, side=8, held_out=0, device=dev)
        common = dict(widths=(200,), step_size=0.5, seed=s, init_scale=0.1, kkt=True, device=dev)
        plain.append(privacy.train_homogeneous(d.X, d.y, steps=10_000, **common))
        fast.append(privacy.train_homogeneous(d.X, d.y, steps=4_000, normalized=0.005, **common))
    return privacy.claims_implicit_bias(plain, fast)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs=2, default=[100, 130], metavar=("FIRST", "STOP"))
    parser.add_argument("--parts", nargs="+", default=["bias", "univariate", "membership", "reconstruction", "failures"],
                        choices=["bias", "univariate", "membership", "reconstruction", "failures"])
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    seeds = list(range(*args.seeds))
    for part in args.parts:
        start = time.perf_counter()
        if part == "univariate":
            runs = [privacy.univariate_attack(n=12, seed=s, device=args.device) for s in seeds]
            separated = privacy.claims_univariate(runs)[0]
            print(f"univariate, seeds {seeds[0]}-{seeds[-1]} ({time.perf_counter() - start:.0f} s):")
            print(claims.robustness_report(*claims.verdicts([separated]), seeds))
            for b in range(0, len(runs) - 9, 10):
                pooled = claims.aggregate(privacy.claims_univariate(runs[b:b + 10]))[1]
                (hits, total), (control_hits, control_total) = privacy.pooled_kinks(runs[b:b + 10])
                ctrl = control_hits / control_total
                print(f"  seeds {seeds[b]}-{seeds[b + 9]}: {'held' if pooled.holds else 'FAILED'} "
                      f"({hits} of {total} kinks at training points, {hits / total / ctrl:.2f} times the untrained "
                      f"networks' share; {pooled.measured:.1f} standard errors, threshold {pooled.threshold:g})")
            print(f"  KKT residuals: {np.min([r.residual for r in runs]):.2f}-{np.max([r.residual for r in runs]):.2f}")
            continue
        if part == "bias":
            per_seed = _bias(seeds, args.device)
        elif part == "membership":
            per_seed = privacy.claims_membership(privacy.membership_over_dimension((20, 100, 1000), n=50, seeds=seeds,
                                                                                   device=args.device))
        elif part == "reconstruction":
            per_seed = privacy.claims_reconstruction([privacy.reconstruction_trial(n=20, seed=s, side=16, device=args.device)
                                                      for s in seeds])
        else:
            per_seed = privacy.claims_failures(privacy.compare(privacy.FAILURES, seeds, side=8, control=False,
                                                               device=args.device))
        print(f"{part}, seeds {seeds[0]}-{seeds[-1]} ({time.perf_counter() - start:.0f} s):")
        print(claims.robustness_report(*claims.verdicts(per_seed), seeds), flush=True)


if __name__ == "__main__":
    main()
