"""Read a page with the first reader of the list that accepts it, behind the content-hash cache.

The list, by settings: the PDF text layer; a model server's spotting pass when its profile gives
coordinates (HunyuanOCR); the OCR engines (rapidocr, tesseract). The same page uploaded again, under any
name, is not read twice.
"""

from __future__ import annotations

from .. import cancel
from ..backends.registry import get_backend
from ..cache import ResultCache
from ..documents.model import Page
from ..settings import Settings
from ..single_flight import SingleFlight
from . import tesseract
from .base import PageReader, PageReading
from .languages import plan_for
from .ocr_engines import OcrEngineReader
from .reading_order import order_regions
from .text_layer import TextLayerReader
from .vlm_spotting import VlmSpottingReader


def page_readers(lang: str | None, settings: Settings) -> list[PageReader]:
    readers: list[PageReader] = [TextLayerReader()]
    if settings.backend == "openai":
        backend = get_backend(settings)
        if backend.profile.coordinates:
            readers.append(VlmSpottingReader(backend, settings))
    plan = plan_for(lang, tesseract.installed_languages(settings.tessdata_dir), settings.ocr_engine)
    readers.append(OcrEngineReader(plan, settings))
    return readers


_flights: SingleFlight[dict] = SingleFlight()


def read_page(page: Page, lang: str | None, settings: Settings, cache: ResultCache) -> PageReading:
    """Regions of `page` in reading order, and apply the result (regions, upright image) to the page.

    Raises the page's failure (`PageTooSlowError`) when it could not be laid out or read in its budget.
    """
    cancel.check()
    if page.failure is not None:
        raise page.failure
    reader = next(r for r in page_readers(lang, settings) if r.accepts(page))
    # A page not worth caching has its reading on it already (a text layer without tables, laid out and
    # cached with the document).
    reading = _cached_reading(reader, page, cache) if reader.cacheable(page) else reader.read(page)
    # Ordering is cheap and not cached, so a better ordering applies to cached pages too.
    reading.regions = order_regions(reading.regions)
    _apply(page, reading)
    return reading


def _cached_reading(reader: PageReader, page: Page, cache: ResultCache) -> PageReading:
    key = reader.cache_key(page)
    cached = cache.get(key)
    if cached is not None:
        return PageReading.from_cache(cached)

    def work() -> dict:
        data = reader.read(page).to_cache()
        cache.set(key, data)
        return data

    # The same page asked for at once by several requests is read once; the others wait for it.
    return PageReading.from_cache(_flights.do(key, work)[0], cached=False)


def _apply(page: Page, reading: PageReading) -> None:
    page.regions = reading.regions
    page.notes = list(reading.notes)
    if reading.rotation:
        load, rotation = page.load_image, reading.rotation
        page.load_image = lambda: load().rotate(rotation, expand=True)
        page.size = reading.size
