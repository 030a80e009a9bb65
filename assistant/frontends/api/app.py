"""The HTTP API: `POST /v1/ocr` (a task by name), `POST /ocr` (a task in words), `GET /health`.

Answers are the CLI's JSON. Work runs in a thread (the loop keeps serving /health under load), inside the
model slots the chat shares, and under a time limit per request.
"""

from __future__ import annotations

import asyncio
import base64
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ... import __version__
from ...cancel import CancelToken, cancellable
from ...documents.ingest import load_document
from ...errors import DocAssistantError
from ...limits import model_slots
from ...settings import Settings, get_settings
from ...tasks.dispatch import TaskRequest, run_task
from ...tasks.fields import default_fields
from ...tasks.router import route
from ...workers import get_pool
from .body_limit import BodyLimit
from .caller_check import CallerCheck
from .forms import checked as _checked
from .forms import safe_name as _safe_name
from .forms import task_form
from .guard import Guard
from .jobs import JOBS, add_job_routes, is_job_path
from .openapi import declare_bearer
from .problems import ERROR_RESPONSES, allowed_methods, from_error, problem
from .utf8_form import Utf8FormRoute

GUARDED = ("/v1/ocr", "/ocr", JOBS)
# Threads for the requests' work. OCR runs in worker processes and the model behind its slots, so a thread
# mostly waits: enough of them that a cache hit never queues behind requests that wait for OCR.
WORK_THREADS = 64
WARM_UP = "assistant.readers.ocr_job:warm_up"


def _guarded(path: str) -> bool:
    """A route the guard checks the key on: the task routes and every job route."""
    return path in GUARDED or is_job_path(path)


# Starlette's own refusals, by status: the code of the API's error shape.
CODE_BY_STATUS = {400: "invalid_input", 404: "not_found", 405: "method_not_allowed", 413: "file_too_large"}


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
    executor = ThreadPoolExecutor(WORK_THREADS, thread_name_prefix="api-work")
    pool = get_pool(settings.worker_count)
    pool.serve_requests_first()
    pool.warm(WARM_UP)
    app.router.route_class = Utf8FormRoute  # fix: non-UTF-8 form values were read as Latin-1, silently
    job_bytes = int(settings.max_job_mb * 1024 * 1024)
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_file_bytes, larger={JOBS: (job_bytes, "DOC_ASSISTANT_MAX_JOB_MB")}
    )
    # Added last, so it runs first: a caller without a key, or over its rate, uploads nothing.
    app.add_middleware(CallerCheck, guard=guard, rated=GUARDED, identified=is_job_path)

    @app.exception_handler(DocAssistantError)
    async def known_error(request: Request, exc: DocAssistantError) -> JSONResponse:
        return from_error(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Fix: Starlette's refusals (an unknown path, a wrong method, a form value over 1 MB, the body limit
        # while streaming) answered {"detail": ...}, not the API's one error shape.
        code = CODE_BY_STATUS.get(exc.status_code, "invalid_input" if exc.status_code < 500 else "internal")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path: Starlette names only its first route's
            headers["Allow"] = allowed_methods(app.router.routes, request.scope)
        return problem(exc.status_code, code, str(exc.detail), headers=headers)

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
            "page_workers": get_pool(settings.worker_count).status(),
            "auth": "api-key" if guard.requires_key else "none (loopback only)",
        }

    @app.post(
        "/v1/ocr",
        summary="Run one task on an image or PDF",
        response_description="The CLI's JSON",
        response_model=dict[str, Any],
        responses=ERROR_RESPONSES,
    )
    async def ocr(
        file: Annotated[UploadFile, File(description="PNG, JPEG, WebP, TIFF, BMP, GIF or PDF")],
        request: Annotated[TaskRequest, Depends(task_form)],
    ) -> JSONResponse:
        return await _answer(settings, executor, file, _checked(request, settings))

    @app.post(
        "/ocr",
        summary="Run the task a sentence asks for ('extract fields from invoice')",
        response_model=dict[str, Any],
        responses=ERROR_RESPONSES,
    )
    async def ocr_in_words(
        image: Annotated[UploadFile, File(description="the image or PDF")],
        task: Annotated[
            str, Form(description="what to do, in English or Chinese", min_length=1, max_length=2000)
        ],
    ) -> JSONResponse:
        chosen = route(task)
        request = TaskRequest(
            task=chosen.task,
            question=task if chosen.task == "ask" else None,
            fields=(chosen.fields or default_fields(task)) if chosen.task == "extract" else None,
            target_lang=chosen.target_lang or "en",
            pages=chosen.pages,
        )
        return await _answer(settings, executor, image, _checked(request, settings))

    add_job_routes(app, settings)
    declare_bearer(app, _guarded, guard.requires_key)
    return app


async def _answer(
    settings: Settings, executor: ThreadPoolExecutor, upload: UploadFile, request: TaskRequest
) -> JSONResponse:
    data = await upload.read()
    name = _safe_name(upload.filename)
    token = CancelToken()

    def work() -> JSONResponse:
        with cancellable(token):
            document = load_document(data, name, settings)
            answer = run_task(request, [document], settings).to_dict()
        if "images" in answer:  # server paths mean nothing to a client: send the pictures themselves
            answer["image_data"] = [_data_url(Path(path)) for path in answer["images"]]
        # Encoded here, in the work's thread: FastAPI would walk the answer (every region and word) on the
        # event loop, where /health and cache hits wait for it.
        return JSONResponse(answer)

    work_done = asyncio.get_running_loop().run_in_executor(executor, work)
    try:
        return await asyncio.wait_for(work_done, settings.request_timeout_s)
    except TimeoutError:
        # Past the limit the work stops too: its page worker is killed, its model slot given back.
        token.cancel()
        raise RequestTimeout(
            f"the request took longer than {settings.request_timeout_s:g} s (DOC_ASSISTANT_REQUEST_TIMEOUT_S)"
        ) from None


def _data_url(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"
