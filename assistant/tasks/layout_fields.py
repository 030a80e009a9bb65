"""Label → value pairs read from a page's geometry, before any model is asked.

A page's OCR lines are grouped into rows (pieces of one baseline band, left to right). A field's label is
found in a row's text (exactly, or fuzzily for OCR noise), and its value is what the layout puts beside it:
the rest of the row after the label's colon, up to the next label; else the lines right below it that
line up with it. Every value keeps the regions it was read from, so it is cited on its own lines.

Nothing here knows a document type: the rules are those of printed forms in general (a label ends in a
colon or stands alone; a value sits to its right or under it; the next label ends it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from ..documents.model import Region
from ..readers.reading_order import group_rows

FUZZY_MIN = 0.8  # share of a label's characters that must match (OCR reads SSf for SS#)
FUZZY_MIN_CHARS = 5  # shorter labels must match exactly
MAX_VALUE_LINES = 8  # a value below its label runs over at most this many lines
FAR_VALUE = 15  # line heights between a label and its value on the same row, at most (forms space them out)
TALLER = 1.5  # a piece this many times the row's line height is a stamp or vertical text, not a value's
FAR_PIECE = 6  # line heights between two pieces of one value, at most (further on is another column)
_SEPARATORS = ":："
BARE_LABEL = 0.96  # the score of a label set off by its piece's end rather than by a colon
# "Hole Depth (2)", "使用性质(第二次变更)": the label's second occurrence; "价税合计(小写)": a qualifier.
_QUALIFIED = re.compile(r"^(.*?)\s*[(（]([^()（）]+)[)）]\s*$")
_ORDINALS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "first": 1,
    "second": 2,
    "third": 3,
    "1st": 1,
    "2nd": 2,
}
# A label inside a line: a run of non-space characters (a CJK label, or an English word) and its colon.
# A colon between digits is a time (17:59), not a label.
_INLINE_LABEL = re.compile(r"(?:^|(?<=\s))([^\s:：]{1,16})\s*[:：](?!\d{2}\b)")
# A line that begins with a label: up to five words and a colon ("SHIP TO (DEPT- BRANCH):").
_LEADING_LABEL = re.compile(r"^\s*(?:[^\s:：]+\s+){0,4}[^\s:：]+\s*[:：](?!\d{2}\b)")


@dataclass(frozen=True)
class Value:
    """A value read off the page, with the regions (lines) it came from."""

    text: str
    regions: tuple[Region, ...]
    how: str  # "inline" (after the label's colon), "right", "below", or a rule's name


@dataclass
class Row:
    regions: list[Region]
    text: str  # the regions' texts joined by one space
    spans: list[tuple[int, int]]  # each region's characters in text

    @property
    def top(self) -> float:
        return min(r.box[1] for r in self.regions)

    @property
    def bottom(self) -> float:
        return max(r.box[3] for r in self.regions)

    def regions_in(self, start: int, end: int) -> tuple[Region, ...]:
        return tuple(r for r, (a, b) in zip(self.regions, self.spans, strict=True) if a < end and start < b)


def rows_of(regions: Sequence[Region]) -> list[Row]:
    rows = []
    for members in group_rows(regions):
        spans, parts, at = [], [], 0
        for region in members:
            spans.append((at, at + len(region.text)))
            parts.append(region.text)
            at += len(region.text) + 1
        rows.append(Row(members, " ".join(parts), spans))
    return rows


# --- finding a label ---------------------------------------------------------------------------------


def _folded(text: str) -> tuple[str, list[int]]:
    """Letters, digits and CJK only, case-folded, with each kept character's index in `text`."""
    chars, where = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c.isalnum():
                chars.append(c)
                where.append(i)
    return "".join(chars), where


def fold(text: str) -> str:
    return _folded(text)[0]


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Hit:
    row: int
    start: int  # the label's characters in the row's text
    end: int
    score: float  # 1.0 exact; lower for fuzzy matches and labels not set off by a colon


