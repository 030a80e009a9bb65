"""Extraction that reads the layout: VAT invoices photographed at an angle and at low resolution (buyer and
seller side by side), a receipt with cash, change and total lines, a form with values under their labels
and ticked boxes. Each page is rendered here, read by the real OCR engines and extracted by the real task;
every value must be exact and cited on the line it was drawn on."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from assistant.backends.registry import get_backend
from assistant.documents.ingest import load_document
from assistant.documents.model import Region
from assistant.frontends.chat.exports import items_csv
from assistant.settings import Settings
from assistant.tasks.extract import extract
from assistant.tasks.fields import parse_fields
from assistant.tasks.invoices import capital_amount, party_of
from tests import fixtures as fx
from tests.conftest import iou


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(cache_dir=tmp_path_factory.mktemp("extract-layout-cache"))


def _extract(
    page: fx.RenderedPage, name: str, fields: list[str], settings: Settings, fmt: str = "PNG"
) -> dict:
    params = {"quality": 70} if fmt == "JPEG" else {}
    doc = load_document(fx.encode(page.image.convert("RGB"), fmt, **params), name, settings)
    return extract([doc], fields, get_backend(settings), settings).to_dict()


def _cited_on(answer: dict, field: str, page: fx.RenderedPage, drawn: str) -> None:
    """A citation of the field is the line where `drawn` was drawn: IoU >= 0.5, or (a short word, whose OCR
    box has margins) it holds the drawn box's centre and is at most four times its size."""
    truth = next(line for line in page.lines if line.text == drawn).box
    boxes = [answer["citations"][i]["bbox"] for i in answer["field_citations"][field]]
    assert boxes, f"{field}: no citation"
    assert any(iou(box, truth) >= 0.5 or _holds(box, truth) for box in boxes), (
        f"{field}: cited {boxes}, drawn at {truth}"
    )


def _holds(box, truth) -> bool:
    cx, cy = (truth[0] + truth[2]) / 2, (truth[1] + truth[3]) / 2
    area = (box[2] - box[0]) * (box[3] - box[1])
    return (
        box[0] <= cx <= box[2]
        and box[1] <= cy <= box[3]
        and area <= 4 * (truth[2] - truth[0]) * (truth[3] - truth[1])
    )


# --- VAT invoices ------------------------------------------------------------------------------------

INVOICE_FIELDS = [
    "发票代码",
    "发票号码",
    "开票日期",
    "购买方名称",
    "购买方纳税人识别号",
    "购买方地址电话",
    "购买方开户行及账号",
    "销售方名称",
    "销售方纳税人识别号",
    "销售方地址电话",
    "销售方开户行及账号",
    "合计金额",
    "合计税额",
    "价税合计(大写)",
    "价税合计(小写)",
]


def _expected_invoice(kind: str) -> dict[str, str]:
    b, s = fx.VAT_BUYER, fx.VAT_SELLER
    expected = {
        "发票代码": "3100204130",
        "发票号码": "08812345",
        "开票日期": "2024年03月15日",
        "购买方名称": b.name,
        "购买方纳税人识别号": b.tax_id,
        "购买方地址电话": b.address_phone,
        "购买方开户行及账号": b.bank_account,
        "销售方名称": s.name,
        "销售方纳税人识别号": s.tax_id,
        "销售方地址电话": s.address_phone,
        "销售方开户行及账号": s.bank_account,
        "合计金额": fx.VAT_TOTALS["合计金额"],
        "合计税额": fx.VAT_TOTALS["合计税额"],
        "价税合计(大写)": fx.VAT_TOTALS["大写"],
        "价税合计(小写)": fx.VAT_TOTALS["小写"],
    }
    if kind == "普票":
        expected["校验码"] = "12345 67890 13579 24680"
    return expected


def _spaceless(value: str | None) -> str | None:
    return None if value is None else "".join(value.split())


@pytest.fixture(scope="module", params=["专票", "普票"])
def invoice(request, settings):
    page = fx.photographed(fx.vat_invoice_page(request.param))
    fields = INVOICE_FIELDS + (["校验码"] if request.param == "普票" else [])
    return request.param, page, _extract(page, f"{request.param}.jpg", fields, settings, "JPEG")


