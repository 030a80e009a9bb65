"""Which layout rule answers which field: the VAT invoice schema, the receipt rules, a label on the page.

For each page in turn (the first page that gives a field wins): a VAT invoice is read into its schema and
a field name in the user's words is mapped onto it (金额, 税号, amount, tax ID); a receipt's company,
address, total and date come from the receipt rules; any other field is the value beside its label. What
no rule finds is left for the model. Each value is cleaned to its kind (the date of 'Date: 19-03-2018
11:12', the amount of '¥ 8.00<全>'), and keeps the regions it was read from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..documents.model import Page
from . import invoices, receipts
from .fields import invoice_field, receipt_field
from .layout_fields import (
    Row,
    Value,
    every_pair,
    field_by_label,
    find_label,
    fold,
    rows_of,
    starts_with_label,
)
from .reread import plausible_date, reread
from .validators import USCC_PATTERN, Kind, date_as_written, kind_of

_AMOUNT = re.compile(r"[¥$€£￥]?\s?-?\d[\d,]*(?:\.\d+)?%?")


@dataclass(frozen=True)
class Found:
    value: Value
    file: str
    page: Page


@dataclass
class LayoutReading:
    values: dict[str, Found] = field(default_factory=dict)
    items: list[dict[str, str | None]] = field(default_factory=list)
    item_sources: list[Found] = field(default_factory=list)  # the row each item was read from
    notes: list[str] = field(default_factory=list)


def read_fields(pages: Sequence[tuple[str, Page]], fields: Sequence[str]) -> LayoutReading:
    reading = LayoutReading()
    for file, page in pages:
        rows = rows_of(page.regions)
        if not rows:
            continue
        open_fields = [f for f in fields if f not in reading.values]
        for name, value in _page_values(rows, open_fields, reading, file, page).items():
            reading.values[name] = Found(value, file, page)
    return reading


def read_every_field(pages: Sequence[tuple[str, Page]]) -> LayoutReading:
    """Every label/value pair of every page ("extract every field")."""
    reading = LayoutReading()
    for file, page in pages:
        rows = rows_of(page.regions)
        boxes = _boxes(page, rows) if rows else []
        pairs = every_pair(rows, frozenset(id(r) for r in _options(rows, boxes)))
        for name, value in pairs.items():
            value = ticked_options(name, rows, page, boxes) or value
            if not value.text:
                continue
            key, n = name, 2
            while key in reading.values:
                key, n = f"{name} ({n})", n + 1
            reading.values[key] = Found(value, file, page)
    return reading


def _page_values(
    rows: list[Row], fields: Sequence[str], reading: LayoutReading, file: str, page: Page
) -> dict[str, Value]:
    found: dict[str, Value] = {}
    labels = [f for f in fields]

    def is_label(text: str) -> bool:  # another requested field's label ends a value
        return any(starts_with_label(text, other) for other in labels)

    invoice = invoices.read_invoice(rows) if invoices.is_vat_invoice(rows) else None
    if invoice is not None:
        reading.notes.extend(f"{file} page {page.number}: {note}" for note in invoice.notes)
        if not reading.items:
            reading.items = invoice.items
            reading.item_sources = [
                Found(Value("", r, "invoice item"), file, page) for r in invoice.item_regions
            ]
    is_receipt = invoice is None and receipts.total(rows) is not None
    if is_receipt and not reading.items:
        reading.items = receipts.items(rows)
    issuer: Value | None = None
    boxes = _boxes(page, rows) if any(find_label(name, rows) for name in fields) else []
    for name in fields:
        value = _invoice_value(name, invoice) if invoice is not None else None
        if value is not None and (key := invoice_field(name)) and fold(key) != fold(name):
            reading.notes.append(f"{name}: read as the invoice's {key}")
        if value is None and invoice is not None:
            value = _bare_invoice_label(name, rows, is_label)
        if value is None:
            value = ticked_options(name, rows, page, boxes)
            if value is not None and not value.text:
                continue  # boxes beside the label, none ticked: null
        receipt_key = receipt_field(name) if invoice is None else None
        if value is None and receipt_key == "total" and is_receipt:
            value = receipts.total(rows)
        if value is None:
            value = field_by_label(name, rows, is_label)
        if value is None and receipt_key == "company":
            value = issuer = receipts.company(rows)
        if value is None and receipt_key == "address":
            issuer = issuer or receipts.company(rows)
            value = receipts.address(rows, issuer)
        if value is None and receipt_key == "total":
            value = receipts.total(rows)
        if value is None and receipt_key == "date":
            value = _first_date(rows)
        if value is not None:
            value = _cleaned(name, value)
        if value is not None and _misread_date(name, value.text):
            value = reread(page, value, plausible_date) or value
        if value is not None:
            found[name] = value
    return found


def _options(rows: Sequence[Row], boxes: list) -> list:
    """The regions that start right after a checkbox: its option's words."""
    found = []
    for box in boxes:
        side = box.box[3] - box.box[1]
        for row in rows:
            for r in row.regions:
                middle = (r.box[1] + r.box[3]) / 2
                starts_after = box.box[0] - side <= r.box[0] <= box.box[2] + 2 * side
                if box.box[1] <= middle <= box.box[3] and starts_after:
                    found.append(r)
    return found


