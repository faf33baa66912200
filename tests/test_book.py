"""The book: repository URL consistency, the build (warnings as errors), offline rendering, legible
figures, and student versions."""
import json
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest
import yaml

from companion import course
from conftest import build_book

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def test_there_are_chapters():
    assert NOTEBOOKS, "no chapter notebooks under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_install_cell_names_the_configured_repository(path):
    nb = nbformat.read(path, as_version=4)
    installs = [c.source for c in nb.cells if c.cell_type == "code" and "pip install" in c.source]
    assert installs, f"{path.name} has no Colab install cell"
    for src in installs:
        urls = re.findall(r"git\+(https://[^\s\"']+)", src)
        assert urls and all(u.rstrip("/") == REPO_URL for u in urls), (path.name, urls, REPO_URL)
        assert "google.colab" in src, "the install must run only in Colab"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_follows_the_anatomy(path):
    nb = nbformat.read(path, as_version=4)
    tags = [set(c.metadata.get("tags", [])) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1
    exercises = [i for i, t in enumerate(tags) if "exercise" in t]
    assert len(exercises) >= 3
    for i in exercises:
        # prompt (opens the exercise box) -> stub, output hidden in the book -> box closed ->
        # collapsed solution box for the same exercise -> solution cells -> solution box closed
        label = re.search(r"```\{exercise-start\}[^\n]*\n:label: (\S+)\n```", nb.cells[i - 1].source)
        assert label, f"cell {i - 1} must open the exercise box of the exercise cell {i}"
        assert "remove-output" in tags[i], f"the stub's feedback (cell {i}) must not show in the book"
        assert nb.cells[i + 1].source.strip() == "```{exercise-end}\n```"
        assert nb.cells[i + 2].source.strip() == f"```{{solution-start}} {label.group(1)}\n:class: dropdown\n```"
        j = i + 3
        assert "solution" in tags[j], f"cell {j} must be the solution of exercise {label.group(1)}"
        while "solution" in tags[j]:
            j += 1
        assert nb.cells[j].source.strip() == "```{solution-end}\n```"
    for cell in nb.cells:   # every figure says what it shows to a reader who cannot see it
        if cell.cell_type == "code" and any("image/png" in o.get("data", {}) for o in cell.outputs):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt.split()) >= 8, f"figure cell without alt text: {cell.source[:80]!r}"
    claims_cells = [c for c, t in zip(nb.cells, tags) if "nbval-check-output" in t]
    # one protocol: every chapter's groups judged on the notebook's runs, printed, raising on a failed claim
    assert len(claims_cells) == 1, "one 'What we verified' cell, compared by nbval"
    source = claims_cells[0].source
    assert re.search(r"claims\.verify\(\w+\.claim_groups\(scale\)", source), source
    assert "print(claims.report(checked))" in source, source
    assert all(c.outputs for c in claims_cells), "the claims cell must be stored with its output"
    text = verdict_text(nb)
    assert "✓" in text and "✗" not in text


def verdict_text(nb) -> str:
    """What a chapter's "What we verified" cell (tagged nbval-check-output) printed."""
    return "".join(o.get("text", "") for c in nb.cells if "nbval-check-output" in c.metadata.get("tags", [])
                   for o in c.outputs)


STUDENT = ROOT / "book" / "student"


def test_links_to_the_repository_name_the_configured_one_and_existing_files():
    # the course guide, the citation and the README link to the repository; a fork that changes
    # _config.yml must change them too, and a link must open a file that exists on main (other
    # people's code is cited through references.bib, not linked from these pages)
    owner_repo = REPO_URL.removeprefix("https://github.com/")
    found = 0
    for page in [ROOT / "README.md", *sorted((ROOT / "book").glob("*.md"))]:
        text = page.read_text()
        for url in re.findall(r"https://(?:colab\.research\.google\.com/github/|github\.com/)[^\s)>`}\"']+", text):
            if "<owner" in url:
                continue                    # the README's pattern, not a link
            found += 1
            assert owner_repo in url, f"{page.name} links to another repository: {url}"
            path = url.split(f"{owner_repo}/blob/main/", 1)[1] if "/blob/main/" in url else ""
            assert not path or (ROOT / path).is_file(), f"{page.name} links to a missing file: {url}"
    assert found >= 5


