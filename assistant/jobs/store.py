"""The API's jobs: whose each one is, its status and progress, and its rows as they arrive. In the process,
or in Redis (DOC_ASSISTANT_STATE_URL, else a Redis DOC_ASSISTANT_CACHE_URL) so that any API replica answers
for any job. A job and its rows expire DOC_ASSISTANT_JOB_TTL_S after their last change.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol

from ..redis_client import KEY_PREFIX, redis_client, unavailable
from ..settings import Settings

ACTIVE = ("queued", "running")  # then one of: done, cancelled, failed
HEARTBEAT_S = 10.0  # the process running a job says so this often ...
LOST_AFTER_S = 60.0  # ... and a job it has not spoken for this long is failed: its process is gone
WHAT = "the API's job state (DOC_ASSISTANT_STATE_URL, else DOC_ASSISTANT_CACHE_URL)"


@dataclass
class JobRecord:
    id: str
    owner: str  # the caller that made it (its key's digest): no other caller sees it
    task: str
    status: str
    total: int  # documents
    done: int = 0
    errors: int = 0
    pages: int = 0
    created: float = 0.0
    updated: float = 0.0
    heartbeat: float = 0.0  # when the process running it last said it is alive
    error: str = ""  # why the whole job failed (the engine could not start), as "code: message"

    def lost(self, now: float) -> bool:
        return self.status in ACTIVE and now - self.heartbeat > LOST_AFTER_S

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> JobRecord:
        kinds = {f.name: f.type for f in fields(cls)}
        return cls(**{k: _typed(kinds[k], v) for k, v in data.items() if k in kinds})


def _typed(kind: str, value: Any) -> Any:
    value = value.decode() if isinstance(value, bytes) else value
    return int(value) if kind == "int" else float(value) if kind == "float" else value


class JobStore(Protocol):
    def create(self, owner: str, task: str, total: int) -> JobRecord: ...
    def get(self, job_id: str) -> JobRecord | None: ...
    def rows(self, job_id: str) -> list[dict[str, Any]]: ...
    def add_row(self, job_id: str, index: int, row: dict[str, Any], pages: int) -> None: ...
    def beat(self, job_id: str) -> None: ...
    def remove(self, job_id: str) -> None: ...
    def transition(self, job_id: str, status: str, allowed: tuple[str, ...], error: str = "") -> bool:
        """Set the status if the job's is one of `allowed`, atomically; False otherwise."""
        ...


def open_job_store(settings: Settings) -> JobStore:
    if settings.shared_state_url:
        return RedisJobStore(settings.shared_state_url, settings.job_ttl_s)
    return MemoryJobStore(settings.job_ttl_s)


def new_job(owner: str, task: str, total: int) -> JobRecord:
    now = time.time()
    return JobRecord(
        secrets.token_hex(16), owner, task, "queued", total, created=now, updated=now, heartbeat=now
    )


class MemoryJobStore:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._jobs: dict[str, JobRecord] = {}
        self._rows: dict[str, dict[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def create(self, owner: str, task: str, total: int) -> JobRecord:
        record = new_job(owner, task, total)
        with self._lock:
            self._forget_expired(record.created)
            self._jobs[record.id], self._rows[record.id] = record, {}
        return record

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            record = self._jobs.get(job_id)
            return JobRecord(**asdict(record)) if record else None

    def rows(self, job_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._rows.get(job_id, {})
            return [rows[i] for i in sorted(rows)]

    def add_row(self, job_id: str, index: int, row: dict[str, Any], pages: int) -> None:
        with self._lock:
            record = self._jobs.get(job_id)
            if record is None:
                return  # removed (cancelled by DELETE) while the row was being made
            self._rows[job_id][index] = row
            record.done += 1
            record.errors += bool(row.get("error"))
            record.pages += pages
            record.updated = time.time()

    def beat(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id].heartbeat = time.time()

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)
            self._rows.pop(job_id, None)

    def transition(self, job_id: str, status: str, allowed: tuple[str, ...], error: str = "") -> bool:
        with self._lock:
            record = self._jobs.get(job_id)
            if record is None or record.status not in allowed:
                return False
            record.status, record.error, record.updated = status, error or record.error, time.time()
            return True

    def _forget_expired(self, now: float) -> None:
        for job_id in [j for j, r in self._jobs.items() if now - r.updated > self.ttl_s]:
            del self._jobs[job_id], self._rows[job_id]


# KEYS[1]: the job, KEYS[2]: its rows; ARGV: the index, the row, pages, 1 if it failed, now, the TTL.
# Nothing for a job that is gone (removed by DELETE while the row was being made).
ADD_ROW = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'done', 1)
redis.call('HINCRBY', KEYS[1], 'errors', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'pages', ARGV[3])
redis.call('HSET', KEYS[1], 'updated', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return 1
"""
BEAT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'heartbeat', ARGV[1])
return 1
"""
# KEYS[1]: the job; ARGV: new status, now, error, then the statuses it may change from.
TRANSITION = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
for i = 4, #ARGV do
  if ARGV[i] == status then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updated', ARGV[2])
    if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[3]) end
    return 1
  end
end
return 0
"""


class RedisJobStore:
    def __init__(self, url: str, ttl_s: float) -> None:
        self.url, self.ttl = url, max(1, int(ttl_s))
        self._redis = redis_client(url, WHAT)
        self._transition = self._redis.register_script(TRANSITION)
        self._add_row = self._redis.register_script(ADD_ROW)
        self._beat = self._redis.register_script(BEAT)

    def _keys(self, job_id: str) -> tuple[str, str]:
        job = f"{KEY_PREFIX}job:{job_id}"
        return job, job + ":rows"

    def create(self, owner: str, task: str, total: int) -> JobRecord:
        record = new_job(owner, task, total)
        job, _ = self._keys(record.id)
        with unavailable(self.url, WHAT):
            self._redis.pipeline().hset(job, mapping=asdict(record)).expire(job, self.ttl).execute()
        return record

    def get(self, job_id: str) -> JobRecord | None:
        job, _ = self._keys(job_id)
        with unavailable(self.url, WHAT):
            data = self._redis.hgetall(job)
        return JobRecord.from_mapping({k.decode(): v for k, v in data.items()}) if data else None

    def rows(self, job_id: str) -> list[dict[str, Any]]:
        _, rows = self._keys(job_id)
        with unavailable(self.url, WHAT):
            data = self._redis.hgetall(rows)
        return [json.loads(data[i]) for i in sorted(data, key=int)]

    def add_row(self, job_id: str, index: int, row: dict[str, Any], pages: int) -> None:
        data = json.dumps(row, ensure_ascii=False)
        failed = int(bool(row.get("error")))
        with unavailable(self.url, WHAT):  # one script: a row and its counts land together
            self._add_row(keys=self._keys(job_id), args=[index, data, pages, failed, time.time(), self.ttl])

    def beat(self, job_id: str) -> None:
        with unavailable(self.url, WHAT):
            self._beat(keys=[self._keys(job_id)[0]], args=[time.time()])

    def remove(self, job_id: str) -> None:
        with unavailable(self.url, WHAT):
            self._redis.delete(*self._keys(job_id))

    def transition(self, job_id: str, status: str, allowed: tuple[str, ...], error: str = "") -> bool:
        job, _ = self._keys(job_id)
        with unavailable(self.url, WHAT):
            return bool(self._transition(keys=[job], args=[status, time.time(), error, *allowed]))
