"""Sphinx extension: the verification appendix, generated during the build.

A page that holds the directive

    ```{verification-appendix}
    ```

gets, for every chapter of ``_toc.yml`` (every entry whose source is a notebook, in the table of
contents' order), a table of the chapter's claims as this build measured them, beside the robustness
records committed in ``book/robustness/`` (``companion.verification.markdown``). The claims are read
from the executed notebooks that myst-nb writes to ``_build/jupyter_execute/`` while it reads the
chapters; so that they exist, every page holding the directive is read after every other page, and
it is read again on every build (its inputs are not its own source).
"""
import pathlib
import re

import nbformat
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from companion import verification

MARKER = "```{verification-appendix}"
RECORDS = "book/robustness"


def _holds_directive(env, docname: str) -> bool:
    path = pathlib.Path(env.doc2path(docname))
    return path.suffix == ".md" and MARKER in path.read_text(encoding="utf-8")


def _chapters(srcdir: pathlib.Path) -> list[str]:
    """The docnames of ``_toc.yml`` whose source is a notebook, in its order."""
    files = re.findall(r"^\s*-?\s*file:\s*(\S+)", (srcdir / "_toc.yml").read_text(encoding="utf-8"), re.M)
    return [f for f in files if (srcdir / f"{f}.ipynb").is_file()]


class VerificationAppendix(SphinxDirective):
    """Every chapter's claims, this build's values and verdicts, and the committed robustness records."""

    has_content = False

    def run(self):
        srcdir = pathlib.Path(self.env.srcdir)
        executed = pathlib.Path(self.env.app.outdir).parent / "jupyter_execute"
        stored = verification.records(srcdir / RECORDS)
        chapters = []
        for docname in _chapters(srcdir):
            path = executed / f"{docname}.ipynb"
            if not path.is_file():
                raise self.error(f"verification-appendix: {docname} has no executed notebook at {path}; "
                                 "the appendix must be read after the chapters")
            self.env.note_dependency(str(path))
            measured = verification.claims_in(nbformat.read(path, as_version=4), docname)
            chapters.append((f"{{doc}}`/{docname}`", measured))
        # a colon fence: a backtick fence's info string may hold no backtick (the {doc} role)
        text = verification.markdown(chapters, stored, heading=":::{{rubric}} {}\n:::")
        holder = nodes.Element()
        # the page's own parser (MyST in a Markdown page) reads the generated Markdown
        self.state.nested_parse(StringList(text.splitlines(), source=self.env.docname), self.content_offset, holder)
        return holder.children


def _read_last(app, env, docnames):
    """Read the pages holding the directive after the chapters (whose executed notebooks they read)."""
    docnames.sort(key=lambda docname: _holds_directive(env, docname))


def _always_outdated(app, env, added, changed, removed):
    return [d for d in env.found_docs if d not in added | changed and _holds_directive(env, d)]


def setup(app):
    app.add_directive("verification-appendix", VerificationAppendix)
    app.connect("env-before-read-docs", _read_last)
    app.connect("env-get-outdated", _always_outdated)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
