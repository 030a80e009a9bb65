"""Turn uploaded bytes into a Document: validate, detect the type, split into pages."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import FileTooLargeError, InputError
from ..settings import Settings, get_settings
from .filetype import detect_type
from .images import decode_image_pages
from .model import Document, Page


def load_document(data: bytes, name: str, settings: Settings | None = None) -> Document:
    """Validate `data` and return its pages. Raises an InputError with a clear message on bad input."""
    settings = settings or get_settings()
    if len(data) > settings.max_file_bytes:
        raise FileTooLargeError(
            f"{name}: file is {len(data) / 1024 / 1024:.1f} MB, over the limit of {settings.max_file_mb:g} MB"
        )
    kind = detect_type(data, name)
    digest = hashlib.sha256(data).hexdigest()
    if kind == "pdf":
        pages = _pdf_pages(data, name, digest, settings)
    else:
        pages = _image_pages(data, name, kind, digest, settings)
    return Document(name=name, kind=kind, sha256=digest, pages=pages)


def load_file(path: str | Path, settings: Settings | None = None) -> Document:
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
        data = path.read_bytes()
    except OSError as exc:  # a directory, a file without read permission, a vanished file
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    return load_document(data, path.name, settings)


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


def _pdf_pages(data: bytes, name: str, digest: str, settings: Settings) -> list[Page]:
    from . import pdf  # PyMuPDF takes half a second to import; images never need it

    pages = []
    with pdf.open_pdf(data, name, settings) as doc:
        for index, pdf_page in enumerate(doc):
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
