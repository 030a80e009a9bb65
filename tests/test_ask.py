"""ask on rendered contracts with the real embedded model: across pages and languages, lists with a citation
per item, adjacent values read from the right part of a clause, follow-ups, and questions the documents do
not answer. Documents up to `context_tokens` go to the model whole; the retrieval path is shown by a budget
that is smaller than the contract."""

from __future__ import annotations

import re

import pytest

from assistant.backends.registry import get_backend
from assistant.conversation import Conversation
from assistant.documents.ingest import load_document
from assistant.settings import Settings
from assistant.tasks.ask import NOT_FOUND_TEXT, ask, prepare
from assistant.tasks.request import Turn
from tests import contracts
from tests import fixtures as fx

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(cache_dir=tmp_path_factory.mktemp("ask-cache"))


@pytest.fixture(scope="module")
def passages_only(settings) -> Settings:
    """A budget smaller than the contracts: they are answered from retrieved passages."""
    return settings.model_copy(update={"context_tokens": 150})


@pytest.fixture(scope="module")
def backend(settings):
    return get_backend(settings)


@pytest.fixture(scope="module")
def english(settings):
    _, pdf = contracts.english_contract()
    return load_document(pdf.data, "agreement.pdf", settings)


@pytest.fixture(scope="module")
def chinese(settings):
    _, pdf = contracts.chinese_contract()
    return load_document(pdf.data, "合同.pdf", settings)


def _ask(documents, question, backend, settings, **kwargs) -> dict:
    return ask(documents, question, backend, settings, **kwargs).to_dict()


def _pages(answer: dict) -> set[int]:
    return {c["page"] for c in answer["citations"]}


def test_a_document_that_fits_is_prepared_once(english, backend, settings):
    assert prepare([english], backend, settings)  # the contract's part of the prompt is evaluated now
    assert not prepare([english], backend, settings.model_copy(update={"context_tokens": 100}))


def test_chinese_question_about_an_english_contract(english, backend, settings):
    answer = _ask([english], "甲方逾期付款时，每天要支付多少违约金？", backend, settings)
    assert "0.05%" in answer["text"], answer
    assert 4 in _pages(answer), answer["citations"]


def test_english_question_about_a_chinese_contract(chinese, backend, settings):
    answer = _ask([chinese], "Which institution arbitrates disputes under this contract?", backend, settings)
    text = answer["text"]
    assert "上海仲裁委员会" in text.replace(" ", "") or "Shanghai Arbitration" in text, answer
    assert 4 in _pages(answer), answer["citations"]


def test_cross_language_retrieval_finds_the_clause(english, backend, passages_only):
    answer = _ask([english], "争议提交哪个机构仲裁？", backend, passages_only)
    # Answered in Chinese; the institution's name may stay in English, in part or in whole.
    text = answer["text"]
    assert "Shanghai International Arbitration" in text or ("上海" in text and "Arbitration" in text), answer
    assert any("the question in English too" in note for note in answer["notes"]), answer["notes"]
    assert 4 in _pages(answer)


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("What is the boiling point of mercury?", "en"),
        ("水银的沸点是多少？", "zh"),
        ("水銀の沸点は何度ですか。", "ja"),
    ],
)
@pytest.mark.parametrize("mode", ["whole", "passages"])
def test_what_the_documents_do_not_say_is_refused(
    english, backend, settings, passages_only, question, lang, mode
):
    chosen = settings if mode == "whole" else passages_only
    answer = _ask([english], question, backend, chosen)
    assert answer["text"] == NOT_FOUND_TEXT[lang], answer  # in the question's language
    assert answer["citations"] == []


def test_a_list_question_cites_every_item(english, backend, settings):
    answer = _ask([english], "What are Party B's liabilities?", backend, settings)
    items = answer.get("item_citations")
    assert items and len(items) >= 3, answer
    assert all(item["citations"] for item in items), items
    text = answer["text"].lower()
    assert "5 working days" in text and "data loss" in text, answer["text"]
    assert _pages(answer) == {3}, answer["citations"]


def test_a_list_asked_in_chinese_about_an_english_contract_is_answered_in_chinese(english, backend, settings):
    answer = _ask([english], "乙方的违约责任有哪些？", backend, settings)
    items = answer.get("item_citations")
    assert items and len(items) >= 2, answer
    assert all(item["citations"] for item in items), items
    # Each item is in the question's language, the clause's numbers kept ("5 working days": 5个工作日).
    assert all(re.search(r"[\u4e00-\u9fff]", item["text"]) for item in items), items
    assert "5" in answer["text"], answer["text"]
    assert _pages(answer) == {3}, answer["citations"]


@pytest.mark.parametrize(("day", "value"), [("一", "1%"), ("二", "2%"), ("三", "3%")])
def test_adjacent_values_each_day(day, value, backend, settings):
    page = contracts.penalty_page()
    doc = load_document(fx.encode(page.image, "PNG"), "采购合同.png", settings)
    answer = _ask([doc], f"乙方逾期交货第{day}天要支付合同金额的百分之几？", backend, settings)
    assert value in answer["text"], answer
    others = {"1%", "2%", "3%"} - {value}
    assert not any(other in answer["text"] for other in others), answer


def test_a_follow_up_is_answered_from_the_question_before(backend, settings):
    page = contracts.penalty_page()
    doc = load_document(fx.encode(page.image, "PNG"), "采购合同.png", settings)
    conversation = Conversation()
    first = "乙方逾期交货第二天要支付合同金额的百分之几？"
    answer = _ask([doc], first, backend, settings)
    conversation.add(first, "ask", answer["text"], first)
    understood = conversation.understand("那第三天呢？")
    assert understood.question == "乙方逾期交货第三天要支付合同金额的百分之几？"
    history = conversation.ask_history()
    assert history == (Turn(first, answer["text"]),)
    follow_up = _ask([doc], understood.question, backend, settings, history=history)
    assert "3%" in follow_up["text"] and "2%" not in follow_up["text"], follow_up
