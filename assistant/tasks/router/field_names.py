"""The field names an extract request lists ("extract the total and the date", "提取发票号码、金额"): polite
words, the verb and where the fields come from are removed, then extract.parse_fields splits the rest."""

from __future__ import annotations

import re

from ...errors import ArgumentError
from ..fields import parse_fields
from .wording import EXTRACT_VERB, strip_polite

_CN_SOURCE = (
    r"(?:文件|文档|附件|图片|图像|照片|截图|扫描件|PDF|pdf|发票|收据|合同|单据|表格|表单|名片|身份证"
    r"|标签|护照|页面|票据|图)"
)
_CN_IN = r"(?:中|里|上|里面|上面|内)"
# Where the fields come from, before them: 从这张发票中 / 这张发票的 / 发票的 / 图中的 (not 发票号码).
SOURCE_LEAD = re.compile(
    rf"^(?:(?:从|在)?(?:这|该|本|此)[张份个页]?{_CN_SOURCE}{_CN_IN}?的?|(?:从|在)?{_CN_SOURCE}{_CN_IN}?的"
    rf"|(?:从|在){_CN_SOURCE}{_CN_IN}|(?:从|在)?最后一页{_CN_IN}?的?)\s*"
)
_FIELDS_INTRO = re.compile(
    r"^(?:(?:the|these|following|all)\s+)*(?:fields?|values?|info(?:rmation)?|details|data|items?)\s*[:：]\s*"
    r"|^(?:(?:the|these|following)\s+)+fields?\s+(?=\S)"  # "the fields seller, buyer"
    r"|^(?:(?:as|in)\s+)?(?:a\s+)?json(?:\s+please)?\s*(?:[:：]|\s(?:with|of|containing)\b)\s*"
    r"|^(?:以下|下列|如下)?的?(?:字段|信息|内容|项目?)\s*[:：]\s*"
    # whatever leads up to a colon that a list follows: "following: a, b", "这几项填一下：a、b"
    r"|^[^:：]{0,24}[:：]\s*(?=[^:：]+[,，、])",
    re.IGNORECASE,
)
_EN_SOURCE = (
    r"(?:invoice|receipt|document|doc|file|image|picture|photo|pdf|scan|contract|form|page|label|card|bill"
    r"|statement|certificate|letter|screenshot|passport|table)s?"
)
_SPEC_TAILS = re.compile(
    rf"\s+(?:from|in|on|of|off)\s+(?:(?:this|that|the|these|those|my|our|your|attached|uploaded|scanned|above"
    rf"|given|id|each|every|all)\s+)*{_EN_SOURCE}(?:\s+{_EN_SOURCE})?\s*[.!]?$"
    r"|\s+for\s+(?:me|us)\s*[.!]?$|[\s,，]*(?:please|pls|plz|thanks|thank\s+you|谢谢)\s*[.!。！]?$"
    r"|\s+(?:from|in|on)\s+(?:it|this|here|there|them|the\s+(?:last|final)\s+page)\s*[.!]?$"
    r"|[\s,，]*(?:(?:as|in|into|to)\s+(?:a\s+)?json(?:\s+(?:format|object))?|(?:以|用|按)?\s*json\s*(?:格式)?"
    r"(?:输出|返回)?|(?:输出|返回)\s*(?:为\s*)?json(?:\s*格式)?)\s*[.。!！]?$"
    r"|(?:提取|抽取|找|摘|抽|拿|取|识别)?出来$|[吗呢]?[\s?？。.!！]+$|[吗呢]$",
    re.IGNORECASE,
)
NOT_A_FIELD = re.compile(
    r"\b(?:about|where|whether|if|how|why|what|which|who|mentions?|mentioned|summary|summari[sz]e|explain"
    r"|meaning|means|help)\b|关于|有关|涉及|总结|概括|解释|意思|为什么|讲讲|说说|介绍",
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


def field_spec(text: str) -> str:
    """The part of the message that lists the fields: polite words, the verb and the source removed."""
    spec = strip_polite(text.strip())[0]
    spec = SOURCE_LEAD.sub("", spec, count=1)
    spec = EXTRACT_VERB.sub("", spec, count=1)
    spec = re.sub(r"^(?:把|将)\s*", "", spec)  # 把金额和日期提取出来
    spec = SOURCE_LEAD.sub("", spec, count=1)
    spec = _FIELDS_INTRO.sub("", spec, count=1)
    while (shorter := _SPEC_TAILS.sub("", spec, count=1)) != spec:
        spec = shorter
    return spec.strip()


def field_names(spec: str) -> list[str] | None:
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
