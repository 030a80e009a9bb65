"""The task form of `POST /v1/ocr` and `POST /v1/jobs` (task, fields, question, ...) as a TaskRequest, checked
against what the tasks would choke on before any document is loaded; and upload names made safe."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Form

from ...conversation import Conversation
from ...errors import ArgumentError
from ...settings import Settings
from ...tasks.dispatch import TaskRequest
from ...tasks.fields import parse_fields

MAX_NAME = 255
# Fix: 200,000 field names overflowed the model's 4096-token context (a 500). Each field costs its name and
# hint in the prompt and 48 reply tokens beside 1400 tokens of page text: 20 names of 600 characters fit.
MAX_FIELDS = 20
MAX_FIELD_CHARS = 600
# Fix: a 400,000-character question overflowed the context too (a 500); 2000 (as /ocr's task) still fits.
MAX_QUESTION = 2000
MAX_HISTORY_CHARS = 200_000  # the conversation sent with a question; the prompt keeps only its last turns

TaskName = Literal["read", "extract", "translate", "ask"]


def task_form(
    task: Annotated[TaskName, Form()],
    fields: Annotated[str | None, Form(description="extract: 'amount,tax_id,date' or '金额、税号'")] = None,
    question: Annotated[str | None, Form(description="ask: the question", max_length=MAX_QUESTION)] = None,
    target_lang: Annotated[str, Form(description="translate: target language code")] = "en",
    pages: Annotated[str | None, Form(description="pages to use, e.g. 1-3,5")] = None,
    lang: Annotated[str | None, Form(description="the document's language; default: detect")] = None,
    normalize_dates: Annotated[bool, Form()] = False,
    history: Annotated[
        str | None,
        Form(
            description='ask: the conversation so far, a JSON list of {"role": "user" or "assistant", '
            '"content": "..."}, oldest first; a follow-up ("and on the third day?") is read against it',
            max_length=MAX_HISTORY_CHARS,
        ),
    ] = None,
) -> TaskRequest:
    """The form's fields as a request (a FastAPI dependency)."""
    conversation = _conversation(history)
    if task == "ask" and question is not None:
        question = conversation.understand(question, "ask").question
    return TaskRequest(
        task=task,
        question=question,
        history=conversation.ask_history() if task == "ask" else (),
        fields=parse_fields(fields) if task == "extract" and fields is not None else None,
        target_lang=target_lang,
        normalize_dates=normalize_dates,
        pages=pages,
        lang=lang,
    )


def checked(request: TaskRequest, settings: Settings) -> TaskRequest:
    """Refuse what the tasks would choke on, before the document is loaded."""
    fields = request.fields or ()
    if len(fields) > MAX_FIELDS or sum(map(len, fields)) > MAX_FIELD_CHARS:
        raise ArgumentError(
            f"fields: too many field names ({len(fields)}, {sum(map(len, fields))} characters); "
            f"at most {MAX_FIELDS} names and {MAX_FIELD_CHARS} characters a request"
        )
    # Fix: pages=1-1000000000 made parse_pages build a set of a billion numbers (the server was OOM-killed).
    # No document has more than max_pages pages, so a larger number selects nothing.
    numbers = re.findall(r"\d+", request.pages or "")
    if any(len(n) > 9 or int(n) > settings.max_pages for n in numbers):
        raise ArgumentError(
            f"pages: bad page range {request.pages[:40]!r}: a document has at most {settings.max_pages} "
            "pages (DOC_ASSISTANT_MAX_PAGES)"
        )
    return request


def _conversation(history: str | None) -> Conversation:
    if not history:
        return Conversation()
    try:
        items = json.loads(history)
    except json.JSONDecodeError as exc:
        raise ArgumentError(f"history: not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ArgumentError('history: a JSON list of {"role": ..., "content": ...} objects')
    return Conversation.from_list(items)


def safe_name(filename: str | None) -> str:
    name = Path(filename or "upload").name.strip() or "upload"
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:MAX_NAME] or "upload"
