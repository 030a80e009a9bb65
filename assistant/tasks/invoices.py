"""Chinese VAT invoices (专票, 普票, 电子发票) read by their layout, and the checks their numbers allow.

The schema: the header (发票代码, 发票号码, 开票日期, 校验码); the buyer's and the seller's blocks (购买方,
销售方), each with 名称, 纳税人识别号, 地址电话 and 开户行及账号; the item table; 合计金额, 合计税额 and
价税合计 in words (大写) and in figures (小写). A party's labels are the same in both blocks, so each label
belongs to the block whose title (购买方 or 销售方, often written vertically at the block's left edge, or
over it) it sits beside: the two are never swapped, whether the blocks are stacked or side by side.

Checks: 合计金额 + 合计税额 = 价税合计; 大写 equals 小写; the tax ID's check character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..documents.model import Region
from .layout_fields import Hit, Row, Value, find_label, fold, value_beside
from .validators import USCC_PATTERN, date_as_written, parse_amount, uscc_valid

PARTIES = {
    "购买方": ("购买方", "购方", "购货单位", "购买方信息"),
    "销售方": ("销售方", "销方", "销货单位", "销售方信息"),
}
PARTY_FIELDS = {
    "名称": ("名称",),
    "纳税人识别号": ("纳税人识别号", "统一社会信用代码纳税人识别号", "统一社会信用代码"),
    "地址电话": ("地址电话", "地址、电话"),
    "开户行及账号": ("开户行及账号", "开户行及帐号"),
}
HEADER_LABELS = {
    "发票代码": ("发票代码",),
    "发票号码": ("发票号码",),
    "开票日期": ("开票日期",),
    "校验码": ("校验码",),
}
ITEM_COLUMNS = {
    "name": ("名称", "项目名称", "货物或应税劳务服务名称", "货物或应税劳务名称"),
    "spec": ("规格型号",),
    "unit": ("单位",),
    "quantity": ("数量",),
    "unit_price": ("单价",),
    "amount": ("金额",),
    "tax_rate": ("税率", "征收率"),
    "tax": ("税额",),
}
_CAPITALS = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正]{2,}")
_PARTY_LABELS = [w for words in PARTY_FIELDS.values() for w in words]


@dataclass
class Invoice:
    fields: dict[str, Value] = field(default_factory=dict)  # "购买方名称", "发票号码", "价税合计(小写)", ...
    items: list[dict[str, str | None]] = field(default_factory=list)
    item_regions: list[tuple[Region, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_vat_invoice(rows: Sequence[Row]) -> bool:
    text = fold(" ".join(row.text for row in rows))
    cues = ("购买方", "销售方", "价税合计", "纳税人识别号", "开票日期", "购方", "销方")
    return sum(cue in text for cue in cues) >= (2 if "发票" in text else 3)


def read_invoice(rows: Sequence[Row]) -> Invoice:
    invoice = Invoice()
    is_label = _is_invoice_label
    for name, labels in HEADER_LABELS.items():
        value = _first_value(labels, rows, is_label)
        if value is not None:
            invoice.fields[name] = value
    _header_numbers(rows, invoice)
    if (date := invoice.fields.get("开票日期")) and (written := date_as_written(date.text)):
        invoice.fields["开票日期"] = Value(written, date.regions, date.how)
    _parties(rows, invoice, is_label)
    _items(rows, invoice)
    _totals(rows, invoice)
    invoice.notes.extend(check(invoice))
    return invoice


def _is_invoice_label(text: str) -> bool:
    folded = fold(text)
    titles = [w for words in PARTIES.values() for w in words]
    return any(
        folded.startswith(w)
        for w in (*_PARTY_LABELS, *titles, "密码区", "备注", "合计", "价税合计", "收款人")
    )


def _first_value(labels: Sequence[str], rows: Sequence[Row], is_label) -> Value | None:
    for label in labels:
        for hit in find_label(label, rows)[:2]:
            value = value_beside(hit, rows, is_label)
            if value is not None:
                return value
    return None


def _header_numbers(rows: Sequence[Row], invoice: Invoice) -> None:
    """发票代码 (10 or 12 digits) and 发票号码 (8 digits, after No) in the header band, where the labels are
    printed too small or too faint to be read."""
    band = rows[: max(4, len(rows) // 6)]
    for row in band:
        for region in row.regions:
            compact = re.sub(r"\s", "", region.text)
            number = re.search(r"N[Oo0]\.?[:：]?(\d{8})(?!\d)", compact)
            if number and "发票号码" not in invoice.fields:
                invoice.fields["发票号码"] = Value(number.group(1), (region,), "invoice header")
            if re.fullmatch(r"\d{10}|\d{12}", compact) and "发票代码" not in invoice.fields:
                invoice.fields["发票代码"] = Value(compact, (region,), "invoice header")
            if re.fullmatch(r"\d{8}", compact) and "发票号码" not in invoice.fields:
                invoice.fields["发票号码"] = Value(compact, (region,), "invoice header")


# --- the two parties --------------------------------------------------------------------------------


def _titles(rows: Sequence[Row]) -> list[tuple[str, Region]]:
    found = []
    for row in rows:
        for region in row.regions:
            folded = fold(region.text)
            for party, words in PARTIES.items():
                if any(folded.startswith(w) or folded == w for w in words) and len(folded) <= 6:
                    found.append((party, region))
    return found


def party_of(label: Region, titles: Sequence[tuple[str, Region]]) -> str | None:
    """The party whose block title the label sits beside: to its left across the label's height (a
    vertical title), or above it over the label's columns; the nearest such title wins."""
    best: tuple[float, str] | None = None
    cy = (label.box[1] + label.box[3]) / 2
    for party, title in titles:
        left = title.box[2] <= label.box[0] + label.height and title.box[1] - 2 * label.height <= cy <= (
            title.box[3] + 2 * label.height
        )
        above = (
            title.box[3] <= label.box[1] + label.height / 2
            and title.box[0] - 4 * label.height <= label.box[0]
        )
        if not (left or above):
            continue
        distance = (
            max(0.0, label.box[0] - title.box[2])
            + max(0.0, label.box[1] - title.box[3])
            + max(0.0, abs(cy - (title.box[1] + title.box[3]) / 2) - title.height / 2)
        )
        if best is None or distance < best[0]:
            best = (distance, party)
    return best[1] if best else None


