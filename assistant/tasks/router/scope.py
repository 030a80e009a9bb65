"""Page and document scope in a message ("第2-3页", "pages 1 and 3", "the second file", "最后一张图"),
parsed and cut out of the text with the words that tied it to the sentence ("on page 2", "在第二页的")."""

from __future__ import annotations

import re
from collections.abc import Callable

from .numbers import AND, CN_NUM, EN_LAST, EN_NUM, EN_ORD, LAST, RANGE, number, numbers

# What ties a scope phrase to the sentence, removed with it: "on page 2", "在第二页上的".
_EN_PRE = r"(?:\bonly\s+)?(?:\b(?:on|in|from|of|for|at|within)\s+)?(?:\bthe\s+)?"
_CN_PRE = r"(?:在|从|对|把|将)?"
_CN_POST = r"(?:上面|里面|中|里|上|内)?的?"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

_PAGES = (
    # "pages 2-4", "page 2 and page 3", "on page two", "p. 2", "pp. 2-4"
    re.compile(
        rf"{_EN_PRE}\b(?:pages?|pp?\.|pgs?\.?)\s*"
        rf"(?P<list>{EN_NUM}(?:{RANGE}{EN_NUM})?(?:{AND}(?:pages?\s*)?{EN_NUM}(?:{RANGE}{EN_NUM})?)*)",
        re.IGNORECASE,
    ),
    # "the first two pages" -> 1-2
    re.compile(rf"{_EN_PRE}\bfirst\s+(?P<first>{EN_NUM})\s+pages\b", re.IGNORECASE),
    # "the second page", "the first and third pages" ("the last page" needs the page count: left alone)
    re.compile(rf"{_EN_PRE}(?P<list>{EN_ORD}(?:{AND}(?:the\s+)?{EN_ORD})*)\s+pages?\b", re.IGNORECASE),
    # 第2页, 第二页, 第2-3页, 第1至3页, 第1、3页, 第1页和第3页
    re.compile(
        rf"{_CN_PRE}第\s*(?P<list>{CN_NUM}(?:\s*页?{RANGE}第?\s*{CN_NUM})?"
        rf"(?:\s*页?{AND}第?\s*{CN_NUM}(?:\s*页?{RANGE}第?\s*{CN_NUM})?)*)\s*页{_CN_POST}"
    ),
    # 2-3页 (a single "3页" is a page count, not a page)
    re.compile(rf"{_CN_PRE}(?<![\d第])(?P<list>\d{{1,3}}{RANGE}\d{{1,3}})\s*页{_CN_POST}"),
    # 前两页 -> 1-2, 首页 -> 1
    re.compile(rf"{_CN_PRE}前\s*(?P<first>{CN_NUM})\s*页{_CN_POST}"),
    re.compile(rf"{_CN_PRE}(?P<list>首)页{_CN_POST}"),
)

_EN_DOC = (
    r"(?:files?|documents?|docs?|images?|pictures?|pics?|photos?|pdfs?|scans?|attachments?|uploads?"
    r"|screenshots?|invoices?|receipts?|contracts?)\b"
)
_EN_DOC_NUMBERED = r"(?:files?|documents?|docs?|images?|pictures?|photos?|pdfs?|scans?|attachments?)"
_CN_DOC = r"(?:文件|文档|附件|图片|图像|照片|截图|扫描件|PDF|pdf|发票|收据|合同|单据|图)"
_DOCUMENTS = (
    # "the second file", "the 2nd document", "the first and third files", "the last/latest document"
    re.compile(
        rf"{_EN_PRE}(?P<list>(?:{EN_ORD}|{EN_LAST})(?:{AND}(?:the\s+)?(?:{EN_ORD}|{EN_LAST}))*)\s+"
        rf"(?:(?:uploaded|attached|sent)\s+)?{_EN_DOC}",
        re.IGNORECASE,
    ),
    # "file 2", "files 1 and 3", "document #2", "images 1-3" (not "invoice 2023": an invoice's number)
    re.compile(
        rf"{_EN_PRE}\b{_EN_DOC_NUMBERED}\s*#?\s*(?P<list>{EN_NUM}(?:{RANGE}{EN_NUM})?"
        rf"(?:{AND}(?:{_EN_DOC_NUMBERED}\s*)?#?\s*{EN_NUM}(?:{RANGE}{EN_NUM})?)*)",
        re.IGNORECASE,
    ),
    # 第二个文件, 第2个文档, 第二张图, 第一个和第三个文件, 第二张的 (张/份 count sheets: no noun needed)
    re.compile(
        rf"{_CN_PRE}第\s*(?P<list>{CN_NUM}(?:\s*[个张份篇]?{AND}第?\s*{CN_NUM})*)\s*"
        rf"(?:[个张份篇]\s*(?:上传的)?\s*{_CN_DOC}|[张份](?=[的上里中]|[^\u4e00-\u9fff]|$)){_CN_POST}"
    ),
    # 最后一个文件, 最新的文档, 最后一张图, 最近上传的文件
    re.compile(
        rf"{_CN_PRE}(?P<list>最后|最新|最近)(?:一次)?(?:上传|发送|发来|发|传)?的?[一那]?[个张份篇]?{_CN_DOC}{_CN_POST}"
    ),
    # 文件2, 附件1
    re.compile(rf"{_CN_PRE}(?:文件|文档|附件|图片)\s*(?P<list>\d{{1,2}})(?!\d){_CN_POST}"),
)


def _page_spec(match: re.Match[str]) -> list[tuple[int, int]] | None:
    if first := match.groupdict().get("first"):
        count = number(first)
        return [(1, count)] if count and count > 0 else None
    if match.group("list") == "首":
        return [(1, 1)]
    return numbers(match.group("list"), expand=False)


def _document_positions(match: re.Match[str]) -> list[tuple[int, int]] | None:
    if match.group("list") in ("最后", "最新", "最近"):
        return [(LAST, LAST)]
    return numbers(match.group("list"), expand=True)


def take_scope(text: str) -> tuple[str, str | None, list[int] | None]:
    """Remove the document and page scope from the text: (text, pages, documents)."""
    original = text
    text, documents = _take(text, _DOCUMENTS, _document_positions)
    text, pages = _take(text, _PAGES, _page_spec)
    if text != original:
        text = _tidy(text)
    page_spec = ",".join(dict.fromkeys(str(a) if a == b else f"{a}-{b}" for a, b in pages)) or None
    return text, page_spec, list(dict.fromkeys(a for a, _ in documents)) or None


def _take(
    text: str,
    patterns: tuple[re.Pattern[str], ...],
    parse: Callable[[re.Match[str]], list[tuple[int, int]] | None],
) -> tuple[str, list[tuple[int, int]]]:
    found: list[tuple[int, int]] = []
    for pattern in patterns:

        def cut(match: re.Match[str], text: str = text) -> str:
            value = parse(match)
            if value is None:  # "page 0", "pages 5-2": not a selection we can use; leave the words
                return match.group()
            found.extend(value)
            before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
            # Chinese has no spaces between words; in English keep one between the remaining words.
            return "" if not before or not after or CJK.match(before) or CJK.match(after) else " "

        text = pattern.sub(cut, text)
    return text, found


def _tidy(text: str) -> str:
    """Spaces and separators left over where a scope phrase was removed."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([,.;:!?，。；：！？、)])", r"\1", text)
    text = re.sub(r"[,，、;；]+\s*(?=[,，、;；.。?？!！]|$)", "", text)
    return re.sub(r"^[\s,，、;；:：.。]+", "", text).strip()
