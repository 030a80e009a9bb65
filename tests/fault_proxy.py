"""A fault-injecting proxy in front of a real OpenAI-compatible model server (tests/model_servers.py).

Requests go to the real server; its SSE reply comes back through `mode`, which the test sets:

  pass      the reply as the server sent it
  truncate  the first KEEP chunks, then the stream ends cleanly, without finish_reason or [DONE]
  drop      the first KEEP chunks, then the connection is cut (an incomplete chunked body)
  nonjson   a `data:` line that is not JSON (a gateway's HTML error page) after the first chunk
  error     a `data: {"error": ...}` chunk mid-stream, as vLLM sends when generation fails
  stall     the first chunk, then no byte at all for STALL_S
  drip      SSE comments (`: keep-alive`) every 0.2 s and never a token
  repeat    the first chunks, then one chunk again and again, never ending (its text replaced by
            `repeat_text` when that is set)
  rewrite   the server's stream with its text replaced by `reply_text` (spotting lines with coordinates
            outside 0-1000, markup a chat must not render, ...)

Every endless mode stops by itself after LIMIT_S (or when the client goes away). Loopback only.

    with FaultProxy(base_url) as proxy:    # base_url: the real server's "http://127.0.0.1:P/v1"
        proxy.mode = "truncate"
        OpenAIClient([proxy.url], ...)
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.api_server import free_port

MODES = ("pass", "truncate", "drop", "nonjson", "error", "stall", "drip", "repeat", "rewrite")
KEEP = 3  # chunks passed on before a fault
STALL_S = 60.0
LIMIT_S = 60.0


class CutConnection(Exception):
    """Raised inside the response body: the server aborts the connection mid-body."""


class FaultProxy:
    def __init__(self, upstream: str, mode: str = "pass") -> None:
        self.upstream = upstream.rstrip("/")
        self.mode = mode
        self.reply_text = ""
        self.repeat_text = ""
        self.requests = 0
        self.faults = 0  # replies a fault was applied to (a test checks its fault really happened)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        app = Starlette(routes=[Route("/v1/{path:path}", self._forward, methods=["GET", "POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fault proxy did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    async def _forward(self, request: Request) -> Response:
        self.requests += 1
        mode = self.mode
        body = await request.body()
        if mode not in ("pass", "rewrite"):
            # A reply long enough to be cut: at least KEEP + 2 chunks (vLLM's min_tokens).
            payload = json.loads(body)
            payload["min_tokens"] = min(KEEP + 8, payload.get("max_tokens") or KEEP + 8)
            body = json.dumps(payload).encode()
        url = f"{self.upstream}/{request.path_params['path']}"
        client = httpx.AsyncClient(timeout=httpx.Timeout(300.0, connect=10.0))
        upstream = await client.send(
            client.build_request(
                request.method, url, content=body, headers={"content-type": "application/json"}
            ),
            stream=True,
        )
        if upstream.status_code != 200 or "text/event-stream" not in upstream.headers.get("content-type", ""):
            content = await upstream.aread()
            await upstream.aclose()
            await client.aclose()
            return Response(content, upstream.status_code, media_type=upstream.headers.get("content-type"))

        async def body_stream() -> AsyncIterator[bytes]:
            try:
                async for event in self._events(mode, _data_lines(upstream)):
                    yield event
            finally:
                await upstream.aclose()
                await client.aclose()

        return StreamingResponse(body_stream(), media_type="text/event-stream")

    async def _events(self, mode: str, lines: AsyncIterator[str]) -> AsyncIterator[bytes]:
        """The upstream's `data:` payloads, as SSE events, with the mode's fault applied."""
        sent: list[str] = []
        started = time.monotonic()
        async for data in lines:
            if mode == "rewrite":
                self.faults += not sent
                yield _event(_with_content(data, self.reply_text if not sent else ""))
                sent.append(data)
                continue
            keep = 1 if mode in ("nonjson", "error", "stall") else 0 if mode == "drip" else KEEP
            if mode == "pass" or data == "[DONE]" or len(sent) < keep:
                yield _event(data)
                sent.append(data)
                continue
            self.faults += 1
            if mode == "drip":
                break
            if mode == "truncate":
                return
            if mode == "drop":
                raise CutConnection("the proxy cuts the connection")
            if mode == "nonjson":
                yield b"data: <html><body>502 Bad Gateway</body></html>\n\n"
                return
            if mode == "error":
                yield _event(json.dumps({"error": {"message": "the engine died", "type": "InternalError"}}))
                return
            if mode == "stall":
                await asyncio.sleep(STALL_S)
                return
            if mode == "repeat":
                looping = _with_content(data, self.repeat_text) if self.repeat_text else data
                while time.monotonic() - started < LIMIT_S:
                    yield _event(looping)
                    await asyncio.sleep(0.005)
                return
        while mode == "drip" and time.monotonic() - started < LIMIT_S:
            yield b": keep-alive\n\n"
            await asyncio.sleep(0.2)


async def _data_lines(response: httpx.Response) -> AsyncIterator[str]:
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            yield line[5:].strip()


def _event(data: str) -> bytes:
    return f"data: {data}\n\n".encode()


def _with_content(data: str, text: str) -> str:
    """A chunk with its delta's text replaced (finish_reason, ids and [DONE] kept)."""
    if data == "[DONE]":
        return data
    chunk = json.loads(data)
    for choice in chunk.get("choices") or []:
        delta = choice.setdefault("delta", {})
        if "content" in delta or text:
            delta["content"] = text
    return json.dumps(chunk)
