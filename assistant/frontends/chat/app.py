"""The Chainlit chat: handlers stay thin, every task goes through the same task layer as the CLI.

Start it with `doc-assistant ui` (which runs `chainlit run` on this file with the project's .chainlit/).
Chainlit loads this file by path, as a top-level module: hence absolute imports.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import chainlit as cl
import chainlit.server as chainlit_server
from chainlit.data import get_data_layer
from chainlit.input_widget import Select

from assistant.answer import Answer
from assistant.conversation import Conversation, Understood
from assistant.errors import DocAssistantError
from assistant.frontends.chat import access, auth, history, page, upload_wait
from assistant.frontends.chat.bridge import Post, run_off_loop
from assistant.frontends.chat.evidence import build_evidence, panel_title, png_file
from assistant.frontends.chat.exports import fields_csv, fields_json, items_csv, read_downloads
from assistant.frontends.chat.library import SessionLibrary, UploadStore
from assistant.frontends.chat.safe_text import code_block, plain
from assistant.settings import Settings, get_settings
from assistant.tasks.dispatch import TaskRequest, prepare_documents, run_task
from assistant.tasks.fields import default_fields
from assistant.tasks.read import read_pages
from assistant.tasks.router import Route
from assistant.workers import get_pool

log = logging.getLogger("doc-assistant.chat")

COMMANDS = [
    {"id": "read", "icon": "scan-text", "description": "Full text in reading order, with line boxes"},
    {"id": "extract", "icon": "braces", "description": "Named fields as JSON: /extract amount, tax ID, date"},
    {"id": "translate", "icon": "languages", "description": "Translate, layout kept: /translate to English"},
    {"id": "ask", "icon": "message-circle-question", "description": "Ask a question about the documents"},
]

LANGUAGES = {"auto": "Detect per page", "en": "English", "zh": "中文", "ja": "日本語", "ko": "한국어",
             "fr": "Français", "de": "Deutsch", "es": "Español", "ru": "Русский", "ar": "العربية",
             "hi": "हिन्दी", "vi": "Tiếng Việt"}  # fmt: skip
TARGETS = {"en": "English", "zh": "中文", "ja": "日本語", "ko": "한국어", "fr": "Français", "de": "Deutsch",
           "es": "Español", "ru": "Русский"}  # fmt: skip
ENGINES = {"auto": "Automatic (rapidocr; tesseract where the script needs it)", "rapidocr": "RapidOCR",
           "tesseract": "Tesseract"}  # fmt: skip


def _backends() -> dict[str, str]:
    """The embedded backend always; the model server when one is configured (DOC_ASSISTANT_BASE_URL)."""
    settings = get_settings()
    backends = {"embedded": "Embedded (CPU: OCR engines + local model)"}
    if settings.base_urls:
        model = settings.model or settings.profile
        backends["openai"] = f"Model server: {model} at {', '.join(settings.base_urls)}"
    return backends


def _widgets() -> list[Any]:
    initial = get_settings().backend if get_settings().base_urls else "embedded"
    return [
        Select(id="backend", label="Model backend", items=_backends(), initial_value=initial),
        Select(id="lang", label="Document language (OCR)", items=LANGUAGES, initial_value="auto"),
        Select(id="target", label="Translate into", items=TARGETS, initial_value="en"),
        Select(id="ocr_engine", label="OCR engine", items=ENGINES, initial_value="auto"),
    ]


# ---- session state -------------------------------------------------------------------------------


def _library() -> SessionLibrary:
    library = cl.user_session.get("library")
    if library is None:
        user = cl.user_session.get("user")  # with login on: each user's uploads in a folder of their own
        store = UploadStore.for_user(get_settings().data_dir, user.identifier if user else None)
        library = SessionLibrary(store, get_settings())
        cl.user_session.set("library", library)
    return library


def _conversation() -> Conversation:
    conversation = cl.user_session.get("conversation")
    if conversation is None:
        conversation = Conversation()
        cl.user_session.set("conversation", conversation)
    return conversation


async def _remember_turns(conversation: Conversation) -> None:
    """Keep the conversation with the thread, so that a resumed chat continues it."""
    layer = get_data_layer()
    if layer is not None:
        await layer.update_thread(cl.context.session.thread_id, metadata={"turns": conversation.to_list()})


def _choices() -> dict[str, str]:
    return cl.user_session.get("chat_settings") or {}


def _settings() -> Settings:
    """The server's settings with this chat's choices (OCR engine, backend) on top."""
    base = get_settings()
    choices = _choices()
    update = {
        "ocr_engine": choices.get("ocr_engine", base.ocr_engine),
        "backend": choices.get("backend", base.backend) if base.base_urls else "embedded",
    }
    changed = {key: value for key, value in update.items() if getattr(base, key) != value}
    return base.model_copy(update=changed) if changed else base


def _lang() -> str | None:
    lang = _choices().get("lang", "auto")
    return None if lang == "auto" else lang


async def _remember_documents(library: SessionLibrary) -> None:
    """Record the chat's documents in its thread, so that a resumed chat reloads them from the store."""
    documents = library.to_metadata()
    # Chainlit persists JSON-serialisable session values with the thread, but only when the browser
    # disconnects; writing at once means a crash loses no upload.
    cl.user_session.set("documents", documents)
    layer = get_data_layer()
    if layer is not None:
        await layer.update_thread(cl.context.session.thread_id, metadata={"documents": documents})


