"""The Redis parts against a real redis-server: the result cache's store, the token bucket shared by API
replicas (atomic under concurrent takes), the job store's transitions, and a Redis that goes away."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from assistant.cache import ResultCache, make_key
from assistant.cache_redis import PREFIX
from assistant.jobs.store import LOST_AFTER_S, RedisJobStore
from assistant.limits_redis import RedisRateLimiter
from assistant.redis_client import RedisUnavailableError
from assistant.settings import Settings
from tests.api_server import free_port
from tests.redis_server import RedisServer, redis_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with redis_server(tmp_path_factory.mktemp("redis")) as running:
        yield running


def test_the_cache_in_redis_keeps_values_and_clears_only_its_own_keys(server: RedisServer, tmp_path: Path):
    cache = ResultCache(Settings(cache_url=server.url, cache_dir=tmp_path / "unused"))
    key = make_key("sha256:0", "rapidocr", "3.10", {"lang": None})
    assert cache.get(key) is None
    value = {"regions": [{"text": "合计 ¥25.00", "bbox": [1, 2, 3, 4]}], "rotation": 90, "size": [10, 20]}
    cache.set(key, value)
    assert ResultCache(Settings(cache_url=server.url)).get(key) == value  # another process's view
    assert server.client().ttl(PREFIX + key) > 0, "every entry expires (maxmemory-policy volatile-lru)"
    server.client().set("someone-else:key", b"kept")
    cache.clear()
    assert cache.get(key) is None
    assert server.client().get("someone-else:key") == b"kept"
    assert not (tmp_path / "unused").exists(), "nothing on disk"


def test_the_token_bucket_is_atomic_across_concurrent_takes(server: RedisServer):
    # Two limiters as two API replicas: 40 requests at once from one client, a burst of 5.
    replicas = [RedisRateLimiter(server.url, per_minute=0.001, burst=5) for _ in range(2)]
    waits: list[float] = []
    start = threading.Barrier(40)

    def take(n: int) -> None:
        start.wait()
        waits.append(replicas[n % 2].take("key:concurrent"))

    threads = [threading.Thread(target=take, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for wait in waits if wait == 0) == 5
    assert all(wait > 60 for wait in waits if wait), "the refused are told how long to wait"
    assert replicas[0].take("key:another") == 0, "each client has its own bucket"


def test_job_transitions_are_atomic_and_one_way(server: RedisServer):
    store = RedisJobStore(server.url, ttl_s=60)
    job = store.create("key:owner", "read", total=2)
    assert store.get(job.id).status == "queued"
    assert store.transition(job.id, "running", ("queued",))
    assert not store.transition(job.id, "running", ("queued",)), "a job starts once"
    store.add_row(job.id, 1, {"file": "b.png", "error": {"code": "unsupported_type", "message": "x"}}, 0)
    store.add_row(job.id, 0, {"file": "a.png", "error": None, "text": "合计"}, 1)
    assert store.transition(job.id, "cancelled", ("queued", "running"))
    assert not store.transition(job.id, "done", ("running",)), "a cancelled job stays cancelled"
    record = store.get(job.id)
    assert (record.status, record.done, record.errors, record.pages, record.owner) == (
        "cancelled", 2, 1, 1, "key:owner"
    )  # fmt: skip
    assert [row["file"] for row in store.rows(job.id)] == ["a.png", "b.png"], "in upload order"
    assert store.get("no-such-job") is None
    store.remove(job.id)
    store.add_row(job.id, 2, {"file": "c.png", "error": None}, 1)  # a runner's last row, after the DELETE
    store.beat(job.id)
    assert store.get(job.id) is None and not server.client().keys(f"doc-assistant:job:{job.id}*")


def test_a_redis_that_is_down_is_a_clear_error(tmp_path: Path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(RedisUnavailableError, match=r"DOC_ASSISTANT_CACHE_URL.*does not answer"):
        ResultCache(Settings(cache_url=url))
    with redis_server(tmp_path / "redis") as going:
        cache = ResultCache(Settings(cache_url=going.url))
        cache.set("k", {"v": 1})
        going.stop()
        with pytest.raises(RedisUnavailableError, match="does not answer"):
            cache.get("k")  # never a miss that would look like an empty cache


def test_a_job_whose_process_stopped_beating_is_lost(server: RedisServer):
    store = RedisJobStore(server.url, ttl_s=60)
    job = store.create("key:owner", "read", total=1)
    assert store.transition(job.id, "running", ("queued",))
    assert not store.get(job.id).lost(time.time())
    # As if the API process running it had died a minute ago: no beat since.
    server.client().hset(f"doc-assistant:job:{job.id}", "heartbeat", time.time() - LOST_AFTER_S - 1)
    assert store.get(job.id).lost(time.time())
    store.beat(job.id)
    assert not store.get(job.id).lost(time.time()), "a beat: alive again"
    assert store.transition(job.id, "done", ("running",))
    server.client().hset(f"doc-assistant:job:{job.id}", "heartbeat", 0)
    assert not store.get(job.id).lost(time.time()), "a finished job is never lost"