def _parties(rows: Sequence[Row], invoice: Invoice, is_label) -> None:
    titles = _titles(rows)
    if not titles:
        return
    for name, labels in PARTY_FIELDS.items():
        hits: list[Hit] = []
        for label in labels:
            hits.extend(h for h in find_label(label, rows) if h.score >= 0.9)
        for hit in sorted(hits, key=lambda h: (h.row, h.start)):
            label_region = rows[hit.row].regions_in(hit.start, hit.end)[0]
            party = party_of(label_region, titles)
            key = f"{party}{name}"
            if party is None or key in invoice.fields:
                continue
            value = value_beside(hit, rows, is_label)
            if value is None:
                continue
            if name == "纳税人识别号":
                value = _tax_id(value)
            if value is not None:
                invoice.fields[key] = value


def _tax_id(value: Value) -> Value | None:
    compact = re.sub(r"\s", "", value.text).upper()
    match = USCC_PATTERN.search(compact) or re.search(r"[0-9A-Z]{15,20}", compact)
    return Value(match.group(), value.regions, value.how) if match else None


# --- items and totals --------------------------------------------------------------------------------


def _heading_row(rows: Sequence[Row]) -> int | None:
    for index, row in enumerate(rows):
        folded = [fold(r.text) for r in row.regions]
        named = sum(any(f == w or f.endswith(w) for ws in ITEM_COLUMNS.values() for w in ws) for f in folded)
        if named >= 4:
            return index
    return None


def _columns(row: Row) -> dict[str, Region]:
    columns: dict[str, Region] = {}
    for region in row.regions:
        folded = fold(region.text)
        for name, words in ITEM_COLUMNS.items():
            if name not in columns and any(folded == w or folded.endswith(w) for w in words):
                columns[name] = region
                break
    return columns


def _column_of(region: Region, columns: dict[str, Region]) -> str | None:
    cx = (region.box[0] + region.box[2]) / 2
    best = min(columns.items(), key=lambda kv: abs((kv[1].box[0] + kv[1].box[2]) / 2 - cx))
    name, heading = best
    if name != "name" and abs((heading.box[0] + heading.box[2]) / 2 - cx) > 2.5 * heading.width:
        return None
    return name


def _is_total_row(row: Row) -> bool:
    folded = fold(row.text)
    return (
        folded.startswith(("合计", "计", "价税合计"))
        or "价税合计" in folded
        or "¥" in row.text
        or "￥" in row.text
    )


