"""How long a student waits for each exercise check, given the right answer.

Usage (from the repository root):  python benchmarks/bench_checks.py [--device cpu] [--only xor attention ...]

Each check is called twice with the answer of the chapter's solution: the first call runs the
experiment the check judges (most keep it for the session), the second is what a student meets when
rerunning the cell. Prints both times and the verdict (every line must read "right"). Anything a
check needs that the student would already have (an XOR sample, the privacy chapter's first
reconstruction trial) is built first and not timed.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.stats import spearmanr

from companion import device as devices
from companion import privacy, xor
from companion.checks import attention as attention_checks
from companion.checks import kernels as kernel_checks
from companion.checks import privacy as privacy_checks
from companion.checks import xor as xor_checks


def xor_cases(dev):
    sample = xor.sample(xor_checks.EXERCISE.replace(init_scale=1e-7), seed=0)
    w1 = xor_checks.step_one_reference(sample, xor_checks.EXERCISE.step_size)
    return {
        "step_one": lambda: xor_checks.step_one(w1, sample, xor_checks.EXERCISE.step_size),
        "step_one_margin": lambda: xor_checks.step_one_margin(lambda a, p, n, s: a * (p + s ** 2) / (8 * n),
                                                              device=dev),
        "hebbian_vector": lambda: xor_checks.hebbian_vector(sample.labels @ sample.x, sample),
        "delay": lambda: xor_checks.delay(1e-4 * 1.5 ** 3, 3e-4, seeds=(0, 1, 2), device=dev),
    }


def attention_cases(dev):
    phi = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))                       # noqa: E731
    return {
        "step_one_accuracy": lambda: attention_checks.step_one_accuracy(
            lambda rho, n, d, eta: phi(rho ** 2 * (n / 2) * (1 - 2 * eta) / math.sqrt(n * d)), device=dev),
        "largest_step_on_p": lambda: attention_checks.largest_step_on_p(0.011, 0.02, device=dev),
        "noise_tokens_threshold": lambda: attention_checks.noise_tokens_threshold(
            lambda n, eta, k: math.sqrt(2 * k / (n * (1 - 2 * eta))), device=dev),
        "margin_threshold_formula": lambda: attention_checks.margin_threshold_formula(
            lambda n, eta: math.sqrt(2 / ((1 - eta) * n))),
    }


def kernels_cases(dev):
    return {
        "tempered_constant": lambda: kernel_checks.tempered_constant(lambda d: d / (d - 1), device=dev),
        "eigenlearning_e0": lambda: kernel_checks.eigenlearning_e0(1.61676),
        "spline_l2": lambda: kernel_checks.spline_l2(2 / 3),
        "best_ridge": lambda: kernel_checks.best_ridge(3.16, device=dev),
    }


def privacy_cases(dev):
    trial = privacy.reconstruction_trial(n=20, seed=0, side=16, device=dev)
    correlation = float(spearmanr(trial.scores, trial.multipliers).statistic)
    answer = "largest" if correlation > 0.2 else "smallest" if correlation < -0.2 else "unrelated"
    return {
        "stationary_multipliers": lambda: privacy_checks.stationary_multipliers(
            lambda m, n, wd: 1 / (1 + np.exp(m)) / (n * wd)),
        "noise_defence": lambda: privacy_checks.noise_defence(0.05, 0.124, device=dev),
        "membership_dimension": lambda: privacy_checks.membership_dimension(300),
        "exposure": lambda: privacy_checks.exposure(answer, correlation, trial),
    }


CHAPTERS = {"xor": xor_cases, "attention": attention_cases, "kernels": kernels_cases, "privacy": privacy_cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, cuda or cuda:K (default: CUDA when present)")
    parser.add_argument("--only", nargs="*", choices=sorted(CHAPTERS), default=list(CHAPTERS))
    args = parser.parse_args()
    dev = devices.resolve_device(args.device)
    print(f"device: {devices.describe(dev)}")
    for chapter in args.only:
        for name, call in CHAPTERS[chapter](dev).items():
            times = []
            for _ in range(2):
                start = time.perf_counter()
                feedback = call()
                times.append(time.perf_counter() - start)
            verdict = "right" if feedback.correct else "WRONG: " + feedback.message[:200]
            print(f"{chapter:9s} {name:26s} first call {times[0]:6.1f} s, rerun {times[1]:6.1f} s  {verdict}")


if __name__ == "__main__":
    main()
