"""The Ray engine: one Ray task per work item (a document, or a page range of a long PDF) on a Ray cluster.

Ray schedules the tasks on the cluster's CPUs and reuses its worker processes, so each worker loads the model
once (backends.registry keeps it per process). A task lost with its worker or its node is run again by Ray
(`max_retries`); one lost every time is an error row. The bytes go through Ray's object store (a document's
parts share one copy), so the workers need no shared folder.

The cluster: `--ray-address` / DOC_ASSISTANT_RAY_ADDRESS, else RAY_ADDRESS, else a Ray of its own on this
machine (started for the run, one CPU per worker).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Generator, Iterable
from dataclasses import replace
from typing import Any

from ..errors import DocAssistantError
from ..settings import Settings
from ..tasks.request import TaskRequest
from .local_engine import cores
from .work import ATTEMPTS, ItemResult, WorkItem, lost, run_item


class EngineUnavailableError(DocAssistantError):
    """The Ray cluster is not there (or Ray is not installed)."""

    code = "engine_unavailable"


def cluster_address(settings: Settings) -> str:
    return settings.ray_address or os.environ.get("RAY_ADDRESS", "") or "local"


class RayEngine:
    name = "ray"
    ships_bytes = True

    def __init__(self, settings: Settings) -> None:
        try:
            import ray
        except ImportError:
            raise EngineUnavailableError("the ray engine needs Ray: pip install ray") from None
        self._ray = ray
        self.address = cluster_address(settings)
        if not ray.is_initialized():
            self._connect(settings)
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._task = ray.remote(num_cpus=1, max_retries=ATTEMPTS - 1)(run_item)

    def _connect(self, settings: Settings) -> None:
        options: dict[str, Any] = {"namespace": "doc-assistant", "log_to_driver": False}
        if self.address == "local":
            options.update(num_cpus=settings.workers or cores(), include_dashboard=False)
        else:
            _check_reachable(self.address)
        try:
            self._ray.init(address=self.address, logging_level=logging.WARNING, **options)
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError for a bad cluster
            raise EngineUnavailableError(
                f"cannot join the Ray cluster at {self.address}: {type(exc).__name__}: {exc}"
            ) from None

    def run(
        self, items: Iterable[WorkItem], request: TaskRequest, settings: Settings
    ) -> Generator[ItemResult, None, None]:
        ray = self._ray
        request_ref, settings_ref = ray.put(request), ray.put(settings)
        queue = iter(items)
        pending: dict[Any, WorkItem] = {}
        shared: dict[int, Any] = {}  # a long PDF's bytes, put once for all its parts

        def submit(item: WorkItem) -> None:
            data = shared.get(item.index)
            if data is None:
                data = ray.put(item.data)
                if item.parts > 1:
                    shared[item.index] = data
            if item.part == item.parts - 1:
                shared.pop(item.index, None)
            task = self._task.remote(replace(item, data=None), request_ref, settings_ref, data)
            pending[task] = item

        try:
            while True:
                while len(pending) < 2 * self.workers and (item := next(queue, None)) is not None:
                    submit(item)
                if not pending:
                    return
                [ready], _ = ray.wait(list(pending), num_returns=1)
                item = pending.pop(ready)
                try:
                    result = ray.get(ready)
                except ray.exceptions.RayError as exc:  # its worker or node died on every attempt
                    result = lost(item, request.task, f"{type(exc).__name__} after {ATTEMPTS} attempts")
                yield result
        finally:
            for task in pending:
                with contextlib.suppress(Exception):
                    ray.cancel(task)

    def close(self) -> None:
        self._ray.shutdown()


def _check_reachable(address: str) -> None:
    """A quick, clear refusal for a cluster that is not there (Ray itself would retry for a minute)."""
    if address.startswith("ray://") or address == "auto":
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=5):
            pass
    except (OSError, ValueError) as exc:
        raise EngineUnavailableError(
            f"the Ray cluster at {address} does not answer ({exc}): start it (`ray start --head`) or check "
            "--ray-address / RAY_ADDRESS"
        ) from None
