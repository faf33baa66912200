"""IPython startup file for the test build of the book: records the text size of every figure a
chapter renders, so that a test can hold the figures to a legible size.

``tests/execute_book.py`` copies this file into the startup folder of a temporary IPython profile
(``IPYTHONDIR``) and names a log file in ``COMPANION_FIGURE_AUDIT``; every kernel that executes a
chapter then runs it first. Each time a figure is rendered to an image (the inline backend's
display, or ``savefig``, which the explorers use for their default picture), one JSON line is
appended to the log: the dots per inch, the smallest font size in points among the visible,
non-empty texts of the figure (tick labels, axis labels, titles, legends, numbers written in cells),
that text, and the first line of the cell that drew it.

Nothing is imported early: ``matplotlib.backend_bases`` is patched when the notebook itself first
imports it, so the kernel meets matplotlib exactly as it would without this file.
"""
import importlib.abc
import importlib.util
import json
import os
import sys


def _record(canvas, kwargs):
    from matplotlib.text import Text

    figure = canvas.figure
    dpi = kwargs.get("dpi") or figure.dpi
    if dpi == "figure":
        dpi = figure.dpi
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    smallest = min(texts, key=lambda t: t.get_fontsize(), default=None)
    try:
        cell = get_ipython().user_ns["_ih"][-1]     # noqa: F821 (the kernel's own name)
    except Exception:                                # not in a kernel: no cell to name
        cell = ""
    line = {"dpi": float(dpi), "points": smallest.get_fontsize() if smallest else None,
            "text": smallest.get_text()[:60] if smallest else "",
            "cell": next((s for s in cell.splitlines() if s.strip() and not s.startswith("#")), "")[:100]}
    with open(os.environ["COMPANION_FIGURE_AUDIT"], "a") as log:
        log.write(json.dumps(line) + "\n")


def _patch(module):
    original = module.FigureCanvasBase.print_figure

    def print_figure(self, *args, **kwargs):
        _record(self, kwargs)
        return original(self, *args, **kwargs)

    module.FigureCanvasBase.print_figure = print_figure


class _WhenImported(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Patches ``matplotlib.backend_bases`` right after its own loader has executed it."""

    name = "matplotlib.backend_bases"

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        self.loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _patch(module)


if os.environ.get("COMPANION_FIGURE_AUDIT"):
    if "matplotlib.backend_bases" in sys.modules:
        _patch(sys.modules["matplotlib.backend_bases"])
    else:
        sys.meta_path.insert(0, _WhenImported())