def test_invoice_fields_are_exact_and_parties_never_swapped(invoice):
    kind, _, answer = invoice
    expected = _expected_invoice(kind)
    got = {k: _spaceless(v) for k, v in answer["fields"].items()}
    assert got == {k: _spaceless(v) for k, v in expected.items()}, answer["notes"]
    assert json.loads(answer["text"]) == answer["fields"]


@pytest.mark.parametrize(
    ("field", "drawn"),
    [
        ("购买方名称", fx.VAT_BUYER.name),
        ("销售方名称", fx.VAT_SELLER.name),
        ("销售方纳税人识别号", fx.VAT_SELLER.tax_id),
        ("购买方纳税人识别号", fx.VAT_BUYER.tax_id),
        ("发票号码", "08812345"),
        ("开票日期", "2024年03月15日"),
    ],
)
def test_invoice_values_cite_their_own_lines(invoice, field, drawn):
    _, page, answer = invoice
    _cited_on(answer, field, page, drawn)


def test_invoice_checks_hold(invoice):
    _, _, answer = invoice
    checks = [n for n in answer["notes"] if "check:" in n]
    assert any("价税合计 1376.40 holds" in n for n in checks), checks
    assert any("大写" in n and "equals" in n for n in checks), checks
    assert sum("passes its check character" in n for n in checks) == 2, checks


def test_invoice_items_are_rows(invoice):
    _, _, answer = invoice
    got = [
        (i["name"], i["quantity"], i["unit_price"], i["amount"], i["tax_rate"], i["tax"])
        for i in answer["items"]
    ]
    assert got == [(n, q, p, a, r, t) for n, _, _, q, p, a, r, t in fx.VAT_ITEMS]


def test_user_words_map_to_invoice_fields(settings):
    page = fx.photographed(fx.vat_invoice_page("专票"))
    answer = _extract(page, "invoice.jpg", parse_fields("请提取金额、税号、开票日期"), settings, "JPEG")
    assert answer["fields"] == {"金额": "1280.00", "税号": fx.VAT_SELLER.tax_id, "开票日期": "2024年03月15日"}
    english = _extract(page, "invoice.jpg", ["amount", "tax ID", "date", "buyer"], settings, "JPEG")
    assert english["fields"] == {
        "amount": "1280.00",
        "tax ID": fx.VAT_SELLER.tax_id,
        "date": "2024年03月15日",
        "buyer": fx.VAT_BUYER.name,
    }


# --- a receipt ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def receipt(settings):
    page = fx.receipt_page()
    return page, _extract(page, "receipt.png", ["company", "address", "date", "total"], settings)


def test_receipt_fields_are_exact(receipt):
    _, answer = receipt
    assert answer["fields"] == {
        "company": fx.RECEIPT_COMPANY,  # the legal entity, not the brand over it
        "address": " ".join(fx.RECEIPT_ADDRESS),  # every line, in order
        "date": "15/03/2024",
        "total": fx.RECEIPT_TOTAL,  # the amount due: not cash tendered, change, subtotal or rounding
    }


def test_receipt_values_cite_their_lines(receipt):
    page, answer = receipt
    _cited_on(answer, "company", page, fx.RECEIPT_COMPANY)
    _cited_on(answer, "total", page, fx.RECEIPT_TOTAL)
    cited = {answer["citations"][i]["text"] for i in answer["field_citations"]["address"]}
    assert cited == set(fx.RECEIPT_ADDRESS)
    assert not {"50.00", "22.45", "26.30"} & {
        answer["citations"][i]["text"] for i in answer["field_citations"]["total"]
    }


def test_receipt_items_and_their_csv(receipt):
    _, answer = receipt
    assert [
        (i["name"], i["quantity"], i["unit_price"], i["amount"]) for i in answer["items"]
    ] == fx.RECEIPT_ITEMS
    assert sum(Decimal(i["amount"]) for i in answer["items"]) == Decimal("26.30")  # the receipt's subtotal
    rows = list(csv.DictReader(io.StringIO(items_csv({"receipt.png": answer["items"]}).decode("utf-8-sig"))))
    assert [(r["document"], r["name"], r["amount"]) for r in rows] == [
        ("receipt.png", name, amount) for name, _, _, amount in fx.RECEIPT_ITEMS
    ]


