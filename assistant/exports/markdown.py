"""Markdown from a read: headings, paragraphs, lists and tables, in reading order.

A line much taller than the document's body text is a heading (`#` or `##` by how much taller); a line
that starts with a bullet or a number is a list item; lines close below each other form a paragraph and a
wider gap starts the next one; a table's cells are written as a Markdown table. Pages are apart by a rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from statistics import median

from ..documents.model import Box, Document, Page, Region, union_box
from ..documents.tables import markdown_table
from ..tasks.read import same_row

TITLE = 1.8  # a line this many times the body's height is a title (#)
HEADING = 1.25  # ... and this many times, a heading (##)
MAX_HEADING_CHARS = 100  # a long line is running text however large
PARAGRAPH_GAP = 0.8  # a vertical gap over this many body heights starts a new paragraph
# A bullet, or a dash with a space ("-5 °C" is no item); "1. ", "1) ", "1、", "(1)" ("1.5 kg" is no item)
BULLET = re.compile(r"^(?:[•·▪●○◦■□‣⁃]\s*|[-*–]\s+)(?=\S)")
NUMBERED = re.compile(r"^(\d{1,3})(?:[.)]\s+|、\s*)(?=\S)|^[(（](\d{1,3})[)）]\s*(?=\S)")
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]")
MARKDOWN_START = re.compile(r"^([#>+*-]|\d+[.)])(\s|$)")  # would read as Markdown syntax at a line start


@dataclass
class Line:
    """The pieces of one line of text (a label and its value), joined."""

    text: str
    box: Box

    @property
    def size(self) -> float:
        """The text's size: a line's height, a vertical column's width."""
        width, height = self.box[2] - self.box[0], self.box[3] - self.box[1]
        return width if height > 1.5 * width and len(self.text) > 1 else height


def markdown_bytes(pages: Sequence[tuple[Document, Page]]) -> bytes:
    return to_markdown(pages).encode("utf-8")


def to_markdown(pages: Sequence[tuple[Document, Page]]) -> str:
    body = {doc.sha256: _body_size(doc, pages) for doc, _ in pages}
    parts = [_page(page.regions, body[doc.sha256]) for doc, page in pages]
    return "\n\n---\n\n".join(part for part in parts if part) + "\n"


def _body_size(doc: Document, pages: Sequence[tuple[Document, Page]]) -> float:
    """The typical size of the document's text: the median over its lines (table cells aside)."""
    sizes = [
        line.size
        for d, page in pages
        if d is doc
        for line in _lines([r for r in page.regions if r.cell is None])
        if line.text
    ]
    return median(sizes) if sizes else 0.0


def _lines(regions: Sequence[Region]) -> list[Line]:
    lines: list[Line] = []
    previous: Region | None = None
    for region in regions:
        if previous is not None and same_row(previous, region):
            lines[-1] = Line(f"{lines[-1].text} {region.text}", union_box((lines[-1].box, region.box)))
        else:
            lines.append(Line(region.text, region.box))
        previous = region
    return lines


def _page(regions: Sequence[Region], body: float) -> str:
    blocks: list[str] = []
    for table, group in groupby(regions, key=lambda r: r.cell.table if r.cell else None):
        if table is not None:
            blocks.append(markdown_table(list(group)))
        else:
            blocks.extend(_text_blocks(_lines(list(group)), body))
    return "\n\n".join(blocks)


def _text_blocks(lines: list[Line], body: float) -> list[str]:
    """Headings, paragraphs and lists (a list's items are one block, a line each)."""
    blocks: list[str] = []
    paragraph: list[Line] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(_joined(paragraph))
            paragraph.clear()
        if items:
            blocks.append("\n".join(items))
            items.clear()

    for line in lines:
        text = " ".join(line.text.split())
        if not text:
            continue
        level = _heading_level(line, text, body)
        item = _list_item(text)
        if level:
            flush()
            blocks.append("#" * level + " " + text)
        elif item:
            if paragraph:
                flush()
            items.append(item)
        elif paragraph and _gap(paragraph[-1], line) <= PARAGRAPH_GAP * body and not items:
            paragraph.append(Line(text, line.box))
        else:
            flush()
            paragraph.append(Line(text, line.box))
    flush()
    return blocks


def _heading_level(line: Line, text: str, body: float) -> int:
    if body <= 0 or len(text) > MAX_HEADING_CHARS:
        return 0
    ratio = line.size / body
    return 1 if ratio >= TITLE else 2 if ratio >= HEADING else 0


def _list_item(text: str) -> str | None:
    if match := NUMBERED.match(text):
        return f"{match.group(1) or match.group(2)}. {text[match.end() :]}"
    if match := BULLET.match(text):
        return f"- {text[match.end() :]}"
    return None


def _gap(above: Line, below: Line) -> float:
    return below.box[1] - above.box[3]


def _joined(lines: list[Line]) -> str:
    """A paragraph's lines as one: CJK lines meet without a space, others with one."""
    out = lines[0].text
    for line in lines[1:]:
        joint = "" if CJK.search(out[-1]) and CJK.search(line.text[0]) else " "
        out += joint + line.text
    return "\\" + out if MARKDOWN_START.match(out) else out
