"""Users stay in their own space (the chat with login on): another user's chat, uploads and evidence images
cannot be opened by guessing or reusing their URLs, in the browser or with plain HTTP requests.

`doc-assistant ui` runs with two users and its own data folder; alice reads an invoice, then bob, logged in
as himself, tries every URL of hers: the thread page, Chainlit's thread and element routes, the live
session's file route and the history's element files. Screenshots go to tests/screenshots/ (isolation-*).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from assistant.frontends.chat.access import user_folder
from tests import fixtures as fx
from tests.chat_browser import Chat, chat_on, new_context

pytestmark = pytest.mark.e2e

USERS = {"alice": "wonderland", "bob": "builder"}
READ = "识别图中文字"
SEEN_WITHIN_MS = 30_000  # alice sees her chat within this; bob gets three times as long as she took


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("chat-isolation-data")


@pytest.fixture(scope="module")
def server(data, session_cache_dir):
    users = ",".join(f"{user}:{password}" for user, password in USERS.items())
    with chat_on(data, session_cache_dir, DOC_ASSISTANT_CHAT_USERS=users) as url:
        yield url


@pytest.fixture(scope="module")
def alice(browser, server, invoice_png):
    """alice's tab after she read the invoice: (chat, thread id, the live URL of the page image)."""
    context = new_context(browser)
    chat = Chat.at_login(context.new_page(), server)
    chat.log_in("alice", USERS["alice"])
    chat.send(READ, invoice_png)
    reply = chat.wait_for_reply(fx.TAX_ID)
    live_image = reply.locator('img[alt="invoice.png page 1"]').first.get_attribute("src")
    yield chat, chat.thread_id(), live_image
    context.close()


def _client(server: str, user: str | None) -> httpx.Client:
    """A plain HTTP client, logged in as `user` through Chainlit's /login (its auth cookie), or not."""
    client = httpx.Client(base_url=server, timeout=30)
    if user is not None:
        response = client.post("/login", data={"username": user, "password": USERS[user]})
        assert response.status_code == 200, response.text
        assert client.cookies.get("access_token"), "no auth cookie after the login"
    return client


def _element_files(data: Path, thread_id: str) -> list[tuple[str, str]]:
    """(element id, object key) of a thread's stored element files, from the history database."""
    with sqlite3.connect(data / "chat.db") as db:
        rows = db.execute(
            'SELECT "id", "objectKey" FROM elements WHERE "threadId" = ? AND "objectKey" IS NOT NULL',
            (thread_id,),
        ).fetchall()
    return rows


def test_uploads_are_kept_per_user(alice, data, invoice_png):
    digest = hashlib.sha256(invoice_png.read_bytes()).hexdigest()
    mine = data / "uploads" / user_folder("alice") / digest[:2] / digest
    assert mine.is_file(), f"alice's upload is not in her folder: {sorted(data.rglob('*'))}"
    assert hashlib.sha256(mine.read_bytes()).hexdigest() == digest
    assert not (data / "uploads" / digest[:2] / digest).exists(), "the upload went to the shared store"
    assert not (data / "uploads" / user_folder("bob")).exists()


def test_another_user_gets_none_of_a_chat_over_http(alice, server, data):
    _, thread_id, live_image = alice
    elements = _element_files(data, thread_id)
    assert elements, "alice's chat stored no element file"
    element_id, key = elements[0]
    file_url = f"/history-files/{quote(key)}"
    owner, other, nobody = _client(server, "alice"), _client(server, "bob"), _client(server, None)
    try:
        # The owner gets all of it: the URLs are right, so the refusals below are refusals.
        assert owner.get(f"/project/thread/{thread_id}").status_code == 200
        assert owner.get(f"/project/thread/{thread_id}/element/{element_id}").status_code == 200
        image = owner.get(file_url)
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG"), image.status_code
        assert owner.get(live_image).status_code == 200

        for who, client in (("bob", other), ("a visitor without a login", nobody)):
            for url in (
                f"/project/thread/{thread_id}",
                f"/project/thread/{thread_id}/element/{element_id}",
                file_url,
                live_image,
            ):
                response = client.get(url)
                assert response.status_code in (401, 403, 404), f"{who} got {url}: {response.status_code}"
                assert b"PNG" not in response.content[:8] and fx.TAX_ID not in response.text
        listed = other.post("/project/threads", json={"pagination": {"first": 50}, "filter": {}})
        assert listed.status_code == 200
        assert thread_id not in listed.text, "alice's chat is in bob's history"
        # A made-up thread id is a plain 404, not a server error.
        assert other.get(f"/project/thread/{uuid.uuid4()}").status_code == 404
    finally:
        for client in (owner, other, nobody):
            client.close()


def test_another_user_opening_a_chat_url_sees_nothing_of_it(alice, browser, server):
    from playwright.sync_api import expect

    chat, thread_id, _ = alice
    # The owner, opening the URL, sees her chat: the wait below is long enough to show one.
    started = time.monotonic()
    chat.page.goto(f"{server}/thread/{thread_id}")
    expect(chat.page.get_by_text(fx.TAX_ID).first).to_be_visible(timeout=SEEN_WITHIN_MS)
    owner_saw_it_s = time.monotonic() - started

    context = new_context(browser)
    try:
        bob = Chat.at_login(context.new_page(), server)
        bob.log_in("bob", USERS["bob"])
        bob.page.goto(f"{server}/thread/{thread_id}")
        bob.page.wait_for_timeout(max(5.0, 3 * owner_saw_it_s) * 1000)
        shown = bob.page.locator("body").inner_text()
        bob.screenshot("isolation-other-users-thread")
        assert fx.TAX_ID not in shown and "invoice.png" not in shown, shown
        assert not re.search(r"识别图中文字", shown), "alice's question is shown to bob"
        images = bob.page.locator("img").evaluate_all("(all) => all.map((i) => i.src)")
        assert not any("history-files" in src or "/project/file/" in src for src in images), images
    finally:
        context.close()
