"""One piece of work, as a worker process runs it: load the document (or a page range of it) and run the task
through tasks.dispatch.run_task, the same call as the CLI, the chat and the API make.

Whatever goes wrong becomes the row's error: a worker never raises for a document. The model is loaded
once per worker process (backends.registry keeps it), and each result says how many loads it cost.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..backends.local import models_loaded
from ..documents.ingest import load_document, load_file
from ..errors import DocAssistantError
from ..settings import Settings
from ..tasks.dispatch import run_task
from ..tasks.pages import parse_pages
from ..tasks.read import selected_pages
from ..tasks.request import TaskRequest

ATTEMPTS = 3  # runs of an item whose worker dies under it, before it is an error row


@dataclass(frozen=True)
class WorkItem:
    index: int  # the document's place in the input
    file: str  # what the row's "file" says: the input path, or the upload's name
    name: str  # the document's name in its citations
    path: Path | None = None  # read by the worker (this machine or a shared folder) ...
    data: bytes | None = None  # ... or the bytes themselves (another machine, an upload)
    pages: str | None = None  # a part of a long PDF ("9-16"); None: the request's pages
    part: int = 0  # this item's place among the document's parts
    parts: int = 1


@dataclass
class ItemResult:
    index: int
    file: str
    part: int
    parts: int
    answer: dict[str, Any]  # the CLI's JSON; {"task", "error"} when it failed
    error: dict[str, str] | None
    pages: int  # pages this item read
    worker: str  # host:pid of the process that ran it
    model_loads: int  # models that process loaded for this item (0 once it has one)


def run_item(
    item: WorkItem, request: TaskRequest, settings: Settings, data: bytes | None = None
) -> ItemResult:
    """Run the task on one item. `data`, when given, is the item's bytes (Ray passes them apart)."""
    loads = models_loaded()
    if settings.page_workers is None:
        # A batch worker is one of a pool already: one page worker each keeps the budget, not a pool per pool.
        settings = settings.model_copy(update={"page_workers": 1})
    data = data if data is not None else item.data
    only = parse_pages(item.pages)  # a part parses only its own pages of the PDF
    pages = 0
    try:
        if data is not None:
            document = load_document(data, item.name, settings, only)
        else:
            document = load_file(item.path or item.file, settings, only)
        request = replace(request, pages=item.pages or request.pages)
        answer = run_task(request, [document], settings).to_dict()
        pages = len(selected_pages(document, parse_pages(request.pages)))
        error = None
    except DocAssistantError as exc:
        answer, error = {"task": request.task, "error": exc.to_dict()}, exc.to_dict()
    except Exception as exc:  # a bug must cost one row, not the batch
        error = {"code": "internal_error", "message": f"internal error: {type(exc).__name__}: {exc}"}
        answer = {"task": request.task, "error": error}
    return ItemResult(
        index=item.index,
        file=item.file,
        part=item.part,
        parts=item.parts,
        answer=answer,
        error=error,
        pages=pages,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        model_loads=models_loaded() - loads,
    )


def lost(item: WorkItem, task: str, why: str) -> ItemResult:
    """The result of an item whose worker died under it on every attempt."""
    error = {"code": "worker_lost", "message": f"{item.name}: {why}"}
    answer = {"task": task, "error": error}
    return ItemResult(item.index, item.file, item.part, item.parts, answer, error, 0, "", 0)
