"""Who a party of a contract is: the name the contract writes beside its label ("甲方：新城第三中学",
"Party A: Beijing Baidu Netcom …", "Beijing Baidu Netcom … (“Party A”)").

A small model asked "Who is Party A?" sometimes answers with the label itself ("Party A", "乙方") or says the
documents do not tell; the contract's own heading line names the party, so that line is the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .answer_checks import parties
from .grounding import Located

_WHO = re.compile(
    r"^\s*(?:who|which (?:company|party|organi[sz]ation))\b|是谁|是哪(?:家|个|一方)|名称|叫什么|the name of",
    re.IGNORECASE,
)
_ZH = {"a": "甲", "b": "乙", "c": "丙", "d": "丁"}
_BRACKETS = r"(?:[(（][^)）]{0,20}[)）])?"  # 甲方（买方）：…
_NAME = r"(\S[^\n]{1,80}?)"
_SIGNED = re.compile(r"^\s*(?:/s/|by:|signed:|签[字章]：?)\s*", re.IGNORECASE)  # a signature line's marks


def _label(party: str) -> str:
    return rf"(?:{_ZH[party]}\s*方|party\s*{party})"


def is_echo(answer: str, question: str) -> bool:
    """An answer that adds nothing to the question: empty, or words the question already has."""
    norm = re.sub(r"[\W_]+", "", answer.casefold())
    return not norm or norm in re.sub(r"[\W_]+", "", question.casefold())


def party_name(question: str, regions: Sequence[Located]) -> tuple[str, Located] | None:
    """The name of the one party a "who is …" question asks about, and the line that gives it."""
    asked = parties(question)
    if len(asked) != 1 or not _WHO.search(question):
        return None
    label = _label(next(iter(asked)))
    number = r"(?:[(（]?[一二三四五六七八九十\d]{1,2}[)）、.]\s*)?"
    before = re.compile(rf"^\s*{number}{label}\s*{_BRACKETS}\s*[:：]\s*{_NAME}\s*$", re.IGNORECASE)
    called = r"(?:hereinafter\s+(?:referred\s+to\s+as\s+)?)?"
    after = re.compile(rf"{_NAME}\s*[(（]\s*{called}[\"“”'‘]?{label}[\"“”'’]?\s*[)）]", re.IGNORECASE)
    found: list[tuple[int, str, Located]] = []
    for located in regions:
        text = located[3].text.strip()
        # The definition ("… (“Party A”)") names the party best; a "Party A: …" line may be a signature.
        for rank, match in ((0, after.search(text)), (1, before.match(text))):
            if match:
                name = _SIGNED.sub("", match.group(1)).strip(' ,，;；:："“”')
                if len(re.sub(r"\W+", "", name)) >= 2 and not parties(name):
                    found.append((rank, name, located))
    if not found:
        return None
    _, name, located = min(found, key=lambda f: f[0])  # the first line of the best kind
    return name, located
