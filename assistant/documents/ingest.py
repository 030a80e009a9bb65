"""Turn uploaded bytes into a Document: validate, detect the type, split into pages (laid out in a worker
process, under the page budget: see layout.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Set
from functools import partial
from pathlib import Path

from ..errors import FileTooLargeError, InputError
from ..settings import Settings, get_settings
from .filetype import detect_type
from .layout import document_layout, failure_error
from .model import Document, Page, PageSource
from .page_jobs import page_image


def load_document(
    data: bytes, name: str, settings: Settings | None = None, only_pages: Set[int] | None = None
) -> Document:
    """Validate `data` and return its pages. Raises an InputError with a clear message on bad input.

    `only_pages` (numbers from 1) keeps just those pages of a PDF, unparsed the others: a batch reads a long
    PDF's page ranges in separate workers, and each parses only its own range's text layer.
    """
    settings = settings or get_settings()
    if len(data) > settings.max_file_bytes:
        raise FileTooLargeError(
            f"{name}: file is {len(data) / 1024 / 1024:.1f} MB, over the limit of {settings.max_file_mb:g} MB"
        )
    kind = detect_type(data, name)
    digest = hashlib.sha256(data).hexdigest()
    pages = _pages(data, name, kind, digest, settings)
    if only_pages is not None and kind == "pdf":
        pages = [page for page in pages if page.number in only_pages]
    return Document(name=name, kind=kind, sha256=digest, pages=pages, pdf=data if kind == "pdf" else None)


def load_file(
    path: str | Path, settings: Settings | None = None, only_pages: Set[int] | None = None
) -> Document:
    settings = settings or get_settings()
    return load_document(read_file(path, settings), Path(path).name, settings, only_pages)


def read_file(path: str | Path, settings: Settings | None = None) -> bytes:
    """A file's bytes, refused before it is read when it is over the size limit."""
    settings = settings or get_settings()
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if size > settings.max_file_bytes:
        # Refuse before reading a huge file into memory.
        raise FileTooLargeError(
            f"{path.name}: file is {size / 1024 / 1024:.1f} MB, over the limit of {settings.max_file_mb:g} MB"
        )
    try:
        return path.read_bytes()
    except OSError as exc:  # a directory, a file without read permission, a vanished file
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc


def _pages(data: bytes, name: str, kind: str, digest: str, settings: Settings) -> list[Page]:
    pages = []
    for index, layout in enumerate(document_layout(data, name, kind, digest, settings)):
        source = PageSource(digest, kind, index, layout.zoom, data)
        pages.append(
            Page(
                number=index + 1,
                size=layout.size,
                load_image=partial(page_image, source, name, settings),
                content_key=f"{digest}:{index}",
                text_layer=layout.text_layer(),
                source=source,
                file=name,
                failure=failure_error(layout.failure) if layout.failure else None,
                layout_cached=layout.cached,
            )
        )
    return pages
