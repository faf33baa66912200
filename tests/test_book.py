"""The book: repository URL consistency, the build (warnings as errors), offline rendering, and
student versions."""
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest
import yaml

from companion import course

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
    for i in exercises:    # each exercise cell is followed by its hidden solution
        assert {"solution", "hide-input"} <= tags[i + 1]
    claims_cells = [c for c, t in zip(nb.cells, tags) if "nbval-check-output" in t]
    assert claims_cells and all("claims.require" in c.source for c in claims_cells)
    assert all(c.outputs for c in claims_cells), "the claims cell must be stored with its output"
    text = "".join(o.get("text", "") for c in claims_cells for o in c.outputs)
    assert "✓" in text and "✗" not in text


def test_student_versions_drop_solutions(tmp_path):
    written = course.write_student_versions(ROOT / "book", tmp_path)
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for path in written:
        nb = nbformat.read(path, as_version=4)
        assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
        assert any("exercise" in c.metadata.get("tags", []) for c in nb.cells)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    with pytest.raises(ValueError, match="source"):
        course.write_student_versions(tmp_path / "missing", tmp_path / "out")


def _build(root, out):
    return subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root),
                           "--path-output", str(out), "-W", "-n", "--keep-going"], capture_output=True, text=True,
                          cwd=root)


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
    proc = _build(tmp_path, tmp_path / "out")
    log = proc.stdout + proc.stderr
    assert (proc.returncode != 0) == fails, log[-3000:]
    if fails:
        assert "stderr was found in the cell outputs" in log


def test_book_builds_offline_with_warnings_as_errors(tmp_path):
    out = tmp_path / "out"
    proc = _build(ROOT, out)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
    html = out / "_build" / "html"
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
