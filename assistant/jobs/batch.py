"""`doc-assistant batch`: a task on every document of some files and folders, a row each in a JSONL or CSV
file, on the local engine or a Ray cluster; resumable, with a progress bar and a summary."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cache import get_cache
from ..errors import InputError
from ..settings import Settings
from ..tasks.request import TaskRequest
from .engine import open_engine
from .inputs import discover
from .output import open_output
from .pipeline import DocumentResult, run_documents
from .plan import Source
from .progress import BatchProgress


@dataclass
class Tally:
    processed: int = 0
    pages: int = 0
    cached: int = 0
    model_loads: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    workers: set[str] = field(default_factory=set)

    def add(self, result: DocumentResult) -> None:
        self.processed += 1
        self.pages += result.pages
        self.cached += bool(result.row.get("cached"))
        self.model_loads += result.model_loads
        self.workers |= result.workers
        if result.error_code:
            self.errors[result.error_code] += 1


def run_batch(
    paths: Sequence[str | Path], request: TaskRequest, out: Path, settings: Settings, quiet: bool = False
) -> dict[str, Any]:
    """Run the batch; returns its summary (the CLI prints it). Documents already in `out` are skipped."""
    started = time.perf_counter()
    inputs = discover(paths)
    if not inputs.files:
        raise InputError(f"no images or PDFs in {', '.join(map(str, paths))}")
    if settings.cache_enabled:
        get_cache(settings)  # a shared cache that does not answer stops the batch here, before any work
    output = open_output(out, request)
    todo = [Source(i, str(f), path=f) for i, f in enumerate(inputs.files) if str(f) not in output.done]
    tally = Tally()
    engine_name, workers = settings.engine, 0
    try:
        if todo:
            engine = open_engine(settings)
            engine_name, workers = engine.name, engine.workers
            try:
                with BatchProgress(len(todo), enabled=not quiet) as progress:
                    for result in run_documents(todo, request, settings, engine):
                        output.write(result.row)
                        progress.advance(result.pages)
                        tally.add(result)
            finally:
                engine.close()
        output.finish([str(f) for f in inputs.files])
    finally:
        output.close()
    return _summary(tally, inputs.files, inputs.skipped, len(todo), out, engine_name, workers, started)


def _summary(
    tally: Tally,
    files: list[Path],
    skipped: list[Path],
    todo: int,
    out: Path,
    engine: str,
    workers: int,
    started: float,
) -> dict[str, Any]:
    seconds = time.perf_counter() - started
    per_minute = tally.pages / seconds * 60 if seconds > 0 else 0.0
    errors = sum(tally.errors.values())
    text = (
        f"{tally.processed} document(s) → {out} ({errors} with an error, {len(files) - todo} done before); "
        f"{tally.pages} pages in {seconds:.1f} s ({per_minute:,.0f} pages/min) on {engine} "
        f"({len(tally.workers)} worker processes, {tally.model_loads} model loads)"
    )
    notes = []
    if skipped:
        shown = ", ".join(str(p) for p in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        notes.append(f"skipped {len(skipped)} file(s) in the folders that are not images or PDFs: {shown}")
    notes += [f"{count} document(s): {code}" for code, count in tally.errors.most_common()]
    return {
        "task": "batch",
        "text": text,
        "notes": notes,
        "out": str(out),
        "documents": len(files),
        "done_before": len(files) - todo,
        "processed": tally.processed,
        "errors": errors,
        "error_codes": dict(tally.errors),
        "cached": tally.cached,
        "pages": tally.pages,
        "pages_per_minute": round(per_minute, 1),
        "engine": engine,
        "workers": workers,
        "worker_processes": len(tally.workers),
        "model_loads": tally.model_loads,
        "skipped": [str(p) for p in skipped],
        "elapsed_ms": round(seconds * 1000),
    }
