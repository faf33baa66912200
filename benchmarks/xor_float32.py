"""Where does float32 stop being good enough for the XOR dynamics? Float32 against float64 on the
same draws, across the dimension.

Usage (from the repository root):  python benchmarks/xor_float32.py [--seeds 3]

At each dimension p the configuration keeps the book configuration's proportions, so the dynamics
look alike at every p: ||mu||^2 / sqrt(p) = 5.2, step size * p / n = 3, and an initialization whose
share of a test point's pre-activation, init_scale * sqrt(p), is 0.17 times what one early step
adds through the signal, step_size * ||mu||^2 / sqrt(n p). Both runs use the same Gram draws (sampler "wishart", drawn in float64); the
script prints the largest difference of any recorded accuracy and the largest relative
difference of the network's outputs over the recorded steps. companion.xor.FLOAT64_ABOVE_DIM is
set from this table.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from companion import xor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    print(f"n={args.n}, width=200, n_test=500, 200 steps, seeds {seeds}")
    print(f"{'dim':>8} {'max |acc32 - acc64|':>20} {'max rel. output diff':>22} {'final test acc (64)':>22}")
    for exponent in (5, 6, 7, 8, 9, 10, 11, 12, 13, 14):
        p = 10 ** exponent
        signal2, step = 5.2 * np.sqrt(p), 3 * args.n / p
        cfg = xor.XORConfig(n=args.n, dim=p, width=200, n_test=500, signal=float(np.sqrt(signal2)), step_size=step,
                            init_scale=0.17 * step * signal2 / np.sqrt(args.n * p) / np.sqrt(p), steps=200)
        runs = {dt: xor.train(cfg, seeds=seeds, device="cpu", dtype=dt, progress=False)
                for dt in (torch.float32, torch.float64)}
        a, b = runs[torch.float32], runs[torch.float64]
        acc = max(np.abs(getattr(a, k) - getattr(b, k)).max() for k in ("train_acc", "flipped_train_acc", "test_acc"))
        rel = np.abs(a.test_out - b.test_out).max() / np.abs(b.test_out).max()
        print(f"{'1e%d' % exponent:>8} {acc:20.4f} {rel:22.2e} {b.test_acc[:, -1].min():22.3f}")


if __name__ == "__main__":
    main()
