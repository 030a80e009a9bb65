"""A client for OpenAI-compatible chat servers (vLLM, `transformers serve`, llama.cpp's server).

Streams replies, bounds the requests in flight (process-wide, per client), spreads them over several base
URLs, retries a connection that fails before any reply arrived, and stops a reply that starts looping.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

from .. import cancel
from ..errors import DocAssistantError
from .replies import repeating_tail, trim_repetition

RETRY_PAUSE_S = 0.5
# vLLM's sampling extensions beyond the OpenAI API; `transformers serve` answers 422 to them.
EXTENSION_PARAMS = ("top_k", "repetition_penalty", "min_p", "ignore_eos")


class ModelServerError(DocAssistantError):
    """The model server is down, refused the request or answered with something unusable."""

    code = "backend_error"


class ModelServerTimeout(DocAssistantError):
    code = "timeout"


class OpenAIClient:
    def __init__(
        self,
        base_urls: list[str],
        model: str,
        api_key: str = "",
        timeout_s: float = 120.0,
        retries: int = 2,
        max_in_flight: int = 8,
    ) -> None:
        if not base_urls:
            raise ModelServerError("no model server URL: set DOC_ASSISTANT_BASE_URL or --base-url")
        self.base_urls = [url.rstrip("/") for url in base_urls]
        self.model = model
        self.retries = retries
        self.timeout_s = timeout_s
        self._next_url = itertools.cycle(self.base_urls)
        self._standard_only: set[str] = set()  # servers that refused the extension parameters
        self._schema_in_json_object: set[str] = set()  # servers that take a schema as llama.cpp's does
        self._url_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._in_flight = 0
        self._count_lock = threading.Lock()
        self.max_in_flight = max_in_flight
        self.peak_in_flight = 0  # the most requests seen at once (the bound's test reads it)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            headers=headers, timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
        )

    def _url(self) -> str:
        with self._url_lock:
            return next(self._next_url)

    def stream(
        self, messages: list[dict[str, Any]], max_tokens: int = 1024, **sampling: Any
    ) -> Iterator[str]:
        """The reply's text pieces as they arrive; a reply that starts repeating itself is cut off."""
        payload = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "stream": True}
        payload.update({k: v for k, v in sampling.items() if v is not None})
        cancel.acquire(self._slots)
        try:
            self._count(+1)
            try:
                yield from self._stream_with_retries(payload)
            finally:
                self._count(-1)
        finally:
            self._slots.release()

    def complete(self, messages: list[dict[str, Any]], max_tokens: int = 1024, **sampling: Any) -> str:
        return trim_repetition("".join(self.stream(messages, max_tokens, **sampling))).strip()

    def _count(self, change: int) -> None:
        with self._count_lock:
            self._in_flight += change
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def _stream_with_retries(self, payload: dict[str, Any]) -> Iterator[str]:
        for attempt in range(self.retries + 1):
            url = self._url()
            started = False
            try:
                for piece in self._stream_with_fallback(url, payload):
                    started = True
                    yield piece
                return
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if started:  # part of the reply is out already: it cannot be asked for again
                    raise ModelServerError(
                        f"the model server at {url} broke off its reply ({type(exc).__name__}: {exc})"
                    ) from None
                if attempt == self.retries:
                    raise ModelServerError(
                        f"the model server at {url} is not reachable ({type(exc).__name__}: {exc})"
                    ) from None
                time.sleep(RETRY_PAUSE_S * (attempt + 1))
            except httpx.TimeoutException:
                raise ModelServerTimeout(
                    f"the model server at {url} did not answer within {self.timeout_s:g} s "
                    "(DOC_ASSISTANT_BACKEND_TIMEOUT_S)"
                ) from None

    def _stream_with_fallback(self, url: str, payload: dict[str, Any]) -> Iterator[str]:
        """Send vLLM's sampling extensions and the OpenAI `json_schema` response format; to a server that
        refuses them, the plain request, or llama.cpp's form of a schema (`json_object` with `schema`)."""
        for _ in range(3):  # at most one lesson per refusal kind, then the request as the server wants it
            sent = self._dialect(url, payload)
            try:
                yield from self._stream_once(url, sent)
                return
            except ModelServerError as exc:
                if not self._learn_dialect(url, sent, exc.message):
                    raise

    def _dialect(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        payload = dict(payload)
        if url in self._standard_only:
            payload = {k: v for k, v in payload.items() if k not in EXTENSION_PARAMS}
        schema = _schema_of(payload.get("response_format"))
        if url in self._schema_in_json_object and schema is not None:
            payload["response_format"] = {"type": "json_object", "schema": schema}
        return payload

    def _learn_dialect(self, url: str, payload: dict[str, Any], message: str) -> bool:
        """Whether the refusal names something this server wants otherwise (then remembered for it)."""
        # What was learnt is no longer in the next request, so the same refusal cannot come back.
        if any(name in payload and name in message for name in EXTENSION_PARAMS):
            self._standard_only.add(url)
            return True
        if _schema_of(payload.get("response_format")) is not None and "json_schema" in message:
            self._schema_in_json_object.add(url)
            return True
        return False

    def _stream_once(self, url: str, payload: dict[str, Any]) -> Iterator[str]:
        text = ""
        # httpx's timeout is per read; a server that streams slowly but forever (tokens, or only SSE
        # comments) must also be stopped.
        deadline = time.monotonic() + self.timeout_s
        with self._http.stream("POST", f"{url}/chat/completions", json=payload) as response:
            if response.status_code >= 400:
                body = response.read().decode("utf-8", "replace")[:300]
                raise ModelServerError(
                    f"the model server at {url} answered HTTP {response.status_code}: {body}"
                )
            for line in response.iter_lines():
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("the reply took longer than the request's time limit")
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                cancel.check()  # a request past its own time limit stops reading the reply
                piece, finished = _chunk(data, url)
                if piece:
                    text += piece
                    yield piece
                    if repeating_tail(text) is not None:
                        return  # a loop: the rest would only repeat (the caller trims the tail)
                if finished:
                    return  # transformers serve ends here, without [DONE]
        # A reply counts only when the server said it ended: a cut stream would be taken (and cached)
        # as a whole page, answer or field list.
        raise ModelServerError(f"the model server at {url} ended its reply before finishing it (cut off)")

    def close(self) -> None:
        self._http.close()


def _schema_of(response_format: Any) -> dict[str, Any] | None:
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema")
    return None


def _chunk(data: str, url: str) -> tuple[str, bool]:
    """A stream chunk's text and whether it ends the reply (a finish_reason)."""
    try:
        chunk = json.loads(data)
        error = chunk.get("error")
        choices = chunk.get("choices") or []
        choice = choices[0] if choices else {}
        text = (choice.get("delta") or {}).get("content") or ""
        finished = bool(choice.get("finish_reason"))
    except (json.JSONDecodeError, AttributeError, IndexError, TypeError):
        raise ModelServerError(
            f"the model server at {url} sent a stream that is not JSON: {data[:120]!r}"
        ) from None
    if error:  # vLLM reports a failure during generation as a chunk of its own
        message = error.get("message") if isinstance(error, dict) else error
        raise ModelServerError(f"the model server at {url} failed during the reply: {str(message)[:200]}")
    return text, finished
