"""HTML → PDF with WeasyPrint; a long per-pairing appendix laid out in two processes (issue 18).

WeasyPrint lays out about ten pages a second on one core, whatever the CSS (profiled: line breaking, table
cells, styles and drawing share the time), so a province's report (~40 pages) is bound by layout. With a
per-pairing appendix of at least ``PARALLEL_MIN_PAIRINGS`` blocks the document is cut between two
pairing blocks into two parts that take about as long; a forked child lays out and writes the second while
this process does the first, and pypdf joins them. The cut starts a page (the only visible difference:
one page may end early). What WeasyPrint would have computed over the whole document is rebuilt for the
whole: the page footer ("n / total") is stamped on every page from a footer-only rendering of the same
``@page`` style, and the outline (bookmarks) is one tree, the second half's pairings under the appendix's
heading. If the fork or the child fails, the second half is laid out here: the report is still built.

Everything else (a national program's per-city appendix with its embedded workbook, area reports, small
programs) is one WeasyPrint rendering as before.

Two things make every rendering cheaper without changing a pixel (profiled on GS2022, 36 pages):
Python's cyclic garbage collector is paused while WeasyPrint works (``collector.collector_paused``): its
passes over the growing heap were about a quarter of the CPU time. And the user-agent stylesheet is
``report_ua.css``, WeasyPrint's own cut down to the elements the report uses (``ReportHTML``): the full
one's attribute and pseudo-element selectors were tried against every element, another tenth.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from core.collector import collector_paused

# The template's per-pairing block (templates/assessments/reports/provincial_report.html): the cut goes
# before one of them.
PAIRING_BLOCK = '<div class="pairing">'
PARALLEL_MIN_PAIRINGS = 30
# The parts are laid out without the page footer; it is stamped on the joined document.
_NO_FOOTER = "@page { @bottom-center { content: none !important } }"
_PX_TO_PT = 0.75
_FIRST_SHARE = 0.42
USER_AGENT_CSS = Path(__file__).with_name("report_ua.css")


@functools.cache
def _html_class() -> Any:
    """WeasyPrint's ``HTML`` with ``report_ua.css`` as its user-agent stylesheet (parsed once)."""
    # WeasyPrint is a heavy import only the report builds need.
    from weasyprint import CSS, HTML

    user_agent = CSS(string=USER_AGENT_CSS.read_text(encoding="utf-8"))

    class ReportHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent]

    return ReportHTML


def report_html(html: str) -> Any:
    """A WeasyPrint document of ``html`` styled by the report's user-agent stylesheet."""
    return _html_class()(string=html)


def write_pdf(
    html: str, out: IO[bytes] | str, *, attachments: Sequence[tuple[str, bytes]] = (), parallel: bool = True
) -> int:
    """Write the PDF of ``html`` (with embedded ``attachments``: name, bytes) to ``out``; returns the
    number of pages. ``parallel=False`` always renders in one process (the benchmark's baseline)."""
    # WeasyPrint is a heavy import only the report builds need.
    from weasyprint import Attachment

    head, _sep, body = html.partition("<body>")
    pre, *blocks = body.split(PAIRING_BLOCK)
    if not parallel or attachments or len(blocks) < PARALLEL_MIN_PAIRINGS or (os.cpu_count() or 1) < 2:
        with collector_paused():
            document = report_html(html).render()
            document.write_pdf(out, attachments=[Attachment(string=b, name=n) for n, b in attachments])
        return len(document.pages)
    first, second = _cut(head, pre, blocks)
    with collector_paused():
        return _write_joined(head, first, second, out)


def _cut(head: str, pre: str, blocks: list[str]) -> tuple[str, str]:
    """Two documents: the report up to a pairing block, then the rest of the appendix (the HTML parser
    closes the elements left open at the end of the first), split so that both processes finish together."""
    # The sections before the appendix (tables, SVG charts) lay out about three times faster per character
    # than the pairing tables (measured on the GS2022 demo): they count for a third of their length.
    head_weight = len(pre) / 3
    total = head_weight + sum(map(len, blocks))
    size, k = head_weight, 0
    # This process also reads the data, renders the HTML, stamps the footers and joins the parts (~1.5 s
    # of ~8 on GS2022): it lays out the smaller share.
    while k < len(blocks) - 1 and size + len(blocks[k]) <= total * _FIRST_SHARE:
        size += len(blocks[k])
        k += 1
    k = max(k, 1)
    first = f"{head}<body>{pre}{PAIRING_BLOCK}{PAIRING_BLOCK.join(blocks[:k])}"
    second = f'{head}<body><div class="appendix">{PAIRING_BLOCK}{PAIRING_BLOCK.join(blocks[k:])}'
    return first, second


