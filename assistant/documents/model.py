"""The page model: a Document has Pages, a Page has Regions in reading order.

Boxes are (x0, y0, x1, y1) in pixels of the page image (the upright page as rendered for display),
so every front end can draw a citation without knowing where the region came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from PIL import Image

Box = tuple[float, float, float, float]
RegionSource = Literal["text_layer", "rapidocr", "tesseract", "vlm"]


def scale_box(box: Box, factor: float) -> Box:
    return (box[0] * factor, box[1] * factor, box[2] * factor, box[3] * factor)


@dataclass(frozen=True)
class Word:
    text: str
    box: Box


@dataclass(frozen=True)
class Region:
    """One line of text on a page, with where it is and where it came from."""

    text: str
    box: Box
    confidence: float
    source: RegionSource
    words: tuple[Word, ...] = ()

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    def scaled(self, factor: float) -> Region:
        words = tuple(Word(w.text, scale_box(w.box, factor)) for w in self.words)
        return replace(self, box=scale_box(self.box, factor), words=words)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "bbox": [round(v) for v in self.box],
            "confidence": round(self.confidence, 4),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Region:
        return cls(
            text=data["text"],
            box=tuple(data["bbox"]),
            confidence=data["confidence"],
            source=data["source"],
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