# ---- Chainlit handlers ---------------------------------------------------------------------------


STARTERS = {
    "en": [("Question about a contract", "What are party A's liabilities?"),
           ("Solve a math photo", "解这道题"),
           ("Translate a label", "Translate this product label into English"),
           ("Invoice fields", "Extract amount, tax ID and date from this invoice")],
    "zh": [("合同问答", "甲方的违约责任有哪些？"), ("解数学题", "解这道题"),
           ("翻译标签", "把这个产品标签翻译成英文"), ("发票字段", "提取金额、税号、开票日期")],
}  # fmt: skip


@cl.set_starters
async def starters(user: Any = None, language: Any = None) -> list[cl.Starter]:
    """In the browser's language (Chinese or English), as the rest of the UI."""
    chosen = STARTERS["zh"] if str(language or "").lower().startswith("zh") else STARTERS["en"]
    return [cl.Starter(label=label, message=message) for label, message in chosen]


@cl.on_chat_start
async def start() -> None:
    get_pool(get_settings().worker_count).serve_requests_first()  # a reply never waits behind OCR for a core
    _library()
    await cl.ChatSettings(_widgets()).send()
    await cl.context.emitter.set_commands(COMMANDS)


@cl.on_chat_resume
async def resume(thread: dict[str, Any]) -> None:
    metadata = thread.get("metadata") or {}
    library = _library()
    library.documents.clear()
    cl.user_session.set("conversation", Conversation.from_list(metadata.get("turns") or []))
    problems = await cl.make_async(library.restore)(metadata.get("documents") or [])
    await _remember_documents(library)
    await cl.ChatSettings(_widgets()).send()
    await cl.context.emitter.set_commands(COMMANDS)
    for problem in problems:
        warning = cl.Message(f"⚠️ Could not reopen {plain(problem)}")
        await warning.send()  # kept with the thread
        # Once this handler returns, Chainlit's client replaces the messages on screen with
        # thread["steps"] (the same dict), which would hide a message sent here: list it there too.
        thread.setdefault("steps", []).append(warning.to_dict())


@cl.on_settings_update
async def settings_updated(values: dict[str, str]) -> None:
    cl.user_session.set("chat_settings", values)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    library = _library()
    uploads = [el for el in message.elements or [] if getattr(el, "path", None)]
    added = 0
    for element in uploads:
        added += await _add_upload(library, element)
    text = (message.content or "").strip()
    if not text and not message.command:
        if added:
            await cl.Message(_documents_summary(library)).send()
        return
    try:
        understood = _conversation().understand(text, message.command)
        await _answer(library, understood, text)
    except DocAssistantError as exc:
        await cl.Message(f"⚠️ {plain(exc.message)}").send()
    except Exception:  # the session must survive whatever a task does
        log.exception("task failed")
        await cl.Message("⚠️ Something went wrong on our side while answering; please try again.").send()


# ---- documents -----------------------------------------------------------------------------------


async def _add_upload(library: SessionLibrary, element: Any) -> int:
    name = element.name or Path(element.path).name
    try:
        data = await cl.make_async(Path(element.path).read_bytes)()
        entry = await cl.make_async(library.add)(name, data)
    except DocAssistantError as exc:
        await cl.Message(
            f"⚠️ {plain(exc.message)}\n\nNothing was added; the documents already here are unchanged."
        ).send()
        return 0
    except OSError as exc:
        await cl.Message(f"⚠️ {plain(name)}: the upload could not be read ({exc.strerror or exc}).").send()
        return 0
    await _remember_documents(library)
    try:
        await _read_upfront(entry.document, entry.name)
    except DocAssistantError as exc:  # e.g. the model server's spotting pass failed: kept, read when asked
        await cl.Message(f"⚠️ {plain(entry.name)} is kept, but reading it failed: {plain(exc.message)}").send()
    else:
        _prepare_in_background(library)
    return 1


def _prepare_in_background(library: SessionLibrary) -> None:
    """Get the chat's documents into the model now (their part of an ask prompt, evaluated once), so that
    the first question about them starts from there. Not awaited: the chat stays free meanwhile."""
    documents, settings, lang = library.select(None, every_document=True), _settings(), _lang()

    def work() -> None:
        try:
            prepare_documents(documents, settings, lang)
        except Exception:  # a question asked later evaluates the documents itself
            log.exception("preparing the documents for questions failed")

    asyncio.get_running_loop().run_in_executor(None, work)


