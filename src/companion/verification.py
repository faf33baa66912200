"""The book's verification appendix: every claim of every chapter as this build measured it, beside
the robustness records the repository commits.

Two sources, neither typed by hand:

* the executed chapter notebooks: each chapter's measurements cell displays
  :func:`companion.claims.measured`, which stores every claim as data under
  :data:`companion.claims.MIME` (statement, threshold, measured value, verdict);
* the JSON records that ``python -m companion.robustness ... --json book/robustness/NAME.json``
  writes: each claim judged seed by seed on seeds the notebook never uses, with the command, the
  date, the machine and the time taken.

:func:`markdown` joins them into the appendix page (the book's Sphinx extension
``book/_ext/verification.py`` calls it on the executed notebooks of the build), and
:func:`disagreements` lists the claims that a chapter prints and no record judges, or that a record
judges and the chapter no longer prints (a test fails on any).

Command line, for a look without building the book (the notebooks must hold their outputs)::

    python -m companion.verification book/xor_grokking.ipynb book/attention.ipynb --records book/robustness
"""
from __future__ import annotations

import argparse
import json
import pathlib
from typing import Sequence

import nbformat

from .claims import MIME

__all__ = ["claims_in", "records", "book_records", "matching", "disagreements", "markdown", "main"]


def claims_in(notebook: nbformat.NotebookNode, name: str = "the notebook") -> dict:
    """The claims an executed chapter notebook stored (its measurements cell's :data:`MIME` output).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        An executed chapter notebook.
    name : str
        How errors name the notebook.

    Returns
    -------
    dict
        ``companion.claims.Measured.data()``: ``{"chapter", "scale", "groups": [...]}``.

    Raises
    ------
    ValueError
        When the notebook stores no claims, or claims from more than one cell.
    """
    found = [out["data"][MIME] for cell in notebook.cells if cell.cell_type == "code"
             for out in cell.get("outputs", []) if MIME in out.get("data", {})]
    if len(found) != 1:
        raise ValueError(f"{name} must store its claims once (a cell displaying claims.measured(...)), "
                         f"executed; found {len(found)}")
    return found[0]


