"""The answer every task returns, and its JSON: the contract the CLI and the API share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .documents.model import Region


@dataclass(frozen=True)
class Citation:
    file: str
    page: int  # 1-based
    region: Region
    page_size: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        data = {
            "file": self.file,
            "page": self.page,
            "bbox": [round(v) for v in self.region.box],
            "page_size": list(self.page_size),
            "text": self.region.text,
            "confidence": round(self.region.confidence, 4),
            "source": self.region.source,
        }
        if self.region.cell is not None:  # a table cell: which table of the page, which row and column
            data["cell"] = self.region.cell.to_dict()
        return data


@dataclass
class Answer:
    task: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cached: bool = False
    elapsed_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # task-specific keys: "fields", "images", ...

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "notes": self.notes,
            "cached": self.cached,
            "elapsed_ms": self.elapsed_ms,
            **self.extra,
        }