async def _read_upfront(document: Any, name: str) -> None:
    """OCR the new document now, a step per page, so that questions find its pages in the cache."""
    settings, lang = _settings(), _lang()
    count = len(document.pages)
    async with cl.Step(name=f"Reading {name}", type="tool") as parent:
        page_steps: list[cl.Step] = []

        async def progress(kind: str, value: Any) -> None:
            if count == 1:
                return
            if page_steps:
                await page_steps[-1].update()
            _, number, total = value
            step = cl.Step(name=f"page {number} of {total}", type="tool", parent_id=parent.id)
            step.output = "read"
            await step.send()
            page_steps.append(step)

        def work(post: Post):
            return read_pages([document], None, lang, settings, progress=lambda *v: post("page", v))

        try:
            read = await run_off_loop(work, progress)
        except DocAssistantError as exc:
            parent.output = f"could not be read: {exc.message}"
            raise
        lines = sum(len(page.regions) for _, page in read.pages)
        parent.output = f"{count} page{'s' if count != 1 else ''}, {lines} lines" + "".join(
            f"\n- {plain(note)}" for note in read.notes
        )


def _documents_summary(library: SessionLibrary) -> str:
    return (
        f"Documents in this chat: {plain(library.describe())}.\n\n"
        "Ask a question, or use /read, /extract, /translate."
    )


# ---- answering -----------------------------------------------------------------------------------


async def _answer(library: SessionLibrary, understood: Understood, message: str) -> None:
    chosen = understood.route
    documents = library.select(chosen.documents, every_document=chosen.task == "ask")
    scope = _scope_text(documents, chosen.pages)
    header = f"**{chosen.task}** · {scope}\n\n"
    if chosen.task == "extract":
        await _extract(documents, chosen, header)
        return
    # Streamed first and sent once at the end: Chainlit persists a message when it is sent, and a send
    # followed by an update races (two unordered writes; the header-only one could win).
    msg = cl.Message(content="")
    await msg.stream_token(header)
    # The model gets the question as asked (a follow-up made a question of its own): the router's text has
    # the page and file words cut out, which can leave it lame ("what is on page 2?" -> "what is?").
    question = re.sub(r"^/(?:read|extract|translate|ask)\b\s*", "", understood.question, flags=re.I)
    question = question or chosen.text
    conversation = _conversation()
    request = TaskRequest(
        task=chosen.task,
        question=question,
        target_lang=chosen.target_lang or _choices().get("target", "en"),
        pages=chosen.pages,
        lang=_lang(),
        history=conversation.ask_history() if chosen.task == "ask" else (),
    )

    reply: list[str] = []

    async def on_event(kind: str, value: Any) -> None:
        if kind == "token":
            # The reply so far, whole and made safe each time: a link or an image spans several tokens.
            reply.append(value)
            await msg.stream_token(header + plain("".join(reply)), is_sequence=True)

    settings = _settings()
    try:
        answer = await run_off_loop(
            lambda post: run_task(request, documents, settings, on_token=lambda t: post("token", t)), on_event
        )
    except Exception:
        # End the stream (and keep it in the history) before the error is reported below it.
        msg.content = header + "_stopped: see the message below_"
        await msg.send()
        raise
    await _finish(msg, header, answer, documents, chosen.pages)
    conversation.add(message, chosen.task, answer.text, question)
    await _remember_turns(conversation)


async def _finish(
    msg: cl.Message, header: str, answer: Answer, documents: list[Any], pages: str | None = None
) -> None:
    overview = answer.task in ("read", "translate")
    evidence = await cl.make_async(build_evidence)(answer, documents, overview)
    body = answer.text or "(no text found)"
    body = code_block(body, "text") if answer.task == "read" else plain(body)
    if items := answer.extra.get("item_citations"):
        body = "\n".join(f"- {plain(item['text'])}{_markers(evidence, item['citations'])}" for item in items)
    elif evidence.markers:
        body += " " + " ".join(f"[{n}]" for n in evidence.numbers)
    elements = [_image(e) for e in evidence.images]
    if answer.task == "translate":
        rendered = [await cl.make_async(png_file)(path) for path in answer.extra.get("images", [])]
        elements = [
            cl.Image(name=f"translated page {i}", content=png, display="inline", size="large")
            for i, png in enumerate(rendered, 1)
        ] + elements
    if answer.task == "read":  # the read as a searchable PDF and as Markdown
        downloads = await cl.make_async(read_downloads)(documents, pages)
        elements += [cl.File(name=n, content=data, mime=t, display="inline") for n, data, t in downloads]
        body += "\n\nDownload: " + ", ".join(name for name, _, _ in downloads)
    msg.content = header + body + _footer(evidence.sources, answer)
    msg.elements = elements + _panel(evidence.sources, evidence.pages)
    await msg.send()


