"""PDF pages through PyMuPDF: the text layer where a page has one, a rendered image where it has not."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import pymupdf
from PIL import Image

from ..errors import CorruptFileError, DocAssistantError, EncryptedPdfError, TooManyPagesError
from ..languages import CJK
from ..settings import Settings
from .model import Region

pymupdf.TOOLS.mupdf_display_errors(False)  # broken files are reported by us, not printed by MuPDF


@contextmanager
def damaged_as(name: str) -> Iterator[None]:
    """MuPDF's failures on a broken page (a malformed page tree, a bad stream) as our error.

    Fix (fuzzing): one flipped bit in the page tree raised FzErrorFormat from page loading, an internal error.
    """
    try:
        yield
    except DocAssistantError:
        raise
    except Exception as exc:  # MuPDF raises several types for damaged files
        raise CorruptFileError(f"{name}: the PDF is damaged ({exc})") from exc


def open_pdf(data: bytes, name: str, settings: Settings) -> pymupdf.Document:
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for damaged files
        raise CorruptFileError(f"{name}: the PDF is corrupt and cannot be opened ({exc})") from exc
    # Many PDFs are encrypted with an empty user password; they open without asking.
    if doc.needs_pass and not doc.authenticate(""):
        raise EncryptedPdfError(f"{name}: the PDF is encrypted with a password; remove the password first")
    if doc.page_count == 0:
        raise CorruptFileError(f"{name}: the PDF has no pages (damaged or truncated file)")
    if doc.page_count > settings.max_pages:
        raise TooManyPagesError(
            f"{name}: the PDF has {doc.page_count} pages, over the limit of {settings.max_pages}; split it"
        )
    return doc


SMALL_RENDER = 1000  # px: a page smaller than this at render_dpi is too small to OCR well
SCAN_RENDER = 1200  # px: the long side such a page is raised to, when its scan has the pixels


def plain_zoom(page: pymupdf.Page, settings: Settings) -> float:
    """Pixels per PDF point at `render_dpi`, with the long side capped at `max_side`."""
    long_side = max(page.rect.width, page.rect.height)
    return min(settings.render_dpi / 72, settings.max_side / long_side)


def render_zoom(page: pymupdf.Page, settings: Settings, has_text_layer: bool) -> float:
    """Pixels per PDF point for this page's image.

    Pages render at `render_dpi`. A scan on a small page (a 2400 dpi scan on a 120 pt page gives
    333 px at 200 dpi) is rendered by pixel budget instead: up to SCAN_RENDER px on the long side, as far
    as the embedded image has the pixels. Every page is capped at `max_side` px on its long side.
    """
    long_side = max(page.rect.width, page.rect.height)
    zoom = settings.render_dpi / 72
    if not has_text_layer and long_side * zoom < SMALL_RENDER:
        native = zoom
        for info in page.get_image_info():
            x0, y0, x1, y1 = info["bbox"]
            if x1 - x0 > 1 and y1 - y0 > 1:
                native = max(native, info["width"] / (x1 - x0), info["height"] / (y1 - y0))
        zoom = min(native, SCAN_RENDER / long_side)
    return min(zoom, settings.max_side / long_side)


def page_size(page: pymupdf.Page, zoom: float) -> tuple[int, int]:
    """The size get_pixmap will give: MuPDF rounds the page rectangle outward to whole pixels."""
    pixels = (page.rect * pymupdf.Matrix(zoom, zoom)).irect
    return pixels.width, pixels.height


def render_page(data: bytes, index: int, zoom: float) -> Image.Image:
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        doc.authenticate("")
        pix = doc[index].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False, colorspace=pymupdf.csRGB)
        return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def text_layer_regions(page: pymupdf.Page, zoom: float) -> list[Region]:
    """Lines of the page's own text in page-image pixels (at `zoom`). Empty if it has none.

    One extraction per page. An upright page is laid out in its own points (MuPDF's quickest path) and
    each line's box scaled to pixels; a rotated one straight into pixels of the page as displayed (the
    rotation and the zoom go in as MuPDF's matrix, with the clip in the output's coordinates). No word's
    box is transformed here.
    """
    scale = zoom
    if page.rotation:
        matrix = page.rotation_matrix * pymupdf.Matrix(zoom, zoom)
        clip = page.rect * pymupdf.Matrix(zoom, zoom)
        textpage = page.get_textpage(clip=clip, flags=pymupdf.TEXTFLAGS_TEXT, matrix=matrix)
        scale = 1.0
    else:
        textpage = page.get_textpage(flags=pymupdf.TEXTFLAGS_TEXT)
    regions: list[Region] = []
    for block in page.get_text("dict", textpage=textpage)["blocks"]:
        if block["type"] != 0:
            continue
        for line in block["lines"]:
            text = "".join(span["text"] for span in line["spans"]).strip()
            if not text:
                continue
            if not text.isascii():
                # NFC folds CJK compatibility ideographs some fonts' ToUnicode maps produce (U+FA01 for 度).
                text = unicodedata.normalize("NFC", text)
            x0, y0, x1, y1 = line["bbox"]
            region = Region(text, (x0 * scale, y0 * scale, x1 * scale, y1 * scale), 1.0, "text_layer")
            vertical = abs(line["dir"][1]) > abs(line["dir"][0])
            if vertical and regions and _continues_column(regions[-1], region):
                regions[-1] = _join_column(regions[-1], region)
            else:
                regions.append(region)
    return _stacked_columns(regions) if _set_in_characters(regions) else regions


def _set_in_characters(regions: list[Region]) -> bool:
    """Most lines are one or two CJK characters: vertical writing that MuPDF gives as upright lines of a
    character each (a gazette set in columns). A page of horizontal lines never looks like this."""
    short = sum(1 for r in regions if _character_or_two(r.text))
    return short * 2 > len(regions)


def _character_or_two(text: str) -> bool:
    """One or two CJK characters or full-width punctuation marks (、。「」（）: U+3000-303F, U+FF00-FFEF)."""
    return len(text) <= 2 and all(
        CJK.match(c) or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" for c in text
    )


def _stacked_columns(regions: list[Region]) -> list[Region]:
    joined: list[Region] = []
    for region in regions:  # in the page's content order: down each column
        if joined and _stacks_under(joined[-1], region):
            joined[-1] = _join_column(joined[-1], region)
        else:
            joined.append(region)
    return joined


def _continues_column(above: Region, below: Region) -> bool:
    """Vertical writing often comes one character per line; characters stacked in a column are one line."""
    x_overlap = min(above.box[2], below.box[2]) - max(above.box[0], below.box[0])
    gap = below.box[1] - above.box[3]
    char = below.box[2] - below.box[0]
    return x_overlap >= 0.5 * char and -0.5 * char <= gap <= char and above.height >= above.width * 0.8


def _stacks_under(above: Region, below: Region) -> bool:
    """`below`, a character or two, stands under `above` in the same column, as close as the
    characters of a column stand."""
    if not _character_or_two(below.text):
        return False
    centre = (below.box[0] + below.box[2]) / 2
    gap = below.box[1] - above.box[3]
    return above.box[0] <= centre <= above.box[2] and -0.5 * below.height <= gap <= 0.5 * below.height


def _join_column(above: Region, below: Region) -> Region:
    box = (
        min(above.box[0], below.box[0]),
        min(above.box[1], below.box[1]),
        max(above.box[2], below.box[2]),
        max(above.box[3], below.box[3]),
    )
    return Region(above.text + below.text, box, 1.0, "text_layer")
