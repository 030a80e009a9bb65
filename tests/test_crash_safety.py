"""Crash safety: a real `kill -9` of the chat and of the API in the middle of an upload and of an answer, then
a restart on the same folders. No stored upload and no history is lost, no half-written file stops the next
start, and the result cache stays readable.

The chat runs with a login (so it keeps history) and a result cache of its own, so that OCR really runs
while it is killed. Screenshots go to tests/screenshots/ (crash-*).
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import threading
import time
from contextlib import ExitStack, closing
from pathlib import Path

import diskcache
import httpx
import pytest

from tests import fixtures as fx
from tests.api_server import start_api
from tests.chat_browser import Chat, chat_process, new_context

pytestmark = pytest.mark.e2e

USER, PASSWORD = "carol", "crash-test"
READ = "识别图中文字"
KILL_WAIT_S = 120


def _kill(process) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _assert_uploads_whole(data: Path) -> int:
    """Every stored upload's bytes hash to its name; returns how many there are."""
    stored = [p for p in (data / "uploads").rglob("*") if p.is_file() and not p.name.endswith(".part")]
    for path in stored:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, f"{path} is not whole"
    return len(stored)


def _assert_sqlite_ok(path: Path) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", path


def _assert_cache_readable(cache_dir: Path) -> int:
    """Every entry of the result cache reads back; returns how many there are."""
    _assert_sqlite_ok(cache_dir / "cache.db")
    with diskcache.Cache(str(cache_dir)) as cache:
        keys = list(cache.iterkeys())
        for key in keys:
            assert cache.get(key) is not None, key
    return len(keys)


class KillableChat:
    """`doc-assistant ui` on one data folder, started again after each kill, and a logged-in tab on it."""

    def __init__(self, browser, env: dict[str, str], data: Path) -> None:
        self.browser, self.env, self.data = browser, env, data
        self._stack = ExitStack()
        self.starts = 0

    def start(self) -> Chat:
        self._stack.close()
        self._stack = ExitStack()
        self.starts += 1
        log = self.data.parent / "chat.log"  # one log for every start, beside the data folder
        self.url, self.process = self._stack.enter_context(chat_process(self.env, log))
        context = self._stack.enter_context(closing(new_context(self.browser)))
        chat = Chat.at_login(context.new_page(), self.url)
        chat.log_in(USER, PASSWORD)
        return chat

    def kill(self) -> None:
        _kill(self.process)

    def close(self) -> None:
        self._stack.close()


def test_the_chat_killed_mid_upload_and_mid_answer_loses_nothing(browser, tmp_path):
    from playwright.sync_api import expect

    data, cache = tmp_path / "data", tmp_path / "cache"
    invoice, contract = tmp_path / "invoice.png", tmp_path / "contract.pdf"
    fx.invoice_page().image.save(invoice)
    contract.write_bytes(fx.contract_pdf()[1].data)
    env = dict(
        os.environ,
        DOC_ASSISTANT_DATA_DIR=str(data),
        DOC_ASSISTANT_CACHE_DIR=str(cache),
        DOC_ASSISTANT_CHAT_USERS=f"{USER}:{PASSWORD}",
    )
    server = KillableChat(browser, env, data)
    try:
        # 1. A chat with one complete exchange in its history.
        chat = server.start()
        chat.send(READ, invoice)
        chat.wait_for_reply(fx.TAX_ID)
        thread = chat.thread_id()

        # 2. Killed while the second upload is being read (stored already, its pages half done).
        chat.send(READ, contract)
        chat.page.get_by_text("Reading contract.pdf").first.wait_for(timeout=KILL_WAIT_S * 1000)
        server.kill()
        assert _assert_uploads_whole(data) == 2

        # 3. Back up: the chat and both documents are there; killed again while an answer streams.
        chat = server.start()
        chat.open_thread(thread)
        expect(chat.replies().filter(has_text=fx.TAX_ID)).to_have_count(1, timeout=60_000)
        assert "Could not reopen" not in chat.page.locator("body").inner_text()
        chat.send("甲方的违约责任有哪些？")
        reply = chat.wait_for_reply(r"^ask")
        _wait_until_more_than_a_header(reply)
        server.kill()

        # 4. Back up once more: everything shown before the kills is there, and the chat goes on with
        #    the document whose upload was interrupted.
        _assert_sqlite_ok(data / "chat.db")
        chat = server.start()
        chat.open_thread(thread)
        expect(chat.replies().filter(has_text=fx.TAX_ID)).to_have_count(1, timeout=60_000)
        expect(chat.user_messages().filter(has_text="违约责任")).to_have_count(1, timeout=30_000)
        chat.send("/read 最后一个文件")
        text = chat.wait_for_reply("技术服务合同").inner_text()
        assert "contract.pdf" in text.splitlines()[0], text
        chat.screenshot_conversation("crash-chat-after-two-kills")
    finally:
        server.close()
    assert _assert_uploads_whole(data) == 2
    assert _assert_cache_readable(cache) > 0


