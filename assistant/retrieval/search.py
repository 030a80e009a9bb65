"""Pick the few passages of a session's pages that answer a question, to fit a small LLM's prompt.

Hybrid: BM25 finds exact terms (names, numbers, clause titles), e5 finds paraphrases and questions asked in
another language than the document. Each is min-max normalised over the candidates and the two are added.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..documents.model import Page, Region
from ..languages import chinese_number
from .embeddings import embed_passages, embed_query
from .keyword import BM25, CJK_CLASS, tokenize

# Weighted sum of min-max normalised scores rather than reciprocal-rank fusion. RRF keeps only ranks, so
# when one side has nothing to say (no question word in any passage: every BM25 score is 0, the ranks are
# arbitrary) it still pulls the answer down. On 20 questions over the test contract (gold passage known):
# BM25 alone MRR 0.79, e5 alone 0.85, RRF(k=60) 0.81, RRF(k=10) 0.84, this sum 0.87 (16/20 first); a
# 0.3/0.7 split scored 0.89 on one question more, too few to justify leaving equal weights.
KEYWORD_WEIGHT = 0.5
SEMANTIC_WEIGHT = 0.5
# Best e5 cosine at or above which a passage is taken to answer the question even with no word in common.
# Measured on the test contract: 12 unrelated questions top out at 0.733-0.772 in English and 0.814-0.836
# in Chinese (same-language text scores higher); related questions sharing no word with the text reach
# 0.869 ("How can the contract be ended?"). English questions about a Chinese-only clause score 0.78-0.81
# and are missed by this side: they rely on a shared word.
RELEVANCE_THRESHOLD = 0.85
# A list item the model translated from a clause scores 0.83-0.85 against it, unrelated clauses 0.81-0.82
# (the tests' English contract, items in Chinese): an item is cited by meaning on the best passage only,
# from here.
TRANSLATED_ITEM_THRESHOLD = 0.83

_CLAUSE_START = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇两\d]+[条章节款部分]"
    r"|(?:article|section|clause|schedule|annex)\s+[\divx]+"
    r"|\d{1,2}[.、)](?!\d)|\d{1,2}(?:\.\d{1,2})+\s"  # 5. / 5) / 5、 / 5.1 - not 2024.03.15
    r"|[一二三四五六七八九十]+、"
    r"|[(（][一二三四五六七八九十\d]+[)）])",
    re.IGNORECASE,
)
_CJK_CHAR = re.compile(f"[{CJK_CLASS}]")
_HEADING_CHARS = 24


@dataclass(frozen=True)
class Passage:
    file: str
    page: int
    page_size: tuple[int, int]
    regions: tuple[Region, ...]  # consecutive regions of one page, in reading order
    text: str  # their texts joined with "\n"


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused, 0..1
    keyword: float  # raw BM25 (0 = no question term in the passage)
    semantic: float  # raw e5 cosine similarity
    terms: int = 0  # question words, numbers and CJK bigrams found in the passage (single CJK chars excluded)


def _starts_new_passage(group: list[Region], size: int, region: Region) -> bool:
    # A numbered clause begins its own passage - unless all we hold is its heading ("第一条 定义"), or the
    # line before announces what follows ("Article 6 Liabilities of Party B:", "乙方的责任如下：").
    announces = group[-1].text.rstrip().endswith((":", "："))
    if _CLAUSE_START.match(region.text) and size > _HEADING_CHARS and not announces:
        return True
    prev = group[-1]
    line = max(prev.height, region.height, 1.0)
    gap = region.box[1] - prev.box[3]
    # A blank line's worth of space ends a paragraph; jumping back up the page means a new column.
    return gap > 1.2 * line or region.box[1] < prev.box[1] - line


def _groups(regions: Sequence[Region], max_chars: int) -> list[list[Region]]:
    groups: list[list[Region]] = []
    group: list[Region] = []
    size = 0
    for region in regions:
        text = region.text.strip()
        if not text:
            continue
        if group and (size + 1 + len(text) > max_chars or _starts_new_passage(group, size, region)):
            groups.append(group)
            group, size = [], 0
        size += len(text) + (1 if group else 0)
        group.append(region)
    if group:
        groups.append(group)
    return groups


def build_passages(pages: Sequence[tuple[str, Page]], max_chars: int = 160) -> list[Passage]:
    """Group consecutive regions of each page into passages of up to ~max_chars, in document order.

    A passage is a clause, a label+value row or a short paragraph: small enough that a handful fit the
    prompt, large enough that a label and its value stay together. Never across pages (a citation is per
    page); a single region longer than max_chars is a passage of its own, never split (it is the unit cited).
    """
    return [
        Passage(file, page.number, page.size, tuple(group), "\n".join(r.text for r in group))
        for file, page in pages
        for group in _groups(page.regions, max_chars)
    ]


def estimate_tokens(text: str) -> int:
    """Rough LLM token count: one per CJK character, one per four other characters."""
    cjk = len(_CJK_CHAR.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)


_NAMED_CLAUSE = re.compile(
    r"第\s*([一二三四五六七八九十百零〇两\d]+)\s*([条章节款])|\b(article|section|clause)\s+(\d+(?:\.\d+)*|[ivx]+)\b",
    re.IGNORECASE,
)


def clause_label(text: str) -> str | None:
    """'第四条' or 'article 7' for a passage that starts with that clause's heading, else None."""
    match = _NAMED_CLAUSE.match(text.strip())
    return _label(match) if match else None


