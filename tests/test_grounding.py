"""Grounding: values and answers are cited on the regions that hold them, and nowhere else."""

from __future__ import annotations

import pytest
from PIL import Image

from assistant.documents.model import Page, Region
from assistant.tasks.grounding import Located, ground_answer, locate, located_regions, normalize

SIZE = (1600, 1000)
INVOICE = [
    "上海增值税专用发票",
    "发票号码 No 04512367",
    "开票日期 2024年03月15日",
    "购买方名称 上海星河科技有限公司",
    "纳税人识别号 91310000MA1K4QXW3P",
    "地址 上海市浦东新区张江高科技园区",
    "碧波路690号3号楼502室",
    "货物或应税劳务名称 技术服务费",
    "金额 ¥1,280.00",
    "税额 ¥76.80",
    "价税合计（小写）¥1,356.80",
    "备注：收款单位 上海星河科技有限公司 服务费 1,280.00元",
    "Seller: Yunfan lnformation Technology Co., Ltd.",  # OCR read "I" as "l"
    "Payment due within 30 days of the invoice date.",
]
TERMS = ["Bank: Bank of Shanghai, Zhangjiang Branch", "Account 6222 0210 0112 3456 789"]


def make_page(number: int, lines: list[str]) -> Page:
    regions = [
        Region(text, (50.0, 40.0 + 50 * i, 1500.0, 80.0 + 50 * i), 0.9, "rapidocr")
        for i, text in enumerate(lines)
    ]
    return Page(number, SIZE, lambda: Image.new("RGB", SIZE), f"invoice:{number}", regions=regions)


@pytest.fixture(scope="module")
def candidates() -> list[Located]:
    return located_regions([("invoice.png", make_page(1, INVOICE)), ("invoice.png", make_page(2, TERMS))])


def texts(citations) -> list[str]:
    return [c.region.text for c in citations]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥1,280.00", "1280"),
        ("1280.00", "1280"),
        ("￥１，２８０．００", "1280"),  # full-width
        ("RM 12.50", "12.5"),
        ("Form 3", "form3"),  # "rm" is a currency only before a number
        ("1,280.50", "1280.5"),  # 1280.5: a different amount stays different
        ("2024年03月15日", "2024年3月15日"),
        ("2024-03-15", "2024年3月15日"),
        ("（甲方）“上海”：a/b", "甲方上海ab"),
        ("Co., Ltd.", "coltd"),
        ("三十日内", "30日内"),  # numerals compare as the digits an answer writes
        ("百分之五", "5%"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("value", "region"),
    [
        ("¥1,280.00", "金额 ¥1,280.00"),
        ("1280", "金额 ¥1,280.00"),  # short: the tightest region, not the remark that repeats it
        ("91310000MA1K4QXW3P", "纳税人识别号 91310000MA1K4QXW3P"),
        ("91310000 ma1k 4qxw3p", "纳税人识别号 91310000MA1K4QXW3P"),
        ("2024年03月15日", "开票日期 2024年03月15日"),
        ("2024-03-15", "开票日期 2024年03月15日"),
        ("76.8", "税额 ¥76.80"),
        ("04512367", "发票号码 No 04512367"),
        # fuzzy: the OCR text has "lnformation"
        ("Yunfan Information Technology Co., Ltd.", "Seller: Yunfan lnformation Technology Co., Ltd."),
    ],
)
def test_locate_finds_the_value_on_its_region(candidates, value, region):
    citations = locate(value, candidates)
    assert texts(citations) == [region]
    assert (citations[0].file, citations[0].page, citations[0].page_size) == ("invoice.png", 1, SIZE)
    assert citations[0].region.box[1] == 40.0 + 50 * INVOICE.index(region)


def test_locate_cites_every_line_of_a_wrapped_value(candidates):
    citations = locate("上海市浦东新区张江高科技园区碧波路690号3号楼502室", candidates)
    assert texts(citations) == ["地址 上海市浦东新区张江高科技园区", "碧波路690号3号楼502室"]


def test_locate_cites_every_occurrence_of_a_long_value(candidates):
    assert texts(locate("上海星河科技有限公司", candidates)) == [
        "购买方名称 上海星河科技有限公司",
        "备注：收款单位 上海星河科技有限公司 服务费 1,280.00元",
    ]


def test_locate_on_the_second_page(candidates):
    citations = locate("6222021001123456789", candidates)
    assert texts(citations) == ["Account 6222 0210 0112 3456 789"] and citations[0].page == 2
    # fuzzy ("Acount"), and the grouped digits still count as the one number they are
    assert texts(locate("Acount 6222 0210 0112 3456 789", candidates)) == ["Account 6222 0210 0112 3456 789"]
    assert locate("Acount 6222 0210 0112 3456 788", candidates) == []


