"""Memory: the chat server with the model loaded and 8 open sessions, against the 4 GB target.

    .venv/bin/python -m bench.chat_memory [--quick]

Starts `doc-assistant ui` (fresh data folder and cache), opens 8 sessions in Debian's chromium (Playwright),
and in each one uploads the rendered invoice and asks for its tax ID (the model answers: it is loaded, with
its prompt cache). The resident memory (RSS) of the server and of its page-worker processes is sampled
every 0.5 s throughout (psutil); the figure is their sum at its peak, beside the server alone.
--quick: 3 sessions.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from .common import Section, cli, runs_for, table

TARGET_GB = 4.0
SESSIONS = 8


def _rss(pid: int) -> tuple[float, float]:
    """(the process's RSS, with its children's) in bytes."""
    import psutil

    try:
        process = psutil.Process(pid)
        own = process.memory_info().rss
        children = sum(child.memory_info().rss for child in process.children(recursive=True))
    except psutil.Error:
        return 0.0, 0.0
    return float(own), float(own + children)


def _server_pid(port: int) -> int:
    import psutil

    for connection in psutil.net_connections("tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == "LISTEN":
            return connection.pid
    raise RuntimeError(f"no process listens on port {port}")


def run(quick: bool = False, runs: int | None = None) -> Section:
    from tests import fixtures as fx
    from tests.chat_browser import Chat, chat_server, chromium, new_context

    runs_for(quick, runs, full=1, fast=1)
    sessions = 3 if quick else SESSIONS
    section = Section(
        "memory", f"Memory: the chat server with the model loaded and {sessions} sessions", runs=1
    )
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        folder = Path(tmp)
        invoice = folder / "invoice.png"
        fx.invoice_page().image.save(invoice)
        env = dict(
            os.environ,
            DOC_ASSISTANT_DATA_DIR=str(folder / "data"),
            DOC_ASSISTANT_CACHE_DIR=str(folder / "cache"),
        )
        samples: list[tuple[float, float]] = []
        stop = threading.Event()
        with chat_server(env, folder / "server.log") as url, chromium() as browser:
            pid = _server_pid(int(url.rsplit(":", 1)[1]))

            def sample() -> None:
                while not stop.is_set():
                    samples.append(_rss(pid))
                    stop.wait(0.5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.monotonic()
            contexts = [new_context(browser) for _ in range(sessions)]
            chats = [Chat(context.new_page(), url) for context in contexts]
            for chat in chats:
                chat.send("What is the tax ID on this invoice?", invoice)
            answered = sum(1 for chat in chats if fx.TAX_ID in chat.wait_for_reply(fx.TAX_ID).inner_text())
            took = time.monotonic() - started
            settled = _rss(pid)
            stop.set()
            sampler.join()
            for context in contexts:
                context.close()
    peak_own = max(own for own, _ in samples)
    peak_all = max(total for _, total in samples)
    gb = lambda value: f"{value / 1024**3:.2f} GB"  # noqa: E731
    verdict = "met" if peak_all / 1024**3 < TARGET_GB else "**not met**"
    section.lines = [
        f"`doc-assistant ui`, {sessions} sessions in chromium, each uploading the rendered invoice and "
        f"asking for its tax ID ({answered} of {sessions} answered with it, in {took:.0f} s). "
        "RSS sampled every 0.5 s "
        "(psutil); the server's page workers (OCR processes) are counted with it.",
        "",
        *table(
            ["measure", "server alone", "server + page workers", f"target < {TARGET_GB:g} GB"],
            [
                ["peak RSS", gb(peak_own), gb(peak_all), verdict],
                [f"after the {sessions} answers", gb(settled[0]), gb(settled[1]), ""],
            ],
        ),
    ]
    section.headline = [
        f"Memory: the chat with the model loaded and {sessions} sessions peaks at {gb(peak_all)} RSS "
        f"with its page workers ({gb(peak_own)} the server alone; target < {TARGET_GB:g} GB: {verdict})"
    ]
    return section


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
