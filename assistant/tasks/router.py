"""Route one chat message (Chinese or English) to a task: read, extract, translate or ask.

Pure Python: regular expressions, no model, no I/O. The chat front end and the REST API call `route`
with what the user typed and get back the task, the text the task works on, and what the message said
about scope (pages, which of the session's documents) and task options (field names, target language).

The steps:

1. A command (the `command` argument, or a leading `/read`, `/extract`, `/translate`, `/ask` in the
   message) fixes the task and is stripped.
2. Page scope ("第2-3页", "pages 1 and 3", "the second page") and document scope ("the 2nd document",
   "第二张图", "the last file") are parsed and removed from the text, with the preposition that tied them
   to the sentence ("on page 2", "在第二页的").
3. Without a command, the intent is detected from the remaining text. Order matters: translate (the most
   specific wording), then read (whole-text wording: "extract the text" is read, not extract), then
   extract (an imperative extract verb or a field list), and ask for everything else. A question ("what
   is the invoice number?") is ask even when it names a field; only whole-text questions ("what does it
   say?") and strong translation requests ("能翻译成英文吗？") are taken from question form.
4. Extract parses field names with `extract.parse_fields`; translate looks for the target language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import ArgumentError
from .fields import parse_fields

TASKS = ("read", "extract", "translate", "ask")


@dataclass(frozen=True)
class Route:
    task: str  # one of TASKS
    text: str  # the message without the command and the page/document scope words, stripped
    fields: list[str] | None  # extract only: the field names; None when the message names none
    target_lang: str | None  # translate only: ISO code ("en", "zh", "ja", ...); None when not named
    pages: str | None  # page selection as pages.parse_pages accepts it ("2", "1-3", "1,3"), or None
    documents: list[int] | None  # 1-based positions of the session's documents; -1 is the last one
    explicit: bool  # the task came from a command


def route(message: str, command: str | None = None) -> Route:
    """Turn one chat message into a task route. Raises ArgumentError for an unknown command."""
    body = message.strip()
    task = _command_task(command) if command else None
    if slash := _SLASH_COMMAND.match(body):
        named = _command_task(slash.group("name"))
        task = task or named  # the front end's command wins over a slash word typed into the message
        body = body[slash.end() :].strip()
    explicit = task is not None

    text, pages, documents = _take_scope(body)
    if task is None:
        task = _detect(text)
    fields = _field_names(_field_spec(text)) if task == "extract" else None
    target_lang = _target_lang(text) if task == "translate" else None
    if task == "ask" and not text:
        text = body  # the message was nothing but scope ("page 2?"): keep it as the question
    return Route(task, text, fields, target_lang, pages, documents, explicit)


def _command_task(name: str) -> str:
    task = name.strip().lstrip("/").lower()
    if task not in TASKS:
        raise ArgumentError(f"unknown command {name!r}: use /read, /extract, /translate or /ask")
    return task


# A slash word at the start of the message; "/tmp/x.png" is not one (the word must end the token).
_SLASH_COMMAND = re.compile(r"^/(?P<name>[A-Za-z][\w-]*)(?=[\s:：,，]|$)[\s:：,，]*")

# --- numbers -----------------------------------------------------------------------------------------------

_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10,
}  # fmt: skip
_EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
}  # fmt: skip
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_LAST = -1  # documents: "the last/latest one"

_EN_NUM = rf"(?:\d{{1,3}}(?!\d)|\b(?:{'|'.join(_EN_NUMBERS)})\b)"
_EN_ORD = rf"(?:\d{{1,3}}(?:st|nd|rd|th)\b|\b(?:{'|'.join(_EN_ORDINALS)})\b)"
_EN_LAST = r"(?:last|latest|newest|most\s+recent)\b"
_CN_NUM = r"(?:\d{1,3}(?!\d)|[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九两])"
_RANGE = r"\s*(?:-|–|—|~|～|\bto\b|\bthrough\b|\bthru\b|到|至)\s*"
_AND = r"\s*(?:,\s*and\b|,|，|、|&|\band\b|和|及|与)\s*"
_NUMBER_TOKEN = re.compile(rf"{_EN_ORD}|{_EN_LAST}|{_EN_NUM}|{_CN_NUM}", re.IGNORECASE)


def _number(token: str) -> int | None:
    """'2', 'two', 'second', '2nd', '十二', 'last' (-1) -> the number; None for anything else."""
    token = token.strip().lower()
    if token.isdigit():
        return int(token)
    if token[:-2].isdigit() and token[-2:] in ("st", "nd", "rd", "th"):
        return int(token[:-2])
    if token in _EN_NUMBERS or token in _EN_ORDINALS:
        return _EN_NUMBERS.get(token) or _EN_ORDINALS[token]
    if re.fullmatch(_EN_LAST, token):
        return _LAST
    if "十" in token:  # 十 10, 十二 12, 二十 20, 九十九 99
        tens, _, ones = token.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(token)


def _numbers(listed: str, expand: bool) -> list[tuple[int, int]] | None:
    """'1-3, 5' / 'first and third' / '一、三' -> [(1, 3), (5, 5)] (or each page of a range when expand)."""
    spans: list[tuple[int, int]] = []
    for part in re.split(_AND, listed, flags=re.IGNORECASE):
        ends = [_NUMBER_TOKEN.search(end) for end in re.split(_RANGE, part, flags=re.IGNORECASE)]
        if not 1 <= len(ends) <= 2 or not all(ends):
            return None
        low, high = (_number(end.group()) if end else None for end in (ends[0], ends[-1]))
        if low is None or high is None or (low != _LAST and not 1 <= low <= high):
            return None
        spans.extend([(n, n) for n in range(low, high + 1)] if expand and low != high else [(low, high)])
    return spans


# --- scope: pages and documents ----------------------------------------------------------------------------

# What ties a scope phrase to the sentence, removed with it: "on page 2", "在第二页上的".
_EN_PRE = r"(?:\bonly\s+)?(?:\b(?:on|in|from|of|for|at|within)\s+)?(?:\bthe\s+)?"
_CN_PRE = r"(?:在|从|对|把|将)?"
_CN_POST = r"(?:上面|里面|中|里|上|内)?的?"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

_PAGES = (
    # "pages 2-4", "page 2 and page 3", "on page two", "p. 2", "pp. 2-4"
    re.compile(
        rf"{_EN_PRE}\b(?:pages?|pp?\.|pgs?\.?)\s*"
        rf"(?P<list>{_EN_NUM}(?:{_RANGE}{_EN_NUM})?(?:{_AND}(?:pages?\s*)?{_EN_NUM}(?:{_RANGE}{_EN_NUM})?)*)",
        re.IGNORECASE,
    ),
    # "the first two pages" -> 1-2
    re.compile(rf"{_EN_PRE}\bfirst\s+(?P<first>{_EN_NUM})\s+pages\b", re.IGNORECASE),
    # "the second page", "the first and third pages" ("the last page" needs the page count: left alone)
    re.compile(rf"{_EN_PRE}(?P<list>{_EN_ORD}(?:{_AND}(?:the\s+)?{_EN_ORD})*)\s+pages?\b", re.IGNORECASE),
    # 第2页, 第二页, 第2-3页, 第1至3页, 第1、3页, 第1页和第3页
    re.compile(
        rf"{_CN_PRE}第\s*(?P<list>{_CN_NUM}(?:\s*页?{_RANGE}第?\s*{_CN_NUM})?"
        rf"(?:\s*页?{_AND}第?\s*{_CN_NUM}(?:\s*页?{_RANGE}第?\s*{_CN_NUM})?)*)\s*页{_CN_POST}"
    ),
    # 2-3页 (a single "3页" is a page count, not a page)
    re.compile(rf"{_CN_PRE}(?<![\d第])(?P<list>\d{{1,3}}{_RANGE}\d{{1,3}})\s*页{_CN_POST}"),
    # 前两页 -> 1-2, 首页 -> 1
    re.compile(rf"{_CN_PRE}前\s*(?P<first>{_CN_NUM})\s*页{_CN_POST}"),
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
        rf"{_EN_PRE}(?P<list>(?:{_EN_ORD}|{_EN_LAST})(?:{_AND}(?:the\s+)?(?:{_EN_ORD}|{_EN_LAST}))*)\s+"
        rf"(?:(?:uploaded|attached|sent)\s+)?{_EN_DOC}",
        re.IGNORECASE,
    ),
    # "file 2", "files 1 and 3", "document #2", "images 1-3" (not "invoice 2023": an invoice's number)
    re.compile(
        rf"{_EN_PRE}\b{_EN_DOC_NUMBERED}\s*#?\s*(?P<list>{_EN_NUM}(?:{_RANGE}{_EN_NUM})?"
        rf"(?:{_AND}(?:{_EN_DOC_NUMBERED}\s*)?#?\s*{_EN_NUM}(?:{_RANGE}{_EN_NUM})?)*)",
        re.IGNORECASE,
    ),
    # 第二个文件, 第2个文档, 第二张图, 第一个和第三个文件, 第二张的 (张/份 count sheets: no noun needed)
    re.compile(
        rf"{_CN_PRE}第\s*(?P<list>{_CN_NUM}(?:\s*[个张份篇]?{_AND}第?\s*{_CN_NUM})*)\s*"
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
        count = _number(first)
        return [(1, count)] if count and count > 0 else None
    if match.group("list") == "首":
        return [(1, 1)]
    return _numbers(match.group("list"), expand=False)


def _document_positions(match: re.Match[str]) -> list[tuple[int, int]] | None:
    if match.group("list") in ("最后", "最新", "最近"):
        return [(_LAST, _LAST)]
    return _numbers(match.group("list"), expand=True)


def _take_scope(text: str) -> tuple[str, str | None, list[int] | None]:
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
            return "" if not before or not after or _CJK.match(before) or _CJK.match(after) else " "

        text = pattern.sub(cut, text)
    return text, found


def _tidy(text: str) -> str:
    """Spaces and separators left over where a scope phrase was removed."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([,.;:!?，。；：！？、)])", r"\1", text)
    text = re.sub(r"[,，、;；]+\s*(?=[,，、;；.。?？!！]|$)", "", text)
    return re.sub(r"^[\s,，、;；:：.。]+", "", text).strip()