@pytest.mark.parametrize(
    "value",
    [
        "¥2,560.00",  # not on the page
        "280",  # only inside 1,280.00: a number matches whole or not at all
        "128",
        "91310000MA1K4QXW3Q",  # one character off: another taxpayer, fuzzy must not accept it
        "Payment due within 60 days of the invoice date",  # fuzzy-close, but another number
        "2024年3月16日",
        "北京市海淀区中关村大街1号",
        "金頟",  # short: exact only
        "the invoice date. Bank: Bank of Shanghai",  # never across pages: end of page 1 + start of page 2
        "",
    ],
)
def test_locate_returns_nothing_for_what_is_not_there(candidates, value):
    assert locate(value, candidates) == []


def test_ground_chinese_answer(candidates):
    answer = "该发票金额为¥1,280.00，开票日期为2024年3月15日，购买方是上海星河科技有限公司。"
    assert texts(ground_answer(answer, candidates)) == [
        "开票日期 2024年03月15日",
        "购买方名称 上海星河科技有限公司",
        "金额 ¥1,280.00",
    ]  # in reading order; not the remark that repeats the amount, not the total


def test_ground_english_answer(candidates):
    answer = "The seller is Yunfan Information Technology Co., Ltd. and payment is due within 30 days."
    assert texts(ground_answer(answer, candidates)) == [
        "Seller: Yunfan lnformation Technology Co., Ltd.",
        "Payment due within 30 days of the invoice date.",
    ]


def test_ground_answer_with_quoted_span_and_second_page(candidates):
    answer = "Pay to “Bank of Shanghai, Zhangjiang Branch”, account 6222 0210 0112 3456 789."
    cited = ground_answer(answer, candidates)
    assert texts(cited) == TERMS and {c.page for c in cited} == {2}


@pytest.mark.parametrize(
    "answer",
    [
        "I could not find this information in the document.",
        "文档中没有提到这个信息。",
        "金额为¥2,560.00。",  # a wrong amount cites nothing, not the nearest amount
        "",
    ],
)
def test_ground_answer_cites_nothing_unsupported(candidates, answer):
    assert ground_answer(answer, candidates) == []


def test_locate_same_date_finds_another_spelling():
    from assistant.tasks.grounding import locate_same_date

    lines = [
        ("r.jpg", 1, (400, 300), Region("21 MAR 2018 17:59", (10, 10, 200, 30), 0.99, "rapidocr")),
        ("r.jpg", 1, (400, 300), Region("TOTAL: $8.70", (10, 40, 200, 60), 0.99, "rapidocr")),
    ]
    found = locate_same_date("It is dated 21 Mar 2018.", lines)
    assert [c.region.text for c in found] == ["21 MAR 2018 17:59"]
    assert locate_same_date("22 Mar 2018", lines) == []
    assert locate_same_date("no date here", lines) == []


CONTRACT = [
    "第三条 付款方式",
    "乙方应自合同签订之日起一百二十日内付清全部货款。",
    "逾期付款的，每日按应付款的百分之零点五支付违约金。",
    "一方违约的，另一方有权解除合同。",
    "合同总价：人民币伍万元整",
    "本合同于二〇一九年九月十五日签订。",
    "政令第百四十九号",
]


@pytest.fixture(scope="module")
def contract() -> list[Located]:
    return located_regions([("contract.pdf", make_page(1, CONTRACT))])


@pytest.mark.parametrize(
    ("answer", "line"),
    [
        ("乙方应在120日内付清货款。", 1),
        ("Party B must pay within 120 days.", 1),  # (two digits alone are too common to cite)
        ("每日0.5%的违约金。", 2),
        ("合同总价为50,000元。", 4),
        ("合同签订于2019年9月15日。", 5),
        ("149", 6),  # a number written in kanji, as a Japanese gazette writes it
    ],
)
def test_an_answer_in_digits_is_cited_on_the_clause_that_writes_it_in_numerals(contract, answer, line):
    assert texts(ground_answer(answer, contract)) == [CONTRACT[line]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三十日内", "30日内"),
        ("百分之五", "5%"),
        ("百分之零点五", "0.5%"),
        ("千分之三", "3‰"),
        ("第百四十九号", "第149号"),
        ("二〇一九年九月十五日", "2019年9月15日"),
        ("人民币壹仟贰佰叁拾肆元", "人民币1234元"),
        ("三亿五千万", "350000000"),
        ("一个月内", "1个月内"),
        ("第一条", "第1条"),
        # Words, not numbers: a lone numeral that counts nothing, a unit in the lead, a range.
        ("一方违约的，另一方有权解除", "一方违约的，另一方有权解除"),
        ("千万不要", "千万不要"),
        ("万一发生", "万一发生"),
        ("三四十个", "三四十个"),
        ("三点钟", "三点钟"),
    ],
)
def test_numerals_read_as_digits_only_where_they_are_numbers(text, expected):
    from assistant.languages import arabic_numerals

    assert arabic_numerals(text) == expected
