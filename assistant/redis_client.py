"""Reaching Redis, which shares the result cache, the API's job state and its rate limits between processes
and machines: one client per URL, checked when it is made, and one clear error when Redis does not answer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .errors import DocAssistantError

if TYPE_CHECKING:
    import redis

KEY_PREFIX = "doc-assistant:"  # every key doc-assistant writes, so that a shared Redis can hold other data

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


class RedisUnavailableError(DocAssistantError):
    """Redis is down or unreachable: nothing is served from a guess, the caller gets this instead."""

    code = "redis_unavailable"


def redis_client(url: str, what: str) -> redis.Redis:
    """The process's client for `url`, answered PING when it was made: a Redis that is down is a clear
    error at start-up, not a wrong result later. `what` names the setting in the message."""
    import redis

    with _clients_lock:
        client = _clients.get(url)
        if client is not None:
            return client
        with unavailable(url, what):
            try:
                client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
            except ValueError as exc:  # not a redis://, rediss:// or unix:// URL
                raise RedisUnavailableError(f"{what}: {shown(url)} is not a Redis URL ({exc})") from None
            client.ping()
        _clients[url] = client
        return client


@contextmanager
def unavailable(url: str, what: str) -> Iterator[None]:
    """Turn Redis's connection errors into RedisUnavailableError, naming the setting and the server."""
    import redis

    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError, OSError) as exc:
        raise RedisUnavailableError(
            f"{what}: Redis at {shown(url)} does not answer ({exc}); start it, or unset the setting"
        ) from None


def shown(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", url)
