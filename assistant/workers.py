"""Long-lived worker processes for the work a hostile file can make endless: decoding, rendering, OCR.

A thread cannot be stopped; a process can. Each job runs in one of a few worker processes
(`assistant.worker_main`) that keep their OCR engines loaded, under a time budget per item (a page): past
it, the worker is killed and replaced, and the caller gets `BudgetExceeded`. The budget is the worker's CPU
time, so a busy machine does not make a normal page too slow. A cancelled request kills its job's worker
the same way. A job slower than SLOW_AFTER_S is lowered in priority and no longer counts against
the pool's size, so a new page does not queue behind a slow one: another worker starts for it (up to twice
the size in all).

Jobs name their function ("module:function") and carry the file bytes they need; each worker is sent a file
once and keeps it (`worker_main.Held`, mirrored here). With size 0, jobs run in the calling process, without
budgets (benchmarks and profiles use that to see inside the stages).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import cancel, worker_main
from .worker_main import HEADER, Held

SLOW_AFTER_S = 2.0  # a job running longer yields its place (lower priority) to new ones
# In a server (the API, the chat) workers run below the process that serves requests: while OCR fills every
# core, a cache hit, a health check or the chat's own reply still gets a core at once. A one-shot command
# keeps them level with itself: there the page is on the critical path of the one answer.
WORKER_NICE = 10
SLOW_NICE = 15  # a slow job's niceness: it still progresses, but a normal page goes first
IDLE_RETIRE_S = 60.0  # a worker beyond the pool's size, idle this long, is stopped
WALL_FACTOR = 10  # a job's wall-clock cap, in budgets
START_TIMEOUT_S = 120.0  # for a new worker to import what the job needs (a busy machine is slow)


class BudgetExceeded(Exception):
    """An item (a page) took longer than its budget; the worker was killed."""

    def __init__(self, items_done: int, budget_s: float) -> None:
        super().__init__(f"item {items_done} took longer than {budget_s:g} s")
        self.items_done = items_done
        self.budget_s = budget_s


class WorkerCrashed(Exception):
    """The worker died in the middle of the job (a decoder's crash, say)."""

    def __init__(self, items_done: int, detail: str) -> None:
        super().__init__(detail)
        self.items_done = items_done


class JobError(RuntimeError):
    """The job raised an error that could not be sent back as itself."""


@dataclass
class Job:
    target: str  # "module:function"; a generator function streams several items
    args: tuple = ()
    files: dict[str, bytes] = field(default_factory=dict)  # digest → bytes the job reads via `attached`


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    held: Held = field(default_factory=Held)
    buffer: bytearray = field(default_factory=bytearray)
    busy: bool = False
    demoted: bool = False
    jobs_done: int = 0
    idle_since: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.process.pid


class WorkerPool:
    def __init__(self, size: int) -> None:
        self.size = size
        self.max_workers = 2 * size
        self._workers: list[_Worker] = []
        self._cond = threading.Condition()
        self._next_job = 0
        self.started = 0  # workers started in all (tests read it: a killed worker is replaced)
        self.killed = 0
        self.nice = 0  # the workers' niceness: WORKER_NICE once a server calls `serve_requests_first`

    # --- running jobs --------------------------------------------------------------------------------

    def call(self, job: Job, budget_s: float) -> Any:
        """The job's one result."""
        items = list(self.stream(job, budget_s))  # read to the end: the worker is then free again
        return items[0]

    def stream(self, job: Job, budget_s: float) -> Iterator[Any]:
        """The job's items as they come; each must come within `budget_s` of the one before."""
        if self.size == 0:
            yield from self._inline(job)
            return
        worker = self._acquire(job)
        try:
            yield from self._run(worker, job, budget_s)
        except BaseException:
            if worker.busy:  # cut short (budget, cancel, crash, a caller that stopped listening)
                self._kill(worker)
            raise
        finally:
            self._release(worker)

    def _inline(self, job: Job) -> Iterator[Any]:
        for digest, data in job.files.items():
            worker_main.keep(digest, data)
        result = worker_main.resolve(job.target)(*job.args)
        yield from (result if worker_main._is_generator(result) else [result])

    def _run(self, worker: _Worker, job: Job, budget_s: float) -> Iterator[Any]:
        with self._cond:
            self._next_job += 1
            job_id = self._next_job
        needs = list(job.files)
        missing = {d: b for d, b in job.files.items() if d not in worker.held}
        worker.held.use(needs, missing)
        worker.held.data.clear()  # the mirror keeps sizes only
        message = ("job", job_id, job.target, job.args, needs, missing)
        try:
            _write(worker, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            raise WorkerCrashed(0, f"the worker process could not take the job ({exc})") from None
        items, started = 0, False
        while True:
            # A new worker imports its modules first: the budget runs from the job's start.
            frame = self._next_frame(worker, budget_s if started else START_TIMEOUT_S, items, started)
            kind = frame[0]
            if kind == "started":
                started = True
                continue
            if kind == "item":
                items += 1
                yield frame[2]
            elif kind == "done":
                worker.busy = False  # finished normally: the worker is reusable
                worker.jobs_done += 1
                return
            else:
                worker.busy = False
                _, _, pickled, text, trace = frame
                error = _unpickle(pickled)
                if isinstance(error, Exception):
                    raise error
                raise JobError(f"{text}\n{trace}")

    def _next_frame(self, worker: _Worker, budget_s: float, items: int, running: bool) -> tuple:
        """The next frame from the worker. The budget is CPU time (the worker's, all its threads): a page
        is stopped for the work it takes, not for waiting on a machine busy with other things; wall time
        is capped too (WALL_FACTOR × the budget), for a worker stuck without using the CPU."""
        frame = _take_frame(worker.buffer)
        if frame is not None:  # came with the one before: no clock or /proc read for it
            return frame
        started = time.monotonic()
        cpu_at_start = _cpu_seconds(worker.pid)
        fd = worker.process.stdout.fileno()  # type: ignore[union-attr]
        while True:
            frame = _take_frame(worker.buffer)
            if frame is not None:
                return frame
            cancel.check()
            waited = time.monotonic() - started
            if not running and waited > budget_s:
                raise WorkerCrashed(items, f"the worker process did not start within {budget_s:g} s")
            if running and (
                waited > WALL_FACTOR * budget_s or _cpu_seconds(worker.pid) - cpu_at_start > budget_s
            ):
                raise BudgetExceeded(items, budget_s)
            if running and waited > SLOW_AFTER_S and not worker.demoted:
                self._demote(worker)
            ready, _, _ = select.select([fd], [], [], cancel.POLL_S)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    code = worker.process.wait(timeout=5)
                    detail = f"signal {-code}" if code < 0 else f"exit code {code}"
                    raise WorkerCrashed(items, f"the worker process died ({detail})")
                worker.buffer += chunk

    # --- workers -------------------------------------------------------------------------------------

    def _acquire(self, job: Job) -> _Worker:
        with self._cond:
            while True:
                cancel.check()
                idle = [w for w in self._workers if not w.busy]
                if idle:
                    holding = [w for w in idle if all(d in w.held for d in job.files)]
                    worker = (holding or idle)[0]
                    worker.busy = True
                    return worker
                normal = sum(1 for w in self._workers if not w.demoted)
                if normal < self.size and len(self._workers) < self.max_workers:
                    worker = self._start()
                    worker.busy = True
                    return worker
                self._cond.wait(cancel.POLL_S)

    def _start(self) -> _Worker:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(
            # -c, not -m: run as __main__, the module would be a second copy beside the one jobs import
            [sys.executable, "-c", "import sys, assistant.worker_main as w; sys.exit(w.main())"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Decoders complain on stderr about every broken file (libtiff, Pillow's warnings); what goes
            # wrong in a job comes back in its frames, so their chatter is dropped.
            stderr=subprocess.DEVNULL,
            env=env,
        )
        if self.nice:
            _renice(process.pid, self.nice)
        worker = _Worker(process)
        self._workers.append(worker)
        self.started += 1
        return worker

    def _demote(self, worker: _Worker) -> None:
        _renice(worker.pid, SLOW_NICE)
        with self._cond:
            worker.demoted = True
            self._cond.notify_all()  # a waiting job may now start a worker of its own

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            worker.idle_since = time.monotonic()
            if worker in self._workers and not worker.busy and worker.demoted:
                if _renice(worker.pid, self.nice):
                    worker.demoted = False
                else:
                    self._retire(worker)
            # Workers started beside slow ones are kept a while (starting one costs seconds), then stopped.
            extra = len(self._workers) - self.size
            for idle in [w for w in self._workers if not w.busy][: max(0, extra)]:
                if time.monotonic() - idle.idle_since > IDLE_RETIRE_S:
                    self._retire(idle)
            self._cond.notify_all()

    def _retire(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        with contextlib.suppress(OSError):
            worker.process.stdin.close()  # type: ignore[union-attr]
        threading.Thread(target=_reap, args=(worker.process,), daemon=True).start()

    def _kill(self, worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            worker.process.kill()
        with self._cond:
            worker.busy = False
            if worker in self._workers:
                self._workers.remove(worker)
            self.killed += 1
            self._cond.notify_all()
        threading.Thread(target=_reap, args=(worker.process,), daemon=True).start()

    def serve_requests_first(self) -> None:
        """Run the workers below this process from now on (a server: see WORKER_NICE)."""
        with self._cond:
            self.nice = WORKER_NICE
            for worker in self._workers:
                if not worker.demoted:
                    _renice(worker.pid, WORKER_NICE)

    def warm(self, target: str) -> None:
        """Start every worker now and run `target` in each (servers: load the engines before the first
        request, so that no request's time limit pays for a worker's start)."""
        if self.size == 0:
            return

        def start_one() -> None:
            with contextlib.suppress(Exception):
                self.call(Job(target), START_TIMEOUT_S)

        threads = [threading.Thread(target=start_one, daemon=True) for _ in range(self.size)]
        with self._cond:
            while len(self._workers) < self.size:
                self._start()
        for thread in threads:
            thread.start()

    def status(self) -> dict[str, int]:
        with self._cond:
            return {
                "size": self.size,
                "workers": len(self._workers),
                "busy": sum(1 for w in self._workers if w.busy),
                "slow": sum(1 for w in self._workers if w.busy and w.demoted),
                "killed": self.killed,
                "jobs": self._next_job,
            }

    def pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in self._workers]

    def close(self) -> None:
        with self._cond:
            workers, self._workers = list(self._workers), []
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.process.stdin.close()  # type: ignore[union-attr]
        for worker in workers:
            _reap(worker.process, timeout=2.0)


def _write(worker: _Worker, body: bytes) -> None:
    stdin = worker.process.stdin
    assert stdin is not None
    stdin.write(HEADER.pack(len(body)) + body)
    stdin.flush()


def _take_frame(buffer: bytearray) -> tuple | None:
    if len(buffer) < HEADER.size:
        return None
    (size,) = HEADER.unpack_from(buffer)
    if len(buffer) < HEADER.size + size:
        return None
    body = bytes(buffer[HEADER.size : HEADER.size + size])
    del buffer[: HEADER.size + size]
    return pickle.loads(body)


def _unpickle(pickled: bytes | None) -> Any:
    if pickled is None:
        return None
    try:
        return pickle.loads(pickled)
    except Exception:
        return None


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and all its threads (Linux /proc), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _renice(pid: int, nice: int) -> bool:
    """Set the niceness of every thread of the process (Linux applies it per thread)."""
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tids = [pid]
    try:
        for tid in tids:
            with contextlib.suppress(ProcessLookupError):
                os.setpriority(os.PRIO_PROCESS, tid, nice)
    except PermissionError:
        return False  # raising priority again needs privileges a normal user lacks
    return True


def _reap(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)


@lru_cache(maxsize=4)
def get_pool(size: int) -> WorkerPool:
    """The process's pool of `size` workers (one per size: every front end and task shares it)."""
    pool = WorkerPool(size)
    atexit.register(pool.close)
    return pool
