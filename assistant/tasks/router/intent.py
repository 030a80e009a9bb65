"""Which task a message asks for, when no command says: translate, then read, then extract, else ask.

Order matters: translate has the most specific wording, then read (whole-text wording: "extract the text"
is read, not extract), then extract (an imperative extract verb, a field list, or "I need" and field
names). A question ("what is the invoice number?") is ask even when it names a field; only whole-text
questions ("what does it say?"), strong translation requests ("能翻译成英文吗？") and questions about what
text in another language means ("这个韩文标签是什么意思") are taken from question form.

A message of several sentences ("这上面写的什么？翻译一下") that reads as a question is decided by its last
sentence when that one is a request.
"""

from __future__ import annotations

import re

from .field_names import NOT_A_FIELD, SOURCE_LEAD, field_names, field_spec
from .languages import L_EN, L_ZH, X_TO_Y_RE
from .wording import EXTRACT_VERB, asks_for_a_thing, strip_polite

_EN_QUESTION = re.compile(
    r"^(?:what|what's|whats|which|who|who's|whom|whose|when|where|how|why|is|are|was|were|does|do|did"
    r"|can|could|would|will|should|shall|has|have|had|may|might|am|isn't|aren't|doesn't|don't)\b",
    re.IGNORECASE,
)
# 几 asks "how many" except in 这几个 / 前几页 ("these few", "the first few")
_ZH_QUESTION = re.compile(
    r"什么|哪|谁|多少|(?<![这那前后头])几|是否|怎么|怎样|如何|为什么|为何|是不是|有没有|吗|呢"
)
_CLAUSES = re.compile(r"[。！？!?；;，,]+")

_L_NAME = rf"(?:{L_EN}|{L_ZH})"
# translate: 翻译成英文 / 转成英文 / 英译中 / 日文翻中文 even in question form ("能翻译成英文吗？"),
# unless the question is about it
_ZH_TRANSLATE_TO = re.compile(
    rf"(?:翻译|翻|译|转|换|改|变|translate)\s*(?:成|为|到)\s*{_L_NAME}|{X_TO_Y_RE}"
    rf"|{L_ZH}\s*(?:翻译?|译)\s*(?:成|为|到)?\s*{L_ZH}",
    re.IGNORECASE,
)
_ZH_DOUBT = re.compile(r"是否|需不需要|要不要|需要|为什么|谁|应该|必须|有没有|是不是")
# A question whose answer is a translation: "what does it say in English?", "what's this in French?",
# "how do you say this in English?"
_ASKS_IN = re.compile(
    rf"^(?:what\s+does\s+.{{0,40}}?\bsay|(?:what(?:'s|\s+is|\s+are)|how\s+(?:do|would|can|should)\s+(?:you|i|we)"
    rf"\s+say)\s+(?:it|this|that|these|those)(?:\s+\w+){{0,2}})\s+in\s+{L_EN}",
    re.IGNORECASE,
)
# What text in another language means: the answer is its translation, into the user's own language.
_WRITING = (
    r"(?:text|sign|label|words?|characters?|writing|letters?|script|note|menu|phrase|sentence|line|caption"
    r"|title|stamp|inscription|bit|part)s?"
)
_FOREIGN_MEANING = re.compile(
    # "what does this Japanese sign mean?", "what does the Russian text on the box say?", "what's the French?"
    rf"^(?:(?:tell|show)\s+me\s+)?what(?:'s|\s+(?:does|do|is|are))?\b.{{0,30}}?\b(?:{L_EN}|foreign)"
    rf"(?:(?:\s+\w+)?\s+{_WRITING}\b.{{0,30}}?)?\s+(?:mean|means|meaning|say|says|saying)\s*[?.!]*$"
    rf"|(?:{L_ZH}|外文|外语)[^，,。？?]{{0,12}}?(?:是|说)?(?:什么|啥)意思"
    rf"|(?:{L_ZH}|外文|外语)[^，,。？?]{{0,8}}?(?:说|写)(?:的|了)是?些?什么",
    re.IGNORECASE,
)
_TRANSLATE = re.compile(
    rf"^translat(?:e|ion)(?![a-z])|^(?:翻译|翻成|译成|译为)|翻译(?![的者费家员官公])|翻一?下(?![去来页])"
    rf"|\btranslat\w*\b.*\b(?:to|into|in)\s+{L_EN}|\b(?:put|turn|convert|render)\b.*\b(?:to|into)\s+{L_EN}"
    rf"|{L_EN}\s+(?:translation|version)\b|{L_ZH}(?:译文|版)"
    rf"|^(?:(?:a|an|the|my|your)\s+)?(?:\w+\s+)?translation(?:\s+(?:of|for|into|to|please)\b|\s*[?.!]*$)"
    rf"|^(?:(?:(?:it|this|that|these|them|those|everything)\s+)?(?:in|into|to)\s+)?{L_EN}(?:\s+(?:please|pls"
    rf"|version|translation))?[.!?]?$|^{L_ZH}$"
    # Japanese, Korean, French and German requests: 翻訳して, 번역해, traduis, übersetze
    r"|翻訳|訳して|번역|\btradui(?:s|re|sez|t)\b|\btraduction\b|\bübersetz",
    re.IGNORECASE,
)

