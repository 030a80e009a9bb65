"""The chat router: one message, Chinese or English, to a task with its scope and options. Pure regexes."""

from __future__ import annotations

import pytest

from assistant.errors import ArgumentError
from assistant.tasks.pages import parse_pages
from assistant.tasks.router import TASKS, Route, route

LAST = -1

# (message, task, fields, target_lang, pages, documents)
CASES = [
    # --- read: OCR and whole-text wording, in both languages ---
    ("识别图中文字", "read", None, None, None, None),
    ("识别这张图片的文字", "read", None, None, None, None),
    ("把图片里的字读出来", "read", None, None, None, None),
    ("OCR this", "read", None, None, None, None),
    ("read the text", "read", None, None, None, None),
    ("transcribe page 2", "read", None, None, "2", None),
    ("what does it say", "read", None, None, None, None),
    ("What does the label say?", "read", None, None, None, None),
    ("what's written on it?", "read", None, None, None, None),
    ("全文", "read", None, None, None, None),
    ("提取文字", "read", None, None, None, None),
    ("extract the text", "read", None, None, None, None),
    ("extract all text", "read", None, None, None, None),
    ("Can you read this?", "read", None, None, None, None),
    ("Please OCR page 3", "read", None, None, "3", None),
    ("上面写了什么？", "read", None, None, None, None),
    ("在第二页上写了什么？", "read", None, None, "2", None),
    ("这张图里有什么文字？", "read", None, None, None, None),
    ("识别这张发票", "read", None, None, None, None),
    ("请识别第二张图片中的文字", "read", None, None, None, [2]),
    ("give me the full text of the second document", "read", None, None, None, [2]),
    ("read the third page of the last document", "read", None, None, "3", [LAST]),
    ("read the first and third files", "read", None, None, None, [1, 3]),
    ("提取全部内容", "read", None, None, None, None),
    # --- extract: imperative verbs and field lists ---
    ("提取金额、税号、开票日期", "extract", ["金额", "税号", "开票日期"], None, None, None),
    ("请提取发票的金额和日期", "extract", ["金额", "日期"], None, None, None),
    (
        "extract amount, tax ID and date from this invoice",
        "extract",
        ["amount", "tax ID", "date"],
        None,
        None,
        None,
    ),
    ("get the invoice number and total", "extract", ["invoice number", "total"], None, None, None),
    ("pull out the fields: name, date", "extract", ["name", "date"], None, None, None),
    ("抽取合同中的甲方、乙方和签订日期", "extract", ["甲方", "乙方", "签订日期"], None, None, None),
    ("fields: a, b", "extract", ["a", "b"], None, None, None),
    ("字段：金额，日期", "extract", ["金额", "日期"], None, None, None),
    ("give me the invoice number and date as JSON", "extract", ["invoice number", "date"], None, None, None),
    ("extract this invoice as JSON", "extract", None, None, None, None),
    ("extract all fields", "extract", None, None, None, None),
    ("extract the key fields", "extract", None, None, None, None),
    ("extract the invoice fields", "extract", None, None, None, None),
    ("提取字段", "extract", None, None, None, None),
    ("提取发票信息", "extract", None, None, None, None),
    ("提取发票上的所有信息", "extract", None, None, None, None),
    ("Can you extract the total?", "extract", ["total"], None, None, None),
    ("find the invoice number", "extract", ["invoice number"], None, None, None),
    ("extract the name and date of birth", "extract", ["name", "date of birth"], None, None, None),
    ("extract the following fields: seller, buyer", "extract", ["seller", "buyer"], None, None, None),
    ("把金额和日期提取出来", "extract", ["金额", "日期"], None, None, None),
    ("从这张发票中提取金额和税号", "extract", ["金额", "税号"], None, None, None),
    ("能提取金额和日期吗？", "extract", ["金额", "日期"], None, None, None),
    ("获取发票号码和开票日期", "extract", ["发票号码", "开票日期"], None, None, None),
    ("识别发票上的金额和税号", "extract", ["金额", "税号"], None, None, None),
    ("请提取第2页的金额和日期", "extract", ["金额", "日期"], None, "2", None),
    ("extract the date from the 2nd document", "extract", ["date"], None, None, [2]),
    ("extract the total from the second and third files", "extract", ["total"], None, None, [2, 3]),
    ("把第二个文件的金额提取出来", "extract", ["金额"], None, None, [2]),
    ("find the total on the last page", "extract", ["total"], None, None, None),
    # --- translate: target language in both languages ---
    ("翻译成英文", "translate", None, "en", None, None),
    ("把这个标签翻译成中文", "translate", None, "zh", None, None),
    ("translate this product label", "translate", None, None, None, None),
    ("translate to French", "translate", None, "fr", None, None),
    ("翻译第2页", "translate", None, None, "2", None),
    ("英译中", "translate", None, "zh", None, None),
    ("中译英", "translate", None, "en", None, None),
    ("翻译成日语", "translate", None, "ja", None, None),
    ("翻成韩文", "translate", None, "ko", None, None),
    ("请把第一个文件翻译成西班牙语", "translate", None, "es", None, [1]),
    ("第一页到第三页翻译成俄语", "translate", None, "ru", "1-3", None),
    ("译成德语", "translate", None, "de", None, None),
    ("能翻译成英文吗？", "translate", None, "en", None, None),
    ("把第二张图翻译成英文", "translate", None, "en", None, [2]),
    ("帮我翻译一下", "translate", None, None, None, None),
    ("Can you translate this to English?", "translate", None, "en", None, None),
    ("could you please translate page 2 into German", "translate", None, "de", "2", None),
    ("translate the Chinese text to English", "translate", None, "en", None, None),
    ("Translate the first page to Portuguese", "translate", None, "pt", "1", None),
    ("translate pages 2 to 4 to Italian", "translate", None, "it", "2-4", None),
    ("translate the second file into Korean", "translate", None, "ko", None, [2]),
    ("What does it say in Japanese?", "translate", None, "ja", None, None),
    ("in English please", "translate", None, "en", None, None),
    ("give me the Vietnamese version", "translate", None, "vi", None, None),
    ("translate to Arabic", "translate", None, "ar", None, None),
    # --- ask: questions and everything else ---
    ("what is the total?", "ask", None, None, None, None),
    ("甲方的违约责任有哪些？", "ask", None, None, None, None),
    ("who signed the contract", "ask", None, None, None, None),
    ("解这道题", "ask", None, None, None, None),
    ("how much tax was paid?", "ask", None, None, None, None),
    ("What are the fields?", "ask", None, None, None, None),
    ("what is the invoice number", "ask", None, None, None, None),
    ("提取哪些字段？", "ask", None, None, None, None),
    ("税号是多少", "ask", None, None, None, None),
    ("what does the contract say about termination?", "ask", None, None, None, None),
    ("what does the translated clause say about liability?", "ask", None, None, None, None),
    ("Is the translation accurate?", "ask", None, None, None, None),
    ("How do I translate this to English?", "ask", None, None, None, None),
    ("合同是否需要翻译成英文？", "ask", None, None, None, None),
    ("Is there any text on page 3?", "ask", None, None, "3", None),
    ("find where it mentions penalties", "ask", None, None, None, None),
    ("extract the clause about termination", "ask", None, None, None, None),
    ("get me a summary of this contract", "ask", None, None, None, None),
    ("read the contract and tell me who signed it", "ask", None, None, None, None),
    ("what does this invoice say about VAT?", "ask", None, None, None, None),
    # --- page scope ---
    ("第2-3页的合计是多少？", "ask", None, None, "2-3", None),
    ("第1至3页的合计是多少？", "ask", None, None, "1-3", None),
    ("第1、3页的日期是什么", "ask", None, None, "1,3", None),
    ("第1页和第3页的日期是什么", "ask", None, None, "1,3", None),
    ("第十二页写了什么", "read", None, None, "12", None),
    ("前两页的合计是多少", "ask", None, None, "1-2", None),
    ("what is the total on page 3?", "ask", None, None, "3", None),
    ("what dates appear on pages 2-4?", "ask", None, None, "2-4", None),
    ("what dates appear on pages 1 and 3?", "ask", None, None, "1,3", None),
    ("on page two, what is the date?", "ask", None, None, "2", None),
    ("what is the date on p. 2?", "ask", None, None, "2", None),
    ("what is the total on the second page?", "ask", None, None, "2", None),
    ("what is the total on the last page?", "ask", None, None, None, None),
    ("who signed on the first and third pages?", "ask", None, None, "1,3", None),
    # --- document scope ---
    ("what is the total in the second file?", "ask", None, None, None, [2]),
    ("file 2: who signed?", "ask", None, None, None, [2]),
    ("in image 2, what is the date?", "ask", None, None, None, [2]),
    ("第二个文件的金额是多少？", "ask", None, None, None, [2]),
    ("第2个文档写了什么", "read", None, None, None, [2]),
    ("最后一个文件里的日期是什么", "ask", None, None, None, [LAST]),
    ("who signed the latest document?", "ask", None, None, None, [LAST]),
    ("what is the date on the last file?", "ask", None, None, None, [LAST]),
    ("第一个和第三个文件的日期分别是什么", "ask", None, None, None, [1, 3]),
    ("what is the total of this invoice?", "ask", None, None, None, None),
    ("who signed this file?", "ask", None, None, None, None),
    ("what is page 2 of the second file about?", "ask", None, None, "2", [2]),
]


