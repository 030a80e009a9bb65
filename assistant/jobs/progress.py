"""The batch's progress bar on stderr: documents done of the batch, pages per minute and the time left."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class PagesPerMinute(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        pages = task.fields.get("pages", 0)
        rate = pages / elapsed * 60 if elapsed else 0.0
        return Text(f"{rate:,.0f} pages/min", style="progress.data.speed")


class BatchProgress:
    def __init__(self, documents: int, enabled: bool = True, label: str = "batch") -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("documents"),
            PagesPerMinute(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._task = self._progress.add_task(label, total=documents, pages=0)
        self.pages = 0

    def advance(self, pages: int) -> None:
        self.pages += pages
        self._progress.update(self._task, advance=1, pages=self.pages)

    def __enter__(self) -> BatchProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()
