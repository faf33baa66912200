"""The book: repository URL consistency, the build (warnings as errors), offline rendering, legible
figures, and student versions."""
import html
import json
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest
import yaml

from companion import course, verification
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
    # the next cell shows the exact values and stores the claims as data for the verification appendix
    after = nb.cells[[i for i, t in enumerate(tags) if "nbval-check-output" in t][0] + 1].source
    assert re.match(r'display\(claims\.measured\(checked, chapter="\w+", scale=scale\)\)', after), after
    assert verification.claims_in(nb, path.name)["scale"] == "book"
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


def build_one_page_book(root: pathlib.Path, *cells: str) -> subprocess.CompletedProcess:
    """Build, in ``root``, a one-page book whose page (``book/page``) is a notebook of a title and the
    code ``cells``, with the project's own configuration, extensions and static files; its HTML lands
    in ``root / "out" / "_build" / "html"``."""
    (root / "book").mkdir()
    for name in ("_ext", "_static"):
        (root / "book" / name).symlink_to(ROOT / "book" / name)
    (root / "book" / "references.bib").write_text((ROOT / "book" / "references.bib").read_text())
    (root / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/page\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A page"), *map(nbformat.v4.new_code_cell, cells)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "book" / "page.ipynb")
    return build_book(root, root / "out")


@pytest.mark.parametrize("cell, fails", [("print('fine')", False), ("import warnings\nwarnings.warn('careful')", True)])
def test_a_python_warning_in_a_chapter_fails_the_build(tmp_path, cell, fails):
    proc = build_one_page_book(tmp_path, cell)
    log = proc.stdout + proc.stderr
    assert (proc.returncode != 0) == fails, log[-3000:]
    if fails:
        assert "stderr was found in the cell outputs" in log


def test_book_builds_offline_with_warnings_as_errors(book_built):
    assert book_built.status['build']['returncode'] == 0, book_built.log
    html = book_built.html
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


def test_every_figure_is_drawn_with_legible_text(book_built):
    # the kernels that executed the chapters logged every figure they rendered (tests/figure_audit.py):
    # its dots per inch and its smallest text. A figure drawn outside the book's style (72 dpi) or with
    # 8-point text fails here; the browser test checks how far the page shrinks the image.
    assert book_built.status['build']['returncode'] == 0, book_built.log
    assert book_built.figures.exists(), "the build's kernels logged no figure: the audit did not run"
    logged = [json.loads(line) for line in book_built.figures.read_text().splitlines()]
    shown = sum(len(re.findall(r'<img[^>]*src="[^"]*_images/', (book_built.html / "book" / f"{p.stem}.html").read_text()))
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


def test_robustness_records_judge_the_claims_the_chapters_check():
    # book/robustness/*.json are what the verification appendix shows beside each claim. The book-scale
    # records of a chapter must judge exactly the claims (statements and thresholds) that the committed
    # chapter checks, and each record's text form must begin with the command that wrote it.
    stored = verification.records(ROOT / "book" / "robustness")
    assert stored
    for record in stored:
        text = (ROOT / "book" / "robustness" / record["file"]).with_suffix(".txt").read_text()
        assert text.startswith("$ python -m companion.robustness " + record["chapter"]), record["file"]
    for path in NOTEBOOKS:
        measured = verification.claims_in(nbformat.read(path, as_version=4), path.name)
        assert verification.disagreements(measured, stored) == []


def test_disagreements_name_a_claim_without_a_record_and_a_record_of_a_claim_gone():
    measured = {"chapter": "toy", "scale": "book", "groups": [{"title": "main", "claims": [
        {"title": "accuracy (worst seed)", "threshold": 0.8, "relation": ">=", "percent": True, "measured": 0.9,
         "holds": True, "line": "✓ accuracy (worst seed) ≥ 80%"}]}]}
    record = {"file": "toy-book.json", "chapter": "toy", "scale": "book", "changes": {}, "seeds": [1, 2],
              "command": "python -m companion.robustness toy --seeds 1 3", "started": "2026-12-07T12:00:00+00:00",
              "seconds": 3.0, "machine": {"device": "cpu (1 thread)", "cpus": 2, "python": "3.11.7",
                                          "platform": "Linux"}, "groups": [
        {"title": "main", "claims": [{"title": "accuracy (worst seed)", "threshold": 0.8, "relation": ">=",
                                      "percent": True, "pooled": False, "units": [[1], [2]], "holds": [True, False],
                                      "held": 1, "of": 2}]}]}
    assert verification.disagreements(measured, [record]) == []
    moved = {**record, "groups": [{**record["groups"][0], "claims": [{**record["groups"][0]["claims"][0],
                                                                       "threshold": 0.75}]}]}
    problems = verification.disagreements(measured, [moved])
    assert len(problems) == 2 and "no record judges" in problems[0] and "does not check" in problems[1]
    assert verification.disagreements(measured, [{**record, "changes": {"n": 10}}])[0].startswith("toy: no record")
    text = verification.markdown([("Toy", measured)], [record])
    assert "| main: accuracy (worst seed) | ≥ 80% | 90% | ✓ | 1 of 2 seeds (failed: 2) \\[toy-book.json\\] |" in text
    assert verification.markdown([("Toy", {**measured, "groups": [{"title": "a|b", "claims": [
        {**measured["groups"][0]["claims"][0], "title": "D_c at $p$"}]}]})], [record]).count("a\\|b: D\\_c at \\$p\\$") == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_runs_and_prints_the_claims_it_stores(book_built, path):
    # the one execution of the chapter in this test run (tests/execute_book.py): no cell raised, and the
    # cell nbval would compare (the "What we verified" table, identical on every machine) printed exactly
    # what the committed notebook stores
    result = book_built.status["chapters"][path.stem]
    assert result["error"] is None, result["error"]
    executed = verdict_text(book_built.executed(path.stem))
    assert executed and executed == verdict_text(nbformat.read(path, as_version=4))


def _shown(cell) -> str:
    return " ".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
                    + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_solution_passes_its_own_check_in_the_chapter(book_built, path):
    # each solution that calls its exercise's check, at the book's sizes in this run's execution,
    # is accepted by it (the check measures the experiment it judges: for a delay, a noise level, ...)
    solved = [c for c in book_built.executed(path.stem).cells
              if "solution" in c.metadata.get("tags", []) and re.search(r"\bcheck\.\w+\(", c.source)]
    assert solved, "no solution calls its check"
    for cell in solved:
        assert "✓" in _shown(cell) and "✗" not in _shown(cell), (cell.source[:200], _shown(cell)[:500])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_version_runs_every_cell(book_run, path):
    # the student version, alone in an empty folder, every cell executed in order, its exercise cells
    # with their checks (the chapter's experiments replayed where called as in the chapter: tests/replay.py)
    result = book_run.status["students"][path.stem]
    assert result["error"] is None, result["error"]
    nb = nbformat.read(book_run.out / "student" / path.stem / path.name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), "a cell of the student version did not run"
    exercises = [c for c in code if "exercise" in c.metadata.get("tags", [])]
    assert exercises and all(c.outputs for c in exercises), "an exercise cell gave no feedback"


def test_verification_appendix_lists_every_claim_with_this_runs_values(book_built):
    assert book_built.status["build"]["returncode"] == 0, book_built.log
    page = (book_built.html / "book" / "verification.html").read_text().replace("’", "'")   # MyST's smart quotes
    stored = verification.records(ROOT / "book" / "robustness")
    rows = 0
    for path in NOTEBOOKS:
        measured = verification.claims_in(book_built.executed(path.stem), path.name)
        assert verification.disagreements(measured, stored) == []
        for group in measured["groups"]:
            rows += len(group["claims"])
            for claim in group["claims"]:
                assert html.escape(f"{group['title']}: {claim['title']}", quote=False) in page, claim["title"]
    assert page.count("<tr") == rows + len(NOTEBOOKS), "one table row per claim, and a header per chapter"
    assert "<strong>no record</strong>" not in page, "a claim without a record"


def test_every_included_file_exists():
    for page in sorted((ROOT / "book").glob("*.md")):
        for target in re.findall(r"```\{literalinclude\}\s+(\S+)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name} includes a missing file: {target}"


def _fenced_blocks(page: str, info: str) -> list[str]:
    """The bodies of the fenced blocks of ``page`` whose info string is ``info`` (e.g. ``text``)."""
    return re.findall(r"^```" + re.escape(info) + r"[ \t]*\n(.*?)^```", page, flags=re.S | re.M)


def test_performance_page_pastes_no_benchmark_run():
    """A run of a benchmark is shown by including the record it wrote, never pasted as a text block."""
    page = (ROOT / "book" / "performance.md").read_text()
    pasted = [block.splitlines()[0] for block in _fenced_blocks(page, "text")
              if block.strip() and block.lstrip().splitlines()[0].startswith("$ python")]
    assert not pasted, f"book/performance.md pastes benchmark runs by hand; include their records instead: {pasted}"


def test_included_benchmark_records_are_written_by_record_py():
    """Every record under book/benchmarks/ that a page includes begins with the command that wrote it and
    ends with the line of when and where (what benchmarks/record.py writes)."""
    included = []
    for page in sorted((ROOT / "book").glob("*.md")):
        for target in re.findall(r"```\{literalinclude\}\s+(\S+)", page.read_text()):
            path = (page.parent / target).resolve()
            if path.parent == (ROOT / "book" / "benchmarks").resolve():
                included.append(path)
    assert included, "book/performance.md includes no benchmark record from book/benchmarks/"
    for path in included:
        lines = path.read_text().rstrip("\n").splitlines()
        assert lines and lines[0].startswith("$ python benchmarks/"), f"{path.name} does not begin with its command"
        assert lines[-1].startswith("# recorded "), f"{path.name} does not end with benchmarks/record.py's line"


CODE_LINE_LIMIT = 79
"""The longest code line a page shows without a horizontal scroll bar, in characters. Measured in
headless Chromium on a one-page build with the book's ``_config.yml`` and ``book.css``
(sphinx-book-theme 1.3 at its default, and widest, content width, from a window of about 1420 px):
the text column is 854 px, a code cell's box 786 px inside 16 px of padding a side, and a character of
its 14 px (0.875em) monospace font 8.43 px (DejaVu Sans Mono, the widest font of the theme's stack):
89 characters in the text column, 81 inside an exercise box, 86 inside a solution box. 79 (PEP 8)
fits all three, and the text column down to a 1320 px window."""


def test_no_code_line_runs_past_the_page_column():
    # the "# answer: <label>" marker is not counted: the pages do not show it (book/_ext)
    marker = re.compile(r"[ \t]*#[ \t]*answer:[ \t]*[\w-]+[ \t]*$")
    long = [f"{path.name}, cell {i}: {len(shown)} characters: {shown.strip()[:60]!r}"
            for path in NOTEBOOKS for i, cell in enumerate(nbformat.read(path, as_version=4).cells)
            if cell.cell_type == "code"
            for shown in (marker.sub("", line) for line in cell.source.split("\n"))
            if len(shown) > CODE_LINE_LIMIT]
    assert not long, (f"code lines longer than {CODE_LINE_LIMIT} characters scroll sideways on the page; "
                      "break them inside their parentheses:\n" + "\n".join(long))


def test_pages_do_not_show_the_answer_markers(tmp_path):
    # a line that prints an exercise's answer ends with "# answer: <label>" for the student versions
    # (companion.course); the page shows the line without it, and changes nothing else
    from html import unescape

    proc = build_one_page_book(tmp_path, "answer = 6 * 7\nprint(answer)  # answer: ex-a\nprint('done')",
                               "x = 1  # answer: a comment, not a marker\nprint(x)")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    page = (tmp_path / "out" / "_build" / "html" / "book" / "page.html").read_text()
    text = unescape(re.sub(r"<[^>]+>", "", page))
    assert "answer = 6 * 7\nprint(answer)\nprint('done')" in text
    assert "# answer: ex-a" not in text
    assert "x = 1  # answer: a comment, not a marker\nprint(x)" in text
    assert '<span class="nb">print</span>' in page, "the cell is no longer highlighted"
