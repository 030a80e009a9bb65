"""The task pipeline end to end: extract, ask, translate and math on fixtures rendered here, with the real
packaged model, once in process (the embedded backend) and once behind llama.cpp's OpenAI-compatible server
(the model-server backend with the `local-llm` profile). The same task code and the same assertions serve
both: no mock stands in for either."""

from __future__ import annotations

import json

import pytest
from PIL import Image, ImageChops

from assistant.backends.local import model_path
from assistant.backends.registry import get_backend
from assistant.documents.ingest import load_document
from assistant.settings import Settings
from assistant.tasks.ask import ask
from assistant.tasks.extract import extract
from assistant.tasks.fields import parse_fields
from assistant.tasks.translate import translate
from tests import fixtures as fx
from tests.conftest import REPO, iou
from tests.llama_server import llama_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["embedded", "llama.cpp server"])
def settings(request, tmp_path_factory) -> Settings:
    cache_dir = tmp_path_factory.mktemp("task-cache")
    if request.param == "embedded":
        yield Settings(cache_dir=cache_dir)
        return
    log = REPO / "tests" / "artifacts" / "llama-server.log"
    with llama_server(model_path(Settings()), log) as base_url:
        yield Settings(
            cache_dir=cache_dir,
            backend="openai",
            base_url=base_url,
            profile="local-llm",
            backend_timeout_s=900,
        )


@pytest.fixture(scope="module")
def backend(settings):
    """The backend under test: every task gets it, whichever it is."""
    return get_backend(settings)


def _doc(image: Image.Image, name: str, settings: Settings):
    return load_document(fx.encode(image, "PNG"), name, settings)


def _line(page: fx.RenderedPage, text: str) -> fx.Line:
    return next(line for line in page.lines if line.text == text)


# --- extract ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def invoice():
    return fx.invoice_page()


@pytest.fixture(scope="module")
def invoice_fields(invoice, backend, settings):
    doc = _doc(invoice.image, "invoice.png", settings)
    return extract([doc], parse_fields("请提取金额、税号、开票日期"), backend, settings).to_dict()


@pytest.mark.parametrize(
    ("field", "value"), [("金额", "¥1,280.00"), ("税号", fx.TAX_ID), ("开票日期", "2024年03月15日")]
)
def test_invoice_fields_are_exact(invoice_fields, field, value):
    got = invoice_fields["fields"][field]
    assert got is not None, invoice_fields["notes"]
    assert got.replace("￥", "¥") == value


@pytest.mark.parametrize(("field", "value"), [("金额", "¥1,280.00"), ("税号", fx.TAX_ID)])
def test_invoice_fields_cite_the_right_box(invoice, invoice_fields, field, value):
    truth = _line(invoice, value).box
    boxes = [
        c["bbox"] for c in invoice_fields["citations"] if value.lstrip("¥") in c["text"].replace("￥", "¥")
    ]
    assert boxes, f"{field}: no citation holds {value!r}: {invoice_fields['citations']}"
    assert max(iou(box, truth) for box in boxes) >= 0.5


def test_invoice_text_is_valid_json(invoice_fields):
    assert json.loads(invoice_fields["text"]) == invoice_fields["fields"]


def test_missing_field_is_null_not_invented(invoice, backend, settings):
    doc = _doc(invoice.image, "invoice.png", settings)
    answer = extract([doc], ["收款人银行账号"], backend, settings).to_dict()
    assert answer["fields"] == {"收款人银行账号": None}
    assert answer["citations"] == []


# --- ask -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contract(settings):
    pages, pdf = fx.contract_pdf()
    return pages, load_document(pdf.data, "contract.pdf", settings)


def test_contract_question_cites_the_clause_on_page_2(contract, backend, settings):
    pages, doc = contract
    answer = ask([doc], "甲方的违约责任有哪些？", backend, settings).to_dict()
    assert "违约金" in answer["text"] or "万分之五" in answer["text"], answer["text"]
    page_2 = [c for c in answer["citations"] if c["page"] == 2]
    assert page_2, f"no citation on page 2: {answer['citations']}"
    scale = doc.pages[1].size[0] / pages[1].image.width
    truth = [line.box for line in pages[1].lines if "违约" in line.text]
    best = max(iou(c["bbox"], [v * scale for v in box]) for c in page_2 for box in truth)
    assert best >= 0.5


def test_unrelated_question_is_not_answered(contract, backend, settings):
    _, doc = contract
    answer = ask([doc], "What is the boiling point of mercury?", backend, settings).to_dict()
    assert answer["citations"] == []
    assert "not" in answer["text"].lower()


def test_answer_streams(contract, backend, settings):
    _, doc = contract
    pieces: list[str] = []
    answer = ask([doc], "合同的服务期限是什么？", backend, settings, on_token=pieces.append)
    assert len(pieces) > 1
    assert "".join(pieces).strip() == answer.text
    assert "2024" in answer.text


# --- translate -------------------------------------------------------------------------------------------

LABEL_LINES = ["配料：水、白砂糖、柠檬汁", "净含量：500毫升", "保质期：12个月"]


def test_label_is_translated_and_rendered(backend, settings, tmp_path):
    label = fx.text_lines_page(LABEL_LINES)
    doc = _doc(label.image, "label.png", settings)
    answer = translate([doc], "en", backend, settings, tmp_path).to_dict()
    text = answer["text"].lower()
    assert "water" in text and "sugar" in text and "lemon" in text, answer["text"]
    assert "500" in text and "12" in text
    assert len(answer["images"]) == 1
    rendered = Image.open(answer["images"][0]).convert("RGB")
    assert rendered.size == label.image.size
    assert ImageChops.difference(rendered, label.image).getbbox() is not None
    # The translation is drawn into the page: OCR finds English words on the rendered image.
    from assistant.readers import rapid

    found = " ".join(r.text for r in rapid.recognize(rendered)).lower()
    assert "water" in found or "sugar" in found, found


# --- math ------------------------------------------------------------------------------------------------


def test_linear_equation_is_solved_and_checked(backend, settings):
    page = fx.text_lines_page(["解方程：3x + 5 = 20"])
    doc = _doc(page.image, "math.png", settings)
    answer = ask([doc], "解这道题", backend, settings).to_dict()
    assert "x = 5" in answer["text"].replace("x=5", "x = 5"), answer["text"]
    assert any("checked with sympy" in note for note in answer["notes"]), answer["notes"]


def test_streaming_holds_back_not_found_and_passes_answers_on():
    from assistant.tasks.ask import _stream_answer

    sent: list[str] = []
    assert _stream_answer(iter(["NOT", " FO", "UND"]), sent.append) == "NOT FOUND"
    assert sent == []
    assert _stream_answer(iter(["No", "thing", " is due."]), sent.append) == "Nothing is due."
    assert "".join(sent) == "Nothing is due."


def test_the_model_warms_up_in_the_background_and_the_task_uses_it():
    # The CLI starts loading the model when its files are accepted, so that the load overlaps their OCR.
    from assistant.backends.local import models_loaded
    from assistant.tasks.dispatch import wait_for_warm_ups, warm_backend

    settings = Settings(llm_context=4096)  # a model configuration of its own: its model is loaded here
    before = models_loaded()
    warm_backend(settings)
    wait_for_warm_ups()
    assert models_loaded() == before + 1, "the warm-up loaded the model"
    reply = "".join(get_backend(settings).generate([{"role": "user", "content": "Say OK."}], max_tokens=4))
    assert reply.strip(), "the warmed model answers"
    assert models_loaded() == before + 1, "the task used the model the warm-up loaded"
