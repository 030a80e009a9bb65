"""`doc-assistant chat FILE...`: a conversation about documents in the terminal.

The same conversation object as the web chat: a follow-up ("那乙方呢？", "and on the third day?") is read
against the questions before it, every message is routed to read, extract, translate or ask, answers stream,
and citations follow as `[n] file p.N: “text”`. Line editing and history come from readline.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..answer import Answer
from ..conversation import Conversation, select_documents
from ..documents.ingest import load_file
from ..documents.model import Document
from ..errors import DocAssistantError
from ..settings import Settings
from ..tasks.dispatch import TaskRequest, prepare_documents, run_task
from ..tasks.fields import default_fields

PROMPT = "> "
QUIT = {"/quit", "/exit", "/q", "exit", "quit"}
HELP = (
    'Ask about the documents, or say what to do: read the text, extract fields ("提取金额、税号"), '
    'translate ("translate into English"). /read /extract /translate /ask choose the task; /quit leaves.'
)


def run_chat(
    paths: Sequence[str], settings: Settings, lang: str | None = None, out: TextIO = sys.stdout
) -> int:
    documents = [load_file(path, settings) for path in paths]
    names = ", ".join(f"{doc.name} ({len(doc.pages)} page{'s' * (len(doc.pages) != 1)})" for doc in documents)
    print(f"doc-assistant chat · {names}\n{HELP}", file=out, flush=True)
    # The documents go into the model while the first question is typed.
    threading.Thread(target=_prepare, args=(documents, settings, lang), daemon=True).start()
    conversation = Conversation()
    _use_readline(settings.data_dir / "chat-history.txt")
    while True:
        try:
            line = input(PROMPT).strip()
        except EOFError:
            print(file=out)
            return 0
        except KeyboardInterrupt:
            print(file=out)
            continue
        if not line:
            continue
        if line.lower() in QUIT:
            return 0
        try:
            _answer(line, documents, conversation, settings, lang, out)
        except DocAssistantError as exc:
            print(f"error: {exc.message}", file=out, flush=True)
        except KeyboardInterrupt:
            print("\n(stopped)", file=out, flush=True)


def _answer(
    line: str,
    documents: list[Document],
    conversation: Conversation,
    settings: Settings,
    lang: str | None,
    out: TextIO,
) -> None:
    understood = conversation.understand(line)
    chosen = understood.route
    chosen_documents = select_documents(documents, chosen.documents, every_document=chosen.task == "ask")
    if understood.followup and understood.question != line:
        print(f"({understood.question})", file=out, flush=True)
    request = TaskRequest(
        task=chosen.task,
        question=understood.question,
        fields=(chosen.fields or default_fields(chosen.text)) if chosen.task == "extract" else None,
        target_lang=chosen.target_lang or "en",
        pages=chosen.pages,
        lang=lang,
        history=conversation.ask_history() if chosen.task == "ask" else (),
    )
    streamed: list[str] = []

    def show(piece: str) -> None:
        streamed.append(piece)
        print(piece, end="", file=out, flush=True)

    answer = run_task(request, chosen_documents, settings, on_token=show if chosen.task == "ask" else None)
    final = answer.text.strip()
    if not streamed:
        print(final, file=out)
    elif "".join(streamed).strip() != final:
        print(f"\n→ {final}", file=out)  # checked against the documents: a value was corrected or dropped
    else:
        print(file=out)
    if chosen.task in ("ask", "extract"):  # a reading cites every line: its text is the evidence itself
        _print_sources(answer, out)
    conversation.add(line, chosen.task, answer.text, understood.question)


def _print_sources(answer: Answer, out: TextIO) -> None:
    seen = []
    for citation in answer.citations:
        key = (citation.file, citation.page, citation.region.box)
        if key not in seen:
            seen.append(key)
            text = citation.region.text
            text = text if len(text) <= 80 else text[:77] + "…"
            print(f"[{len(seen)}] {citation.file} p.{citation.page}: “{text}”", file=out)
    for note in answer.notes:
        print(f"note: {note}", file=out)
    out.flush()


def _prepare(documents: list[Document], settings: Settings, lang: str | None) -> None:
    with contextlib.suppress(Exception):  # a question asked later reads the documents itself
        prepare_documents(documents, settings, lang)


def _use_readline(history_file: Path) -> None:
    try:
        import readline
    except ImportError:  # not on every platform: input() still works, without line editing
        return
    with contextlib.suppress(OSError):
        history_file.parent.mkdir(parents=True, exist_ok=True)
        readline.read_history_file(history_file)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(history_file)

    atexit.register(save)