def find_label(label: str, rows: Sequence[Row]) -> list[Hit]:
    """Where `label` stands as a label on the page, best first (then in reading order)."""
    wanted = fold(label)
    if not wanted:
        return []
    hits = []
    for index, row in enumerate(rows):
        folded, where = _folded(row.text)
        for fuzzy in (False, True):  # OCR noise ("SSf:" for "SS#:") only where no exact label stands
            for start, end, similarity in _matches(wanted, folded, fuzzy):
                a, b = where[start], where[end - 1] + 1
                set_off = _set_off(row, a, b)
                if set_off:
                    hits.append(Hit(index, a, b, similarity * set_off))
                    if fuzzy:
                        break
            if any(h.row == index for h in hits):
                break
    return sorted(hits, key=lambda h: (-h.score, h.row, h.start))


def _matches(wanted: str, folded: str, fuzzy: bool) -> list[tuple[int, int, float]]:
    found, at = [], folded.find(wanted)
    while at >= 0 and not fuzzy:
        found.append((at, at + len(wanted), 1.0))
        at = folded.find(wanted, at + 1)
    if not fuzzy or len(wanted) < FUZZY_MIN_CHARS:
        return found
    found = []  # every window close enough, most similar first: the caller keeps the first set off as a label
    budget = int(len(wanted) * (1 - FUZZY_MIN))
    for start in range(len(folded)):
        if folded[start] != wanted[0] and (start + 1 >= len(folded) or folded[start + 1] != wanted[1]):
            continue
        for size in range(max(1, len(wanted) - budget), len(wanted) + budget + 1):
            window = folded[start : start + size]
            if len(window) < size:
                break
            similarity = 1 - _distance(wanted, window) / len(wanted)
            if similarity >= FUZZY_MIN:
                found.append((start, start + size, similarity))
    return sorted(found, key=lambda m: -m[2])


def _set_off(row: Row, start: int, end: int) -> float:
    """How much the characters start:end of a row look like a label: 1.0 when they begin a piece of the
    row (or follow a space or a bracket) and end at a colon, a closing bracket or the piece's end; 0.7 when
    a value follows in the same piece after a space; 0 when they sit inside running text. A label that
    ends its piece without a colon scores a little under one that ends at a colon ("BY" of a title line
    beside "INITIATED BY:")."""
    text = row.text
    glued = text[start - 1 : start].isdigit() and text[start].isalpha()  # "June 21, 1993DEPARTMENT:"
    begins = start == 0 or not text[start - 1].isalnum() or glued or any(a == start for a, _ in row.spans)
    if not begins:
        return 0.0
    rest = text[end:]
    if rest and rest[0] in ")）]】":
        return 1.0  # "(小写)¥1500.00": a label in brackets
    tail = rest.lstrip(" .")
    if tail and tail[0] in _SEPARATORS:
        return 1.0
    if re.match(r"\.\w", rest) and len(re.findall(r"\w+$", text[start:end])[-1]) <= 3:
        return 1.0  # "Registration No.533": an abbreviation's dot, then the value
    piece_ends = any(text[end:b].strip(" .") == "" for _, b in row.spans if b >= end)
    if not tail or piece_ends:
        return BARE_LABEL  # a label without its colon: one with a colon elsewhere on the page is likelier
    return 0.7 if rest[:1].isspace() else 0.0


# --- reading the value beside a label -----------------------------------------------------------------


def value_beside(hit: Hit, rows: Sequence[Row], is_label=None) -> Value | None:
    """The value the layout puts beside a label: after its colon in the same row, else right under it."""
    row = rows[hit.row]
    if _is_heading_row(row, rows, hit.row) and (under := _below(hit, rows, is_label)) is not None:
        return under  # a row of column headings ("BUDGET NO.  ACCT. NO.  DEPT. NO."): values under them
    if _begins_longer_label(row, hit.end):
        return None  # "TELEFAX| MESSAGE NO.:": these words begin another, longer label
    inline = _after(row, hit.end, is_label)
    if inline is not None:
        return _continued(inline, hit, rows, is_label)
    return _beside(hit, rows, is_label) or _below(hit, rows, is_label)


