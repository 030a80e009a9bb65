"""Field names for extract, as people type them."""

from __future__ import annotations

import pytest

from assistant.errors import ArgumentError
from assistant.tasks.fields import parse_fields


@pytest.mark.parametrize(
    ("spec", "fields"),
    [
        ("请提取金额、税号、开票日期", ["金额", "税号", "开票日期"]),
        ("company, date, address and total", ["company", "date", "address", "total"]),
        ("amount,tax_id,date", ["amount", "tax_id", "date"]),
        ("extraction date, total", ["extraction date", "total"]),  # 'extract' only as a whole word
        ("the amount and the date", ["amount", "date"]),
        ("请提取金额。", ["金额"]),
        ("字段：金额，日期", ["金额", "日期"]),
        ("提取总和和税号", ["总和", "税号"]),  # 和 inside 总和 is part of the name
        ("提取涉及金额", ["涉及金额"]),
        ("请帮我提取金额和开票日期", ["金额", "开票日期"]),
        ("get the invoice number and total", ["invoice number", "total"]),
        ("fields: name, date", ["name", "date"]),
        ("Extract amount, tax ID and date from this invoice", ["amount", "tax ID", "date"]),
        # a --fields list: names with "and" or an abbreviation's dot stay whole
        ("REQUEST NO.,Brand(s) and Activity,P. S.", ["REQUEST NO.", "Brand(s) and Activity", "P. S."]),
        ("SUGGESTION: (Situation and Idea),Type", ["SUGGESTION: (Situation and Idea)", "Type"]),
        ("company, date and total.", ["company", "date", "total"]),
    ],
)
def test_field_names(spec, fields):
    assert parse_fields(spec) == fields


def test_no_names_is_a_clear_error():
    with pytest.raises(ArgumentError, match="no field names"):
        parse_fields("extract")
