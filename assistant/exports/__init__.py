"""What a read can be saved as: a searchable PDF (`searchable_pdf`) or Markdown (`markdown`).

Both take the pages that were read, in order, as (document, page) pairs: each page carries its regions in
reading order (tasks.read.read_pages fills them in), so nothing is read again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..documents.model import Document, Page
from ..errors import ArgumentError
from ..tasks.pages import parse_pages
from ..tasks.read import selected_pages

ReadPage = tuple[Document, Page]  # the exporters spell it out: they import nothing from this package
Exporter = Callable[[Sequence[ReadPage]], bytes]


def pages_read(documents: Sequence[Document], pages: str | None) -> list[ReadPage]:
    """The (document, page) pairs a read of `pages` ("1-3,5"; None: all) covered, in order."""
    wanted = parse_pages(pages)
    return [(doc, page) for doc in documents for page in selected_pages(doc, wanted)]


def exporter_for(path: Path) -> Exporter:
    """The export a file name asks for, by its suffix: .pdf (searchable PDF) or .md (Markdown)."""
    from .markdown import markdown_bytes
    from .searchable_pdf import searchable_pdf

    exporters: dict[str, Exporter] = {".pdf": searchable_pdf, ".md": markdown_bytes}
    try:
        return exporters[path.suffix.lower()]
    except KeyError:
        raise ArgumentError(
            f"--output {path.name}: the suffix says what to write: .pdf (a searchable PDF) or .md (Markdown)"
        ) from None