def named_clauses(question: str) -> set[str]:
    """The clauses a question names: {'第四条'}, {'article 7'}."""
    return {_label(m) for m in _NAMED_CLAUSE.finditer(question)}


def _label(match: re.Match[str]) -> str:
    if match.group(1):
        number = chinese_number(match.group(1))
        return f"第{match.group(1) if number is None else number}{match.group(2)}"
    return f"{match.group(3).lower()} {match.group(4).lower()}"


def _min_max(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:  # all equal: no side information to rank on
        return np.zeros_like(values)
    return (values - low) / (high - low)


def retrieve(question: str, passages: list[Passage], k: int = 6, token_budget: int = 350) -> list[Hit]:
    """The best passages for the question, at most k and token_budget tokens, back in document order.

    Document order is the order of `passages` (build_passages yields file, page, position): the prompt
    then reads like the document. A passage that would overflow the budget is skipped and smaller,
    lower-ranked ones may still fill the rest.
    """
    if not passages or k <= 0:
        return []
    docs = [tokenize(p.text) for p in passages]
    query = tokenize(question)
    keyword = np.array(BM25(docs).scores(query))
    # A lone CJK character (上, 一, 国) is shared by most unrelated texts; words and bigrams are not.
    specific = {t for t in query if not _CJK_CHAR.fullmatch(t)}
    terms = [len(specific.intersection(doc)) for doc in docs]
    semantic = embed_passages([p.text for p in passages]) @ embed_query(question)
    fused = KEYWORD_WEIGHT * _min_max(keyword) + SEMANTIC_WEIGHT * _min_max(semantic)
    if named := named_clauses(question):
        # "第四条说了什么？", "What does Article 7 say?": the clause the question names comes first.
        starts = np.array([clause_label(p.text) in named for p in passages], dtype=float)
        fused = fused + starts
    chosen: list[int] = []
    used = 0
    for i in sorted(range(len(passages)), key=lambda i: -fused[i]):
        cost = estimate_tokens(passages[i].text)
        if used + cost > token_budget:
            continue
        chosen.append(i)
        used += cost
        if len(chosen) == k:
            break
    return [
        Hit(passages[i], float(fused[i]), float(keyword[i]), float(semantic[i]), terms[i])
        for i in sorted(chosen)
    ]


def is_relevant(hits: list[Hit]) -> bool:
    """False when the documents do not answer the question: say "not found" rather than invent."""
    if not hits:
        return False
    return any(h.terms for h in hits) or max(h.semantic for h in hits) >= RELEVANCE_THRESHOLD
