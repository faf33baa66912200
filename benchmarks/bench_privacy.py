"""Privacy chapter timings: the reconstruction attack's objective against an explicit per-candidate
computation, and a whole reconstruction trial.

Usage (from the repository root):

    python benchmarks/bench_privacy.py --device cpu --repeat 3

Parts:

objective  one evaluation of the attack's loss ``||theta - sum_j lambda_j y_j grad f(x_j)||^2`` and its
           gradient with respect to the candidates and multipliers, 16x16 digits, 256-200-200-1
           softplus network, 40 candidates: companion.privacy's single backward pass through
           ``sum_j lambda_j y_j f(x_j)`` against a plain loop that forms each candidate's parameter
           gradient with autograd (create_graph) and sums them. Checks that both give the same loss
           and gradients before printing the ratio.
trial      companion.privacy.reconstruction_trial at the chapter's settings (n = 20, 16x16): training
           to stationarity, the attack, and the untrained-network control, with the counts.
published  companion.privacy.published_trial (the published ReLU recipe, scaled down) on seeds 0 and 1:
           8x8 after 4,000 and 20,000 GD steps, 16x16 after 4,000: KKT residual, recovered, time.
explorer   the membership explorer: built (first run and figure), then each slider moved once, each
           rerun timed with its figure rendered to PNG as Jupyter shows it.
"""
from __future__ import annotations

import numpy as np
import torch

from common import explorer_timings, run_parts, spread, timed
from companion import device as devices
from companion import privacy


def _objective_parts(dev):
    data = privacy.digits(20, seed=0, side=16, held_out=0, device=dev)
    model = privacy.smooth_network(256, seed=0, device=dev)
    privacy.train_stationary(model, data.X, data.y)
    theta = [p for p in model.parameters() if p.requires_grad]
    target = torch.cat([p.detach().reshape(-1) for p in theta])
    gen = torch.Generator(device="cpu").manual_seed(0)
    x = (0.1 * torch.randn(40, 256, generator=gen, dtype=torch.float64)).to(dev).requires_grad_(True)
    lam = torch.rand(40, generator=gen, dtype=torch.float64).to(dev).requires_grad_(True)
    labels = torch.cat([torch.ones(20), -torch.ones(20)]).to(dev).double()
    return model, theta, target, x, lam, labels


def _fast(model, theta, target, x, lam, labels):
    combo = torch.autograd.grad((lam * labels * model(x)[:, 0]).sum(), theta, create_graph=True)
    loss = ((target - torch.cat([c.reshape(-1) for c in combo])) ** 2).sum()
    return (loss, *torch.autograd.grad(loss, [x, lam]))


def _plain(model, theta, target, x, lam, labels):
    total = 0
    for j in range(x.shape[0]):
        g = torch.autograd.grad(model(x[j:j + 1])[0, 0], theta, create_graph=True)
        total = total + lam[j] * labels[j] * torch.cat([t.reshape(-1) for t in g])
    loss = ((target - total) ** 2).sum()
    return (loss, *torch.autograd.grad(loss, [x, lam]))


def objective(device, repeat):
    dev = devices.resolve_device(device)
    args = _objective_parts(dev)
    fast, t_fast = timed(lambda: _fast(*args), dev, repeat)
    plain, t_plain = timed(lambda: _plain(*args), dev, repeat)
    diff = max(float((a - b).abs().max().detach() / b.abs().max().detach()) for a, b in zip(fast, plain))
    if diff > 1e-9:
        raise AssertionError(f"the two objectives differ by {diff:.2e} (relative)")
    print(f"objective: 16x16, 256-200-200-1 softplus, 40 candidates, device={devices.describe(dev)}")
    print(f"  plain loop over candidates : {spread(t_plain)}")
    print(f"  one backward pass          : {spread(t_fast)}")
    print(f"  ratio (median)             : {np.median(t_plain) / np.median(t_fast):.1f}x  "
          f"(largest relative difference {diff:.1e})")


def trial(device, repeat):
    dev = devices.resolve_device(device)
    out, times = timed(lambda: privacy.reconstruction_trial(n=20, seed=0, side=16, device=dev), dev, repeat)
    print(f"trial: n = 20, 16x16, seed 0, device={devices.describe(dev)}: {spread(times)}")
    print(f"  residual {out.residual:.1e}, recovered {out.recovered}/20, held-out {out.held_out}/20, "
          f"untrained {out.control}/20")


def published(device, repeat):
    dev = devices.resolve_device(device)
    print(f"published: n = 20, 200-200 ReLU, all layers, no weight decay, device={devices.describe(dev)}")
    for side, steps in ((8, 4000), (8, 20000), (16, 4000)):
        for seed in (0, 1):
            out, times = timed(lambda: privacy.published_trial(n=20, seed=seed, side=side, steps=steps, device=dev),
                               dev, repeat)
            print(f"  {side}x{side}, {steps:6,} steps, seed {seed}: KKT residual {out.residual:.2f}, recovered "
                  f"{out.recovered}/20, held-out {out.held_out}/20, attack loss {out.attack_loss:.2f}, "
                  f"test accuracy {out.test_acc:.2f}: {spread(times)}")


def explorer(device, repeat):
    built, timings = explorer_timings(lambda: privacy.explore(device=device), [
        ("dim", 1000.0), ("n", 100), ("width", 400), ("steps", 4000), ("dim", 20.0)])
    print(f"explorer built (first run and figure included): {built:.2f} s")
    for name, value, seconds in timings:
        print(f"  {name} -> {value}: {seconds:.2f} s")


if __name__ == "__main__":
    run_parts(__doc__, {"objective": objective, "trial": trial, "published": published, "explorer": explorer})
