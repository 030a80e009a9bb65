"""The API's jobs at work: each job runs in a thread of the API process that took it, on the configured
engine (the worker processes or the Ray cluster do the work), and writes its rows into the job store as they
arrive. A cancel, asked of any replica, is seen in the store after the next row: the rest is not run.
While a job runs, its process beats in the store; a job whose process died (its beat stopped) is failed
when it is next read, by whichever replica reads it."""

from __future__ import annotations

import logging
import threading

from ..errors import DocAssistantError
from ..settings import Settings
from ..tasks.request import TaskRequest
from .engine import Engine, open_engine
from .pipeline import run_documents
from .plan import Source
from .store import ACTIVE, HEARTBEAT_S, JobRecord, JobStore

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, settings: Settings, store: JobStore) -> None:
        self.settings, self.store = settings, store
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._running: set[str] = set()  # the jobs this process runs (it beats for them)
        self._stopped = threading.Event()
        threading.Thread(target=self._beat, name="job-heartbeat", daemon=True).start()

    def start(self, owner: str, request: TaskRequest, uploads: list[tuple[str, bytes]]) -> JobRecord:
        record = self.store.create(owner, request.task, len(uploads))
        with self._lock:
            self._running.add(record.id)
        sources = [Source(index, name, data=data) for index, (name, data) in enumerate(uploads)]
        worker = threading.Thread(
            target=self._run, args=(record.id, request, sources), name=f"job-{record.id[:8]}", daemon=True
        )
        worker.start()
        return record

    def engine(self) -> Engine:
        """One engine for the process, started with its first job (its workers then stay warm)."""
        with self._lock:
            if self._engine is None:
                self._engine = open_engine(self.settings)
            return self._engine

    def _run(self, job_id: str, request: TaskRequest, sources: list[Source]) -> None:
        try:
            self._work(job_id, request, sources)
        finally:
            with self._lock:
                self._running.discard(job_id)

    def _work(self, job_id: str, request: TaskRequest, sources: list[Source]) -> None:
        if not self.store.transition(job_id, "running", ("queued",)):
            return  # cancelled before it started
        try:
            results = run_documents(sources, request, self.settings, self.engine())
            for result in results:
                row = {**result.row, "index": result.index}  # file names of an upload may repeat
                self.store.add_row(job_id, result.index, row, result.pages)
                record = self.store.get(job_id)
                if record is None or record.status == "cancelled":
                    results.close()
                    return
            self.store.transition(job_id, "done", ("running",))
        except DocAssistantError as exc:
            self.store.transition(job_id, "failed", ACTIVE, f"{exc.code}: {exc.message}")
        except Exception as exc:
            log.exception("job %s failed", job_id)
            self.store.transition(job_id, "failed", ACTIVE, f"internal_error: {type(exc).__name__}: {exc}")

    def _beat(self) -> None:
        while not self._stopped.wait(HEARTBEAT_S):
            with self._lock:
                running = list(self._running)
            for job_id in running:
                try:
                    self.store.beat(job_id)
                except Exception:  # Redis away for a moment: the next beat may get through
                    log.warning("job %s: heartbeat failed", job_id, exc_info=True)

    def close(self) -> None:
        self._stopped.set()
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None
