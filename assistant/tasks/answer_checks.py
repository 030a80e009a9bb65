"""Values in an answer checked against the evidence the model was shown.

Every number, amount, rate or date an answer states must stand in the evidence, in a clause whose wording
matches the question's qualifiers (which day, which party). A value found only in a clause about another
day or party is re-derived from the clause that matches (the line "第一天1%，第二天2%，第三天3%" answers
"第二天" with 2%, whatever the model picked); a value found nowhere is dropped, with a note. So is a date
that the evidence does not give in any spelling (2008年4月25日 stands for "25 April 2008").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..languages import chinese_number, chinese_numeral
from .grounding import normalize
from .validators import DateSpan, find_dates

# Amounts, rates and plain numbers as an answer writes them (dates are located by grounding, not here).
_VALUE = re.compile(
    r"(?:[¥$€£￥]\s*|RM\s*)?\d[\d,]*(?:\.\d+)?"
    r"\s*(?:%|％|‰|元|万元|美元|dollars?|days?|天|日|个月|months?|years?|年)?"
    r"|百分之[零一二三四五六七八九十百点]+|千分之[零一二三四五六七八九十百点]+|万分之[零一二三四五六七八九十百点]+",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[，。；;！？!?\n]|,(?!\d{3})|(?<!\d)\.(?!\d)")
_EN_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
               "eighth": 8, "ninth": 9, "tenth": 10}  # fmt: skip
_UNIT = {"天": "day", "日": "day", "day": "day", "days": "day", "周": "week", "week": "week", "月": "month",
         "个月": "month", "month": "month", "年": "year", "year": "year", "期": "instalment",
         "instalment": "instalment", "installment": "instalment", "次": "time", "time": "time"}  # fmt: skip
ZH_ORDINAL = re.compile(r"第\s*([一二两三四五六七八九十\d]+)\s*(个月|天|日|周|月|年|期|次)")
EN_ORDINAL = re.compile(
    rf"\b({'|'.join(_EN_ORDINAL_WORDS)}|\d+(?:st|nd|rd|th))\s+(day|week|month|year|instalment|installment|time)s?\b"
    r"|\b(day|week|month|year)\s+(\d+)\b",
    re.IGNORECASE,
)
PARTY = re.compile(r"([甲乙丙丁])方|\bparty\s+([abcd])\b", re.IGNORECASE)
_PARTY_OF = {"甲": "a", "乙": "b", "丙": "c", "丁": "d"}


@dataclass
class Checked:
    text: str
    notes: list[str] = field(default_factory=list)


def ordinals(text: str) -> set[tuple[str, int]]:
    """('day', 2) for 第二天 / second day / 2nd day / day 2."""
    return {item for _, item in _ordinal_matches(text)}


def parties(text: str) -> set[str]:
    return {_PARTY_OF.get(a, "") or b.lower() for a, b in PARTY.findall(text)}


_FRACTION = {"百分之": 1.0, "千分之": 0.1, "万分之": 0.01}  # as a percentage


def numeric(value: str) -> float | None:
    """A value as a number, rates as percentages: 20% 20.0, 万分之五 0.05, ¥1,280.00 1280.0."""
    for prefix, scale in _FRACTION.items():
        if value.startswith(prefix):
            number = chinese_numeral(value[len(prefix) :])
            return None if number is None else float(number) * scale
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", value)
    if digits is None:
        return None
    number = float(digits.group(0).replace(",", ""))
    return number / 10 if "‰" in value else number


def _kind(value: str) -> str:
    low = value.lower()
    if any(sign in low for sign in ("%", "％", "‰", "分之")):
        return "rate"
    if any(sign in low for sign in ("¥", "$", "€", "£", "￥", "rm", "元", "dollar")):
        return "amount"
    return "number"


def _clauses(text: str) -> list[str]:
    return [c for c in (part.strip() for part in _CLAUSE.split(text)) if c]


@dataclass(frozen=True)
class _Mention:
    """A value in the evidence, with the ordinal (which day, which instalment) it belongs to, if any."""

    value: str
    clause: str
    ordinal: tuple[str, int] | None


def mentions(text: str) -> list[_Mention]:
    """The values of a text, each paired with its ordinal. Within a clause the pairs run one way: "第二天支付
    2%" (the ordinal first: each value takes the one before it) or "2% on the second day and 3% on the third
    day" (the value first: each takes the one after it)."""
    found = []
    for clause in _clauses(text):
        values = [m for m in _VALUE.finditer(clause) if _is_value(m.group(0))]
        marks = [(m.start(), m.end(), item) for m, item in _ordinal_matches(clause)]
        value_first = bool(values and marks and values[0].start() < marks[0][0])
        for match in values:
            if value_first:
                after = [item for start, _, item in marks if start >= match.end()]
                ordinal = after[0] if after else (marks[-1][2] if marks else None)
            else:
                before = [item for _, end, item in marks if end <= match.start()]
                ordinal = before[-1] if before else (marks[0][2] if marks else None)
            found.append(_Mention(match.group(0).strip(), clause, ordinal))
    return found