def _wait_until_more_than_a_header(reply, timeout_s: float = KILL_WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while len(reply.inner_text().strip().splitlines()) < 2:
        assert time.monotonic() < deadline, "the answer never started streaming"
        reply.page.wait_for_timeout(100)


def test_the_api_killed_mid_upload_and_mid_answer_starts_again_whole(tmp_path):
    cache = tmp_path / "cache"
    env = {"DOC_ASSISTANT_CACHE_DIR": str(cache)}
    invoice = fx.encode(fx.invoice_page().image, "PNG")

    # 1. Killed while a large upload streams in.
    server = start_api(env, log_dir=tmp_path)
    sent = _half_an_upload(server.url, size=8 * 1024 * 1024)
    _kill(server.process)
    assert sent > 0

    # 2. Killed while the model answers (it holds a model slot), after a read filled the cache.
    server = start_api(env, log_dir=tmp_path)
    first = httpx.post(
        f"{server.url}/v1/ocr", data={"task": "read"}, files={"file": ("i.png", invoice)}, timeout=300
    )
    assert first.status_code == 200, first.text
    asking = threading.Thread(target=_ask, args=(server.url, invoice), daemon=True)
    asking.start()
    _wait_for_a_model_call(server.url)
    _kill(server.process)
    asking.join(timeout=30)
    assert _assert_cache_readable(cache) > 0

    # 3. It starts, reads from the cache it had, and answers.
    server = start_api(env, log_dir=tmp_path)
    try:
        again = httpx.post(
            f"{server.url}/v1/ocr", data={"task": "read"}, files={"file": ("i.png", invoice)}, timeout=300
        )
        assert again.status_code == 200 and again.json()["cached"] is True, again.text
        assert again.json()["text"] == first.json()["text"]
        answer = _ask(server.url, invoice)
        assert answer is not None and answer.status_code == 200, answer
    finally:
        server.stop()
    assert _assert_cache_readable(cache) > 0


def _half_an_upload(url: str, size: int) -> int:
    """Send the head of a multipart upload of `size` bytes and half its body; leave it hanging."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    boundary = "crash-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="task"\r\n\r\nread\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    request = (
        f"POST /v1/ocr HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(head) + size}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
    ).encode()
    sock.sendall(request + head)
    sent = 0
    block = os.urandom(64 * 1024)
    while sent < size // 2:
        sock.sendall(block)
        sent += len(block)
    return sent  # the socket stays open: the server is killed while it waits for the rest


def _ask(url: str, invoice: bytes) -> httpx.Response | None:
    try:
        return httpx.post(
            f"{url}/v1/ocr",
            data={"task": "ask", "question": "Describe this invoice in one sentence."},
            files={"file": ("i.png", invoice)},
            timeout=300,
        )
    except httpx.HTTPError:
        return None  # the server was killed under it


def _wait_for_a_model_call(url: str) -> None:
    deadline = time.monotonic() + KILL_WAIT_S
    while httpx.get(f"{url}/health", timeout=10).json()["model_calls_in_flight"] < 1:
        assert time.monotonic() < deadline, "the ask never reached the model"
        time.sleep(0.05)
    time.sleep(1.0)  # into the model call: loading or generating