# --- a form ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def form(settings):
    page = fx.form_page()
    fields = [*fx.FORM_VALUES, *fx.FORM_CHECKS]
    return page, _extract(page, "form.png", fields, settings)


def test_form_values_under_labels_and_ticked_boxes(form):
    page, answer = form
    expected = {**fx.FORM_VALUES, **{label: ticked for label, (_, _, ticked) in fx.FORM_CHECKS.items()}}
    assert answer["fields"] == expected
    for label, value in fx.FORM_VALUES.items():
        _cited_on(answer, label, page, value)
    for label, (_, _, ticked) in fx.FORM_CHECKS.items():
        _cited_on(answer, label, page, ticked)


def test_every_field_returns_every_pair(settings):
    answer = _extract(fx.form_page(), "form.png", parse_fields("extract every field"), settings)
    expected = {**fx.FORM_VALUES, **{f"{label}": ticked for label, (_, _, ticked) in fx.FORM_CHECKS.items()}}
    assert {k.rstrip(":："): v for k, v in answer["fields"].items()} == expected


def test_wrapped_values_and_names_as_typed(settings):
    """Values that wrap onto the lines below (back under the label, or under the value), a label asked by
    its first word ("INITIATED" of "INITIATED BY:"), a date range kept as written, and field names with
    "and" or an abbreviation's dot kept whole, as the --fields list gives them."""
    page = fx.wrapped_form_page()
    names = parse_fields(",".join(fx.WRAPPED_FORM_FIELDS))
    assert names == list(fx.WRAPPED_FORM_FIELDS)
    answer = _extract(page, "form.png", names, settings)
    assert {k: _spaceless(v) for k, v in answer["fields"].items()} == {
        k: _spaceless(v) for k, v in fx.WRAPPED_FORM_FIELDS.items()
    }
    _cited_on(answer, "NOTES", page, "b) Advise if the date cannot be met.")
    _cited_on(answer, "Recommended Brands and Activity", page, "to be placed on tables by the reps.")


def test_a_question_naming_a_label_is_answered_from_the_layout(settings):
    """ "What is filled in for "X"?" is answered with the value beside X, cited on its line, in either
    language's wording; a question whose label is not on the page is left to the usual path."""
    from assistant.tasks.ask import ask
    from assistant.tasks.field_questions import answer_from_layout

    page = fx.wrapped_form_page()
    doc = load_document(fx.encode(page.image, "PNG"), "form.png", settings)
    backend = get_backend(settings)
    for question, value in [
        ('What is filled in for "COUNTRY" on this form?', "Belgium"),
        ("What is the ACCT. NO. on this form?", "4111"),
        ("NOTES是什么？", fx.WRAPPED_FORM_FIELDS["NOTES"]),
    ]:
        answer = ask([doc], question, backend, settings).to_dict()
        assert _spaceless(answer["text"]) == _spaceless(value), question
        assert any("layout" in note for note in answer["notes"]), answer["notes"]
        truth = next(line for line in page.lines if line.text == value.split(" b)")[0]).box
        boxes = [c["bbox"] for c in answer["citations"]]
        assert any(iou(box, truth) >= 0.5 or _holds(box, truth) for box in boxes), (boxes, truth)
    from assistant.tasks.read import read_pages

    read = read_pages([doc], None, None, settings)
    assert answer_from_layout(read.pages, "What is the SHIPPING CODE on this form?") is None


# --- the rules on their own ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "amount"),
    [
        ("壹仟伍佰圆整", Decimal(1500)),
        ("壹仟叁佰柒拾陆圆肆角", Decimal("1376.4")),
        ("⊗叁拾肆圆伍角陆分", Decimal("34.56")),
        ("壹万零贰拾圆整", Decimal(10020)),
        ("not an amount", None),
    ],
)
def test_capital_amounts(words, amount):
    assert capital_amount(words) == amount


