"""How fast does the XOR chapter's explorer answer a slider change?

Usage (from the repository root):  python benchmarks/bench_explorer.py

Builds the explorer (first run and first figure included), then moves each slider once and times
the rerun and redraw it triggers (every change draws the seed's data again, as inner products, so
a dimension of 10^15 costs what 10^4 does).
"""
import contextlib
import io
import time

from companion import xor


def main() -> None:
    with contextlib.redirect_stdout(io.StringIO()):     # outside Jupyter the figure output prints a repr
        start = time.perf_counter()
        explorer = xor.explore(device="cpu")
        built = time.perf_counter() - start
        timings = []
        for name, value in [("noise_rate", 0.3), ("snr", 20.0), ("step", 1.0), ("laziness", 100.0), ("steps", 2000),
                            ("dim", 1e15), ("dim", 1e4)]:
            start = time.perf_counter()
            explorer.controls[name].value = value
            timings.append((name, value, time.perf_counter() - start))
    print(f"explorer built (first run and figure included): {built:.2f} s")
    for name, value, seconds in timings:
        print(f"  {name} -> {value}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
