"""The ask task: retrieve the regions that bear on the question, answer from them, cite what was used.

Retrieval keeps the prompt near `prompt_tokens` (about 500), which is what makes a 1.5B model on two
cores answer in seconds; a backend that sees images also gets the pages those passages are on. The answer
streams; afterwards its spans are grounded back to the page's regions and only what was actually located
is cited. When retrieval finds nothing relevant, the model is not asked.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from .. import prompts
from ..answer import Answer
from ..backends.base import Backend
from ..documents.model import Document, Page
from ..languages import language_of
from ..retrieval.search import Hit, build_passages, estimate_tokens, is_relevant, retrieve
from ..settings import Settings
from .grounding import ground_answer, locate_same_date, located_regions
from .math import is_math_question, solve_math
from .read import ReadPages, elapsed_ms, read_pages
from .request import Progress, TokenSink

NOT_FOUND = "NOT FOUND"
NOT_FOUND_TEXT = {
    "en": "The documents do not say: nothing in them answers this question.",
    "zh": "文档中没有找到与这个问题相关的内容。",
}
ANSWER_TOKENS = 200
INSTRUCTION_TOKENS = 80  # the prompt's own words, beside the excerpts and the question


def ask(
    documents: Sequence[Document],
    question: str,
    backend: Backend,
    settings: Settings,
    pages: str | None = None,
    lang: str | None = None,
    on_token: TokenSink | None = None,
    progress: Progress | None = None,
) -> Answer:
    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, progress=progress)
    notes = list(read.notes)
    variant = language_of(question)
    all_regions = located_regions(read.pages)

    if is_math_question(question):
        solved = solve_math(read.pages, question, backend, variant, all_regions, on_token)
        if solved is not None:
            solved.notes[:0] = notes
            solved.elapsed_ms = elapsed_ms(started)
            return solved

    passages = build_passages(read.pages)
    budget = max(120, settings.prompt_tokens - estimate_tokens(question) - INSTRUCTION_TOKENS)
    whole = sum(estimate_tokens(p.text) for p in passages) <= budget
    if whole:
        # The whole document fits the prompt (a receipt, a label): nothing needs choosing, and the model,
        # told to answer only from it, says NOT FOUND itself. Retrieval's relevance gate is for choosing.
        hits = [Hit(p, 1.0, 0.0, 0.0) for p in passages]
    else:
        hits = retrieve(question, passages, token_budget=budget)
    if not hits or not (whole or is_relevant(hits)):
        text = NOT_FOUND_TEXT[variant]
        if on_token:
            on_token(text)
        notes.append("retrieval found nothing relevant; the model was not asked")
        return Answer("ask", text, [], notes, cached=False, elapsed_ms=elapsed_ms(started))

    context = "\n".join(f"[{i}] {hit.passage.text}" for i, hit in enumerate(hits, 1))
    profile = backend.profile
    messages = prompts.messages(
        "ask", profile.prompt_variant(variant), profile.name, context=context, question=question
    )
    shown = evidence_pages(hits, read, profile.max_images) if backend.sees_images else []
    images = [page.load_image() for page in shown]
    text = _stream_answer(backend.generate(messages, images=images, max_tokens=ANSWER_TOKENS), on_token)
    if text.upper().startswith(NOT_FOUND):
        notes.append("the model found no answer in the retrieved excerpts")
        if on_token:
            on_token(NOT_FOUND_TEXT[variant])
        return Answer("ask", NOT_FOUND_TEXT[variant], [], notes, cached=False, elapsed_ms=elapsed_ms(started))

    # Ground in the retrieved regions first: the answer came from them.
    retrieved = [
        (hit.passage.file, hit.passage.page, hit.passage.page_size, region)
        for hit in hits
        for region in hit.passage.regions
    ]
    citations = (
        ground_answer(text, retrieved)
        or ground_answer(text, all_regions)
        or locate_same_date(text, all_regions)
    )
    if not citations:
        notes.append("no part of the answer could be located on the pages, so nothing is cited")
    return Answer("ask", text, citations, notes, cached=False, elapsed_ms=elapsed_ms(started))


def evidence_pages(hits: Sequence[Hit], read: ReadPages, limit: int) -> list[Page]:
    """The pages of the best hits, at most `limit`, in document order: what a vision model is shown."""
    best: dict[tuple[str, int], float] = {}
    for hit in hits:
        key = (hit.passage.file, hit.passage.page)
        best[key] = max(best.get(key, 0.0), hit.score)
    order = list(best)  # document order: hits come in it
    chosen = set(sorted(order, key=lambda key: -best[key])[:limit])
    return [read.page(file, number) for file, number in order if (file, number) in chosen]


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
    return text.strip()
