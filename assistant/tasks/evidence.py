"""What the model is shown to answer a question: the documents whole when they fit the context budget (that
part of the prompt is then kept and reused), otherwise the passages retrieval picks, found across languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import prompts
from ..backends.base import Backend
from ..backends.openai_client import ModelServerError
from ..documents.model import Page
from ..languages import LANGUAGE_NAMES, language_of, text_language
from ..retrieval.search import Hit, Passage, build_passages, estimate_tokens, is_relevant, retrieve
from ..settings import Settings
from .read import ReadPages, page_text
from .replies import reply_text

FACT_PASSAGES = 6
LIST_PASSAGES = 12  # a list question wants every clause that answers it, across pages
QUERY_TOKENS = 60  # the question carried over to the documents' language
MAX_CARRIED_CHARS = 300
_MARKUP = re.compile(r"<\|?[^<>\n]{0,40}\|?>")  # "<|im_start|>", "<image>": tokens, not words of a question


@dataclass
class Evidence:
    context: str  # the text between <document> and </document>
    whole: bool  # every page of the documents, in order (the context is then kept as a prompt prefix)
    hits: list[Hit]  # the passages shown
    pages: list[tuple[str, Page]]  # the pages they are on, for a backend that sees images
    notes: list[str] = field(default_factory=list)
    carried: str = ""  # the question in the documents' language, when it is asked in another


def whole_documents(read: ReadPages) -> str:
    """Every page's text in order; with several pages each is headed by its file and number."""
    pages = [(name, page) for name, page in read.pages if page.regions]
    if len(pages) == 1:
        return page_text(pages[0][1].regions)
    return "\n\n".join(f"[{name}, page {page.number}]\n{page_text(page.regions)}" for name, page in pages)


def fits_whole(context: str, backend: Backend, settings: Settings) -> bool:
    return bool(context) and backend.count_tokens(context) <= settings.context_tokens


def gather(
    read: ReadPages, question: str, backend: Backend, settings: Settings, kind: str = "fact"
) -> Evidence | None:
    """The evidence for a question; None when nothing in the documents bears on it.

    `kind` "list" or "summary": the answer gathers items from all over the documents, so more passages are
    shown; a summary also brings the best passage for each of its headings (searched in the documents'
    language).
    """
    passages = build_passages(read.pages)
    if not passages:
        return None
    whole = whole_documents(read)
    notes: list[str] = []
    document_language = text_language(whole)
    carried = ""
    if text_language(question) != document_language:
        # A small model reading a Chinese contract for an English question says NOT FOUND far less often
        # when it is also given the question in Chinese; retrieval searches with both.
        carried = carry_over(question, document_language, backend)
        if carried:
            name = LANGUAGE_NAMES.get(document_language, document_language)
            notes.append(f"the question in {name} too: {carried}")
    if fits_whole(whole, backend, settings):
        # The model reads it all (and says NOT FOUND itself): nothing needs choosing, nothing is refused.
        hits = [Hit(p, 1.0, 0.0, 0.0) for p in passages]
        return Evidence(whole, True, hits, list(read.pages), notes, carried)
    query = f"{question}\n{carried}" if carried else question
    many = kind != "fact"
    budget = max(120, settings.prompt_tokens * (2 if many else 1) - estimate_tokens(question))
    hits = retrieve(query, passages, k=LIST_PASSAGES if many else FACT_PASSAGES, token_budget=budget)
    if kind == "summary":
        headings = prompts.parts("ask", language_of(whole), backend.profile.name)["summary_queries"]
        hits = _with_headings(hits, headings.split(";"), passages, budget)
    elif not hits or not is_relevant(hits):
        return None
    shown = list(dict.fromkeys((hit.passage.file, hit.passage.page) for hit in hits))
    pages = [(name, read.page(name, number)) for name, number in shown]
    return Evidence(numbered(hits), False, hits, pages, notes, carried)


def numbered(hits: Sequence[Hit]) -> str:
    return "\n".join(f"[{i}] ({hit.passage.file}, page {hit.passage.page}) {hit.passage.text}"
                     for i, hit in enumerate(hits, 1))  # fmt: skip


def carry_over(question: str, language: str, backend: Backend) -> str:
    """The question in the documents' language (the model translates it), or '' when that fails."""
    name = LANGUAGE_NAMES.get(language, language)
    profile = backend.profile
    variant = profile.prompt_variant(language_of(question))
    messages = prompts.messages("query", variant, profile.name, question=question, language=name)
    try:
        text = reply_text(backend.generate(messages, max_tokens=QUERY_TOKENS))
    except ModelServerError:
        # An aid, not the answer: a server that takes no text-only request (`transformers serve` with
        # some vision models) still answers the question itself, with the page image.
        return ""
    carried = _MARKUP.sub(" ", text.splitlines()[0] if text else "").strip()[:MAX_CARRIED_CHARS]
    # A reply that is not in that language is no translation (a confused or broken model): not used.
    return carried if carried and text_language(carried) == language else ""


def _with_headings(
    hits: list[Hit], queries: Sequence[str], passages: list[Passage], budget: int
) -> list[Hit]:
    """The best passage for each heading first, then the question's own, within the budget, in order."""
    chosen: dict[int, Hit] = {}
    index = {id(p): i for i, p in enumerate(passages)}
    used = 0
    for query in queries:
        for hit in retrieve(query, passages, k=1, token_budget=budget):
            cost = estimate_tokens(hit.passage.text)
            if index[id(hit.passage)] not in chosen and used + cost <= budget:
                chosen[index[id(hit.passage)]] = hit
                used += cost
    for hit in hits:
        cost = estimate_tokens(hit.passage.text)
        if index[id(hit.passage)] not in chosen and used + cost <= budget:
            chosen[index[id(hit.passage)]] = hit
            used += cost
    return [chosen[i] for i in sorted(chosen)]
