"""Errors as HTTP answers: a status per error code and one JSON shape, {"task", "error": {code, message}}."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.routing import BaseRoute, Match

from ...errors import DocAssistantError

STATUS_BY_CODE = {
    "unsupported_type": 415,
    "file_too_large": 413,
    "too_many_pixels": 413,
    "too_many_pages": 413,
    "encrypted_pdf": 422,
    "corrupt_file": 422,
    "page_too_slow": 422,
    "bad_argument": 422,
    "invalid_input": 400,
    "unauthorized": 401,
    "rate_limited": 429,
    "busy": 503,
    "redis_unavailable": 503,
    "engine_unavailable": 503,
    "not_found": 404,
    "timeout": 504,
    "cancelled": 504,
    "backend_error": 502,
    "ocr_engine_error": 500,
    "model_error": 500,
}


def problem(
    status: int, code: str, message: str, task: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"task": task, "error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def from_error(exc: DocAssistantError, task: str | None = None) -> JSONResponse:
    return problem(STATUS_BY_CODE.get(exc.code, 500), exc.code, exc.message, task)


class ErrorBody(BaseModel):
    code: str
    message: str


class Problem(BaseModel):
    task: str | None
    error: ErrorBody


# Fix: the OpenAPI documented only 200 and FastAPI's {"detail": [...]} for 422, so clients (and schemathesis)
# saw every real error status as undocumented and every 422 body as off-schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description}
    for status, description in {
        400: "a malformed form (a value that is not UTF-8, a value over 1 MB)",
        401: "a missing or wrong API key",
        413: "the file, its pixels or its pages are over a limit",
        415: "not an image or a PDF",
        422: "a bad argument, a corrupt or an encrypted file, a page over its time budget",
        429: "over the rate limit (see Retry-After)",
        500: "an internal error or an OCR engine failure",
        503: "every model slot is busy: try again shortly",
        504: "the request took longer than the time limit",
    }.items()
}


def allowed_methods(routes: Iterable[BaseRoute], scope: dict[str, Any]) -> str:
    """A 405's Allow header: the methods of every route of the path (Starlette names only the first's)."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches(scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))
