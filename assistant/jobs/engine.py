"""What runs the work items: `local` (a pool of worker processes on this machine) or `ray` (a Ray cluster).

An engine yields each item's result as it completes (any order), keeps a bounded number of items in flight
(so twenty thousand files are not all read at once), and cancels what is still queued when the consumer
stops early (a cancelled job). A worker lost with its process or machine is retried; an item that loses its
worker every time becomes an error row, never a missing one.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Protocol

from ..settings import Settings
from ..tasks.request import TaskRequest
from .work import ItemResult, WorkItem


class Engine(Protocol):
    name: str
    workers: int  # worker processes (local) or CPUs of the cluster (ray)
    ships_bytes: bool  # items carry their bytes: the workers may be on other machines

    def run(
        self, items: Iterable[WorkItem], request: TaskRequest, settings: Settings
    ) -> Generator[ItemResult, None, None]: ...

    def close(self) -> None: ...


def open_engine(settings: Settings) -> Engine:
    if settings.engine == "ray":
        from .ray_engine import RayEngine

        return RayEngine(settings)
    from .local_engine import LocalEngine

    return LocalEngine(settings.workers)
