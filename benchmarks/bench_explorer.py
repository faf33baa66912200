"""How fast does the XOR chapter's explorer answer a slider change?

Usage (from the repository root):  python benchmarks/bench_explorer.py

Builds the explorer (first run and first figure included), then moves each slider once and times
the rerun and redraw it triggers, with the figure rendered to PNG as Jupyter shows it (every change
draws the seed's data again, as inner products, so a dimension of 10^15 costs what 10^4 does).
"""
from common import explorer_timings

from companion import xor


def main() -> None:
    built, timings = explorer_timings(lambda: xor.explore(device="cpu"), [
        ("noise_rate", 0.3), ("snr", 20.0), ("step", 1.0), ("laziness", 100.0), ("steps", 2000), ("dim", 1e15),
        ("dim", 1e4)])
    print(f"explorer built (first run and figure included): {built:.2f} s")
    for name, value, seconds in timings:
        print(f"  {name} -> {value}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
