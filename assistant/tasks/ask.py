"""The ask task: retrieve the regions that bear on the question, answer from them, cite what was used.

Retrieval keeps the prompt near `prompt_tokens` (about 500), which is what makes a 1.5B model on two
cores answer in seconds. The answer streams; afterwards its spans are grounded back to OCR regions and
only what was actually located is cited. When retrieval finds nothing relevant, the model is not asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from .. import prompts
from ..answer import Answer
from ..documents.model import Document
from ..llm.local import LocalLLM
from ..retrieval.search import Hit, build_passages, estimate_tokens, is_relevant, retrieve
from ..settings import Settings
from . import mathsolve
from .grounding import ground_answer, locate, locate_same_date, located_regions
from .read import Progress, elapsed_ms, page_text, read_pages

NOT_FOUND = "NOT FOUND"
NOT_FOUND_TEXT = {
    "en": "The documents do not say: nothing in them answers this question.",
    "zh": "文档中没有找到与这个问题相关的内容。",
}
ANSWER_TOKENS = 200
MATH_WORDS = ("solve", "equation", "calculate", "math", "解", "方程", "计算", "这道题")

TokenSink = Callable[[str], None]


def ask(
    documents: Sequence[Document],
    question: str,
    llm: LocalLLM,
    settings: Settings,
    pages: str | None = None,
    lang: str | None = None,
    on_token: TokenSink | None = None,
    progress: Progress | None = None,
) -> Answer:
    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, progress=progress)
    notes = list(read.notes)
    variant = prompts.language_of(question)
    all_regions = located_regions(read.pages)

    if _is_math(question):
        solved = _solve_math(read.pages, question, llm, variant, all_regions, on_token)
        if solved is not None:
            solved.notes[:0] = notes
            solved.elapsed_ms = elapsed_ms(started)
            return solved

    passages = build_passages(read.pages)
    budget = max(120, settings.prompt_tokens - estimate_tokens(question) - 80)  # 80: instructions
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
    messages = prompts.messages("ask", variant, context=context, question=question)
    text = _stream_answer(llm.stream(messages, max_tokens=ANSWER_TOKENS), on_token)
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


def _is_math(question: str) -> bool:
    low = question.casefold()
    return any(word in low for word in MATH_WORDS)


def _solve_math(pages, question, llm, variant, all_regions, on_token) -> Answer | None:
    """Solve a problem on the page with sympy (checked); failing that, with the model (not checked)."""
    text = "\n".join(page_text(page.regions) for _, page in pages)
    result = mathsolve.solve(text)
    if result is not None:
        if result.checked:
            note = "checked with sympy: the solution satisfies the equation"
        elif not result.solutions:
            note = "solved with sympy: the equation has no single solution (see the answer)"
        else:
            note = "not checked: sympy could not confirm the solution"
        if on_token:
            on_token(result.explanation)
        citations = locate(result.problem, all_regions)
        return Answer("ask", result.explanation, citations, [note])
    if not mathsolve.find_equations(text):
        return None  # no problem on the page ("how is the dispute 解决"): answer from the document
    messages = prompts.messages("math", variant, problem=text[:1200], question=question)
    pieces = []
    for piece in llm.stream(messages, max_tokens=320):
        pieces.append(piece)
        if on_token:
            on_token(piece)
    answer = "".join(pieces).strip()
    return Answer("ask", answer, [], ["not checked: sympy could not parse the problem, the model solved it"])
