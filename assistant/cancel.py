"""Giving up on a request: a token the front end cancels when the request's time limit passes.

The token travels in a context variable, so nothing between the front end and the blocking work needs a
new parameter: the page workers' wait, the model slots' wait and the model's token loop check it, and a
cancelled request stops there, releasing its worker process and its model slot.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import DocAssistantError

POLL_S = 0.05  # how often a blocking wait looks at the token


class Cancelled(DocAssistantError):
    """The request was given up (its time limit passed); the work it started has been stopped."""

    code = "cancelled"


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


_current: ContextVar[CancelToken | None] = ContextVar("doc_assistant_cancel", default=None)


def current() -> CancelToken | None:
    return _current.get()


def is_cancelled() -> bool:
    token = _current.get()
    return token is not None and token.cancelled


def check() -> None:
    """Raise Cancelled when the current request was given up."""
    if is_cancelled():
        raise Cancelled("the request was cancelled: its time limit passed")


@contextmanager
def cancellable(token: CancelToken) -> Iterator[CancelToken]:
    """Run the block under `token` (in this thread's context)."""
    reset = _current.set(token)
    try:
        yield token
    finally:
        _current.reset(reset)


def acquire(lock: threading.Lock | threading.Semaphore, timeout: float | None = None) -> bool:
    """`lock.acquire(timeout=...)` that gives up (raising Cancelled) when the request is cancelled."""
    waited = 0.0
    while True:
        check()
        step = POLL_S if timeout is None else min(POLL_S, max(0.0, timeout - waited))
        if lock.acquire(timeout=step):
            return True
        waited += step
        if timeout is not None and waited >= timeout:
            return False
