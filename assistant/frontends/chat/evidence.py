"""What the chat shows as evidence: numbered markers, highlighted pages and crops of the cited regions.

Free of Chainlit so that it can be tested alone; the app turns each EvidenceImage into a chat element.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image

from ...answer import Answer, Citation
from ...documents.model import Box, Document, Page
from ...documents.render import crop, highlight
from .safe_text import plain

MAX_MARKERS = 12  # more would bury the answer; the JSON keeps every citation
CROP_MIN_HEIGHT = 160  # px: a crop of a small region is upscaled to this height, so that it can be read
MAX_CROP_UPSCALE = 4.0
MAX_OVERVIEW_PAGES = 4  # read and translate: pages shown with their lines boxed
DISPLAY_SIDE = 1600  # long side of a page image sent to the browser, in pixels


@dataclass(frozen=True)
class EvidenceImage:
    name: str  # shown under the image; side-panel images are opened by this name in the text
    png: bytes
    display: str  # "inline" or "side"


@dataclass
class Evidence:
    markers: list[list[int]]  # marker number `first + k` -> indices into answer.citations
    first: int = 1  # several answers in one message number on from each other
    images: list[EvidenceImage] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # one markdown line per marker, its text made safe
    pages: list[tuple[str, int]] = field(default_factory=list)  # (file, page) of the cited regions, in order

    @property
    def numbers(self) -> list[int]:
        return list(range(self.first, self.first + len(self.markers)))

    def marker_of(self, citation_index: int) -> int | None:
        for n, indices in zip(self.numbers, self.markers, strict=True):
            if citation_index in indices:
                return n
        return None


def _key(citation: Citation) -> tuple:
    return (citation.file, citation.page, tuple(round(v) for v in citation.region.box))


def number_citations(citations: Sequence[Citation]) -> list[list[int]]:
    """One marker per distinct region, in order of first citation, at most MAX_MARKERS."""
    markers: dict[tuple, list[int]] = {}
    for index, citation in enumerate(citations):
        key = _key(citation)
        if key in markers or len(markers) < MAX_MARKERS:
            markers.setdefault(key, []).append(index)
    return list(markers.values())


def source_name(n: int, citation: Citation) -> str:
    """The side-panel crop's name, which Chainlit shows as the panel's title and links in the text."""
    return f"source {n} · {citation.file}, page {citation.page}"


def readable_crop(image: Image.Image, box: Box) -> Image.Image:
    """The region with room around it (its lines above and below show), upscaled when it is small."""
    margin = max(16, round(0.8 * (box[3] - box[1])))
    piece = highlight(crop(image, box, margin=margin), [_in_crop(box, margin)], [""])
    factor = min(MAX_CROP_UPSCALE, CROP_MIN_HEIGHT / piece.height)
    if factor > 1:
        size = (round(piece.width * factor), round(piece.height * factor))
        piece = piece.resize(size, Image.Resampling.LANCZOS)
    return piece


def _in_crop(box: Box, margin: int) -> Box:
    """`box` in the pixels of its crop, which starts `margin` before it (or at the image's edge)."""
    left, top = max(0, round(box[0] - margin)), max(0, round(box[1] - margin))
    return (box[0] - left, box[1] - top, box[2] - left, box[3] - top)


def build_evidence(answer: Answer, documents: Sequence[Document], overview: bool, first: int = 1) -> Evidence:
    """Markers with a highlighted page per cited page and a crop per marker (side panel).

    `overview` (read, translate): no markers, the pages shown with every cited line boxed instead.
    """
    pages = {(doc.name, page.number): page for doc in documents for page in doc.pages}
    if overview:
        return Evidence(markers=[], images=_overviews(answer.citations, pages))
    evidence = Evidence(markers=number_citations(answer.citations), first=first)
    first_citation = dict(zip(evidence.numbers, (indices[0] for indices in evidence.markers), strict=True))
    by_page: dict[tuple[str, int], list[int]] = {}
    for n, index in first_citation.items():
        by_page.setdefault(_page_key(answer.citations[index]), []).append(n)
    for (name, number), marker_numbers in by_page.items():
        page = pages.get((name, number))
        if page is None:
            continue
        image = page.load_image()
        boxes = [answer.citations[first_citation[n]].region.box for n in marker_numbers]
        labels = [f"[{n}]" for n in marker_numbers]
        evidence.images.append(
            EvidenceImage(f"{name} page {number}", _png(highlight(image, boxes, labels)), "inline")
        )
        for n, box in zip(marker_numbers, boxes, strict=True):
            name = source_name(n, answer.citations[first_citation[n]])
            evidence.images.append(EvidenceImage(name, _png(readable_crop(image, box)), "side"))
    for n, index in first_citation.items():
        citation = answer.citations[index]
        quote = plain(_shorten(citation.region.text))
        # A file name made safe as well; a plain name stays as it is, so Chainlit still links it to its crop.
        evidence.sources.append(f"[{n}] “{quote}” ({plain(source_name(n, citation))})")
    evidence.pages = list(by_page)
    return evidence


def panel_title(pages: Sequence[tuple[str, int]]) -> str:
    """The side panel's title: Chainlit titles it with its last element's name, so the app ends the panel
    with an element of this name, which says what the panel holds (whence its crops come)."""
    files: dict[str, list[int]] = {}
    for file, number in pages:
        files.setdefault(file, []).append(number)
    if len(files) > 1:
        return f"Sources · {len(files)} documents"
    ((file, numbers),) = files.items() or [("", [])]
    numbers = sorted(set(numbers))
    if len(numbers) == 1:
        return f"Sources · {file}, page {numbers[0]}"
    return f"Sources · {file}, pages {', '.join(map(str, numbers))}"


def _page_key(citation: Citation) -> tuple[str, int]:
    return (citation.file, citation.page)


def _overviews(citations: Sequence[Citation], pages: dict[tuple[str, int], Page]) -> list[EvidenceImage]:
    by_page: dict[tuple[str, int], list[Citation]] = {}
    for citation in citations:
        by_page.setdefault(_page_key(citation), []).append(citation)
    images = []
    for (name, number), cited in list(by_page.items())[:MAX_OVERVIEW_PAGES]:
        page = pages.get((name, number))
        if page is None:
            continue
        marked = highlight(page.load_image(), [c.region.box for c in cited], [""] * len(cited))
        images.append(EvidenceImage(f"{name} page {number}", _png(marked), "inline"))
    return images


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _png(image: Image.Image) -> bytes:
    scale = DISPLAY_SIDE / max(image.size)
    if scale < 1:
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()


def png_file(path: str) -> bytes:
    """A rendered page on disk (translate's output), sized for the browser."""
    with Image.open(path) as image:
        return _png(image)
