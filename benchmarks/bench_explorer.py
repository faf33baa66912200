"""How fast does the XOR chapter's explorer answer a slider change?

Usage (from the repository root):  python benchmarks/bench_explorer.py

Builds the explorer (first run and first figure included), then moves each slider once and times
the rerun and redraw it triggers. A new dimension draws new data; the other sliders reuse the
seed's cached data products.
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
        for name, value in [("noise_rate", 0.3), ("signal", 60.0), ("step_size", 0.05), ("steps", 1000),
                            ("dim", 40_000), ("dim", 10_000)]:
            start = time.perf_counter()
            explorer.controls[name].value = value
            timings.append((name, value, time.perf_counter() - start))
    print(f"explorer built (first run and figure included): {built:.2f} s")
    for name, value, seconds in timings:
        print(f"  {name} -> {value}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
