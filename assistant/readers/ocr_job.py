"""The OCR job a worker process runs for one page (`ocr_engines` sends it): make the page's image from its
source (the file is sent to each worker once) or from pixels, read it (OCR and tables),
and return the reading's cache form."""

from __future__ import annotations

from PIL import Image

from ..documents.model import PageSource
from ..documents.page_jobs import page_image
from ..settings import Settings
from .languages import OcrPlan
from .ocr_engines import read_image

Pixels = tuple[str, tuple[int, int], bytes]  # mode, size, raw bytes


def warm_up() -> None:
    """Load the OCR engines (a server's workers do it before the first request)."""
    from . import rapid

    rapid.detect(Image.new("RGB", (64, 32), "white"))


def read(source: PageSource | Pixels, name: str, plan: OcrPlan | None, settings: Settings) -> dict:
    if isinstance(source, PageSource):
        image = page_image(source, name, settings)
    else:
        mode, size, raw = source
        image = Image.frombytes(mode, size, raw)
    return read_image(image, plan, settings).to_cache()