# --- intent ------------------------------------------------------------------------------------------------

# Politeness before the request: "can you translate", "请帮我提取", "能不能翻译成英文吗".
_POLITE = re.compile(
    r"^(?:(?:(?:please|pls|plz|kindly|(?:can|could|would|will)\s+you|help\s+me(?:\s+to)?"
    r"|i(?:'d|\s+would)\s+like\s+(?:you\s+)?to|i\s+(?:want|need)\s+(?:you\s+)?to|let's)\b"
    r"|请你?|麻烦你?|帮我们?|帮忙|你能|你可以|能不能|能否|可不可以|可以|可否|我想|我要|我需要"
    r"|能(?=[提抽获找识翻读]))[\s,，]*)+",
    re.IGNORECASE,
)
_EN_QUESTION = re.compile(
    r"^(?:what|what's|whats|which|who|who's|whom|whose|when|where|how|why|is|are|was|were|does|do|did"
    r"|can|could|would|will|should|shall|has|have|had|may|might|am|isn't|aren't|doesn't|don't)\b",
    re.IGNORECASE,
)
_ZH_QUESTION = re.compile(r"什么|哪|谁|多少|几|是否|怎么|怎样|如何|为什么|为何|是不是|有没有|吗|呢")

_LANG_EN = {
    "english": "en", "chinese": "zh", "simplified chinese": "zh", "mandarin": "zh",
    "traditional chinese": "zh-hant", "japanese": "ja", "korean": "ko", "french": "fr", "german": "de",
    "spanish": "es", "russian": "ru", "italian": "it", "portuguese": "pt", "vietnamese": "vi",
    "arabic": "ar", "hindi": "hi", "thai": "th", "dutch": "nl", "polish": "pl", "turkish": "tr",
    "greek": "el", "ukrainian": "uk", "indonesian": "id",
}  # fmt: skip
_LANG_ZH = {
    "英文": "en", "英语": "en", "中文": "zh", "汉语": "zh", "简体中文": "zh", "简体": "zh", "普通话": "zh",
    "繁体中文": "zh-hant", "繁体": "zh-hant", "繁體中文": "zh-hant", "日文": "ja", "日语": "ja",
    "韩文": "ko", "韩语": "ko", "朝鲜语": "ko", "法语": "fr", "法文": "fr", "德语": "de", "德文": "de",
    "西班牙语": "es", "西班牙文": "es", "西语": "es", "俄语": "ru", "俄文": "ru", "意大利语": "it",
    "意大利文": "it", "葡萄牙语": "pt", "葡萄牙文": "pt", "越南语": "vi", "越南文": "vi", "阿拉伯语": "ar",
    "阿拉伯文": "ar", "印地语": "hi", "泰语": "th", "泰文": "th", "荷兰语": "nl", "波兰语": "pl",
    "土耳其语": "tr", "希腊语": "el", "乌克兰语": "uk", "印尼语": "id", "印度尼西亚语": "id",
}  # fmt: skip
# ISO codes typed as such ("translate to ja"); not "it", "id", "uk": English words first.
_CODES = ("en", "zh", "zh-hans", "zh-hant", "zh-tw", "ja", "ko", "fr", "de", "es", "ru", "pt", "vi", "ar")
_X_TO_Y = {
    "中": "zh", "汉": "zh", "英": "en", "日": "ja", "韩": "ko", "法": "fr", "德": "de", "俄": "ru",
    "西": "es",
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so that 简体中文 wins over 中文 and "simplified chinese" over "chinese"."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_L_EN = rf"(?:{_alternation(_LANG_EN)})\b"
_L_ZH = rf"(?:{_alternation(_LANG_ZH)})"
_L_CODE = rf"(?:{_alternation(_CODES)})\b"
_L_ANY = rf"(?P<lang>{_L_EN}|{_L_ZH})"
_X_TO_Y_RE = rf"[{''.join(_X_TO_Y)}]译(?P<to>[{''.join(_X_TO_Y)}])"

# Where the target language is named, most telling first: "to/into French", "翻译成英文", "英译中";
# then "in French", "用英文"; then "French translation", "英文版"; then the language alone ("/translate ja").
_TARGETS = (
    re.compile(rf"(?:\b(?:to|into)\s+|(?:成|为|到)\s*|(?:→|->)\s*)(?:{_L_ANY}|(?P<code>{_L_CODE}))", re.I),
    re.compile(_X_TO_Y_RE),
    re.compile(rf"(?:\bin\s+|用\s*){_L_ANY}", re.IGNORECASE),
    re.compile(rf"{_L_ANY}\s*(?:translation|version|译文|版|翻译)", re.IGNORECASE),
    re.compile(rf"^\W*(?:{_L_ANY}|(?P<code>{_L_CODE}))\W*$", re.IGNORECASE),
)

# translate: 翻译成英文 / 英译中 even in question form ("能翻译成英文吗？"), unless the question is about it
_ZH_TRANSLATE_TO = re.compile(rf"(?:翻译|翻|译)\s*(?:成|为|到)\s*{_L_ANY}|{_X_TO_Y_RE}", re.IGNORECASE)
_ZH_DOUBT = re.compile(r"是否|需不需要|要不要|需要|为什么|谁|应该|必须|有没有|是不是")
# "what does it say in English?" is a translation, even as a question
_SAY_IN = re.compile(rf"^what\s+does\s+.{{0,40}}?\bsay\s+in\s+{_L_EN}", re.IGNORECASE)
_TRANSLATE = re.compile(
    rf"^translat(?:e|ion)\b|^(?:翻译|翻成|译成|译为)|翻译(?![的者费家员官公])"
    rf"|\btranslat\w*\b.*\b(?:to|into|in)\s+{_L_EN}|\b(?:put|turn|convert|render)\b.*\b(?:to|into)\s+{_L_EN}"
    rf"|{_L_EN}\s+(?:translation|version)\b|{_L_ZH}(?:译文|版)"
    rf"|^(?:(?:in|into|to)\s+)?{_L_EN}(?:\s+(?:please|pls|version|translation))?[.!]?$|^{_L_ZH}$",
    re.IGNORECASE,
)

# read, even in question form: whole-text wording ("what does it say?", "上面写了什么？")
_WHOLE_TEXT = re.compile(
    r"^what\s+does\s+(?:it|(?:this|that|the)(?:\s+\w+){0,2})?\s*say\s*[?.!]*$"
    r"|^what(?:'s|\s+is|\s+was)?\s+written(?:\s+(?:on|in|at)(?:\s+(?:it|this|that|here|there|the\s+\w+))?"
    r"|\s+(?:here|there))?\s*[?.!]*$"
    r"|^what(?:'s|\s+is)(?:\s+(?:on|in))?(?:\s+(?:it|this|that|here|there|the\s+(?:image|picture|photo|page"
    r"|document|file|screenshot|scan)))?\s*[?.!]*$"
    r"|^what\s+(?:text|words)\s+(?:is|are)\s+(?:on|in)\b"
    r"|^(?:这|这个|这张|这张图片?|这里|这上面|上面|图|图片|图中|图上|图里|图片上|图片里|照片上?|页面上?|它|里面)?"
    r"(?:上面?|里面?|中)?(?:都|一共)?(?:写(?:了|的|着)?的?是?些?什么|有(?:什么|哪些)(?:文字|字))(?:内容|字)?[？?。]*$"
    r"|^(?:这|这些|上面|图上)(?:是|写的是)?什么字[？?。]*$",
    re.IGNORECASE,
)
# read, as a request: OCR, transcribe, the full text, 全文, 读出来, 提取文字 ("extract the text" is read)
_READ = re.compile(
    r"(?<![a-z])ocr(?![a-z])|\btranscri(?:be|pt|ption)\b|\b(?:full|whole|entire|complete|plain|raw)\s+text\b"
    r"|\ball\s+(?:of\s+)?(?:the\s+)?text\b"
    r"|^(?:extract|get|pull(?:\s+out)?|copy|give\s+me|show\s+me|output|dump|return|print|grab|fetch)\s+"
    r"(?:out\s+)?(?:me\s+)?(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:\w+\s+)?(?:text|transcript|words|wording|contents?)\b"
    r"(?!\s*fields?)"
    r"|^(?:the\s+|all\s+(?:of\s+)?(?:the\s+)?)?(?:text|transcript)[.!]?$"  # "the text", after "…of file 2"
    r"|^(?:所有|全部)?的?(?:文字|文本)(?:内容)?[。!！]?$"
    r"|全文|原文|(?:读|念)(?:一下)?出来|朗读"
    r"|(?:识别|提取|抽取|获取|导出|输出|复制|显示|给我|转成|转为|转换成)(?:出|一下)?[^、，,和及]{0,12}?"
    r"(?:文字|文本|(?<![名数签赤十])字(?!段)|内容)",
    re.IGNORECASE,
)
_READ_START = re.compile(r"^(?:给我)?(?:(?:ocr|transcribe|read|digiti[sz]e)\b|识别|读取|读|念|转写)", re.I)
_READ_THEN_ASK = re.compile(
    r"\band\s+(?:then\s+)?(?:tell|explain|answer|find|summari[sz]e|list|extract|get)\b", re.IGNORECASE
)

# extract: an imperative verb at the start (strong ones extract even without field names), a field list
# ("fields: a, b", "字段：金额"), JSON output, or 把…提取出来.
_EXTRACT_VERB = re.compile(
    r"^(?:把|将)?\s*(?P<verb>(?:give|show)\s+me|pull\s+out|(?:extract|get|pull|find|fetch|grab|retrieve|capture"
    r"|collect)(?:\s+(?:me|us|out))*\b|给我|提取出?|抽取出?|获取|找出|找到|摘取|摘录|取出|抽出|识别出?|读取)(?:一下)?\s*",
    re.IGNORECASE,
)
_STRONG_VERBS = ("extract", "pull out", "提取", "抽取", "摘取", "摘录", "抽出")
_FIELD_LIST = re.compile(r"(?:^|\b)fields?\s*[:：]|字段\s*[:：]|json|(?:提取|抽取|摘|取|找|识别)出来", re.I)
_WH_CLAUSE = re.compile(r"^(?:out\s+)?(?:where|whether|if|how|why|what|which|who|when)\b", re.IGNORECASE)


def _strip_polite(text: str) -> tuple[str, bool]:
    stripped = _POLITE.sub("", text, count=1)
    return stripped, stripped != text


def _detect(text: str) -> str:
    core, polite = _strip_polite(text.strip())
    low = core.lower()
    if polite:  # "能翻译成英文吗？", "can you read this?": a request, not a question
        question = bool(_ZH_QUESTION.search(re.sub(r"[吗呢]?[\s?？。!！]*$", "", low)))
    else:
        question = bool(_EN_QUESTION.match(low) or _ZH_QUESTION.search(low))

    if (_ZH_TRANSLATE_TO.search(low) and not _ZH_DOUBT.search(low)) or _SAY_IN.match(low):
        return "translate"
    if not question and _TRANSLATE.search(low):
        return "translate"

    if _WHOLE_TEXT.match(low):
        return "read"
    if not question and _READ.search(low):
        return "read"
    # 识别/读取 with field names is extract ("识别发票上的金额和税号"); alone or with a document, read.
    names_fields = re.match(r"^(?:给我)?(?:识别|读取)", low) and _field_names(_field_spec(core))
    if not question and _READ_START.match(low) and not _READ_THEN_ASK.search(low) and not names_fields:
        return "read"

    if not question and _wants_fields(core):
        return "extract"
    return "ask"


def _wants_fields(core: str) -> bool:
    spec = _field_spec(core)
    if _NOT_A_FIELD.search(spec) or not all(map(_short, re.split(r"[,，、;；]", spec))):
        return False  # "find where it mentions penalties", "extract the clause about termination": ask
    if _FIELD_LIST.search(core):
        return True
    core = _SOURCE_LEAD.sub("", core, count=1)  # 从这张发票中提取…
    verb = _EXTRACT_VERB.match(core)
    if verb is None or _WH_CLAUSE.match(core[verb.end() :]):
        return False
    if verb.group("verb").lower().startswith(_STRONG_VERBS):
        return True
    # get/find/give me/获取/找出 are everyday verbs: extract only when they name fields ("get the total")
    return bool(_field_names(spec) or re.search(r"\bfields?\b|字段|信息", spec, re.IGNORECASE))


def _short(name: str) -> bool:
    """Short enough to be a field name: six words, or sixteen characters of Chinese."""
    return len(name.strip()) <= 16 if _CJK.search(name) else len(name.split()) <= 6


# --- extract: field names ----------------------------------------------------------------------------------

_CN_SOURCE = (
    r"(?:文件|文档|附件|图片|图像|照片|截图|扫描件|PDF|pdf|发票|收据|合同|单据|表格|表单|名片|身份证"
    r"|标签|护照|页面|票据|图)"
)
_CN_IN = r"(?:中|里|上|里面|上面|内)"
# Where the fields come from, before them: 从这张发票中 / 这张发票的 / 发票的 / 图中的 (not 发票号码).
_SOURCE_LEAD = re.compile(
    rf"^(?:(?:从|在)?(?:这|该|本|此)[张份个页]?{_CN_SOURCE}{_CN_IN}?的?|(?:从|在)?{_CN_SOURCE}{_CN_IN}?的"
    rf"|(?:从|在){_CN_SOURCE}{_CN_IN}|(?:从|在)?最后一页{_CN_IN}?的?)\s*"
)
_FIELDS_INTRO = re.compile(
    r"^(?:(?:the|these|following|all)\s+)*(?:fields?|values?|info(?:rmation)?|details|data|items?)\s*[:：]\s*"
    r"|^(?:(?:as|in)\s+)?json(?:\s+please)?\s*[:：]\s*"
    r"|^(?:以下|下列|如下)?的?(?:字段|信息|内容|项目?)\s*[:：]\s*",
    re.IGNORECASE,
)
_EN_SOURCE = (
    r"(?:invoice|receipt|document|doc|file|image|picture|photo|pdf|scan|contract|form|page|label|card|bill"
    r"|statement|certificate|letter|screenshot|passport|table)s?"
)
_SPEC_TAILS = re.compile(
    rf"\s+(?:from|in|on|of|off)\s+(?:(?:this|that|the|these|those|my|our|your|attached|uploaded|scanned|above"
    rf"|given|id)\s+)*{_EN_SOURCE}(?:\s+{_EN_SOURCE})?\s*[.!]?$"
    r"|\s+(?:from|in|on)\s+(?:it|this|here|there|them|the\s+(?:last|final)\s+page)\s*[.!]?$"
    r"|[\s,，]*(?:(?:as|in|into|to)\s+(?:a\s+)?json(?:\s+(?:format|object))?|(?:以|用|按)?\s*json\s*(?:格式)?"
    r"(?:输出|返回)?|(?:输出|返回)\s*(?:为\s*)?json(?:\s*格式)?)\s*[.。!！]?$"
    r"|(?:提取|抽取|找|摘|取|识别)?出来$|[吗呢]?[\s?？。.!！]+$|[吗呢]$",
    re.IGNORECASE,
)
_NOT_A_FIELD = re.compile(
    r"\b(?:about|where|whether|if|how|why|what|which|who|mentions?|mentioned|summary|summari[sz]e|explain"
    r"|meaning|means)\b|关于|有关|涉及|总结|概括|解释|意思|为什么|讲讲|说说|介绍",
    re.IGNORECASE,
)
# A "field" made only of these words names no field: "all fields", "the invoice fields", "发票信息".
_GENERIC_EN = {
    "all", "the", "key", "main", "important", "relevant", "basic", "every", "each", "field",
    "fields", "info", "information", "detail", "details", "data", "value", "values", "invoice", "receipt",
    "document", "file", "image", "contract", "form", "page", "everything", "this", "that", "it", "its",
    "these", "json", "default", "standard", "usual", "common", "useful", "available", "entries", "of",
}  # fmt: skip
_GENERIC_ZH = re.compile(
    r"所有|全部|关键|主要|重要|基本|相关|常用|必要|一下|各个|各|这张|这份|这个|该|的|字段|信息|内容|数据|要素"
    r"|发票|收据|合同|文件|文档|图片|表单|单据|项目|所需"
)
_ARTICLE = re.compile(r"^(?:the|a|an|its|their)\s+", re.IGNORECASE)


def _field_spec(text: str) -> str:
    """The part of the message that lists the fields: polite words, the verb and the source removed."""
    spec = _strip_polite(text.strip())[0]
    spec = _SOURCE_LEAD.sub("", spec, count=1)
    spec = _EXTRACT_VERB.sub("", spec, count=1)
    spec = re.sub(r"^(?:把|将)\s*", "", spec)  # 把金额和日期提取出来
    spec = _SOURCE_LEAD.sub("", spec, count=1)
    spec = _FIELDS_INTRO.sub("", spec, count=1)
    while (shorter := _SPEC_TAILS.sub("", spec, count=1)) != spec:
        spec = shorter
    return spec.strip()


def _field_names(spec: str) -> list[str] | None:
    """The field names in the spec, by extract.parse_fields; None when it names none or only generic ones."""
    if not spec:
        return None

    try:
        names = parse_fields(spec)
    except ArgumentError:
        return None
    names = [_ARTICLE.sub("", name).strip() for name in names]
    names = [name for name in names if name and not _is_generic(name)]
    return list(dict.fromkeys(names)) or None


def _is_generic(name: str) -> bool:
    words = re.findall(r"[a-z]+", name.lower())
    rest = _GENERIC_ZH.sub("", re.sub(r"[a-z]+", " ", name.lower()))
    return all(w in _GENERIC_EN for w in words) and not re.sub(r"[\s\W_]", "", rest)


# --- translate: target language ----------------------------------------------------------------------------


def _target_lang(text: str) -> str | None:
    for pattern in _TARGETS:
        if match := pattern.search(text):
            found = match.groupdict()
            if found.get("to"):
                return _X_TO_Y[found["to"]]
            if found.get("code"):
                return found["code"].lower()
            lang = re.sub(r"\s+", " ", found["lang"].lower())
            return _LANG_EN.get(lang) or _LANG_ZH[found["lang"]]
    return None
