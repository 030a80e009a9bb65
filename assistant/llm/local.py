"""The embedded LLM: a GGUF run in-process by llama.cpp (llama-cpp-python), streamed token by token.

One model per process, loaded on first use; calls are serialised (llama.cpp's context is not
thread-safe) and a RAM prompt cache keeps the evaluated prefix of earlier prompts, so a follow-up
question whose prompt starts like the last one skips re-reading that prefix.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from ..settings import Settings
from .model_files import DEFAULT_MODEL, ModelError, assemble

PROMPT_CACHE_BYTES = 512 * 1024 * 1024

Message = dict[str, str]


def model_path(settings: Settings) -> Path:
    if settings.llm_model is not None:
        if not settings.llm_model.is_file():
            raise ModelError(f"DOC_ASSISTANT_LLM_MODEL: {settings.llm_model} is not a file")
        return settings.llm_model
    return assemble(DEFAULT_MODEL, settings.model_dir)


class LocalLLM:
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
    ) -> Iterator[str]:
        """The reply's text pieces as they are generated (greedy: the same prompt gives the same reply)."""
        kwargs: dict[str, Any] = {}
        if json_schema is not None:
            # llama.cpp turns the schema into a grammar: the reply always parses and has these keys.
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        with self._lock:
            chunks = self._llm.create_chat_completion(
                messages=messages,
                stream=True,
                temperature=0.0,
                top_k=1,
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

    def complete(self, messages: list[Message], **kwargs: Any) -> str:
        return "".join(self.stream(messages, **kwargs))


_load_lock = threading.Lock()


@lru_cache(maxsize=2)
def _load(path: Path, context: int, threads: int) -> LocalLLM:
    return LocalLLM(path, context, threads)


def get_llm(settings: Settings) -> LocalLLM:
    with _load_lock:
        return _load(model_path(settings), settings.llm_context, settings.llm_threads)
