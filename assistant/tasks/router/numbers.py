"""Numbers as a message writes them: '2', 'two', 'second', '2nd', '十二', 'last', and lists and ranges of
them ('1-3, 5', 'first and third', '一、三'), for page and document scope."""

from __future__ import annotations

import re

_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10,
}  # fmt: skip
_EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
}  # fmt: skip
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
LAST = -1  # documents: "the last/latest one"

EN_NUM = rf"(?:\d{{1,3}}(?!\d)|\b(?:{'|'.join(_EN_NUMBERS)})\b)"
EN_ORD = rf"(?:\d{{1,3}}(?:st|nd|rd|th)\b|\b(?:{'|'.join(_EN_ORDINALS)})\b)"
EN_LAST = r"(?:last|latest|newest|most\s+recent)\b"
CN_NUM = r"(?:\d{1,3}(?!\d)|[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九两])"
RANGE = r"\s*(?:-|–|—|~|～|\bto\b|\bthrough\b|\bthru\b|到|至)\s*"
AND = r"\s*(?:,\s*and\b|,|，|、|&|\band\b|和|及|与)\s*"
_NUMBER_TOKEN = re.compile(rf"{EN_ORD}|{EN_LAST}|{EN_NUM}|{CN_NUM}", re.IGNORECASE)


def number(token: str) -> int | None:
    """'2', 'two', 'second', '2nd', '十二', 'last' (-1) -> the number; None for anything else."""
    token = token.strip().lower()
    if token.isdigit():
        return int(token)
    if token[:-2].isdigit() and token[-2:] in ("st", "nd", "rd", "th"):
        return int(token[:-2])
    if token in _EN_NUMBERS or token in _EN_ORDINALS:
        return _EN_NUMBERS.get(token) or _EN_ORDINALS[token]
    if re.fullmatch(EN_LAST, token):
        return LAST
    if "十" in token:  # 十 10, 十二 12, 二十 20, 九十九 99
        tens, _, ones = token.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(token)


def numbers(listed: str, expand: bool) -> list[tuple[int, int]] | None:
    """'1-3, 5' / 'first and third' / '一、三' -> [(1, 3), (5, 5)] (or each page of a range when expand)."""
    spans: list[tuple[int, int]] = []
    for part in re.split(AND, listed, flags=re.IGNORECASE):
        ends = [_NUMBER_TOKEN.search(end) for end in re.split(RANGE, part, flags=re.IGNORECASE)]
        if not 1 <= len(ends) <= 2 or not all(ends):
            return None
        low, high = (number(end.group()) if end else None for end in (ends[0], ends[-1]))
        if low is None or high is None or (low != LAST and not 1 <= low <= high):
            return None
        spans.extend([(n, n) for n in range(low, high + 1)] if expand and low != high else [(low, high)])
    return spans