def test_no_exercise_reference_is_doubled():
    # {ref} to an exercise renders as "Exercise 4.1": "Exercise {ref}`...`" would read "Exercise Exercise 4.1"
    for path in NOTEBOOKS:
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        assert not re.search(r"Exercise\s+\{ref\}", text), path.name


def test_student_versions_are_committed_and_up_to_date(tmp_path):
    # the committed student notebooks are exactly what the generator writes from the chapters now
    proc = subprocess.run([sys.executable, "-m", "companion.course", "book", "--out", str(tmp_path),
                           "--link-folder", "book/student"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    fresh = sorted(tmp_path.glob("*.ipynb"))
    assert [p.name for p in fresh] == [p.name for p in NOTEBOOKS]
    stale = [p.name for p in fresh if not (STUDENT / p.name).exists()
             or nbformat.read(p, as_version=4) != nbformat.read(STUDENT / p.name, as_version=4)]
    assert not stale, (f"book/student/ is out of date for {stale}: run "
                       "`python -m companion.course book/ --out book/student/` and commit the result")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_version_drops_solutions_and_keeps_exercises(path):
    chapter = nbformat.read(path, as_version=4)
    student = nbformat.read(STUDENT / path.name, as_version=4)
    solutions = [c.source for c in chapter.cells if "solution" in c.metadata.get("tags", [])]
    stubs = [c.source for c in chapter.cells if "exercise" in c.metadata.get("tags", [])]
    code = [c.source for c in student.cells if c.cell_type == "code"]
    assert solutions and not any(s in code for s in solutions)
    assert stubs == [c.source for c in student.cells if "exercise" in c.metadata.get("tags", [])]
    assert all(not c.outputs and c.execution_count is None for c in student.cells if c.cell_type == "code")
    assert not any("nbval-check-output" in c.metadata.get("tags", []) for c in student.cells)
    markdown = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    # plain Markdown for Colab: no MyST directive or role is left
    assert not re.search(r"```\{|\{(cite|doc|ref|term)\}`", markdown)
    # exercises numbered 1, 2, ... as the book numbers them; one per exercise box of the chapter
    boxes = sum(len(re.findall(r"```\{exercise(-start)?\}", c.source)) for c in chapter.cells)
    chapter = course.chapter_numbers(ROOT / "_toc.yml")[path.stem]
    numbers = re.findall(r"^### Exercise (\d+\.\d+): ", markdown, re.M)
    assert numbers == [f"{chapter}.{k}" for k in range(1, boxes + 1)]
    # the Colab link opens this student file in the configured repository
    owner_repo = REPO_URL.removeprefix("https://github.com/")
    assert f"(https://colab.research.google.com/github/{owner_repo}/blob/main/book/student/{path.name})" in markdown
    # the links to the book's other pages open their sources in the repository
    links = re.findall(re.escape(REPO_URL) + r"/blob/main/([^)\s]+)\)", markdown)
    assert links and all((ROOT / link).is_file() for link in links), links
    # ... and another chapter through its student version, never through its solutions
    assert not [link for link in links if link.startswith("book/") and link.endswith(".ipynb")
                and not link.startswith("book/student/")], links
    # no line of code that prints an exercise's answer is left
    marked = sum(len(re.findall(r"#\s*answer:\s*[\w-]+\s*$", c.source, re.M))
                 for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert not any(re.search(r"#\s*answer:", c) for c in code)
    assert sum(c.count("\n") + 1 for c in code) == sum(
        c.source.count("\n") + 1 for c in nbformat.read(path, as_version=4).cells
        if c.cell_type == "code" and "solution" not in c.metadata.get("tags", [])) - marked
    # no passage that answers an exercise is left; each one is replaced by a note naming the exercise
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert "<!--" not in markdown
    assert markdown.count("*[The full chapter answers Exercise ") == source.count("<!-- answer:")


def test_answer_passages_are_left_out_of_student_versions():
    def notebook(text):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("# A chapter\n\n" + text),
                    nbformat.v4.new_markdown_cell("```{exercise-start} Derive it\n:label: ex-a\n```\n\nDerive it."),
                    nbformat.v4.new_code_cell("answer = None", metadata={"tags": ["exercise"]}),
                    nbformat.v4.new_markdown_cell("```{exercise-end}\n```")]
        return nb

    out = course.student_version(notebook("It is <!-- answer: ex-a -->$x = 2$, as\nshown<!-- /answer -->, so on."),
                                 chapter=3)
    assert out.cells[0].source == "# A chapter\n\nIt is *[The full chapter answers Exercise 3.1 here.]*, so on."
    # a marker glued to the word before it still leaves a space before the note
    out = course.student_version(notebook("the margin<!-- answer: ex-a -->, $x$<!-- /answer -->; derive it"), chapter=3)
    assert out.cells[0].source == "# A chapter\n\nthe margin *[The full chapter answers Exercise 3.1 here.]*; derive it"
    with pytest.raises(ValueError, match="not an exercise label"):
        course.student_version(notebook("<!-- answer: ex-b -->x<!-- /answer -->"))
    with pytest.raises(ValueError, match="without its partner"):
        course.student_version(notebook("<!-- answer: ex-a -->x"))
    # a line of code that prints an answer is dropped; the rest of its cell is kept
    nb = notebook("Text.")
    nb.cells.insert(1, nbformat.v4.new_code_cell("x = f(3)\nprint(x)  # answer: ex-a\nplot(x)"))
    assert course.student_version(nb).cells[2].source == "x = f(3)\nplot(x)"
    nb.cells[1].source = "print(x)  # answer: ex-b"
    with pytest.raises(ValueError, match="code line's answer marker names 'ex-b'"):
        course.student_version(nb)


def test_student_version_of_a_broken_convention_is_refused(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})]
    with pytest.raises(ValueError, match="solution"):
        course.student_version(nb)
    with pytest.raises(ValueError, match="source"):
        course.write_student_versions(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(ValueError, match="out must differ"):
        course.write_student_versions(tmp_path, tmp_path)
    (tmp_path / "c.yml").write_text("repository:\n  url: https://gitlab.com/x/y\n")
    with pytest.raises(ValueError, match="GitHub"):
        course.repository_url(tmp_path / "c.yml")


@pytest.mark.parametrize("cell, fails", [("print('fine')", False), ("import warnings\nwarnings.warn('careful')", True)])
def test_a_python_warning_in_a_chapter_fails_the_build(tmp_path, cell, fails):
    # a one-page book with the project's own configuration, extensions and static files
    (tmp_path / "book").mkdir()
    for name in ("_ext", "_static"):
        (tmp_path / "book" / name).symlink_to(ROOT / "book" / name)
    (tmp_path / "book" / "references.bib").write_text((ROOT / "book" / "references.bib").read_text())
    (tmp_path / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/page\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A page"), nbformat.v4.new_code_cell(cell)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "book" / "page.ipynb")
    proc = build_book(tmp_path, tmp_path / "out")
    log = proc.stdout + proc.stderr
    assert (proc.returncode != 0) == fails, log[-3000:]
    if fails:
        assert "stderr was found in the cell outputs" in log


def test_book_builds_offline_with_warnings_as_errors(built_book):
    assert built_book.proc.returncode == 0, built_book.log
    html = built_book.html
    chapter = (html / "book" / "xor_grokking.html").read_text()
    # MathJax comes from the book's own static files, not a CDN
    assert "_static/mathjax/tex-svg-full.js" in chapter
    assert (html / "_static" / "mathjax" / "tex-svg-full.js").exists()
    for page in html.rglob("*.html"):   # no script or stylesheet is loaded from another host
        text = page.read_text()
        external = re.findall(r'<script[^>]*\ssrc="(https?://[^"]+)"', text)
        external += [h for h in re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="(https?://[^"]+)"', text)]
        assert not external, f"{page.name} loads {external}"
    # the Colab launch button opens this chapter from the configured repository
    owner_repo = REPO_URL.removeprefix("https://github.com/")
    assert f"colab.research.google.com/github/{owner_repo}/blob/main/book/xor_grokking.ipynb" in chapter
    # the explorer shows its default figure as a picture; the claims were computed during the build
    assert "✓ step 1: training labels fitted" in chapter
    assert not re.search(r"✗ steps? \d", chapter), "a claim failed during the build"
    # no progress bar was stored in the page (the build turns them off), and exercises are numbered boxes
    assert "it/s]" not in chapter and "gradient descent:" not in chapter
    assert chapter.count('class="exercise admonition"') >= 3


MIN_TEXT_PX = 12.5
"""The smallest text a figure may be drawn with, in pixels of its image: 9 points at the book's 100 dpi
(``plots.STYLE``). The browser test shows no figure below 85% of its image's width, so no text in a
figure is smaller than about 10.6 px on the page, a little under the page's own small print."""


def test_every_figure_is_drawn_with_legible_text(built_book):
    # the kernels of the build logged every figure they rendered (tests/figure_audit.py): its dots per
    # inch and its smallest text. A figure drawn outside the book's style (72 dpi) or with 8-point
    # text fails here; the browser test checks how far the page shrinks the image.
    if built_book.figures is None:
        pytest.skip("COMPANION_BUILT_HTML: a book built by hand has no figure log")
    assert built_book.proc.returncode == 0, built_book.log
    assert built_book.figures.exists(), "the build's kernels logged no figure: the audit did not run"
    logged = [json.loads(line) for line in built_book.figures.read_text().splitlines()]
    shown = sum(len(re.findall(r'<img[^>]*src="[^"]*_images/', (built_book.html / "book" / f"{p.stem}.html").read_text()))
                for p in NOTEBOOKS)
    assert shown > 0 and len(logged) >= shown, f"{len(logged)} figures logged, {shown} shown in the chapters"
    small = [f for f in logged if f["points"] is not None and f["points"] * f["dpi"] / 72 < MIN_TEXT_PX - 1e-9]
    assert not small, "figures with text below 9 points at 100 dpi: " + "; ".join(
        f"{f['points']} pt at {f['dpi']:.0f} dpi ({f['text']!r}) in the cell {f['cell']!r}" for f in small)


def test_student_citations_read_as_the_bibliography_labels_them():
    # the student versions write {cite} as the label the book's bibliography prints (book/_ext)
    import importlib.util

    from pybtex.database import parse_file

    spec = importlib.util.spec_from_file_location("companion_build", ROOT / "book" / "_ext" / "companion_build.py")
    ext = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ext)
    data = parse_file(str(ROOT / "book" / "references.bib"))
    style = ext.AuthorYearStyle()
    book = {e.key: e.label for e in style.format_entries(data.entries.values())}
    student = course.citation_labels((ROOT / "book" / "references.bib").read_text())
    assert student == book
    assert len(set(book.values())) == len(book), "two entries share a label"