def _is_heading_row(row: Row, rows: Sequence[Row], index: int) -> bool:
    """Three or more short pieces with neither colons nor figures, and a line close under them: the
    headings of a table-like form, each with its value below it."""
    pieces = [r.text.strip() for r in row.regions]
    if len(pieces) < 3 or index + 1 >= len(rows):
        return False
    if any(any(c.isdigit() or c in _SEPARATORS for c in text) or len(text.split()) > 5 for text in pieces):
        return False
    height = median(r.height for r in row.regions)
    return rows[index + 1].top - row.bottom <= 2 * height


def _beside(hit: Hit, rows: Sequence[Row], is_label) -> Value | None:
    """A value to the right of its label but a little off its row (a photographed page, a value printed
    higher than its label): the nearest piece whose middle is within the label's height band."""
    label = rows[hit.row].regions_in(hit.start, hit.end)[-1]
    height = label.height
    best: tuple[float, Region] | None = None
    for other in rows[max(0, hit.row - 2) : hit.row + 3]:
        for region in other.regions:
            middle = (region.box[1] + region.box[3]) / 2
            gap = region.box[0] - label.box[2]
            if region is label or not (-height <= gap <= 6 * height):
                continue
            if not (label.box[1] - 0.5 * height <= middle <= label.box[3] + 0.5 * height):
                continue
            if best is None or gap < best[0]:
                best = (gap, region)
    if best is None or _starts_label(best[1].text, is_label) or _is_mark(best[1].text):
        return None
    return Value(best[1].text.strip(), (best[1],), "right")


# The rest of a label after the words a field named: "INITIATED| BY:" (one short word and a colon; a
# longer rest names another field: "TELEFAX| MESSAGE NO.:").
_LABEL_REST = re.compile(r"\s+[^\s:：]{1,4}\s*[:：](?!\d{2}\b)")
_LONGER_LABEL = re.compile(r"\s+(?:[^\W\d_]+\.?\s+){0,2}[^\W\d_]+\.?\s*[:：]")


def _piece_end(row: Row, at: int) -> int:
    """Where the row's piece that holds character `at` ends."""
    return next((b for a, b in row.spans if a <= at <= b), len(row.text))


def _begins_longer_label(row: Row, end: int) -> bool:
    piece_end = _piece_end(row, end)
    if _LABEL_REST.match(row.text, end, piece_end):
        return False
    return bool(_LONGER_LABEL.match(row.text, end, piece_end))


def _after(row: Row, end: int, is_label) -> Value | None:
    rest_start = end
    more = _LABEL_REST.match(row.text, end, _piece_end(row, end))
    if more:
        rest_start = more.end()  # the field named the label's first words; its value follows the colon
    while rest_start < len(row.text) and (row.text[rest_start] in _SEPARATORS + " )）]】."):
        rest_start += 1
    if rest_start >= len(row.text):
        return None
    stop = len(row.text)
    height = median(r.height for r in row.regions)
    for at, (region, (a, _)) in enumerate(zip(row.regions, row.spans, strict=True)):
        if a < rest_start:
            continue
        gap = region.box[0] - row.regions[at - 1].box[2] if at else 0.0
        far = gap > (FAR_VALUE if a == rest_start else FAR_PIECE) * height
        far = far or gap < -height  # a piece under or over the one before it: a line of its own
        if a > rest_start and region.height > TALLER * height:
            far = True  # a stamp or a vertical number beside the value, not more of it
        if a == rest_start and (_starts_label(region.text, is_label) or far or _is_mark(region.text)):
            return None  # another label (a row of column headings), or nothing near: the value is elsewhere
        if a > rest_start and (_starts_label(region.text, is_label) or far or _is_mark(region.text)):
            stop = a - 1  # the next label, a distant column or a boxed area's title ends the value
            break
    same_piece = next(b for a, b in row.spans if a <= rest_start < b + 1)
    inner = _INLINE_LABEL.search(row.text, rest_start, min(stop, same_piece))
    if inner and inner.start(1) > rest_start:
        glued = re.match(r"\d+(?=[A-Za-z])", inner.group(1))  # "1993DEPARTMENT:": the label starts at D
        stop = min(stop, inner.start(1) + (glued.end() if glued else 0))
    text = row.text[rest_start:stop].strip(" ,;；，")
    if not text or (text[-1] in _SEPARATORS and len(text) <= 40):
        return None  # another label follows this one: its value is elsewhere
    return Value(text, row.regions_in(rest_start, stop), "inline" if stop <= same_piece else "right")


