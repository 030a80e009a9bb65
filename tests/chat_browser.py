"""Driving the real chat: `doc-assistant ui` in a subprocess and Debian's chromium through Playwright.

Never `playwright install`: the browser is Debian's /usr/bin/chromium (installed by .ci/install).
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.conftest import REPO, cli_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "tests" / "screenshots"  # git-ignored
ASSISTANT = '[data-step-type="assistant_message"]'
USER = '[data-step-type="user_message"]'
# The start of a page function finding the element the chat's messages scroll in (`selector`: messages).
_SCROLLER = """async (selector) => {
    const scroller = (selector) => {
        let el = document.querySelector(selector);
        const scrolls = (e) => /(auto|scroll)/.test(getComputedStyle(e).overflowY);
        while (el && !(el.scrollHeight > el.clientHeight && scrolls(el))) el = el.parentElement;
        return el;
    };
"""
ANSWER_TIMEOUT_MS = 240_000  # two cores, OCR and a 1.5B model, maybe another session at the same time
VIEWPORT = {"width": 1280, "height": 1000}


@contextmanager
def chromium():
    """Debian's chromium, headless under Playwright (the `browser` fixture of conftest.py)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: bash .ci/install installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser):
    """A fresh browser profile (no cookies, no login) with a desktop window and an English locale."""
    return browser.new_context(viewport=VIEWPORT, locale="en-US")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def chat_on(data_dir: Path, cache_dir: Path, **env: str):
    """`doc-assistant ui` on its own data folder (its log there too) and a given cache; yields its URL."""
    full = dict(
        os.environ, DOC_ASSISTANT_DATA_DIR=str(data_dir), DOC_ASSISTANT_CACHE_DIR=str(cache_dir), **env
    )
    with chat_server(full, data_dir / "server.log") as url:
        yield url


@contextmanager
def chat_server(env: dict[str, str], log_path: Path, timeout: float = 90):
    """`doc-assistant ui` on a free loopback port; yields its URL once it answers."""
    with chat_process(env, log_path, timeout) as (url, _):
        yield url


@contextmanager
def chat_process(env: dict[str, str], log_path: Path, timeout: float = 90):
    """`doc-assistant ui` on a free loopback port; yields (its URL, its process) once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [*cli_command(), "ui", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"the chat exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}"
                    )
                try:
                    with urllib.request.urlopen(url, timeout=2) as reply:
                        if reply.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the chat did not answer in {timeout:.0f} s:\n{log_path.read_text()[-3000:]}"
                    )
                time.sleep(0.5)
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


class Chat:
    """One browser tab on the chat, used the way a person uses it."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        page.goto(url)
        page.wait_for_selector("#chat-input", timeout=60_000)
        # The command button appears once the session's websocket is up and the chat has started;
        # an upload before that is refused ("Session not found").
        page.wait_for_selector("#command-button", timeout=60_000)

    # ---- login and threads (the chat with DOC_ASSISTANT_CHAT_USERS set and its history sidebar) ----

    @classmethod
    def at_login(cls, page, url: str) -> Chat:
        """A tab opened on a chat that needs a login: it shows Chainlit's login form, not the chat."""
        chat = cls.__new__(cls)
        chat.page = page
        page.goto(url)
        page.wait_for_selector("#email", timeout=60_000)
        return chat

    def submit_login(self, user: str, password: str) -> None:
        self.page.fill("#email", user)
        self.page.fill("#password", password)
        self.page.click('form button[type="submit"]')

    def login_error(self):
        """The error Chainlit shows on the login form after a refused login."""
        return self.page.locator("form").get_by_role("alert")

    def log_in(self, user: str, password: str) -> None:
        """Log in on the login form, then wait for the chat as `Chat(page, url)` does."""
        self.submit_login(user, password)
        self.page.wait_for_selector("#chat-input", timeout=60_000)
        self.page.wait_for_selector("#command-button", timeout=60_000)

    def user_messages(self):
        return self.page.locator(USER)

    def thread_id(self) -> str:
        """The id of the chat on screen: its URL becomes /thread/<id> once the first message is in."""
        self.page.wait_for_url(re.compile(r"/thread/[^/?#]+$"), timeout=60_000)
        return self.page.url.rstrip("/").rsplit("/", 1)[1]

    def new_chat(self) -> None:
        """Chainlit's New Chat button, confirmed in its dialog (confirm_new_chat = true)."""
        from playwright.sync_api import expect

        self.page.click("#new-chat-button")
        dialog = self.page.get_by_role("dialog")
        dialog.locator("#confirm").click()
        expect(dialog).to_be_hidden(timeout=30_000)
        expect(self.replies()).to_have_count(0, timeout=30_000)
        expect(self.user_messages()).to_have_count(0, timeout=30_000)
        self.page.wait_for_selector("#chat-input", timeout=60_000)
        self.page.wait_for_selector("#command-button", timeout=60_000)
        self._before = 0

    def thread_link(self, thread_id: str):
        """The entry of a chat in the history sidebar, opening the sidebar if it is closed."""
        item = self.page.locator(f'#thread-history li[id="thread-{thread_id}"]')
        sidebar = self.page.locator('[data-side="left"][data-state]').first  # shadcn's sidebar, desktop
        sidebar.wait_for(state="attached", timeout=60_000)
        if sidebar.get_attribute("data-state") != "expanded":
            self.page.click("#sidebar-trigger-button")
        item.wait_for(state="visible", timeout=60_000)
        return item

    def open_thread(self, thread_id: str) -> None:
        """Open a past chat from the history sidebar; the chat resumes (on_chat_resume) on the server."""
        self.thread_link(thread_id).locator("a").click()
        self.page.wait_for_url(re.compile(rf"/thread/{re.escape(thread_id)}$"), timeout=60_000)
        self.page.wait_for_selector("#chat-input", timeout=60_000)

    def attach(self, *paths: Path) -> None:
        self.page.set_input_files("#upload-button-input", [str(p) for p in paths])
        # The attachment uploads at once; sending before it finishes would send the message without it.
        self.page.wait_for_selector("#upload-button", timeout=60_000)

    def send(self, text: str, *attachments: Path) -> None:
        before = self.replies().count()
        self._before = before
        if attachments:
            self.attach(*attachments)
        box = self.page.locator("#chat-input")
        box.click()
        box.fill(text)
        self.page.wait_for_selector("#chat-submit:not([disabled])", timeout=60_000)
        self.page.click("#chat-submit")

    def replies(self):
        return self.page.locator(ASSISTANT)

    def wait_for_reply(self, pattern: str, timeout: int = ANSWER_TIMEOUT_MS, unless: str | None = "⚠️"):
        """The first new assistant message whose text matches `pattern` (a regex), once it is there.

        A new message matching `unless` (by default an error) ends the wait at once with a failure.
        """
        regex = re.compile(pattern, re.S)
        deadline = time.monotonic() + timeout / 1000
        while time.monotonic() < deadline:
            replies = self.replies()
            for i in range(self._before, replies.count()):
                reply = replies.nth(i)
                try:
                    text = reply.inner_text(timeout=2_000)
                except Exception:  # re-rendered while being read: look again
                    continue
                if regex.search(text):
                    return reply
                if unless and unless in text:
                    raise AssertionError(f"expected a reply matching {pattern!r}, got: {text}")
            self.page.wait_for_timeout(500)
        texts = [self.replies().nth(i).inner_text() for i in range(self.replies().count())]
        raise AssertionError(f"no reply matching {pattern!r} in {timeout / 1000:.0f} s; replies: {texts}")

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def screenshot_conversation(self, name: str, max_height: int = 6000) -> Path:
        """A screenshot of the whole conversation, first message to last: the messages scroll inside the
        page, so the window is made as tall as they are for the shot (at most `max_height`), then put back."""
        size = self.page.viewport_size
        steps = f"{ASSISTANT}, {USER}"
        extra = self.page.evaluate(
            _SCROLLER
            + """
            const el = scroller(selector);
            if (!el) return 0;
            const steps = el.querySelectorAll(selector);
            const box = el.getBoundingClientRect();
            const bottom = steps[steps.length - 1].getBoundingClientRect().bottom - box.top + el.scrollTop;
            return Math.max(0, Math.ceil(bottom + 48 - el.clientHeight));
            }""",
            steps,
        )
        height = min(size["height"] + extra, max_height)
        self.page.set_viewport_size({"width": size["width"], "height": height})
        try:
            for img in self.page.locator(f"{ASSISTANT} img").all():  # lazily loaded ones come in now
                img.evaluate("(i) => i.complete || new Promise((done) => { i.onload = i.onerror = done; })")
            # Chainlit scrolls to the last message on a resize; once it has, go back to the first one.
            self.page.evaluate(
                _SCROLLER
                + """
                await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
                const el = scroller(selector);
                if (el) el.scrollTop = 0;
                }""",
                steps,
            )
            return self.screenshot(name)
        finally:
            self.page.set_viewport_size(size)

    def image(self, reply, name: str) -> Image.Image:
        """An image element shown in `reply`, fetched the way the browser fetched it."""
        img = reply.locator(f'img[alt="{name}"]').first
        img.wait_for(timeout=30_000)
        src = img.get_attribute("src")
        response = self.page.request.get(src if src.startswith("http") else self.page.url.rstrip("/") + src)
        assert response.ok, f"{name}: {response.status}"
        return Image.open(io.BytesIO(response.body())).convert("RGB")

    def download(self, reply, name: str) -> bytes:
        link = reply.locator("a", has_text=name).first
        link.wait_for(timeout=30_000)
        href = link.get_attribute("href")
        response = self.page.request.get(
            href if href.startswith("http") else self.page.url.rstrip("/") + href
        )
        assert response.ok, f"{name}: {response.status}"
        return response.body()


class GuardedTab:
    """A chat tab whose browser may reach only the chat's own host: anything else is recorded and refused."""

    def __init__(self, browser, url: str) -> None:
        self.origin = urlsplit(url).netloc
        self.foreign: list[str] = []
        self.context = new_context(browser)
        self.context.route("**/*", self._route)
        self.chat = Chat(self.context.new_page(), url)

    def _route(self, route) -> None:
        request_url = route.request.url
        if urlsplit(request_url).scheme in ("http", "https", "ws", "wss") and (
            urlsplit(request_url).netloc != self.origin
        ):
            self.foreign.append(request_url)
            route.abort()
            return
        route.continue_()

    def answer(self, text: str, *attachments: Path, pattern: str) -> str:
        """Send a message, wait for its answer to finish; the answer's text."""
        self.chat.send(text, *attachments)
        reply = self.chat.wait_for_reply(pattern)
        # Done: the message no longer streams (Chainlit's cursor is gone) and the task has ended.
        reply.locator(".loading-cursor").wait_for(state="detached", timeout=ANSWER_TIMEOUT_MS)
        self.chat.page.wait_for_selector("#stop-button", state="detached", timeout=ANSWER_TIMEOUT_MS)
        return reply.inner_text()

    def embedded(self) -> list[str]:
        """Images, links and frames in the conversation that point anywhere but the chat itself."""
        return self.chat.page.evaluate(
            """(origin) => {
                const found = [];
                const foreign = (u) => u && !u.startsWith('data:') && !u.startsWith('blob:')
                    && new URL(u, location.href).host !== origin;
                const embeds = 'img, iframe, video, audio, source, object, embed';
                for (const el of document.querySelectorAll(embeds))
                    if (foreign(el.src || el.data)) found.push(el.tagName + ' ' + (el.src || el.data));
                for (const a of document.querySelectorAll('a[href]'))
                    if (foreign(a.getAttribute('href'))) found.push('A ' + a.href);
                for (const s of document.querySelectorAll('script'))
                    if (s.textContent.includes('evil')) found.push('SCRIPT ' + s.textContent.slice(0, 80));
                return found;
            }""",
            self.origin,
        )

    def close(self) -> None:
        self.context.close()
