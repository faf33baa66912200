"""Time companion.xor.train (span fast path) against plain autograd GD of the same network.

Usage (from the repository root):

    python benchmarks/bench_xor.py                  # the issue's size, on the default device
    python benchmarks/bench_xor.py --device cpu
    python benchmarks/bench_xor.py --paper          # adds a paper-scale run of the fast path alone

Both runs train one seed on the same data and initialization (xor.sample), for the same number of
steps, recording the same steps, on the same device; the script checks that they reach the same
accuracies before it prints the ratio. The paper-scale line reports the fast path's time per step
next to the time of the step's n-by-n-by-m products measured alone (a batched matmul), to show
whether the step is bound by those products or by per-step overhead (kernel launches).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from companion import device as devices
from companion import engine, xor


def timed(fn, dev):
    devices.synchronize(dev)
    start = time.perf_counter()
    out = fn()
    devices.synchronize(dev)
    return out, time.perf_counter() - start


def compare(cfg: xor.XORConfig, dev: torch.device, seed: int = 0) -> None:
    record = engine.record_steps(cfg.steps)
    xor._cached_products.cache_clear()          # time the fast path from scratch, data drawing included
    fast, t_fast = timed(lambda: xor.train(cfg, seeds=[seed], device=dev, record=record, progress=False), dev)
    s = xor.sample(cfg, seed, device=dev)
    ref, t_plain = timed(lambda: engine.plain_gd(s.x, s.labels, s.w0, s.out_weights, cfg.step_size, cfg.steps,
                                                 record, x_eval=s.x_test), dev)
    ref_train = ((ref.train_out * s.labels.cpu().numpy()) > 0).mean(axis=-1)
    ref_test = ((ref.eval_out * s.test_labels.cpu().numpy()) > 0).mean(axis=-1)
    train_gap = np.abs(fast.train_acc - ref_train).max()
    test_gap = np.abs(fast.test_acc - ref_test).max()
    print(f"size: n={cfg.n}, dim={cfg.dim:,}, width={cfg.width}, steps={cfg.steps}, n_test={cfg.n_test}, "
          f"recorded steps={len(record)}, device={devices.describe(dev)}")
    print(f"  plain autograd GD : {t_plain:8.2f} s   ({1e3 * t_plain / cfg.steps:.2f} ms/step)")
    print(f"  xor.train (span)  : {t_fast:8.2f} s   ({1e3 * t_fast / cfg.steps:.3f} ms/step, data drawing "
          f"and set-up included)")
    print(f"  ratio plain / span: {t_plain / t_fast:8.1f}x")
    print(f"  largest accuracy difference over recorded steps: train {train_gap:.4f}, test {test_gap:.4f}")
    print(f"  final test accuracy: span {fast.test_acc[0, -1]:.3f}, plain {ref_test[0, -1]:.3f}")


def paper_scale(cfg: xor.XORConfig, dev: torch.device, seeds: int) -> None:
    run, t_total = timed(lambda: xor.train(cfg, seeds=list(range(seeds)), device=dev, record=[0, 1, cfg.steps],
                                           progress=False), dev)
    products = [xor._products(cfg, s, dev) for s in range(seeds)]
    problem, _ = xor._assemble(products[0], cfg.signal, cfg.noise_rate, cfg.init_scale)
    stacked = {k: v[None].expand(seeds, *v.shape).contiguous() for k, v in problem.items()}
    sp = engine.SpanProblem(out_weights=engine.output_weights(cfg.width, dev), **stacked)
    _, t_loop = timed(lambda: engine.span_gd(sp, cfg.step_size, cfg.steps, record=np.array([0, cfg.steps])), dev)
    coef = torch.randn_like(sp.pre0)
    reps = 50
    _, t_mm = timed(lambda: [torch.baddbmm(sp.pre0, coef, sp.gram) for _ in range(reps)], dev)
    print(f"paper scale: n={cfg.n}, dim={cfg.dim:,}, width={cfg.width}, steps={cfg.steps}, seeds={seeds}, "
          f"device={devices.describe(dev)}")
    print(f"  xor.train total (drawing data + set-up + steps): {t_total:.2f} s; "
          f"final test accuracy {np.round(run.test_acc[:, -1], 3).tolist()}")
    print(f"  step loop alone: {1e3 * t_loop / cfg.steps:.3f} ms/step; the step's (S, m, n) x (S, n, n) product "
          f"alone: {1e3 * t_mm / reps:.3f} ms; ratio {t_loop / cfg.steps / (t_mm / reps):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: CUDA when available)")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--paper", action="store_true", help="also time the fast path at paper scale")
    parser.add_argument("--paper-seeds", type=int, default=3)
    args = parser.parse_args()
    dev = devices.resolve_device(args.device)
    compare(xor.XORConfig(n=100, dim=10_000, width=500, signal=25.0, noise_rate=0.1, step_size=0.05,
                          init_scale=1e-6, steps=args.steps, n_test=1000), dev)
    if args.paper:   # the size the issue names for a GPU: n=200, dim=100,000, width=1,000
        paper_scale(xor.XORConfig(n=200, dim=100_000, width=1000, signal=40.0, steps=1000, n_test=1000), dev,
                    args.paper_seeds)


if __name__ == "__main__":
    main()
