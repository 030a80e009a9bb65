"""Reading what an OCR vision-language model writes: coordinates, fenced JSON, repetition loops.

HunyuanOCR's spotting reply lists each line with its box as integers 0-1000 relative to the image:
`<ref>text</ref><quad>(x1,y1),(x2,y2)</quad>` with its special tokens, or `text(x1,y1),(x2,y2)` once a
server such as vLLM has dropped them. The text may itself hold parentheses ("Total (CNY)"), so a
record is found by its coordinate tail, anchored at the end, never by splitting on "(".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..documents.model import Box, Region

COORD_SCALE = 1000

_PAIR = r"\(\s*(\d{1,4})\s*,\s*(\d{1,4})\s*\)"
# Two corners, or a quadrilateral of four points.
_TAIL = rf"{_PAIR}\s*,\s*{_PAIR}(?:\s*,\s*{_PAIR}\s*,\s*{_PAIR})?"
_TAGGED = re.compile(rf"<ref>(.*?)</ref>\s*<(?:quad|box)>\s*{_TAIL}\s*</(?:quad|box)>", re.S)
_PLAIN_LINE = re.compile(rf"^(.*?\S)\s*{_TAIL}\s*$")
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.S)


@dataclass(frozen=True)
class Spotted:
    text: str
    box: Box  # in 0-1000 model units


def parse_spotting(reply: str) -> list[Spotted]:
    """Every text line with its box, in the order written; lines without coordinates are skipped."""
    reply = trim_repetition(reply)
    tagged = [_spotted(m.group(1), m.groups()[1:]) for m in _TAGGED.finditer(reply)]
    if tagged:
        return [s for s in tagged if s is not None]
    found = []
    for line in reply.splitlines():
        match = _PLAIN_LINE.match(line.strip())
        if match and (spotted := _spotted(match.group(1), match.groups()[1:])):
            found.append(spotted)
    return found


def _spotted(text: str, numbers: tuple[str | None, ...]) -> Spotted | None:
    values = [int(v) for v in numbers if v is not None]
    xs, ys = values[0::2], values[1::2]
    text = text.strip()
    if not text or max(values) > COORD_SCALE:
        return None
    box = (min(xs), min(ys), max(xs), max(ys))
    if box[2] <= box[0] or box[3] <= box[1]:
        return None
    return Spotted(text, box)


def to_regions(spotted: list[Spotted], page_size: tuple[int, int]) -> list[Region]:
    """Boxes rescaled from 0-1000 model units to page pixels."""
    sx, sy = page_size[0] / COORD_SCALE, page_size[1] / COORD_SCALE
    return [
        Region(s.text, (s.box[0] * sx, s.box[1] * sy, s.box[2] * sx, s.box[3] * sy), 1.0, "vlm")
        for s in spotted
    ]


def unwrap_json(reply: str) -> object:
    """The JSON in a reply, fenced in ```json or bare; ValueError when there is none."""
    fenced = _FENCE.search(reply)
    candidates = [fenced.group(1)] if fenced else []
    candidates.append(reply)
    for text in candidates:
        text = text.strip()
        start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
        if start < 0:
            continue
        try:
            value, _ = json.JSONDecoder().raw_decode(text[start:])
            return value
        except json.JSONDecodeError:
            continue
    raise ValueError("the model's reply holds no JSON")


def repeating_tail(text: str, min_repeats: int = 4, max_unit: int = 200, min_chars: int = 64) -> int | None:
    """The length of a unit that `text` ends with, repeated at least `min_repeats` times and over at least
    `min_chars` characters (so "......" or "| --- | --- |" in a table is not a loop); else None."""
    n = len(text)
    for unit in range(1, min(max_unit, n // min_repeats) + 1):
        needed = max(min_repeats, -(-min_chars // unit))
        if unit * needed > n:
            continue
        tail = text[n - unit :]
        if all(text[n - unit * (k + 1) : n - unit * k] == tail for k in range(1, needed)):
            return unit
    return None


def until_loop(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces of a streamed reply, stopped once it loops: the rest would only repeat (a 1.5B model can
    write '- - - -' to its token limit, minutes on a CPU). The caller trims the tail (`trim_repetition`)."""
    text = ""
    try:
        for piece in pieces:
            text += piece
            yield piece
            if piece and repeating_tail(text) is not None:
                return
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:  # a generator stopped early gives its model back now, not when collected
            close()


def trim_repetition(text: str) -> str:
    """Cut a looping tail back to one copy of the repeated unit."""
    unit = repeating_tail(text)
    if unit is None:
        return text
    end = len(text)
    while end - 2 * unit >= 0 and text[end - 2 * unit : end - unit] == text[end - unit : end]:
        end -= unit
    return text[:end]
