"""translate with the real embedded model: a product label into English leaves no Chinese but the brand,
keeps its numbers and codes, uses label vocabulary, streams line by line, and is re-rendered."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from assistant.backends.registry import get_backend
from assistant.documents.ingest import load_document
from assistant.documents.model import Region, union_box
from assistant.settings import Settings
from assistant.tasks.translate import (
    SEPARATOR,
    _placed,
    _rows_of_words,
    glossary_terms,
    numbered_lines,
    translate,
)
from tests import fixtures as fx

pytestmark = pytest.mark.slow

BRAND = "晨光"
LABEL = [
    f"{BRAND}牌 苹果汁饮料",
    "配料：水、浓缩苹果汁、白砂糖、柠檬酸",
    "净含量：330毫升",
    "保质期：12个月",
    "生产日期：见瓶盖",
    "产地：山东省烟台市",
    "执行标准：GB/T 31121",
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(cache_dir=tmp_path_factory.mktemp("translate-cache"))


@pytest.fixture(scope="module")
def label(settings):
    return load_document(fx.encode(fx.text_lines_page(LABEL).image, "PNG"), "label.png", settings)


@pytest.fixture(scope="module")
def translated(label, settings, tmp_path_factory):
    pieces: list[str] = []
    answer = translate(
        [label], "en", get_backend(settings), settings, tmp_path_factory.mktemp("out"), on_token=pieces.append
    )
    return answer.to_dict(), pieces


def test_no_chinese_is_left_but_the_brand(translated):
    answer, _ = translated
    left = re.findall(r"[\u4e00-\u9fff]+", answer["text"])
    assert set(left) <= {BRAND, f"{BRAND}牌"}, answer["text"]


def test_numbers_units_and_codes_are_kept(translated):
    text = translated[0]["text"]
    assert "330" in text and "12" in text and "GB/T 31121" in text, text


def test_label_vocabulary(translated):
    text = translated[0]["text"].lower()
    for word in ("ingredients", "net content", "shelf life", "production date", "standard"):
        assert word in text, f"{word!r} not in:\n{translated[0]['text']}"


def test_the_translation_streams_line_by_line(translated):
    _, pieces = translated
    assert len(pieces) >= len(LABEL) - 1, pieces
    assert all(piece.endswith("\n") and not re.match(r"\s*\d+\.", piece) for piece in pieces), pieces


def test_the_page_is_rerendered_in_english(translated):
    answer, _ = translated
    rendered = Image.open(answer["images"][0])
    from assistant.readers import rapid

    found = " ".join(r.text for r in rapid.recognize(rendered)).lower()
    assert "ingredients" in found or "shelf" in found, found


def test_the_glossary_gives_the_terms_the_text_uses():
    terms = glossary_terms(["配料：水", "保质期：12个月"], "en", "local-llm")
    assert "配料 = ingredients" in terms and "保质期 = shelf life" in terms
    assert "净含量" not in terms


def test_numbered_lines_are_read_back_by_number():
    assert numbered_lines("2. two\n1. one\n3) three\nnoise", 3) == {1: "two", 0: "one", 2: "three"}
    assert numbered_lines("just text", 2) is None


def test_the_reply_stops_at_its_last_line_and_at_a_numbered_loop():
    from assistant.tasks.translate import _streamed_lines

    closed = []

    def model(lines):  # stands for the model's stream: what it writes past the blocks it was given
        try:
            yield from lines
        finally:
            closed.append(True)

    shown: list[str] = []
    reply = _streamed_lines(
        model(["1. Shelf life\n2. Ingredients\n", "3. Net content\n4. Made up\n"]), shown.append, 3
    )
    assert reply == "1. Shelf life\n2. Ingredients\n3. Net content" and shown[-1] == "Net content\n"
    assert closed == [True], "the model's stream is closed as soon as the last line is in"
    looping = model(f"{i}. Avoid close contact\n" for i in range(1, 60))
    assert _streamed_lines(looping, None, 40).count("Avoid close contact") == 3


def _word(text: str, x: float, y: float) -> Region:
    return Region(text, (x, y, x + 20 * len(text), y + 30), 1.0, "rapidocr")


def test_a_row_of_short_blocks_is_one_line_for_the_model_and_comes_back_into_their_boxes():
    row = [_word("甘い", 10, 10), _word("辛い", 120, 12), _word("苦い", 230, 9)]
    sentence = _word("この商品は冷蔵庫で保存してください", 10, 80)
    units = _rows_of_words([*row, sentence])
    assert units == [row, [sentence]]
    assert SEPARATOR.join(r.text for r in units[0]) == "甘い | 辛い | 苦い"
    placed = _placed(units, ["sweet | spicy | bitter", "Keep this product refrigerated"])
    assert placed == [
        (row[0].box, "sweet"),
        (row[1].box, "spicy"),
        (row[2].box, "bitter"),
        (sentence.box, "Keep this product refrigerated"),
    ]


def test_a_row_that_lost_a_piece_is_translated_again_a_block_a_line_into_its_boxes():
    row = [_word("甘い", 10, 10), _word("辛い", 120, 12), _word("苦い", 230, 9)]
    kept = [_word("酸っぱい", 10, 80), _word("塩辛い", 150, 80)]
    asked: list[list[str]] = []

    def again(lost: list[Region]) -> list[str]:  # the second call the batch makes, for the rows that lost one
        asked.append([region.text for region in lost])
        return ["sweet", "spicy", "bitter"]

    placed = _placed([row, kept], ["sweet and spicy | bitter", "sour | salty"], again=again)
    assert asked == [["甘い", "辛い", "苦い"]], "only the blocks of the row that lost a piece, in one call"
    assert placed == [
        (row[0].box, "sweet"),
        (row[1].box, "spicy"),
        (row[2].box, "bitter"),
        (kept[0].box, "sour"),
        (kept[1].box, "salty"),
    ]


def test_a_row_that_lost_a_piece_twice_is_drawn_over_the_row_without_separators():
    row = [_word("甘い", 10, 10), _word("辛い", 120, 12), _word("苦い", 230, 9)]
    ((box, text),) = _placed([row], ["sweet | spicy and bitter"], again=lambda lost: ["sweet and spicy"])
    assert box == union_box(r.box for r in row) and text == "sweet spicy and bitter"


def test_a_sentence_carried_on_to_the_next_line_is_asked_again():
    from assistant.tasks.translate import _copied

    blocks = [
        "Keep away from heat and open flame",
        "Store in a cool and dry place",
        "Store",
    ]
    carried = {
        0: "远离热源和明火的地方存放",
        1: "远离热源和明火的地方存放",
        2: "远离热源和明火的地方存放",
    }
    assert [_copied(blocks, carried, i) for i in range(3)] == [False, True, True]
    same_source = ["Sweet", "Sweet"]  # the same line twice is translated the same, rightly
    assert not _copied(same_source, {0: "甜的甜的甜的甜的甜的甜的", 1: "甜的甜的甜的甜的甜的甜的"}, 1)
    assert not _copied(["甘い", "甘味"], {0: "Sweet", 1: "Sweet"}, 1), (
        "two words may share a short translation"
    )