def check_values(answer: str, question: str, evidence: Sequence[str]) -> Checked:
    """The answer with each value re-derived from the clause that matches the question, or dropped when the
    evidence does not hold it. `evidence`: the texts the model was shown (a passage's lines together)."""
    said = [m for text in evidence for m in mentions(text.replace("\n", " "))]
    notes: list[str] = []
    edits: list[tuple[int, int, str]] = []  # (start, end, value) in the answer as the model wrote it
    dropped: list[str] = []
    dates = find_dates(answer)  # checked whole, below, not as their numbers
    for match in _VALUE.finditer(answer):
        value = match.group(0).strip()
        if not _is_value(value) or any(d.start < match.end() and match.start() < d.end for d in dates):
            continue
        at = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        holding = [m for m in said if _same(m.value, value)]
        if not holding:
            if _kind(value) != "number":  # a bare count may be the model's own ("3 items"); an amount may not
                dropped.append(value)
                notes.append(f"{value!r} is not in the text the answer came from; it was dropped")
            continue
        if (scaled := _scaled(value, answer[at + len(value) :], evidence)) is not None:
            edits.append((at, at + len(value), scaled))
            notes.append(f"{value!r} is {scaled!r} in the text; the answer had dropped its scale")
            continue
        if (led := _as_led(answer[:at], value, evidence)) is not None:
            edits.append((at, at + len(value), led))
            notes.append(f"{value!r} stands elsewhere in the text; after the answer's words it says {led!r}")
            continue
        # An item naming its own day or party ("- 第一天支付1%") is checked against that, not the question.
        own = _clause_at(answer, at)
        wanted_order = ordinals(own) or ordinals(question)
        wanted_party = parties(own) or parties(question)
        if not wanted_order and not wanted_party:
            continue
        if any(_belongs(m, wanted_order, wanted_party) for m in holding):
            continue
        better = list(
            dict.fromkeys(
                m.value
                for m in said
                if _kind(m.value) == _kind(value) and _belongs(m, wanted_order, wanted_party)
            )
        )
        if len(better) == 1:
            edits.append((at, at + len(value), better[0]))
            notes.append(
                f"{value!r} belongs to another part of the clause than the one the question asks about; "
                f"the text says {better[0]!r} there"
            )
    text = answer
    for start, end, value in sorted(edits, reverse=True):
        text = text[:start] + value + text[end:]
    for value in dropped + _dates_not_given(answer, dates, evidence, notes):
        text = _drop_clause(text, value)
    return Checked(text, notes)


def _dates_not_given(
    answer: str, dates: list[DateSpan], evidence: Sequence[str], notes: list[str]
) -> list[str]:
    """The dates of the answer (as it writes them) that the evidence gives in no spelling: a small model
    asked for a date the text does not state makes one up ("2019年9月15日" for a gazette whose date is
    only in its printed header)."""
    given = {span.date for text in evidence for span in find_dates(text)}
    unnormal = unicodedata.normalize("NFKC", answer)
    missing = []
    for span in dates:
        written = unnormal[span.start : span.end].strip()
        if span.date not in given and written in answer:
            missing.append(written)
            notes.append(f"{written!r} is not a date the text gives; it was dropped")
    return missing


def _clause_at(text: str, at: int) -> str:
    """The clause (between punctuation) of `text` that holds position `at`."""
    starts = [m.end() for m in _CLAUSE.finditer(text, 0, at)]
    stop = _CLAUSE.search(text, at)
    return text[(starts[-1] if starts else 0) : stop.start() if stop else len(text)]


LEAD_CHARS = {"zh": 4, "en": 8}  # the answer's words just before a value that must lead to it in the text
_GAP = 2  # characters allowed between those words and the value ("的", ":")


