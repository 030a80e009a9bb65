"""The API's jobs: `POST /v1/jobs` (the /v1/ocr form with one or more files; 202 `{id, status}`),
`GET /v1/jobs/{id}` (status, progress and the rows so far, in upload order) and `DELETE /v1/jobs/{id}`
(cancel and remove: the answer is the job's last state, with the rows done; then it is gone). A job
belongs to the caller that made it: for any other key it does not exist (404).

Jobs run on the configured engine (jobs.runner); with Redis configured their state is there, so any
replica answers for any job.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Request, UploadFile
from pydantic import BaseModel

from ...documents.filetype import detect_type
from ...errors import ArgumentError, DocAssistantError
from ...jobs.runner import JobRunner
from ...jobs.store import ACTIVE, JobRecord, JobStore, open_job_store
from ...settings import Settings
from ...tasks.request import TaskRequest
from .forms import checked, safe_name, task_form
from .problems import ERROR_RESPONSES, Problem

JOBS = "/v1/jobs"
JOB_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    404: {"model": Problem, "description": "no such job for this key"},
}


class JobNotFound(DocAssistantError):
    code = "not_found"


class Submitted(BaseModel):
    id: str
    status: str


class JobProgress(BaseModel):
    done: int  # documents finished, with or without an error
    total: int
    errors: int
    pages: int


class JobView(BaseModel):
    id: str
    task: str
    status: str  # queued, running, done, cancelled, failed
    progress: JobProgress
    results: list[dict[str, Any]]  # the CLI's JSON of each finished document, with "file", "error", "index"
    error: str | None  # why the job failed as a whole
    created: float
    updated: float


def is_job_path(path: str) -> bool:
    return path.startswith(JOBS + "/")


def caller(request: Request) -> str:
    """The caller the app's guard identified before the body was read: its key's digest (its address
    without keys)."""
    return getattr(request.state, "caller", None) or request.app.state.guard.identify(request)


def add_job_routes(app: FastAPI, settings: Settings) -> None:
    store = open_job_store(settings)  # a Redis that is down stops the API at start-up, with its reason
    runner = JobRunner(settings, store)
    app.state.jobs = runner
    app.router.on_shutdown.append(runner.close)  # the engine's worker processes end with the API

    @app.post(JOBS, status_code=202, summary="Start a task on one or more files", responses=JOB_RESPONSES)
    async def submit(
        file: Annotated[list[UploadFile], File(description="one or more images or PDFs")],
        request: Annotated[TaskRequest, Depends(task_form)],
        owner: Annotated[str, Depends(caller)],
    ) -> Submitted:
        if len(file) > settings.max_job_files:
            limit = f"at most {settings.max_job_files} a job (DOC_ASSISTANT_MAX_JOB_FILES)"
            raise ArgumentError(f"file: {len(file)} files, {limit}")
        job_request = checked(request, settings)
        uploads = [(safe_name(upload.filename), await upload.read()) for upload in file]
        for name, data in uploads:
            detect_type(data, name)  # a file we do not read is refused now (415), as by /v1/ocr
        record = await asyncio.to_thread(runner.start, owner, job_request, uploads)
        return Submitted(id=record.id, status=record.status)

    @app.get(JOBS + "/{job_id}", summary="A job's status, progress and rows so far", responses=JOB_RESPONSES)
    async def status(job_id: str, owner: Annotated[str, Depends(caller)]) -> JobView:
        return await asyncio.to_thread(_view, store, job_id, owner)

    @app.delete(
        JOBS + "/{job_id}", summary="Cancel and remove a job; answers its last state", responses=JOB_RESPONSES
    )
    async def cancel(job_id: str, owner: Annotated[str, Depends(caller)]) -> JobView:
        def work() -> JobView:
            _owned(store, job_id, owner)
            store.transition(job_id, "cancelled", ACTIVE)  # its runner stops at its next row
            view = _view(store, job_id, owner)
            store.remove(job_id)
            return view

        return await asyncio.to_thread(work)


def _owned(store: JobStore, job_id: str, owner: str) -> JobRecord:
    record = store.get(job_id)
    if record is None or record.owner != owner:
        raise JobNotFound(f"no job {job_id[:64]!r} for this key")
    return record


def _view(store: JobStore, job_id: str, owner: str) -> JobView:
    record = _owned(store, job_id, owner)
    if record.lost(time.time()):
        why = "worker_lost: the API process running the job stopped; submit it again"
        store.transition(job_id, "failed", ACTIVE, why)
        record = _owned(store, job_id, owner)
    progress = JobProgress(done=record.done, total=record.total, errors=record.errors, pages=record.pages)
    return JobView(
        id=record.id,
        task=record.task,
        status=record.status,
        progress=progress,
        results=store.rows(job_id),
        error=record.error or None,
        created=record.created,
        updated=record.updated,
    )
