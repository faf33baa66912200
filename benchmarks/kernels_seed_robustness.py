"""How often do the kernels chapter's claims hold on seeds the chapter never used?

Usage (from the repository root):

    python benchmarks/kernels_seed_robustness.py --seeds 100 130 --relu-batches 3

Kernel claims (per seed): runs, for every seed, exactly the runs behind the chapter's "What we
verified" cell (the three BOOK_CURVES, the fixed-dimension Gaussian curve and the growing-dimension
runs) and judges each seed by the claims in their per-seed form (companion.kernels.per_seed_*);
prints, for each claim, the seeds it failed on and the range of its value, and how many seeds passed
every claim. ReLU claims (judged on medians over 32 seeds, as in the chapter): evaluated on
``--relu-batches`` fresh batches of 32 seeds (seeds 30000 + 100 b + 0..31), one verdict per batch.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from companion import claims, kernels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs=2, default=[100, 130], metavar=("FIRST", "STOP"))
    parser.add_argument("--relu-batches", type=int, default=3)
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    seeds = list(range(*args.seeds))
    start = time.perf_counter()
    curves = {name: kernels.risk_curves(cfg, seeds, device=args.device, progress=False)
              for name, cfg in kernels.BOOK_CURVES.items()}
    prediction = kernels.predicted_curve(kernels.BOOK_CURVES["tempered"])[0]
    fixed = kernels.risk_curves(kernels.DIMENSION_FIXED, seeds, device=args.device, progress=False)
    dims = [kernels.growing_dimension(n, kernels.DIMENSION_EXPONENT) for n in kernels.DIMENSION_NS]
    growing = kernels.dimension_risk(kernels.DIMENSION_NS, dims, 1.0, 1.0, seeds, device=args.device, progress=False)
    growing_pred = kernels.gaussian_prediction(kernels.DIMENSION_NS, dims, 1.0, 1.0)
    per_seed = (kernels.per_seed_curves(curves, prediction) + kernels.per_seed_slopes(kernels.noise_slopes(
        seeds, device=args.device)) + kernels.per_seed_dimension(fixed, growing, growing_pred))
    print(f"kernel claims, seeds {seeds[0]}-{seeds[-1]} ({time.perf_counter() - start:.0f} s):")
    print(claims.robustness_report(*claims.verdicts(per_seed), seeds))
    tem = curves["tempered"]
    gap = np.abs(tem.risk[:, 0].mean(axis=2) - prediction[None, :])
    print("  Laplace |measured - eigenlearning| by n (max over seeds): "
          + ", ".join(f"n={n}: {g:.3f}" for n, g in zip(tem.ns, gap.max(axis=0))))
    for b in range(args.relu_batches):
        batch = list(range(30000 + 100 * b, 30000 + 100 * b + 32))
        start = time.perf_counter()
        relu = kernels.relu_risk((32, 64, 128, 256, 512), batch, progress=False)
        verdict = kernels.claims_relu(relu)
        print(f"ReLU claims, batch {b} (seeds {batch[0]}-{batch[-1]}, {time.perf_counter() - start:.0f} s): "
              + "; ".join(f"{'held' if c.holds else 'FAILED'} ({c.measured:.3f} vs {c.threshold:g})" for c in verdict))


if __name__ == "__main__":
    main()
