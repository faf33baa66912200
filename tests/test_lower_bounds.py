"""The lower bounds that pyproject.toml declares, tested: a virtual environment gets exactly those
versions (on top of this environment's torch and test tools) and runs the package's core tests,
among them the check that every figure of a notebook shows in its own cell (matplotlib 3.7 and
3.8 do not display a figure drawn inside ``plots.style()`` in a notebook with the tested ipykernel 7.4
and IPython 9, so the bound is 3.9).

And Colab's ipywidgets: Colab has shipped ipywidgets 7.7.1 since 2022 (``pip-freeze.txt`` of
googlecolab/backend-info), and a Colab notebook installs the package with pip, which would replace
it if the package asked for more. In an environment with ipywidgets 7.7.1, and in one with the newest
8.x, installing the package leaves ipywidgets as it was, an explorer shows its widget beside its
default picture in a kernel and redraws there when a slider moves, and every chapter's explorer builds
and redraws (``tests/test_widgets.py``; in the newest-8 environment only when that is not this
environment's ipywidgets, which the main run's own ``tests/test_widgets.py`` tests)."""
import importlib.metadata
import re

import pytest

import venvs
from venvs import CORE_TESTS, DEPENDENCIES, NAMES


def lowest() -> dict[str, str]:
    """Package -> its declared lower bound, for every dependency that declares one."""
    bounds = {}
    for requirement in DEPENDENCIES:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement.strip())
        if match:
            bounds[match.group(1)] = match.group(2)
        else:
            assert re.fullmatch(r"[A-Za-z0-9_.-]+", requirement.strip()), f"a bound this test does not read: {requirement}"
    return bounds


def test_every_dependency_but_torch_declares_a_lower_bound():
    assert set(NAMES) - set(lowest()) == {"torch"}


def test_core_tests_pass_at_the_declared_lower_bounds(tmp_path):
    python = venvs.create(tmp_path)
    pins = [f"{name}=={version}" for name, version in lowest().items()]
    venvs.pip_install(python, *pins)
    # the venv really runs the lower bounds, not this environment's
    assert venvs.versions(python, lowest()) == lowest()
    # and so does a notebook kernel started from it (test_plots runs one), not this environment's python
    nb = venvs.run_cells(python, ["import matplotlib, numpy\nprint(matplotlib.__version__, numpy.__version__)"],
                         tmp_path)
    assert nb.cells[0].outputs[0]["text"].split() == [lowest()["matplotlib"], lowest()["numpy"]]
    venvs.run_tests(python, CORE_TESTS)


EXPLORER_IN_A_KERNEL = [
    "import companion, ipywidgets\nfrom companion import xor\nex = xor.explore(xor.EXPLORER.replace(steps=20))\nex",
    "ex.controls['steps'].value = 10     # as a student's slider would\n"
    "print(ipywidgets.__version__)\nprint(companion.__file__)",
]


@pytest.mark.parametrize("ipywidgets", ["ipywidgets==7.7.1", "ipywidgets>=8,<9"], ids=["7.7.1", "newest-8"])
def test_installing_the_package_keeps_ipywidgets_and_the_explorers_work(tmp_path, ipywidgets):
    python = venvs.create(tmp_path)
    venvs.pip_install(python, "--upgrade", ipywidgets)
    before = venvs.versions(python, ["ipywidgets"])["ipywidgets"]
    assert before == "7.7.1" or ("7.7.1" not in ipywidgets and before.startswith("8.")), before
    # what a chapter's Colab set-up cell does: pip install the package, its dependencies resolved
    venvs.pip_install(python, str(venvs.package_copy(tmp_path)))
    assert venvs.versions(python, ["ipywidgets"])["ipywidgets"] == before, "installing the package replaced ipywidgets"
    nb = venvs.run_cells(python, EXPLORER_IN_A_KERNEL, tmp_path)
    shown = nb.cells[0].outputs[0]["data"]
    assert {"application/vnd.jupyter.widget-view+json", "image/png"} <= set(shown)
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert state[shown["application/vnd.jupyter.widget-view+json"]["model_id"]]["model_name"] == "VBoxModel"
    # the slider's redraw (a new figure, not the default one) went into the explorer's Output widget,
    # where a front end shows it
    redrawn = [o for m in state.values() if m["model_name"] == "OutputModel" for o in m["state"].get("outputs", [])]
    assert [sorted(o.get("data", {})) for o in redrawn] == [["image/png", "text/plain"]]
    assert redrawn[0]["data"]["image/png"] != shown["image/png"]
    version, location = nb.cells[1].outputs[0]["text"].splitlines()
    assert version == before and location.startswith(str(tmp_path / "venv")), (version, location)   # the installed copy
    # every chapter's explorer builds and redraws: with 7.7.1 here; with the newest 8.x only if it is not the
    # ipywidgets of this environment, whose own run of tests/test_widgets.py already tests that version
    if before != importlib.metadata.version("ipywidgets"):
        venvs.run_tests(python, ["tests/test_widgets.py"])