# read, even in question form: whole-text wording ("what does it say?", "上面写了什么？", "图里是什么内容")
_WHOLE_TEXT = re.compile(
    r"^what\s+does\s+(?:it|(?:this|that|the)(?:\s+\w+){0,2})?\s*say\s*[?.!]*$"
    r"|^what(?:'s|\s+is|\s+was)?\s+written(?:\s+(?:on|in|at)(?:\s+(?:it|this|that|here|there|the\s+\w+))?"
    r"|\s+(?:here|there))?\s*[?.!]*$"
    r"|^what(?:'s|\s+is)(?:\s+(?:on|in))?(?:\s+(?:it|this|that|here|there|the\s+(?:image|picture|photo|page"
    r"|document|file|screenshot|scan)))?\s*[?.!]*$"
    r"|^what\s+(?:text|words)\s+(?:is|are)\s+(?:on|in)\b"
    r"|^(?:show|tell)\s+me\s+what\s+(?:(?:it|this|that|the)(?:\s+\w+){0,2}\s+)?says\s*[?.!]*$"
    # 这张收据上 / 图片里面 / 它: any thing the text is on, then 写了什么 / 有什么字 / 是什么内容
    r"|^(?:它|(?:这|那)?(?:个|张|份|页|些|里)?(?:图片?|照片|截图|图像|页面?|文件|文档|标签|牌子|纸条?|扫描件"
    r"|[\u4e00-\u9fff]{1,4}?(?=上|里|中))?)(?:上面?|里面?|中)?的?(?:都|一共)?"
    r"(?:写(?:了|的|着)?的?是?(?:些?什么|哪些)|有(?:什么|哪些)(?:文字|字)|(?:是|有)(?:什么|哪些)内容)(?:内容|字)?"
    r"[？?。]*$"
    r"|^was\s+steht\s+(?:da|hier|drauf|darauf|auf|in|im)\b"
    r"|^(?:这|这些|上面|图上)(?:是|写的是)?什么字[？?。]*$",
    re.IGNORECASE,
)
# read, as a request: OCR, transcribe, the full text, to text, 全文, 读出来, 提取文字, 文字识别 ("extract the
# text" is read)
_READ = re.compile(
    r"(?<![a-z])ocr(?![a-z])|\btranscri(?:be|pt|ption)\b|\b(?:full|whole|entire|complete|plain|raw)\s+text\b"
    r"|\ball\s+(?:of\s+)?(?:the\s+)?text\b"
    r"|\b(?:to|into)\s+(?:(?:editable|plain|searchable|digital|typed|machine[- ]readable)\s+)?text\b"
    r"|^(?:type|write|copy|spell)\s+(?:\w+\s+){0,3}?out\b"
    r"|^(?:extract|get|pull(?:\s+out)?|copy|give\s+me|show\s+me|output|dump|return|print|grab|fetch)\s+"
    r"(?:out\s+)?(?:me\s+)?(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:\w+\s+)?(?:text|transcript|words|wording|contents?)\b"
    r"(?!\s*fields?)"
    # "the text", "text only please", "the text from this image" (after "I need", "…of file 2")
    r"|^(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:(?:full|whole|raw|plain|entire)\s+)?(?:text|transcript|wording|words)"
    r"(?:\s+only)?(?:[\s,]*(?:please|pls|plz))?[\s.!]*$"
    r"|^(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:text|transcript|wording|words)\s+(?:from|of|in|on)\b"
    r"|^(?:所有|全部)?的?(?:文字|文本)(?:内容)?[。!！]?$"
    r"|全文|原文|(?:读|念)(?:一下)?出来|朗读|成(?:纯)?(?:文字|文本)版?"
    r"|(?:识别|提取|抽取|获取|导出|输出|复制|显示|给我|转成|转为|转换成)(?:出|一下)?[^、，,和及]{0,12}?"
    r"(?:文字|文本|(?<![名数签赤十])字(?!段)|内容)"
    r"|(?:文字|文本|(?<![名数签赤十])字|内容)(?:都|全部|全)?(?:识别|提取|抽取|读|打|抄|转|复制|导出|输出|写)"
    r"(?:出来|下来|一下|出)?"
    # Japanese, Korean and German: 文字を読み取って, 텍스트를 읽어, lies den Text vor
    r"|読み取|文字を読|テキストを(?:抽出|読)|文字起こし|(?:텍스트|글자|문자)를?\s*(?:읽|추출)"
    r"|\blies\b.*\b(?:text|vor)\b|\btext\s+vorlesen|\blire\s+(?:le\s+)?texte\b",
    re.IGNORECASE,
)
_READ_START = re.compile(r"^(?:给我)?(?:(?:ocr|transcribe|read|digiti[sz]e)\b|识别|读取|读|念|转写)", re.I)
_READ_THEN_ASK = re.compile(
    r"\band\s+(?:then\s+)?(?:tell|explain|answer|find|summari[sz]e|list|extract|get)\b", re.IGNORECASE
)
# extract: a strong verb even without field names, a field list ("fields: a, b", "字段：金额", "Need: a, b"),
# JSON output, or 把…提取出来.
_STRONG_VERBS = ("extract", "pull out", "fill", "提取", "抽取", "摘取", "摘录", "抽出", "填", "extrai")
# "what I need: a, b", "这几项填一下：a、b": a short lead that asks for something, a colon, a list (not a
# label's text such as "配料：水、白砂糖")
_COLON_LIST = re.compile(
    r"^(?=[^:：?？]{0,24}[:：])[^:：?？]*?(?:need|want|fields?|fill|following|json|提取|字段|需要|要|填|信息|以下"
    r"|如下)[^:：?？]*[:：][^:：?？]+[,，、][^?？]*$",
    re.IGNORECASE,
)
_FIELD_LIST = re.compile(
    r"(?:^|\b)fields?\s*[:：]|字段\s*[:：]|json|(?:提取|抽取|摘|抽|拿|取|找|识别)出来", re.I
)
_WH_CLAUSE = re.compile(r"^(?:out\s+)?(?:where|whether|if|how|why|what|which|who|when)\b", re.IGNORECASE)