def _as_led(before: str, value: str, evidence: Sequence[str]) -> str | None:
    """The value the text gives right after the words the answer puts before `value` (`before`: the answer
    up to it), when the text never follows them with `value` itself: the model copied the sentence and
    took its number from the next one ("应付未付款的百分之五" where the text says "应付未付款的万分之五";
    its 百分之五 is the cap after it)."""
    before = _squeeze(before)
    size = LEAD_CHARS["zh" if before and "\u3400" <= before[-1] <= "\u9fff" else "en"]
    lead = before[-size:]
    if len(lead) < size:
        return None
    followers = set()
    for text in evidence:
        hay = _squeeze(text)
        start = hay.find(lead)
        while start >= 0:
            rest = hay[start + len(lead) : start + len(lead) + _GAP + 24]
            match = _VALUE.search(rest)
            if match and match.start() <= _GAP and not any(ch.isdigit() for ch in rest[: match.start()]):
                followers.add(match.group(0))
            start = hay.find(lead, start + 1)
    if not followers or any(_same(said, _squeeze(value)) for said in followers):
        return None
    same_kind = {said for said in followers if _kind(said) == _kind(value)}
    return same_kind.pop() if len(same_kind) == 1 else None


_SCALE = re.compile(r"\s*(million|billion|thousand|mn|bn|万|亿|千)(?![a-z])", re.IGNORECASE)


def _scaled(value: str, after: str, evidence: Sequence[str]) -> str | None:
    """`value` with the scale word the text always writes after it ("200" is "200 million" there), when the
    answer left it out: a number without its million is another amount."""
    if _SCALE.match(after) or _kind(value) == "rate":
        return None
    number = re.escape(value.strip())
    scales = set()
    for text in evidence:
        for match in re.finditer(rf"(?<![\d.,]){number}(?![\d.,]\d)", text):
            scale = _SCALE.match(text, match.end())
            if scale is None:
                return None  # the text also states the bare number
            scales.add(scale.group(0))
    if len(scales) != 1:
        return None
    return value + scales.pop()


def _squeeze(text: str) -> str:
    """Text without spaces and case, as OCR lines and an answer's words both come to it."""
    return re.sub(r"\s+", "", text).lower()


def _is_value(value: str) -> bool:
    norm = normalize(value)
    return bool(norm) and (any(ch.isdigit() for ch in norm) or "分之" in value)


def _same(said: str, value: str) -> bool:
    if normalize(value) == normalize(said) or normalize(value) in normalize(said):
        return True
    number = numeric(value)
    return (
        number is not None
        and _kind(value) != "number"
        and _kind(said) == _kind(value)
        and (numeric(said) == number)
    )


def _ordinal_matches(text: str) -> list[tuple[re.Match[str], tuple[str, int]]]:
    found = []
    for match in ZH_ORDINAL.finditer(text):
        if (n := chinese_number(match.group(1))) is not None:
            found.append((match, (_UNIT[match.group(2)], n)))
    for match in EN_ORDINAL.finditer(text):
        if match.group(1):
            word = match.group(1).lower()
            number = _EN_ORDINAL_WORDS.get(word) or int(word[:-2])  # "second" or "2nd"
            found.append((match, (_UNIT[match.group(2).lower()], number)))
        else:
            found.append((match, (_UNIT[match.group(3).lower()], int(match.group(4)))))
    return sorted(found, key=lambda pair: pair[0].start())


# A party the clause pays or serves ("向乙方偿付", "to Party B") is not the party it is about.
_RECIPIENT = re.compile(r"(?:向|给|对|为)\s*[甲乙丙丁]方|\b(?:to|for)\s+party\s+[abcd]\b", re.IGNORECASE)


def _belongs(mention: _Mention, wanted_order: set[tuple[str, int]], wanted_party: set[str]) -> bool:
    if wanted_order and mention.ordinal not in wanted_order:
        return False
    # A party is required only where the clause names a party at all ("第二天2%" belongs to whoever is late).
    named = parties(_RECIPIENT.sub(" ", mention.clause))
    return not (wanted_party and named and not named & wanted_party)


def _drop_clause(text: str, value: str) -> str:
    """The text without the clause (sentence piece) that states `value`."""
    pieces = re.split(r"(?<=[，。；;！？!?\n])|(?<=[,.] )", text)
    kept = [piece for piece in pieces if value not in piece]
    return "".join(kept).strip(" ，,;；")
