"""The ask task: answer from the documents (whole when they fit, else the passages that bear on the
question), check the answer's values against that evidence, cite what was located.

A document that fits the context budget goes to the model whole; its part of the prompt is kept evaluated
(prepare() does it when a document arrives), so questions about it cost only their own tokens. A longer
document is answered from retrieved passages, found in the documents' language when the question is in
another. A list or summary question gathers more of them and answers item by item, each cited. The answer
streams; NOT FOUND is held back. When nothing in the documents bears on the question, the model is not asked;
nor when the question asks the value of a label that stands on the page ("What is filled in for "DATE"?"):
the layout gives it (`field_questions`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence

from .. import prompts
from ..answer import Answer, Citation
from ..backends.base import Backend, Message
from ..backends.replies import trim_repetition
from ..documents.model import Document
from ..languages import language_of, text_language
from ..retrieval.embeddings import embed_passages
from ..retrieval.search import (
    RELEVANCE_THRESHOLD,
    TRANSLATED_ITEM_THRESHOLD,
    Passage,
    build_passages,
    retrieve,
)
from ..settings import Settings
from .answer_checks import check_values, mentions, numeric
from .evidence import Evidence, fits_whole, gather, whole_documents
from .field_questions import answer_from_layout
from .grounding import Located, ground_answer, locate_same_date, located_regions
from .injection import guard_answer
from .lists import missing_items
from .math import is_math_question, solve_math
from .parties import is_echo, party_name
from .questions import wants_list, wants_summary
from .read import elapsed_ms, read_pages
from .request import Progress, TokenSink, Turn
from .translate import translate_blocks

NOT_FOUND = "NOT FOUND"
NOT_FOUND_TEXT = {
    "en": "The documents do not say: nothing in them answers this question.",
    "zh": "文档中没有找到与这个问题相关的内容。",
    "ja": "文書には、この質問に答える内容が見つかりませんでした。",
    "ko": "문서에서 이 질문에 답하는 내용을 찾지 못했습니다.",
}
ANSWER_TOKENS = {"fact": 200, "list": 400, "summary": 450}
HISTORY_TURNS = 6  # earlier questions (with their answers) the model is shown
_BARE_BULLETS = re.compile(r"[\s\-*•·]+")  # a line of bullets alone: what is left of a loop such as '- - - -'
_ITEM = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)、]|[(（]\d{1,2}[)）])\s*")


def ask(
    documents: Sequence[Document],
    question: str,
    backend: Backend,
    settings: Settings,
    pages: str | None = None,
    lang: str | None = None,
    on_token: TokenSink | None = None,
    progress: Progress | None = None,
    history: Sequence[Turn] = (),
) -> Answer:
    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, progress=progress)
    notes = list(read.notes)
    variant = language_of(question)
    said_in = said if (said := text_language(question)) in NOT_FOUND_TEXT else variant  # ja: kana, not zh
    all_regions = located_regions(read.pages)

    if is_math_question(question, read.text()):
        solved = solve_math(read.pages, question, backend, variant, all_regions, on_token, started)
        if solved is not None:
            solved.notes[:0] = notes
            solved.elapsed_ms = elapsed_ms(started)
            return solved

    kind = "summary" if wants_summary(question) else "list" if wants_list(question) else "fact"
    if kind == "fact" and (from_layout := answer_from_layout(read.pages, question)) is not None:
        value, citations, note = from_layout  # the value beside the label the question names
        notes.append(note)
        if on_token:
            on_token(value)
        return Answer("ask", value, citations, notes, cached=False, elapsed_ms=elapsed_ms(started))
    evidence = gather(read, question, backend, settings, kind)
    if evidence is None:
        notes.append("retrieval found nothing relevant; the model was not asked")
        return _not_found(said_in, notes, started, on_token)
    notes.extend(evidence.notes)

    messages = _messages(evidence, question, kind, history, backend, variant)
    shown = evidence.pages[: backend.profile.max_images] if backend.sees_images else []
    reply = backend.generate(
        messages,
        images=[page.load_image() for _, page in shown],
        max_tokens=ANSWER_TOKENS[kind],
        keep_prefix=evidence.context if evidence.whole else None,
    )
    text = _stream_answer(reply, on_token)
    # "Who is Party A?" answered "Party A" (or not at all): the contract line that names the party.
    unanswered = is_echo(text, question) or text.upper().startswith(NOT_FOUND)
    if kind == "fact" and unanswered and (named := party_name(question, all_regions)) is not None:
        name, (file, page, size, region) = named
        notes.append("the party's name is read from the line of the contract that names it")
        if on_token:
            on_token(f"\n\n{name}")
        citations = [Citation(file, page, region, size)]
        return Answer("ask", name, citations, notes, cached=False, elapsed_ms=elapsed_ms(started))
    if text.upper().startswith(NOT_FOUND) and kind == "list":
        # A small model reading a contract in another language says NOT FOUND too readily: the passages
        # are still judged one by one below, and the list is theirs.
        notes.append("the model listed nothing; the items are the passages judged to answer the question")
        text = ""
    if text.upper().startswith(NOT_FOUND):
        notes.append("the model found no answer in the documents" if evidence.whole else
                     "the model found no answer in the retrieved excerpts")  # fmt: skip
        return _not_found(said_in, notes, started, on_token)

    checked = check_values(text, question, [hit.passage.text for hit in evidence.hits])
    notes.extend(checked.notes)
    shown_regions = [region for hit in evidence.hits for region in hit.passage.regions]
    checked.text, followed = guard_answer(checked.text, shown_regions, variant)
    notes.extend(followed)
    if not checked.text.strip() and kind != "list":  # a list may still be gathered from the passages
        notes.append("no part of the answer is supported by the documents, so it is not shown")
        return _not_found(said_in, notes, started, on_token, after_text=True)
    retrieved = [
        (hit.passage.file, hit.passage.page, hit.passage.page_size, region)
        for hit in evidence.hits
        for region in hit.passage.regions
    ]
    answer = Answer("ask", checked.text, [], notes, cached=False)
    if kind == "fact":
        answer.citations = _cite(checked.text, retrieved, all_regions)
        passages = build_passages(read.pages)
        if not answer.citations and (meant := _cite_by_meaning(checked.text, question, passages)):
            answer.citations = meant
            notes.append("cited by meaning: the answer is not worded as the page is (another language)")
    else:
        # Items in another language than their page (the question's) are cited by meaning.
        passages = build_passages(read.pages)
        answer.citations, answer.extra["item_citations"] = _cite_items(
            checked.text, question, retrieved, all_regions, passages if evidence.carried else ()
        )
    if kind == "list":
        _complete_list(answer, question, evidence.carried, passages, backend, variant)
        answer.text = answer.text.strip()
        if not answer.text:
            notes.append("neither the model nor the passages gave an item of the list")
            return _not_found(said_in, notes, started, on_token, after_text=True)
    if not answer.citations:
        notes.append("no part of the answer could be located on the pages, so nothing is cited")
    answer.elapsed_ms = elapsed_ms(started)
    return answer


def prepare(
    documents: Sequence[Document], backend: Backend, settings: Settings, lang: str | None = None
) -> bool:
    """Evaluate the documents' part of an ask prompt now (a chat does it when a document arrives), so that
    the questions that follow start from there. False when they are too long to go to the model whole: then
    their passages are embedded now instead, so a question embeds only itself."""
    read = read_pages(documents, None, lang, settings)
    context = whole_documents(read)
    if not fits_whole(context, backend, settings):
        embed_passages([passage.text for passage in build_passages(read.pages)])
        return False
    parts = prompts.parts("ask", "en", backend.profile.name)
    messages = prompts.messages(
        "ask", "en", backend.profile.name, context=context, question=parts["question"].format(question="")
    )
    backend.prepare(messages, keep_prefix=context)
    return True


def _messages(
    evidence: Evidence, question: str, kind: str, history: Sequence[Turn], backend: Backend, variant: str
) -> list[Message]:
    """The prompt: the documents (or excerpts), the earlier turns, the question and how to answer it.

    With the documents whole, earlier turns are real chat turns after them, so each new question extends
    the last prompt (its evaluated part is reused as it stands); with excerpts, they are a few lines of text.
    """
    profile = backend.profile
    parts = prompts.parts("ask", variant, profile.name)
    asked = question
    if evidence.carried:
        asked += "\n" + parts["carried"].format(carried=evidence.carried)
    block = parts["summary"] if kind == "summary" else parts["question"].format(question=asked)
    if kind == "list":
        block += "\n" + parts["list_across" if evidence.carried else "list"]
    recent = list(history)[-HISTORY_TURNS:]
    if evidence.whole and recent:
        # The first turn as it was asked (its evaluated state is reused); later ones are the bare question,
        # the instructions being in the conversation already: a follow-up evaluates few tokens of its own.
        first, *rest = recent
        messages = prompts.messages(
            "ask", profile.prompt_variant(variant), profile.name, context=evidence.context,
            question=parts["question"].format(question=first.question),
        )  # fmt: skip
        messages.append({"role": "assistant", "content": first.answer})
        for turn in rest:
            messages.append({"role": "user", "content": parts["again"].format(question=turn.question)})
            messages.append({"role": "assistant", "content": turn.answer})
        again = parts["again"].format(question=asked) if kind == "fact" else block
        messages.append({"role": "user", "content": again})
        return messages
    if recent:
        turns = "\n".join(parts["turn"].format(question=t.question, answer=t.answer) for t in recent)
        block = parts["earlier"].format(turns=turns) + block
    return prompts.messages(
        "ask", profile.prompt_variant(variant), profile.name, context=evidence.context, question=block
    )


def _cite(text: str, retrieved: Sequence[Located], all_regions: Sequence[Located]) -> list[Citation]:
    # Ground in the evidence first: the answer came from it.
    found = ground_answer(text, retrieved) or ground_answer(text, all_regions)
    return found or locate_same_date(text, all_regions)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _cite_by_meaning(
    text: str, question: str, passages: Sequence[Passage], threshold: float = RELEVANCE_THRESHOLD
) -> list[Citation]:
    """The passage that best matches the question with its answer, for an answer worded otherwise than its
    page (a Chinese answer from an English contract): only when it holds every number the answer gives, or,
    for an answer without numbers, when it ranks first and is close in meaning (`threshold`)."""
    numbers = _numbers(text)
    hits = retrieve(f"{question}\n{text}", list(passages), k=3, token_budget=300)
    for rank, hit in enumerate(sorted(hits, key=lambda h: -h.score)):
        held = _numbers(hit.passage.text)
        if (numbers and numbers <= held) or (not numbers and rank == 0 and hit.semantic >= threshold):
            p = hit.passage
            return [Citation(p.file, p.page, region, p.page_size) for region in p.regions]
    return []


def _numbers(text: str) -> set[float]:
    """The numbers a text states, in digits or in Chinese rates (百分之三 is 3, as "3%" is)."""
    found = {float(n) for n in _NUMBER.findall(text.replace(",", ""))}
    rates = (numeric(m.value) for m in mentions(text.replace("\n", " ")) if "分之" in m.value)
    return found | {rate for rate in rates if rate is not None}


def _cite_items(
    text: str,
    question: str,
    retrieved: Sequence[Located],
    all_regions: Sequence[Located],
    translated_from: Sequence[Passage] = (),
) -> tuple[list[Citation], list[dict]]:
    """A list answer cited item by item: the citations, and each item with the positions of its own.
    `translated_from`: the passages of items written in another language than theirs, cited by meaning."""
    citations: list[Citation] = []
    items = []
    for line in text.splitlines():
        item = _ITEM.sub("", line).strip()
        if not item:
            continue
        positions = []
        found = _cite(item, retrieved, all_regions)
        if not found and translated_from:
            found = _cite_by_meaning(item, question, translated_from, TRANSLATED_ITEM_THRESHOLD)
        for citation in found:
            if citation not in citations:
                citations.append(citation)
            positions.append(citations.index(citation))
        items.append({"text": item, "citations": positions})
    return citations, items


def _complete_list(
    answer: Answer, question: str, carried: str, passages: list[Passage], backend: Backend, variant: str
) -> None:
    """Add the items the model left out: passages that answer the question, judged one by one; in the
    question's language when the documents are in another (`carried`: the question in theirs)."""
    cited = {citation.region.text for citation in answer.citations}
    added = missing_items(question, passages, cited, backend, variant, carried)
    texts = [" ".join(line.strip() for line in passage.text.splitlines()) for passage in added]
    if carried and texts:
        texts = translate_blocks(texts, variant, backend, notes=answer.notes)
        answer.notes.append("the items taken from the passages are translated into the question's language")
    for passage, text in zip(added, texts, strict=True):
        positions = []
        for region in passage.regions:
            answer.citations.append(Citation(passage.file, passage.page, region, passage.page_size))
            positions.append(len(answer.citations) - 1)
        answer.extra["item_citations"].append({"text": text, "citations": positions})
        answer.text += f"\n{_next_marker(answer.text)} {text}"
    if added:
        answer.notes.append(f"{len(added)} item(s) added from passages the list had left out")


