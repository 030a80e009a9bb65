"""PDF pages that carry their own text: its lines and words, with boxes, and no OCR."""

from __future__ import annotations

from ..cache import make_key
from ..documents.model import Page
from . import tables
from .base import PageReading

VERSION = 1  # bump when a change here alters results, to retire old cache entries


class TextLayerReader:
    cacheable = False  # the page's lines come with it from the (cached) layout

    def accepts(self, page: Page) -> bool:
        return page.text_layer is not None

    def cache_key(self, page: Page) -> str:
        return make_key("text-layer-page", VERSION, page.content_key, page.size, tables.VERSION)

    def read(self, page: Page) -> PageReading:
        # Only a page whose lines look like a grid goes to the table models (not cached: rare in PDFs).
        regions, notes = tables.with_tables(page.load_image, list(page.text_layer or []))
        return PageReading(regions=regions, size=page.size, notes=notes, cached=page.layout_cached)
