"""Split a pyinstrument profile into named stages: each sample's time goes to the innermost stage on its
stack, so nested stages (a box transform inside text-layer extraction) do not count twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OTHER = "other"


@dataclass(frozen=True)
class Stage:
    label: str
    file: str  # the end of the source path, e.g. "assistant/readers/rapid.py" or "llama_cpp/llama.py"
    function: str

    def matches(self, frame: Any) -> bool:
        path = (frame.file_path or "").replace("\\", "/")
        return frame.function == self.function and path.endswith(self.file)


def attribute(root: Any, stages: list[Stage]) -> dict[str, float]:
    """Seconds per stage label (and OTHER) of a pyinstrument frame tree."""
    out: dict[str, float] = defaultdict(float)

    def walk(frame: Any, current: str) -> None:
        for stage in stages:
            if stage.matches(frame):
                current = stage.label
                break
        children = list(frame.children)
        own = frame.time - sum(child.time for child in children)
        out[current] += max(0.0, own)
        for child in children:
            walk(child, current)

    walk(root, OTHER)
    return dict(out)


def profile(call: Callable[[], Any], interval: float = 0.001) -> tuple[Any, Any]:
    """(the call's result, the pyinstrument session)"""
    from pyinstrument import Profiler

    profiler = Profiler(interval=interval, async_mode="disabled")
    profiler.start()
    try:
        result = call()
    finally:
        profiler.stop()
    return result, profiler.last_session


def shares(seconds: dict[str, float]) -> list[tuple[str, float, float]]:
    """(label, seconds, share of the total), largest first."""
    total = sum(seconds.values()) or 1.0
    return sorted(((k, v, v / total) for k, v in seconds.items()), key=lambda row: -row[1])
