"""The embedded backend: a GGUF run in process by llama.cpp (llama-cpp-python), streamed token by token.

One model per process, loaded on first use; calls are serialised (llama.cpp's context is not thread-safe).
The prompt is formatted here with the model's own chat template, so that a prefix of it (a document the
task marks with `keep_prefix`) can be evaluated once and its KV state kept (prompt_states): a question
about a document already read then evaluates only its own tokens. A follow-up whose prompt starts like
the last one reuses the context as it stands. The model reads text only: page images never reach it.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import cancel
from ..errors import ArgumentError
from ..settings import Settings
from .base import LOCAL_PROFILE, Message, Profile
from .model_files import DEFAULT_MODEL, ModelError, assemble
from .prompt_states import PrefixState, PrefixStates, prefix_key
from .replies import until_loop

if TYPE_CHECKING:
    from .page_images import PageImage

PREFILL_CHUNK = 256  # tokens evaluated per turn of the lock when a document is prepared in the background
STATE_MEMORY_BYTES = 512 * 1024 * 1024
STATE_DISK_BYTES = 4 * 1024 * 1024 * 1024


def model_path(settings: Settings) -> Path:
    if settings.llm_model is not None:
        if not settings.llm_model.is_file():
            raise ModelError(f"DOC_ASSISTANT_LLM_MODEL: {settings.llm_model} is not a file")
        return settings.llm_model
    return assemble(DEFAULT_MODEL, settings.model_dir)


class LocalLLM:
    """llama.cpp over one GGUF: greedy unless told otherwise, one call at a time."""

    def __init__(self, path: Path, context: int, threads: int, state_dir: Path | None = None) -> None:
        try:
            from llama_cpp import Llama, __version__
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:
            raise ModelError("llama-cpp-python is not installed: run bash .ci/install") from exc
        self.path = path
        self._llm = Llama(
            model_path=str(path),
            n_ctx=context,
            n_threads=threads or os.cpu_count() or 1,
            verbose=False,
        )
        eos = self._llm.token_eos()
        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{path.name} carries no chat template (tokenizer.chat_template)")
        self._format = Jinja2ChatFormatter(
            template=template,
            eos_token=self._llm._model.token_get_text(eos),
            bos_token=self._llm._model.token_get_text(self._llm.token_bos()),
            stop_token_ids=[eos],
        )
        self.identity = f"{path.name}|{path.stat().st_size}|llama-cpp-python {__version__}"
        self._states = PrefixStates(state_dir, STATE_MEMORY_BYTES, STATE_DISK_BYTES)
        self._lock = threading.Lock()
        self._grammars: dict[str, Any] = {}
        self._preparing: dict[str, threading.Event] = {}  # prefixes being prepared, by state key

    @property
    def context_size(self) -> int:
        return self._llm.n_ctx()

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(
        self,
        messages: list[Message],
        max_tokens: int = 256,
        json_schema: dict[str, Any] | None = None,
        keep_prefix: str | None = None,
        **sampling: Any,
    ) -> Iterator[str]:
        prompt, stop = self._render(messages)
        tokens = self._tokenize(prompt)
        if len(tokens) + 1 > self.context_size:
            # llama.cpp would refuse it: the request asked too much.
            raise ArgumentError(
                f"the request is too long for the model ({len(tokens)} prompt tokens, context "
                f"{self.context_size}): ask for fewer fields or a shorter question"
            )
        kwargs: dict[str, Any] = {"temperature": 0.0, "top_k": 1, **sampling}
        if json_schema is not None:
            # llama.cpp turns the schema into a grammar: the reply always parses and has these keys.
            kwargs["grammar"] = self._grammar(json_schema)
        max_tokens = min(max_tokens, self.context_size - len(tokens))
        prefix = self._prefix_tokens(prompt, keep_prefix, tokens) if keep_prefix is not None else ()
        if prefix and (preparing := self._preparing.get(prefix_key(self.identity, prefix))):
            preparing.wait()  # the document is being prepared in the background: its state comes from there
        cancel.acquire(self._lock)  # a request given up while it waits for the model stops waiting
        try:
            self._restore_or_evaluate(prefix)
            chunks = self._llm.create_completion(
                prompt=tokens, max_tokens=max_tokens, stream=True, stop=stop, **kwargs
            )
            try:
                for chunk in chunks:
                    cancel.check()  # between tokens: a request past its time limit stops generating
                    piece = chunk["choices"][0]["text"]
                    if piece:
                        yield piece
            finally:
                chunks.close()
        finally:
            self._lock.release()

    def prepare(self, messages: list[Message], keep_prefix: str) -> bool:
        """Evaluate and keep the state of the prompt up to the end of `keep_prefix`, a chunk at a time so
        that other requests are served in between. False when it was kept already."""
        prompt, _ = self._render(messages)
        prefix = self._prefix_tokens(prompt, keep_prefix, self._tokenize(prompt))
        key = prefix_key(self.identity, prefix)
        with self._lock:
            running = self._preparing.get(key)
            if running is None and self._states.get(key) is None:
                running = self._preparing[key] = threading.Event()
                ours = True
            else:
                ours = False
        if not ours:
            if running is not None:
                running.wait()
            return False
        try:
            self._prefill(prefix, key)
        finally:
            with self._lock:
                self._preparing.pop(key).set()
        return True

    def _prefill(self, prefix: tuple[int, ...], key: str) -> None:
        done, partial = 0, None  # the state after `done` tokens, in case another request runs in between
        while done < len(prefix):
            with self._lock:
                if not self._holds(prefix[:done]) and not (partial and self._load(partial)):
                    done = 0
                self._llm.n_tokens = done  # anything evaluated after the prefix is dropped
                self._llm.eval(list(prefix[done : done + PREFILL_CHUNK]))
                done = self._llm.n_tokens
                partial = self._save(prefix[:done])
        if partial is not None:
            self._states.put(key, partial)

    def forget(self) -> None:
        """Empty the context and drop every kept state, in memory and on disk (benchmarks start cold)."""
        with self._lock:
            self._llm.reset()
            self._states.clear()

    # --- prompts and states ----------------------------------------------------------------------------

    def _render(self, messages: list[Message]) -> tuple[str, list[str]]:
        result = self._format(messages=messages)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return result.prompt, stop

    def _tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _prefix_tokens(self, prompt: str, keep_prefix: str, tokens: list[int]) -> tuple[int, ...]:
        """The prompt's tokens up to the end of `keep_prefix` (where both tokenisations agree)."""
        end = prompt.find(keep_prefix)
        if end < 0:
            return ()
        head = self._tokenize(prompt[: end + len(keep_prefix)])
        same = 0
        for a, b in zip(head, tokens, strict=False):
            if a != b:
                break
            same += 1
        return tuple(tokens[: min(same, len(tokens) - 1)])  # at least one token is left to evaluate

    def _holds(self, prefix: tuple[int, ...]) -> bool:
        """The context holds these tokens from its start (perhaps more after them)."""
        count = len(prefix)
        return self._llm.n_tokens >= count and tuple(self._llm.input_ids[:count].tolist()) == prefix

    def _restore_or_evaluate(self, prefix: tuple[int, ...]) -> None:
        """Make the context hold `prefix`: as it is, from a kept state, or evaluated now (and kept)."""
        if not prefix or self._holds(prefix):
            return
        key = prefix_key(self.identity, prefix)
        state = self._states.get(key)
        if state is not None and state.tokens == prefix and self._load(state):
            return
        self._llm.reset()
        self._llm.eval(list(prefix))
        self._states.put(key, self._save(prefix))

    def _save(self, tokens: tuple[int, ...]) -> PrefixState:
        from llama_cpp import llama_cpp

        ctx = self._llm._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        return PrefixState(tokens, ctypes.string_at(buffer, written))

    def _load(self, state: PrefixState) -> bool:
        """Put a kept state into the context; False (and an empty context) when llama.cpp refuses it."""
        from llama_cpp import llama_cpp

        self._llm.reset()
        count = len(state.tokens)
        buffer = (ctypes.c_uint8 * len(state.data)).from_buffer_copy(state.data)
        if llama_cpp.llama_state_seq_set_data(self._llm._ctx.ctx, buffer, len(state.data), 0) == 0:
            return False  # another build's state: the prefix is evaluated again
        self._llm.input_ids[:count] = state.tokens
        self._llm.n_tokens = count
        return True

    def _grammar(self, schema: dict[str, Any]) -> Any:
        from llama_cpp import LlamaGrammar

        text = json.dumps(schema, sort_keys=True)
        if text not in self._grammars:
            self._grammars[text] = LlamaGrammar.from_json_schema(text, verbose=False)
        return self._grammars[text]


