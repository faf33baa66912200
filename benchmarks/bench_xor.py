"""Speed of the XOR chapter's training: the span fast path and the Gram sampler against the plain ways.

Usage (from the repository root):

    python benchmarks/bench_xor.py                 # everything below, on the default device
    python benchmarks/bench_xor.py --device cpu --only plain setup dims step

Parts (each prints its own lines; times are medians over --repeat runs, with min and max):

plain  one seed trained twice on the same explicit draws (sampler "explicit"): with xor.train
       (span coefficients) and with plain autograd GD on the explicit weights (engine.plain_gd);
       the script checks that both reach the same accuracies before it prints the ratio.
setup  the book configuration's data set-up (drawing the data and forming every inner product,
       then one step), with the Gram sampler ("wishart") and with explicit vectors.
dims   xor.train at dim = 10^4 and at dim = 10^9 (n=200, width=500, n_test=1000, 200 steps, one
       seed), each in a fresh Python process, reporting its time and the range of its peak resident
       memory over the runs; both in float64, so only the dimension differs, and also at dim = 10^4
       in the default float32.
step   one gradient step of the span model at the book size (3 seeds) against the bare batched
       matrix product it contains: how much the elementwise work adds.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np
import torch

from common import spread, timed

from companion import device as devices
from companion import engine, twolayer, xor


def plain(dev, repeat) -> None:
    cfg = xor.XORConfig(n=100, dim=10_000, width=500, signal=25.0, noise_rate=0.1, step_size=0.05, init_scale=1e-6,
                        steps=2000, n_test=1000)
    record = engine.record_steps(cfg.steps)
    fast, t_fast = timed(lambda: xor.train(cfg, seeds=[0], device=dev, record=record, progress=False,
                                           sampler="explicit"), dev, repeat)
    s = xor.sample(cfg, 0, device=dev)

    def observe(p):
        return {"train": twolayer.explicit_outputs(p["w"], s.x, s.out_weights),
                "test": twolayer.explicit_outputs(p["w"], s.x_test, s.out_weights)}

    ref, t_plain = timed(lambda: engine.plain_gd(lambda p: twolayer.explicit_loss(p["w"], s.x, s.labels, s.out_weights),
                                                 {"w": s.w0}, cfg.step_size, cfg.steps, record=record,
                                                 observe=observe), dev, 1)
    ref_train = ((ref["train"] * s.labels.cpu().numpy()) > 0).mean(axis=-1)
    ref_test = ((ref["test"] * s.test_labels.cpu().numpy()) > 0).mean(axis=-1)
    print(f"plain: n={cfg.n}, dim={cfg.dim:,}, width={cfg.width}, steps={cfg.steps}, n_test={cfg.n_test}, "
          f"recorded steps={len(record)}, device={devices.describe(dev)}")
    print(f"  plain autograd GD (one run)        : {t_plain[0]:8.2f} s")
    print(f"  xor.train, explicit draws + span   : {spread(t_fast)}")
    print(f"  ratio plain / span (median)        : {t_plain[0] / np.median(t_fast):8.1f}x")
    print(f"  largest accuracy difference over recorded steps: train "
          f"{np.abs(fast.train_acc - ref_train).max():.4f}, test {np.abs(fast.test_acc - ref_test).max():.4f}")


def setup(dev, repeat) -> None:
    cfg = xor.BOOK.replace(steps=1)
    print(f"setup: the book configuration (n={cfg.n}, dim={cfg.dim:,}, width={cfg.width}, n_test={cfg.n_test}), "
          f"3 seeds, data set-up plus one step, device={devices.describe(dev)}")
    medians = {}
    for sampler in ("wishart", "explicit"):
        _, t = timed(lambda: xor.train(cfg, seeds=[0, 1, 2], device=dev, record=[0, 1], progress=False,
                                       sampler=sampler), dev, repeat)
        medians[sampler] = np.median(t)
        print(f"  sampler {sampler:8s}: {spread(t)}")
    print(f"  ratio explicit / wishart: {medians['explicit'] / medians['wishart']:.1f}x")


_CHILD = """
import json, sys, time, torch
from companion import xor
dim, dtype = int(sys.argv[1]), getattr(torch, sys.argv[2])
cfg = xor.XORConfig(n=200, dim=dim, width=500, n_test=1000, steps=200, signal=float((5.2 * dim ** 0.5) ** 0.5),
                    step_size=600 / dim, init_scale=1e-3 / dim ** 0.5)
start = time.perf_counter()
res = xor.train(cfg, seeds=[0], device=sys.argv[3], dtype=dtype, progress=False)
seconds = time.perf_counter() - start
# VmHWM: the peak resident memory of this process image (ru_maxrss would carry the parent's peak over exec)
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0].split()[1]
print(json.dumps({"seconds": seconds, "peak_mib": int(hwm) / 1024,
                  "sampler_dims_ok": bool(res.train_acc[0, -1] == 1.0)}))
"""


def dims(dev, repeat) -> None:
    print(f"dims: xor.train with n=200, width=500, n_test=1000, 200 steps, one seed, each run in a fresh process, "
          f"device={devices.describe(dev)}")
    results = {}
    for dim, dtype in ((10**4, "float64"), (10**9, "float64"), (10**4, "float32")):
        runs = [json.loads(subprocess.run([sys.executable, "-c", _CHILD, str(dim), dtype, str(dev)], check=True,
                                          capture_output=True, text=True).stdout) for _ in range(repeat)]
        t = np.array([r["seconds"] for r in runs])
        results[dim, dtype] = np.median(t)
        mib = [r["peak_mib"] for r in runs]
        print(f"  dim=1e{int(np.log10(dim))} {dtype}: {spread(t)}; peak memory "
              f"{min(mib):.0f} to {max(mib):.0f} MiB")
    print(f"  ratio dim 1e9 / dim 1e4 (both float64): {results[10**9, 'float64'] / results[10**4, 'float64']:.2f}")


def step(dev, repeat) -> None:
    S, m, n, steps = 3, 500, 500, 50
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(S, n, 64, generator=gen)
    data = twolayer.SpanData(gram=x @ x.transpose(1, 2), pre0=1e-3 * torch.randn(S, m, n, generator=gen),
                             labels=torch.sign(torch.randn(S, n, generator=gen)), eval_gram=torch.zeros(S, n, 0),
                             eval_pre0=torch.zeros(S, m, 0))
    data = twolayer.SpanData(**{k: v.to(dev) for k, v in vars(data).items() if v is not None})
    model = twolayer.SpanTwoLayer(data, twolayer.output_weights(m, dev))
    _, t_loop = timed(lambda: engine.train(model, engine.GD(1e-3), steps, record=[0], progress=False), dev, repeat)
    coef = torch.randn_like(data.pre0)
    _, t_mm = timed(lambda: [torch.baddbmm(data.pre0, coef, data.gram) for _ in range(steps)], dev, repeat)
    print(f"step: S={S}, m={m}, n={n}, {steps} steps, device={devices.describe(dev)}")
    print(f"  one step (forward, gradient, update): {1e3 * np.median(t_loop) / steps:.3f} ms; the (S, m, n) x (S, n, n) "
          f"product alone: {1e3 * np.median(t_mm) / steps:.3f} ms; ratio {np.median(t_loop) / np.median(t_mm):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: CUDA when available)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=["plain", "setup", "dims", "step"],
                        choices=["plain", "setup", "dims", "step"])
    args = parser.parse_args()
    dev = devices.resolve_device(args.device)
    for part in args.only:
        globals()[part](dev, args.repeat)


if __name__ == "__main__":
    main()