def _continued(value: Value, hit: Hit, rows: Sequence[Row], is_label) -> Value:
    """A value after its label that wraps onto the lines under it: each next line close under the last,
    indented past the label's column (a line that starts in that column is the next field), starting no
    further right than the value does or under one of its pieces ("b) R&D should… / met."), and not a
    label; its pieces up to a distant column are taken."""
    first = value.regions[0]
    row = rows[hit.row]
    height = median(r.height for r in value.regions)
    label_x = row.regions_in(hit.start, hit.end)[0].box[0]
    start_x = first.box[0]
    if value.how == "inline":  # where the value starts inside its line, by its share of the characters
        a, b = row.spans[row.regions.index(first)]
        start_x = first.box[0] + first.width * (hit.end - a) / max(1, b - a)
    taken = list(value.regions)
    bottom = max(r.box[3] for r in value.regions)
    # Words wrap back under the label ("BARCLAY sampling / 2 - 12M cases mixed."); a code or a figure does
    # not, so under one the next line must start under the value itself.
    words = len(re.findall(r"[^\W\d_]{2,}", value.text)) >= 2
    for other in rows[hit.row + 1 : hit.row + 1 + MAX_VALUE_LINES]:
        if other.top - bottom > 0.8 * height:
            break
        line = _line_from(other.regions, label_x + 2 * height if words else start_x - 1.5 * height, height)
        aligned = any(abs(line[0].box[0] - r.box[0]) <= height for r in taken) if line else False
        if not line or (line[0].box[0] > start_x + 1.5 * height and not aligned):
            break  # further right than the value starts, and under none of its pieces: another column
        if any(_starts_label(r.text, is_label) for r in line):
            break
        if sum(c.isalpha() for r in line for c in r.text) < 2:
            break  # a line number or a stray mark, not words of the value
        taken.extend(line)
        bottom = max(r.box[3] for r in line)
    if len(taken) == len(value.regions):
        return value
    extra = " ".join(r.text.strip() for r in taken[len(value.regions) :])
    head = value.text
    if value.regions[-1].text.rstrip().endswith(tuple(",，;；")) and not head.endswith(tuple(",，;；")):
        head += value.regions[-1].text.rstrip()[-1]  # the comma a one-line value lost goes back mid-value
    return Value(f"{head} {extra}", tuple(taken), value.how)


def _line_from(regions: Sequence[Region], min_x: float, height: float) -> list[Region]:
    """A row's pieces from its first one, up to a gap that starts another column; none when the row
    starts left of min_x."""
    if not regions or regions[0].box[0] < min_x:
        return []
    line = [regions[0]]
    for region in regions[1:]:
        gap = region.box[0] - line[-1].box[2]
        if gap > FAR_PIECE * height or gap < -height or region.height > TALLER * height:
            break
        line.append(region)
    return line


def _with_followers(below: list[Region], row: Sequence[Region], height: float) -> list[Region]:
    """The pieces under a label, and those of the row that follow right after them ('…Toxicity Study |
    in the Rat"'): a line read in two pieces."""
    taken = sorted(below, key=lambda r: r.box[0])
    for region in sorted(row, key=lambda r: r.box[0]):
        if all(region is not r for r in taken) and abs(region.box[0] - taken[-1].box[2]) <= height:
            taken.append(region)
    return taken


