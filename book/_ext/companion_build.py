"""Sphinx extension used by the book build.

- The kernels that execute the chapters show no progress bars, so none is stored in the built
  pages: the kernels inherit this process's environment, and companion.engine draws no bar when
  ``COMPANION_PROGRESS`` is ``0``. Nothing else is hidden: anything a cell writes to stderr (a
  Python warning, for instance) is still reported by myst-nb as a build warning
  (``nb_output_stderr: warn``), which ``-W`` turns into an error.
- The kernels' OpenMP threads sleep while they wait (``OMP_WAIT_POLICY=PASSIVE``, unless the
  environment sets it) instead of spinning: beside another heavy job on a small machine, spinning
  threads wait on each other's descheduled partners at every one of the chapters' many small
  tensor operations. ``benchmarks/bench_threads.py`` measures it; its record is in the appendix
  *Performance and correctness*.
- The bibliography is labelled author-year ("[Xu et al., 2024]"), as the text cites, not with
  pybtex's alpha keys ("[XWF+24]"): the formatting style ``authoryear`` (``bibtex_default_style``).
- The proof index lists each theorem by its title and page, not by its raw label.
- Each script is included in a page once: sphinx-thebe and sphinx-togglebutton register their
  inline configuration twice under Jupyter Book 1.0, and the second ``const THEBE_JS_URL`` is a
  JavaScript error in every page's console.
- ``book.css`` wraps long outputs (a config's repr, a claims table) inside the text column.
- A code line that prints an exercise's answer ends with ``# answer: <label>``, the marker the
  student versions drop the line by (``companion.course``); the pages show the line without its
  marker: it is a note for the generator, not for the reader. Nothing else in a cell is changed.
"""
import os
import re

from docutils import nodes
from pybtex.plugin import register_plugin as register_pybtex_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.domains import Index


_ANSWER_MARKER = re.compile(r"[ \t]*#[ \t]*answer:[ \t]*[\w-]+[ \t]*$")
"""A code line's trailing answer marker, as ``companion.course`` reads it (one line at a time)."""


def _hide_answer_markers(app, doctree):
    """Drop the ``# answer: <label>`` marker from the end of every line of every code cell's source
    as rendered (myst-nb puts a cell's source in a ``literal_block`` inside a ``cell_input``
    container); the notebook itself keeps it."""
    for box in doctree.findall(nodes.container):
        if "cell_input" not in box["classes"]:
            continue
        for block in box.findall(nodes.literal_block):
            text = block.astext()
            shown = "\n".join(_ANSWER_MARKER.sub("", line) for line in text.split("\n"))
            if shown != text:
                # Sphinx highlights ``rawsource``; it must equal the text or the block is not highlighted
                block.rawsource = shown
                block[:] = [nodes.Text(shown)]


class AuthorYearLabels(BaseLabelStyle):
    """Labels "Xu et al., 2024", "Boursier and Flammarion, 2023", "OpenReview, 2024"; two entries that
    would get the same label get "2024a", "2024b" in the bibliography's order."""

    def format_labels(self, sorted_entries):
        labels = [self._label(entry) for entry in sorted_entries]
        for label in set(labels):
            same = [i for i, other in enumerate(labels) if other == label]
            if len(same) > 1:
                for letter, i in zip("abcdefghijklmnopqrstuvwxyz", same):
                    labels[i] = label + letter
        return labels

    @staticmethod
    def _label(entry):
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
        if not last:
            fields = entry.fields
            who = fields.get("organization") or fields.get("publisher") or fields.get("howpublished") or entry.key
        elif len(last) == 1:
            who = last[0]
        elif len(last) == 2:
            who = f"{last[0]} and {last[1]}"
        else:
            who = f"{last[0]} et al."
        return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearStyle(UnsrtStyle):
    """pybtex's unsrt formatting, author-year labels, sorted by author, year and title."""

    default_label_style = AuthorYearLabels
    default_sorting_style = "author_year_title"


class TitledProofIndex(Index):
    """The proof index, one entry per theorem: its title (from the page), linking to it."""

    name = "prf"
    localname = "Index of theorems"
    shortname = "Theorems"

    def generate(self, docnames=None):
        env = self.domain.env
        entries = []
        for label, info in getattr(env, "proof_list", {}).items():
            docname = info["docname"]
            title = label
            doctree = env.get_doctree(docname)
            for node in doctree.findall(nodes.Element):
                if label in node.get("ids", []):
                    caption = node.next_node(nodes.title)
                    if caption is not None and caption.astext().strip():
                        title = re.sub(r"\s+", " ", caption.astext()).strip().removeprefix("(").removesuffix(")")
                    break
            page = env.titles[docname].astext() if docname in env.titles else docname
            entries.append((title, docname, label, page, info["realtype"]))
        content = {}
        for title, docname, label, page, kind in sorted(entries):
            content.setdefault(title[0].upper(), []).append((title, 0, docname, label, page, "", kind))
        return sorted(content.items()), True


def _scripts_once(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # the second copy has filename '' where the first has None: compare what the page gets
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def encrypt_kernel_traffic() -> None:
    """Kernels started by this process encrypt their local traffic (jupyter_client's
    ``transport_encryption="auto"``: CurveZMQ keys, which ipykernel's kernelspec supports), so that
    none prints "Kernel is running over TCP without encryption" when it starts. The warning was
    harmless (the kernel listens on 127.0.0.1 only and every message is signed with a key that only
    this user can read), but it showed on every start; myst-nb takes no kernel configuration, hence
    the default is set here. Older jupyter_client versions have no such setting and print nothing."""
    from jupyter_client.manager import KernelManager

    if hasattr(KernelManager, "transport_encryption"):
        KernelManager.transport_encryption.default_value = "auto"


def setup(app):
    os.environ["COMPANION_PROGRESS"] = "0"
    encrypt_kernel_traffic()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    register_pybtex_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    app.setup_extension("sphinx_proof")
    from sphinx_proof.domain import ProofDomain

    ProofDomain.indices = [TitledProofIndex]      # in place of sphinx-proof's label-only index
    app.add_css_file("book.css")
    app.connect("html-page-context", _scripts_once)
    app.connect("doctree-read", _hide_answer_markers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