def records(folder: str | pathlib.Path) -> list[dict]:
    """Every robustness record (``*.json``) in ``folder``, sorted by file name, each with its file name
    under ``"file"``.

    Parameters
    ----------
    folder : str or pathlib.Path

    Returns
    -------
    list of dict
        The JSON that ``python -m companion.robustness --json`` wrote, plus ``"file"``.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be a folder of robustness records; got {str(folder)!r}")
    return [{**json.loads(path.read_text()), "file": path.name} for path in sorted(folder.glob("*.json"))]


def book_records(chapter: str, scale: str, stored: Sequence[dict]) -> list[dict]:
    """The records that judge ``chapter``'s claims as its notebook does: same scale, no ``--set`` changes.

    Parameters
    ----------
    chapter, scale : str
    stored : sequence of dict
        :func:`records`.

    Returns
    -------
    list of dict
    """
    return [r for r in stored if r["chapter"] == chapter and r["scale"] == scale and not r["changes"]]


def _key(group: str, claim: dict) -> tuple:
    return group, claim["title"], float(claim["threshold"]), claim["relation"]


def matching(measured: dict, stored: Sequence[dict]) -> dict[tuple, list[tuple[dict, dict]]]:
    """For each claim of a chapter's build, the records' judgements of the same claim.

    Parameters
    ----------
    measured : dict
        :func:`claims_in` of the chapter.
    stored : sequence of dict
        :func:`records`.

    Returns
    -------
    dict
        ``(group title, claim title, threshold, relation)`` -> list of ``(record, claim in record)``.
    """
    found = {_key(g["title"], c): [] for g in measured["groups"] for c in g["claims"]}
    for record in book_records(measured["chapter"], measured["scale"], stored):
        for group in record["groups"]:
            for claim in group["claims"]:
                if _key(group["title"], claim) in found:
                    found[_key(group["title"], claim)].append((record, claim))
    return found


def disagreements(measured: dict, stored: Sequence[dict]) -> list[str]:
    """Where a chapter's claims and its robustness records disagree in the claims they list.

    Parameters
    ----------
    measured : dict
        :func:`claims_in` of the chapter.
    stored : sequence of dict
        :func:`records`.

    Returns
    -------
    list of str
        One line per claim the build checks and no record judges, and per claim a record judges that
        the build does not check (a changed statement or threshold, a claim removed); empty when
        they agree.
    """
    found = matching(measured, stored)
    out = [f"{measured['chapter']}: no record judges {group!r} / {title!r} (threshold {threshold:g})"
           for (group, title, threshold, _), judged in found.items() if not judged]
    for record in book_records(measured["chapter"], measured["scale"], stored):
        for group in record["groups"]:
            out += [f"{record['file']} judges {group['title']!r} / {c['title']!r} (threshold {c['threshold']:g}), "
                    f"which the {measured['chapter']} chapter does not check"
                    for c in group["claims"] if _key(group["title"], c) not in found]
    return out


def _value(value: float, percent: bool) -> str:
    return f"{100 * value:.4g}%" if percent else f"{value:.4g}"


def _threshold(claim: dict) -> str:
    return ("≥ " if claim["relation"] == ">=" else "≤ ") + _value(claim["threshold"], claim["percent"])


def _fresh(judged: Sequence[tuple[dict, dict]]) -> str:
    """What the records say of one claim: held on k of n (seeds or batches), the failures, the file."""
    parts = []
    for record, claim in judged:
        units = "batches" if claim["pooled"] else "seeds"
        failed = [u for u, held in zip(claim["units"], claim["holds"]) if not held]
        where = "" if not failed else " (failed: " + ", ".join(
            str(u[0]) if len(u) == 1 else f"{u[0]}–{u[-1]}" for u in failed) + ")"
        parts.append(f"{claim['held']} of {claim['of']} {units}{where} [{record['file']}]")
    return "; ".join(parts) if parts else "**no record**"


def _cell(text: str) -> str:
    """``text`` as literal Markdown inside a table cell: its punctuation that Markdown or MyST would
    read (emphasis, code, math, links, the cell separator) escaped with a backslash."""
    return "".join("\\" + c if c in "\\`*_[]<>$|{}" else c for c in text)


def markdown(chapters: Sequence[tuple[str, dict]], stored: Sequence[dict], heading: str = "## {}") -> str:
    """The appendix as MyST Markdown: one section per chapter, one table row per claim, then the records.

    Parameters
    ----------
    chapters : sequence of (str, dict)
        Each chapter's title (or a reference to its page) and its :func:`claims_in`.
    stored : sequence of dict
        :func:`records`.
    heading : str
        How a chapter's heading is written, ``{}`` standing for its title (the book's extension
        writes a rubric, since the page's own headings are its source's).

    Returns
    -------
    str
    """
    lines = []
    for title, measured in chapters:
        found = matching(measured, stored)
        lines += [heading.format(title), "",
                  f"Run at the {measured['scale']!r} scale by this build; fresh seeds from the records below.", "",
                  "| claim | threshold | this build | verdict | fresh seeds: held |", "|---|---|---|---|---|"]
        for group in measured["groups"]:
            for claim in group["claims"]:
                lines.append("| " + " | ".join(_cell(x) for x in (
                    f"{group['title']}: {claim['title']}", _threshold(claim),
                    _value(claim["measured"], claim["percent"]), "✓" if claim["holds"] else "✗",
                    _fresh(found[_key(group["title"], claim)]))) + " |")
        lines += ["", "Records:", ""]
        for record in [r for r in stored if r["chapter"] == measured["chapter"]]:
            seeds = record["seeds"]
            machine = record["machine"]
            kind = "" if not record["changes"] and record["scale"] == measured["scale"] else (
                " (a variant the table does not use: scale " + repr(record["scale"])
                + "".join(f", {k}={v}" for k, v in record["changes"].items()) + ")")
            lines.append(f"- `{record['file']}`{kind}: `{record['command']}`; {len(seeds)} seeds "
                         f"({seeds[0]}–{seeds[-1]}), started {record['started']}, {record['seconds']:.0f} s on "
                         f"{machine['device']}, {machine['cpus']} CPUs, Python {machine['python']}, "
                         f"{machine['platform']}.")
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the appendix for executed notebooks, and the disagreements with the records."""
    parser = argparse.ArgumentParser(prog="python -m companion.verification", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", help="executed chapter notebooks")
    parser.add_argument("--records", default="book/robustness", help="the folder of robustness records")
    args = parser.parse_args(argv)
    stored = records(args.records)
    chapters = [(path, claims_in(nbformat.read(path, as_version=4), path)) for path in args.notebooks]
    print(markdown(chapters, stored))
    problems = [line for _, measured in chapters for line in disagreements(measured, stored)]
    print("\n".join(problems) or "every claim printed is judged by a record, and every record judges printed claims")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
