"""The ask task: retrieve the regions that bear on the question, answer from them, cite what was used.

Retrieval keeps the prompt near `prompt_tokens` (about 500), which is what makes a 1.5B model on two
cores answer in seconds. The answer streams; afterwards its spans are grounded back to OCR regions and
only what was actually located is cited. When retrieval finds nothing relevant, the model is not asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from .. import prompts
from ..answer import Answer
from ..documents.model import Document
from ..llm.local import LocalLLM
from ..retrieval.search import build_passages, estimate_tokens, is_relevant, retrieve
from ..settings import Settings
from . import mathsolve
from .grounding import ground_answer, locate, located_regions
from .read import Progress, elapsed_ms, page_text, read_pages

NOT_FOUND = "NOT FOUND"
NOT_FOUND_TEXT = {
    "en": "The documents do not say: nothing in them answers this question.",
    "zh": "文档中没有找到与这个问题相关的内容。",
}
ANSWER_TOKENS = 200
MATH_WORDS = ("solve", "equation", "calculate", "解", "方程", "求", "计算", "算")

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
    hits = retrieve(question, passages, token_budget=budget)
    if not hits or not is_relevant(hits):
        text = NOT_FOUND_TEXT[variant]
        if on_token:
            on_token(text)
        notes.append("retrieval found nothing relevant; the model was not asked")
        return Answer("ask", text, [], notes, cached=False, elapsed_ms=elapsed_ms(started))

    context = "\n".join(f"[{i}] {hit.passage.text}" for i, hit in enumerate(hits, 1))
    messages = prompts.messages("ask", variant, context=context, question=question)
    pieces: list[str] = []
    for piece in llm.stream(messages, max_tokens=ANSWER_TOKENS):
        pieces.append(piece)
        if on_token:
            on_token(piece)
    text = "".join(pieces).strip()
    if text.upper().startswith(NOT_FOUND):
        notes.append("the model found no answer in the retrieved excerpts")
        return Answer("ask", NOT_FOUND_TEXT[variant], [], notes, cached=False, elapsed_ms=elapsed_ms(started))

    # Ground in the retrieved regions first: the answer came from them.
    retrieved = [
        (hit.passage.file, hit.passage.page, hit.passage.page_size, region)
        for hit in hits
        for region in hit.passage.regions
    ]
    citations = ground_answer(text, retrieved) or ground_answer(text, all_regions)
    if not citations:
        notes.append("no part of the answer could be located on the pages, so nothing is cited")
    return Answer("ask", text, citations, notes, cached=False, elapsed_ms=elapsed_ms(started))


def _is_math(question: str) -> bool:
    low = question.casefold()
    return any(word in low for word in MATH_WORDS)


def _solve_math(pages, question, llm, variant, all_regions, on_token) -> Answer | None:
    """Solve a problem on the page with sympy (checked); failing that, with the model (not checked)."""
    text = "\n".join(page_text(page.regions) for _, page in pages)
    result = mathsolve.solve(text)
    if result is not None:
        note = (
            "checked with sympy: the solution satisfies the equation"
            if result.checked
            else ("sympy could not confirm the solution")
        )
        if on_token:
            on_token(result.explanation)
        citations = locate(result.problem, all_regions)
        return Answer("ask", result.explanation, citations, [note])
    if not mathsolve.find_equations(text) and not any(c.isdigit() for c in text):
        return None  # no problem on the page: answer the question from the document instead
    messages = prompts.messages("math", variant, problem=text[:1200], question=question)
    pieces = []
    for piece in llm.stream(messages, max_tokens=320):
        pieces.append(piece)
        if on_token:
            on_token(piece)
    answer = "".join(pieces).strip()
    return Answer("ask", answer, [], ["not checked: sympy could not parse the problem, the model solved it"])