@pytest.mark.parametrize(("message", "task", "fields", "target_lang", "pages", "documents"), CASES)
def test_route(message, task, fields, target_lang, pages, documents):
    result = route(message)
    assert (result.task, result.fields, result.target_lang, result.pages, result.documents) == (
        task,
        fields,
        target_lang,
        pages,
        documents,
    )
    assert result.explicit is False
    assert result.task in TASKS
    if result.pages is not None:
        parse_pages(result.pages)  # the format the tasks accept


def test_enough_cases_in_both_languages():
    chinese = [case for case in CASES if any("\u4e00" <= ch <= "\u9fff" for ch in case[0])]
    assert len(CASES) >= 60 and len(chinese) >= 25 and len(CASES) - len(chinese) >= 25
    assert {case[1] for case in CASES} == set(TASKS)


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("what is the total on page 3?", "what is the total?"),
        ("甲方的违约责任有哪些？", "甲方的违约责任有哪些？"),
        ("第二个文件的金额是多少？", "金额是多少？"),
        ("on page two, what is the date?", "what is the date?"),
        ("translate page 2 to French", "translate to French"),
        ("请提取第2页的金额和日期", "请提取金额和日期"),
        ("把第二张图翻译成英文", "翻译成英文"),
        ("what is the date in the second file?", "what is the date?"),
        ("what is the total on the last page?", "what is the total on the last page?"),  # kept: no page count
        ("  who signed this file?  ", "who signed this file?"),
    ],
)
def test_text_drops_scope_and_keeps_the_question(message, text):
    assert route(message).text == text


