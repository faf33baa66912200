"""Student versions of the chapter notebooks: the same notebook without its solutions.

The chapters follow one convention: an exercise is a markdown prompt, a code cell tagged
``exercise`` that runs as given and calls a check, and a solution cell tagged ``solution``. A
student version drops every ``solution`` cell and clears all outputs.

Command line::

    python -m companion.course book/ --out student/
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import nbformat

__all__ = ["student_version", "write_student_versions"]


def student_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without solution cells and without outputs.

    Parameters
    ----------
    notebook : nbformat.NotebookNode

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ValueError
        If the notebook has solution cells but no exercise cells (a broken convention).
    """
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in notebook.cells]
    if any("solution" in t for t in tags) and not any("exercise" in t for t in tags):
        raise ValueError("notebook has cells tagged 'solution' but none tagged 'exercise'")
    out = nbformat.from_dict(notebook)
    out.cells = [c for c, t in zip(out.cells, tags) if "solution" not in t]
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    out.metadata.pop("widgets", None)
    return out


def write_student_versions(source: str | pathlib.Path, out: str | pathlib.Path) -> list[pathlib.Path]:
    """Write the student version of every notebook under ``source`` into ``out``.

    Parameters
    ----------
    source : path
        A notebook or a folder searched recursively for ``*.ipynb``.
    out : path
        Output folder (created); it must not be ``source`` itself.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    source, out = pathlib.Path(source), pathlib.Path(out)
    if not source.exists():
        raise ValueError(f"source must be a notebook or a folder; {str(source)!r} does not exist")
    paths = [source] if source.is_file() else sorted(
        p for p in source.rglob("*.ipynb") if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts)
    if source.is_dir() and out.resolve() == source.resolve():
        raise ValueError(f"out must differ from source; got {str(out)!r} for both")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        target = out / path.name
        nbformat.write(student_version(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write student versions (no solutions, no outputs).")
    parser.add_argument("source", help="a chapter notebook or a folder of them (e.g. book/)")
    parser.add_argument("--out", default="student", help="output folder (default: student/)")
    args = parser.parse_args(argv)
    for path in write_student_versions(args.source, args.out):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
