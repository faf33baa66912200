"""Timing helpers shared by the benchmark scripts (run them from the repository root, e.g.
``python benchmarks/bench_xor.py``; this folder is then on the import path)."""
from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import platform
import shlex
import sys
import time

import numpy as np
import torch

from companion import device as devices


def timed(fn, dev, repeat=1):
    """Run ``fn`` ``repeat`` times, synchronizing the device around each run; its last result and
    the times in seconds."""
    times, out = [], None
    for _ in range(repeat):
        devices.synchronize(dev)
        start = time.perf_counter()
        out = fn()
        devices.synchronize(dev)
        times.append(time.perf_counter() - start)
    return out, np.array(times)


def spread(times) -> str:
    """Median, minimum and maximum of repeated times."""
    return f"{np.median(times):8.3f} s (min {times.min():.3f}, max {times.max():.3f}, {len(times)} runs)"


def explorer_timings(build, changes):
    """Build an explorer, then move each slider once; the build time and, for each change, the time of
    the rerun and redraw it triggers with the figure rendered to PNG as Jupyter shows it.

    Parameters
    ----------
    build : callable
        Returns a ``companion.widgets.Explorer``.
    changes : sequence of (str, value)
        Slider names and the values to move them to, in order.
    """
    with contextlib.redirect_stdout(io.StringIO()):     # outside Jupyter the figure output prints a repr
        start = time.perf_counter()
        explorer = build()
        built = time.perf_counter() - start
        timings = []
        for name, value in changes:
            start = time.perf_counter()
            explorer.controls[name].value = value
            explorer.figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")
            timings.append((name, value, time.perf_counter() - start))
    return built, timings


def run_parts(doc: str, parts: dict) -> None:
    """The command line of a benchmark script: ``--device``, ``--repeat`` and ``--only`` (a subset of
    ``parts``, a mapping of part names to ``fn(device, repeat)``), then run the chosen parts in order."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: CUDA when available)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted(parts), default=list(parts))
    args = parser.parse_args()
    dev = devices.resolve_device(args.device)
    for name in args.only:
        parts[name](dev, args.repeat)


def command_line() -> str:
    """The command that runs this script, as typed: ``$ python benchmarks/bench_x.py --out ...``."""
    return "$ python " + " ".join(shlex.quote(arg) for arg in sys.argv)


def machine_line() -> str:
    """When and where, as ``benchmarks/record.py`` writes it: the date, the CPUs, the load average now,
    Python, torch and the platform."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"# recorded {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')} on "
            f"{os.cpu_count()} CPUs (load average {load:.1f} at the start), Python {platform.python_version()}, "
            f"torch {torch.__version__}, {platform.platform()}")


def record(path: str, text: str, machine: str | None = None) -> None:
    """Write a benchmark's printed ``text`` to ``path`` (its folder must exist) as the records in
    ``book/benchmarks/`` are: a first line with the command that ran it (:func:`command_line`), the
    text, and a last line with the date and the machine (``machine``: take :func:`machine_line` before
    the runs, so that its load average is the other work's, not the benchmark's own; default: now)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{command_line()}\n{text.rstrip()}\n{machine or machine_line()}\n")
