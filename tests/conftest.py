"""Shared fixtures: the book, built once per test session (it executes every chapter)."""
import os
import pathlib
import subprocess
import sys
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def build_book(root: pathlib.Path, out: pathlib.Path) -> subprocess.CompletedProcess:
    """``jupyter-book build`` of ``root`` into ``out`` with warnings as errors, as the README says."""
    return subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root),
                           "--path-output", str(out), "-W", "-n", "--keep-going"], capture_output=True, text=True,
                          cwd=root)


@dataclass
class Built:
    proc: subprocess.CompletedProcess
    html: pathlib.Path

    @property
    def log(self) -> str:
        return self.proc.stdout[-6000:] + self.proc.stderr[-6000:]


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Built:
    """The book built from this checkout. Setting ``COMPANION_BUILT_HTML`` to the ``_build/html`` of
    a build made by hand skips the build (for working on the page checks alone)."""
    prebuilt = os.environ.get("COMPANION_BUILT_HTML")
    if prebuilt:
        return Built(subprocess.CompletedProcess([], 0, "", ""), pathlib.Path(prebuilt))
    out = tmp_path_factory.mktemp("book")
    return Built(build_book(ROOT, out), out / "_build" / "html")
