"""A conversation about documents: its turns, and what a new message means given them.

The chat, the API (its `history` field) and the CLI's `chat` command keep one `Conversation` each. A message
is understood against it before routing and retrieval: a follow-up becomes a question of its own
(followup.py), and ask is shown the earlier questions with their answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..documents.model import Document
from ..errors import ArgumentError
from ..tasks.request import Turn
from ..tasks.router import Route, route
from .followup import is_followup, resolve

MAX_TURNS = 40  # kept (and persisted) per conversation; the prompt takes only the last few
MAX_HISTORY_ITEMS = 200  # a `history` given over the API
MAX_TEXT = 20_000  # characters of one message in a given history


@dataclass
class Message:
    role: str  # "user" or "assistant"
    content: str
    task: str | None = None  # for an answer: the task that gave it
    question: str | None = None  # for an answer to ask: the question as understood (follow-ups resolved)

    def to_dict(self) -> dict[str, str]:
        data = {"role": self.role, "content": self.content}
        if self.task:
            data["task"] = self.task
        if self.question:
            data["question"] = self.question
        return data


@dataclass(frozen=True)
class Understood:
    route: Route
    question: str  # the text the task works on: the message, or a follow-up made a question of its own
    followup: bool


@dataclass
class Conversation:
    messages: list[Message] = field(default_factory=list)

    def understand(self, message: str, command: str | None = None) -> Understood:
        """Route a message, with a follow-up resolved against the last question asked."""
        chosen = route(message, command)
        previous = self.last_question()
        if chosen.task != "ask" or previous is None or not is_followup(message):
            return Understood(chosen, message, False)
        # "what about the second invoice?": the scope words are the router's; what is left asks nothing new.
        remaining = resolve(chosen.text, previous) if chosen.text.strip() else previous
        return Understood(chosen, remaining if remaining != chosen.text else resolve(message, previous), True)

    def add(self, user_text: str, task: str, answer_text: str, question: str | None = None) -> None:
        self.messages.append(Message("user", user_text))
        self.messages.append(Message("assistant", answer_text, task, question if task == "ask" else None))
        del self.messages[: max(0, len(self.messages) - MAX_TURNS * 2)]

    def last_question(self) -> str | None:
        for message in reversed(self.messages):
            if message.role == "assistant" and message.task == "ask":
                return message.question
            if message.role == "assistant":
                return None  # the last exchange was another task: a follow-up refers to nothing asked
        return None

    def ask_history(self) -> tuple[Turn, ...]:
        """The questions asked since the last other task, with their answers: what ask is shown."""
        turns: list[Turn] = []
        for message in reversed(self.messages):
            if message.role != "assistant":
                continue
            if message.task != "ask" or not message.question:
                break
            turns.append(Turn(message.question, message.content))
        return tuple(reversed(turns))

    def to_list(self) -> list[dict[str, str]]:
        return [m.to_dict() for m in self.messages]

    @classmethod
    def from_list(cls, items: Iterable[Mapping[str, object]]) -> Conversation:
        """A conversation from `[{role, content}, ...]` (the API's `history`, a chat's saved turns).

        An assistant message without its task is taken as an answer to ask, and the user message before it
        as its question: what an API client sends."""
        items = list(items)
        if len(items) > MAX_HISTORY_ITEMS:
            raise ArgumentError(f"history: at most {MAX_HISTORY_ITEMS} messages, got {len(items)}")
        messages: list[Message] = []
        for position, item in enumerate(items, 1):
            role, content = item.get("role"), item.get("content")
            if role not in ("user", "assistant") or not isinstance(content, str):
                raise ArgumentError(
                    f'history: message {position} must be {{"role": "user" or "assistant", "content": text}}'
                )
            if len(content) > MAX_TEXT:
                raise ArgumentError(f"history: message {position} is longer than {MAX_TEXT} characters")
            task = str(item.get("task") or "") or None
            question = str(item.get("question") or "") or None
            if role == "assistant" and task in (None, "ask") and question is None and messages:
                question = messages[-1].content if messages[-1].role == "user" else None
                task = "ask"
            messages.append(Message(role, content, task, question))
        return cls(messages[-MAX_TURNS * 2 :])


def select_documents(
    documents: Sequence[Document], positions: Sequence[int] | None, every_document: bool
) -> list[Document]:
    """The documents a message means: the named positions (1-based, -1 = the latest), else all or latest."""
    if not documents:
        raise ArgumentError("no documents yet: attach an image or a PDF, then ask again")
    if positions is None:
        return list(documents) if every_document else [documents[-1]]
    count = len(documents)
    chosen = []
    for position in positions:
        index = count - 1 if position == -1 else position - 1
        if not 0 <= index < count:
            raise ArgumentError(f"there is no document {position}: this conversation has {count}")
        chosen.append(documents[index])
    return chosen
