"""Recognise and check typed values: dates, amounts, Chinese tax IDs and ID numbers.

A value the model extracted is checked against its field's kind; where a kind has a checksum
(the 18-character unified social credit code, the 18-digit resident ID number) a wrong value is caught,
and a checksum-valid candidate on the page can take its place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum


class Kind(Enum):
    TAX_ID = "tax_id"
    ID_NUMBER = "id_number"
    DATE = "date"
    AMOUNT = "amount"
    ADDRESS = "address"
    COMPANY = "company"
    TEXT = "text"


_KIND_WORDS = [
    (Kind.TAX_ID, ("税号", "纳税人识别号", "信用代码", "tax id", "taxid", "tin", "vat no", "uscc")),
    (Kind.ID_NUMBER, ("身份证", "id number", "id no", "identity")),
    (Kind.DATE, ("日期", "date", "时间", "开票日")),
    (Kind.ADDRESS, ("地址", "address", "住所")),
    (Kind.COMPANY, ("公司", "企业名称", "单位名称", "销售方名称", "购买方名称", "company", "seller")),
    (
        Kind.AMOUNT,
        (
            "金额",
            "税额",
            "合计",
            "总额",
            "总计",
            "价格",
            "票价",
            "单价",
            "amount",
            "total",
            "price",
            "fare",
            "tax",
            "sum",
            "fee",
        ),
    ),
]


def kind_of(field_name: str) -> Kind:
    name = unicodedata.normalize("NFKC", field_name).casefold()
    for kind, words in _KIND_WORDS:
        if any(word in name for word in words):
            return kind
    return Kind.TEXT


# --- Chinese unified social credit code (GB 32100-2015) ---------------------------------------------
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")


OLD_TAX_ID_LENGTHS = (15, 17, 20)  # taxpayer numbers issued before the 18-character code


def uscc_valid(code: str) -> bool:
    code = code.strip().upper()
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


# --- 18-digit resident ID number (GB 11643-1999) -----------------------------------------------------
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")


def id_number_valid(number: str) -> bool:
    number = number.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


# --- dates ---------------------------------------------------------------------------------------------
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_YEAR = r"(\d{4}(?=\d{2}:\d{2})|\d{4}(?!\d)|\d{2}(?!\d))"  # a time may follow with no space: 18/03/201823:02
# Each pattern as a page writes a date; the group order says which part is which. Two-digit years
# (12/03/18, 24 Mar18) are receipts' usual form.
_DATE_PATTERNS = [
    (re.compile(r"(?<!\d)(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})(?!\d)\s*日?"), ("y", "m", "d")),
    (re.compile(r"(?<![\d/.-])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?" + _YEAR), ("d", "sep", "m", "y")),
    # after a hyphen only with another separator: "REG #19-18/03/2018" (a register number, then the date)
    (re.compile(r"(?<=\d-)(\d{1,2})\s?([./])\s?(\d{1,2})\s?\2\s?" + _YEAR), ("d", "sep", "m", "y")),
    (
        re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\s*(" + _MONTH_WORD + r")[\s,]*" + _YEAR, re.I),
        ("d", "b", "y"),
    ),
    (
        re.compile(r"\b(" + _MONTH_WORD + r")\s*(\d{1,2})(?:st|nd|rd|th)?(?!\d),?\s*(\d{4})(?!\d)", re.I),
        ("b", "d", "y"),
    ),
]


@dataclass(frozen=True)
class DateSpan:
    start: int
    end: int
    date: date


def find_dates(text: str) -> list[DateSpan]:
    """Every date written in the text, in order, with where it is (in the NFKC form of the text)."""
    text = unicodedata.normalize("NFKC", text)
    found: list[DateSpan] = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < f.end and f.start < match.end() for f in found):
                continue
            parsed = _date_of(dict(zip(order, match.groups(), strict=True)))
            if parsed is not None:
                found.append(DateSpan(match.start(), match.end(), parsed))
    return sorted(found, key=lambda f: f.start)


def _date_of(parts: dict[str, str]) -> date | None:
    try:
        month = _MONTHS.get(parts["b"][:3].lower()) if "b" in parts else int(parts["m"])
        if month is None:
            return None
        year = int(parts["y"])
        if len(parts["y"]) == 2:
            year += 2000 if year < 70 else 1900
        day = int(parts["d"])
        if "sep" in parts and month > 12 >= day:  # 6/21/93: month first, as American forms write it
            month, day = day, month
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    found = find_dates(text)
    return found[0].date if found else None


def date_as_written(text: str) -> str | None:
    """The first date in the text, as the text writes it ('19-03-2018' of ':19-03-2018 11:12:15')."""
    normal = unicodedata.normalize("NFKC", text)
    found = find_dates(normal)
    return normal[found[0].start : found[0].end].strip() if found else None


# --- amounts -------------------------------------------------------------------------------------------
_AMOUNT = re.compile(r"[-+]?\d{1,3}(?:[,\s]\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")


def parse_amount(text: str) -> Decimal | None:
    text = unicodedata.normalize("NFKC", text)
    match = _AMOUNT.search(text.replace("¥", "").replace("$", ""))
    if not match:
        return None
    try:
        return Decimal(re.sub(r"[,\s]", "", match.group()))
    except InvalidOperation:
        return None


_CAPITAL_AMOUNT = re.compile(r"[⊗]?[零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正]+")


@dataclass(frozen=True)
class Check:
    ok: bool | None  # None: the kind has nothing to check
    note: str = ""


def check_value(kind: Kind, value: str) -> Check:
    if kind is Kind.TAX_ID:
        code = re.sub(r"\s", "", value).upper()
        if len(code) in OLD_TAX_ID_LENGTHS and code.isalnum():
            return Check(None)  # a pre-2015 or 代开 taxpayer number: valid forms without a checksum
        ok = uscc_valid(code)
        return Check(ok, "" if ok else f"{value!r} fails the tax ID checksum")
    if kind is Kind.ID_NUMBER:
        ok = id_number_valid(value)
        return Check(ok, "" if ok else f"{value!r} fails the ID number checksum")
    if kind is Kind.DATE:
        ok = parse_date(value) is not None
        return Check(ok, "" if ok else f"{value!r} is not a recognisable date")
    if kind is Kind.AMOUNT:
        # Invoices also write the total in capital numerals (壹仟伍佰圆整), which is an amount too.
        ok = parse_amount(value) is not None or bool(_CAPITAL_AMOUNT.fullmatch(value.strip()))
        return Check(ok, "" if ok else f"{value!r} is not an amount")
    if kind is Kind.ADDRESS:
        # A small model sometimes answers the address with the date line next to it.
        ok = not (parse_date(value) and len(value) < 24)
        return Check(ok, "" if ok else f"{value!r} is a date, not an address")
    return Check(None)


def candidates(kind: Kind, text: str) -> list[str]:
    """Checksum-valid values of a kind found in a text (for a value the model got wrong or missed)."""
    text = unicodedata.normalize("NFKC", text)
    if kind is Kind.TAX_ID:
        return [m.group() for m in USCC_PATTERN.finditer(text.upper()) if uscc_valid(m.group())]
    if kind is Kind.ID_NUMBER:
        return [m.group() for m in ID_PATTERN.finditer(text) if id_number_valid(m.group())]
    return []
