"""The one protocol every model backend speaks, and the profile that tells a task what the model can do.

A task never asks which backend it has: it reads the profile's capabilities (does the model see page
images? does it honour a JSON schema?) and calls `generate`. Two implementations: `local` (llama.cpp in
process) and `openai` (vLLM, `transformers serve` or a llama.cpp server, over the OpenAI API).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .. import prompts

if TYPE_CHECKING:
    from .page_images import PageImage

Message = dict[str, Any]  # OpenAI-style chat message: {"role": ..., "content": ...}

LOCAL_PROFILE = "local-llm"


@dataclass(frozen=True)
class Profile:
    """A model's prompts (prompts/<name>/) and what it can do (prompts/<name>/profile.yaml)."""

    name: str
    model: str = ""  # the served model's name, when the server needs one
    sees_images: bool = False  # page images go into the prompt
    coordinates: bool = False  # its spotting prompt gives line boxes (0-1000): a page reader
    json_schema: bool = False  # it honours a JSON schema (a grammar); otherwise replies are parsed leniently
    instructions_in: str | None = None  # the prompt variant it was trained on (HunyuanOCR: zh), if any
    max_images: int = 4  # page images in one request
    max_tokens: int = 2048
    sampling: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, name: str) -> Profile:
        data = prompts.profile(name)
        return cls(
            name=name,
            model=str(data.get("model") or ""),
            sees_images=bool(data.get("images", False)),
            coordinates=bool(data.get("coordinates", False)),
            json_schema=bool(data.get("json_schema", False)),
            instructions_in=data.get("instructions_in"),
            max_images=int(data.get("max_images", 4)),
            max_tokens=int(data.get("max_tokens", 2048)),
            sampling=dict(data.get("sampling") or {}),
        )

    def prompt_variant(self, preferred: str) -> str:
        """The prompt language to use: the model's own where it has one, else the one the task prefers."""
        return self.instructions_in or preferred


class Backend(Protocol):
    profile: Profile
    max_parallel: int  # requests worth sending at once (1: calls are served in turn)

    @property
    def identity(self) -> str:
        """What a cached result made with this backend depends on: the model, its prompts, its inputs."""
        ...

    @property
    def sees_images(self) -> bool: ...

    def generate(
        self,
        messages: list[Message],
        *,
        images: Sequence[PageImage] = (),
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        keep_prefix: str | None = None,
    ) -> Iterator[str]:
        """The reply's text pieces as they are generated. `images` go with the last user message; `max_tokens`
        None is the profile's budget. `keep_prefix`: text the prompt holds (a document) whose part of the
        prompt is worth keeping evaluated for the next questions (a backend may ignore it)."""
        ...

    def prepare(self, messages: list[Message], keep_prefix: str) -> None:
        """Evaluate the prompt up to the end of `keep_prefix` now (when a document arrives), so that the
        questions that follow start from there. A backend that cannot keep state does nothing."""
        ...

    def warm(self) -> None:
        """Load what the first request needs (the embedded model), while the pages are still being read.
        A backend with nothing to load does nothing."""
        ...

    def count_tokens(self, text: str) -> int: ...