def test_robustness_records_judge_the_claims_the_chapters_print():
    # book/robustness/*.txt are what the appendix shows as "how often the claims hold on fresh seeds".
    # Each book-scale record must judge exactly the statements and thresholds that its chapter's
    # "What we verified" cell prints (nbval keeps that output current), and together a chapter's
    # records must judge every claim it prints: a changed threshold or a new claim makes them stale.
    chapters = {"xor": "xor_grokking", "attention": "attention", "kernels": "kernels", "privacy": "privacy"}
    records = sorted((ROOT / "book" / "robustness").glob("*.json"))
    assert records
    judged = {chapter: set() for chapter in chapters}
    for record in records:
        meta = json.loads(record.read_text())
        text = record.with_suffix(".txt").read_text()
        assert text.startswith("$ python -m companion.robustness " + meta["chapter"]), record.name
        if meta["scale"] != "book" or meta["changes"]:
            continue
        lines = re.findall(r"^  (.*?): (?:failed on \d+ of \d+ seeds|held on \d+ of \d+ batches)", text, re.M)
        assert lines, record.name
        judged[meta["chapter"]].update(lines)
    for chapter, name in chapters.items():
        verdicts = set(re.findall(r"^[✓✗] (.*)$", verdict_text(nbformat.read(ROOT / "book" / f"{name}.ipynb", 4)),
                                  re.M))
        assert verdicts, name
        assert judged[chapter] - verdicts == set(), (chapter, "records judge claims the chapter does not print")
        assert verdicts - judged[chapter] == set(), (chapter, "claims no book-scale record judges")


def test_every_included_file_exists():
    for page in sorted((ROOT / "book").glob("*.md")):
        for target in re.findall(r"```\{literalinclude\}\s+(\S+)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name} includes a missing file: {target}"
