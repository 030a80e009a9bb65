"""What a page reader returns, and the shape every reader has: the text layer, the OCR engines, a VLM's
spotting pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..documents.model import Page, Region


@dataclass
class PageReading:
    regions: list[Region]
    rotation: int = 0  # degrees counter-clockwise applied to make the page upright
    size: tuple[int, int] = (0, 0)  # of the upright page image
    engine: str = "text_layer"
    notes: list[str] = field(default_factory=list)
    cached: bool = False

    def to_cache(self) -> dict:
        return {
            "regions": [r.to_dict() for r in self.regions],
            "rotation": self.rotation,
            "size": list(self.size),
            "engine": self.engine,
            "notes": self.notes,
        }

    @classmethod
    def from_cache(cls, data: dict, cached: bool = True) -> PageReading:
        return cls(
            regions=[Region.from_dict(r) for r in data["regions"]],
            rotation=data["rotation"],
            size=tuple(data["size"]),
            engine=data["engine"],
            notes=list(data["notes"]),
            cached=cached,
        )


class PageReader(Protocol):
    """One way of reading a page. `read_page` takes the first reader of its list that accepts the page."""

    def cacheable(self, page: Page) -> bool:
        """Whether the reading of `page` is worth a cache entry (False: reading it is cheaper)."""
        ...

    def accepts(self, page: Page) -> bool: ...

    def cache_key(self, page: Page) -> str:
        """Everything the reading depends on: the page's content, the reader, its version and parameters."""
        ...

    def read(self, page: Page) -> PageReading: ...
