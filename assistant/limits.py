"""Limits shared by the chat and the API: a bound on tasks using the model, a token-bucket rate limit."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from . import cancel
from .errors import DocAssistantError
from .settings import Settings


class BusyError(DocAssistantError):
    """Every model slot stayed taken for the whole wait: the caller should retry later."""

    code = "busy"


class ModelSlots:
    """At most `size` tasks use the model at once, process-wide; the rest wait their turn (in order)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def hold(self, wait_s: float) -> Iterator[None]:
        if not cancel.acquire(self._free, timeout=wait_s):
            raise BusyError(f"all {self.size} model slots stayed busy for {wait_s:g} s; try again shortly")
        with self._lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
            self._free.release()


@lru_cache(maxsize=4)
def model_slots(size: int) -> ModelSlots:
    """The process's slots for a given size (one per size, so every front end shares them)."""
    return ModelSlots(size)


class Limiter(Protocol):
    def take(self, client: str) -> float:
        """0 when a request may go ahead (and counts it); otherwise the seconds until one may."""
        ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per client: `burst` requests at once, refilled at `per_minute` a minute."""

    def __init__(self, per_minute: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0 when a request may go ahead (and counts it); otherwise the seconds until one may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= self.max_clients:
                    self._forget_full(now)
                bucket = self._buckets[client] = _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return math.inf if self.rate <= 0 else (1 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        # A client whose bucket has refilled is indistinguishable from a new one: drop it (bounded memory).
        full = [c for c, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for client in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[client]


def rate_limiter(settings: Settings) -> Limiter:
    """The API's token buckets: in this process, or in Redis (shared by every replica) when configured."""
    if settings.shared_state_url:
        from .limits_redis import RedisRateLimiter

        return RedisRateLimiter(settings.shared_state_url, settings.rate_per_minute, settings.rate_burst)
    return RateLimiter(settings.rate_per_minute, settings.rate_burst)
