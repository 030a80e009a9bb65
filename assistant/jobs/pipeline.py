"""Documents in, rows out: each source planned into work items, run on an engine, and its parts joined into
the document's row as soon as the last one is back. Shared by `doc-assistant batch` and the API's jobs."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import DocAssistantError
from ..settings import Settings
from ..tasks.request import TaskRequest
from .engine import Engine
from .plan import Source, join, plan
from .work import ItemResult


@dataclass
class DocumentResult:
    index: int
    row: dict[str, Any]  # the CLI's JSON plus "file" and "error"
    pages: int = 0
    workers: set[str] = field(default_factory=set)  # the processes that ran its parts
    model_loads: int = 0

    @property
    def error_code(self) -> str | None:
        return self.row["error"]["code"] if self.row.get("error") else None


def run_documents(
    sources: Iterable[Source], request: TaskRequest, settings: Settings, engine: Engine
) -> Generator[DocumentResult, None, None]:
    """Every source's row, in the order the documents complete. Closing the iterator cancels the rest."""
    refused: list[DocumentResult] = []  # sources that could not even be read: rows without a worker

    def items() -> Iterator:
        for source in sources:
            try:
                yield from plan(source, request, settings, engine.ships_bytes)
            except DocAssistantError as exc:
                error = exc.to_dict()
                row = {"file": source.file, "task": request.task, "error": error}
                refused.append(DocumentResult(source.index, row))

    parts: dict[int, list[ItemResult]] = {}
    results = engine.run(items(), request, settings)
    try:
        for result in results:
            yield from _drain(refused)
            bucket = parts.setdefault(result.index, [])
            bucket.append(result)
            if len(bucket) == result.parts:
                del parts[result.index]
                yield _document(bucket)
        yield from _drain(refused)
    finally:
        results.close()


def _drain(refused: list[DocumentResult]) -> Iterator[DocumentResult]:
    while refused:
        yield refused.pop(0)


def _document(parts: list[ItemResult]) -> DocumentResult:
    return DocumentResult(
        index=parts[0].index,
        row=join(parts),
        pages=sum(p.pages for p in parts),
        workers={p.worker for p in parts if p.worker},
        model_loads=sum(p.model_loads for p in parts),
    )
