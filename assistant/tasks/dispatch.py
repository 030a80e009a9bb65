"""One entry point for the tasks, so the CLI, the chat and the API run them the same way, on any backend."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence

from ..answer import Answer
from ..backends.base import Backend
from ..backends.registry import get_backend
from ..documents.model import Document
from ..errors import ArgumentError
from ..limits import model_slots
from ..settings import Settings
from .ask import ask, prepare
from .extract import extract
from .read import read_documents
from .request import Progress, TaskRequest, TokenSink
from .router import TASKS
from .translate import translate


def _run_model_task(
    request: TaskRequest,
    documents: Sequence[Document],
    backend: Backend,
    settings: Settings,
    on_token: TokenSink | None,
    progress: Progress | None,
) -> Answer:
    common = {"pages": request.pages, "lang": request.lang, "progress": progress}
    if request.task == "ask":
        question, history = request.question or "", request.history
        return ask(documents, question, backend, settings, on_token=on_token, history=history, **common)
    if request.task == "extract":
        fields = list(request.fields or [])
        return extract(
            documents, fields, backend, settings, normalize_dates=request.normalize_dates, **common
        )
    out_dir = request.out_dir or settings.cache_dir / "translations"
    return translate(documents, request.target_lang, backend, settings, out_dir, on_token=on_token, **common)


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
    if request.task == "read":
        return read_documents(
            documents, pages=request.pages, lang=request.lang, settings=settings, progress=progress
        )
    with model_slots(settings.max_model_calls).hold(settings.model_wait_s):
        backend = get_backend(settings)
        return _run_model_task(request, documents, backend, settings, on_token, progress)


_warming: list[threading.Thread] = []


def warm_backend(settings: Settings) -> None:
    """Load the backend's model in the background, so that a CLI call's model load overlaps its OCR (which
    runs in worker processes). A failure here is left to the task, which reports it."""

    def load() -> None:
        with contextlib.suppress(Exception):
            get_backend(settings).warm()

    thread = threading.Thread(target=load, name="model-warm-up", daemon=True)
    _warming.append(thread)
    thread.start()


def wait_for_warm_ups() -> None:
    """Wait for the background loads. Call it before printing: while llama.cpp loads a model, the process's
    stdout and stderr point at /dev/null (llama-cpp-python's way of silencing the load), and a process that
    exits mid-load crashes in its teardown."""
    while _warming:
        _warming.pop().join()


def prepare_documents(documents: Sequence[Document], settings: Settings, lang: str | None = None) -> bool:
    """Get documents into the model ahead of the questions (see ask.prepare). Blocking; False when they are
    too long to go to the model whole (questions are then answered from retrieved passages)."""
    if not documents:
        return False
    return prepare(documents, get_backend(settings), settings, lang)
