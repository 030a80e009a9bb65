"""PDF pages that carry their own text: its lines and words, with boxes, and no OCR."""

from __future__ import annotations

from ..cache import make_key
from ..documents.model import Page
from . import tables
from .base import PageReading

VERSION = 1  # bump when a change here alters results, to retire old cache entries


class TextLayerReader:
    def cacheable(self, page: Page) -> bool:
        # The page's lines come with it from the (cached) layout; only a page that goes to the table
        # models (its lines look like a grid) costs enough to keep its reading.
        return tables.looks_tabular(page.text_layer or [])

    def accepts(self, page: Page) -> bool:
        return page.text_layer is not None

    def cache_key(self, page: Page) -> str:
        return make_key("text-layer-page", VERSION, page.content_key, page.size, tables.VERSION)

    def read(self, page: Page) -> PageReading:
        # Only a page whose lines look like a grid goes to the table models.
        regions, notes = tables.with_tables(page.load_image, list(page.text_layer or []))
        return PageReading(regions=regions, size=page.size, notes=notes, cached=page.layout_cached)
