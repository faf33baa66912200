"""Shared fixtures: the book executed once per test run, in the background.

``tests/execute_book.py`` runs in a separate process: it executes every chapter once at book scale on
one core, builds the book from those executions and runs the student versions (its docstring says
how). When the whole suite runs (no test paths, ``-k`` or ``-m`` on the command line: the README's
command), it starts before the tests are collected, on the core that collection leaves idle, and is
stopped if, after all, no collected test needs it; otherwise it starts once the tests are collected,
and only if one of them needs the executed book.
The tests that need it (marked by the fixture ``book_built``, or ``book_run`` for the student
versions, which run last) are moved to the end of the run, so the unit tests use the other core
meanwhile. Unit tests run torch on one thread: two threads on a 2-core machine shared with a kernel
only contend.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

os.environ.setdefault("OMP_NUM_THREADS", "1")      # before torch is imported, here and in subprocesses
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


from execute_book import BUILT, NO_STUDENTS, STATUS, UNITS_DONE, build_book  # noqa: E402,F401  (tests/test_book.py uses build_book)


@dataclass
class BookRun:
    """What ``tests/execute_book.py`` did (``status.json``) and where it wrote it."""

    out: pathlib.Path
    status: dict

    @property
    def html(self) -> pathlib.Path:
        return self.out / "_build" / "html"

    @property
    def figures(self) -> pathlib.Path:
        return self.out / "figures.jsonl"

    @property
    def log(self) -> str:
        text = (self.out / "build.log").read_text()
        return text[-6000:]

    def executed(self, name: str):
        """The chapter ``name`` as this run executed it."""
        import nbformat
        return nbformat.read(self.out / "tree" / "book" / f"{name}.ipynb", as_version=4)


_RUN: dict = {}


def _start() -> None:
    """Start ``tests/execute_book.py`` in the background, writing into a new temporary folder."""
    out = pathlib.Path(tempfile.mkdtemp(prefix="companion-book-run-"))
    log = open(out / "execute.log", "w")
    command = [sys.executable, str(ROOT / "tests" / "execute_book.py"), str(out)]
    _RUN.update(out=out, log=log, proc=subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))


def _stop() -> None:
    """Stop the book's execution (execute_book.py stops its kernels on SIGTERM) and remove its folder,
    unless ``COMPANION_KEEP_BOOK_RUN`` asks to keep it, and forget it."""
    proc = _RUN.get("proc")
    if proc is not None and proc.poll() is None:
        proc.terminate()
        proc.wait(60)
    if _RUN.get("out") is not None and not os.environ.get("COMPANION_KEEP_BOOK_RUN"):
        shutil.rmtree(_RUN["out"], ignore_errors=True)
    if _RUN.get("log") is not None:
        _RUN["log"].close()
    _RUN.clear()


def pytest_configure(config):
    """The whole suite (no test paths, no ``-k``, no ``-m``): start the book's execution now, while the
    tests are collected on the other core."""
    whole = getattr(config, "args_source", None) != pytest.Config.ArgsSource.ARGS
    chosen = config.getoption("keyword", "") or config.getoption("markexpr", "")
    if whole and not chosen and not config.getoption("collectonly", False) \
            and not os.environ.get("COMPANION_BOOK_RUN") and not _RUN:
        _start()


@pytest.hookimpl(trylast=True)          # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(session, config, items):
    """Start the book's execution if a selected test needs it (or stop the one started early if none
    does), and run those tests last."""
    def need(item, name):
        return name in getattr(item, "fixturenames", ())

    built = [item for item in items if need(item, "book_built") and not need(item, "book_run")]
    run = [item for item in items if need(item, "book_run")]
    if os.environ.get("COMPANION_BOOK_RUN"):
        return
    if not built + run:
        _stop()
        return
    later = {id(item) for item in built + run}
    items[:] = [item for item in items if id(item) not in later] + built + run    # the built book's tests first
    if not _RUN:
        _start()
    if not run:
        (_RUN["out"] / NO_STUDENTS).touch()         # the student versions are not needed


def pytest_terminal_summary(terminalreporter):
    """The book's one execution: each chapter's time and slowest cells, the build, the student versions."""
    found = [_RUN["out"] / name for name in (STATUS, BUILT) if _RUN.get("out") and (_RUN["out"] / name).exists()]
    if not found:
        return
    status = json.loads(found[0].read_text())
    write = terminalreporter.write_line
    terminalreporter.section("the book, executed once (tests/execute_book.py)")
    for name, result in status["chapters"].items():
        write(f"{name}: {result['seconds']:.0f} s; slowest cells: "
              + "; ".join(f"{s:.0f} s (cell {i}: {first[:50]})" for s, i, first in result["cells"][:3]))
    write(f"book build from the executed chapters: {status['build']['seconds']:.0f} s")
    if status.get("students"):
        write("student versions: " + ", ".join(f"{n} {r['seconds']:.0f} s" for n, r in status["students"].items()))


def pytest_unconfigure(config):
    _stop()                 # a run cut short leaves no kernel behind


def _book(part: str) -> BookRun:
    """Wait for ``part`` of this run's book execution (``status.json``, or ``built.json``, which
    ``tests/execute_book.py`` writes as soon as the build has finished) and read it. An earlier run's
    folder, named by ``COMPANION_BOOK_RUN``, is read instead (for working on the checks alone)."""
    earlier = os.environ.get("COMPANION_BOOK_RUN")
    if earlier:
        out = pathlib.Path(earlier)
        path = out / part
    else:
        proc, out = _RUN["proc"], _RUN["out"]
        (out / UNITS_DONE).touch()                  # the unit tests are done: the run may use both cores
        path = out / part
        while not path.exists() and proc.poll() is None:
            time.sleep(1)
        if part == STATUS:
            proc.wait()
        # the built book stands even if a student version fails later (book_run reports that)
        if not path.exists() or (part == STATUS and proc.returncode != 0):
            raise AssertionError("tests/execute_book.py failed:\n" + (out / "execute.log").read_text()[-6000:])
    assert path.exists(), f"the book's execution did not finish: no {path}"
    return BookRun(out, json.loads(path.read_text()))


@pytest.fixture(scope="session")
def book_built() -> BookRun:
    """The chapters executed once for this test run and the book built from them
    (``tests/execute_book.py``); the student versions may still be running."""
    return _book(BUILT)


@pytest.fixture(scope="session")
def book_run() -> BookRun:
    """Everything ``tests/execute_book.py`` did for this test run, the student versions included."""
    return _book(STATUS)


def pytest_runtest_setup(item):
    """Tests marked ``newest`` (tests/test_newest.py: minutes, and the newest releases from PyPI) run
    only when ``-m`` names them, as in ``python -m pytest -m newest tests/test_newest.py``."""
    if item.get_closest_marker("newest") and "newest" not in (item.config.getoption("markexpr") or ""):
        pytest.skip("installs the newest releases from PyPI: run it with -m newest")
