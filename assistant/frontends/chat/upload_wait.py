"""A file dropped right after the page loads waits for its session instead of failing "Session not found".

Chainlit's browser client uploads an attachment at once, to /project/file?session_id=..., but the session of
that id is only made when the client's websocket has connected; on a slow start the upload came first and
was refused (404), and the attachment vanished. This ASGI wrapper holds such an upload until the session
exists (at most WAIT_S), then lets Chainlit's own route take it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import parse_qs

UPLOAD_PATH = "/project/file"
WAIT_S = 15.0  # a websocket not connected by then is not coming: the route's own 404 answers
POLL_S = 0.05


def _session_exists(session_id: str) -> bool:
    from chainlit.session import WebsocketSession

    return WebsocketSession.get_by_id(session_id) is not None


class WaitForSession:
    def __init__(self, app: Any, wait_s: float = WAIT_S) -> None:
        self.app = app
        self.wait_s = wait_s

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith(UPLOAD_PATH):
            session_id = parse_qs(scope.get("query_string", b"").decode()).get("session_id", [""])[0]
            deadline = time.monotonic() + self.wait_s
            while session_id and not _session_exists(session_id) and time.monotonic() < deadline:
                await asyncio.sleep(POLL_S)
        await self.app(scope, receive, send)


def install(server: Any) -> None:
    """Wrap Chainlit's FastAPI app (before it starts serving)."""
    server.add_middleware(WaitForSession)