def test_ask_never_has_empty_text():
    result = route("第2页")
    assert (result.task, result.text, result.pages) == ("ask", "第2页", "2")


def explicit(task, text, fields=None, target_lang=None, pages=None, documents=None) -> Route:
    return Route(task, text, fields, target_lang, pages, documents, True)


@pytest.mark.parametrize(
    ("message", "command", "expected"),
    [
        ("amount, date", "extract", explicit("extract", "amount, date", ["amount", "date"])),
        ("/extract amount, date", None, explicit("extract", "amount, date", ["amount", "date"])),
        ("/EXTRACT 金额、税号", None, explicit("extract", "金额、税号", ["金额", "税号"])),
        ("/extract", None, explicit("extract", "")),
        ("/extract all fields", None, explicit("extract", "all fields")),
        ("/read page 2", None, explicit("read", "", pages="2")),
        ("what is the total?", "read", explicit("read", "what is the total?")),
        ("/translate French", None, explicit("translate", "French", target_lang="fr")),
        ("日语", "translate", explicit("translate", "日语", target_lang="ja")),
        ("/Translate 第2页 to German", None, explicit("translate", "to German", target_lang="de", pages="2")),
        ("/translate", None, explicit("translate", "")),
        ("/ask OCR this", None, explicit("ask", "OCR this")),
        ("/ask get the invoice number", None, explicit("ask", "get the invoice number")),
        ("/ask what is on page 2?", None, explicit("ask", "what is?", pages="2")),
        ("/ask page 2", None, explicit("ask", "page 2", pages="2")),
        ("translate this", "ask", explicit("ask", "translate this")),
        ("/read the second file", "read", explicit("read", "", documents=[2])),
        ("/read", "extract", explicit("extract", "")),  # the front end's command wins
        ("OCR this", "Read", explicit("read", "OCR this")),
        ("see /tmp/scan.png", None, Route("ask", "see /tmp/scan.png", None, None, None, None, False)),
    ],
)
def test_commands_fix_the_task(message, command, expected):
    assert route(message, command) == expected


@pytest.mark.parametrize(
    ("message", "command"), [("hello", "summarize"), ("/summarize this", None), ("x", "/ocr")]
)
def test_unknown_command(message, command):
    with pytest.raises(ArgumentError) as error:
        route(message, command)
    assert all(name in error.value.message for name in ("/read", "/extract", "/translate", "/ask"))


def test_route_is_frozen():
    result = route("what is the total?")
    with pytest.raises(AttributeError):
        result.task = "read"  # type: ignore[misc]
