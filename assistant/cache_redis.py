"""The result cache's store in Redis (DOC_ASSISTANT_CACHE_URL): every worker and API replica shares it.

The keys are ResultCache's own (the content hash and the reader's parameters) under one prefix; the values
are JSON (never pickle: a value read from a shared server must not be able to run code). Each entry expires
after CACHE_TTL_S, so a Redis given `maxmemory-policy volatile-lru` keeps the cache within its memory.
"""

from __future__ import annotations

import json
from typing import Any

from .redis_client import KEY_PREFIX, redis_client, unavailable

PREFIX = KEY_PREFIX + "cache:"
CACHE_TTL_S = 30 * 24 * 3600
WHAT = "the result cache (DOC_ASSISTANT_CACHE_URL)"


class RedisStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self._redis = redis_client(url, WHAT)

    def get(self, key: str) -> Any | None:
        with unavailable(self.url, WHAT):
            raw = self._redis.get(PREFIX + key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        with unavailable(self.url, WHAT):
            self._redis.set(PREFIX + key, data, ex=CACHE_TTL_S)

    def clear(self) -> None:
        """Remove the cache's keys only: the same Redis may hold job state and rate limits."""
        with unavailable(self.url, WHAT):
            batch = []
            for key in self._redis.scan_iter(match=PREFIX + "*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    self._redis.unlink(*batch)
                    batch.clear()
            if batch:
                self._redis.unlink(*batch)
