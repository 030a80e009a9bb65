"""Field names for extract, from whatever a person typed: 'a,b,c', '请提取金额、税号、开票日期', 'x and y'.

Kept apart from extract.py so that the chat's router and the API read field names without loading the
model stack.
"""

from __future__ import annotations

import re

from ..errors import ArgumentError

# 和/及 separate names only between CJK names ("金额和税号") or as a word of their own in mixed text
# ("invoice number 和 date"), not inside words such as 总和 or 涉及.
_SPLIT = re.compile(
    r"\s*(?:[,，、;；]|\band\b|以及|(?<=[\u4e00-\u9fff]{2})[和及](?=[\u4e00-\u9fff]{2})|(?<=\s)[和及与](?=\s))\s*"
)
_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:(?:extract|get|find|pull out)\b|请?(?:帮我)?(?:提取|识别|抽取|获取)出?|找出)?\s*"
    r"(?:the\s+)?(?:(?:following\s+)?fields?\b\s*|字段\s*(?=[:：]))?[:：]?\s*",
    re.IGNORECASE,
)
_EDGES = " \"'“”。."  # quotes around a name, a full stop after the last one
_TAIL = re.compile(r"\s*(?:from (?:this|the) \w+|的?字段|，?输出\s*json|as json)\s*[。.]?\s*$", re.IGNORECASE)


def parse_fields(spec: str) -> list[str]:
    """'a,b,c', '请提取金额、税号、开票日期' or 'company, date and total' -> the field names."""
    text = _TAIL.sub("", _LEAD.sub("", spec.strip()))
    fields = [re.sub(r"^the\s+", "", f.strip(_EDGES), flags=re.IGNORECASE) for f in _SPLIT.split(text)]
    fields = [f for f in fields if f]
    if not fields:
        raise ArgumentError(f"no field names in {spec!r}: give them like --fields amount,tax_id,date")
    if any(len(f) > 64 for f in fields):
        raise ArgumentError("a field name is longer than 64 characters")
    return list(dict.fromkeys(fields))


# What "extract the fields" means when no field is named: the usual invoice fields.
DEFAULT_FIELDS = {
    "en": ["invoice number", "date", "total amount", "tax ID", "seller", "buyer"],
    "zh": ["发票号码", "开票日期", "金额", "税号", "销售方", "购买方"],
}


def default_fields(message: str) -> list[str]:
    """The default fields, in the language of the message that asked for them."""
    from ..prompts import language_of

    return list(DEFAULT_FIELDS[language_of(message)])
