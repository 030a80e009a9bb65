"""Request wording that both intent detection and field parsing strip: greetings and discourse words ("ok",
"and", "那"), politeness ("can you", "请帮我"), a request for a thing ("I need", "我要") and the extract
verbs ("extract", "get me", "提取出")."""

from __future__ import annotations

import re

# Words before the message proper that say nothing about the task: "hi,", "ok and", "thanks!", "那".
_FILLERS = re.compile(
    r"^(?:(?:hi|hello|hey|ok(?:ay)?|so|and|also|now|then|thanks|thank\s+you|great|cool)\b[\s,!.]*"
    r"|(?:你好|您好|嗯|好的?|谢谢|那么?(?![个些张份里边样])|还有(?=.)|另外|然后(?=.))[\s,，!！.。]*)+",
    re.IGNORECASE,
)
# A request for a thing, not for an action: "I need the invoice number", "我要购买方名称", "just the total".
_WANT = re.compile(
    r"(?:\b(?:i|we)(?:\s+(?:really|also|just|only))?(?:\s+(?:need|want|would\s+like)|'d\s+like)(?!\s+(?:you\s+)?to\b)"
    r"|\b(?:can|could|may)\s+(?:i|we)\s+(?:get|have|see)|\bneed\b|\b(?:just|only)\b"
    r"|我们?(?:还|只)?(?:需要|要|想要)|^需要)\s*[:：]?\s*$",
    re.IGNORECASE,
)
# Politeness before the request: "can you translate", "请帮我提取", "能不能翻译成英文吗".
_POLITE = re.compile(
    r"^(?:(?:(?:please|pls|plz|kindly|(?:can|could|would|will)\s+(?:you|u)|help\s+me(?:\s+to)?"
    r"|i(?:'d|\s+would)\s+like\s+(?:you\s+)?to|i\s+(?:want|need)\s+(?:you\s+)?to|let's)\b"
    r"|(?:i|we)(?:\s+(?:really|also|just|only))?(?:\s+(?:need|want|would\s+like)|'d\s+like)\b|(?:can|could|may)\s+(?:i|we)"
    r"\s+(?:get|have|see)\b|need\b\s*[:：]?|(?:just|only)(?=\s+(?:the|a|an|my)\b)"
    r"|请问|请你?|麻烦你?|帮我们?|帮忙|你能|你可以|能不能|能否|可不可以|可以|可否|我想要?|我们?(?:还|只)?(?:需要|要)"
    r"|需要\s*[:：]|看看|看一下|能(?=[帮把提抽获找识翻读]))[\s,，]*)+",
    re.IGNORECASE,
)
# The imperative extract verb that starts a request: "extract", "get me", "把…提取出". Verbs can follow
# one another ("给我提取一下"): the last one is the verb.
EXTRACT_VERB = re.compile(
    r"^(?:把|将)?\s*(?:(?P<verb>(?:give|show|send)\s+me|pull\s+out|fill\s+(?:in|out)|(?:extract|get|pull|find"
    r"|fetch|grab|retrieve|capture|collect|output|return)(?:\s+(?:me|us|out))*\b|extra(?:is|ire|yez)\b|给我"
    r"|提取出?|抽取出?|获取|找出|找到|摘取|摘录|取出|抽出|识别出?|读取|填写?)(?:一下)?\s*)+",
    re.IGNORECASE,
)


def strip_fillers(text: str) -> str:
    return _FILLERS.sub("", text, count=1)


def strip_polite(text: str) -> tuple[str, bool]:
    """The request without its lead, and whether there was politeness (fillers alone are not)."""
    text = strip_fillers(text)
    stripped = _POLITE.sub("", text, count=1)
    return stripped, stripped != text


def asks_for_a_thing(text: str) -> bool:
    """The politeness before the request ends in "I need", "我要", "just": what follows is a thing wanted."""
    text = strip_fillers(text)
    lead = text[: len(text) - len(_POLITE.sub("", text, count=1))]
    return bool(_WANT.search(lead.rstrip(" ,，")))
