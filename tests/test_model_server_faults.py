"""Model-server faults: a fault-injecting proxy (tests/fault_proxy.py) in front of the real vLLM CPU server
on the tiny random VLM. Each fault gives a clear error, or a trimmed result still grounded on the page; none
crashes the CLI, the API or a chat session.

The tasks run for real: `read` with the hunyuan-ocr profile sends each page to the model's spotting pass (one
streamed request per page), `ask` with generic-vlm streams an answer. The cache is off, so every request
reaches the proxy. Logs go to tests/artifacts/model-servers/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from assistant.backends.openai_client import ModelServerError, ModelServerTimeout
from assistant.documents.ingest import load_document
from assistant.settings import Settings
from assistant.tasks.dispatch import TaskRequest, run_task
from tests import fixtures as fx
from tests.api_server import api_server
from tests.conftest import assert_clean_cli_error, run_cli
from tests.fault_proxy import FaultProxy
from tests.injection_corpus import MARKUP_PAYLOADS
from tests.model_servers import MODEL_NAME, REPO, servers_available, tiny_model, vllm_server

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(servers_available() is not None, reason=str(servers_available())),
]

CACHE_DIR = REPO / ".cache" / "model-servers"
LOG_DIR = REPO / "tests" / "artifacts" / "model-servers"
TIME_LIMIT_S = 3.0  # DOC_ASSISTANT_BACKEND_TIMEOUT_S for these tests: a stall is noticed this soon
# Spotting lines as HunyuanOCR writes them (0-1000 units): two on the page, three outside 0-1000.
COORDS_REPLY = "\n".join(
    [
        "Total 12.50(100,200),(400,260)",
        "Tax ID 91310000MA1K4QXW3D(100,300),(700,360)",
        "beyond the right edge(1500,200),(2400,300)",
        "negative(-5,10),(20,30)",
        "far away(99999,1),(2,3)",
    ]
)
MARKUP_REPLY = "The total is 12.50. " + " ".join(MARKUP_PAYLOADS)  # a reply that tries to embed things

# A question for the model: one that names a label on the page ("What is the total?") is answered from
# the page's layout, and no fault of the server would show.
MODEL_QUESTION = "Describe this invoice in one sentence."


@pytest.fixture(scope="module")
def proxy():
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    model = tiny_model(CACHE_DIR)
    with vllm_server(model, LOG_DIR / "vllm-faults.log") as base_url, FaultProxy(base_url) as running:
        yield running


def _settings(proxy: FaultProxy, profile: str = "hunyuan-ocr") -> Settings:
    return Settings(
        backend="openai",
        base_url=proxy.url,
        model=MODEL_NAME,
        profile=profile,
        cache_enabled=profile != "hunyuan-ocr",  # its pages are read by the model: each must reach it
        backend_timeout_s=TIME_LIMIT_S,
        backend_retries=1,
        max_reply_tokens=64,  # the tiny model's context is 1024 tokens
    )


def _run(proxy: FaultProxy, mode: str, invoice_png: Path, task: str = "read", profile: str = "hunyuan-ocr"):
    proxy.mode = mode
    settings = _settings(proxy, profile)
    document = load_document(invoice_png.read_bytes(), invoice_png.name, settings)
    # a question for the model (one that names a label on the page is answered from the layout)
    question = MODEL_QUESTION if task == "ask" else None
    request = TaskRequest(task=task, question=question)
    faults = proxy.faults
    try:
        return run_task(request, [document], settings)
    finally:
        assert proxy.faults > faults or mode == "pass", f"the proxy applied no {mode!r} fault"


def test_the_proxy_passes_a_real_reply_through(proxy, invoice_png):
    answer = _run(proxy, "pass", invoice_png, task="ask", profile="generic-vlm")
    assert answer.text  # the tiny model's gibberish, but a whole reply


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("truncate", "ended its reply before finishing it"),
        ("drop", "broke off its reply"),
        ("nonjson", "not JSON"),
        ("error", "failed during the reply: the engine died"),
    ],
)
@pytest.mark.parametrize(("task", "profile"), [("read", "hunyuan-ocr"), ("ask", "generic-vlm")])
def test_a_broken_stream_is_a_clear_error(proxy, invoice_png, mode, words, task, profile):
    with pytest.raises(ModelServerError) as caught:
        _run(proxy, mode, invoice_png, task, profile)
    assert caught.value.code == "backend_error"
    assert words in caught.value.message and proxy.url in caught.value.message, caught.value.message


@pytest.mark.parametrize("mode", ["stall", "drip"])
def test_a_silent_or_dripping_server_times_out(proxy, invoice_png, mode):
    started = time.monotonic()
    with pytest.raises(ModelServerTimeout) as caught:
        _run(proxy, mode, invoice_png)
    assert caught.value.code == "timeout"
    assert f"within {TIME_LIMIT_S:g} s" in caught.value.message
    assert time.monotonic() - started < 4 * TIME_LIMIT_S


def test_an_endless_repetition_is_cut_and_read_once(proxy, invoice_png):
    proxy.repeat_text = "\nTotal 12.50(100,200),(400,260)"
    try:
        started = time.monotonic()
        answer = _run(proxy, "repeat", invoice_png)
    finally:
        proxy.repeat_text = ""
    assert time.monotonic() - started < 20, "the loop guard did not stop the reply"
    repeated = [c for c in answer.citations if c.region.text == "Total 12.50"]
    assert len(repeated) == 1, [c.region.text for c in answer.citations]
    _assert_on_the_page(answer)


def test_coordinates_outside_0_1000_are_dropped_and_the_rest_stays_grounded(proxy, invoice_png):
    proxy.reply_text = COORDS_REPLY
    try:
        answer = _run(proxy, "rewrite", invoice_png)
    finally:
        proxy.reply_text = ""
    texts = [c.region.text for c in answer.citations]
    assert texts == ["Total 12.50", "Tax ID 91310000MA1K4QXW3D"], texts
    _assert_on_the_page(answer)
    width, height = fx.invoice_page().image.size
    first = answer.citations[0].region.box
    assert first == pytest.approx((0.1 * width, 0.2 * height, 0.4 * width, 0.26 * height))


def _assert_on_the_page(answer) -> None:
    width, height = fx.invoice_page().image.size
    for citation in answer.citations:
        x0, y0, x1, y1 = citation.region.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, citation


def _server_env(proxy: FaultProxy, profile: str = "hunyuan-ocr") -> dict[str, str]:
    return {
        "DOC_ASSISTANT_BACKEND": "openai",
        "DOC_ASSISTANT_BASE_URL": proxy.url,
        "DOC_ASSISTANT_MODEL": MODEL_NAME,
        "DOC_ASSISTANT_PROFILE": profile,
        "DOC_ASSISTANT_BACKEND_TIMEOUT_S": f"{TIME_LIMIT_S:g}",
        "DOC_ASSISTANT_BACKEND_RETRIES": "1",
        "DOC_ASSISTANT_MAX_REPLY_TOKENS": "64",
        "DOC_ASSISTANT_CACHE_ENABLED": "false",
    }


def test_the_cli_exits_3_with_one_line(proxy, invoice_png):
    proxy.mode = "truncate"
    result = run_cli("read", invoice_png, "--json", env=_server_env(proxy))
    assert result.returncode == 3, result.stderr
    assert_clean_cli_error(result, "backend_error", "before finishing it")


def test_the_api_answers_502_and_504_and_keeps_serving(proxy, invoice_png):
    with api_server(_server_env(proxy)) as server:
        for mode, status, code in [("nonjson", 502, "backend_error"), ("stall", 504, "timeout")]:
            proxy.mode = mode
            with invoice_png.open("rb") as handle:
                response = httpx.post(
                    f"{server.url}/v1/ocr", data={"task": "read"}, files={"file": handle}, timeout=60
                )
            assert response.status_code == status, response.text
            assert response.json()["error"]["code"] == code
        proxy.mode = "pass"
        with invoice_png.open("rb") as handle:
            response = httpx.post(
                f"{server.url}/v1/ocr", data={"task": "read"}, files={"file": handle}, timeout=60
            )
        assert response.status_code == 200, response.text
        assert server.healthy()


@pytest.mark.e2e
def test_a_chat_session_survives_every_fault(proxy, invoice_png, browser, tmp_path):
    from tests.chat_browser import GuardedTab, chat_server

    env = dict(os.environ, DOC_ASSISTANT_DATA_DIR=str(tmp_path / "data"), **_server_env(proxy))
    env["DOC_ASSISTANT_CACHE_ENABLED"] = "true"  # a page read once is not read again by the next message
    env["DOC_ASSISTANT_CACHE_DIR"] = str(tmp_path / "cache")
    with chat_server(env, tmp_path / "chat.log") as url:
        tab = GuardedTab(browser, url)
        chat = tab.chat
        try:
            proxy.mode = "truncate"  # the upload's spotting pass breaks off: the document is kept
            chat.send("", invoice_png)
            warning = chat.wait_for_reply("reading it failed", unless=None).inner_text()
            assert "before finishing it" in warning, warning
            proxy.mode, proxy.reply_text = "rewrite", COORDS_REPLY  # read again: lines with boxes
            text = tab.answer("/read", pattern=r"^read")
            assert "invoice.png" in text.splitlines()[0] and "Total 12.50" in text, text
            proxy.repeat_text = " and again"
            for mode, fails in [("stall", True), ("repeat", False), ("nonjson", True), ("pass", False)]:
                proxy.mode = mode
                if fails:
                    tab.answer(MODEL_QUESTION, pattern="⚠️")
                else:
                    assert tab.answer(MODEL_QUESTION, pattern=r"^ask").startswith("ask")
            # A reply carrying markup is shown as the text it is: no remote image, link or HTML.
            proxy.mode, proxy.reply_text = "rewrite", MARKUP_REPLY
            text = tab.answer(MODEL_QUESTION, pattern=r"^ask")
            for payload in MARKUP_PAYLOADS:
                assert payload in text, f"{payload!r} is not shown as text: {text}"
            assert tab.foreign == [] and tab.embedded() == [], (tab.foreign, tab.embedded())
            chat.screenshot_conversation("faults-chat-survives")
        finally:
            proxy.reply_text = proxy.repeat_text = ""
            tab.close()
