"""The read task: the full text of the chosen pages in reading order, each line cited with its box."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby

from ..answer import Answer, Citation
from ..cache import ResultCache, get_cache
from ..documents.model import Document, Page, Region
from ..documents.tables import markdown_table
from ..errors import ArgumentError, PageTooSlowError
from ..readers.read_page import read_page
from ..settings import Settings, get_settings
from .pages import parse_pages
from .request import Progress


def selected_pages(doc: Document, wanted: set[int] | None) -> list[Page]:
    if wanted is None:
        return doc.pages
    return [page for page in doc.pages if page.number in wanted]


@dataclass
class ReadPages:
    """The chosen pages of the documents, read: what every task starts from."""

    pages: list[tuple[str, Page]]  # (file name, page with its regions in reading order)
    notes: list[str] = field(default_factory=list)
    cached: bool = True  # every page came from the cache

    def page(self, file: str, number: int) -> Page:
        return next(page for name, page in self.pages if name == file and page.number == number)

    def text(self) -> str:
        """Every page's text, pages apart by a blank line."""
        texts = (page_text(page.regions) for _, page in self.pages)
        return "\n\n".join(t for t in texts if t)

    def citations(self) -> list[Citation]:
        return [
            Citation(name, page.number, region, page.size)
            for name, page in self.pages
            for region in page.regions
        ]


def read_pages(
    documents: Sequence[Document],
    pages: str | None = None,
    lang: str | None = None,
    settings: Settings | None = None,
    cache: ResultCache | None = None,
    progress: Progress | None = None,
) -> ReadPages:
    settings = settings or get_settings()
    cache = cache or get_cache(settings)
    wanted = parse_pages(pages)
    result = ReadPages(pages=[])
    skipped: list[PageTooSlowError] = []
    for doc in documents:
        chosen = selected_pages(doc, wanted)
        if wanted and not chosen:
            raise ArgumentError(f"{doc.name}: has {len(doc.pages)} page(s); none of pages {pages} exist")
        for page in chosen:
            if progress:
                progress(doc.name, page.number, len(doc.pages))
            try:
                reading = read_page(page, lang, settings, cache)
            except PageTooSlowError as exc:
                # One page over its budget does not cost the others: it is left out, and the notes say why.
                # Only when no page at all could be read is it the request's error.
                skipped.append(exc)
                result.notes.append(f"{exc.message} ({exc.code}); the other pages were read")
                continue
            result.cached &= reading.cached
            where = f"{doc.name} page {page.number}"
            result.notes.extend(f"{where}: {note}" for note in reading.notes)
            if not page.regions:
                result.notes.append(f"{where}: no text found")
            result.pages.append((doc.name, page))
    if skipped and not result.pages:
        raise skipped[0]
    return result


def read_documents(
    documents: Sequence[Document],
    pages: str | None = None,
    lang: str | None = None,
    settings: Settings | None = None,
    cache: ResultCache | None = None,
    progress: Progress | None = None,
) -> Answer:
    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, cache, progress)
    return Answer(
        task="read",
        text=read.text(),
        citations=read.citations(),
        notes=read.notes,
        cached=read.cached,
        elapsed_ms=elapsed_ms(started),
    )


def elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def page_text(regions: Sequence[Region]) -> str:
    """Lines in order; pieces of one row (a label and its value) are joined with a space. A table's cells
    (consecutive in reading order) are written as a Markdown table, apart from the lines by a blank line."""
    blocks = [
        markdown_table(list(group)) if table is not None else _lines_text(list(group))
        for table, group in groupby(regions, key=lambda r: r.cell.table if r.cell else None)
    ]
    return "\n\n".join(blocks)


def _lines_text(regions: Sequence[Region]) -> str:
    out: list[str] = []
    previous: Region | None = None
    for region in regions:
        if previous is not None and same_row(previous, region):
            out.append(" ")
        elif previous is not None:
            out.append("\n")
        out.append(region.text)
        previous = region
    return "".join(out)


def same_row(left: Region, right: Region) -> bool:
    """`right` continues `left` on the same line of text (a label and its value)."""
    if left.height > 1.5 * left.width or right.height > 1.5 * right.width:
        return False  # vertical text: every column is a line of its own
    overlap = min(left.box[3], right.box[3]) - max(left.box[1], right.box[1])
    return right.box[0] >= left.box[2] - 2 and overlap >= 0.5 * min(left.height, right.height)
