"""Receipts read by their layout: the issuing company, its address, the amount due and the line items.

A receipt's header is a column of lines: the brand (often a logo), the legal entity (the line that ends
in SDN BHD, 有限公司, LTD, ...), its registration number, the address lines, then phone, tax number and
the document's title. Its foot lists amounts beside their labels: subtotal, tax, rounding, the total
due, then what was paid (cash tendered, change). These rules read those parts by their words and their
order on the page, for any receipt; nothing is keyed to one shop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from ..documents.model import Region
from .layout_fields import Row, Value
from .validators import find_dates, parse_amount

# The legal entity's line ends with its form: "SDN BHD", "有限公司", "LTD", "INC", "GMBH", ...
LEGAL_FORMS = re.compile(
    r"(?:\bSDN\.?\s*BHD\b|\bBHD\b|\bBERHAD\b|\bLTD\b|\bLIMITED\b|\bL\.?L\.?C\b|\bINC\b|\bPLC\b|\bGMBH\b"
    r"|\bCORP(?:ORATION)?\b|\bCO\.(?=\s|$|\s*\()|有限公司|有限责任公司|股份公司|\bPTE\b|\bS\.?A\.?\b$)",
    re.IGNORECASE,
)
_REGISTRATION = re.compile(
    r"^\(?\s*[A-Z]{0,3}\d[\d\s-]{3,}[A-Z]?\s*\)?$|^\(.*\)$"
    r"|^\(?\s*(?:CO(?:MPANY)?\.?\s*[-.]?\s*(?:REG|NO)|ROC|REG(?:ISTRATION)?\s*NO)\.?\s*[:.]?\s*[\w-]+\s*\)?$",
    re.IGNORECASE,
)  # "(1135772-K)", "Co-REG:750441-W": the company's registration, under its name
_TRAILING_REGISTRATION = re.compile(r"\s*\(\s*\d[\d\s-]*-?\s*[A-Z]?\s*\)\s*$", re.IGNORECASE)
# Lines that end an address: phone, fax, tax registration, e-mail, web, the document's title, a cashier.
_AFTER_ADDRESS = re.compile(
    r"\b(?:TEL|TELEPHONE|PHONE|FAX|H/?P|GST|SST|TAX|VAT|REG|CO\.?\s*NO|E-?MAIL|WWW|HTTP"
    r"|CASHIER|DATE|TIME|BILL|ORDER|TABLE)\b|INVOICE|RECEIPT|\b[TF]\s*:|\d{2,4}-\d{3,4}\s?\d{3,4}|@"
    r"|电话|传真|税号|发票|收据|收银",
    re.IGNORECASE,
)
_NOT_A_NAME = re.compile(r"^(?:WELCOME|THANK|TAX\s+INVOICE|INVOICE|RECEIPT|OFFICIAL|COPY|SALES)\b", re.I)

# The amount due: a total line that is not a subtotal, a count, a saving, a tax line or a pre-tax total.
_TOTAL_WORDS = re.compile(
    r"\b(?:TOTAL|AMOUNT\s+DUE|BALANCE\s+DUE|AMOUNT\s+PAYABLE|GRAND)\b|合计|总计|总额|应付|实付|应收", re.I
)
_NOT_TOTAL = re.compile(
    r"SUB[\s-]*TOTAL|\bQTY\b|QUANTITY|\bITEMS?\b|COUNT|SAVING|DISCOUNT|EXCL|\bBEFORE\b|小计|数量|件数|"
    r"TOTAL\s+(?:GST|TAX|VAT)\b|\bPOINTS?\b|\bUNIT\b|"
    r"(?:GST|TAX|VAT|SST)\b.*\bINCLUDED\b|INCLUDED\s+IN\s+TOTAL|TOTAL\s+INCLUDES",  # a tax line
    re.I,
)
_PAID_WORDS = re.compile(
    r"\b(?:CASH|TENDER(?:ED)?|CHANGE|PAID|PAYMENT|VISA|MASTER|CARD|CREDIT)\b|现金|找零|实收", re.I
)
_AMOUNT_TOKEN = re.compile(
    r"(?:RM|\$|¥|￥|USD|MYR)?\s?-?\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)|(?<![\d.])\d+\.\d{2}(?!\d)"
)


def company(rows: Sequence[Row]) -> Value | None:
    """The legal entity: the header's line with a legal form; else the name line over the address."""
    header = rows[: max(6, len(rows) // 3)]
    for row in header:
        text = row.text.strip()
        if LEGAL_FORMS.search(text) and not re.search(r"\bCO\.?\s*NO|\bREG", text, re.I):
            return Value(_TRAILING_REGISTRATION.sub("", text).strip(), tuple(row.regions), "receipt company")
    first_address = _first_address_row(header)
    if first_address is None:
        return None
    for row in reversed(header[:first_address]):
        text = row.text.strip()
        if _is_name(text):
            return Value(text, tuple(row.regions), "receipt company")
    return None


def _is_name(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return (
        letters >= 4
        and letters >= 0.6 * len(text.replace(" ", ""))
        and not _REGISTRATION.match(text)
        and not _NOT_A_NAME.match(text)
        and not find_dates(text)
    )


def _has_address_cue(text: str) -> bool:
    return bool(re.search(r"\d", text)) or "," in text


def _first_address_row(rows: Sequence[Row]) -> int | None:
    for index, row in enumerate(rows):
        text = row.text.strip()
        cue = _has_address_cue(text) and not _REGISTRATION.match(text) and not _is_stop(text)
        if index and cue and any(_is_name(r.text.strip()) for r in rows[:index]):
            return index
    return None


def _is_stop(text: str) -> bool:
    return bool(_AFTER_ADDRESS.search(text)) or bool(find_dates(text))


def address(rows: Sequence[Row], issuer: Value | None) -> Value | None:
    """Every line of the issuer's address, in order: the lines after its name, up to the phone or tax line."""
    start = 0
    if issuer is not None:
        start = next((i + 1 for i, row in enumerate(rows) if set(row.regions) & set(issuer.regions)), 0)
        header_end = next((i for i, row in enumerate(rows) if _is_stop(row.text.strip())), len(rows))
        if start > header_end:  # "Owned By: … SDN BHD" under the phone and tax lines: the address is the
            start = _first_address_row(rows) or 0  # header's, under the shop's name at the top
    taken: list[Row] = []
    for row in rows[start : start + 10]:
        text = row.text.strip()
        if not taken:
            if _REGISTRATION.match(text) or (find_dates(text) and not _AFTER_ADDRESS.search(text)):
                continue  # the registration number or a date line between the name and the address
            if not _has_address_cue(text) or _is_stop(text):
                if issuer is None:
                    continue
                if _is_stop(text):
                    break
                continue
        elif _is_stop(text) or _REGISTRATION.match(text):
            break
        taken.append(row)
        if len(taken) >= 5:
            break
    if not taken:
        return None
    text = " ".join(row.text.strip() for row in taken)
    return Value(text, tuple(r for row in taken for r in row.regions), "receipt address")


def _amounts(text: str) -> list[str]:
    return [m.group().strip() for m in _AMOUNT_TOKEN.finditer(text)]


def total(rows: Sequence[Row]) -> Value | None:
    """The amount due: the last total line before what was paid, not cash tendered, change, a subtotal or
    a rounding line. Where cash and change are both given, the total that they add up to wins."""
    candidates: list[tuple[Region, str]] = []
    for index, row in enumerate(rows):
        for at, region in enumerate(row.regions):
            label = region.text
            if not _TOTAL_WORDS.search(label) or _NOT_TOTAL.search(label) or _PAID_WORDS.search(label):
                continue
            found = _amount_after(row.regions[at:], rows[index + 1] if index + 1 < len(rows) else None)
            if found:
                candidates.append(found)
    if not candidates:
        return None
    paid = _cash_minus_change(rows)
    if paid is not None:
        matching = [c for c in candidates if parse_amount(c[1]) == paid]
        if matching:
            candidates = matching
    region, amount = candidates[-1]
    return Value(_CURRENCY.sub("", amount).strip(), (region,), "receipt total")


_CURRENCY = re.compile(r"^(?:RM|USD|MYR)\s*", re.I)


def _amount_after(pieces: Sequence[Region], next_row: Row | None) -> tuple[Region, str] | None:
    """The amount a total label gives: in its own line after the words, or in the next piece of its row
    (a label piece ends the search), or alone on the line under it."""
    own = _amounts(pieces[0].text)
    if own:
        return pieces[0], own[-1]
    for piece in pieces[1:]:
        amounts = _amounts(piece.text)
        if amounts:
            return piece, amounts[0]
        if sum(c.isalpha() for c in piece.text) >= 3:
            return None
    if next_row is not None and len(next_row.regions) == 1 and (amounts := _amounts(next_row.text)):
        return next_row.regions[0], amounts[0]
    return None


def _cash_minus_change(rows: Sequence[Row]) -> Decimal | None:
    cash = change = None
    for row in rows:
        for at, region in enumerate(row.regions):
            found = _amount_after(row.regions[at:], None)
            if found is None:
                continue
            if re.search(r"\bCHANGE\b|找零", region.text, re.I):
                change = parse_amount(found[1])
            elif re.search(r"\bCASH\b|TENDER|现金|实收", region.text, re.I) and cash is None:
                cash = parse_amount(found[1])
    if cash is None or change is None:
        return None
    return cash - change


def items(rows: Sequence[Row]) -> list[dict[str, str | None]]:
    """Line items between the column headings and the first total, subtotal, tax or rounding line: a row
    whose last amount is the line's amount, with its name, and a quantity and unit price where given."""
    start = next((i + 1 for i, r in enumerate(rows) if _is_heading(r.text)), None)
    if start is None:
        return []
    found: list[dict[str, str | None]] = []
    name: str | None = None
    for row in rows[start:]:
        if _TOTAL_WORDS.search(row.text) or _END_OF_ITEMS.search(row.text):
            break
        words = [
            r.text.strip()
            for r in row.regions
            if sum(c.isalpha() for c in r.text) >= 2 and not _amounts(r.text)
        ]
        amounts = [a for r in row.regions for a in _amounts(r.text)]
        if not amounts:
            name = " ".join(words) or name
            continue
        counts = [
            r.text.strip()
            for r in row.regions
            if re.fullmatch(r"\d{1,3}\s*[x×*]?|[x×*]\s*\d{1,3}", r.text.strip())
        ]
        entry = {
            "name": " ".join(words) or name,
            "quantity": re.sub(r"[^\d]", "", counts[0]) if counts else None,
            "unit_price": amounts[-2] if len(amounts) >= 2 else None,
            "amount": amounts[-1],
        }
        if entry["name"]:
            found.append(entry)
            name = None
    return found


_END_OF_ITEMS = re.compile(r"SUB[\s-]*TOTAL|ROUNDING|\bGST\b|\bSST\b|\bTAX\b|\bCASH\b|小计|税", re.I)


def _is_heading(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+|[\u4e00-\u9fff]+", text.upper())
    heads = {
        "ITEM",
        "DESCRIPTION",
        "QTY",
        "PRICE",
        "AMOUNT",
        "TOTAL",
        "AMT",
        "U.PRICE",
        "商品",
        "数量",
        "单价",
        "金额",
    }
    return sum(w in heads for w in words) >= 2
