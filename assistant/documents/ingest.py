"""Turn uploaded bytes into a Document: validate, detect the type, split into pages."""

from __future__ import annotations

import hashlib
from collections.abc import Set
from pathlib import Path

from ..errors import FileTooLargeError, InputError
from ..settings import Settings, get_settings
from .filetype import detect_type
from .images import decode_image_pages
from .model import Document, Page


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
    if kind == "pdf":
        pages = _pdf_pages(data, name, digest, settings, only_pages)
    else:
        pages = _image_pages(data, name, kind, digest, settings)
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


def _image_pages(data: bytes, name: str, kind: str, digest: str, settings: Settings) -> list[Page]:
    pages = []
    for index, image in enumerate(decode_image_pages(data, name, kind, settings)):
        pages.append(
            Page(
                number=index + 1,
                size=image.size,
                load_image=lambda image=image: image,
                content_key=f"{digest}:{index}",
            )
        )
    return pages


def _pdf_pages(
    data: bytes, name: str, digest: str, settings: Settings, only_pages: Set[int] | None
) -> list[Page]:
    from . import pdf  # PyMuPDF takes half a second to import; images never need it

    pages = []
    with pdf.open_pdf(data, name, settings) as doc:
        for index, pdf_page in enumerate(doc):
            if only_pages is not None and index + 1 not in only_pages:
                continue
            text_layer_points = pdf.text_layer_regions(pdf_page)
            zoom = pdf.render_zoom(pdf_page, settings, has_text_layer=bool(text_layer_points))
            text_layer = [region.scaled(zoom) for region in text_layer_points]
            pages.append(
                Page(
                    number=index + 1,
                    size=pdf.page_size(pdf_page, zoom),
                    load_image=lambda index=index, zoom=zoom: pdf.render_page(data, index, zoom),
                    content_key=f"{digest}:{index}",
                    text_layer=text_layer or None,
                )
            )
    return pages
