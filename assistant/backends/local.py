"""The embedded backend: a GGUF run in process by llama.cpp (llama-cpp-python), streamed token by token.

One model per process, loaded on first use; calls are serialised (llama.cpp's context is not thread-safe)
and a RAM prompt cache keeps the evaluated prefix of earlier prompts, so a follow-up question whose prompt
starts like the last one skips re-reading that prefix. The model reads text only: page images never reach it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image

from ..errors import ArgumentError
from ..settings import Settings
from .base import LOCAL_PROFILE, Message, Profile
from .model_files import DEFAULT_MODEL, ModelError, assemble

PROMPT_CACHE_BYTES = 512 * 1024 * 1024


def model_path(settings: Settings) -> Path:
    if settings.llm_model is not None:
        if not settings.llm_model.is_file():
            raise ModelError(f"DOC_ASSISTANT_LLM_MODEL: {settings.llm_model} is not a file")
        return settings.llm_model
    return assemble(DEFAULT_MODEL, settings.model_dir)


class LocalLLM:
    """llama.cpp over one GGUF: greedy (the same prompt gives the same reply), one call at a time."""

    def __init__(self, path: Path, context: int, threads: int) -> None:
        try:
            from llama_cpp import Llama, LlamaRAMCache
        except ImportError as exc:
            raise ModelError("llama-cpp-python is not installed: run bash .ci/install") from exc
        self.path = path
        self._llm = Llama(
            model_path=str(path),
            n_ctx=context,
            n_threads=threads or os.cpu_count() or 1,
            verbose=False,
        )
        self._llm.set_cache(LlamaRAMCache(capacity_bytes=PROMPT_CACHE_BYTES))
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(
        self,
        messages: list[Message],
        max_tokens: int = 256,
        json_schema: dict[str, Any] | None = None,
        **sampling: Any,
    ) -> Iterator[str]:
        kwargs: dict[str, Any] = {"temperature": 0.0, "top_k": 1, **sampling}
        if json_schema is not None:
            # llama.cpp turns the schema into a grammar: the reply always parses and has these keys.
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        with self._lock:
            chunks = self._llm.create_chat_completion(
                messages=messages,
                stream=True,
                max_tokens=max_tokens,
                **kwargs,
            )
            try:
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as exc:
                if "context window" not in str(exc):
                    raise
                # llama.cpp refuses a prompt longer than the context: the request asked too much.
                message = f"the request is too long for the model ({exc})"
                raise ArgumentError(f"{message}: ask for fewer fields or a shorter question") from None


_load_lock = threading.Lock()


@lru_cache(maxsize=2)
def _load(path: Path, context: int, threads: int) -> LocalLLM:
    return LocalLLM(path, context, threads)


def get_llm(settings: Settings) -> LocalLLM:
    with _load_lock:
        return _load(model_path(settings), settings.llm_context, settings.llm_threads)


class LocalBackend:
    """The Backend protocol over the in-process model (prompts/local-llm/)."""

    max_parallel = 1  # one llama.cpp context: requests are served in turn anyway

    def __init__(self, settings: Settings) -> None:
        self.llm = get_llm(settings)
        self.profile = Profile.load(LOCAL_PROFILE)

    @property
    def identity(self) -> str:
        return f"llama.cpp|{self.llm.path.name}|{self.profile.name}"

    @property
    def sees_images(self) -> bool:
        return False

    def generate(
        self,
        messages: list[Message],
        *,
        images: Sequence[Image.Image] = (),
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        if images:
            raise ValueError("the embedded model reads text only: pass no images (check sees_images)")
        budget = max_tokens or self.profile.max_tokens
        return self.llm.stream(messages, budget, json_schema, **self.profile.sampling)

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)
