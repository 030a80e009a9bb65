"""Login, chat history and resume, end to end: a past chat opened from the sidebar has its documents back.

`doc-assistant ui` runs with a password login (DOC_ASSISTANT_CHAT_USERS) and its own data folder, so the
SQLite history starts empty; Debian's chromium drives it through Playwright. The server is restarted once
on the same data folder: chats and their documents must survive a process restart.
Screenshots go to tests/screenshots/ (git-ignored), named resume-*.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from contextlib import ExitStack
from pathlib import Path

import pytest

from assistant.frontends.chat.access import user_folder
from tests import fixtures as fx
from tests.chat_browser import Chat, chat_server, new_context

pytestmark = pytest.mark.e2e

USER, PASSWORD = "alice", "wonderland"
READ = "识别图中文字"
NO_DOCUMENTS = r"no documents yet"


class Server:
    """`doc-assistant ui` on one data folder, which can be restarted (on a new port) like a redeploy."""

    def __init__(self, env: dict[str, str], data: Path) -> None:
        self.env, self.data = env, data
        self.starts = 0
        self._stack = ExitStack()
        self.url = self._start()

    def _start(self) -> str:
        self.starts += 1
        return self._stack.enter_context(chat_server(self.env, self.data / f"server-{self.starts}.log"))

    def restart(self) -> None:
        self._stack.close()  # SIGTERM, as a service manager stops it
        self._stack = ExitStack()
        self.url = self._start()

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, session_cache_dir):
    data = tmp_path_factory.mktemp("chat-resume-data")
    env = dict(
        os.environ,
        DOC_ASSISTANT_DATA_DIR=str(data),
        DOC_ASSISTANT_CACHE_DIR=str(session_cache_dir),
        DOC_ASSISTANT_CHAT_USERS=f"{USER}:{PASSWORD}",
    )
    running = Server(env, data)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def invoice(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("resume-uploads") / "invoice.png"
    fx.invoice_page().image.save(path)
    return path


def _threads(data: Path) -> dict[str, dict]:
    """The persisted chats, straight from the history database: {thread id: its metadata}."""
    with sqlite3.connect(data / "chat.db") as db:
        rows = db.execute('SELECT "id", "metadata" FROM threads').fetchall()
    return {thread: json.loads(metadata or "{}") for thread, metadata in rows}


def _reopen(chat: Chat, thread_id: str, earlier_reads: int) -> None:
    """Open a past chat from the sidebar; check its messages (`earlier_reads` reads) are back, alone."""
    from playwright.sync_api import expect

    chat.open_thread(thread_id)
    # The server sends the past messages once on_chat_resume has finished, so after this the chat's
    # documents are restored (or their problems reported) and a new message can go out.
    read_replies = chat.replies().filter(has_text=fx.TAX_ID)
    expect(read_replies).to_have_count(earlier_reads, timeout=60_000)
    expect(chat.user_messages().filter(has_text=READ)).to_have_count(earlier_reads)
    assert "invoice.png" in read_replies.first.inner_text()
    shown = chat.page.locator("body").inner_text()
    assert not re.search(NO_DOCUMENTS, shown), "the other chat's warning is shown in this one"
    assert "Could not reopen" not in shown, shown


def _ask_the_restored_document(chat: Chat, screenshot: str) -> None:
    chat.send(READ)  # nothing attached: the document must come back from the upload store
    reply = chat.wait_for_reply(fx.TAX_ID)
    text = reply.inner_text()
    assert text.splitlines()[0].startswith("read"), text
    assert "invoice.png" in text.splitlines()[0], text  # the restored document, by its upload name
    # The answer shows the restored page, boxes drawn on it, like an answer on a fresh upload.
    page_image = chat.image(reply, "invoice.png page 1")
    assert page_image.width > 100 and page_image.height > 100, page_image.size
    chat.screenshot_conversation(screenshot)  # the earlier messages above, this answer at the bottom


def test_the_chat_needs_a_login(browser, server):
    context = new_context(browser)
    try:
        chat = Chat.at_login(context.new_page(), server.url)
        page = chat.page
        assert re.search(r"/login$", page.url), page.url
        assert page.locator("#password").is_visible()
        assert page.locator("#chat-input").count() == 0, "the chat is shown without a login"
        chat.screenshot("resume-login")

        chat.submit_login(USER, "not-the-password")
        chat.login_error().wait_for(timeout=30_000)
        assert re.search(r"unable to sign in|invalid|incorrect", chat.login_error().inner_text(), re.I)
        chat.screenshot("resume-login-refused")
        assert re.search(r"/login$", page.url), page.url
        assert page.locator("#chat-input").count() == 0, "a wrong password got into the chat"

        # Not only the page: the history API refuses a visitor without a login too.
        response = page.request.post(
            server.url.rstrip("/") + "/project/threads",
            data={"pagination": {"first": 20}, "filter": {}},
            fail_on_status_code=False,
        )
        assert response.status == 401, response.status
    finally:
        context.close()


def test_a_resumed_chat_has_its_documents_back_even_after_a_restart(browser, server, invoice):
    context = new_context(browser)
    try:
        chat = Chat.at_login(context.new_page(), server.url)
        chat.log_in(USER, PASSWORD)
        assert chat.user_messages().count() == 0

        # 1. The first chat: upload the invoice and read it.
        chat.send(READ, invoice)
        first_text = chat.wait_for_reply(fx.TAX_ID).inner_text()
        assert first_text.splitlines()[0].startswith("read"), first_text
        first = chat.thread_id()

        # 2. A new chat has no documents: they belong to the chat they were uploaded in.
        chat.new_chat()
        chat.send(READ)
        warning = chat.wait_for_reply(NO_DOCUMENTS, unless=None).inner_text()
        assert "⚠️" in warning and fx.TAX_ID not in warning, warning
        chat.screenshot("resume-new-chat-has-no-documents")
        second = chat.thread_id()
        assert second != first
        chat.thread_link(second)  # both chats are listed in the history sidebar
        chat.thread_link(first)

        # 3. Back to the first chat from the sidebar: its messages and its document come back.
        _reopen(chat, first, earlier_reads=1)
        _ask_the_restored_document(chat, "resume-restored")
    finally:
        context.close()  # the tab goes: Chainlit saves the session with the thread

    digest = hashlib.sha256(invoice.read_bytes()).hexdigest()
    stored = server.data / "uploads" / user_folder(USER) / digest[:2] / digest  # alice's own store
    assert stored.is_file(), "the upload is not in the store"
    assert _threads(server.data)[first].get("documents") == [{"name": "invoice.png", "sha256": digest}]

    # 4. The server restarts on the same data folder; alice comes back in a fresh browser.
    server.restart()
    context = new_context(browser)
    try:
        chat = Chat.at_login(context.new_page(), server.url)
        chat.log_in(USER, PASSWORD)
        chat.thread_link(second)
        _reopen(chat, first, earlier_reads=2)
        _ask_the_restored_document(chat, "resume-after-restart")

        # 5. A document gone from the store (deleted by hand, a lost disk) is reported when the chat
        #    resumes, not dropped without a word.
        stored.unlink()
        chat.page.reload()
        warning = chat.replies().filter(has_text="Could not reopen invoice.png")
        warning.first.wait_for(timeout=60_000)
        assert "upload it again" in warning.first.inner_text()
    finally:
        context.close()
