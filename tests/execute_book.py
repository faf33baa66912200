"""The one execution of the book per test run: every chapter once at book scale, the book built from
those executed notebooks, and the student versions run on top of the chapters' results.

``python tests/execute_book.py OUT`` (``conftest.py`` starts it in the background, with the test run or
once the tests are collected, so that it runs on one core while the unit tests run on the other):

1. copies the checkout to ``OUT/tree`` (the book's sources, the configuration, the package);
2. executes each chapter of ``book/`` in a fresh kernel, in its own folder, as the book build does,
   with torch on one thread and no progress bars; every kernel runs ``tests/figure_audit.py`` (the
   size of every figure's text) and ``tests/replay.py`` in ``record`` mode (the results of the slow
   experiment calls); the executed notebook replaces the chapter in ``OUT/tree/book``;
3. builds the book from ``OUT/tree`` with the README's command (``-W -n --keep-going``), its
   configuration changed in one line only: ``execute_notebooks: "off"``, so that the pages show
   exactly the executions of step 2;
4. executes each student version (``book/student/``) in a fresh kernel in an empty folder, as Colab
   would, as soon as its chapter has run (in the other slot while later chapters run), with
   ``tests/replay.py`` in ``replay`` mode: every cell runs; an experiment called with the same
   arguments as in its chapter returns the chapter's result instead of computing it again.
   A student version whose turn comes once the file ``OUT/no-students`` exists is left out
   (``conftest.py`` creates it when no selected test needs the student versions; ``--no-students``
   creates it at the start).

Everything is written under ``OUT``: ``status.json`` (what each step did, its time, each chapter's
slowest cells, errors; ``built.json``, its part about the chapters and the build, as soon as the build
has finished), the executed notebooks, ``figures.jsonl``, ``build.log`` and the built HTML.
A chapter that fails does not stop the others; its error is in ``status.json``, where the tests read
it. ``status.json`` is written last, so a run that was killed is never read as a finished one.
"""
import concurrent.futures
import datetime
import functools
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXTENSIONS = ROOT / "book" / "_ext"
TESTS = pathlib.Path(__file__).resolve().parent
CELL_TIMEOUT = 600          # seconds, the build's own limit per cell (_config.yml)
UNITS_DONE = "units-done"   # conftest.py creates this file in OUT when the unit tests have finished
NO_STUDENTS = "no-students" # ... and this one when no collected test needs the student versions
ORDER = ["privacy", "xor_grokking", "kernels", "attention"]
"""The chapters, longest first as the test run measures them (one thread each, two at a time), so
that the two slots end together; a chapter not listed goes first."""
STATUS = "status.json"
"""Written (atomically) last: everything the run did, so that a run cut short is never read as finished."""
BUILT = "built.json"
"""Written (atomically) as soon as the build has finished: the chapters' and the build's part of
``status.json``, so that the tests of the built book can start while the student versions still run."""
IGNORED = shutil.ignore_patterns(".git", "_build", "__pycache__", ".pytest_cache", "*.egg-info", ".ipynb_checkpoints")


def build_book(root: pathlib.Path, out: pathlib.Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``jupyter-book build`` of ``root`` into ``out`` with warnings as errors, as the README says;
    ``env`` adds to the environment the build and its kernels see."""
    return subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root),
                           "--path-output", str(out), "-W", "-n", "--keep-going"], capture_output=True, text=True,
                          cwd=root, env={**os.environ, **(env or {})})


def cell_times(nb) -> list[tuple[float, int, str]]:
    """(seconds, index, first line) of every executed code cell, slowest first."""
    out = []
    for i, cell in enumerate(nb.cells):
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start, end = (datetime.datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                          for k in ("iopub.execute_input", "shell.execute_reply"))
            first = next((s for s in cell.source.splitlines() if s.strip() and not s.startswith("#")), "")
            out.append((round((end - start).total_seconds(), 2), i, first[:80]))
    return sorted(out, reverse=True)


def execute(path: pathlib.Path, cwd: pathlib.Path, env: dict[str, str]) -> dict:
    """Execute the notebook at ``path`` in place, in a kernel started in ``cwd`` with ``env`` added to
    this process's environment."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = None
    try:
        NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                       resources={"metadata": {"path": str(cwd)}}).execute(env={**os.environ, **env})
    except Exception:               # the error is the test's to report, with the cell that raised it
        error = traceback.format_exc()[-6000:]
    nbformat.write(nb, path)
    return {"seconds": round(time.perf_counter() - start, 1), "error": error, "cells": cell_times(nb)[:5]}


def in_slots(jobs: dict, slots, after: dict | None = None) -> dict:
    """Run ``jobs`` (name -> function of no argument), at most ``slots()`` at a time, each once the jobs
    it comes ``after`` (name -> names) have finished, the first ready one in their order first; their
    results by name."""
    after = after or {}
    unknown = {n for needs in after.values() for n in needs} - set(jobs)
    if unknown:
        raise ValueError(f"after names jobs that are not in jobs: {sorted(unknown)}")
    done: set = set()
    while len(done) < len(jobs):               # every job must become ready: no cycle
        ready = {n for n in jobs if n not in done and set(after.get(n, ())) <= done}
        if not ready:
            raise ValueError(f"after has a cycle among {sorted(set(jobs) - done)}")
        done |= ready
    results, running, pending = {}, {}, list(jobs)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        while pending or running:
            ready = [n for n in pending if set(after.get(n, ())) <= results.keys()]
            while ready and len(running) < slots():
                name = ready.pop(0)
                pending.remove(name)
                running[name] = pool.submit(jobs[name])
            done, _ = concurrent.futures.wait(running.values(), timeout=2,
                                              return_when=concurrent.futures.FIRST_COMPLETED)
            for name in [n for n, f in running.items() if f in done]:
                results[name] = running.pop(name).result()
    return results


