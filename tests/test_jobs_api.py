"""The API's async jobs on two API processes sharing one real redis-server, as two replicas behind a load
balancer: a job submitted to one is read (and cancelled) from the other, the rate limit holds across both,
and a job is another key's business only as a 404."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api_server import ApiServer, api_server, free_port, start_api
from tests.batch_corpus import page_lines, png
from tests.conftest import norm
from tests.redis_server import RedisServer, redis_server

pytestmark = pytest.mark.slow

KEYS = {"alice": "alice-key-1", "bob": "bob-key-2", "carol": "carol-key-3"}
BURST = 4


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[who]}"}


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as running:
        yield running


@pytest.fixture(scope="module")
def replicas(redis: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ApiServer]]:
    env = {
        "DOC_ASSISTANT_API_KEYS": ",".join(KEYS.values()),
        "DOC_ASSISTANT_CACHE_URL": redis.url,  # the cache, and so the job state and the rate limits
        "DOC_ASSISTANT_RATE_BURST": str(BURST),
        "DOC_ASSISTANT_RATE_PER_MINUTE": "0.01",  # no refill within the test
        "DOC_ASSISTANT_WORKERS": "1",
    }
    logs = tmp_path_factory.mktemp("api-logs")
    first = start_api(env, log_dir=logs)
    try:
        with api_server(env, log_dir=logs) as second:
            yield [first, second]
    finally:
        first.stop()


def files(numbers: range) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("file", (f"scan-{n}.png", png(page_lines(n)), "image/png")) for n in numbers]


def wait_for(replica: ApiServer, job: str, who: str, done: set[str], timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        view = httpx.get(f"{replica.url}/v1/jobs/{job}", headers=auth(who), timeout=30).json()
        if view["status"] in done or time.monotonic() > deadline:
            return view
        time.sleep(0.5)


def test_a_job_submitted_to_one_replica_is_read_from_the_other(replicas: list[ApiServer]):
    a, b = replicas
    submitted = httpx.post(
        f"{a.url}/v1/jobs", data={"task": "read"}, files=files(range(1, 4)), headers=auth("alice"), timeout=60
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert set(job) == {"id", "status"} and job["status"] in ("queued", "running")

    view = wait_for(b, job["id"], "alice", {"done", "failed", "cancelled"})
    assert view["status"] == "done", view
    assert view["progress"] == {"done": 3, "total": 3, "errors": 0, "pages": 3}
    assert [row["index"] for row in view["results"]] == [0, 1, 2]
    for n, row in zip(range(1, 4), view["results"], strict=True):
        assert row["file"] == f"scan-{n}.png" and row["error"] is None and row["task"] == "read"
        assert [norm(line) for line in row["text"].splitlines()] == [norm(x) for x in page_lines(n)]
        assert row["citations"] and row["citations"][0]["file"] == f"scan-{n}.png"
    assert httpx.get(f"{a.url}/v1/jobs/{job['id']}", headers=auth("alice"), timeout=30).json() == view

    # Another key: no such job, on either replica, to read or to cancel; no key at all: 401.
    for replica in replicas:
        for method in ("GET", "DELETE"):
            other = httpx.request(
                method, f"{replica.url}/v1/jobs/{job['id']}", headers=auth("bob"), timeout=30
            )
            assert other.status_code == 404, other.text
            assert other.json()["error"]["code"] == "not_found"
            assert "results" not in other.text
        anonymous = httpx.get(f"{replica.url}/v1/jobs/{job['id']}", timeout=30)
        assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"


def test_a_job_cancelled_on_the_other_replica_stops_and_is_gone(
    replicas: list[ApiServer], redis: RedisServer
):
    a, b = replicas
    submitted = httpx.post(
        f"{a.url}/v1/jobs", data={"task": "read"}, files=files(range(10, 18)), headers=auth("bob"), timeout=60
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()["id"]
    cancelled = httpx.delete(f"{b.url}/v1/jobs/{job}", headers=auth("bob"), timeout=30)
    assert cancelled.status_code == 200, cancelled.text
    last = cancelled.json()
    assert last["status"] == "cancelled" and last["progress"]["done"] < last["progress"]["total"] == 8, last
    time.sleep(8)  # what was in flight on A finishes: it is not written, and nothing more starts
    for replica in replicas:
        gone = httpx.get(f"{replica.url}/v1/jobs/{job}", headers=auth("bob"), timeout=30)
        assert gone.status_code == 404, gone.text
    assert not redis.client().keys(f"doc-assistant:job:{job}*"), "the runner wrote nothing after the cancel"


def test_the_rate_limit_holds_across_replicas(replicas: list[ApiServer]):
    a, b = replicas
    # Carol's burst, taken in turn from both replicas: each request counts in the one shared bucket.
    statuses = []
    for n in range(BURST + 2):
        replica = (a, b)[n % 2]
        response = httpx.post(f"{replica.url}/v1/ocr", headers=auth("carol"), timeout=30)  # no form: a 422
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
            assert response.json()["error"]["code"] == "rate_limited"
    assert statuses == [422] * BURST + [429, 429], statuses
    job = httpx.post(
        f"{b.url}/v1/jobs", data={"task": "read"}, files=files(range(1, 2)), headers=auth("carol")
    )
    assert job.status_code == 429, "jobs take from the same bucket"


def test_an_api_whose_redis_is_down_does_not_start(tmp_path: Path):
    down = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(RuntimeError, match="exited with 3") as failed:
        start_api({"DOC_ASSISTANT_CACHE_URL": down}, log_dir=tmp_path, timeout=60)
    assert "Redis at redis://127.0.0.1" in str(failed.value) and "does not answer" in str(failed.value)
