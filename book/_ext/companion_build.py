"""Sphinx extension used by the book build: the kernels that execute the chapters show no progress
bars, so none is stored in the built pages.

The kernels inherit this process's environment, and companion.engine draws no bar when
``COMPANION_PROGRESS`` is ``0``. Nothing else is hidden: anything a cell writes to stderr (a Python
warning, for instance) is still reported by myst-nb as a build warning (``nb_output_stderr: warn``),
which ``-W`` turns into an error.
"""
import os


def setup(app):
    os.environ["COMPANION_PROGRESS"] = "0"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
