"""The newest releases: a virtual environment of its own gets the newest release of every dependency in
pyproject.toml (torch included), pytest, nbclient and ipykernel, then the package, the way a Colab
notebook installs it; the package's core tests pass there, and the fastest chapter's student version
runs from top to bottom in an empty folder, as in Colab, with every claim holding.

Marked ``newest``: it downloads from PyPI and takes minutes, so it runs only when asked for
(``python -m pytest -m newest -rP tests/test_newest.py``; ``-rP`` prints the versions it installed).
torch comes from PyTorch's CPU index when that is reachable; otherwise from the machine's configured
indexes, where the newest Linux wheel is a CUDA build (several GB; it runs on the CPU too). The
virtual environment is removed at the end."""
import shutil
import time
import urllib.request

import pytest

import venvs
from venvs import CORE_TESTS, NAMES, ROOT

STUDENT = ROOT / "book" / "student" / "attention.ipynb"     # the fastest chapter (book/performance.md)
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TOOLS = ["pytest", "nbclient", "ipykernel"]


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=15):
            return True
    except OSError:
        return False


@pytest.mark.newest
def test_the_newest_releases_run_the_core_tests_and_a_student_notebook(tmp_path):
    times = {}
    start = time.perf_counter()
    python = venvs.create(tmp_path, see_outer=False)
    try:
        if _reachable(CPU_INDEX + "/torch/"):
            source = "PyTorch's CPU index"
            venvs.pip_install(python, "--upgrade", "--index-url", CPU_INDEX, "--extra-index-url",
                              "https://pypi.org/simple", "torch")
        else:
            source = "the configured indexes (PyTorch's CPU index unreachable)"
            venvs.pip_install(python, "--upgrade", "torch")
        venvs.pip_install(python, "--upgrade", *[n for n in NAMES if n != "torch"], *TOOLS)
        installed = venvs.versions(python, NAMES + TOOLS + ["ipython", "jupyter_client", "traitlets"])
        venvs.pip_install(python, str(venvs.package_copy(tmp_path)))
        assert venvs.versions(python, installed) == installed, "installing the package changed a version"
        times["install"] = time.perf_counter() - start

        mark = time.perf_counter()
        venvs.run_tests(python, CORE_TESTS)
        times["core tests"] = time.perf_counter() - mark

        mark = time.perf_counter()
        colab = tmp_path / "colab"                # empty, like Colab's /content
        colab.mkdir()
        nb = venvs.execute(python, STUDENT, tmp_path / STUDENT.name, colab)
        times[STUDENT.name] = time.perf_counter() - mark
        lines = [line for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
                 for line in out.get("text", "").splitlines()]
        assert any(line.startswith("running on") for line in lines), "the set-up cell did not run"
        assert not [line for line in lines if "✗" in line], [line for line in lines if "✗" in line]
    finally:
        shutil.rmtree(tmp_path / "venv", ignore_errors=True)      # several GB with a CUDA build of torch
    print(f"\nnewest releases (torch from {source}):",
          ", ".join(f"{name} {version}" for name, version in installed.items()))
    print("times:", ", ".join(f"{what} {seconds:.0f} s" for what, seconds in times.items()),
          f"(all {time.perf_counter() - start:.0f} s)")
