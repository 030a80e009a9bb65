"""Turning a model's streamed reply into what a task uses, the same way for every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import Any, TypeVar

from ..backends.replies import trim_repetition, unwrap_json

T = TypeVar("T")
R = TypeVar("R")


def system_prompt(messages: Sequence[dict[str, Any]]) -> str | None:
    """A task's fixed instructions, to pass as `keep_prefix`: their evaluated state is kept (in memory and
    in the cache folder), so the next call with the same instructions, from any process, starts after them."""
    first = messages[0] if messages else None
    return str(first["content"]) if first and first.get("role") == "system" and first.get("content") else None


def reply_text(pieces: Iterable[str]) -> str:
    """The whole reply, a looping tail cut back to one copy."""
    return trim_repetition("".join(pieces)).strip()


def json_object(reply: str) -> dict[str, Any]:
    """The JSON object in a reply (bare, or fenced as vision models write it); {} when there is none."""
    try:
        value = unwrap_json(reply)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def in_parallel(work: Callable[[T], R], items: Sequence[T], limit: int) -> list[R]:
    """`work` over the items, up to `limit` at once (a model server's request bound), results in order."""
    if len(items) <= 1 or limit <= 1:
        return [work(item) for item in items]
    # Each item runs in a copy of this thread's context: the request's cancel token goes with it.
    contexts = [copy_context() for _ in items]
    with ThreadPoolExecutor(max_workers=min(limit, len(items))) as pool:
        return list(pool.map(lambda context, item: context.run(work, item), contexts, items))
