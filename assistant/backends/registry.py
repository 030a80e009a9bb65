"""The backend a configuration asks for, made once per model configuration and shared process-wide."""

from __future__ import annotations

import threading
from typing import Any

from ..settings import Settings
from .base import Backend

_backends: dict[tuple[Any, ...], Backend] = {}
_backends_lock = threading.Lock()


def get_backend(settings: Settings) -> Backend:
    """One backend per model configuration, process-wide: its model is loaded once and its bound on
    requests in flight holds for every front end (settings that differ only in, say, the OCR engine share it).
    """
    key = _configuration(settings)
    with _backends_lock:
        backend = _backends.get(key)
        if backend is None:
            backend = _backends[key] = _make(settings)
        return backend


def _configuration(s: Settings) -> tuple[Any, ...]:
    if s.backend == "openai":
        return ("openai", s.base_url, s.model, s.profile, s.backend_api_key, s.backend_timeout_s,
                s.backend_retries, s.max_requests, s.vision_max_side, s.max_reply_tokens)  # fmt: skip
    return ("local", s.llm_model, s.model_dir, s.llm_context, s.llm_threads)


def _make(settings: Settings) -> Backend:
    if settings.backend == "openai":
        from .openai import OpenAIBackend

        return OpenAIBackend(settings)
    from .local import LocalBackend

    return LocalBackend(settings)
