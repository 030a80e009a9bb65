"""doc-assistant as a Model Context Protocol server: `doc-assistant mcp`, over stdio or streamable HTTP.

Four tools, read, extract, translate and ask, each a thin call of the task layer: a document by `path` or as
base64 `content`, the task's options, and the CLI's JSON back (citations included), as the tool's structured
content and as its text. A DocAssistantError comes back as a tool error whose text is `{"code", "message"}`.
Tasks block (OCR, the model): they run in a worker thread, so the server keeps answering meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import anyio
from mcp.server.fastmcp import FastMCP
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from ..documents.ingest import load_document, load_file
from ..errors import ArgumentError, DocAssistantError
from ..settings import Settings, get_settings
from ..tasks.dispatch import TaskRequest, run_task
from ..tasks.fields import parse_fields
from .api.server import is_loopback

log = logging.getLogger("doc-assistant.mcp")

INSTRUCTIONS = (
    "Read, extract fields from, translate or ask questions about images and PDFs (photos, scans, PDFs). "
    "Give the document as `path` (a file on this machine) or `content` (base64, with `filename`). Every "
    "answer cites the page regions it came from: file, page and box in page pixels."
)

Path_ = Annotated[
    str | None, Field(description="an image (PNG, JPEG, TIFF, ...) or PDF file on this machine")
]
Content = Annotated[str | None, Field(description="the document's bytes, base64-encoded (instead of path)")]
Filename = Annotated[str | None, Field(description="the name to cite for `content` (default: document)")]
Pages = Annotated[str | None, Field(description="pages to use, e.g. 1-3,5 (default: all)")]
Lang = Annotated[str | None, Field(description="the text's language, e.g. en, zh, ko (default: detect)")]


class DocumentTools:
    """The tools' work, apart from the protocol: a document in, the CLI's JSON (or an error) out."""

    def __init__(self, settings: Settings, allow_paths: bool = True) -> None:
        self.settings = settings
        self.allow_paths = allow_paths  # off when served beyond loopback: a caller may not read our files

    async def run(
        self, request: Callable[[], TaskRequest], path: str | None, content: str | None, filename: str | None
    ) -> CallToolResult:
        """`request` builds the task's request (parsing options may fail: that is a tool error too)."""
        try:
            answer = await anyio.to_thread.run_sync(self._work, request(), path, content, filename)
        except DocAssistantError as exc:
            return _error(exc.code, exc.message)
        except Exception as exc:  # the server must survive whatever a task does
            log.exception("a tool failed")
            return _error("internal_error", f"internal error: {type(exc).__name__}: {exc}")
        text = json.dumps(answer, ensure_ascii=False)
        return CallToolResult(content=[TextContent(type="text", text=text)], structuredContent=answer)

    def _work(
        self, request: TaskRequest, path: str | None, content: str | None, filename: str | None
    ) -> dict[str, Any]:
        document = self._document(path, content, filename)
        return run_task(request, [document], self.settings).to_dict()

    def _document(self, path: str | None, content: str | None, filename: str | None):
        if (path is None) == (content is None):
            raise ArgumentError("give the document as either `path` or `content` (base64), not both")
        if path is not None:
            if not self.allow_paths:
                raise ArgumentError("this server reads no local files: send the document as `content`")
            return load_file(Path(path).expanduser(), self.settings)
        try:
            data = base64.b64decode(content or "", validate=True)
        except (binascii.Error, ValueError):
            raise ArgumentError("`content` is not valid base64") from None
        return load_document(data, Path(filename or "document").name or "document", self.settings)


def build_server(
    settings: Settings | None = None, host: str = "127.0.0.1", port: int = 8000, allow_paths: bool = True
) -> FastMCP:
    tools = DocumentTools(settings or get_settings(), allow_paths)
    server = FastMCP("doc-assistant", instructions=INSTRUCTIONS, host=host, port=port, log_level="WARNING")

    @server.tool(description="The full text in reading order (tables as Markdown tables), every line cited.")
    async def read(
        path: Path_ = None, content: Content = None, filename: Filename = None, pages: Pages = None,
        lang: Lang = None,
    ) -> CallToolResult:  # fmt: skip
        return await tools.run(lambda: TaskRequest("read", pages=pages, lang=lang), path, content, filename)

    @server.tool(description="Named fields as JSON ('fields'), each value checked, located and cited.")
    async def extract(
        fields: Annotated[str, Field(description="field names: 'amount,tax_id,date' or '金额、税号、日期'")],
        path: Path_ = None, content: Content = None, filename: Filename = None,
        normalize_dates: Annotated[bool, Field(description="write dates as YYYY-MM-DD")] = False,
        pages: Pages = None, lang: Lang = None,
    ) -> CallToolResult:  # fmt: skip
        def request() -> TaskRequest:
            names = parse_fields(fields)
            return TaskRequest(
                "extract", fields=names, normalize_dates=normalize_dates, pages=pages, lang=lang
            )

        return await tools.run(request, path, content, filename)

    @server.tool(description="Translate the text block by block; 'images' are the pages re-rendered.")
    async def translate(
        path: Path_ = None, content: Content = None, filename: Filename = None,
        target_lang: Annotated[str, Field(description="target language code, e.g. en, zh, ja")] = "en",
        pages: Pages = None, lang: Lang = None,
    ) -> CallToolResult:  # fmt: skip
        request = TaskRequest("translate", target_lang=target_lang, pages=pages, lang=lang)
        return await tools.run(lambda: request, path, content, filename)

    @server.tool(description="Answer a question about the document, citing the regions the answer rests on.")
    async def ask(
        question: Annotated[str, Field(description="the question, in any language")],
        path: Path_ = None, content: Content = None, filename: Filename = None, pages: Pages = None,
        lang: Lang = None,
    ) -> CallToolResult:  # fmt: skip
        request = TaskRequest("ask", question=question, pages=pages, lang=lang)
        return await tools.run(lambda: request, path, content, filename)

    return server


def _error(code: str, message: str) -> CallToolResult:
    error = {"code": code, "message": message}
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(error, ensure_ascii=False))],
        structuredContent={"error": error},
        isError=True,
    )


def parse_address(address: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets) for --http."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ArgumentError(f"--http wants HOST:PORT, e.g. 127.0.0.1:8765; got {address!r}")
    return host.strip("[]"), int(port)


def run_mcp(http: str | None, allow_remote: bool) -> int:
    """Serve until the client disconnects (stdio) or until interrupted (HTTP). Blocks; the exit code."""
    if http is None:
        build_server().run("stdio")  # stdout is the protocol's: nothing else may print there
        return 0
    try:
        host, port = parse_address(http)
    except ArgumentError as exc:
        print(f"doc-assistant: error: {exc.message}", file=sys.stderr)
        return 2
    local = is_loopback(host)
    if not local and not allow_remote:
        print(
            f"doc-assistant: error: the MCP server has no login, so it listens only on loopback; refusing "
            f"--http {http}. Pass --allow-remote to let anyone who reaches it use it (documents as content).",
            file=sys.stderr,
        )
        return 2
    server = build_server(host=host, port=port, allow_paths=local)
    print(f"doc-assistant MCP server on http://{host}:{port}/mcp (Ctrl+C stops it)", flush=True)
    server.run("streamable-http")
    return 0
