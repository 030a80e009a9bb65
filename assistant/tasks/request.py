"""What a front end asks of a task, and the callbacks a task reports through while it works."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

TokenSink = Callable[[str], None]  # receives the answer's text as it is generated
Progress = Callable[[str, int, int], None]  # (file name, page number, page count) as each page is read


@dataclass(frozen=True)
class Turn:
    """An earlier question about the documents and the answer it got (a conversation's memory for ask)."""

    question: str
    answer: str


@dataclass(frozen=True)
class TaskRequest:
    task: str  # one of router.TASKS
    question: str | None = None  # ask
    fields: Sequence[str] | None = None  # extract
    target_lang: str = "en"  # translate
    normalize_dates: bool = False  # extract
    pages: str | None = None  # "1-3,5"; None: every page
    lang: str | None = None  # the documents' language; None: detect per page
    out_dir: Path | None = None  # translate's re-rendered pages; default: in the cache
    history: tuple[Turn, ...] = ()  # ask: the conversation's earlier questions and answers, oldest first