def detect(text: str) -> str:
    task = _detect(text)
    clauses = [c for c in _CLAUSES.split(text) if c.strip()]
    if task == "ask" and len(clauses) > 1 and (last := _detect(clauses[-1])) != "ask":
        return last
    return task


def request_part(text: str) -> str:
    """The part of the message that holds the request: its last sentence when that one decided the task."""
    clauses = [c for c in _CLAUSES.split(text) if c.strip()]
    if len(clauses) > 1 and _detect(text) == "ask" and _detect(clauses[-1]) != "ask":
        return clauses[-1].strip()
    return text


def means_foreign_text(text: str) -> bool:
    """ "What does this Korean label mean?": translate into the user's language, which the message is in."""
    return bool(_FOREIGN_MEANING.search(strip_polite(text.strip())[0].lower()))


def _detect(text: str) -> str:
    core, polite = strip_polite(text.strip())
    low = core.lower()
    if polite:  # "能翻译成英文吗？", "can you read this?": a request, not a question
        question = bool(_ZH_QUESTION.search(re.sub(r"[吗呢]?[\s?？。!！]*$", "", low)))
    else:
        question = bool(_EN_QUESTION.match(low) or _ZH_QUESTION.search(low))
    question = question and not _COLON_LIST.match(low)

    if (_ZH_TRANSLATE_TO.search(low) and not _ZH_DOUBT.search(low)) or _ASKS_IN.match(low):
        return "translate"
    if _FOREIGN_MEANING.search(low) or (not question and _TRANSLATE.search(low)):
        return "translate"

    if _WHOLE_TEXT.match(low):
        return "read"
    if not question and _READ.search(low):
        return "read"
    # 识别/读取 with field names is extract ("识别发票上的金额和税号"); alone or with a document, read.
    names_fields = re.match(r"^(?:给我)?(?:识别|读取)", low) and field_names(field_spec(core))
    if not question and _READ_START.match(low) and not _READ_THEN_ASK.search(low) and not names_fields:
        return "read"

    # "I need the invoice number": a thing wanted, named as fields (a question mark says it is not a list)
    wanted = asks_for_a_thing(text) and not re.search(r"[?？]", core) and _names_fields(core)
    if not question and (_wants_fields(core) or wanted):
        return "extract"
    return "ask"


def _names_fields(core: str) -> bool:
    """The request is nothing but field names: "the invoice date and the due date", "发票号码和金额"."""
    spec = field_spec(core)
    return _plausible(spec) and bool(field_names(spec))


def _plausible(spec: str) -> bool:
    """No wording of a question about the text, and every part short enough to be a field name."""
    parts = re.split(r"[,，、;；]|\band\b|\s[和及与]\s", spec)
    return not NOT_A_FIELD.search(spec) and all(map(_short, parts))


def _wants_fields(core: str) -> bool:
    spec = field_spec(core)
    if not _plausible(spec):
        return False  # "find where it mentions penalties", "extract the clause about termination": ask
    if _FIELD_LIST.search(core) or _COLON_LIST.match(core):
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
    """Short enough to be a field name: sixteen Chinese characters and six words at most."""
    return (
        len(re.findall(r"[\u3400-\u9fff]", name)) <= 16 and len(re.findall(r"[^\W\d_]+", name.lower())) <= 6
    )
