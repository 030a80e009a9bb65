"""Refuse a request body over the limit while it streams in (413), before it fills memory or disk.

A declared Content-Length over the limit is refused before a byte is read; a chunked body is counted
as it arrives and cut off at the limit. A path may have a larger limit of its own (a job's several files).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem

MULTIPART_SLACK = 64 * 1024  # boundaries and the small form fields around the file


class _TooLarge(HTTPException):
    # Fix: a plain exception raised inside FastAPI's form parsing became a 400 "There was an error parsing the
    # body" (a chunked upload over the limit). An HTTPException passes through it to the app's handler: 413.
    pass


class BodyLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: dict[str, tuple[int, str]] | None = None
    ) -> None:
        self.app = app
        self.default = (max_bytes, "DOC_ASSISTANT_MAX_FILE_MB")
        self.larger = larger or {}  # path -> (bytes, the setting that says so)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.default)
        max_bytes = limit[0] + MULTIPART_SLACK
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise _TooLarge(413, _message(limit), headers={"Connection": "close"})
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: tuple[int, str]) -> None:
        response = problem(413, "file_too_large", _message(limit), headers={"Connection": "close"})
        await response(scope, receive, send)


def _message(limit: tuple[int, str]) -> str:
    size, setting = limit
    return f"the upload is over the limit of {size / 1024 / 1024:g} MB ({setting})"
