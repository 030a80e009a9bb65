"""The API's token bucket in Redis (DOC_ASSISTANT_STATE_URL): every replica takes from the same bucket, so a
client cannot dodge its limit by switching replicas.

The refill and the take run in one Lua script (atomic on the server) on Redis's own clock, so replicas whose
clocks differ still agree. A bucket expires once it would be full again: a full bucket is a new one.
"""

from __future__ import annotations

import math

from .redis_client import KEY_PREFIX, redis_client, unavailable

PREFIX = KEY_PREFIX + "rate:"
WHAT = "the API's rate limits (DOC_ASSISTANT_STATE_URL, else DOC_ASSISTANT_CACHE_URL)"

# KEYS[1]: the bucket; ARGV: tokens per second, burst. Returns the wait in seconds ("0": go ahead), as text
# (a Lua number would be truncated to an integer on its way back).
TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(bucket[1]) or burst
local updated = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
elseif rate > 0 then
  wait = (1 - tokens) / rate
else
  wait = -1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
local ttl = 86400
if rate > 0 then ttl = math.ceil(burst / rate) + 1 end
redis.call('EXPIRE', KEYS[1], ttl)
return tostring(wait)
"""


class RedisRateLimiter:
    """RateLimiter's interface (`take(client)`) over a bucket per client in Redis."""

    def __init__(self, url: str, per_minute: float, burst: int) -> None:
        self.url = url
        self.rate = per_minute / 60.0
        self.burst = burst
        redis = redis_client(url, WHAT)
        self._take = redis.register_script(TAKE)

    def take(self, client: str) -> float:
        """0 when a request may go ahead (and counts it); otherwise the seconds until one may."""
        with unavailable(self.url, WHAT):
            wait = float(self._take(keys=[PREFIX + client], args=[repr(self.rate), self.burst]))
        return math.inf if wait < 0 else wait
