"""Time doc-assistant's stages from outside: wrap the functions the page reader calls, add up their time.

Nothing in assistant/ changes; the wrappers are put in place for the timed runs and taken away after.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

# (module, attribute, stage): the reader looks these names up at call time, so wrapping them times them.
OCR_STAGES = [
    ("assistant.readers.ocr_engines", "_is_blank", "blank-page check"),
    ("assistant.readers.ocr_engines", "detect_osd", "orientation + script (tesseract OSD)"),
    ("assistant.readers.rapid", "recognize", "rapidocr"),
    ("assistant.readers.rapid", "detect", "rapidocr box probe (detect only)"),
    ("assistant.readers.ocr_engines", "detect_tesseract_script", "script probe (tesseract line crops)"),
    ("assistant.readers.tesseract", "recognize", "tesseract"),
    ("assistant.readers.read_page", "order_regions", "reading order"),
]
UPSCALED = "rapidocr upscaled re-read"


class StageClock:
    """Seconds per stage. A second rapidocr call on the same page is the upscaled re-read."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._rapid_calls_this_page = 0
        self._lock = threading.Lock()

    def merge(self, other: StageClock) -> None:
        for stage, seconds in other.seconds.items():
            self.seconds[stage] += seconds
            self.calls[stage] += other.calls[stage]

    def new_page(self) -> None:
        self._rapid_calls_this_page = 0

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stage] += seconds
            self.calls[stage] += 1

    def stage_of(self, stage: str) -> str:
        if stage != "rapidocr":
            return stage
        self._rapid_calls_this_page += 1
        return "rapidocr" if self._rapid_calls_this_page == 1 else UPSCALED

    def wrap(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = self.stage_of(stage)
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - started)

        return timed


@contextlib.contextmanager
def patched(clock: StageClock, stages: list[tuple[str, str, str]] = OCR_STAGES) -> Iterator[StageClock]:
    import importlib

    saved = []
    for module_name, attribute, stage in stages:
        module = importlib.import_module(module_name)
        original = getattr(module, attribute)
        saved.append((module, attribute, original))
        setattr(module, attribute, clock.wrap(stage, original))
    try:
        yield clock
    finally:
        for module, attribute, original in reversed(saved):
            setattr(module, attribute, original)
