"""The page model: a Document has Pages, a Page has Regions in reading order.

Boxes are (x0, y0, x1, y1) in pixels of the page image (the upright page as rendered for display),
so every front end can draw a citation without knowing where the region came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from PIL import Image

Box = tuple[float, float, float, float]
TextLine = tuple[str, Box]  # a line of a PDF's own text, as it crosses a worker's pipe, before it is a Region
RegionSource = Literal["text_layer", "rapidocr", "tesseract", "vlm"]


def scale_box(box: Box, factor: float) -> Box:
    return (box[0] * factor, box[1] * factor, box[2] * factor, box[3] * factor)


def union_box(boxes: Iterable[Box]) -> Box:
    """The smallest box around all of `boxes` (at least one)."""
    x0s, y0s, x1s, y1s = zip(*boxes, strict=True)
    return (min(x0s), min(y0s), max(x1s), max(y1s))


@dataclass(frozen=True)
class Word:
    text: str
    box: Box


@dataclass(frozen=True)
class TableCell:
    """Where a region sits in a table of its page: the table's number and the cell's row and column."""

    table: int  # tables on a page are numbered from 0 in reading order
    row: int  # from 0; the first row is the header of the Markdown table
    col: int
    rows: int = 1  # a merged cell spans several rows or columns
    cols: int = 1

    def to_dict(self) -> dict:
        return {"table": self.table, "row": self.row, "col": self.col, "rows": self.rows, "cols": self.cols}

    @classmethod
    def from_dict(cls, data: dict) -> TableCell:
        return cls(data["table"], data["row"], data["col"], data.get("rows", 1), data.get("cols", 1))


@dataclass(frozen=True)
class Region:
    """One line of text on a page (or the text of one table cell), with where it is and where it came from."""

    text: str
    box: Box
    confidence: float
    source: RegionSource
    words: tuple[Word, ...] = ()
    cell: TableCell | None = None  # set when the region is a table cell

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    def in_cell(self, cell: TableCell) -> Region:
        """This line as a table's cell. (Made directly: `dataclasses.replace` took as long per cell as
        the rest of a text page's table search.)"""
        return Region(self.text, self.box, self.confidence, self.source, self.words, cell)

    def scaled(self, factor: float) -> Region:
        words = tuple(Word(w.text, scale_box(w.box, factor)) for w in self.words)
        return replace(self, box=scale_box(self.box, factor), words=words)

    def to_dict(self) -> dict:
        data = {
            "text": self.text,
            "bbox": [round(v) for v in self.box],
            "confidence": round(self.confidence, 4),
            "source": self.source,
        }
        if self.cell is not None:
            data["cell"] = self.cell.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Region:
        return cls(
            text=data["text"],
            box=tuple(data["bbox"]),
            confidence=data["confidence"],
            source=data["source"],
            cell=TableCell.from_dict(data["cell"]) if data.get("cell") else None,
        )


@dataclass(frozen=True)
class PageSource:
    """How to make a page's image from its file: what a worker process is sent to decode or render it."""

    digest: str  # the file's sha256
    kind: str  # "pdf", "png", "tiff", ...
    index: int  # 0-based page (PDF) or frame (TIFF)
    zoom: float = 1.0  # PDF: pixels per point
    data: bytes = field(default=b"", repr=False, compare=False)  # the file; not sent with every job

    def without_data(self) -> PageSource:
        return replace(self, data=b"")


@dataclass
class Page:
    """A page of a document. `load_image` renders or decodes the page image on demand."""

    number: int  # 1-based
    size: tuple[int, int]  # (width, height) of the page image in pixels
    load_image: Callable[[], Image.Image]
    content_key: str  # identifies the page's content (file hash + page index): the cache key's base
    text_layer: list[Region] | None = None  # set for PDF pages that carry their own text
    regions: list[Region] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: PageSource | None = None  # set by ingest: lets a worker process make the image itself
    file: str = ""  # the document's name, for messages about this page
    failure: Exception | None = None  # the page could not be prepared (too slow): reading it raises this
    layout_cached: bool = False  # its layout (size, text layer) came from the result cache


@dataclass
class Document:
    name: str
    kind: str  # "pdf", "png", "jpeg", ...
    sha256: str
    pages: list[Page]
    notes: list[str] = field(default_factory=list)
    # A PDF's own bytes (its pages render from them anyway): exports copy its born-digital pages as they are.
    pdf: bytes | None = field(default=None, repr=False)
