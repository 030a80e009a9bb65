"""Field names for extract, from whatever a person typed: 'a,b,c', '请提取金额、税号、开票日期', 'x and y'.

Kept apart from extract.py so that the chat's router and the API read field names without loading the
model stack.
"""

from __future__ import annotations

import re

from ..errors import ArgumentError

_SPLIT = re.compile(r"\s*(?:[,，、;；]|\band\b|和|及|以及)\s*")
_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:extract|get|find|pull out|请?提取|请?识别|提取出|找出)?\s*"
    r"(?:the\s+)?(?:fields?\s*)?[:：]?\s*",
    re.IGNORECASE,
)
_TAIL = re.compile(r"\s*(?:from (?:this|the) \w+|的?字段|，?输出\s*json|as json)\s*[。.]?\s*$", re.IGNORECASE)


def parse_fields(spec: str) -> list[str]:
    """'a,b,c', '请提取金额、税号、开票日期' or 'company, date and total' -> the field names."""
    text = _TAIL.sub("", _LEAD.sub("", spec.strip()))
    fields = [f.strip(" \"'“”") for f in _SPLIT.split(text)]
    fields = [f for f in fields if f]
    if not fields:
        raise ArgumentError(f"no field names in {spec!r}: give them like --fields amount,tax_id,date")
    if any(len(f) > 64 for f in fields):
        raise ArgumentError("a field name is longer than 64 characters")
    return list(dict.fromkeys(fields))
