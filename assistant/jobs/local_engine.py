"""The local engine: a pool of worker processes on this machine, one per core by default.

Workers are started once (spawned: a fork of a process with threads can deadlock) and kept for every item,
so each loads the model once. A worker that dies (out of memory, a crash in a native library) breaks the
pool: a new pool is made and the items that were in flight run again, up to ATTEMPTS times each.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..settings import Settings
from ..tasks.request import TaskRequest
from .work import ATTEMPTS, ItemResult, WorkItem, lost, run_item


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ignore_interrupt() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the batch; workers just end with the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalEngine:
    name = "local"
    ships_bytes = False

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers or cores()
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # the API runs several jobs on one engine

    def _executor(self, broken: ProcessPoolExecutor | None = None) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is not None and self._pool is broken:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            if self._pool is None:
                spawn = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=spawn, initializer=_ignore_interrupt
                )
            return self._pool

    def run(
        self, items: Iterable[WorkItem], request: TaskRequest, settings: Settings
    ) -> Generator[ItemResult, None, None]:
        queue = iter(items)
        pending: dict[Future[ItemResult], tuple[WorkItem, int, ProcessPoolExecutor]] = {}

        def submit(item: WorkItem, attempt: int, broken: ProcessPoolExecutor | None = None) -> None:
            pool = self._executor(broken)
            pending[pool.submit(run_item, item, request, settings)] = (item, attempt, pool)

        try:
            while True:
                while len(pending) < 2 * self.workers and (item := next(queue, None)) is not None:
                    submit(item, 1)
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    item, attempt, pool = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        if attempt < ATTEMPTS:
                            submit(item, attempt + 1, broken=pool)
                        else:
                            yield lost(item, request.task, f"its worker process died {attempt} times")
                    except Exception as exc:  # the result did not come back (it could not be pickled)
                        yield lost(item, request.task, f"{type(exc).__name__}: {exc}")
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
