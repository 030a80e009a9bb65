"""Who may call the API and how often: bearer keys, then a token bucket per key (or per IP without keys)."""

from __future__ import annotations

import hashlib
import hmac
import math

from fastapi import Request

from ...errors import DocAssistantError
from ...limits import rate_limiter
from ...settings import Settings


class Unauthorized(DocAssistantError):
    code = "unauthorized"


class RateLimited(DocAssistantError):
    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"too many requests: try again in {self.retry_after} s")


class Guard:
    def __init__(self, settings: Settings) -> None:
        # Keys are compared by digest in constant time, so timing says nothing about a key's prefix.
        self._digests = [_digest(key) for key in settings.api_key_set]
        self.limiter = rate_limiter(settings)

    @property
    def requires_key(self) -> bool:
        return bool(self._digests)

    def check(self, request: Request) -> str:
        """The caller's identity for rate limiting; raises Unauthorized or RateLimited."""
        client = self.identify(request)
        wait = self.limiter.take(client)
        if wait > 0:
            raise RateLimited(wait)
        return client

    def identify(self, request: Request) -> str:
        """The caller: its key's digest (Unauthorized without a valid key), or its address without keys."""
        client = request.client.host if request.client else "unknown"
        if self._digests:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
            given = _digest(token.strip())
            if not any(hmac.compare_digest(given, digest) for digest in self._digests):
                raise Unauthorized("wrong API key")
            client = "key:" + given.hex()[:16]
        return client


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()
