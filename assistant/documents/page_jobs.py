"""What a worker process does with a file before OCR: open it, lay out its pages, make a page's image.

A hostile file does its harm here (a PDF page of nested forms that takes hours to interpret, a TIFF strip
that takes minutes to inflate), so these run in `assistant.workers`' processes, each page under the budget.

`inspect` streams a header (every page's provisional size) and then one `PageLayout` per page: its size,
zoom and text layer (a PDF page), after decoding it in full (an image page). The decoded images are kept
a little while, so that the OCR job that usually follows on the same worker need not decode them again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ..settings import Settings
from ..worker_main import attached
from .model import Page, PageSource, Region, TextLine

RECENT_PIXELS = 64_000_000  # decoded page images kept per worker process


@dataclass
class PageLayout:
    size: tuple[int, int]
    zoom: float = 1.0  # PDF: pixels per point of the page image
    # PDF pages with their own text: its lines as (text, box in page-image pixels). Plain tuples cross the
    # worker's pipe and go into the layout cache as they are; the Regions are made once, by the caller.
    text_lines: list[TextLine] | None = None
    failure: tuple[str, str] | None = None  # (error code, message): the page could not be prepared
    cached: bool = False  # came from the result cache

    def text_layer(self) -> list[Region] | None:
        if self.text_lines is None:
            return None
        # A cache's lines may come back as lists.
        return [Region(text, tuple(box), 1.0, "text_layer") for text, box in self.text_lines]


def too_slow(name: str, number: int, budget_s: float) -> str:
    return (
        f"{name} page {number}: decoding, rendering or reading the page took longer than the "
        f"{budget_s:g} s budget per page (CPU time, DOC_ASSISTANT_PAGE_BUDGET_S); it was stopped"
    )


_recent: OrderedDict[tuple[str, int], Image.Image] = OrderedDict()


def _remember(digest: str, index: int, image: Image.Image) -> None:
    _recent[digest, index] = image
    while sum(im.width * im.height for im in _recent.values()) > RECENT_PIXELS and len(_recent) > 1:
        _recent.popitem(last=False)


def inspect(name: str, kind: str, digest: str, settings: Settings, start: int = 0) -> Iterator:
    """Yield the provisional sizes of every page, then the layout of each page from `start` on."""
    data = attached(digest)
    if kind == "pdf":
        yield from _inspect_pdf(data, name, settings, start)
        return
    from .images import decode_frame, frame_count, header_size

    count = frame_count(data, name, kind, settings)
    yield [header_size(data, name, kind)] * count
    for index in range(start, count):
        image = decode_frame(data, name, kind, index, settings)
        _remember(digest, index, image)
        yield PageLayout(image.size)


def _inspect_pdf(data: bytes, name: str, settings: Settings, start: int) -> Iterator:
    from . import pdf

    with pdf.open_pdf(data, name, settings) as doc:
        with pdf.damaged_as(name):
            pages = list(doc)  # each page parsed once, for its size and then its layout
            zooms = [pdf.plain_zoom(page, settings) for page in pages]
            sizes = [pdf.page_size(page, zoom) for page, zoom in zip(pages, zooms, strict=True)]
        yield sizes
        for index in range(start, doc.page_count):
            with pdf.damaged_as(f"{name} page {index + 1}"):
                page, zoom = pages[index], zooms[index]
                text_lines = pdf.text_lines(page, zoom)
                if not text_lines:
                    zoom = pdf.render_zoom(page, settings, has_text_layer=False)
                layout = PageLayout(pdf.page_size(page, zoom), zoom, text_lines or None)
            yield layout


def page_image(source: PageSource, name: str, settings: Settings) -> Image.Image:
    """The page's image in a worker process (or in process, from the source's own bytes)."""
    recent = _recent.get((source.digest, source.index))
    if recent is not None:
        return recent
    data = source.data or attached(source.digest)
    if source.kind == "pdf":
        from .pdf import damaged_as, render_page

        with damaged_as(f"{name} page {source.index + 1}"):
            return render_page(data, source.index, source.zoom)
    from .images import decode_frame

    return decode_frame(data, name, source.kind, source.index, settings)


def image_in_worker(page: Page, settings: Settings) -> Image.Image:
    """The page's image made in a worker process under the page budget (the pixels come back)."""
    if page.source is None or settings.worker_count == 0:
        return page.load_image()
    mode, size, raw = in_worker(page, settings, f"{__name__}:_encoded_image")
    return Image.frombytes(mode, size, raw)


def in_worker(page: Page, settings: Settings, target: str, *args: Any) -> Any:
    """`target(page.source, page.file, settings, *args)` run in a worker process under the page budget,
    with the page's file attached (`page_image` makes the image from it there); its result."""
    from ..errors import CorruptFileError, PageTooSlowError
    from ..workers import BudgetExceeded, Job, WorkerCrashed, get_pool

    assert page.source is not None
    job = Job(target, (page.source.without_data(), page.file, settings, *args))
    job.files[page.source.digest] = page.source.data
    try:
        return get_pool(settings.worker_count).call(job, settings.page_budget_s)
    except BudgetExceeded:
        raise PageTooSlowError(too_slow(page.file, page.number, settings.page_budget_s)) from None
    except WorkerCrashed as exc:
        raise CorruptFileError(
            f"{page.file} page {page.number}: the page could not be made ({exc})"
        ) from None


def _encoded_image(source: PageSource, name: str, settings: Settings) -> tuple[str, tuple[int, int], bytes]:
    image = page_image(source, name, settings)
    return image.mode, image.size, image.tobytes()
