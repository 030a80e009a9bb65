"""PDF pages through PyMuPDF: the text layer where a page has one, a rendered image where it has not."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pymupdf
from PIL import Image

from ..errors import CorruptFileError, DocAssistantError, EncryptedPdfError, TooManyPagesError
from ..languages import CJK
from ..settings import Settings
from .model import Box, TextLine

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


def text_lines(page: pymupdf.Page, zoom: float) -> list[TextLine]:
    """Lines of the page's own text, each (text, box in page-image pixels at `zoom`). Empty if it has none.

    One text extraction per page. An upright page is laid out in its own points (MuPDF's quickest path)
    and each line's box scaled to pixels; a rotated one straight into pixels of the page as displayed (the
    rotation and the zoom go in as MuPDF's matrix, with the clip in the output's coordinates). The lines
    come from MuPDF's words, or from its "dict" where the page may hold vertical writing.
    """
    scale = zoom
    if page.rotation:
        matrix = page.rotation_matrix * pymupdf.Matrix(zoom, zoom)
        clip = page.rect * pymupdf.Matrix(zoom, zoom)
        textpage = page.get_textpage(clip=clip, flags=pymupdf.TEXTFLAGS_TEXT, matrix=matrix)
        scale = 1.0
    else:
        textpage = page.get_textpage(flags=pymupdf.TEXTFLAGS_TEXT)
    lines = _lines_from_words(textpage, scale)
    if lines is None:
        lines = _lines_from_dict(page, textpage, scale)
    if _set_in_characters(lines):
        lines = _stacked_columns(lines)
    return lines


def _lines_from_words(textpage: pymupdf.TextPage, scale: float) -> list[TextLine] | None:
    """Each MuPDF line as its words joined by a space, boxed by their union; None as soon as a line
    stands right under a narrow one, as the characters of vertical writing do: only the line directions
    of MuPDF's "dict" tell such a column from a column of a table's one-digit cells.

    Words are MuPDF's cheapest structured output: on a table of 1,300 lines a fifth of the time of its
    "dict", which builds a dictionary per span. Runs of spaces and no-break spaces between words read as
    one space, and a line's box ends at its last word, not at a trailing space.
    """
    lines: list[TextLine] = []
    narrow_above: Box | None = None  # the line before, if it is narrow enough to head a column
    line_words: list[tuple] = []
    for word in (*textpage.extractWORDS(), None):  # (x0, y0, x1, y1, text, block, line, word); None ends
        if word is not None and line_words and word[5:7] == line_words[0][5:7]:
            line_words.append(word)
            continue
        if line_words:
            if len(line_words) == 1:
                x0, y0, x1, y1, text = line_words[0][:5]
            else:
                xs0, ys0, xs1, ys1, texts = tuple(zip(*line_words, strict=True))[:5]
                x0, y0, x1, y1, text = min(xs0), min(ys0), max(xs1), max(ys1), " ".join(texts)
            box = (x0 * scale, y0 * scale, x1 * scale, y1 * scale)
            if narrow_above is not None and _continues_column(narrow_above, box):
                return None
            narrow_above = box if _heads_column(box) else None
            lines.append((text if text.isascii() else _nfc(text), box))
        line_words = [word]
    return lines


def _lines_from_dict(page: pymupdf.Page, textpage: pymupdf.TextPage, scale: float) -> list[TextLine]:
    """MuPDF's lines, with a vertical column given one character per line joined into one line."""
    lines: list[_Line] = []
    for block in page.get_text("dict", textpage=textpage)["blocks"]:
        if block["type"] != 0:
            continue
        for line in block["lines"]:
            spans = line["spans"]
            text = spans[0]["text"] if len(spans) == 1 else "".join(span["text"] for span in spans)
            text = text.strip()
            if not text:
                continue
            if not text.isascii():
                text = _nfc(text)
            x0, y0, x1, y1 = line["bbox"]
            box = [x0 * scale, y0 * scale, x1 * scale, y1 * scale]
            dx, dy = line["dir"]
            if abs(dy) > abs(dx) and lines and _continues_column(lines[-1].box, box):
                lines[-1].join(text, box)
            else:
                lines.append(_Line(text, box))
    return [line.done() for line in lines]


def _nfc(text: str) -> str:
    """NFC folds the CJK compatibility ideographs some fonts' ToUnicode maps produce (U+FA01 for 度)."""
    return unicodedata.normalize("NFC", text)


class _Line:
    """A line being made: a vertical column grows by a character at a time, so its text and box are
    joined in place (a new string and box per character cost more than MuPDF's extraction of the page)."""

    __slots__ = ("box", "parts")

    def __init__(self, text: str, box: list[float]) -> None:
        self.parts = [text]
        self.box = box

    def join(self, text: str, box: Sequence[float]) -> None:
        self.parts.append(text)
        own = self.box
        own[0], own[1] = min(own[0], box[0]), min(own[1], box[1])
        own[2], own[3] = max(own[2], box[2]), max(own[3], box[3])

    def done(self) -> TextLine:
        x0, y0, x1, y1 = self.box
        return "".join(self.parts), (x0, y0, x1, y1)


# One or two CJK characters or full-width punctuation marks (、。「」（）: U+3000-303F, U+FF00-FFEF).
_CHARACTER_OR_TWO = re.compile(f"[{CJK.pattern[1:-1]}\u3000-\u303f\uff00-\uffef]{{1,2}}")


def _character_or_two(text: str) -> bool:
    return _CHARACTER_OR_TWO.fullmatch(text) is not None


def _set_in_characters(lines: list[TextLine]) -> bool:
    """Most lines are one or two CJK characters: vertical writing that MuPDF gives as upright lines of a
    character each (a gazette set in columns). A page of horizontal lines never looks like this."""
    return sum(_character_or_two(text) for text, _ in lines) * 2 > len(lines)


def _stacked_columns(lines: list[TextLine]) -> list[TextLine]:
    joined: list[_Line] = []
    for text, box in lines:  # in the page's content order: down each column
        if joined and _character_or_two(text) and _stacks_under(joined[-1].box, box):
            joined[-1].join(text, box)
        else:
            joined.append(_Line(text, list(box)))
    return [line.done() for line in joined]


def _continues_column(above: Sequence[float], below: Sequence[float]) -> bool:
    """Vertical writing often comes one character per line; characters stacked in a column are one line."""
    x_overlap = min(above[2], below[2]) - max(above[0], below[0])
    gap = below[1] - above[3]
    char = below[2] - below[0]
    return x_overlap >= 0.5 * char and -0.5 * char <= gap <= char and _heads_column(above)


def _heads_column(box: Sequence[float]) -> bool:
    """Narrow enough for a line under it to continue it as a column: about as tall as wide, or taller."""
    return box[3] - box[1] >= (box[2] - box[0]) * 0.8


def _stacks_under(above: Sequence[float], below: Box) -> bool:
    """`below` stands under `above` in the same column, as close as the characters of a column stand."""
    x0, y0, x1, y1 = below
    centre = (x0 + x1) / 2
    height = y1 - y0
    gap = y0 - above[3]
    return above[0] <= centre <= above[2] and -0.5 * height <= gap <= 0.5 * height