_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)、]", re.MULTILINE)


def _next_marker(text: str) -> str:
    """How the next item of a list starts: its number when the list is numbered, else a dash."""
    numbers = _NUMBERED.findall(text)
    return f"{int(numbers[-1]) + 1}." if numbers else "-"


def _not_found(
    lang: str, notes: list[str], started: float, on_token: TokenSink | None, after_text: bool = False
) -> Answer:
    """The documents-do-not-say answer; `after_text`: a reply was already streamed and is withdrawn."""
    text = NOT_FOUND_TEXT[lang]
    if on_token:
        on_token(f"\n\n{text}" if after_text else text)
    return Answer("ask", text, [], notes, cached=False, elapsed_ms=elapsed_ms(started))


def _stream_answer(pieces: Iterable[str], on_token: TokenSink | None) -> str:
    """Pass the reply on as it comes, holding back a start that may still turn out to be NOT FOUND."""
    text, sent = "", 0
    for piece in pieces:
        text += piece
        start = text.lstrip().upper()
        if on_token and not (NOT_FOUND.startswith(start) or start.startswith(NOT_FOUND)):
            on_token(text[sent:])
            sent = len(text)
    if on_token and sent < len(text) and not text.lstrip().upper().startswith(NOT_FOUND):
        on_token(text[sent:])  # a short reply that only looked like the start of NOT FOUND
    # A reply stopped in a loop keeps one copy of what it repeated; bullets left with nothing are dropped.
    lines = trim_repetition(text).splitlines()
    return "\n".join(line for line in lines if not _BARE_BULLETS.fullmatch(line)).strip()
