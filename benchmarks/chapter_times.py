"""How long each chapter takes to run as a reader meets it: the notebook alone in an empty folder, in
a fresh kernel, with only the installed companion package (as in Colab), at the book scale.

Run from the repository root:

    python benchmarks/chapter_times.py                       # the four chapters
    python benchmarks/chapter_times.py book/student/*.ipynb   # their student versions
    python benchmarks/chapter_times.py --save                # and store each chapter's outputs

Prints each notebook's wall time, the device its setup cell reported, and any claim line that reads
✗; exits with 1 if a notebook failed or a claim did not hold. With ``--save`` (chapters only), a
notebook that ran without error and without a ✗ is written back with this run's outputs, so that
the outputs a reader sees in the repository are those of the timed run; its progress bars are then
off, as in the book build (in Colab they are on). The performance appendix includes this record.
"""
from __future__ import annotations

import argparse
import glob
import os
import pathlib
import shutil
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))
from execute_book import cell_times, encrypt_kernel_traffic  # noqa: E402  (as the test run does)

STUDENT = pathlib.Path("book") / "student"


def slowest_cell(nb) -> tuple[float, str]:
    """The longest cell's time in seconds (nbclient's timing metadata) and its first line of code."""
    seconds, _, first = cell_times(nb)[0]
    return seconds, first[:60]


def run(path: str, timeout: int, progress: bool = True) -> tuple:
    """Execute ``path`` in an empty folder; its wall time, the device line it printed, ✗ lines, its
    slowest cell (seconds, first line) and the executed notebook; ``progress=False`` turns the
    progress bars off."""
    folder = tempfile.mkdtemp()
    nb = nbformat.read(path, as_version=4)
    try:
        start = time.perf_counter()
        env = {**os.environ, **({} if progress else {"COMPANION_PROGRESS": "0"})}
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": folder}}).execute(env=env)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lines = [line for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
             for line in out.get("text", "").splitlines()]
    device = next((line.strip() for line in lines if line.startswith("running on")), "device not printed")
    return seconds, device, [line for line in lines if "✗" in line], slowest_cell(nb), nb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: book/*.ipynb)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900)")
    parser.add_argument("--save", action="store_true", help="write each notebook back with this run's outputs")
    args = parser.parse_args()
    paths = args.notebooks or sorted(glob.glob("book/*.ipynb"))
    if not paths:
        parser.error("no notebooks found: run from the repository root or name them")
    if args.save and any(pathlib.Path(p).resolve().is_relative_to(STUDENT.resolve()) for p in paths):
        parser.error("--save writes outputs into the notebooks; the student versions are stored without "
                     "outputs (companion.course writes them): leave them out")
    try:                            # as the book build does: no "running over TCP without encryption"
        encrypt_kernel_traffic()
    except ImportError:             # the book build's packages are not installed: the warning stays
        pass
    failed = 0
    for path in paths:
        try:
            seconds, device, crosses, (slowest, first), nb = run(path, args.timeout, progress=not args.save)
        except Exception as error:  # report it and go on to the next notebook
            failed += 1
            print(f"{path}: FAILED: {type(error).__name__}: {str(error).strip().splitlines()[-1:]}")
            continue
        print(f"{path}: {seconds:.0f} s ({device}); slowest cell {slowest:.0f} s ({first})"
              + (f"; {len(crosses)} claim line(s) with ✗" if crosses else ""))
        for line in crosses:
            print("   ", line)
        failed += bool(crosses)
        if args.save and not crosses:
            nbformat.write(nb, path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
