"""A content-addressed result cache: same content and parameters, same result.

On disk (diskcache in DOC_ASSISTANT_CACHE_DIR) for one machine, or in Redis (DOC_ASSISTANT_CACHE_URL) shared
by every worker and API replica; the keys and the values are the same either way.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

import diskcache

from .settings import Settings, get_settings


def make_key(*parts: object) -> str:
    """A stable key from the content key, engine, version and parameters."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class ResultCache:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.cache_enabled
        self._cache = _open_store(settings) if self.enabled else None

    def get(self, key: str) -> Any | None:
        return self._cache.get(key) if self._cache is not None else None

    def set(self, key: str, value: Any) -> None:
        if self._cache is not None:
            self._cache.set(key, value)

    def clear(self) -> None:
        if self._cache is not None:
            self._cache.clear()


def _open_store(settings: Settings) -> Any:
    """diskcache, or Redis when DOC_ASSISTANT_CACHE_URL names one (it must answer now)."""
    if settings.cache_url:
        from .cache_redis import RedisStore

        return RedisStore(settings.cache_url)
    return diskcache.Cache(str(settings.cache_dir), size_limit=settings.cache_size_mb * 1024 * 1024)


@lru_cache(maxsize=4)
def _cache_for(settings: Settings) -> ResultCache:
    return ResultCache(settings)


def get_cache(settings: Settings | None = None) -> ResultCache:
    return _cache_for(settings or get_settings())