def _stop_kernels(*_) -> None:
    """Kill the kernels this process started (its children; jupyter_client puts them in sessions of
    their own, so they would outlive it) and exit: a cut-short run leaves nothing running."""
    me = str(os.getpid())
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            try:
                os.kill(int(stat.parent.name), signal.SIGKILL)
            except OSError:
                pass
    os._exit(1)


def _watch_parent(parent: int) -> None:
    """Stop when the test run that started this process is gone (killed without a chance to stop us)."""
    while os.getppid() == parent:
        time.sleep(5)
    _stop_kernels()


def encrypt_kernel_traffic() -> None:
    """What the book build does (``book/_ext/companion_build.py``): no kernel "running over TCP without
    encryption". Imported here, not at the top: the extension needs the book build's packages
    (docutils, Sphinx), which the environments of the version tests lack, and conftest.py imports
    this module."""
    sys.path.insert(0, str(EXTENSIONS))
    from companion_build import encrypt_kernel_traffic as encrypt
    encrypt()


def main(out: pathlib.Path) -> None:
    encrypt_kernel_traffic()        # as the book build does: no "running over TCP without encryption"
    signal.signal(signal.SIGTERM, _stop_kernels)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    out.mkdir(parents=True, exist_ok=True)
    status = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    tree = out / "tree"
    shutil.copytree(ROOT, tree, ignore=IGNORED, symlinks=True)
    startup = out / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    shutil.copy(TESTS / "figure_audit.py", startup / "00-figure-audit.py")
    shutil.copy(TESTS / "replay.py", startup / "10-replay.py")
    env = {"IPYTHONDIR": str(out / "ipython"), "COMPANION_PROGRESS": "0", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    store = out / "replay"

    def slots() -> int:             # the second core once the unit tests are done with it
        return 2 if (out / UNITS_DONE).exists() else 1

    chapters = sorted((tree / "book").glob("*.ipynb"), key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else -1))
    config = tree / "_config.yml"
    text = config.read_text()
    assert "  execute_notebooks: force" in text, "_config.yml no longer says execute_notebooks: force"

    executed = {}

    def chapter(path: pathlib.Path) -> dict:
        executed[path.stem] = execute(path, path.parent, {
            **env, "COMPANION_FIGURE_AUDIT": str(out / "figures.jsonl"), "COMPANION_REPLAY": f"record:{store}"})
        return executed[path.stem]

    def build() -> dict:
        config.write_text(text.replace("  execute_notebooks: force", '  execute_notebooks: "off"', 1))
        start = time.perf_counter()
        proc = build_book(tree, out, env)
        (out / "build.log").write_text(proc.stdout + proc.stderr)
        result = {"seconds": round(time.perf_counter() - start, 1), "returncode": proc.returncode}
        write_json(out / BUILT, {**status, "chapters": {p.stem: executed[p.stem] for p in chapters}, "build": result})
        return result

    def student(path: pathlib.Path) -> dict | None:
        if (out / NO_STUDENTS).exists():                # no selected test needs the student versions
            return None
        folder = out / "student" / path.stem            # alone in an empty folder, as in Colab
        folder.mkdir(parents=True)
        shutil.copy(path, folder / path.name)
        return execute(folder / path.name, folder, {**env, "COMPANION_REPLAY": f"replay:{store}"})

    # the chapters, longest first; the build once every chapter has run, from the executed notebooks;
    # each student version as soon as its chapter has run (it replays that chapter's results)
    jobs = {f"chapter:{p.stem}": functools.partial(chapter, p) for p in chapters}
    after = {"build": list(jobs)}
    jobs["build"] = build
    for p in sorted((tree / "book" / "student").glob("*.ipynb")):
        jobs[f"student:{p.stem}"] = functools.partial(student, p)
        after[f"student:{p.stem}"] = [f"chapter:{p.stem}"] if f"chapter:{p.stem}" in jobs else []
    done = in_slots(jobs, slots, after)
    status["chapters"] = {name.removeprefix("chapter:"): done[name] for name in jobs if name.startswith("chapter:")}
    status["build"] = done["build"]
    status["students"] = {name.removeprefix("student:"): done[name] for name in jobs
                          if name.startswith("student:") and done[name] is not None}
    shutil.rmtree(store, ignore_errors=True)

    status["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    write_json(out / STATUS, status)


def write_json(path: pathlib.Path, data: dict) -> None:
    """``data`` as JSON at ``path``, all at once: a reader finds the whole file or none."""
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(data, indent=1))
    os.replace(part, path)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--no-students"]):
        sys.exit("usage: python tests/execute_book.py OUT [--no-students]")
    target = pathlib.Path(sys.argv[1]).resolve()
    if "--no-students" in sys.argv:
        target.mkdir(parents=True, exist_ok=True)
        (target / NO_STUDENTS).touch()
    main(target)
