"""The two model handles the LLM benchmarks compare: doc-assistant's LocalLLM (inside the embedded backend
the tasks take) and a raw llama_cpp.Llama on the same GGUF with the same context and threads, and a way to
make either cold again.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def backend():
    """The embedded backend the tasks are given; its `.llm` is `ours()`. Its kept prompt states go to a
    folder of the run's own, so that making it cold never touches the user's cache."""
    import tempfile

    from assistant.backends.registry import get_backend
    from assistant.settings import Settings

    return get_backend(Settings(cache_dir=tempfile.mkdtemp(prefix="bench-states-")))


def ours():
    return backend().llm


@lru_cache(maxsize=1)
def raw() -> Any:
    """llama_cpp.Llama on assistant.backends.local.model_path(Settings()), no prompt cache: the raw call."""
    from llama_cpp import Llama

    from assistant.backends.local import model_path
    from assistant.settings import Settings

    settings = Settings()
    return Llama(
        model_path=str(model_path(settings)),
        n_ctx=settings.llm_context,
        n_threads=settings.llm_threads or os.cpu_count() or 1,
        verbose=False,
    )


def make_cold(llm: Any) -> None:
    """Forget every evaluated prompt: the KV prefix of the last call and, for ours, every kept state."""
    from assistant.backends.local import LocalLLM

    if isinstance(llm, LocalLLM):
        llm.forget()
    else:
        llm.reset()


def gguf_line() -> str:
    from assistant.backends.local import model_path
    from assistant.settings import Settings

    settings = Settings()
    path = model_path(settings)
    threads = settings.llm_threads or os.cpu_count()
    return (
        f"`{path.name}` ({path.stat().st_size / 1e9:.2f} GB), n_ctx {settings.llm_context}, {threads} threads"
    )
