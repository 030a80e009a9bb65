"""Route one chat message (Chinese or English) to a task: read, extract, translate or ask.

Pure Python: regular expressions, no model, no I/O. The chat front end and the REST API call `route`
with what the user typed and get back the task, the text the task works on, and what the message said
about scope (pages, which of the session's documents) and task options (field names, target language).

The steps:

1. A command (the `command` argument, or a leading `/read`, `/extract`, `/translate`, `/ask` in the
   message) fixes the task and is stripped.
2. Page scope ("第2-3页", "pages 1 and 3", "the second page") and document scope ("the 2nd document",
   "第二张图", "the last file") are parsed and removed from the text, with the preposition that tied them
   to the sentence ("on page 2", "在第二页的").
3. Without a command, the intent is detected from the remaining text, read in a normal form (simplified
   characters, a typo in a task verb corrected: spelling.py). Order matters: translate (the most
   specific wording), then read (whole-text wording: "extract the text" is read, not extract), then
   extract (an imperative extract verb, a field list, or "I need" and field names), and ask for
   everything else. A question ("what is the invoice number?") is ask even when it names a field; only
   whole-text questions ("what does it say?"), strong translation requests ("能翻译成英文吗？") and what
   foreign text means ("这个韩文标签是什么意思") are taken from question form (intent.py).
4. Extract parses field names with `extract.parse_fields`; translate looks for the target language, and
   a question about what foreign text means is translated into the language the user wrote in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import ArgumentError
from .field_names import field_names, field_spec
from .intent import detect, means_foreign_text, request_part
from .languages import target_language, user_language
from .scope import take_scope
from .spelling import normalize

TASKS = ("read", "extract", "translate", "ask")


@dataclass(frozen=True)
class Route:
    task: str  # one of TASKS
    text: str  # the message without the command and the page/document scope words, stripped
    fields: list[str] | None  # extract only: the field names; None when the message names none
    target_lang: str | None  # translate only: ISO code ("en", "zh", "ja", ...); None when not named
    pages: str | None  # page selection as pages.parse_pages accepts it ("2", "1-3", "1,3"), or None
    documents: list[int] | None  # 1-based positions of the session's documents; -1 is the last one
    explicit: bool  # the task came from a command


def route(message: str, command: str | None = None) -> Route:
    """Turn one chat message into a task route. Raises ArgumentError for an unknown command."""
    body = message.strip()
    task = _command_task(command) if command else None
    if slash := _SLASH_COMMAND.match(body):
        named = _command_task(slash.group("name"))
        task = task or named  # the front end's command wins over a slash word typed into the message
        body = body[slash.end() :].strip()
    explicit = task is not None

    text = take_scope(body)[0]  # as typed: what the task works on
    words, pages, documents = take_scope(normalize(body))  # as the rules read it
    if task is None:
        task = detect(words)
    request = request_part(words)
    fields = field_names(field_spec(request)) if task == "extract" else None
    target_lang = None
    if task == "translate":
        implied = user_language(words) if means_foreign_text(request) else None
        target_lang = target_language(words) or implied
    if task == "ask" and not text:
        text = body  # the message was nothing but scope ("page 2?"): keep it as the question
    return Route(task, text, fields, target_lang, pages, documents, explicit)


def _command_task(name: str) -> str:
    task = name.strip().lstrip("/").lower()
    if task not in TASKS:
        raise ArgumentError(f"unknown command {name!r}: use /read, /extract, /translate or /ask")
    return task


# A slash word at the start of the message; "/tmp/x.png" is not one (the word must end the token).
_SLASH_COMMAND = re.compile(r"^/(?P<name>[A-Za-z][\w-]*)(?=[\s:：,，]|$)[\s:：,，]*")
