"""Typed values: checksums, dates, amounts and the kind a field name implies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant.tasks.validators import (
    Kind,
    candidates,
    check_value,
    id_number_valid,
    kind_of,
    parse_amount,
    parse_date,
    uscc_valid,
)
from tests.fixtures import TAX_ID


def test_unified_social_credit_code_checksum():
    assert uscc_valid(TAX_ID)
    assert not uscc_valid(TAX_ID[:-1] + ("A" if TAX_ID[-1] != "A" else "B"))
    assert not uscc_valid("91310000MA1K4QXW3")  # 17 characters
    assert not uscc_valid("91310000MA1K4QXW3I")  # I is not in the code's alphabet


def test_old_taxpayer_numbers_are_accepted_without_a_checksum():
    assert check_value(Kind.TAX_ID, "51019800DK01187").ok is None
    assert check_value(Kind.TAX_ID, TAX_ID).ok is True
    assert check_value(Kind.TAX_ID, TAX_ID[:-1] + "0").ok is False


def test_id_number_checksum():
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("开票日期：2024年03月15日", date(2024, 3, 15)),
        ("2024-03-15", date(2024, 3, 15)),
        ("21 MAR 2018 17:59", date(2018, 3, 21)),
        ("March 27, 1984", date(1984, 3, 27)),
        ("15/03/2024", date(2024, 3, 15)),
        ("no date", None),
        ("2024年13月40日", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_amounts():
    assert parse_amount("¥1,280.00") == Decimal("1280.00")
    assert parse_amount("TOTAL RM 8.70") == Decimal("8.70")
    assert check_value(Kind.AMOUNT, "壹仟伍佰圆整").ok is True
    assert check_value(Kind.AMOUNT, "unknown").ok is False


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("税号", Kind.TAX_ID),
        ("销售方纳税人识别号", Kind.TAX_ID),
        ("开票日期", Kind.DATE),
        ("金额", Kind.AMOUNT),
        ("total", Kind.AMOUNT),
        ("address", Kind.ADDRESS),
        ("company", Kind.COMPANY),
        ("项目名称", Kind.TEXT),
        ("身份证号", Kind.ID_NUMBER),
    ],
)
def test_kind_of_field_names(name, kind):
    assert kind_of(name) is kind


def test_an_address_that_is_a_date_is_refused():
    assert check_value(Kind.ADDRESS, "21 Mar 2018 17:59").ok is False
    assert check_value(Kind.ADDRESS, "12, JALAN TAMPOI 7/4, 81200 JOHOR BAHRU").ok is True


def test_candidates_are_checksum_valid_codes_on_the_page():
    text = f"纳税人识别号：{TAX_ID} 发票号码：04581233 账号 91310000MA1K4QXW3A"
    assert candidates(Kind.TAX_ID, text) == [TAX_ID]
