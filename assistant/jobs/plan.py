"""A document as work items, and the items' results joined back into the document's row.

read and translate go page by page, so a long PDF is cut into ranges of `pages_per_task` pages that
different workers read at once, joined again in page order. ask and extract weigh the whole document
together: one item each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..documents.filetype import sniff
from ..documents.ingest import read_file
from ..documents.pdf import open_pdf
from ..errors import DocAssistantError
from ..settings import Settings
from ..tasks.pages import parse_pages
from ..tasks.request import TaskRequest
from .work import ItemResult, WorkItem

SPLIT_TASKS = frozenset({"read", "translate"})


@dataclass(frozen=True)
class Source:
    """A document of a batch or a job: a file to read, or bytes received."""

    index: int  # its place in the input
    file: str  # the row's "file": the path as found, or the upload's name
    path: Path | None = None
    data: bytes | None = None

    @property
    def name(self) -> str:
        return Path(self.file).name


def plan(source: Source, request: TaskRequest, settings: Settings, ship_bytes: bool) -> list[WorkItem]:
    """The source's work items. `ship_bytes`: the workers may be on other machines, so items carry the
    bytes. Raises an InputError when the file cannot be read (too large, unreadable): that is its row."""
    data = source.data if source.data is not None else read_file(source.path or source.file, settings)
    ranges = _page_ranges(data, source.name, request, settings) if request.task in SPLIT_TASKS else [None]
    keep = data if ship_bytes or source.path is None else None
    return [
        WorkItem(source.index, source.file, source.name, source.path, keep, pages, part, len(ranges))
        for part, pages in enumerate(ranges)
    ]


def _page_ranges(data: bytes, name: str, request: TaskRequest, settings: Settings) -> list[str | None]:
    if sniff(data[:1024]) != "pdf":
        return [None]
    try:
        with open_pdf(data, name, settings) as doc:
            count = doc.page_count
        wanted = parse_pages(request.pages)
    except DocAssistantError:
        return [None]  # a corrupt PDF or a bad page range: the worker's run gives the document's error
    numbers = [n for n in range(1, count + 1) if wanted is None or n in wanted]
    size = settings.pages_per_task
    if len(numbers) <= size:
        return [None]
    return [page_spec(numbers[start : start + size]) for start in range(0, len(numbers), size)]


def page_spec(numbers: Sequence[int]) -> str:
    """[1, 2, 3, 5] -> '1-3,5'"""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def join(parts: Sequence[ItemResult]) -> dict[str, Any]:
    """The document's row: the CLI's JSON with "file" and "error" (null, or the first part's error)."""
    parts = sorted(parts, key=lambda p: p.part)
    failed = next((p for p in parts if p.error), None)
    if failed is not None:
        answer, error = failed.answer, failed.error
    else:
        answer, error = _joined([p.answer for p in parts]), None
    return {"file": parts[0].file, **answer, "error": error}


def _joined(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """Page ranges' answers as one, as if the document had been read whole: pages apart by a blank line."""
    if len(answers) == 1:
        return answers[0]
    joined = dict(answers[0])
    joined["text"] = "\n\n".join(a["text"] for a in answers if a["text"])
    for key in ("citations", "notes", "images"):
        if key in joined:
            joined[key] = [value for a in answers for value in a[key]]
    joined["cached"] = all(a["cached"] for a in answers)
    joined["elapsed_ms"] = sum(a["elapsed_ms"] for a in answers)
    return joined
