"""The lower bounds that pyproject.toml declares, tested: a virtual environment gets exactly those
versions (on top of this environment's torch and test tools) and runs the package's core tests,
among them the check that every figure of a notebook shows in its own cell (matplotlib 3.7 and
3.8 do not display a figure drawn inside ``plots.style()`` in a notebook with the tested ipykernel 7.4
and IPython 9, so the bound is 3.9)."""
import pathlib
import re
import subprocess
import sys
import sysconfig
import tomllib


ROOT = pathlib.Path(__file__).resolve().parents[1]
DEPENDENCIES = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
CORE_TESTS = ["tests/test_plots.py", "tests/test_engine.py", "tests/test_gram.py", "tests/test_twolayer.py",
              "tests/test_widgets.py", "tests/test_claims.py"]


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
    names = [re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in DEPENDENCIES]
    assert set(names) - set(lowest()) == {"torch"}


def test_core_tests_pass_at_the_declared_lower_bounds(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    # the venv sees this environment's packages (torch, pytest, the companion package) after its own:
    # --system-site-packages would give it the base interpreter's instead, which lack them when the
    # tests run in a virtual environment. addsitedir also reads their .pth files (the editable install).
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    outer = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (pathlib.Path(purelib) / "_outer_environment.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({d!r})" for d in outer) + "\n")
    pins = [f"{name}=={version}" for name, version in lowest().items()]
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, "could not install the lower bounds " + " ".join(pins) + ":\n" + install.stderr[-3000:]
    code = ("import importlib.metadata as m, json, sys; "
            "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))")
    versions = subprocess.run([python, "-c", code, *lowest()], capture_output=True, text=True, check=True).stdout
    for name, version in lowest().items():   # the venv really runs the lower bounds, not this environment's
        assert f'"{name}": "{version}"' in versions, (name, version, versions)
    # and so does a notebook kernel started from it (test_plots runs one), not this environment's python
    kernel = ("import nbformat, json; from nbclient import NotebookClient; nb = nbformat.v4.new_notebook(); "
              "nb.cells = [nbformat.v4.new_code_cell('import matplotlib, numpy; print(matplotlib.__version__, numpy.__version__)')]; "
              "NotebookClient(nb, kernel_name='python3', timeout=120).execute(); print(nb.cells[0].outputs[0]['text'])")
    seen = subprocess.run([python, "-c", kernel], capture_output=True, text=True, check=True).stdout.split()
    assert seen == [lowest()["matplotlib"], lowest()["numpy"]], seen
    run = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *CORE_TESTS],
                         cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
