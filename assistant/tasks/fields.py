"""Field names for extract, from whatever a person typed: 'a,b,c', '请提取金额、税号、开票日期', 'x and y'.

Kept apart from extract.py so that the chat's router and the API read field names without loading the
model stack.
"""

from __future__ import annotations

import re

from ..errors import ArgumentError

# A list's separators. Inside brackets they are part of a name ("Remarks (date, place)").
_LIST_SEPARATOR = re.compile(r"\s*[,，、;；]\s*")
# "and" / 和 / 及 join the last two names of a list ("company, date and total", "金额和税号"), so they split
# only the last piece of a comma list (a name such as "Recommended Brand(s) and Promotional Activity"
# stands among commas whole). 和/及 split only between CJK names or as a word of their own in mixed text
# ("invoice number 和 date"), not inside words such as 总和 or 涉及.
_JOINER = re.compile(
    r"\s*(?:\band\b|以及|(?<=[\u4e00-\u9fff]{2})[和及](?=[\u4e00-\u9fff]{2})|(?<=\s)[和及与](?=\s))\s*"
)
_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:(?:extract|get|find|pull out)\b|请?(?:帮我)?(?:提取|识别|抽取|获取)出?|找出)?\s*"
    r"(?:the\s+)?(?:(?:following\s+)?fields?\b\s*|字段\s*(?=[:：]))?[:：]?\s*",
    re.IGNORECASE,
)
_EDGES = " \"'“”"  # quotes around a name
# The spec's closing full stop, but not an abbreviation's dot ("REQUEST NO.", "P. S.", "Co.").
_FULL_STOP = re.compile(r"(?:。|(?<=[^\W\d_]{3})\.)\s*$")
_TAIL = re.compile(r"\s*(?:from (?:this|the) \w+|的?字段|，?输出\s*json|as json)\s*[。.]?\s*$", re.IGNORECASE)


def parse_fields(spec: str) -> list[str]:
    """'a,b,c', '请提取金额、税号、开票日期' or 'company, date and total' -> the field names."""
    text = _FULL_STOP.sub("", _TAIL.sub("", _LEAD.sub("", spec.strip())))
    pieces = _outside_brackets(_LIST_SEPARATOR, text)
    pieces[-1:] = _outside_brackets(_JOINER, pieces[-1]) if pieces else []
    fields = [re.sub(r"^the\s+", "", f.strip(_EDGES), flags=re.IGNORECASE) for f in pieces]
    fields = [f for f in fields if f]
    if not fields:
        raise ArgumentError(f"no field names in {spec!r}: give them like --fields amount,tax_id,date")
    if any(len(f) > 64 for f in fields):
        raise ArgumentError("a field name is longer than 64 characters")
    return list(dict.fromkeys(fields))


def _outside_brackets(separator: re.Pattern[str], text: str) -> list[str]:
    """`text` split at the separator's matches that stand outside any bracket."""
    pieces, start = [], 0
    for match in separator.finditer(text):
        before = text[: match.start()]
        if sum(before.count(c) for c in "([（【") > sum(before.count(c) for c in ")]）】"):
            continue
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return pieces


# What "extract the fields" means when no field is named: the usual invoice fields.
DEFAULT_FIELDS = {
    "en": ["invoice number", "date", "total amount", "tax ID", "seller", "buyer"],
    "zh": ["发票号码", "开票日期", "金额", "税号", "销售方", "购买方"],
}


def default_fields(message: str) -> list[str]:
    """The default fields, in the language of the message that asked for them."""
    from ..prompts import language_of

    return list(DEFAULT_FIELDS[language_of(message)])


# --- field names in the user's words -> the fields a layout rule reads -------------------------------

_EVERY = re.compile(
    r"^(?:every|all)(?:\s+the)?\s+fields?$|^(?:所有|全部|每个)(?:的)?(?:字段)?$|^all$|^\*$", re.IGNORECASE
)


def wants_every_field(fields: list[str]) -> bool:
    """'extract every field', '提取所有字段': every label/value pair on the page."""
    return len(fields) == 1 and bool(_EVERY.match(fields[0].strip()))


# VAT invoice fields, by the words people use for them. Unqualified "税号"/"tax ID" is the seller's: the
# invoice is the seller's document (the buyer's is asked for as 购买方税号 or buyer tax ID).
_INVOICE_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("发票代码", ("发票代码", "invoicecode", "code")),
    ("发票号码", ("发票号码", "发票号", "invoicenumber", "invoiceno", "number")),
    ("开票日期", ("开票日期", "日期", "date", "invoicedate", "issuedate")),
    ("校验码", ("校验码", "checkcode", "verificationcode")),
    ("购买方名称", ("购买方名称", "购买方", "购方名称", "购方", "买方", "buyer", "buyername", "purchaser")),
    ("购买方纳税人识别号", ("购买方纳税人识别号", "购买方税号", "购方税号", "buyertaxid", "purchasertaxid")),
    ("购买方地址电话", ("购买方地址电话", "购买方地址", "buyeraddress")),
    ("购买方开户行及账号", ("购买方开户行及账号", "购买方开户行", "购买方账号", "buyerbank", "buyeraccount")),
    ("销售方名称", ("销售方名称", "销售方", "销方名称", "销方", "卖方", "seller", "sellername", "vendor")),
    (
        "销售方纳税人识别号",
        (
            "销售方纳税人识别号",
            "销售方税号",
            "销方税号",
            "税号",
            "纳税人识别号",
            "taxid",
            "sellertaxid",
            "vatno",
            "tin",
            "uscc",
        ),
    ),
    ("销售方地址电话", ("销售方地址电话", "销售方地址", "selleraddress", "address")),
    (
        "销售方开户行及账号",
        ("销售方开户行及账号", "销售方开户行", "销售方账号", "sellerbank", "selleraccount"),
    ),
    ("合计金额", ("合计金额", "金额", "amount", "netamount", "amountexcludingtax", "subtotal")),
    ("合计税额", ("合计税额", "税额", "tax", "taxamount", "vat")),
    ("价税合计(大写)", ("价税合计大写", "大写", "大写金额", "totalinwords", "amountinwords")),
    (
        "价税合计(小写)",
        ("价税合计小写", "价税合计", "小写", "total", "totalamount", "grandtotal", "总额", "总金额"),
    ),
    ("税率", ("税率", "taxrate", "rate")),
    ("项目名称", ("项目名称", "货物名称", "服务名称", "货物或应税劳务服务名称", "品名", "itemname", "item")),
]


def _key(name: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


def invoice_field(name: str) -> str | None:
    """The VAT invoice field a name asks for: '税号' -> '销售方纳税人识别号', 'amount' -> '合计金额'."""
    key = _key(name)
    for field, words in _INVOICE_WORDS:
        if key in words:
            return field
    return None


# Receipt fields, by their usual names in English and Chinese.
_RECEIPT_WORDS = {
    "company": (
        "company",
        "companyname",
        "merchant",
        "store",
        "shop",
        "seller",
        "vendor",
        "公司",
        "商家",
        "店名",
    ),
    "address": ("address", "storeaddress", "地址"),
    "total": (
        "total",
        "totalamount",
        "amountdue",
        "grandtotal",
        "amount",
        "合计",
        "总计",
        "总额",
        "金额",
        "实付",
    ),
    "date": ("date", "receiptdate", "日期"),
}


def receipt_field(name: str) -> str | None:
    key = _key(name)
    return next((field for field, words in _RECEIPT_WORDS.items() if key in words), None)
