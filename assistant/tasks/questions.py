"""What kind of answer a question asks for: one fact, a list of every matching item, or a summary."""

from __future__ import annotations

import re

_LIST = re.compile(
    r"哪些|有哪|列出|列举|所有|全部|各项|都有什么|分别"
    r"|\b(?:what|which) (?:are|were)\b|\blist\b|\ball (?:the )?\w+|\bevery\b|\beach\b"
    r"|\bin which cases\b"
    r"|\bwhat (?:obligations|liabilities|rights|duties|responsibilities|conditions|cases|events)\b",
    re.IGNORECASE,
)
_SUMMARY = re.compile(
    r"总结|概括|摘要|归纳|概述|主要内容"
    r"|\bsummar(?:y|ise|ize)\b|\boverview\b|\bgist\b|\bkey (?:terms|points)\b",
    re.IGNORECASE,
)


def wants_list(question: str) -> bool:
    """A question whose answer is every matching item: "甲方的违约责任有哪些？", "What are party B's
    liabilities?", "In which cases may a party terminate?"."""
    return bool(_LIST.search(question)) and not wants_summary(question)


def wants_summary(question: str) -> bool:
    """A request for a summary: "Summarise this contract", "总结一下这份合同"."""
    return bool(_SUMMARY.search(question))
