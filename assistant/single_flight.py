"""Identical work asked for at once is done once: the first caller does it, the others wait for its result.

Eight clients posting the same page at the same moment cost one OCR, not eight. A caller that waits gives up
when its own request is cancelled; when the one doing the work was cancelled instead, a waiter takes over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from . import cancel

T = TypeVar("T")


class _Flight(Generic[T]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight[T]] = {}

    def do(self, key: str, work: Callable[[], T]) -> tuple[T, bool]:
        """(work's result, whether this caller did the work)."""
        while True:
            with self._lock:
                flight = self._flights.get(key)
                leader = flight is None
                if leader:
                    flight = self._flights[key] = _Flight()
            assert flight is not None
            if leader:
                return self._lead(key, flight, work), True
            while not flight.done.wait(cancel.POLL_S):
                cancel.check()
            if isinstance(flight.error, cancel.Cancelled):
                continue  # the leader's request was given up, not this one's: do the work now
            if flight.error is not None:
                raise flight.error
            return flight.result, False  # type: ignore[return-value]

    def _lead(self, key: str, flight: _Flight[T], work: Callable[[], T]) -> T:
        try:
            flight.result = work()
            return flight.result
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()
