"""How often do the attention chapter's claims hold, seed by seed?

Usage (from the repository root):

    python benchmarks/attention_seed_robustness.py --seeds 1000 1030

Runs, for every seed, exactly the runs of the chapter's "What we verified" cell (the book
configuration's two steps, the low-SNR configuration, the phase-diagram grid and its max-margin
grid, the three long runs and their max-margin solutions, and the high-SNR runs of the "where long
runs end" experiment) and judges each seed by the chapter's claims in their per-seed form
(companion.attention.per_seed_*). Prints, for each claim, the seeds it failed on and the range of its
value, and how many seeds passed every claim. The ablation's claims are about shares of 30 seeds;
they are judged once on the given seeds (which must number at least 20).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from companion import attention, claims, engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="book", choices=sorted(attention.SCALES))
    parser.add_argument("--seeds", type=int, nargs=2, default=[1000, 1030], metavar=("FIRST", "STOP"))
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    seeds = list(range(*args.seeds))
    start = time.perf_counter()
    cfg = attention.config_for(args.scale)
    book = attention.train(cfg, seeds=seeds, device=args.device, progress=False)
    wide = attention.train(cfg.replace(step_size_v=attention.LARGE_STEP_V), seeds=seeds, device=args.device,
                           progress=False)
    low = attention.train(attention.with_snr(cfg, attention.snr(attention.BOOK_LOW_SNR)), seeds=seeds,
                          device=args.device, progress=False)
    signals = list(attention.PHASE_SNRS * np.sqrt(cfg.dim))
    grid = attention.sweep(cfg, {"signal": signals, "n": list(attention.PHASE_NS)}, seeds=seeds, device=args.device,
                           progress=False)
    grid_margins = attention.margin_grid(cfg, signals, attention.PHASE_NS, seeds=seeds)
    role = attention.attention_role(cfg, seeds=seeds, device=args.device, progress=False)
    long_cfg = {name: attention.with_snr(cfg, value).replace(steps=attention.LONG_STEPS)
                for name, value in attention.LONG_SNRS.items()}
    record = engine.record_steps(attention.LONG_STEPS)
    long_runs = {name: attention.train(c, seeds=seeds, device=args.device, record=record, progress=False)
                 for name, c in long_cfg.items()}
    margins = {name: attention.hard_attention_margin(c, seeds=seeds) for name, c in long_cfg.items()}
    fate_cfg = attention.with_snr(cfg, attention.LONG_SNRS["high"]).replace(steps=attention.FATE_STEPS)
    fates = attention.train(fate_cfg, seeds=seeds, device=args.device, record=engine.record_steps(fate_cfg.steps),
                            progress=False)
    fate_margins = attention.hard_attention_margin(fate_cfg, seeds=seeds)
    per_seed = (attention.per_seed_two_steps(book) + attention.per_seed_large_step_v(wide) + attention.per_seed_low_snr(low) + attention.per_seed_phase(grid, grid_margins)
                + attention.per_seed_max_margin(margins, long_runs) + attention.per_seed_fates(fates, fate_margins))
    print(f"scale {args.scale!r}: {cfg}")
    print(f"seeds {seeds[0]}..{seeds[-1]} ({len(seeds)} seeds) in {time.perf_counter() - start:.0f} s")
    print(claims.robustness_report(*claims.verdicts(per_seed), seeds))
    print("ablation (shares over these seeds):")
    for c in attention.claims_attention_role(role):
        print(f"  {'held' if c.holds else 'FAILED'}: {c.statement}: {c.measured:.3f} (threshold {c.threshold:g}; {c.detail})")
    pattern, _ = attention.attention_pattern(fates)
    elsewhere = [s for s, p, b in zip(seeds, pattern, fate_margins.best) if p != b]
    print(f"  high SNR, {fate_cfg.steps} steps: {len(elsewhere)} of {len(seeds)} seeds end outside the max-margin "
          f"pattern {elsewhere if elsewhere else ''}")

if __name__ == "__main__":
    main()
