"""Student versions of the chapter notebooks: the same notebook without its solutions.

The chapters follow one convention for an exercise with a check (``DESIGN.md``, "Anatomy of a
chapter notebook"): a markdown cell that opens the exercise box (a gated ``exercise-start``
directive, then the prompt), a code cell tagged ``exercise`` that runs as given and calls a check
from :mod:`companion.checks`, a markdown cell with ``exercise-end``, then the solution: a markdown
cell with ``solution-start`` (``:class: dropdown``, so the book shows it collapsed), one or more
code cells tagged ``solution``, and a markdown cell with ``solution-end``. Exercises without a
check are a plain ``exercise`` directive.

A student version keeps the prompts, the stub cells and their checks, and drops every solution:
the ``solution`` cells and the ``solution-start``/``solution-end`` markers. Because Colab and
Jupyter do not render MyST, it also rewrites the book's markup into plain Markdown: exercise boxes
become numbered headings ("Exercise 2.3: ...", numbered as the book numbers them),
theorem boxes become a bold title over a quotation, ``{cite}`` becomes author and year in
brackets, as the book prints it, ``{doc}`` the title of the page (a link to its source in the
repository, when the repository is known; to its student version for a chapter converted with it) and ``{ref}`` an exercise's number. It clears every output, drops the ``nbval-check-output`` tags (a student file stores no
outputs to compare; the claims cell still raises when a claim fails), and opens with a note whose
Colab link points at the student file itself in the repository.

Where the chapter's text states the answer to one of its exercises (a derivation the book shows
before the exercise asks for it), the passage is marked, inside one markdown cell::

    <!-- answer: ex-xor-margin -->the passage<!-- /answer -->

The book shows the passage (an HTML comment renders as nothing, in the book and in Jupyter alike);
the student version replaces it with a note that the full chapter answers that exercise there. A
line of code that prints an answer (a value of the package's implementation of it, which the
chapter's figures need) ends with a comment naming the exercise, and the student version drops
the line::

    print(f"predicted: {xor.step_one_margin_gain(cfg):.3f}")   # answer: ex-xor-margin

Command line (from the repository root; the repository URL is read from ``_config.yml`` and the
chapter numbers from ``_toc.yml``)::

    python -m companion.course book/ --out book/student/
"""
from __future__ import annotations

import argparse
import pathlib
import re
import sys

import nbformat

__all__ = ["student_version", "write_student_versions", "repository_url", "chapter_numbers", "citation_labels"]

_FENCE = re.compile(r"^```\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>[^\n]*)\n(?P<opts>(?::[\w-]+:[^\n]*\n)*)"
                    r"(?P<body>.*?)^```[ \t]*$", re.S | re.M)
_GATED = {"exercise-start", "exercise-end", "solution-start", "solution-end"}
_ANSWER = re.compile(r"<!--\s*answer:\s*(?P<label>[\w-]+)\s*-->(?P<body>.*?)<!--\s*/answer\s*-->", re.S)
_MARKER = re.compile(r"<!--\s*/?answer\b")
_CODE_ANSWER = re.compile(r"#\s*answer:\s*(?P<label>[\w-]+)\s*$")


def repository_url(config: str | pathlib.Path) -> str:
    """The ``repository: url:`` of a Jupyter Book ``_config.yml``.

    Parameters
    ----------
    config : path
        The ``_config.yml`` file.

    Returns
    -------
    str
        The URL without a trailing slash, e.g. ``https://github.com/owner/name``.
    """
    import yaml

    url = ((yaml.safe_load(pathlib.Path(config).read_text()) or {}).get("repository") or {}).get("url")
    if not isinstance(url, str) or not url.startswith("https://github.com/"):
        raise ValueError(f"config must name a GitHub repository under repository: url:; got {url!r} in {str(config)!r}")
    return url.rstrip("/")


def chapter_numbers(toc: str | pathlib.Path) -> dict[str, int]:
    """The number the book gives each chapter: the position of a page in the ``numbered`` parts of a
    Jupyter Book ``_toc.yml``, counted across those parts.

    Parameters
    ----------
    toc : path
        The ``_toc.yml`` file.

    Returns
    -------
    dict
        Page name (the file's stem, e.g. ``"attention"``) -> chapter number (1, 2, ...).
    """
    import yaml

    data = yaml.safe_load(pathlib.Path(toc).read_text()) or {}
    numbers: dict[str, int] = {}
    for part in data.get("parts", []):
        if part.get("numbered"):
            for chapter in part.get("chapters", []):
                numbers[pathlib.PurePosixPath(chapter["file"]).stem] = len(numbers) + 1
    return numbers