def _is_mark(text: str) -> bool:
    """One CJK character alone: a letter of a vertical title (密 码 区, 备 注), not part of a value."""
    text = text.strip()
    return len(text) == 1 and "\u4e00" <= text <= "\u9fff"


def starts_with_label(text: str, label: str) -> bool:
    """Whether `text` begins with `label` standing as a label: alone, or followed by its colon ("NATURE OF
    WORK:"), not as the first words of a sentence ("Nature of work should be specified…")."""
    wanted = fold(label)
    folded, where = _folded(text)
    if len(wanted) < 2 or not folded.startswith(wanted):
        return False
    rest = text[where[len(wanted) - 1] + 1 :].lstrip(" .")
    return not rest or rest[0] in _SEPARATORS


def _starts_label(text: str, is_label) -> bool:
    return bool(_LEADING_LABEL.match(text)) or bool(is_label and is_label(text))


def _below(hit: Hit, rows: Sequence[Row], is_label) -> Value | None:
    row = rows[hit.row]
    label_regions = row.regions_in(hit.start, hit.end)
    x0 = min(r.box[0] for r in label_regions)
    x1 = max(r.box[2] for r in label_regions)
    height = median(r.height for r in label_regions)
    taken: list[Region] = []
    bottom = max(r.box[3] for r in label_regions)
    pieces_before, line_start = 0, x0
    for other in rows[hit.row + 1 :]:
        if other.top - bottom > (2.0 if not taken else 1.2) * height:
            break
        if taken:  # the value's next line lies under the value's own lines, not only under the label
            x0, x1 = min(x0, *(r.box[0] for r in taken)), max(x1, *(r.box[2] for r in taken))
        below = [
            r
            for r in other.regions
            if min(r.box[2], x1) - max(r.box[0], x0) >= 0.3 * min(r.width, x1 - x0)
            or x0 - height <= r.box[0] <= x1 + height
        ]
        if not below:
            continue
        if taken and len(other.regions) >= 3 > pieces_before:
            break  # a row of several pieces after a line of one or two: the form's next row
        pieces_before = len(other.regions)
        below = _with_followers(below, other.regions, height)
        if any(
            _starts_label(r.text, is_label) or r.text.rstrip().endswith(tuple(_SEPARATORS)) for r in below
        ):
            break
        if taken and abs(below[0].box[0] - line_start) > 3 * height:
            break
        line_start = below[0].box[0]
        taken.extend(below)
        bottom = max(r.box[3] for r in below)
        if len(taken) >= MAX_VALUE_LINES:
            break
    if not taken:
        return None
    return Value(" ".join(r.text.strip() for r in taken), tuple(taken), "below")


# --- a field by its label -----------------------------------------------------------------------------


def qualified(field: str) -> tuple[str, str, int]:
    """'Hole Depth (2)' -> ('Hole Depth', '', 2); '使用性质(第二次变更)' -> ('使用性质', '', 2);
    '价税合计(小写)' -> ('价税合计', '小写', 1): the label, a qualifier to look for, the occurrence."""
    match = _QUALIFIED.match(field)
    if not match or not match.group(1).strip():
        return field, "", 1
    label, inner = match.group(1).strip(), match.group(2).strip()
    if inner.isdigit():
        return label, "", int(inner)
    ordinal = re.search(r"第([一二三四五])次|\b(first|second|third|1st|2nd)\b", inner, re.I)
    if ordinal:
        return label, "", _ORDINALS[(ordinal.group(1) or ordinal.group(2)).lower()]
    return label, inner, 1


