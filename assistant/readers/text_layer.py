"""PDF pages that carry their own text: its lines and words, with boxes, and no OCR."""

from __future__ import annotations

from ..cache import make_key
from ..documents.model import Page
from .base import PageReading
from .text_tables import with_text_tables

VERSION = 2  # bump when a change here alters results, to retire old cache entries


class TextLayerReader:
    def cacheable(self, page: Page) -> bool:
        # The page's lines come with it from the (cached) layout, and its tables take milliseconds.
        return False

    def accepts(self, page: Page) -> bool:
        return page.text_layer is not None

    def cache_key(self, page: Page) -> str:
        return make_key("text-layer-page", VERSION, page.content_key, page.size)

    def read(self, page: Page) -> PageReading:
        regions, notes = with_text_tables(list(page.text_layer or []))
        return PageReading(regions=regions, size=page.size, notes=notes, cached=page.layout_cached)
