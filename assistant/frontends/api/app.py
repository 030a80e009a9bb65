"""The HTTP API: `POST /v1/ocr` (a task by name), `POST /ocr` (a task in words), `GET /health`.

Answers are the CLI's JSON. Work runs in a thread (the loop keeps serving /health under load), inside the
model slots the chat shares, and under a time limit per request.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ... import __version__
from ...conversation import Conversation
from ...documents.ingest import load_document
from ...errors import ArgumentError, DocAssistantError
from ...limits import model_slots
from ...settings import Settings, get_settings
from ...tasks.dispatch import TaskRequest, run_task
from ...tasks.fields import default_fields, parse_fields
from ...tasks.router import route
from .body_limit import BodyLimit
from .guard import Guard, RateLimited, Unauthorized
from .problems import ERROR_RESPONSES, from_error, problem
from .utf8_form import Utf8FormRoute

GUARDED = ("/v1/ocr", "/ocr")
MAX_NAME = 255
# Fix: 200,000 field names overflowed the model's 4096-token context (a 500). Each field costs its name and
# hint in the prompt and 48 reply tokens beside 1400 tokens of page text: 20 names of 600 characters fit.
MAX_FIELDS = 20
MAX_FIELD_CHARS = 600
# Fix: a 400,000-character question overflowed the context too (a 500); 2000 (as /ocr's task) still fits.
MAX_QUESTION = 2000
MAX_HISTORY_CHARS = 200_000  # the conversation sent with a question; the prompt keeps only its last turns
# Starlette's own refusals, by status: the code of the API's error shape.
CODE_BY_STATUS = {400: "invalid_input", 404: "not_found", 405: "method_not_allowed", 413: "file_too_large"}

TaskName = Literal["read", "extract", "translate", "ask"]


class RequestTimeout(DocAssistantError):
    code = "timeout"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    guard = Guard(settings)
    app = FastAPI(
        title="doc-assistant",
        version=__version__,
        summary="Read, extract, translate and ask about images and PDFs, with cited page regions.",
    )
    app.state.settings = settings
    app.state.guard = guard
    app.router.route_class = Utf8FormRoute  # fix: non-UTF-8 form values were read as Latin-1, silently
    app.add_middleware(BodyLimit, max_bytes=settings.max_file_bytes)

    @app.middleware("http")
    async def check_caller(request: Request, call_next: Any) -> Any:
        # Before the body is read: a caller without a key, or over its rate, uploads nothing.
        if request.method == "POST" and request.url.path in GUARDED:
            try:
                guard.check(request)
            except Unauthorized as exc:
                response = from_error(exc)
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
            except RateLimited as exc:
                response = from_error(exc)
                response.headers["Retry-After"] = str(exc.retry_after)
                return response
        return await call_next(request)

    @app.middleware("http")
    async def no_sniffing(request: Request, call_next: Any) -> Any:
        # Answers hold documents' text (markup and HTML included, as text): no browser may take one for HTML.
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @app.exception_handler(DocAssistantError)
    async def known_error(request: Request, exc: DocAssistantError) -> JSONResponse:
        return from_error(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Fix: Starlette's refusals (an unknown path, a wrong method, a form value over 1 MB, the body limit
        # while streaming) answered {"detail": ...}, not the API's one error shape.
        code = CODE_BY_STATUS.get(exc.status_code, "invalid_input" if exc.status_code < 500 else "internal")
        return problem(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # Still a 500, and Starlette still logs the traceback; but in the shape clients parse.
        return problem(500, "internal", "internal error; the server log has the details")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "bad_argument", _describe_validation(exc))

    @app.get("/health", summary="Liveness, version and load")
    async def health() -> dict[str, Any]:
        slots = model_slots(settings.max_model_calls)
        return {
            "status": "ok",
            "version": __version__,
            "backend": "embedded",
            "model_calls_in_flight": slots.in_flight,
            "model_slots": slots.size,
            "auth": "api-key" if guard.requires_key else "none (loopback only)",
        }

    @app.post(
        "/v1/ocr",
        summary="Run one task on an image or PDF",
        response_description="The CLI's JSON",
        responses=ERROR_RESPONSES,
    )
    async def ocr(
        file: Annotated[UploadFile, File(description="PNG, JPEG, WebP, TIFF, BMP, GIF or PDF")],
        task: Annotated[TaskName, Form()],
        fields: Annotated[str | None, Form(description="extract: 'amount,tax_id,date' or '金额、税号'")] = (
            None
        ),
        question: Annotated[str | None, Form(description="ask: the question", max_length=MAX_QUESTION)] = (
            None
        ),
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
    ) -> dict[str, Any]:
        conversation = _conversation(history)
        if task == "ask" and question is not None:
            question = conversation.understand(question, "ask").question
        request = TaskRequest(
            task=task,
            question=question,
            history=conversation.ask_history() if task == "ask" else (),
            fields=parse_fields(fields) if task == "extract" and fields is not None else None,
            target_lang=target_lang,
            normalize_dates=normalize_dates,
            pages=pages,
            lang=lang,
        )
        return await _answer(settings, file, _checked(request, settings))

    @app.post(
        "/ocr",
        summary="Run the task a sentence asks for ('extract fields from invoice')",
        responses=ERROR_RESPONSES,
    )
    async def ocr_in_words(
        image: Annotated[UploadFile, File(description="the image or PDF")],
        task: Annotated[
            str, Form(description="what to do, in English or Chinese", min_length=1, max_length=2000)
        ],
    ) -> dict[str, Any]:
        chosen = route(task)
        request = TaskRequest(
            task=chosen.task,
            question=task if chosen.task == "ask" else None,
            fields=(chosen.fields or default_fields(task)) if chosen.task == "extract" else None,
            target_lang=chosen.target_lang or "en",
            pages=chosen.pages,
        )
        return await _answer(settings, image, _checked(request, settings))

    return app


async def _answer(settings: Settings, upload: UploadFile, request: TaskRequest) -> dict[str, Any]:
    data = await upload.read()
    name = _safe_name(upload.filename)

    def work() -> dict[str, Any]:
        document = load_document(data, name, settings)
        answer = run_task(request, [document], settings).to_dict()
        if "images" in answer:  # server paths mean nothing to a client: send the pictures themselves
            answer["image_data"] = [_data_url(Path(path)) for path in answer["images"]]
        return answer

    try:
        return await asyncio.wait_for(asyncio.to_thread(work), settings.request_timeout_s)
    except TimeoutError:
        raise RequestTimeout(
            f"the request took longer than {settings.request_timeout_s:g} s (DOC_ASSISTANT_REQUEST_TIMEOUT_S)"
        ) from None


def _checked(request: TaskRequest, settings: Settings) -> TaskRequest:
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


def _safe_name(filename: str | None) -> str:
    name = Path(filename or "upload").name.strip() or "upload"
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:MAX_NAME] or "upload"


def _data_url(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"
