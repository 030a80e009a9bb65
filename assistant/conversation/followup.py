"""A follow-up ("那第三天呢？", "and party A?", "为什么？") made a question of its own, from the turn before.

What a follow-up changes is a slot of the question it follows: the day or instalment ("第二天" → "第三天",
"the second day" → "the third day"), the party ("甲方" → "乙方", "the buyer" → "the seller"). That slot is
put into the earlier question, which then reads on its own, for retrieval and for the model alike. A
follow-up that changes no slot ("为什么？", "tell me more") keeps its words and carries the earlier question
along, so retrieval finds the same clause; the model also sees the earlier turns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..tasks.answer_checks import EN_ORDINAL, ZH_ORDINAL

MAX_FOLLOWUP_CHARS = 40  # longer messages say enough on their own
_LEAD = re.compile(
    r"^\s*(?:那么?|那个|还有|另外|再问一下|再|以及|and(?: what about| how about| for| on| in)?"
    r"|what about|how about"
    r"|same (?:for|question for)|also)\b\s*|^\s*(?:那么?|还有|另外|以及)\s*",
    re.IGNORECASE,
)
_TAIL = re.compile(r"(?:呢|吗|嘛)?\s*[?？。.!！]*\s*$")
_WHY = re.compile(r"^\s*(?:为什么|为何|怎么会|why|how come)\b", re.IGNORECASE)
# Roles that stand in for each other in a follow-up, each family of a contract's two sides.
_ROLE = re.compile(
    r"[甲乙丙丁]方|买方|卖方|出租方|承租方|出卖人|买受人|委托方|受托方|发包方|承包方|供方|需方"
    r"|\bparty\s+[abcd]\b|\b(?:the\s+)?(?:buyer|seller|purchaser|supplier|vendor|licensor|licensee|lessor|lessee"
    r"|landlord|tenant|employer|employee|contractor|client|customer|company|distributor)s?\b",
    re.IGNORECASE,
)


def _slots(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """(kind, match) for each slot a text names: an ordinal (day, month, instalment) or a party."""
    for pattern in (ZH_ORDINAL, EN_ORDINAL):
        for match in pattern.finditer(text):
            yield "ordinal", match
    for match in _ROLE.finditer(text):
        yield "party", match


def is_followup(message: str) -> bool:
    """Short, and leaning on what came before: a leading "那/and/what about", a trailing "呢", or "why?"."""
    text = message.strip()
    if not text or len(text) > MAX_FOLLOWUP_CHARS:
        return False
    return bool(_LEAD.match(text) or re.search(r"呢\s*[?？]?\s*$", text) or _WHY.match(text))


def resolve(message: str, previous_question: str | None) -> str:
    """The follow-up as a question that reads on its own; any other message as it is."""
    if not previous_question or not is_followup(message):
        return message
    core = _TAIL.sub("", _LEAD.sub("", message.strip())).strip()
    if _WHY.match(message):
        return f"{message.strip()} ({previous_question})"
    new_slots = _slots(core)
    result = previous_question
    changed = False
    for kind, new in new_slots:
        for old_kind, old in _slots(result):
            if old_kind == kind and old.group(0).lower() != new.group(0).lower():
                result = result[: old.start()] + _same_case(new.group(0), old.group(0)) + result[old.end() :]
                changed = True
                break
    if changed:
        return result
    if not core:
        return previous_question  # "那呢？", "and?": the same question again (a new scope may come with it)
    return f"{message.strip()} ({previous_question})"


def _same_case(new: str, old: str) -> str:
    """'party A' in a question that wrote 'Party B' becomes 'Party A'."""
    return new[0].upper() + new[1:] if old[:1].isupper() and new[:1].islower() else new
