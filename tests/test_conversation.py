"""Follow-ups read against the question before them, and a conversation given over the API: pure rules."""

from __future__ import annotations

import pytest

from assistant.conversation import Conversation, select_documents
from assistant.conversation.followup import is_followup, resolve
from assistant.errors import ArgumentError
from assistant.tasks.request import Turn


@pytest.mark.parametrize(
    ("previous", "message", "standalone"),
    [
        ("乙方逾期交货第二天的违约金是多少？", "那第三天呢？", "乙方逾期交货第三天的违约金是多少？"),
        ("甲方的违约责任有哪些？", "那乙方呢？", "乙方的违约责任有哪些？"),
        ("What are Party B's liabilities?", "and party A?", "What are Party A's liabilities?"),
        (
            "What is the penalty on the second day?",
            "and on the third day?",
            "What is the penalty on the third day?",
        ),
        ("What are the buyer's obligations?", "What about the seller?", "What are the seller's obligations?"),
        ("合同金额是多少？", "那呢？", "合同金额是多少？"),
    ],
)
def test_a_follow_up_takes_the_slot_it_changes(previous, message, standalone):
    assert resolve(message, previous) == standalone


def test_a_why_keeps_its_words_and_the_question_it_asks_about():
    assert resolve("为什么？", "乙方要付多少违约金？") == "为什么？ (乙方要付多少违约金？)"


@pytest.mark.parametrize(
    "message",
    [
        "甲方的违约责任有哪些？",
        "Translate this label into English",
        "What is the total amount on this receipt?",
    ],
)
def test_a_question_of_its_own_is_left_alone(message):
    assert not is_followup(message)
    assert resolve(message, "乙方逾期交货第二天的违约金是多少？") == message


def test_a_follow_up_needs_a_question_before_it():
    assert resolve("那第三天呢？", None) == "那第三天呢？"


def _conversation(*turns: tuple[str, str, str]) -> Conversation:
    conversation = Conversation()
    for question, task, answer in turns:
        conversation.add(question, task, answer, question)
    return conversation


def test_a_scope_change_asks_the_same_question_of_another_document():
    conversation = _conversation(("What is the total?", "ask", "€ 120.00"))
    understood = conversation.understand("what about the second invoice?")
    assert understood.route.task == "ask" and understood.route.documents == [2]
    assert understood.question == "What is the total?" and understood.followup


def test_translate_that_into_french_is_a_translation():
    conversation = _conversation(("What is on this label?", "ask", "Ingredients: water, sugar"))
    understood = conversation.understand("translate that into French")
    assert understood.route.task == "translate" and understood.route.target_lang == "fr"


def test_ask_is_shown_the_questions_since_the_last_other_task():
    conversation = _conversation(
        ("extract the total", "extract", '{"total": "120"}'),
        ("甲方是谁？", "ask", "上海星辰贸易有限公司"),
        ("乙方呢？", "ask", "北京云帆科技有限公司"),
    )
    assert conversation.ask_history() == (
        Turn("甲方是谁？", "上海星辰贸易有限公司"),
        Turn("乙方呢？", "北京云帆科技有限公司"),
    )
    assert conversation.last_question() == "乙方呢？"


def test_a_follow_up_after_another_task_refers_to_nothing():
    conversation = _conversation(("甲方是谁？", "ask", "星辰"), ("extract the total", "extract", "{}"))
    assert conversation.last_question() is None
    assert conversation.understand("那乙方呢？").question == "那乙方呢？"


def test_a_history_from_a_client_becomes_turns():
    history = [
        {"role": "user", "content": "乙方逾期交货第二天的违约金是多少？"},
        {"role": "assistant", "content": "合同金额的2%"},
    ]
    conversation = Conversation.from_list(history)
    assert conversation.ask_history() == (Turn(history[0]["content"], "合同金额的2%"),)
    assert conversation.understand("那第三天呢？").question == "乙方逾期交货第三天的违约金是多少？"
    assert Conversation.from_list(conversation.to_list()).to_list() == conversation.to_list()


@pytest.mark.parametrize(
    "bad",
    [[{"role": "system", "content": "x"}], [{"role": "user"}], [{"role": "user", "content": "x" * 20_001}]],
)
def test_a_malformed_history_is_a_clear_error(bad):
    with pytest.raises(ArgumentError, match="history"):
        Conversation.from_list(bad)


def test_documents_are_chosen_by_position():
    docs = ["a", "b", "c"]
    assert select_documents(docs, None, every_document=True) == docs
    assert select_documents(docs, None, every_document=False) == ["c"]
    assert select_documents(docs, [1, -1], every_document=False) == ["a", "c"]
    with pytest.raises(ArgumentError, match="no document 4"):
        select_documents(docs, [4], every_document=False)