def _items(rows: Sequence[Row], invoice: Invoice) -> None:
    heading = _heading_row(rows)
    if heading is None:
        return
    columns = _columns(rows[heading])
    for row in rows[heading + 1 :]:
        if _is_total_row(row) or len(invoice.items) >= 50:
            break
        cells: dict[str, list[str]] = {}
        for region in row.regions:
            name = _column_of(region, columns)
            if name:
                cells.setdefault(name, []).append(region.text.strip())
        if "amount" not in cells and "name" not in cells:
            continue
        item = {name: " ".join(cells[name]) if name in cells else None for name in ITEM_COLUMNS}
        if not any(item[k] for k in ("amount", "quantity", "unit_price")):
            if invoice.items and item["name"]:  # a name wrapped onto the next line
                invoice.items[-1]["name"] = f"{invoice.items[-1]['name'] or ''}{item['name']}"
            continue
        invoice.items.append(item)
        invoice.item_regions.append(tuple(row.regions))


def _totals(rows: Sequence[Row], invoice: Invoice) -> None:
    heading = _heading_row(rows)
    columns = _columns(rows[heading]) if heading is not None else {}
    for row in rows[(heading or 0) :]:
        for region in row.regions:
            text = region.text.replace("￥", "¥")
            if "¥" in text and not re.search(r"小写", text) and columns:
                column = _column_of(region, columns)
                key = {"amount": "合计金额", "tax": "合计税额"}.get(column or "")
                amount = re.search(r"¥\s*-?[\d,]+\.\d{2}", text)
                if key and amount and key not in invoice.fields:
                    invoice.fields[key] = Value(
                        amount.group().replace("¥", "").strip(), (region,), "invoice total"
                    )
            capitals = _CAPITALS.search(region.text)
            if (
                capitals
                and "价税合计(大写)" not in invoice.fields
                and capital_amount(capitals.group()) is not None
            ):
                invoice.fields["价税合计(大写)"] = Value(capitals.group(), (region,), "invoice total")
    small = _first_value(("小写",), rows, _is_invoice_label)
    if small is not None and (amount := re.search(r"-?[\d,]+\.\d{2}", small.text)):
        invoice.fields["价税合计(小写)"] = Value(amount.group(), small.regions, small.how)
    if invoice.items and len(invoice.items) == 1:  # one item: its amount and tax are the totals
        only, regions = invoice.items[0], invoice.item_regions[0]
        for key, column in (("合计金额", "amount"), ("合计税额", "tax")):
            if key not in invoice.fields and only.get(column):
                invoice.fields[key] = Value(str(only[column]), regions, "invoice item")


# --- checks ------------------------------------------------------------------------------------------

_DIGITS = {"零": 0, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def capital_amount(text: str) -> Decimal | None:
    """壹仟伍佰圆整 -> 1500; 叁拾肆圆伍角陆分 -> 34.56; None when the text is not an amount in capitals."""
    text = text.strip().lstrip("⊗ⓧ").replace("元", "圆").rstrip("整正")
    if not text or any(c not in _DIGITS and c not in _UNITS and c not in "万亿圆角分" for c in text):
        return None
    whole, _, fraction = text.partition("圆")
    total, section, digit = Decimal(0), Decimal(0), 0
    for c in whole:
        if c in _DIGITS:
            digit = _DIGITS[c]
        elif c in _UNITS:
            section += (digit or 1) * _UNITS[c]
            digit = 0
        elif c in "万亿":
            total += (section + digit) * (10_000 if c == "万" else 100_000_000)
            section, digit = Decimal(0), 0
    total += section + digit
    cents = Decimal(0)
    for value, unit in re.findall(r"([零壹贰叁肆伍陆柒捌玖])([角分])", fraction):
        cents += Decimal(_DIGITS[value]) * (Decimal("0.1") if unit == "角" else Decimal("0.01"))
    return total + cents


def check(invoice: Invoice) -> list[str]:
    """What the invoice's own numbers say about its reading: a note per check, passed or failed."""
    notes = []
    values = {k: v.text for k, v in invoice.fields.items()}
    amount, tax, gross = (parse_amount(values.get(k, "")) for k in ("合计金额", "合计税额", "价税合计(小写)"))
    if amount is not None and tax is not None and gross is not None:
        verdict = "holds" if amount + tax == gross else "does NOT hold"
        notes.append(f"check: 合计金额 {amount} + 合计税额 {tax} = 价税合计 {gross} {verdict}")
    if "价税合计(大写)" in values and gross is not None:
        words = capital_amount(values["价税合计(大写)"])
        verdict = "equals" if words == gross else "does NOT equal"
        notes.append(f"check: 大写 {values['价税合计(大写)']} {verdict} 小写 {gross}")
    for party in PARTIES:
        code = values.get(f"{party}纳税人识别号")
        if code and len(code) == 18:
            verdict = "passes" if uscc_valid(code) else "FAILS"
            notes.append(f"check: {party}纳税人识别号 {code} {verdict} its check character")
    return notes
