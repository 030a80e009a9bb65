"""Grounding: cite only the page regions where a value or an answer's words were actually found.

A citation is evidence the user can check on the page, so nothing here guesses: a value is matched
exactly (after normalising spacing, punctuation, currency signs, date formats and numerals: 三十日 is
30日), across 2-3 consecutive lines of one page, or fuzzily for OCR noise - and never to a region holding
another number or ID.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

from ..answer import Citation
from ..documents.model import Page, Region
from ..languages import arabic_numerals
from .validators import parse_date

Located = tuple[str, int, tuple[int, int], Region]  # (file, page number, page size, region)

FUZZY_MIN_RATIO = 0.85
FUZZY_MIN_CHARS = 4  # shorter values must match exactly: one wrong character is a different value
LONG_VALUE_CHARS = 8  # a value this long is specific: every region holding it is cited, not just the tightest
MAX_SPREAD = 3  # a value may wrap over this many consecutive lines (an address over two or three lines)

_PUNCT = ",:;'\"()[]{}<>/\\|-–—，。：；、（）【】《》“”‘’!?！？·・…"
_DROP = str.maketrans("", "", _PUNCT)
_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?")
_CURRENCY = re.compile(r"[¥$€£]|(?<![a-z])rm(?=\s*\d)")
_ZERO_DECIMALS = re.compile(r"(\d)\.0+(?!\d)")
_TRAILING_ZEROS = re.compile(r"(\.\d*[1-9])0+(?!\d)")
_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")  # a dot that is not a decimal point
_SPACE = re.compile(r"\s+")
_DIGIT_GAP = re.compile(r"(?<=\d)\s+(?=\d)")
_CODES = re.compile(r"[0-9a-z]*\d(?:[0-9a-z]|\.(?=\d))*")  # numbers and letter-digit codes
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _canonical_date(m: re.Match[str]) -> str:
    year, month, day = m.group(1), int(m.group(2)), int(m.group(3))
    if 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year}年{month}月{day}日"
    return m.group(0)


def _prenormalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()  # full-width forms, ￥ -> ¥
    # 三十日 -> 30日, 百分之五 -> 5%: a clause may write in numerals what the answer says in digits.
    text = arabic_numerals(text)
    text = _DATE.sub(_canonical_date, text)
    text = _CURRENCY.sub("", text)
    text = text.replace(",", "")  # before the decimals, so 1,280.00 is seen whole
    text = _ZERO_DECIMALS.sub(r"\1", text)  # 1280.00 == 1280 while 1280.50 stays distinct
    return _TRAILING_ZEROS.sub(r"\1", text)  # 76.80 == 76.8


def normalize(text: str) -> str:
    """Comparable form: `¥1,280.00` -> `1280`, `2024-03-15` and `2024年03月15日` -> `2024年3月15日`."""
    text = _STRAY_DOT.sub("", _prenormalize(text))
    return _SPACE.sub("", text.translate(_DROP))


def located_regions(pages: Sequence[tuple[str, Page]]) -> list[Located]:
    """Flatten (file, page) pairs into the candidates locate() takes, keeping reading order."""
    return [(file, page.number, page.size, region) for file, page in pages for region in page.regions]


def _occurs(needle: str, hay: str) -> bool:
    """needle in hay, but a number only as a whole number: 1280 is not in 12800 nor in 1280.5."""
    start = hay.find(needle)
    while start >= 0:
        end = start + len(needle)
        before_ok = (
            not needle[0].isdigit() or start == 0 or not (hay[start - 1].isdigit() or hay[start - 1] == ".")
        )
        after_ok = not needle[-1].isdigit() or end == len(hay) or not (hay[end].isdigit() or hay[end] == ".")
        if before_ok and after_ok:
            return True
        start = hay.find(needle, start + 1)
    return False


def _codes(value: str) -> list[str]:
    """The numbers and letter-digit codes (IDs, invoice numbers) in a value, each normalised."""
    return _CODES.findall(_DIGIT_GAP.sub("", _prenormalize(value)))  # "6222 0210" is one number, as in norms


def _partial_ratio(value: str, region: str) -> float:
    """Best similarity of value to a same-length window of region (whole region if it is shorter)."""
    if len(region) <= len(value):
        return SequenceMatcher(None, value, region, autojunk=False).ratio()
    best = 0.0
    for a, b, size in SequenceMatcher(None, value, region, autojunk=False).get_matching_blocks():
        if not size:
            continue
        start = max(0, min(b - a, len(region) - len(value)))
        window = region[start : start + len(value)]
        best = max(best, SequenceMatcher(None, value, window, autojunk=False).ratio())
    return best


def _could_reach(value: str, region: str, ratio: float) -> bool:
    """Cheap upper bound on _partial_ratio: characters in common."""
    common = sum((Counter(value) & Counter(region)).values())
    return 2 * common / (len(value) + min(len(region), len(value))) >= ratio


def _find(raw: str, candidates: Sequence[Located], norms: list[str]) -> list[int]:
    """Indices of the candidates that hold the value, by the first rule that finds any."""
    value = normalize(raw)
    if not value:
        return []
    exact = [i for i, n in enumerate(norms) if _occurs(value, n)]
    if exact:
        if len(value) >= LONG_VALUE_CHARS:
            return exact  # specific enough that each occurrence is real evidence
        # A short value ("1280", "甲方") fits in many lines: cite the one that is mostly that value.
        tightest = min(len(norms[i]) for i in exact)
        return [i for i in exact if len(norms[i]) == tightest]

    spread: list[int] = []
    for width in range(2, MAX_SPREAD + 1):
        for i in range(len(candidates) - width + 1):
            window = range(i, i + width)
            if any(candidates[j][:2] != candidates[i][:2] for j in window):
                continue  # never across pages
            if _occurs(value, "".join(norms[j] for j in window)) and not (
                _occurs(value, "".join(norms[j] for j in window[:-1]))
                or _occurs(value, "".join(norms[j] for j in window[1:]))
            ):  # it needs every line of the window
                spread.extend(j for j in window if j not in spread)
    if spread:
        return sorted(spread)

    if len(value) < FUZZY_MIN_CHARS:
        return []
    # OCR noise may blur words, but a region with another amount, date or ID is not evidence for this one.
    codes = _codes(raw)
    scored = [
        (_partial_ratio(value, n), i)
        for i, n in enumerate(norms)
        if n and _could_reach(value, n, FUZZY_MIN_RATIO) and all(_occurs(c, n) for c in codes)
    ]
    best = max((r for r, _ in scored), default=0.0)
    if best < FUZZY_MIN_RATIO:
        return []
    return [i for r, i in scored if r == best]


def _citations(indices: Sequence[int], candidates: Sequence[Located]) -> list[Citation]:
    return [
        Citation(file, page, region, size) for file, page, size, region in (candidates[i] for i in indices)
    ]


def locate(value: str, candidates: Sequence[Located]) -> list[Citation]:
    """The regions that hold value, in reading order; [] when it is not on these pages.

    When several regions hold it exactly, a value of LONG_VALUE_CHARS or more normalised characters is
    cited everywhere (a company name in the header and in the remarks is evidence twice), a shorter one only
    on the tightest region(s): "1280" inside a long remark line is more likely incidental than the amount.
    """
    return _citations(_find(value, candidates, [normalize(c[3].text) for c in candidates]), candidates)


_QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"|「([^」]+)」|『([^』]+)』|《([^》]+)》")
_NUMBERISH = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"  # dates
    r"|(?:[¥$€£￥]\s*|RM\s*)?[0-9A-Za-z]*\d(?:[0-9A-Za-z]|[.,](?=\d))*"  # amounts, IDs, numbers
)
# Clause breaks: sentence punctuation, a comma or dot that is not inside a number, English conjunctions.
_CLAUSE_SPLIT = re.compile(
    r"[，。；;！？!?\n、]|(?<!\d)[,.]|[,.](?!\d)|\s(?:and|but|or|while|whereas|which|so)\s", re.IGNORECASE
)


# A run of Latin words inside an answer in another script ("上海国际 Arbitration Center"): a name copied.
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9&.,'()-]*(?:\s+[A-Za-z0-9&.,'()-]+)+")


def answer_spans(answer: str) -> list[str]:
    """Candidate spans of an answer worth locating: quoted text, numbers/amounts/dates/IDs, clauses, and
    the runs of Latin words in an answer written in another script."""
    spans = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(answer)]
    spans += [m.group(0) for m in _NUMBERISH.finditer(answer)]
    spans += [s.strip() for s in _CLAUSE_SPLIT.split(answer)]
    if _CJK.search(answer):
        spans += [m.group(0).strip(" .,") for m in _LATIN_RUN.finditer(answer)]
    return list(dict.fromkeys(s for s in spans if s))


def _worth_locating(norm: str) -> bool:
    # A CJK character or a digit says more than a Latin letter: 违约金 or 500 is a span, "the" is not.
    # An amount such as $8.70 normalises to 8.7: still a number, still worth locating.
    # A rate is as specific as an amount: "3%" is the answer to "第三天呢？".
    number = norm.replace(".", "").isdigit()
    rate = len(norm) >= 2 and norm.endswith(("%", "‰")) and norm[:-1].replace(".", "").isdigit()
    return rate or len(norm) >= 4 or (len(norm) >= 3 and bool(_CJK.search(norm) or number))


def ground_answer(answer: str, candidates: Sequence[Located]) -> list[Citation]:
    """The regions that support a free-text answer, once each, in reading order; unlocated spans add none."""
    norms = [normalize(c[3].text) for c in candidates]
    found: set[int] = set()
    for span in answer_spans(answer):
        if _worth_locating(normalize(span)):
            found.update(_find(span, candidates, norms))
    return _citations(sorted(found), candidates)


def locate_same_date(text: str, candidates: Sequence[Located]) -> list[Citation]:
    """Regions holding the date in `text` in another spelling ('21 Mar 2018' in '21 MAR 2018 17:59').

    Normalising drops the spaces between '2018' and '17:59', which then read as one number; comparing
    parsed dates avoids that.
    """
    wanted = parse_date(text)
    if wanted is None:
        return []
    return _citations([i for i, c in enumerate(candidates) if parse_date(c[3].text) == wanted], candidates)