_load_lock = threading.Lock()


@lru_cache(maxsize=2)
def _load_model(path: Path, context: int, threads: int, state_dir: Path | None) -> LocalLLM:
    return LocalLLM(path, context, threads, state_dir)


def models_loaded() -> int:
    """How many times this process has loaded a GGUF: a batch worker shows it loads the model once."""
    return _load_model.cache_info().misses


def get_llm(settings: Settings) -> LocalLLM:
    state_dir = settings.cache_dir / "prompt-states" if settings.cache_enabled else None
    with _load_lock:
        return _load_model(model_path(settings), settings.llm_context, settings.llm_threads, state_dir)


class LocalBackend:
    """The Backend protocol over the in-process model (prompts/local-llm/)."""

    max_parallel = 1  # one llama.cpp context: requests are served in turn anyway

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._path = model_path(settings)  # checked now, loaded on first use
        self._llm: LocalLLM | None = None
        self.profile = Profile.load(LOCAL_PROFILE)

    @property
    def llm(self) -> LocalLLM:
        """The model, loaded when a task first needs it: an extract that the layout answers needs none."""
        if self._llm is None:
            self._llm = get_llm(self._settings)
        return self._llm

    @property
    def identity(self) -> str:
        return f"llama.cpp|{self._path.name}|{self.profile.name}"

    @property
    def sees_images(self) -> bool:
        return False

    @property
    def context_tokens(self) -> int:
        return self.llm.context_size

    def generate(
        self,
        messages: list[Message],
        *,
        images: Sequence[PageImage] = (),
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        keep_prefix: str | None = None,
    ) -> Iterator[str]:
        if images:
            raise ValueError("the embedded model reads text only: pass no images (check sees_images)")
        budget = max_tokens or self.profile.max_tokens
        pieces = self.llm.stream(messages, budget, json_schema, keep_prefix, **self.profile.sampling)
        return until_loop(pieces)

    def prepare(self, messages: list[Message], keep_prefix: str) -> None:
        self.llm.prepare(messages, keep_prefix)

    def warm(self) -> None:
        self.llm  # noqa: B018 (loading it is the point)

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)
