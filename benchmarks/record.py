"""Run a benchmark and write what it printed to a record the book includes.

    python benchmarks/record.py book/benchmarks/xor-plain.txt python benchmarks/bench_xor.py --device cpu --only plain

The record begins with the command (``$ python benchmarks/...``), then holds the benchmark's standard
output unedited, then one line naming when and on what machine it ran (date, CPU count, the load
average when it started, Python, torch and the platform), so that a page can include it as it was
written (``{literalinclude}``) and a reader can rerun the same command. A benchmark that fails
writes no record: the command's error is shown and the old record, if any, is left as it was.
"""
from __future__ import annotations

import pathlib
import subprocess
import sys

from common import machine_line     # this folder is on the import path when the script runs


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "python":
        print(__doc__, file=sys.stderr)
        return 2
    out, command = pathlib.Path(argv[0]), argv[1:]
    header = machine_line()
    proc = subprocess.run([sys.executable, *command[1:]], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        return proc.returncode
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"$ {' '.join(command)}\n{proc.stdout.rstrip()}\n{header}\n")
    sys.stdout.write(out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
