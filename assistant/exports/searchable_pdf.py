"""A searchable PDF, as OCRmyPDF makes one: each page keeps its image and carries the read text invisibly.

The text of every region is written in render mode 3 (neither filled nor stroked), sized to the region's
box and stretched to its width, so that selecting, searching and copying find it where the page shows it.
A born-digital PDF page keeps its own text layer: it is copied as it is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

import pymupdf
from PIL import Image

from ..documents.model import Document, Page, Region
from ..documents.render import font_path, script_of_text

IMAGE_DPI = 200  # an image file's pages become PDF pages at this resolution (the PDF render default)
JPEG_QUALITY = 90
# Scripts the built-in CJK font (Droid Sans Fallback) draws; others take the installed Noto font.
BUILT_IN_SCRIPTS = {"Latin", "SC", "TC", "HK", "JP", "KR"}


def searchable_pdf(pages: Sequence[tuple[Document, Page]]) -> bytes:
    out = pymupdf.open()
    sources: dict[str, pymupdf.Document] = {}
    try:
        for doc, page in pages:
            source = _source(doc, sources)
            if source is not None and page.text_layer is not None:
                out.insert_pdf(source, from_page=page.number - 1, to_page=page.number - 1)
            else:
                _image_page(out, page, source[page.number - 1].rect if source is not None else None)
        out.subset_fonts()  # the fonts are embedded: keep only the glyphs the text uses
        return out.tobytes(garbage=3, deflate=True)
    finally:
        out.close()
        for source in sources.values():
            source.close()


def _source(doc: Document, opened: dict[str, pymupdf.Document]) -> pymupdf.Document | None:
    if doc.pdf is None:
        return None
    if doc.sha256 not in opened:
        opened[doc.sha256] = pymupdf.open(stream=doc.pdf, filetype="pdf")
    return opened[doc.sha256]


def _image_page(out: pymupdf.Document, page: Page, source_rect: pymupdf.Rect | None) -> None:
    """A page of the (upright) page image, the size of the source page, with its regions as invisible text."""
    image = page.load_image().convert("RGB")
    if source_rect is not None:  # as large as the scanned page was; turned upright, it may lie on its side
        scale = max(source_rect.width, source_rect.height) / max(image.size)
    else:
        scale = 72 / IMAGE_DPI
    pdf_page = out.new_page(width=image.width * scale, height=image.height * scale)
    pdf_page.insert_image(pdf_page.rect, stream=_jpeg(image))
    for region in page.regions:
        _invisible_text(pdf_page, region, scale)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


@cache
def _font(script: str) -> pymupdf.Font:
    if script in BUILT_IN_SCRIPTS:
        return pymupdf.Font("cjk")
    return pymupdf.Font(fontfile=str(font_path(script)))


def _invisible_text(pdf_page: pymupdf.Page, region: Region, scale: float) -> None:
    text = " ".join(region.text.split())
    x0, y0, x1, y1 = (v * scale for v in region.box)
    if not text or x1 <= x0 or y1 <= y0:
        return
    font = _font(script_of_text(text))
    size = (y1 - y0) / (font.ascender - font.descender)  # the line's height, ascender to descender
    length = font.text_length(text, fontsize=size)
    if length <= 0:
        return
    baseline = pymupdf.Point(x0, y0 + font.ascender * size)
    writer = pymupdf.TextWriter(pdf_page.rect)
    writer.append(baseline, text, font=font, fontsize=size)
    # Stretched (or squeezed) to the box's width: a selection covers what the page shows.
    writer.write_text(pdf_page, render_mode=3, morph=(baseline, pymupdf.Matrix((x1 - x0) / length, 1)))
