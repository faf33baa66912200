"""Torch's threads on a small CPU when another heavy job runs beside the book.

The chapters' training loops are long sequences of small tensor operations. With OpenMP's default
waiting policy, a thread that reaches a barrier first spins; when another process holds the other
core, every step waits for a descheduled thread. This script times one piece of the attention
chapter (its long run, at the book's sizes, for ``--steps`` steps on three seeds), each in a fresh
process, with 1 or 2 threads and ``OMP_WAIT_POLICY`` unset or ``PASSIVE``: alone, and beside a
competing process that keeps every core busy with its own 2-thread matrix products (as another
user's job on a shared machine would).

    python benchmarks/bench_threads.py                      # --steps 1000 --repeat 3
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

RUN = """
import time, torch
from companion import attention
cfg = attention.with_snr(attention.BOOK, attention.LONG_SNRS["high"]).replace(steps={steps})
start = time.perf_counter()
attention.train(cfg, seeds=[0, 1, 2], device="cpu")
print(time.perf_counter() - start)
"""

COMPETITOR = """
import torch
torch.set_num_threads(2)
a = torch.randn(1500, 1500)
while True:
    a = torch.tanh(a @ a / 40.0)
"""


def timed(threads: int, policy: str | None, steps: int) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "COMPANION_PROGRESS": "0"}
    env.pop("OMP_WAIT_POLICY", None)
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    out = subprocess.run([sys.executable, "-c", RUN.format(steps=steps)], env=env, capture_output=True, text=True,
                         check=True).stdout
    return float(out.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = [(1, None), (2, None), (2, "PASSIVE")]
    print(f"attention long run, book sizes, 3 seeds, {args.steps} steps; {os.cpu_count()} CPUs; "
          f"median (min, max) of {args.repeat} runs, each in a fresh process")
    for beside in (False, True):
        competitor = None
        if beside:
            competitor = subprocess.Popen([sys.executable, "-c", COMPETITOR], env={**os.environ, "OMP_NUM_THREADS": "2"})
            time.sleep(3)
        try:
            medians = {}
            for threads, policy in settings:
                times = np.array([timed(threads, policy, args.steps) for _ in range(args.repeat)])
                medians[(threads, policy)] = np.median(times)
                print(f"  {'beside a 2-thread job' if beside else 'alone':22s} {threads} thread{'s' if threads > 1 else ' '}"
                      f", OMP_WAIT_POLICY={policy or 'unset':8s}: {np.median(times):7.2f} s "
                      f"({times.min():.2f}, {times.max():.2f})")
            base = medians[(1, None)]
            print(f"  {'':22s} ratio to 1 thread: 2 threads {medians[(2, None)] / base:.2f}, "
                  f"2 threads passive {medians[(2, 'PASSIVE')] / base:.2f}")
        finally:
            if competitor is not None:
                competitor.kill()
                competitor.wait()


if __name__ == "__main__":
    main()
