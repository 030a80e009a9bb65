"""The read task on rendered fixtures, with the real OCR engines: text, reading order and boxes."""

from __future__ import annotations

import json
import math
import unicodedata

import pytest

from tests import fixtures as fx
from tests.conftest import (
    assert_in_order,
    assert_lines_cited,
    norm,
    read_bytes,
    text_lines,
)

OCR_SOURCES = {"rapidocr", "tesseract"}
CITATION_KEYS = {"file", "page", "bbox", "page_size", "text", "confidence", "source"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def assert_well_formed(answer: dict) -> None:
    """The JSON contract: keys, types, and every box inside its page."""
    assert set(answer) == {"task", "text", "citations", "notes", "cached", "elapsed_ms"}
    assert answer["task"] == "read"
    assert isinstance(answer["text"], str)
    assert isinstance(answer["cached"], bool)
    assert isinstance(answer["elapsed_ms"], int) and answer["elapsed_ms"] >= 0
    assert all(isinstance(note, str) for note in answer["notes"])
    json.dumps(answer)  # serialisable as is
    for citation in answer["citations"]:
        assert set(citation) == CITATION_KEYS
        x0, y0, x1, y1 = citation["bbox"]
        width, height = citation["page_size"]
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, citation
        assert 0.0 <= citation["confidence"] <= 1.0
        assert citation["page"] >= 1
        assert citation["text"].strip()


# --- the invoice -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def invoice():
    return fx.invoice_page()


@pytest.fixture(scope="module")
def invoice_answer(invoice, ocr_settings, ocr_cache):
    return read_bytes(fx.encode(invoice.image, "PNG"), "invoice.png", ocr_settings, ocr_cache)


INVOICE_KEYS = [
    "增值税发票",
    "VAT Invoice",
    "发票号码",
    fx.INVOICE_NUMBER,
    "开票日期",
    "2024年03月15日",
    "购买方",
    "上海星辰贸易有限公司",
    "纳税人识别号",
    fx.TAX_ID,
    "金额",
    "¥1,280.00",
    "税额",
    "¥166.40",
    "价税合计",
    "¥1,446.40",
]


def test_invoice_well_formed(invoice_answer):
    assert_well_formed(invoice_answer)
    assert {c["source"] for c in invoice_answer["citations"]} <= OCR_SOURCES
    assert all(c["page_size"] == [1200, 900] for c in invoice_answer["citations"])
    assert all(c["file"] == "invoice.png" and c["page"] == 1 for c in invoice_answer["citations"])


@pytest.mark.parametrize("key", INVOICE_KEYS)
def test_invoice_key_strings(invoice_answer, key):
    text = invoice_answer["text"]
    if key.startswith("¥"):  # the yen sign may come back in its full-width form, '￥'
        assert key in text or "￥" + key[1:] in text, text
    else:
        assert key in text, text


def test_invoice_tax_id_is_read_exactly(invoice_answer):
    ids = [c["text"] for c in invoice_answer["citations"] if fx.TAX_ID[:8] in c["text"]]
    assert ids == [fx.TAX_ID]
    assert len(ids[0]) == 18


def test_invoice_rows_read_label_then_value(invoice_answer):
    """Each label is followed by its own value on the same text line (row by row, not column by column)."""
    lines = text_lines(invoice_answer)
    for label, value in [
        ("发票号码", fx.INVOICE_NUMBER),
        ("纳税人识别号", fx.TAX_ID),
        ("价税合计", "¥1,446.40"),
    ]:
        assert norm(label + value) in lines, invoice_answer["text"]
    assert_in_order(
        invoice_answer,
        [
            "增值税发票 / VAT Invoice",
            "发票号码 " + fx.INVOICE_NUMBER,
            "开票日期 2024年03月15日",
            "购买方 上海星辰贸易有限公司",
            "纳税人识别号 " + fx.TAX_ID,
            "金额 ¥1,280.00",
            "税额 ¥166.40",
            "价税合计 ¥1,446.40",
        ],
    )


def test_invoice_boxes(invoice, invoice_answer):
    assert_lines_cited(invoice_answer["citations"], invoice.lines)


# --- two columns -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def columns():
    return fx.two_column_page()


@pytest.fixture(scope="module")
def columns_answer(columns, ocr_settings, ocr_cache):
    return read_bytes(fx.encode(columns.image, "PNG"), "columns.png", ocr_settings, ocr_cache)


def test_two_columns_reading_order(columns_answer):
    left = [line for paragraph in fx.LEFT_COLUMN for line in paragraph]
    right = [line for paragraph in fx.RIGHT_COLUMN for line in paragraph]
    assert_well_formed(columns_answer)
    assert_in_order(columns_answer, [fx.TWO_COLUMN_TITLE, *left, *right])


def test_two_columns_whole_left_column_first(columns_answer):
    text = columns_answer["text"]
    last_left = text.index(fx.LEFT_COLUMN[-1][-1])
    first_right = text.index(fx.RIGHT_COLUMN[0][0])
    assert text.index(fx.TWO_COLUMN_TITLE) < text.index(fx.LEFT_COLUMN[0][0])
    assert last_left < first_right, text


def test_two_columns_boxes(columns, columns_answer):
    assert_lines_cited(columns_answer["citations"], columns.lines)


# --- rotated scans ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def upright():
    return fx.text_page()


@pytest.fixture(scope="module", params=[90, 180, 270], ids=lambda a: f"rot{a}")
def rotated_answer(request, upright, ocr_settings, ocr_cache):
    angle = request.param
    image = fx.rotated(upright, angle)
    return angle, read_bytes(fx.encode(image, "PNG"), f"scan-rot{angle}.png", ocr_settings, ocr_cache)


def test_rotated_scan_text(rotated_answer):
    _, answer = rotated_answer
    assert_well_formed(answer)
    assert_in_order(answer, fx.PLAIN_LINES)


def test_rotated_scan_note(rotated_answer):
    angle, answer = rotated_answer
    notes = [n for n in answer["notes"] if "upright" in n]
    assert len(notes) == 1, answer["notes"]
    assert f"scan-rot{angle}.png page 1" in notes[0]


def test_rotated_scan_page_size_is_upright(rotated_answer):
    _, answer = rotated_answer
    assert answer["citations"]
    assert all(c["page_size"] == [1200, 900] for c in answer["citations"])


def test_rotated_scan_boxes_match_upright_truth(rotated_answer, upright):
    _, answer = rotated_answer
    assert_lines_cited(answer["citations"], upright.lines)


def test_upright_scan_has_no_rotation_note(upright, ocr_settings, ocr_cache):
    answer = read_bytes(fx.encode(upright.image, "PNG"), "upright.png", ocr_settings, ocr_cache)
    assert not [n for n in answer["notes"] if "upright" in n], answer["notes"]
    assert_in_order(answer, fx.PLAIN_LINES)
    assert_lines_cited(answer["citations"], upright.lines)


# --- PDFs ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def text_layer_pdf():
    return fx.text_layer_pdf()


@pytest.fixture(scope="module")
def text_layer_answer(text_layer_pdf, ocr_settings, ocr_cache):
    return read_bytes(text_layer_pdf.data, "report.pdf", ocr_settings, ocr_cache)


def test_pdf_text_layer_source_and_text(text_layer_answer):
    assert_well_formed(text_layer_answer)
    assert {c["source"] for c in text_layer_answer["citations"]} == {"text_layer"}
    assert all(c["confidence"] == 1.0 for c in text_layer_answer["citations"])
    expected = fx.PDF_EN_LINES + fx.PDF_ZH_LINES
    # NFC: PyMuPDF's ToUnicode map for this font gives 度 as U+FA01, a compatibility ideograph, whose
    # canonical form is U+5EA6. The text layer is passed through as the PDF states it.
    assert [nfc(t) for t in text_layer_answer["text"].splitlines()] == expected
    assert [nfc(c["text"]) for c in text_layer_answer["citations"]] == expected


def test_pdf_text_layer_page_size_is_200_dpi(text_layer_pdf, text_layer_answer):
    width, height = text_layer_pdf.page_rect
    expected = [math.ceil(width * 200 / 72), math.ceil(height * 200 / 72)]
    assert all(c["page_size"] == expected for c in text_layer_answer["citations"])


def test_pdf_text_layer_boxes(text_layer_pdf, text_layer_answer):
    page_w, page_h = text_layer_answer["citations"][0]["page_size"]
    rect_w, rect_h = text_layer_pdf.page_rect
    assert_lines_cited(text_layer_answer["citations"], text_layer_pdf.lines, page_w / rect_w, page_h / rect_h)


def test_rotated_pdf_text_layer_boxes(ocr_settings, ocr_cache):
    """A page with /Rotate 90: boxes are on the page as displayed (and as rendered)."""
    pdf = fx.text_pdf([["Rotated page text here", "second line"]], width=400, height=300, rotation=90)
    answer = read_bytes(pdf.data, "turned.pdf", ocr_settings, ocr_cache)
    assert answer["text"].splitlines() == ["Rotated page text here", "second line"]
    page_w, page_h = answer["citations"][0]["page_size"]
    assert page_w < page_h
    zoom = page_w / 300  # the displayed page is 300 pt wide
    # /Rotate 90 turns the page clockwise: unrotated (x, y) is displayed at (height - y, x).
    truth = [
        fx.Line(line.text, (300 - line.box[3], line.box[0], 300 - line.box[1], line.box[2]))
        for line in pdf.lines
    ]
    assert_lines_cited(answer["citations"], truth, zoom)


@pytest.fixture(scope="module")
def scan_pdf():
    return fx.scan_pdf([fx.text_page()])


@pytest.fixture(scope="module")
def scan_pdf_answer(scan_pdf, ocr_settings, ocr_cache):
    return read_bytes(scan_pdf.data, "scan.pdf", ocr_settings, ocr_cache)


def test_pdf_without_text_layer_is_ocrd(scan_pdf_answer):
    assert_well_formed(scan_pdf_answer)
    assert scan_pdf_answer["citations"]
    assert {c["source"] for c in scan_pdf_answer["citations"]} <= OCR_SOURCES
    assert_in_order(scan_pdf_answer, fx.PLAIN_LINES)


def test_pdf_without_text_layer_boxes(scan_pdf, scan_pdf_answer):
    page_w, page_h = scan_pdf_answer["citations"][0]["page_size"]
    assert [page_w, page_h] == [1200, 900]  # 432×324 pt at 200 dpi
    rect_w, rect_h = scan_pdf.page_rect
    assert_lines_cited(scan_pdf_answer["citations"], scan_pdf.lines, page_w / rect_w, page_h / rect_h)


def test_blank_pdf_page(ocr_settings, ocr_cache):
    import pymupdf

    doc = pymupdf.open()
    doc.new_page(width=400, height=300)
    answer = read_bytes(doc.tobytes(), "blank.pdf", ocr_settings, ocr_cache)
    assert answer["text"] == ""
    assert answer["citations"] == []
    assert any("no text found" in note for note in answer["notes"]), answer["notes"]


# --- multi-page TIFF and page selection -------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiff():
    pages = fx.tiff_pages()
    return pages, fx.save_multipage_tiff([p.image for p in pages])


@pytest.fixture(scope="module")
def tiff_answer(tiff, ocr_settings, ocr_cache):
    return read_bytes(tiff[1], "report.tif", ocr_settings, ocr_cache, pages=None)


def test_tiff_three_pages_each_with_its_text(tiff, tiff_answer):
    assert_well_formed(tiff_answer)
    assert sorted({c["page"] for c in tiff_answer["citations"]}) == [1, 2, 3]
    for number, texts in enumerate(fx.TIFF_TEXTS, start=1):
        cited = [norm(c["text"]) for c in tiff_answer["citations"] if c["page"] == number]
        assert cited == [norm(t) for t in texts], (number, cited)
    assert_in_order(tiff_answer, [t for texts in fx.TIFF_TEXTS for t in texts])


def test_tiff_boxes_per_page(tiff, tiff_answer):
    pages, _ = tiff
    for number, rendered in enumerate(pages, start=1):
        cited = [c for c in tiff_answer["citations"] if c["page"] == number]
        assert all(c["page_size"] == list(rendered.image.size) for c in cited)
        assert_lines_cited(cited, rendered.lines)


@pytest.mark.parametrize(
    ("spec", "wanted"), [("2", [2]), ("1,3", [1, 3]), ("2-3", [2, 3]), ("1-3", [1, 2, 3])]
)
def test_page_selection_on_tiff(tiff, ocr_settings, ocr_cache, spec, wanted):
    answer = read_bytes(tiff[1], "report.tif", ocr_settings, ocr_cache, pages=spec)
    assert sorted({c["page"] for c in answer["citations"]}) == wanted
    for number, texts in enumerate(fx.TIFF_TEXTS, start=1):
        for text in texts:
            assert (text in answer["text"]) == (number in wanted), (spec, text)


def test_default_pages_reads_every_page(ocr_settings, ocr_cache):
    pdf = fx.text_pdf([[f"This is page {i}"] for i in range(1, 6)])
    answer = read_bytes(pdf.data, "five.pdf", ocr_settings, ocr_cache)
    assert [c["page"] for c in answer["citations"]] == [1, 2, 3, 4, 5]


def test_page_selection_beyond_the_document_is_an_error(ocr_settings, ocr_cache):
    from assistant.errors import ArgumentError

    pdf = fx.text_pdf([["one"], ["two"]])
    with pytest.raises(ArgumentError) as caught:
        read_bytes(pdf.data, "two.pdf", ocr_settings, ocr_cache, pages="5-6")
    assert "two.pdf" in caught.value.message
    assert caught.value.code == "bad_argument"


@pytest.mark.parametrize("spec", ["abc", "0", "3-1", "1-x", "-2", "1,,2"])
def test_bad_page_spec_is_an_argument_error(spec, ocr_settings, ocr_cache):
    from assistant.errors import ArgumentError

    pdf = fx.text_pdf([["one"], ["two"], ["three"]])
    with pytest.raises(ArgumentError) as caught:
        read_bytes(pdf.data, "three.pdf", ocr_settings, ocr_cache, pages=spec)
    assert "page" in caught.value.message


def test_several_documents_in_one_read(ocr_settings, ocr_cache):
    from assistant.documents.ingest import load_document
    from assistant.tasks.read import read_documents

    docs = [
        load_document(fx.text_pdf([["First file line"]]).data, "first.pdf", ocr_settings),
        load_document(fx.text_pdf([["Second file line"], ["its page two"]]).data, "second.pdf", ocr_settings),
    ]
    answer = read_documents(docs, settings=ocr_settings, cache=ocr_cache).to_dict()
    assert [(c["file"], c["page"], c["text"]) for c in answer["citations"]] == [
        ("first.pdf", 1, "First file line"),
        ("second.pdf", 1, "Second file line"),
        ("second.pdf", 2, "its page two"),
    ]
    assert answer["text"].index("First file line") < answer["text"].index("its page two")


# --- blank and small text --------------------------------------------------------------------------------


def test_blank_page_is_not_an_error(ocr_settings, ocr_cache):
    answer = read_bytes(fx.encode(fx.blank_page(), "PNG"), "white.png", ocr_settings, ocr_cache)
    assert_well_formed(answer)
    assert answer["text"] == ""
    assert answer["citations"] == []
    assert any("no text found" in note and "white.png" in note for note in answer["notes"]), answer["notes"]


@pytest.fixture(scope="module")
def small():
    return fx.small_text_page()


@pytest.fixture(scope="module")
def small_answer(small, ocr_settings, ocr_cache):
    return read_bytes(fx.encode(small.image, "PNG"), "fine-print.png", ocr_settings, ocr_cache)


def test_small_text_is_upscaled(small_answer):
    assert any("upscaled" in note for note in small_answer["notes"]), small_answer["notes"]
    assert_in_order(small_answer, fx.SMALL_LINES)


def test_small_text_boxes_are_in_original_pixels(small, small_answer):
    assert all(c["page_size"] == [420, 160] for c in small_answer["citations"])
    assert_lines_cited(small_answer["citations"], small.lines)


# --- language routing ------------------------------------------------------------------------------------

LANG_CASES = {
    "korean-auto": (fx.korean_page, fx.KOREAN_LINES, None),
    "korean-ko": (fx.korean_page, fx.KOREAN_LINES, "ko"),
    "russian-auto": (fx.russian_page, fx.RUSSIAN_LINES, None),
    "russian-ru": (fx.russian_page, fx.RUSSIAN_LINES, "ru"),
}


@pytest.fixture(scope="module", params=list(LANG_CASES), ids=list(LANG_CASES))
def lang_case(request, ocr_settings, ocr_cache):
    render, lines, lang = LANG_CASES[request.param]
    page = render()
    answer = read_bytes(
        fx.encode(page.image, "PNG"), f"{request.param}.png", ocr_settings, ocr_cache, lang=lang
    )
    return page, lines, answer


def test_language_text(lang_case):
    _, lines, answer = lang_case
    assert_in_order(answer, lines)


def test_language_boxes(lang_case):
    page, _, answer = lang_case
    assert_lines_cited(answer["citations"], page.lines)


def test_korean_and_cyrillic_are_read_by_tesseract(lang_case):
    """rapidocr's bundled models read neither Hangul nor Cyrillic: tesseract must have read these lines."""
    _, _, answer = lang_case
    assert answer["citations"]
    assert {c["source"] for c in answer["citations"]} == {"tesseract"}


def test_unknown_language_is_an_argument_error(ocr_settings, ocr_cache):
    from assistant.errors import ArgumentError

    with pytest.raises(ArgumentError) as caught:
        read_bytes(fx.encode(fx.text_page().image, "PNG"), "x.png", ocr_settings, ocr_cache, lang="klingon")
    assert "klingon" in caught.value.message
    assert "language" in caught.value.message
