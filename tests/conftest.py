"""Shared fixtures: the book, built once per test session (it executes every chapter)."""
import os
import pathlib
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def build_book(root: pathlib.Path, out: pathlib.Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``jupyter-book build`` of ``root`` into ``out`` with warnings as errors, as the README says;
    ``env`` adds to the environment the build and its kernels see."""
    return subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root),
                           "--path-output", str(out), "-W", "-n", "--keep-going"], capture_output=True, text=True,
                          cwd=root, env={**os.environ, **(env or {})})


@dataclass
class Built:
    proc: subprocess.CompletedProcess
    html: pathlib.Path
    figures: pathlib.Path | None = None    # one JSON line per rendered figure (tests/figure_audit.py)

    @property
    def log(self) -> str:
        return self.proc.stdout[-6000:] + self.proc.stderr[-6000:]


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Built:
    """The book built from this checkout, its kernels recording the text size of every figure they
    render (``tests/figure_audit.py``, run as an IPython startup file). Setting
    ``COMPANION_BUILT_HTML`` to the ``_build/html`` of a build made by hand skips the build (for
    working on the page checks alone; the figure log is then missing)."""
    prebuilt = os.environ.get("COMPANION_BUILT_HTML")
    if prebuilt:
        return Built(subprocess.CompletedProcess([], 0, "", ""), pathlib.Path(prebuilt))
    out = tmp_path_factory.mktemp("book")
    ipython = out / "ipython"
    (ipython / "profile_default" / "startup").mkdir(parents=True)
    shutil.copy(pathlib.Path(__file__).with_name("figure_audit.py"),
                ipython / "profile_default" / "startup" / "00-figure-audit.py")
    figures = out / "figures.jsonl"
    proc = build_book(ROOT, out, env={"IPYTHONDIR": str(ipython), "COMPANION_FIGURE_AUDIT": str(figures)})
    return Built(proc, out / "_build" / "html", figures)
