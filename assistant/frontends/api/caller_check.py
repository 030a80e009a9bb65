"""The caller's key and rate, checked before the body is read, and `nosniff` on every answer.

Plain ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware passes every response
through a memory stream in its own task, which cost the event loop more than the routes themselves under
load (a cache hit and /health waited behind other answers' bodies).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .guard import Guard, RateLimited, Unauthorized
from .problems import from_error

NOSNIFF = (b"x-content-type-options", b"nosniff")


class CallerCheck:
    def __init__(
        self, app: ASGIApp, guard: Guard, rated: tuple[str, ...], identified: Callable[[str], bool]
    ) -> None:
        self.app = app
        self.guard = guard
        self.rated = rated  # POST to these: the key and the rate
        self.identified = identified  # a job's own routes: the key, not the rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        rated = scope["method"] == "POST" and path in self.rated
        if rated or self.identified(path):
            request = Request(scope)
            try:
                request.state.caller = self.guard.check(request) if rated else self.guard.identify(request)
            except Unauthorized as exc:
                response = from_error(exc)
                response.headers["WWW-Authenticate"] = "Bearer"
                await response(scope, receive, _nosniff(send))
                return
            except RateLimited as exc:
                response = from_error(exc)
                response.headers["Retry-After"] = str(exc.retry_after)
                await response(scope, receive, _nosniff(send))
                return
        await self.app(scope, receive, _nosniff(send))


def _nosniff(send: Send) -> Send:
    # Answers hold documents' text (markup and HTML included, as text): no browser may take one for HTML.
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == NOSNIFF[0] for name, _ in headers):
                headers.append(NOSNIFF)
            message = {**message, "headers": headers}
        await send(message)

    return sending