def field_by_label(field: str, rows: Sequence[Row], is_label=None) -> Value | None:
    """The value beside the label that names the field, or None when no label names it."""
    label, qualifier, ordinal = qualified(field)
    # "Phone Booth (2)" is the second "Phone Booth", even where "Phone Booth :20" reads like its name.
    hits = find_label(field, rows) if ordinal == 1 else []
    if not hits:
        if label == field:
            return None
        hits = (find_label(qualifier, rows) if qualifier else []) or find_label(label, rows)
    else:
        qualifier = ""
    if not hits:
        return None
    if qualifier:
        return _without_qualifier(_first_value(hits, rows, is_label), qualifier)
    if ordinal > 1:  # the n-th occurrence in reading order, among the best-scored ones
        best = hits[0].score
        ordered = sorted((h for h in hits if h.score >= best - 0.05), key=lambda h: (h.row, h.start))
        return value_beside(ordered[ordinal - 1], rows, is_label) if len(ordered) >= ordinal else None
    return _first_value(hits, rows, is_label)


def _first_value(hits: Sequence[Hit], rows: Sequence[Row], is_label) -> Value | None:
    for hit in hits[:3]:
        value = value_beside(hit, rows, is_label)
        if value is not None:
            return value
    return None


def _without_qualifier(value: Value | None, qualifier: str) -> Value | None:
    """'(LBS.) 6240' -> '6240' for the field '… USAGE (LBS.)': the label's bracketed rest is not value."""
    if value is None:
        return None
    match = re.match(r"\s*[(（]([^()（）]*)[)）]\s*", value.text)
    if match and fold(match.group(1)) == fold(qualifier) and value.text[match.end() :].strip():
        return Value(value.text[match.end() :].strip(), value.regions, value.how)
    return value


def every_pair(rows: Sequence[Row], options: frozenset[int] = frozenset()) -> dict[str, Value]:
    """Every label on the page with its value ("extract every field"): labels that end in a colon (several
    may share a line: "品名：… 保质期：…"), and labels alone on a line with their value right under them.
    `options`: ids of regions that are a checkbox's option ("Yes" beside its box), never labels."""
    pairs: dict[str, Value] = {}
    used: set[int] = set()  # regions already taken as a value
    lone = {
        r.text.strip()
        for i, row in enumerate(rows)
        for r in row.regions
        if id(r) not in options and _lone_label(r, rows, i)
    }

    def is_label(text: str) -> bool:  # a label alone on its line ends the value of the one before it
        return text.strip() in lone

    for index, row in enumerate(rows):
        for region, (a, _) in zip(row.regions, row.spans, strict=True):
            if id(region) in used or id(region) in options:
                continue
            for start, end in _colon_labels(region.text) or _lone_label(region, rows, index):
                value = value_beside(Hit(index, a + start, a + end, 1.0), rows, is_label)
                if value is None:
                    continue
                name, n = region.text[start:end].strip(), 2
                key = name
                while key in pairs:
                    key, n = f"{name} ({n})", n + 1
                pairs[key] = value
                used.update(id(r) for r in value.regions if r is not region)
    return pairs


def _colon_labels(text: str) -> list[tuple[int, int]]:
    """The labels of a line: its leading words before the first colon, then each later 'word:'."""
    lead = _LEADING_LABEL.match(text)
    if not lead:
        return []
    first = text[: lead.end()].rstrip().rstrip(_SEPARATORS).rstrip()
    spans = [(len(text[: lead.end()]) - len(text[: lead.end()].lstrip()), len(first))]
    for match in _INLINE_LABEL.finditer(text, lead.end()):
        spans.append((match.start(1), match.end(1)))
    return spans


def _lone_label(region: Region, rows: Sequence[Row], index: int) -> list[tuple[int, int]]:
    """A short line of words (no figures) with a value right under it, aligned with it."""
    text = region.text.strip()
    if (
        not text
        or len(text.split()) > 6
        or any(c.isdigit() for c in text)
        or sum(c.isalpha() for c in text) < 2
    ):
        return []
    for other in rows[index + 1 : index + 3]:
        for below in other.regions:
            if below.box[1] - region.box[3] > region.height:
                return []  # a value sits closer under its label than the next field's label does
            if abs(below.box[0] - region.box[0]) <= 2 * region.height and below.box[1] >= region.box[3] - 2:
                return [(0, len(region.text.rstrip()))]
    return []