def _region(text: str, box) -> Region:
    return Region(text, box, 1.0, "rapidocr")


def test_a_label_belongs_to_the_block_it_sits_in():
    buyer = _region("购买方", (10, 100, 40, 260))  # vertical titles at each block's left edge
    seller = _region("销售方", (500, 100, 530, 260))
    titles = [("购买方", buyer), ("销售方", seller)]
    assert party_of(_region("名称：", (60, 110, 130, 140)), titles) == "购买方"
    assert party_of(_region("名称：", (550, 110, 620, 140)), titles) == "销售方"
    stacked = [
        ("购买方", _region("购买方", (10, 100, 40, 260))),
        ("销售方", _region("销售方", (10, 400, 40, 560))),
    ]
    assert party_of(_region("名称：", (60, 420, 130, 450)), stacked) == "销售方"


def _receipt_rows(lines: list[list[tuple[str, int]]]):
    """Rows of a receipt from (text, x) pieces per line, 40 px apart."""
    from assistant.tasks.layout_fields import rows_of

    regions = [
        _region(text, (x, 40 * i, x + 12 * len(text), 40 * i + 30))
        for i, line in enumerate(lines)
        for text, x in line
    ]
    return rows_of(regions)


def test_receipt_rules_tax_lines_registrations_and_the_owner():
    from assistant.tasks import receipts

    rows = _receipt_rows(
        [
            [("SANYU STATIONERY SHOP", 40)],
            [("Co-REG:750441-W", 60)],
            [("NO. 31G&33G, JALAN SETIA INDAH X", 40)],
            [("40170 SETIA ALAM", 40)],
            [("Tel: +603-3362 4137", 40)],
            [("Owned By :", 40)],
            [("SANYU SUPPLY SDN BHD (1135772-K)", 40)],
            *([(f"{n}. 2012-001{n}", 40), ("PUNCH CARD WITH HOLE", 300)] for n in range(1, 10)),
            [("Total Incl. GST06%", 40), ("RM 22.90", 500)],
            [("CASH", 40), ("RM 23.00", 500)],
            [("CHANGE", 40), ("RM O.10", 500)],  # OCR's O for 0: cash and change do not add up
            [("GST @6% included in total", 40), ("RM 1.30", 500)],
            [("ORD #70 -REG #19-18/03/201823:02:16", 40)],
        ]
    )
    issuer = receipts.company(rows)
    assert issuer is not None and issuer.text.startswith("SANYU SUPPLY SDN BHD")
    # the address is the header's (under the shop's name), not the lines under the owner's name
    address = receipts.address(rows, issuer)
    assert address is not None and address.text == "NO. 31G&33G, JALAN SETIA INDAH X 40170 SETIA ALAM"
    total = receipts.total(rows)
    assert total is not None and "22.90" in total.text  # not the tax line's 1.30
    from assistant.tasks.validators import date_as_written

    assert date_as_written(rows[-1].text) == "18/03/2018"


def test_a_misread_date_is_read_again_closer(settings):
    """A date beside its label that is no date ("2022-83-18", a digit misread) is read again from its line,
    enlarged, and the reading that is a date is kept; one that stays no date is left as read."""
    from assistant.documents.model import Page
    from assistant.tasks.layout_fields import Value
    from assistant.tasks.reread import plausible_date, reread

    c = fx.Canvas(700, 160)
    line = c.text((40, 50), "解除抵押日期：2022-03-18", fx.cjk(30))
    page = Page(1, c.page.image.size, lambda: c.page.image, "test-page")
    misread = Value("2022-83-18", (_region("解除抵押日期：2022-83-18", line.box),), "inline")
    again = reread(page, misread, plausible_date)
    assert again is not None and again.text == "2022-03-18"
    assert again.regions == misread.regions  # still cited on its own line
    assert plausible_date("2819-01-09") is None and plausible_date("on 2019-01-09") == "2019-01-09"
    blank = Page(1, (700, 160), lambda: fx.Canvas(700, 160).page.image, "blank-page")
    assert reread(blank, misread, plausible_date) is None
