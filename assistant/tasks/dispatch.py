"""One entry point for the four tasks, so the CLI, the chat and the API run them the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..answer import Answer
from ..documents.model import Document
from ..errors import ArgumentError
from ..limits import model_slots
from ..settings import Settings
from .ask import TokenSink
from .read import Progress
from .router import TASKS


@dataclass(frozen=True)
class TaskRequest:
    task: str  # one of TASKS
    question: str | None = None  # ask
    fields: Sequence[str] | None = None  # extract
    target_lang: str = "en"  # translate
    normalize_dates: bool = False  # extract
    pages: str | None = None  # "1-3,5"; None: every page
    lang: str | None = None  # the documents' language; None: detect per page
    out_dir: Path | None = None  # translate's re-rendered pages; default: in the cache


def run_task(
    request: TaskRequest,
    documents: Sequence[Document],
    settings: Settings,
    on_token: TokenSink | None = None,
    progress: Progress | None = None,
) -> Answer:
    """Run one task on the documents. Blocking (OCR and the model run here): call it off an event loop."""
    if request.task not in TASKS:
        raise ArgumentError(f"unknown task {request.task!r}: use one of {', '.join(TASKS)}")
    if not documents:
        raise ArgumentError("no documents: add an image or a PDF first")
    if request.task == "ask" and not (request.question or "").strip():
        raise ArgumentError("ask needs a question")
    if request.task == "extract" and not request.fields:
        raise ArgumentError("extract needs field names, e.g. amount,tax_id,date")
    common = {"pages": request.pages, "lang": request.lang, "progress": progress}
    if request.task == "read":
        from .read import read_documents

        return read_documents(documents, settings=settings, **common)
    with model_slots(settings.max_model_calls).hold(settings.model_wait_s):
        if settings.backend == "openai":
            return _run_vision_task(request, documents, settings, on_token, common)
        return _run_model_task(request, documents, settings, on_token, common)


def _run_vision_task(
    request: TaskRequest,
    documents: Sequence[Document],
    settings: Settings,
    on_token: TokenSink | None,
    common: dict,
) -> Answer:
    from . import vision_tasks

    if request.task == "ask":
        return vision_tasks.ask(documents, request.question or "", settings, on_token=on_token, **common)
    if request.task == "extract":
        fields = list(request.fields or [])
        return vision_tasks.extract(
            documents, fields, settings, normalize_dates=request.normalize_dates, **common
        )
    out_dir = request.out_dir or settings.cache_dir / "translations"
    return vision_tasks.translate(documents, request.target_lang, settings, out_dir, **common)


def _run_model_task(
    request: TaskRequest,
    documents: Sequence[Document],
    settings: Settings,
    on_token: TokenSink | None,
    common: dict,
) -> Answer:
    from ..llm.local import get_llm

    if request.task == "ask":
        from .ask import ask

        question = request.question or ""
        return ask(documents, question, get_llm(settings), settings, on_token=on_token, **common)
    if request.task == "extract":
        from .extract import extract

        return extract(
            documents,
            list(request.fields),
            get_llm(settings),
            settings,
            normalize_dates=request.normalize_dates,
            **common,
        )
    from .translate import translate

    out_dir = request.out_dir or settings.cache_dir / "translations"
    return translate(documents, request.target_lang, get_llm(settings), settings, out_dir, **common)
