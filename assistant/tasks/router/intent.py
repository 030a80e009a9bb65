"""Which task a message asks for, when no command says: translate, then read, then extract, else ask.

Order matters: translate has the most specific wording, then read (whole-text wording: "extract the text"
is read, not extract), then extract (an imperative extract verb or a field list). A question ("what is
the invoice number?") is ask even when it names a field; only whole-text questions ("what does it say?")
and strong translation requests ("能翻译成英文吗？") are taken from question form.
"""

from __future__ import annotations

import re

from .field_names import NOT_A_FIELD, SOURCE_LEAD, field_names, field_spec
from .languages import L_ANY, L_EN, L_ZH, X_TO_Y_RE
from .scope import CJK
from .wording import EXTRACT_VERB, strip_polite

_EN_QUESTION = re.compile(
    r"^(?:what|what's|whats|which|who|who's|whom|whose|when|where|how|why|is|are|was|were|does|do|did"
    r"|can|could|would|will|should|shall|has|have|had|may|might|am|isn't|aren't|doesn't|don't)\b",
    re.IGNORECASE,
)
_ZH_QUESTION = re.compile(r"什么|哪|谁|多少|几|是否|怎么|怎样|如何|为什么|为何|是不是|有没有|吗|呢")

# translate: 翻译成英文 / 英译中 even in question form ("能翻译成英文吗？"), unless the question is about it
_ZH_TRANSLATE_TO = re.compile(rf"(?:翻译|翻|译)\s*(?:成|为|到)\s*{L_ANY}|{X_TO_Y_RE}", re.IGNORECASE)
_ZH_DOUBT = re.compile(r"是否|需不需要|要不要|需要|为什么|谁|应该|必须|有没有|是不是")
# "what does it say in English?" is a translation, even as a question
_SAY_IN = re.compile(rf"^what\s+does\s+.{{0,40}}?\bsay\s+in\s+{L_EN}", re.IGNORECASE)
_TRANSLATE = re.compile(
    rf"^translat(?:e|ion)\b|^(?:翻译|翻成|译成|译为)|翻译(?![的者费家员官公])"
    rf"|\btranslat\w*\b.*\b(?:to|into|in)\s+{L_EN}|\b(?:put|turn|convert|render)\b.*\b(?:to|into)\s+{L_EN}"
    rf"|{L_EN}\s+(?:translation|version)\b|{L_ZH}(?:译文|版)"
    rf"|^(?:(?:in|into|to)\s+)?{L_EN}(?:\s+(?:please|pls|version|translation))?[.!]?$|^{L_ZH}$",
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
# extract: a strong verb even without field names, a field list ("fields: a, b", "字段：金额"), JSON output,
# or 把…提取出来.
_STRONG_VERBS = ("extract", "pull out", "提取", "抽取", "摘取", "摘录", "抽出")
_FIELD_LIST = re.compile(r"(?:^|\b)fields?\s*[:：]|字段\s*[:：]|json|(?:提取|抽取|摘|取|找|识别)出来", re.I)
_WH_CLAUSE = re.compile(r"^(?:out\s+)?(?:where|whether|if|how|why|what|which|who|when)\b", re.IGNORECASE)


def detect(text: str) -> str:
    core, polite = strip_polite(text.strip())
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
    names_fields = re.match(r"^(?:给我)?(?:识别|读取)", low) and field_names(field_spec(core))
    if not question and _READ_START.match(low) and not _READ_THEN_ASK.search(low) and not names_fields:
        return "read"

    if not question and _wants_fields(core):
        return "extract"
    return "ask"


def _wants_fields(core: str) -> bool:
    spec = field_spec(core)
    if NOT_A_FIELD.search(spec) or not all(map(_short, re.split(r"[,，、;；]", spec))):
        return False  # "find where it mentions penalties", "extract the clause about termination": ask
    if _FIELD_LIST.search(core):
        return True
    core = SOURCE_LEAD.sub("", core, count=1)  # 从这张发票中提取…
    verb = EXTRACT_VERB.match(core)
    if verb is None or _WH_CLAUSE.match(core[verb.end() :]):
        return False
    if verb.group("verb").lower().startswith(_STRONG_VERBS):
        return True
    # get/find/give me/获取/找出 are everyday verbs: extract only when they name fields ("get the total")
    return bool(field_names(spec) or re.search(r"\bfields?\b|字段|信息", spec, re.IGNORECASE))


def _short(name: str) -> bool:
    """Short enough to be a field name: six words, or sixteen characters of Chinese."""
    return len(name.strip()) <= 16 if CJK.search(name) else len(name.split()) <= 6