async def _extract(documents: list[Any], chosen: Route, header: str) -> None:
    fields = chosen.fields or default_fields(chosen.text)
    msg = cl.Message(content="")
    await msg.stream_token(header + "_extracting " + ", ".join(fields) + " …_")
    settings = _settings()
    results: dict[str, dict[str, str | None]] = {}
    items: dict[str, list[dict[str, str | None]]] = {}  # line items per document, for items.csv
    body, elements, sources, pages = "", [], [], []
    for document in documents:  # one record per document: the CSV has a row each
        request = TaskRequest(task="extract", fields=fields, pages=chosen.pages, lang=_lang())
        answer = await cl.make_async(run_task)(request, [document], settings)
        evidence = await cl.make_async(build_evidence)(answer, [document], False, len(sources) + 1)
        values = answer.extra["fields"]
        results[document.name] = values
        if answer.extra.get("items"):
            items[document.name] = answer.extra["items"]
        lines = []
        for field, indices in answer.extra["field_citations"].items():
            value = plain(values[field]) if values[field] is not None else "—"
            lines.append(f"- **{plain(field)}**: {value}{_markers(evidence, indices)}")
        block = _json_block(values)
        title = f"**{plain(document.name)}**\n" if len(documents) > 1 else ""
        body += f"{title}{block}\n" + "\n".join(lines) + "\n\n"
        sources.extend(evidence.sources)
        pages.extend(evidence.pages)
        elements.extend(_image(e) for e in evidence.images)
        if answer.notes:
            body += "".join(f"> {plain(note)}\n" for note in answer.notes) + "\n"
    elements.append(
        cl.File(name="fields.json", content=fields_json(results), mime="application/json", display="inline")
    )
    if len(results) > 1:
        elements.append(
            cl.File(name="fields.csv", content=fields_csv(results), mime="text/csv", display="inline")
        )
    downloads = "Download: fields.json" + (", fields.csv" if len(results) > 1 else "")
    if items:  # one row per line item
        csv_file = cl.File(name="items.csv", content=items_csv(items), mime="text/csv", display="inline")
        elements.append(csv_file)
        downloads += ", items.csv"
    msg.content = header + body + downloads + _footer(sources, None)
    msg.elements = elements + _panel(sources, pages)
    await msg.send()


# ---- formatting ----------------------------------------------------------------------------------


def _image(evidence_image: Any) -> cl.Image:
    size = "large" if evidence_image.display == "inline" else "medium"
    return cl.Image(
        name=evidence_image.name, content=evidence_image.png, display=evidence_image.display, size=size
    )


def _markers(evidence: Any, citations: list[int]) -> str:
    """' [1] [2]': the markers of the regions these citations (positions in the answer's list) point at."""
    numbers = sorted({n for i in citations if (n := evidence.marker_of(i))})
    return "".join(f" [{n}]" for n in numbers)


def _panel(sources: list[str], pages: list[tuple[str, int]]) -> list[cl.Text]:
    """The side panel's last element: its name is the panel's title; it lists the sources under the crops."""
    if not sources:
        return []
    listing = "\n".join(f"- {line}" for line in sources)
    return [cl.Text(name=panel_title(pages), content=listing, display="side")]


def _footer(sources: list[str], answer: Answer | None) -> str:
    parts = []
    if sources:
        parts.append("\n\n**Sources**\n" + "\n".join(f"- {line}" for line in sources))
    if answer is not None and answer.notes:
        parts.append("\n\n" + "".join(f"> {plain(note)}\n" for note in answer.notes))
    return "".join(parts)


def _json_block(values: dict[str, Any]) -> str:
    import json

    return code_block(json.dumps(values, ensure_ascii=False, indent=2), "json")


def _scope_text(documents: list[Any], pages: str | None) -> str:
    names = plain(documents[0].name) if len(documents) == 1 else f"{len(documents)} documents"
    return names + (f" · pages {pages}" if pages else "")


def _register_history() -> None:
    """Keep chats (SQLite by default, Postgres by URL) unless DOC_ASSISTANT_CHAT_DB=off."""
    url = history.history_url(get_settings())
    if url is None:
        return
    files = history.history_files_dir(get_settings())
    from chainlit.server import app as server

    history.mount_files(server, files, allow=access.may_read_history_file)

    @cl.data_layer
    def data_layer() -> history.HistoryDataLayer:
        return history.make_data_layer(url, files)


# Login is switched on by the environment (DOC_ASSISTANT_CHAT_USERS); history is on by default.
auth.register(get_settings().data_dir)
_register_history()
page.serve_own_files_only()
upload_wait.install(chainlit_server.app)
