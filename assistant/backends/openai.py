"""The model-server backend: a model behind an OpenAI-compatible API (vLLM, `transformers serve`, a llama.cpp
server), with the prompts and capabilities of its profile (prompts/<profile>/: hunyuan-ocr by default).

Page images go as data URLs in the last user message; a JSON schema is sent only to a profile that says its
server honours one (otherwise the task parses the reply leniently).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..settings import Settings
from .base import Message, Profile
from .openai_client import OpenAIClient
from .page_images import PageImage, image_part


class OpenAIBackend:
    def __init__(self, settings: Settings) -> None:
        self.profile = Profile.load(settings.profile)
        self.max_tokens = settings.max_reply_tokens or self.profile.max_tokens
        self.max_side = settings.vision_max_side
        self.max_parallel = settings.max_requests
        self.client = OpenAIClient(
            settings.base_urls,
            settings.model or self.profile.model,
            api_key=settings.backend_api_key,
            timeout_s=settings.backend_timeout_s,
            retries=settings.backend_retries,
            max_in_flight=settings.max_requests,
        )

    @property
    def identity(self) -> str:
        return f"{self.client.model}|{self.profile.name}|{self.max_side}"

    @property
    def sees_images(self) -> bool:
        return self.profile.sees_images

    def generate(
        self,
        messages: list[Message],
        *,
        images: Sequence[PageImage] = (),
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        keep_prefix: str | None = None,  # the server keeps prefixes itself, where it is set to
    ) -> Iterator[str]:
        if images:
            messages = with_images(messages, [image_part(image, self.max_side) for image in images])
        sampling: dict[str, Any] = dict(self.profile.sampling)
        if json_schema is not None and self.profile.json_schema:
            sampling["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": json_schema},
            }
        # The profile's budget bounds the task's: a server with a short context is configured there.
        budget = min(max_tokens or self.max_tokens, self.max_tokens)
        return self.client.stream(messages, max_tokens=budget, **sampling)

    def prepare(self, messages: list[Message], keep_prefix: str) -> None:
        return None  # vLLM caches prefixes itself (when prefix caching is on); nothing to do here

    def warm(self) -> None:
        return None  # the model is loaded on the server

    def count_tokens(self, text: str) -> int:
        # The server's tokenizer is remote; a CJK character or four other characters is about one token.
        from ..retrieval.search import estimate_tokens

        return estimate_tokens(text)


def with_images(messages: list[Message], parts: list[dict[str, Any]]) -> list[Message]:
    """The page images first in the last user message, then its text (as vision models are prompted)."""
    out = [dict(m) for m in messages]
    last = max(i for i, m in enumerate(out) if m["role"] == "user")
    text = out[last]["content"]
    out[last]["content"] = [*parts, {"type": "text", "text": text}]
    return out
