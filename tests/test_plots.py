"""The book's figure style: no global state on import, and every figure of a notebook is displayed."""
import subprocess
import sys

import nbformat
from nbclient import NotebookClient


def test_importing_plots_changes_no_setting():
    code = ("import matplotlib as mpl; before = dict(mpl.rcParams); import companion.plots, companion.xor; "
            "print(sorted(k for k in before if k != 'backend' and before[k] != mpl.rcParams[k]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_styled_figure_of_a_notebook_is_displayed():
    # the inline backend is activated by a notebook's first figure; if that happened inside the style
    # context and the context then restored matplotlib's interactive flag, no later figure would show
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in [
        "import matplotlib.pyplot as plt\nfrom companion import plots",
        "with plots.style():\n    fig, ax = plt.subplots()\n    ax.plot([1, 2])",
        "with plots.style():\n    fig, ax = plt.subplots()\n    ax.plot([1, 3])",
        "fig, ax = plt.subplots()\nax.plot([1, 4])",
    ]]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    for cell in nb.cells[1:]:
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.source
