"""order_regions on synthetic lines: columns left to right, tables row by row."""

from __future__ import annotations

import random

import pytest

from assistant.documents.model import Region
from assistant.readers.reading_order import group_rows, order_regions
from assistant.tasks.read import page_text

CHAR_W = 16  # px per Latin character of the synthetic lines
CJK_W = 36  # px per CJK character
LINE_H = 30


def line(text: str, x0: float, y0: float, char_w: float = CHAR_W, h: float = LINE_H) -> Region:
    return Region(
        text=text, box=(x0, y0, x0 + len(text) * char_w, y0 + h), confidence=0.99, source="rapidocr"
    )


def right_aligned(text: str, x1: float, y0: float, char_w: float = CHAR_W, h: float = LINE_H) -> Region:
    return Region(
        text=text, box=(x1 - len(text) * char_w, y0, x1, y0 + h), confidence=0.99, source="rapidocr"
    )


def texts(regions) -> list[str]:
    return [r.text for r in regions]


def shuffled(regions: list[Region], seed: int = 3) -> list[Region]:
    copy = list(regions)
    random.Random(seed).shuffle(copy)
    return copy


# --- columns -------------------------------------------------------------------------------------------

LEFT = [
    ["Rivers carry water from", "high ground to the sea,", "shaping the valleys too."],
    ["Floods bring fresh soil", "to the plains each year", "and farmers plant in it."],
]
RIGHT = [
    ["Mountains rise up where", "two plates of crust meet", "and push each other up."],
    ["Snow on the high peaks", "melts slowly in summer", "and it feeds the rivers."],
]


def two_column_regions(title: bool = True, footer: bool = False) -> list[Region]:
    regions = []
    if title:
        regions.append(line("A Title That Spans Both Of The Columns On The Page", 40, 20, char_w=20, h=44))
    for x, paragraphs in ((40, LEFT), (620, RIGHT)):
        y = 100
        for paragraph in paragraphs:
            for text in paragraph:
                regions.append(line(text, x, y))
                y += 44
            y += 50  # paragraph gaps at the same height in both columns
    if footer:
        regions.append(line("Page 7 of the Nature Notes series, printed in spring", 40, 700, char_w=20))
    return regions


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_columns_with_spanning_title(seed):
    ordered = order_regions(shuffled(two_column_regions(), seed))
    left = [t for p in LEFT for t in p]
    right = [t for p in RIGHT for t in p]
    assert texts(ordered) == ["A Title That Spans Both Of The Columns On The Page", *left, *right]


def test_two_columns_with_title_and_footer():
    ordered = texts(order_regions(shuffled(two_column_regions(footer=True))))
    assert ordered[0].startswith("A Title")
    assert ordered[-1].startswith("Page 7")
    assert ordered[1:-1] == [t for p in LEFT for t in p] + [t for p in RIGHT for t in p]


def test_two_columns_without_title():
    ordered = texts(order_regions(shuffled(two_column_regions(title=False))))
    assert ordered == [t for p in LEFT for t in p] + [t for p in RIGHT for t in p]


def test_single_column_top_to_bottom():
    regions = [line(f"Line number {i} of a single column of prose text", 40, 50 + 40 * i) for i in range(8)]
    assert order_regions(shuffled(regions)) == regions


def test_order_keeps_every_region_once():
    regions = two_column_regions(footer=True)
    ordered = order_regions(shuffled(regions))
    assert sorted(ordered, key=lambda r: r.box) == sorted(regions, key=lambda r: r.box)


def test_empty_and_single():
    assert order_regions([]) == []
    one = line("alone", 10, 10)
    assert order_regions([one]) == [one]


# --- tables and receipts: row by row ------------------------------------------------------------------


def table(
    rows: list[tuple[str, str]], label_w: float, value_w: float, value_right: float, **kw
) -> list[Region]:
    regions = []
    for i, (label, value) in enumerate(rows):
        y = 100 + i * 48
        regions.append(line(label, 40, y, char_w=label_w, **kw))
        regions.append(right_aligned(value, value_right, y + 2, char_w=value_w, **kw))
    return regions


RECEIPT = [
    ("Cappuccino", "4.50"),
    ("Croissant", "3.20"),
    ("Orange juice", "5.00"),
    ("Water", "2.00"),
    ("Subtotal", "14.70"),
    ("VAT 7%", "1.03"),
    ("Total", "15.73"),
]
SHORT_RECEIPT = [
    ("Coffee", "3.50"),
    ("Sandwich", "7.25"),
    ("Orange juice", "4.00"),
    ("Tax", "1.19"),
    ("Total", "15.94"),
]
LONG_ITEMS = [
    ("Cappuccino grande with oat milk", "4.50"),
    ("Butter croissant, warmed up", "3.20"),
    ("Fresh orange juice, large cup", "5.00"),
    ("Sparkling mineral water 0.5 l", "2.00"),
    ("Subtotal before taxes and tips", "14.70"),
]
INVOICE_TOTALS = [("金额", "¥1,280.00"), ("税额", "¥166.40"), ("价税合计", "¥1,446.40"), ("开票人", "王明")]


@pytest.mark.parametrize(
    ("rows", "label_w", "value_w", "value_right"),
    [
        (SHORT_RECEIPT, CHAR_W, CHAR_W, 560),
        (RECEIPT, CHAR_W, CHAR_W, 560),
        (LONG_ITEMS, CHAR_W, CHAR_W, 900),
        (INVOICE_TOTALS, CJK_W, 20, 560),
    ],
    ids=["short-receipt", "cafe-receipt", "long-item-names", "invoice-totals"],
)
def test_receipt_reads_row_by_row(rows, label_w, value_w, value_right):
    regions = table(rows, label_w, value_w, value_right)
    ordered = texts(order_regions(shuffled(regions)))
    assert ordered == [t for row in rows for t in row]


def test_receipt_text_joins_label_and_value():
    regions = table(RECEIPT, CHAR_W, CHAR_W, value_right=560)
    text = page_text(order_regions(shuffled(regions)))
    assert text.splitlines() == [f"{label} {value}" for label, value in RECEIPT]


def test_receipt_under_a_spanning_header_reads_row_by_row():
    header = line("GREEN LEAF CAFE - 12 Harbour Street - Receipt 0042", 40, 30, char_w=10)
    regions = [header, *table(RECEIPT, CHAR_W, CHAR_W, value_right=560)]
    ordered = texts(order_regions(shuffled(regions)))
    assert ordered == [header.text, *[t for row in RECEIPT for t in row]]


def test_group_rows_puts_label_and_value_on_one_row():
    rows = group_rows(shuffled(table(SHORT_RECEIPT, CHAR_W, CHAR_W, value_right=560)))
    assert [texts(row) for row in rows] == [[label, value] for label, value in SHORT_RECEIPT]


def test_group_rows_keeps_close_lines_apart():
    # Lines 32 px apart with 30 px high boxes: separate rows, even with slightly uneven baselines.
    regions = [line("first line of text", 40, 100), line("second line of text", 42, 132)]
    assert [texts(row) for row in group_rows(regions)] == [["first line of text"], ["second line of text"]]
