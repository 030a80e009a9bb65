"""Who a party is, read from the contract line that names it (when the model answers with the label)."""

from __future__ import annotations

import pytest

from assistant.documents.model import Region
from assistant.tasks.parties import is_echo, party_name


def _lines(*texts: str) -> list:
    return [("contract.pdf", 1, (1000, 1400), Region(t, (0, 40 * i, 900, 40 * i + 30), 1.0, "rapidocr"))
            for i, t in enumerate(texts)]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "lines", "name"),
    [
        (
            "乙方是谁？",
            ("采购合同", "甲方：新城第三中学", "乙方：宏达办公用品有限公司"),
            "宏达办公用品有限公司",
        ),
        (
            "甲方是哪家单位？",
            ("一、甲方（买方）：新城第三中学", "二、乙方（卖方）：宏达公司"),
            "新城第三中学",
        ),
        (
            "Who is Party A?",
            ("LICENSE AGREEMENT", 'Beijing Baidu Netcom Co., Ltd. ("Party A")', "and"),
            "Beijing Baidu Netcom Co., Ltd.",
        ),
        (
            "Who is Party B (乙方)?",
            ("Party A: Alpha Media Ltd.", "Party B: Phoenix TV Ltd."),
            "Phoenix TV Ltd.",
        ),
    ],
)
def test_the_line_that_names_the_party_gives_its_name(question, lines, name):
    found = party_name(question, _lines(*lines))
    assert found is not None and found[0] == name, found


def test_questions_about_something_else_are_left_to_the_model():
    lines = _lines("甲方：新城第三中学", "乙方：宏达办公用品有限公司")
    assert party_name("甲方要付多少钱？", lines) is None  # not a "who" question
    assert party_name("Who signs for both parties?", lines) is None  # no one party named
    assert party_name("乙方是谁？", _lines("乙方应按时交货。")) is None  # no line names it


def test_an_echo_adds_nothing_to_the_question():
    assert is_echo("Party A", "Who is Party A?") and is_echo("乙方。", "Who is Party B (乙方)?")
    assert not is_echo("宏达办公用品有限公司", "乙方是谁？")
