"""The chat end to end: `doc-assistant ui` served for real, used from Debian's chromium through Playwright.

Each flow saves a screenshot to tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import fixtures as fx
from tests.chat_browser import Chat, chat_server, new_context

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory, session_cache_dir):
    data = tmp_path_factory.mktemp("chat-data")
    env = dict(os.environ, DOC_ASSISTANT_DATA_DIR=str(data), DOC_ASSISTANT_CACHE_DIR=str(session_cache_dir))
    with chat_server(env, data / "server.log") as url:
        yield url


@pytest.fixture
def chat(browser, server):
    context = new_context(browser)
    yield Chat(context.new_page(), server)
    context.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads")
    invoice = fx.invoice_page()
    paths = {
        "invoice": folder / "invoice.png",
        "contract": folder / "contract.pdf",
        "fake": folder / "notes.png",
    }
    invoice.image.save(paths["invoice"])
    paths["contract"].write_bytes(fx.contract_pdf()[1].data)
    paths["fake"].write_text("meeting notes: this is a text file renamed to .png\n")
    return paths


def _tinted_share(image: Image.Image, box: fx.Box, scale: float) -> float:
    """How much of `box` (scaled into `image`) is coloured: a highlight tints the white page."""
    x0, y0, x1, y1 = (round(v * scale) for v in box)
    pixels = np.asarray(image.crop((x0, y0, x1, y1)), dtype=np.int16)
    spread = pixels.max(axis=2) - pixels.min(axis=2)  # 0 for white, grey and black
    return float((spread > 40).mean())


def _texts_until(reply, marker: str, timeout_s: float = 240) -> list[str]:
    """The reply's text as it changes, sampled every 50 ms until it contains `marker`."""
    states, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states.append(reply.inner_text())
        if marker in states[-1]:
            return states
        reply.page.wait_for_timeout(50)
    raise AssertionError(f"no {marker!r} in {timeout_s:.0f} s: {states[-1]!r}")


def test_invoice_fields_come_back_as_json_with_highlighted_citations(chat, files):
    chat.send("Extract amount, tax ID and date from this invoice", files["invoice"])
    reply = chat.wait_for_reply(r"fields\.json")
    text = reply.inner_text()
    chat.screenshot("invoice-extract")

    assert "extract" in text.splitlines()[0]  # the chosen task is shown on the answer
    assert fx.TAX_ID in text
    assert "1,280.00" in text or "1,446.40" in text, text
    assert "2024" in text
    assert "[1]" in text and "source 1" in text.lower()  # the crop in the side panel, named in the text

    downloaded = json.loads(chat.download(reply, "fields.json"))
    assert fx.TAX_ID in downloaded.values(), downloaded

    page_image = chat.image(reply, "invoice.png page 1")
    original = fx.invoice_page()
    scale = page_image.width / original.image.width
    tax_line = next(line for line in original.lines if line.text == fx.TAX_ID)
    title = original.lines[0]  # not asked for: stays unmarked
    assert _tinted_share(page_image, tax_line.box, scale) > 0.3
    assert _tinted_share(page_image, title.box, scale) < 0.05

    # The side panel opens with the crops, titled with what it holds; "source 1" in the text shows one.
    title = chat.page.locator("#side-view-title")
    # Chainlit titles the panel with the element that reached it last: the sources list, or a crop's name.
    expect(title).to_have_text(
        re.compile(r"^\s*(Sources|source \d+) · invoice\.png, page 1\s*$"), timeout=30_000
    )
    assert chat.page.locator("#side-view-content img").count() >= 2
    chat.screenshot("invoice-side-panel")
    reply.get_by_text("source 1 · invoice.png, page 1").first.click()
    expect(title).to_have_text("source 1 · invoice.png, page 1", timeout=30_000)


def test_answer_on_page_two_of_a_pdf_is_cited_there(chat, files):
    chat.send("甲方的违约责任有哪些？", files["contract"])
    reply = chat.wait_for_reply(r"^ask")
    states = _texts_until(reply, "Sources")
    text = states[-1]
    answers = [s for s in dict.fromkeys(states) if "Sources" not in s and len(s.splitlines()) > 1]
    assert len(answers) >= 2, f"the answer did not stream: {answers}"
    chat.screenshot("contract-ask-page-2")

    assert text.splitlines()[0].startswith("ask")
    assert "违约金" in text or "万分之五" in text, text
    # Chainlit may draw a source's name as a capitalised badge; the words are what a user reads.
    assert "contract.pdf, page 2" in text.lower()
    page_image = chat.image(reply, "contract.pdf page 2")
    pages, _ = fx.contract_pdf()
    scale = page_image.width / pages[1].image.width
    clause = next(line for line in pages[1].lines if "违约" in line.text)
    assert _tinted_share(page_image, clause.box, scale) > 0.3


def test_bad_file_gets_a_clear_error_and_the_chat_goes_on(chat, files):
    chat.send("", files["fake"])
    error = chat.wait_for_reply(r"notes\.png", unless=None)
    chat.screenshot("bad-file-error")
    text = error.inner_text()
    assert "⚠️" in text and "not" in text.lower(), text
    assert "Traceback" not in text

    chat.send("识别图中文字", files["invoice"])
    reply = chat.wait_for_reply(fx.TAX_ID)
    chat.screenshot("bad-file-then-read")
    assert reply.inner_text().splitlines()[0].startswith("read")


def test_two_sessions_at_once_get_their_own_answers(browser, server, files):
    contexts = [new_context(browser) for _ in range(2)]
    try:
        alice, bob = (Chat(context.new_page(), server) for context in contexts)
        # Both messages go out before either answer is back: the server works on both at once.
        alice.send("识别图中文字", files["invoice"])
        bob.send("read the text", files["contract"])
        results: dict[str, str] = {}

        def wait(name: str, chat: Chat, pattern: str) -> None:
            results[name] = chat.wait_for_reply(pattern).inner_text()

        # Playwright's sync API belongs to this thread: wait in turn; both were sent already.
        wait("alice", alice, fx.TAX_ID)
        wait("bob", bob, "违约责任")
        alice.screenshot("two-sessions-alice")
        bob.screenshot("two-sessions-bob")
        assert "违约责任" not in results["alice"]
        assert fx.TAX_ID not in results["bob"]
    finally:
        for context in contexts:
            context.close()
