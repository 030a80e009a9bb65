"""`doc-assistant mcp`, driven by the official MCP SDK's own client: over stdio (the real subprocess), every
tool listed and called once with the real OCR and the packaged model, and over streamable HTTP.

The answers must be the CLI's JSON, citations included; errors come back as tool errors with the CLI's codes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests import fixtures as fx
from tests.chat_browser import free_port
from tests.conftest import cli_command, iou, norm, run_cli

pytestmark = pytest.mark.slow

TOOLS = {"read", "extract", "translate", "ask"}
CALL_TIMEOUT = timedelta(seconds=300)  # two cores, OCR and a 1.5B model


def _payload(result) -> dict:
    """The tool's JSON: its text content, which must equal its structured content."""
    (block,) = result.content
    payload = json.loads(block.text)
    assert result.structuredContent == (payload if not result.isError else {"error": payload})
    return payload


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mcp-docs")
    pages = {
        "notes.png": fx.text_page(),
        "invoice.png": fx.invoice_page(),
        "label.png": fx.text_lines_page(["配料：水、白砂糖、柠檬汁", "净含量：500毫升"]),
    }
    paths = {}
    for name, page in pages.items():
        paths[name] = folder / name
        paths[name].write_bytes(fx.encode(page.image, "PNG"))
    paths["contract.pdf"] = folder / "contract.pdf"
    paths["contract.pdf"].write_bytes(fx.contract_pdf()[1].data)
    paths["not-an-image.png"] = folder / "not-an-image.png"
    paths["not-an-image.png"].write_text("just some text, renamed\n")
    return paths


async def _session_calls(session, documents: dict[str, Path]) -> dict:
    await session.initialize()
    listed = await session.list_tools()
    results: dict = {"tools": {tool.name: tool for tool in listed.tools}}

    async def call(name: str, arguments: dict):
        return await session.call_tool(name, arguments, read_timeout_seconds=CALL_TIMEOUT)

    path = {name: str(p) for name, p in documents.items()}
    invoice = base64.b64encode(documents["invoice.png"].read_bytes()).decode()
    results["read"] = await call("read", {"path": path["notes.png"]})
    extract = {"content": invoice, "filename": "invoice.png", "fields": "金额,税号"}
    results["extract"] = await call("extract", extract)
    results["translate"] = await call("translate", {"path": path["label.png"], "target_lang": "en"})
    results["ask"] = await call("ask", {"path": path["contract.pdf"], "question": "甲方的违约责任有哪些？"})
    results["wrong type"] = await call("read", {"path": path["not-an-image.png"]})
    results["bad base64"] = await call("read", {"content": "this is not base64!"})
    return results


@pytest.fixture(scope="module")
def over_stdio(documents) -> dict:
    """Every call made once through `doc-assistant mcp` over stdio, the SDK's client on the other end."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    command = cli_command()
    server = StdioServerParameters(command=command[0], args=[*command[1:], "mcp"], env=dict(os.environ))

    async def run() -> dict:
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            return await _session_calls(session, documents)

    return asyncio.run(run())


def test_the_four_tools_are_listed_with_their_options(over_stdio):
    tools = over_stdio["tools"]
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert {"path", "content", "pages"} <= set(tool.inputSchema["properties"]), tool.inputSchema
        assert tool.description
    assert "question" in tools["ask"].inputSchema["required"]
    assert "fields" in tools["extract"].inputSchema["required"]
    assert "target_lang" in tools["translate"].inputSchema["properties"]


def test_read_returns_the_cli_json_with_citations(over_stdio, documents):
    result = over_stdio["read"]
    assert not result.isError
    answer = _payload(result)
    cli = run_cli("read", documents["notes.png"], "--json").json()
    assert answer["text"] == cli["text"]
    assert [c["bbox"] for c in answer["citations"]] == [c["bbox"] for c in cli["citations"]]
    assert set(answer) >= {"task", "text", "citations", "notes", "cached", "elapsed_ms"}
    page = fx.text_page()
    for line in page.lines:
        best = max(answer["citations"], key=lambda c: iou(c["bbox"], line.box))
        assert iou(best["bbox"], line.box) >= 0.5 and norm(best["text"]) == norm(line.text), best
        assert best["file"] == "notes.png" and best["page"] == 1


def test_extract_from_base64_content_cites_its_values(over_stdio):
    answer = _payload(over_stdio["extract"])
    assert not over_stdio["extract"].isError, answer
    assert answer["fields"]["金额"].replace("￥", "¥") == "¥1,280.00", answer
    assert answer["fields"]["税号"] == fx.TAX_ID, answer
    page = fx.invoice_page()
    truth = next(line.box for line in page.lines if line.text == fx.TAX_ID)
    cited = [c for c in answer["citations"] if c["file"] == "invoice.png" and iou(c["bbox"], truth) >= 0.5]
    assert cited, answer


def test_translate_renders_the_page(over_stdio):
    answer = _payload(over_stdio["translate"])
    assert not over_stdio["translate"].isError, answer
    text = answer["text"].lower()
    assert "water" in text and "500" in text, answer["text"]
    assert answer["citations"] and len(answer["images"]) == 1 and Path(answer["images"][0]).is_file()


def test_ask_cites_the_clause_on_page_2(over_stdio):
    answer = _payload(over_stdio["ask"])
    assert not over_stdio["ask"].isError, answer
    assert "违约金" in answer["text"] or "万分之五" in answer["text"], answer["text"]
    assert any(c["page"] == 2 and "违约" in c["text"] for c in answer["citations"]), answer["citations"]


def test_errors_are_tool_errors_with_the_cli_codes(over_stdio, documents):
    wrong = over_stdio["wrong type"]
    assert wrong.isError
    error = _payload(wrong)
    cli = run_cli("read", documents["not-an-image.png"], "--json").json()["error"]
    assert error == cli, (error, cli)
    assert error["code"] == "unsupported_type"
    bad = over_stdio["bad base64"]
    assert bad.isError and _payload(bad)["code"] == "bad_argument", _payload(bad)


def test_streamable_http(documents, tmp_path):
    """`doc-assistant mcp --http`: the SDK's streamable HTTP client lists the tools and reads a document."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    port = free_port()
    log = tmp_path / "mcp-http.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*cli_command(), "mcp", "--http", f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        data = base64.b64encode(documents["notes.png"].read_bytes()).decode()

        async def run():
            async with (
                streamable_http_client(url) as (read, write, _),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                tools = {tool.name for tool in (await session.list_tools()).tools}
                result = await session.call_tool(
                    "read", {"content": data, "filename": "notes.png"}, read_timeout_seconds=CALL_TIMEOUT
                )
                return tools, result

        deadline = time.monotonic() + 60
        while True:
            try:
                tools, result = asyncio.run(run())
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    served = log.read_text()[-3000:]
                    raise AssertionError(f"the MCP HTTP server did not serve:\n{served}") from None
                time.sleep(0.5)
        assert tools == TOOLS
        answer = _payload(result)
        assert [norm(line) for line in answer["text"].splitlines()] == [norm(t) for t in fx.PLAIN_LINES]
        assert {c["file"] for c in answer["citations"]} == {"notes.png"}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_http_beyond_loopback_is_refused_without_allow_remote():
    result = run_cli("mcp", "--http", "0.0.0.0:8765")
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr and "loopback" in result.stderr