def _render(html: str) -> tuple[bytes, list[Any]]:
    from weasyprint import CSS

    document = report_html(html).render(stylesheets=[CSS(string=_NO_FOOTER)])
    # As WeasyPrint's own outline: PDF points from the bottom-left corner.
    tree = document.make_bookmark_tree(scale=_PX_TO_PT, transform_pages=True)
    return document.write_pdf(), _plain(tree)


def _plain(tree: list[Any]) -> list[Any]:
    # (label, (page, x, y), children) in plain tuples: pickled across the process boundary.
    return [(b[0], tuple(b[1]), _plain(b[2])) for b in tree]


def _render_in_child(html: str) -> tuple[int, str]:
    """Fork a child that renders ``html`` into a temporary file; returns (pid, path). The child shares
    nothing back but that file and leaves with ``os._exit``: no atexit hook, no database connection of
    this process closed from the child."""
    fd, path = tempfile.mkstemp(suffix=".pdfpart")
    os.close(fd)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        status = 1
        try:
            with open(path, "wb") as fh:
                pickle.dump(_render(html), fh)
            status = 0
        finally:
            os._exit(status)
    return pid, path


def _collect(pid: int, path: str, html: str) -> tuple[bytes, list[Any]]:
    try:
        _pid, status = os.waitpid(pid, 0)
        if status == 0:
            with open(path, "rb") as fh:
                loaded: tuple[bytes, list[Any]] = pickle.load(fh)  # noqa: S301 - our own child's file
                return loaded
    finally:
        os.unlink(path)
    return _render(html)  # the child failed: lay the part out here


def _write_joined(head: str, first: str, second: str, out: IO[bytes] | str) -> int:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit, NameObject, TextStringObject

    try:
        pid, path = _render_in_child(second)
    except OSError:
        pid, path = 0, ""
    try:
        pdf_a, tree_a = _render(first)
    except BaseException:
        if pid:  # reap the child before giving up
            os.waitpid(pid, 0)
            os.unlink(path)
        raise
    pdf_b, tree_b = _collect(pid, path, second) if pid else _render(second)

    writer = PdfWriter()
    reader_a = PdfReader(io.BytesIO(pdf_a))
    writer.append(reader_a, import_outline=False)
    offset = len(writer.pages)
    writer.append(PdfReader(io.BytesIO(pdf_b)), import_outline=False)
    pages = len(writer.pages)
    # The footer of every page, as the document's own @page rule draws it, on otherwise empty pages.
    footer = report_html(f"{head}<body>{'<div style=break-after:page></div>' * (pages - 1)}<div></div>")
    for page, stamp in zip(writer.pages, PdfReader(io.BytesIO(footer.write_pdf())).pages, strict=True):
        page.merge_page(stamp)
        page.compress_content_streams()  # merge_page leaves the joined content uncompressed

    created: dict[int, Any] = {}

    def add(items: list[Any], parent: Any, shift: int) -> None:
        for node in items:
            label, (page_number, x, y), children = node
            item = writer.add_outline_item(
                title=label, page_number=page_number + shift, parent=parent, fit=Fit.xyz(x, y, 0)
            )
            created[id(node)] = item
            add(children, item, shift)

    add(tree_a, None, 0)
    # The second part holds only pairing headings: siblings of the first part's last one, so they go
    # under its parent (the appendix's heading).
    parent, level = None, tree_a
    while level and level[-1][2]:
        parent, level = level[-1], level[-1][2]
    add(tree_b, created[id(parent)] if parent is not None else None, offset)
    # The title, producer and language WeasyPrint wrote.
    if reader_a.metadata is not None:
        writer.add_metadata({k: v for k, v in reader_a.metadata.items() if isinstance(v, str)})
    lang = reader_a.root_object.get("/Lang")
    if lang is not None:
        writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    writer.write(out)
    return pages
