"""Progress bars on stderr (rich) while pages are read: a bar per file, and one over the files of a batch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ..tasks.request import Progress as PageProgress


class PageBars:
    """The tasks' page callback, drawn as bars: `(file name, page number, page count)` before each page."""

    def __init__(self, bars: Progress, files: int) -> None:
        self.bars = bars
        self.current: tuple[str, TaskID] | None = None
        self.batch = bars.add_task("files", total=files) if files > 1 else None

    def __call__(self, name: str, page: int, count: int) -> None:
        if self.current is None or self.current[0] != name:
            self._finish_file()
            self.current = (name, self.bars.add_task(f"reading {name}", total=count))
        self.bars.update(self.current[1], completed=page - 1)

    def _finish_file(self) -> None:
        if self.current is None:
            return
        task = self.bars.tasks[self.current[1]]
        self.bars.update(self.current[1], completed=task.total)
        if self.batch is not None:
            self.bars.advance(self.batch)

    def stop(self) -> None:
        """Finish the bars and take them off the live display (before an answer streams to stdout)."""
        self._finish_file()
        self.current = None
        self.bars.stop()


@contextmanager
def page_bars(show: bool, files: int) -> Iterator[PageProgress | None]:
    """Bars on stderr while the block runs, when `show` (a terminal, no --quiet); else no callback."""
    if not show:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # stdout is left alone: it carries the answer (or the JSON).
    bars = Progress(*columns, console=Console(stderr=True), redirect_stdout=False, redirect_stderr=False)
    with bars:
        callback = PageBars(bars, files)
        try:
            yield callback
        finally:
            callback.stop()