def _boxes(page: Page, rows: Sequence[Row]) -> list:
    from statistics import median

    from .checkboxes import find_checkboxes

    height = median(r.height for row in rows for r in row.regions)
    return find_checkboxes(page.load_image(), height, [r.box for row in rows for r in row.regions])


def _invoice_value(name: str, invoice: invoices.Invoice) -> Value | None:
    key = invoice_field(name)
    if key is None:
        return None
    if key in invoice.fields:
        return invoice.fields[key]
    if key in ("税率", "项目名称") and invoice.items:  # the item table's, joined over its rows
        column = "tax_rate" if key == "税率" else "name"
        cells = [str(item[column]) for item in invoice.items if item.get(column)]
        if cells:
            return Value(
                "、".join(dict.fromkeys(cells)), tuple(r for r in invoice.item_regions[0]), "invoice item"
            )
    return None


_PARTY_WORDS = re.compile(r"购买|购方|买方|销售|销方|卖方|buyer|purchaser|seller|vendor", re.IGNORECASE)


def _bare_invoice_label(name: str, rows: Sequence[Row], is_label) -> Value | None:
    """An invoice field the schema did not find (a simplified layout), by its bare label: 'amount' ->
    金额, an unqualified 'tax ID' -> 纳税人识别号 (whichever party's is the only one printed)."""
    key = invoice_field(name)
    if key is None or _PARTY_WORDS.search(name):
        return None
    bare = re.sub(r"^(?:购买方|销售方|合计)|\(.*\)$", "", key)
    return field_by_label(bare, rows, is_label) if bare != name else None


def _first_date(rows: Sequence[Row]) -> Value | None:
    for row in rows:
        for region in row.regions:
            written = date_as_written(region.text)
            if written:
                return Value(written, (region,), "first date")
    return None


def _misread_date(name: str, text: str) -> bool:
    """A date field's value with figures in it but no plausible date: a digit misread ("2022-83-18")."""
    return kind_of(name) is Kind.DATE and any(c.isdigit() for c in text) and plausible_date(text) is None


def _cleaned(name: str, value: Value) -> Value | None:
    """The value's kind out of its line: a date's date, an amount's amount, a tax ID's code."""
    kind = kind_of(name)
    text = value.text.strip().lstrip("⊗ⓧ")  # 价税合计's ⊗ before the amount in words
    if kind is Kind.DATE:
        text = date_as_written(text) or text
    elif kind is Kind.AMOUNT and not re.search(r"[零壹贰叁肆伍陆柒捌玖]", text):
        amount = _AMOUNT.search(text)
        text = amount.group().strip() if amount else text
    elif kind is Kind.TAX_ID:
        code = USCC_PATTERN.search(re.sub(r"\s", "", text).upper())
        text = code.group() if code else text
    return Value(text, value.regions, value.how) if text else None


def ticked_options(name: str, rows: Sequence[Row], page: Page, boxes: list | None) -> Value | None:
    """A label answered by ticking boxes beside it: the ticked options' words ("No"), or ☑ for a lone box."""
    hits = find_label(name, rows)
    if not hits or not boxes:
        return None
    row = rows[hits[0].row]
    label = row.regions_in(hits[0].start, hits[0].end)[-1]
    band = (label.box[1] - 0.5 * label.height, label.box[3] + 0.5 * label.height)
    beside = [
        b for b in boxes if band[0] <= (b.box[1] + b.box[3]) / 2 <= band[1] and b.box[0] >= label.box[2] - 2
    ]
    if not beside:
        return None
    first_box = min(b.box[0] for b in beside)
    written = [r for r in row.regions if r.box[0] >= label.box[2] - 2 and r is not label]
    if written and min(r.box[0] for r in written) < first_box - label.height:
        return None  # a value written between the label and the boxes: the boxes belong to something else
    chosen: list[tuple[str, tuple]] = []
    for box in beside:
        if not box.ticked:
            continue
        option = min(
            (
                r
                for r in row.regions
                if r.box[2] > box.box[2]
                and box.box[0] - label.height <= r.box[0] <= box.box[2] + 3 * label.height
            ),
            key=lambda r: r.box[0],
            default=None,
        )
        if option is not None:
            chosen.append((option.text.strip().lstrip("口□☐☑☒✓✔xX区 "), (option,)))
        else:
            chosen.append(("☑", (label,)))
    if not chosen:
        return Value("", (), "checkbox")  # boxes, none ticked: the field is empty
    return Value(", ".join(text for text, _ in chosen), tuple(r for _, rs in chosen for r in rs), "checkbox")


ROWS_AROUND_LABEL = (1, 3)  # rows above and below a label that go to the model with it


def text_near_labels(pages: Sequence[tuple[str, Page]], fields: Sequence[str]) -> str | None:
    """For the model, only the rows around each field's label (the value the layout could not pair is
    near it); None when a field has no label on any page: then the model needs the whole text."""
    chosen: list[tuple[int, int]] = []  # (page index, row index)
    all_rows = [rows_of(page.regions) for _, page in pages]
    for name in fields:
        hits = [(p, hit) for p, rows in enumerate(all_rows) for hit in find_label(name, rows)[:1]]
        if not hits:
            return None
        p, hit = max(hits, key=lambda ph: ph[1].score)
        above, below = ROWS_AROUND_LABEL
        chosen.extend(
            (p, r) for r in range(max(0, hit.row - above), min(len(all_rows[p]), hit.row + below + 1))
        )
    return "\n".join(all_rows[p][r].text for p, r in sorted(set(chosen)))
