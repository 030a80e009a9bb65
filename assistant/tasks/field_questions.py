"""Questions that ask for the value of a label on the page, answered from the page's layout.

"What is filled in for "COUNTRY" on this form?", "What is the invoice number?", "这张发票的价税合计是多少？":
the question names a label, and where that label stands on a page with a value beside it (the same rules
as extract: after its colon, under it, under its column heading, the invoice schema, the receipt rules),
the value is the answer, cited on the regions it was read from. The model reads a form's flattened text
less reliably than the geometry does (which value sits beside which label), and it is not needed here.
A question whose label is not on any page goes the usual way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..answer import Citation
from ..documents.model import Page
from .fields import invoice_field, receipt_field
from .layout_fields import find_label, fold, rows_of
from .layout_reading import read_fields

# Where a label may come from on a page: a form, an invoice or receipt, a ticket, a certificate, a label.
_PAPER = r"(?:form|invoice|receipt|bill|ticket|certificate|document|page|label|product|sheet|application)"
_QUOTED = re.compile(r"[\"“”'‘’「」『』]([^\"“”'‘’「」『』]{1,60})[\"“”'‘’「」『』]")
_ASKS_VALUE_EN = re.compile(
    r"^\s*what(?:'s|\s+is|\s+are|\s+was)\s+(?:filled\s+in|written|entered|given|stated|shown)?\s*"
    r"(?:for|in|under|beside|as)?\s*(?:the\s+)?(?P<label>.+?)"
    rf"(?:\s+(?:on|of|in|for)\s+(?:this|the)\s+{_PAPER})?\s*\??\s*$",
    re.IGNORECASE,
)
_ASKS_VALUE_ZH = re.compile(
    r"^\s*(?:(?:这|此|该|本)(?:张|份|个|页)?[\u4e00-\u9fff]{0,4}?的)?(?P<label>[\u4e00-\u9fffA-Za-z0-9（）()]{2,16}?)"
    r"(?:是多少|是什么|是哪天|是哪一天|是几号|是哪家(?:公司)?|是谁|填的是什么|写的是什么|为多少)[？?。]?\s*$"
)
# "What is filled in for "COUNTRY"": a quoted label (a quoted item name, "the price of "X"", is not one).
_FILLED_IN = re.compile(
    r"(?:filled\s+in|written|entered|value|given|ticked|checked)\s+(?:in\s+)?(?:for|of|in|beside|under|as)\s*"
    r"[\"“'‘「『]$|^[\"“'‘「『]|填写?(?:的|了)?(?:内容)?[\"“'‘「『]$",
    re.IGNORECASE,
)
_VAGUE = {"it", "this", "that", "they", "answer", "total of this", "date of this"}
MAX_VALUE_CHARS = 300
MIN_LABEL_SCORE = 0.96  # a label set off by its colon, or ending its piece (not words inside running text)


def asked_label(question: str) -> str | None:
    """The label a question asks the value of, or None when it asks something else."""
    text = question.strip()
    quoted = _QUOTED.search(text)
    if quoted and _FILLED_IN.search(text[: quoted.start() + 1]):
        return quoted.group(1).strip()
    for pattern in (_ASKS_VALUE_EN, _ASKS_VALUE_ZH):
        match = pattern.match(text)
        if match:
            label = match.group("label").strip(" ?？")
            if pattern is _ASKS_VALUE_ZH:  # "解除抵押的日期" is the label 解除抵押日期
                label = re.sub(r"(?<=[\u4e00-\u9fff]{2})的(?=[\u4e00-\u9fff]{2})", "", label)
            if label.lower() not in _VAGUE and len(fold(label)) >= 2 and len(label.split()) <= 6:
                return label
    return None


def answer_from_layout(
    pages: Sequence[tuple[str, Page]], question: str
) -> tuple[str, list[Citation], str] | None:
    """(the value, its citations, a note) when the question's label stands on a page with a value
    beside it; None otherwise."""
    label = asked_label(question)
    if label is None:
        return None
    schema = invoice_field(label) or receipt_field(label)
    if schema is None and not _stands_as_label(pages, label):
        return None
    reading = read_fields(pages, [label])
    found = reading.values.get(label)
    if found is None or not found.value.text.strip() or not found.value.regions:
        return None
    folded = fold(found.value.text)
    if len(found.value.text) > MAX_VALUE_CHARS or not folded or (len(folded) == 1 and not folded.isdigit()):
        return None  # a paragraph under a heading, or a stray letter (of a vertical title): not a value
    page = found.page
    citations = [Citation(found.file, page.number, region, page.size) for region in found.value.regions]
    note = f"read from the page's layout: the value beside the label {label!r}"
    return found.value.text.strip(), citations, note


def _stands_as_label(pages: Sequence[tuple[str, Page]], label: str) -> bool:
    """The label is on a page as a label (ends at a colon or its piece), not only as words in a sentence."""
    for _, page in pages:
        hits = find_label(label, rows_of(page.regions))
        if hits and hits[0].score >= MIN_LABEL_SCORE:
            return True
    return False
