"""Keyword side of retrieval: a tokenizer that works for Chinese/Japanese/Korean and Latin text, and BM25.

CJK text has no spaces, so every CJK character is a unigram and every pair of neighbours a bigram:
`甲方的违约责任` then shares `违约`, `约责`, `责任` with `违约责任` without needing a word segmenter.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

# Han (incl. extension A, compatibility, extension B+), kana, Hangul syllables and jamo.
CJK_CLASS = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN = re.compile(
    rf"(?P<cjk>[{CJK_CLASS}]+)"
    r"|(?P<num>\d+(?:[.,]\d+)+)"  # numbers with separators: 1,280.00  2024.03.15
    rf"|(?P<word>(?:(?![{CJK_CLASS}])[^\W_])+)"  # Latin (any script but CJK) letters and digits
)

# English function and question words: they match everything and rank nothing ("s", "t": what's, don't).
_EN_STOP = """a an the of to in on at by for with from as and or but not is are was were be been being it its
this that these those there here do does did has have had can could will would shall should may might must
what which who whom whose when where why how any some all about into than then i you he she we they me my
your our their please tell s t d ll m re ve"""
# Chinese function characters, and a few Japanese particles (kana are CJK unigrams too).
_CJK_STOP = "是 有 和 与 及 或 在 对 把 被 就 都 也 还 请 问 の は が を に で と も"
STOPWORDS = frozenset(_EN_STOP.split() + _CJK_STOP.split())
# Question words and particles cut a CJK run in two, so no bigram spans them (`的违`, `有哪`, `哪些`).
_CJK_BREAKS = re.compile("哪些|哪个|哪里|什么|怎么|怎样|如何|多少|是否|请问|为什么|[的了吗呢吧啊么]")


def _number_tokens(raw: str) -> list[str]:
    plain = raw.replace(",", "")
    out = [raw] if plain == raw else [raw, plain]
    whole, _, frac = plain.partition(".")
    if frac and set(frac) == {"0"}:  # 1,280.00 also matches a question that says 1280
        out.append(whole)
    return out


def _stem(word: str) -> str:
    """Plural and third-person "s" only (invoices/invoice, pays/pay): enough to meet a clause's wording."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    tokens: list[str] = []
    for m in _TOKEN.finditer(text):
        if cjk := m.group("cjk"):
            for run in _CJK_BREAKS.split(cjk):
                tokens.extend(run)
                tokens.extend(a + b for a, b in itertools.pairwise(run))
        elif num := m.group("num"):
            tokens.extend(_number_tokens(num))
        else:
            tokens.append(_stem(m.group("word")))
    return [t for t in tokens if t not in STOPWORDS]


class BM25:
    """Okapi BM25 over pre-tokenized documents; small enough to rebuild per question."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = [Counter(doc) for doc in documents]
        self.lengths = [len(doc) for doc in documents]
        self.avgdl = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df: Counter[str] = Counter()
        for counts in self.tf:
            df.update(counts.keys())
        n = len(documents)
        # The "+1" form of idf never goes negative, so a term present in most passages still counts a little.
        self.idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}

    def scores(self, query_tokens: Sequence[str]) -> list[float]:
        terms = [t for t in dict.fromkeys(query_tokens) if t in self.idf]  # unique, known terms
        out = []
        for counts, length in zip(self.tf, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / self.avgdl) if self.avgdl else self.k1
            score = 0.0
            for term in terms:
                if f := counts.get(term, 0):
                    score += self.idf[term] * f * (self.k1 + 1) / (f + norm)
            out.append(score)
        return out
