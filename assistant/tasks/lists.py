"""A list answer completed from the passages that bear on the question but that it left out.

A small model asked for "every liability of Party B" lists two of three. So after it answers, the passages
retrieval ranks highest for the question and that no item of the answer cites are each put to the model on
their own ("does this passage answer the question?", one word); those it accepts become items, in their own
words (ask translates them when the question is in another language), each cited. This is the map over
candidate passages; the model's own list is the first part, and a list the model left empty is all theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import prompts
from ..backends.base import Backend
from ..retrieval.search import Passage, retrieve
from .answer_checks import parties
from .replies import reply_text

CANDIDATES = 8  # passages ranked for the question
MAX_JUDGED = 6  # of them, put to the model
MIN_CHARS = 12  # a heading alone ("Article 6") is no item


def missing_items(
    question: str,
    passages: Sequence[Passage],
    cited_texts: set[str],
    backend: Backend,
    variant: str,
    carried: str = "",
) -> list[Passage]:
    """Passages that answer the question (in the model's judgement) and that no item cites, in order.
    `carried`: the question in the documents' language, when it is asked in another."""
    query = f"{question}\n{carried}" if carried else question
    ranked = retrieve(query, list(passages), k=CANDIDATES, token_budget=10**6)
    ranked.sort(key=lambda hit: -hit.score)
    profile = backend.profile
    asked_about = parties(question)
    found = []
    for hit in ranked[:MAX_JUDGED]:
        passage = hit.passage
        texts = {region.text for region in passage.regions}
        if texts & cited_texts or _heading(passage.text):
            continue
        named = parties(passage.text)
        if asked_about and named and not named & asked_about:
            continue  # "Party B's liabilities": a clause about Party A alone is none of them
        messages = prompts.messages("judge", variant, profile.name, question=query, passage=passage.text)
        if reply_text(backend.generate(messages, max_tokens=2)).upper().startswith("YES"):
            found.append(passage)
    order = {id(p): i for i, p in enumerate(passages)}
    return sorted(found, key=lambda p: order.get(id(p), 0))


def _heading(text: str) -> bool:
    """A heading with nothing under it ("Article 6 Liabilities of Party B:", "第四条 违约责任") is no item."""
    text = text.strip()
    return (
        len(text) < MIN_CHARS
        or text.endswith((":", "："))
        or ("\n" not in text and len(text.split()) <= 4 and len(text) < 20)
    )
