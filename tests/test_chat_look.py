"""The chat looks like our product: its own name, logo and favicon, a Chinese UI for a Chinese browser, and
an upload right after the page loads that is kept (it waited for its session) and read, with the read's
searchable PDF and Markdown offered as downloads.

The real `doc-assistant ui` in Debian's chromium; screenshots go to tests/screenshots/.
"""

from __future__ import annotations

import json
import os

import pymupdf
import pytest

from assistant.resources import chainlit_dir
from tests import fixtures as fx
from tests.chat_browser import VIEWPORT, Chat, chat_server, new_context
from tests.conftest import norm

pytestmark = pytest.mark.e2e

PUBLIC = chainlit_dir() / "public"


@pytest.fixture(scope="module")
def server(tmp_path_factory, session_cache_dir):
    data = tmp_path_factory.mktemp("chat-look")
    env = dict(
        os.environ,
        DOC_ASSISTANT_DATA_DIR=str(data),
        DOC_ASSISTANT_CACHE_DIR=str(session_cache_dir),
        DOC_ASSISTANT_CHAT_DB="off",
    )
    with chat_server(env, data / "server.log") as url:
        yield url


def test_the_product_name_logo_and_favicon(browser, server):
    context = new_context(browser)
    try:
        chat = Chat(context.new_page(), server)
        page = chat.page
        assert page.title() == "doc-assistant"
        logo = page.locator('img[src*="/logo"]').first
        logo.wait_for(timeout=30_000)
        theme = "dark" if "theme=dark" in logo.get_attribute("src") else "light"
        served = page.request.get(server + f"/logo?theme={theme}")
        assert served.ok and served.body() == (PUBLIC / f"logo_{theme}.svg").read_bytes()
        assert logo.evaluate("(img) => img.complete && img.naturalWidth > 0"), "the logo is drawn"
        icon = page.locator('link[rel~="icon"]').first.get_attribute("href")
        assert page.request.get(server + icon).body() == (PUBLIC / "favicon.svg").read_bytes()
        assert "chainlit" not in page.locator("body").inner_text().lower()
        chat.screenshot("look-start-en")
    finally:
        context.close()


def test_a_chinese_browser_gets_a_chinese_ui(browser, server):
    strings = json.loads((chainlit_dir() / "translations" / "zh-CN.json").read_text(encoding="utf-8"))
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        chat = Chat(context.new_page(), server)
        page = chat.page
        # Chainlit's own strings from its Chinese translations, in the message box...
        placeholder = page.locator("#chat-input").get_attribute("placeholder")
        assert placeholder == strings["chat"]["input"]["placeholder"], placeholder
        for label in ("合同问答", "解数学题", "翻译标签", "发票字段"):  # the starters too
            page.get_by_text(label).first.wait_for(timeout=30_000)
        assert "Question about a contract" not in page.locator("body").inner_text()
        chat.screenshot("look-start-zh")
    finally:
        context.close()


def test_an_upload_right_after_the_page_loads_is_kept_and_read(browser, server, tmp_path):
    """The file goes up before the session exists (its websocket is held back, as on a slow start): the
    upload waits for the session instead of failing with "Session not found"."""
    invoice = tmp_path / "invoice.png"
    fx.invoice_page().image.save(invoice)
    context = new_context(browser)
    page = context.new_page()
    try:
        held, uploads = [], []

        def hold(route) -> None:
            held.append(route)

        page.route("**/ws/socket.io/**", hold)
        page.on("response", lambda r: uploads.append(r) if "/project/file" in r.url else None)
        page.goto(server)
        page.wait_for_selector("#upload-button-input", state="attached", timeout=60_000)
        page.set_input_files("#upload-button-input", [str(invoice)])
        page.wait_for_timeout(1_000)
        assert held, "the websocket was not held back: the race was not set up"
        assert not uploads, "the upload must wait for the session, not be answered before it exists"
        release, held[:] = list(held), []
        page.route("**/ws/socket.io/**", lambda route: route.continue_())  # no more holding
        for route in release:
            route.continue_()
        page.wait_for_selector("#command-button", timeout=60_000)
        page.wait_for_timeout(500)
        assert uploads and uploads[0].status == 200, [(r.status, r.text()) for r in uploads]

        chat = Chat.__new__(Chat)
        chat.page = page
        chat._before = 0
        page.wait_for_selector("#upload-button", timeout=60_000)
        box = page.locator("#chat-input")
        box.click()
        box.fill("/read")
        page.wait_for_selector("#chat-submit:not([disabled])", timeout=60_000)
        page.click("#chat-submit")
        reply = chat.wait_for_reply(r"Download: invoice\.searchable\.pdf, invoice\.md")
        assert fx.TAX_ID in reply.inner_text()
        pdf = pymupdf.open(stream=chat.download(reply, "invoice.searchable.pdf"), filetype="pdf")
        assert fx.TAX_ID in norm(pdf[0].get_text()), pdf[0].get_text()
        markdown = chat.download(reply, "invoice.md").decode("utf-8")
        assert f"纳税人识别号 {fx.TAX_ID}" in markdown.splitlines(), markdown
        chat.screenshot_conversation("look-upload-read")
    finally:
        context.close()
