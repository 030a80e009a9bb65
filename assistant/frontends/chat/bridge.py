"""Run blocking work (OCR, the model) in a worker thread and handle its events on the event loop.

The loop never blocks: other sessions keep being served while one session's page is read, and the
worker's tokens and progress reach the browser as they happen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
Post = Callable[[str, Any], None]  # called from the worker thread: post(kind, value)
Handler = Callable[[str, Any], Awaitable[None]]

_DONE = object()


async def run_off_loop(work: Callable[[Post], T], handle: Handler) -> T:
    """`work(post)` runs in a thread; each post(kind, value) is awaited as handle(kind, value) in order."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def post(kind: str, value: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

    def job() -> T:
        try:
            return work(post)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)

    future = loop.run_in_executor(None, job)
    while (event := await queue.get()) is not _DONE:
        await handle(*event)
    return await future
