"""Reading HunyuanOCR's replies: coordinates in both wire formats, fenced JSON, repetition loops.

The replies are written in the formats HunyuanOCR's model card and technical report give (spotting as
`<ref>text</ref><quad>(x1,y1),(x2,y2)</quad>`, or `text(x1,y1),(x2,y2)` once vLLM drops the special
tokens); no GPU here runs the real model, so they are not captured from it.
"""

from __future__ import annotations

import pytest

from assistant.backends.replies import (
    Spotted,
    parse_spotting,
    repeating_tail,
    to_regions,
    trim_repetition,
    unwrap_json,
)

TAGGED = (
    "<ref>增值税发票 / VAT Invoice</ref><quad>(250,44),(750,100)</quad>"
    "<ref>发票号码</ref><quad>(66,188),(200,230)</quad><ref>No.24317865</ref><quad>(383,188),(600,230)</quad>"
    "<ref>Total (CNY)</ref><quad>(66,800),(150,800),(150,840),(66,840)</quad>"
)
PLAIN = """增值税发票 / VAT Invoice(250,44),(750,100)
发票号码(66,188),(200,230)
金额 (不含税)(66,503),(300,545)
¥1,280.00(383, 503), (520, 545)
(a line with no box)
"""


def test_tagged_spotting_with_corners_and_quadrilaterals():
    spotted = parse_spotting(TAGGED)
    assert [s.text for s in spotted] == ["增值税发票 / VAT Invoice", "发票号码", "No.24317865", "Total (CNY)"]
    assert spotted[0].box == (250, 44, 750, 100)
    assert spotted[3].box == (66, 800, 150, 840)  # four points -> their bounding box


def test_plain_spotting_is_anchored_on_the_coordinate_tail():
    spotted = parse_spotting(PLAIN)
    assert spotted == [
        Spotted("增值税发票 / VAT Invoice", (250, 44, 750, 100)),
        Spotted("发票号码", (66, 188, 200, 230)),
        Spotted("金额 (不含税)", (66, 503, 300, 545)),  # parentheses in the text stay text
        Spotted("¥1,280.00", (383, 503, 520, 545)),
    ]


def test_boxes_rescale_from_thousandths_to_page_pixels():
    regions = to_regions(parse_spotting(PLAIN), (1200, 900))
    assert regions[0].box == pytest.approx((300.0, 39.6, 900.0, 90.0))
    assert regions[0].source == "vlm"


@pytest.mark.parametrize(
    "reply",
    [
        "text(10,20),(10,40)",  # no width: not a box
        "text(10,20),(30,1200)",  # beyond 0-1000
        "(10,20),(30,40)",  # no text
    ],
)
def test_impossible_records_are_skipped(reply):
    assert parse_spotting(reply) == []


def test_fenced_json_is_unwrapped():
    reply = '```json\n{"金额": "¥1,280.00", "税号": "91310000MA1K4QXW3D"}\n```'
    assert unwrap_json(reply) == {"金额": "¥1,280.00", "税号": "91310000MA1K4QXW3D"}
    assert unwrap_json('The fields are {"a": null} as asked.') == {"a": None}
    with pytest.raises(ValueError, match="no JSON"):
        unwrap_json("I cannot read this image.")


def test_a_looping_tail_is_found_and_trimmed():
    loop = "第四条 违约责任：甲方逾期付款的，" + "每日按未付金额的万分之五" * 12
    assert repeating_tail(loop) == len("每日按未付金额的万分之五")
    assert trim_repetition(loop) == "第四条 违约责任：甲方逾期付款的，每日按未付金额的万分之五"


@pytest.mark.parametrize("text", ["Total ......... 12.00", "| a | b |\n| --- | --- |\n| 1 | 2 |", "ha" * 5])
def test_ordinary_repetition_is_not_a_loop(text):
    assert repeating_tail(text) is None
    assert trim_repetition(text) == text


def test_a_looping_spotting_reply_keeps_its_lines_once():
    reply = PLAIN + "税额 ¥166.40(383,600),(520,640)\n" * 30
    texts = [s.text for s in parse_spotting(reply)]
    assert texts.count("税额 ¥166.40") == 1
    assert len(texts) == 5


def test_a_looping_stream_is_stopped_and_its_source_closed():
    from assistant.backends.replies import until_loop

    produced = []
    closed = []

    def model():  # stands for the model's token stream: '- ' until its token limit
        try:
            for _ in range(10_000):
                produced.append("- ")
                yield "- "
        finally:
            closed.append(True)

    text = "".join(until_loop(model()))
    assert len(produced) < 100 and text == "- " * len(produced)
    assert closed == [True], "the model's stream is closed at once, so it gives the model back"
    assert "".join(until_loop(iter(["x = 4", "\n", "check: 3·4 = 12 ✓"]))) == "x = 4\ncheck: 3·4 = 12 ✓"