def citation_labels(bib_text: str) -> dict[str, str]:
    """Author-year labels ("Xu et al., 2024") for the entries of a BibTeX file, as the book prints
    them: entries that would share a label get "2022a", "2022b" in the order of author, year and
    title."""
    labels, order = {}, {}
    for entry in re.split(r"\n(?=@)", "\n" + bib_text):
        key = re.match(r"\s*@\w+\s*\{\s*([^,\s]+)\s*,", entry)
        if not key:
            continue
        field = lambda name: re.search(name + r"\s*=\s*[{\"](.+?)[}\"]\s*,?\s*\n", entry, re.S | re.I)
        author, year, title = field("author"), field("year"), field("title")
        if author:
            names = [a.split(",")[0].strip(" {}") if "," in a else a.split()[-1].strip(" {}")
                     for a in re.split(r"\s+and\s+", author.group(1))]
            who = names[0] if len(names) == 1 else (f"{names[0]} and {names[1]}" if len(names) == 2
                                                    else f"{names[0]} et al.")
        else:
            other = field("organization") or field("publisher") or field("howpublished")
            who = other.group(1) if other else key.group(1)
        labels[key.group(1)] = f"{who}, {year.group(1) if year else 'n.d.'}"
        order[key.group(1)] = (author.group(1) if author else "", year.group(1) if year else "",
                               title.group(1).lower() if title else "")
    for label in set(labels.values()):
        same = sorted((k for k, v in labels.items() if v == label), key=order.get)
        if len(same) > 1:
            for letter, k in zip("abcdefghijklmnopqrstuvwxyz", same):
                labels[k] = label + letter
    return labels


def _titles(folder: pathlib.Path) -> dict[str, str]:
    """The first heading of every page (markdown or notebook) in ``folder``, by page name."""
    titles = {}
    for path in folder.glob("*"):
        if path.suffix == ".md":
            text = path.read_text()
        elif path.suffix == ".ipynb":
            cells = nbformat.read(path, as_version=4).cells
            text = next((c.source for c in cells if c.cell_type == "markdown"), "")
        else:
            continue
        heading = re.search(r"^# (.+)$", text, re.M)
        titles[path.stem] = heading.group(1).strip() if heading else path.stem
    return titles


class _Rewriter:
    """Turns one notebook's MyST markup into plain Markdown, numbering exercises as the book does."""

    def __init__(self, citations: dict[str, str], titles: dict[str, str], chapter: int | None,
                 pages: dict[str, str] | None = None):
        self.citations, self.titles, self.pages = citations, titles, pages or {}
        self.prefix = f"{chapter}." if chapter else ""
        self.exercises: dict[str, str] = {}   # label -> "Exercise k"

    def number_exercises(self, cells) -> None:
        for cell in cells:
            if cell.cell_type != "markdown":
                continue
            for m in _FENCE.finditer(cell.source):
                if m.group("name") in ("exercise", "exercise-start"):
                    label = re.search(r":label:\s*(\S+)", m.group("opts"))
                    self.exercises[label.group(1) if label else f"_{len(self.exercises)}"] = \
                        f"Exercise {self.prefix}{len(self.exercises) + 1}"

    def directive(self, m: re.Match) -> str:
        name, arg, body = m.group("name"), m.group("arg").strip(), m.group("body").rstrip("\n")
        label = re.search(r":label:\s*(\S+)", m.group("opts"))
        if name in ("exercise", "exercise-start"):
            number = self.exercises[label.group(1)] if label else "Exercise"
            return f"### {number}: {arg}" + (f"\n\n{body}" if body else "")
        if name in _GATED:
            return ""
        kind = name.split(":")[-1].capitalize()
        quoted = "\n".join("> " + line if line else ">" for line in body.split("\n"))
        return f"**{kind}** ({arg}).\n\n{quoted}" if arg else f"**{kind}.**\n\n{quoted}"

    def role(self, m: re.Match) -> str:
        kind, text = m.group(1), m.group(2)
        if kind == "cite":
            return "[" + "; ".join(self.citations.get(k.strip(), k.strip()) for k in text.split(",")) + "]"
        if kind == "doc":
            title = self.titles.get(text.strip(), text.strip())
            return f"[{title}]({self.pages[text.strip()]})" if text.strip() in self.pages else f"*{title}*"
        if kind == "ref":
            return self.exercises.get(text.strip(), text.strip())
        shown = re.match(r"(.+?)\s*<.+>$", text)          # {term}`text <term>` and the like
        return shown.group(1) if shown else text

    def answer(self, m: re.Match) -> str:
        label = m.group("label")
        if label not in self.exercises:
            raise ValueError(f"an answer marker names {label!r}, which is not an exercise label of this notebook; "
                             f"labels: {sorted(self.exercises)}")
        glued = m.start() > 0 and not m.string[m.start() - 1].isspace()   # "margin<!-- answer" needs a space
        return f"{' ' if glued else ''}*[The full chapter answers {self.exercises[label]} here.]*"

    def code(self, source: str) -> str:
        kept = []
        for line in source.split("\n"):
            m = _CODE_ANSWER.search(line)
            if m and m.group("label") not in self.exercises:
                raise ValueError(f"a code line's answer marker names {m.group('label')!r}, which is not an exercise "
                                 f"label of this notebook; labels: {sorted(self.exercises)}")
            if not m:
                kept.append(line)
        return "\n".join(kept)

    def markdown(self, source: str) -> str:
        source = _ANSWER.sub(self.answer, source)
        if _MARKER.search(source):
            raise ValueError(f"an answer marker without its partner: {source[_MARKER.search(source).start():][:80]!r}; "
                             "write <!-- answer: LABEL -->...<!-- /answer --> inside one markdown cell")
        source = _FENCE.sub(self.directive, source)
        source = re.sub(r"\{([a-z:]+)\}`([^`]+)`", self.role, source)
        return re.sub(r"\n{3,}", "\n\n", source).strip("\n")


