"""Temporary virtual environments for the tests that run the package under other versions than this
environment's: the declared lower bounds and Colab's ipywidgets (``test_lower_bounds.py``), the
newest releases (``test_newest.py``). Each helper runs a command in the environment and fails the
calling test with the command's output when it fails."""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEPENDENCIES = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
NAMES = [re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in DEPENDENCIES]
# the package's own tests that every such environment runs (no chapter run, no book build)
CORE_TESTS = ["tests/test_plots.py", "tests/test_engine.py", "tests/test_gram.py", "tests/test_twolayer.py",
              "tests/test_widgets.py", "tests/test_claims.py"]
# torch on one thread, no progress bars: what the book's own runs use (a 2-core machine shared with others)
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "COMPANION_PROGRESS": "0"}


def create(folder: pathlib.Path, *, see_outer: bool = True) -> str:
    """A virtual environment in ``folder / "venv"``; its python. With ``see_outer`` it also sees this
    environment's packages (torch, pytest, nbclient, the editable companion package), after its own:
    --system-site-packages would give it the base interpreter's instead, which lack them when the
    tests run in a virtual environment; ``addsitedir`` also reads their .pth files."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    if see_outer:
        purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        outer = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        (pathlib.Path(purelib) / "_outer_environment.pth").write_text(
            "import site; " + "; ".join(f"site.addsitedir({d!r})" for d in outer) + "\n")
    return python


def pip_install(python: str, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """``pip install *args`` in the environment of ``python``; fails the test if pip fails. Without
    byte-compiling what it installs: the tests import a small part of it, and compiling all of numpy,
    SciPy and matplotlib costs seconds of CPU time in every environment."""
    run = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
                          *args],
                         capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, "pip install " + " ".join(args) + " failed:\n" + run.stderr[-3000:]
    return run


def package_copy(folder: pathlib.Path) -> pathlib.Path:
    """This checkout's package source (pyproject.toml, README.md, src/) copied to ``folder / "package"``,
    so that ``pip install`` of it builds there, not in the checkout (pip builds a directory in place)."""
    target = folder / "package"
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "src", target / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    return target


def versions(python: str, names) -> dict[str, str]:
    """Installed version of each distribution in ``names``, as the environment's python sees it."""
    code = ("import importlib.metadata as m, json, sys; "
            "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))")
    return json.loads(subprocess.run([python, "-c", code, *names], capture_output=True, text=True,
                                     check=True).stdout)


def execute(python: str, notebook: pathlib.Path, out: pathlib.Path, cwd: pathlib.Path, timeout: int = 900):
    """Execute ``notebook`` with nbclient in a kernel started from the environment of ``python``, in the
    folder ``cwd`` (torch on one thread, no progress bars); returns the executed notebook, also written
    to ``out``. A cell that raises fails the test with the error."""
    import nbformat
    code = ("import sys, nbformat; from nbclient import NotebookClient; nb = nbformat.read(sys.argv[1], 4); "
            "NotebookClient(nb, kernel_name='python3', timeout=int(sys.argv[3]), "
            "resources={'metadata': {'path': sys.argv[4]}}).execute(); nbformat.write(nb, sys.argv[2])")
    run = subprocess.run([python, "-c", code, str(notebook), str(out), str(timeout), str(cwd)], cwd=cwd,
                         capture_output=True, text=True, env=ENV)
    assert run.returncode == 0, f"{notebook.name} failed:\n" + run.stderr[-4000:]
    return nbformat.read(out, as_version=4)


def run_cells(python: str, cells: list[str], folder: pathlib.Path):
    """A notebook of ``cells`` executed as :func:`execute` does, in ``folder``; the executed notebook."""
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, folder / "cells.ipynb")
    return execute(python, folder / "cells.ipynb", folder / "cells.out.ipynb", folder, timeout=300)


def run_tests(python: str, tests: list[str], timeout: int = 1800) -> None:
    """``pytest tests`` from the repository root with the environment's python (the project's addopts
    left out: they may name plugins that environment lacks)."""
    run = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests],
                         cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=ENV)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
