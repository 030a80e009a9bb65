"""Request wording that both intent detection and field parsing strip: politeness ("can you", "请帮我")
and the extract verbs ("extract", "get me", "提取出")."""

from __future__ import annotations

import re

# Politeness before the request: "can you translate", "请帮我提取", "能不能翻译成英文吗".
_POLITE = re.compile(
    r"^(?:(?:(?:please|pls|plz|kindly|(?:can|could|would|will)\s+you|help\s+me(?:\s+to)?"
    r"|i(?:'d|\s+would)\s+like\s+(?:you\s+)?to|i\s+(?:want|need)\s+(?:you\s+)?to|let's)\b"
    r"|请你?|麻烦你?|帮我们?|帮忙|你能|你可以|能不能|能否|可不可以|可以|可否|我想|我要|我需要"
    r"|能(?=[提抽获找识翻读]))[\s,，]*)+",
    re.IGNORECASE,
)
# The imperative extract verb that starts a request: "extract", "get me", "把…提取出".
EXTRACT_VERB = re.compile(
    r"^(?:把|将)?\s*(?P<verb>(?:give|show)\s+me|pull\s+out|(?:extract|get|pull|find|fetch|grab|retrieve|capture"
    r"|collect)(?:\s+(?:me|us|out))*\b|给我|提取出?|抽取出?|获取|找出|找到|摘取|摘录|取出|抽出|识别出?|读取)(?:一下)?\s*",
    re.IGNORECASE,
)


def strip_polite(text: str) -> tuple[str, bool]:
    stripped = _POLITE.sub("", text, count=1)
    return stripped, stripped != text