def student_version(notebook: nbformat.NotebookNode, colab_url: str | None = None,
                    citations: dict[str, str] | None = None,
                    titles: dict[str, str] | None = None, chapter: int | None = None,
                    pages: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without solutions or outputs, in plain Markdown.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A chapter that follows the exercise convention of this module's docstring.
    colab_url : str, optional
        Where the student file opens in Colab; the note at the top links to it.
    citations : dict, optional
        BibTeX key -> author-year label, for ``{cite}`` (default: the key itself).
    titles : dict, optional
        Page name -> title, for ``{doc}`` (default: the page name).
    chapter : int, optional
        The chapter's number in the book: exercises are then numbered "Exercise 2.1", ... as the
        book numbers them (default: 1, 2, ...).
    pages : dict, optional
        Page name -> URL, for the links of ``{doc}`` (default: the title alone, in italics).

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ValueError
        If the notebook has solution cells but no exercise cells, or an answer marker (in markdown
        or on a code line) that is unpaired or names no exercise of the notebook (a broken
        convention).
    """
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in notebook.cells]
    if any("solution" in t for t in tags) and not any("exercise" in t for t in tags):
        raise ValueError("notebook has cells tagged 'solution' but none tagged 'exercise'")
    out = nbformat.from_dict(notebook)
    rewriter = _Rewriter(citations or {}, titles or {}, chapter, pages)
    rewriter.number_exercises(out.cells)
    kept = []
    for cell, tag in zip(out.cells, tags):
        if "solution" in tag:
            continue
        if cell.cell_type == "markdown":
            cell.source = rewriter.markdown(cell.source)
            if not cell.source.strip():          # an exercise-end or solution marker, nothing else
                continue
        if cell.cell_type == "code":
            cell.source = rewriter.code(cell.source)
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        if "tags" in cell.metadata:
            cell.metadata["tags"] = [t for t in cell.metadata["tags"]
                                     if t not in ("nbval-check-output", "remove-output")]
            if not cell.metadata["tags"]:
                del cell.metadata["tags"]
        kept.append(cell)
    out.cells = kept
    out.metadata.pop("widgets", None)
    note = ("> **Student version.** This notebook is the chapter without the solutions to its exercises. Each "
            "exercise cell runs as given; replace its placeholder with your answer, and its check tells you "
            "what to fix. Run the cells from the top.")
    if colab_url:
        note += f" [Open this notebook in Colab]({colab_url})."
    first = next((i for i, c in enumerate(out.cells) if c.cell_type == "markdown"), -1)
    out.cells.insert(first + 1, nbformat.v4.new_markdown_cell(note, id="student-note"))
    return out


def write_student_versions(source: str | pathlib.Path, out: str | pathlib.Path,
                           repository: str | None = None, root: str | pathlib.Path | None = None,
                           bibliography: str | pathlib.Path | None = None,
                           link_folder: str | None = None,
                           chapters: dict[str, int] | None = None) -> list[pathlib.Path]:
    """Write the student version of every notebook under ``source`` into ``out``.

    Parameters
    ----------
    source : path
        A notebook or a folder of notebooks (not searched recursively, so ``out`` may lie inside it).
    out : path
        Output folder (created); it must not be ``source`` itself.
    repository : str, optional
        ``https://github.com/owner/name``: the Colab link of each student file then points at
        ``out/<name>.ipynb`` in that repository's ``main`` branch, and each ``{doc}`` link at the
        page's source there.
    root : path, optional
        The repository root, to which ``out`` and ``source`` are relative in the links (default: the current
        folder).
    bibliography : path, optional
        A BibTeX file for the author-year labels of ``{cite}``.
    link_folder : str, optional
        The repository folder the files are committed to, for the Colab links (default: ``out``
        relative to ``root``); lets a check write them elsewhere and compare.
    chapters : dict, optional
        Page name -> chapter number (:func:`chapter_numbers`), for the exercise numbers.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    source, out = pathlib.Path(source), pathlib.Path(out)
    if not source.exists():
        raise ValueError(f"source must be a notebook or a folder; {str(source)!r} does not exist")
    if source.is_dir() and out.resolve() == source.resolve():
        raise ValueError(f"out must differ from source; got {str(out)!r} for both")
    paths = [source] if source.is_file() else sorted(source.glob("*.ipynb"))
    folder = source if source.is_dir() else source.parent
    citations = citation_labels(pathlib.Path(bibliography).read_text()) if bibliography else {}
    titles = _titles(folder)
    out.mkdir(parents=True, exist_ok=True)
    root = pathlib.Path(root or ".").resolve()
    pages = {}
    if repository:           # {doc} links to the page's source on the main branch
        try:
            base = folder.resolve().relative_to(root).as_posix()
        except ValueError:
            raise ValueError(f"source must lie inside root for the page links; {str(folder)!r} is not inside "
                             f"{str(root)!r}") from None
        pages = {p.stem: f"{repository}/blob/main/{'' if base == '.' else base + '/'}{p.name}"
                 for p in sorted(folder.glob("*")) if p.suffix in (".md", ".ipynb")}
        if link_folder is not None:
            out_folder = link_folder.strip("/")
        else:
            try:
                out_folder = out.resolve().relative_to(root).as_posix()
            except ValueError:
                raise ValueError(f"out must lie inside root for a Colab link (or give link_folder); {str(out)!r} "
                                 f"is not inside {str(root)!r}") from None
        for path in paths:   # a chapter links to the other chapters' student versions, not their solutions
            pages[path.stem] = f"{repository}/blob/main/{out_folder}/{path.name}"
    written = []
    for path in paths:
        target = out / path.name
        colab = None
        if repository:
            colab = f"https://colab.research.google.com/github/{repository.removeprefix('https://github.com/')}" \
                    f"/blob/main/{out_folder}/{path.name}"
        nb = student_version(nbformat.read(path, as_version=4), colab, citations, titles,
                             (chapters or {}).get(path.stem), pages)
        nbformat.write(nb, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write student versions (no solutions, no outputs, plain Markdown).")
    parser.add_argument("source", help="a chapter notebook or a folder of them (e.g. book/)")
    parser.add_argument("--out", default="book/student", help="output folder (default: book/student/)")
    parser.add_argument("--config", default="_config.yml",
                        help="the book's _config.yml: its repository URL makes the Colab links (default: _config.yml)")
    parser.add_argument("--link-folder", default=None,
                        help="repository folder the files will be committed to, for the Colab links (default: --out)")
    args = parser.parse_args(argv)
    config = pathlib.Path(args.config)
    if not config.is_file():
        parser.error(f"--config: {str(config)!r} is not a file; run from the repository root or pass --config")
    toc = config.parent / "_toc.yml"
    folder = pathlib.Path(args.source) if pathlib.Path(args.source).is_dir() else pathlib.Path(args.source).parent
    bib = folder / "references.bib"
    for path in write_student_versions(args.source, args.out, repository_url(config), root=config.parent,
                                       bibliography=bib if bib.exists() else None, link_folder=args.link_folder,
                                       chapters=chapter_numbers(toc) if toc.is_file() else None):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
