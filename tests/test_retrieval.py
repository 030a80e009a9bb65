"""Retrieval for `ask`: tokenizer, BM25, passages, and hybrid search with the real bundled e5 model."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from assistant.documents.model import Page, Region
from assistant.retrieval import Passage, build_passages, embeddings, estimate_tokens, is_relevant, retrieve
from assistant.retrieval.keyword import BM25, tokenize
from assistant.retrieval.search import RELEVANCE_THRESHOLD

SIZE = (1240, 1754)
PAGE1 = [
    "技术服务合同",
    "合同编号：HT-2024-0315",
    "甲方：上海星河科技有限公司",
    "乙方：北京云帆信息技术有限公司",
    "第一条 定义",
    "1.1 “服务”指乙方根据本合同向甲方提供的软件开发与运维服务。",
    "1.2 “交付物”指乙方按附件一交付的源代码、文档及测试报告。",
    "第二条 服务费用",
    "合同总金额为人民币壹拾贰万元整（¥120,000.00），含增值税。",
    "Article 1 Definitions",
    "“Services” means the software development and maintenance services described in Annex 1.",
]
PAGE2 = [
    "第三条 付款方式",
    "甲方应在收到乙方开具的发票后三十日内支付相应款项。",
    "第四条 保密义务",
    "双方对在履行本合同过程中知悉的对方商业秘密负有保密义务。",
    "第五条 违约责任：甲方未按期付款的，应按日支付万分之五的违约金；",
    "乙方逾期交付的，每逾期一日应按合同总金额的千分之一向甲方支付违约金。",
    "第六条 争议解决",
    "因本合同引起的争议，双方应协商解决；协商不成的，提交上海仲裁委员会仲裁。",
    "Article 7 Payment Terms",
    "Invoices shall be paid by wire transfer within thirty (30) days of receipt.",
    "Late payments accrue interest at 1.5% per month.",
    "Article 8 Governing Law",
    "This Agreement is governed by the laws of the People's Republic of China.",
    "Article 9 Termination",
    "Either party may terminate this Agreement with sixty days' written notice.",
]


def make_page(number: int, lines: list[str], line_gap: float = 60.0) -> Page:
    regions = [
        Region(text, (100.0, 100.0 + line_gap * i, 1100.0, 140.0 + line_gap * i), 0.95, "text_layer")
        for i, text in enumerate(lines)
    ]
    return Page(number, SIZE, lambda: Image.new("RGB", SIZE), f"contract:{number}", regions=regions)


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    return build_passages([("contract.pdf", make_page(1, PAGE1)), ("contract.pdf", make_page(2, PAGE2))])


def best(hits):
    return max(hits, key=lambda h: h.score).passage


# --- tokenizer and BM25 -------------------------------------------------------------------------------


def test_cjk_unigrams_and_bigrams_let_a_question_meet_its_clause():
    question = tokenize("甲方的违约责任有哪些？")
    assert {"违", "约", "责", "任", "违约", "约责", "责任", "甲方"} <= set(question)
    assert set(tokenize("违约责任")) <= set(question)
    # particles and question words neither stand alone nor glue bigrams across them
    assert not {"的", "的违", "哪些", "有哪", "哪", "些"} & set(question)


def test_numbers_keep_their_plain_forms():
    tokens = tokenize("金额 ¥1,280.00 纳税人识别号 91310000MA1K4QXW3P")
    assert {"1,280.00", "1280.00", "1280", "91310000ma1k4qxw3p"} <= set(tokens)
    assert "1280" not in tokenize("1,280.50")  # only zero decimals fall away
    assert tokenize("ＡＢＣ１２３") == ["abc123"]  # NFKC: full-width forms


def test_english_stopwords_and_plurals():
    assert tokenize("What are the payment terms?") == ["payment", "term"]
    assert tokenize("Invoices shall be paid") == ["invoice", "paid"]


def test_bm25_ranks_rarer_matches_higher():
    bm = BM25([["违约", "责任", "甲方"], ["甲方", "乙方"], ["payment", "term"]])
    scores = bm.scores(["违约", "甲方"])
    assert scores[0] > scores[1] > 0
    assert scores[2] == 0
    assert bm.scores(["absent"]) == [0.0, 0.0, 0.0]


# --- passages ------------------------------------------------------------------------------------------


def test_passages_group_clauses_and_never_cross_pages(passages):
    texts = [p.text for p in passages]
    assert (
        "第一条 定义\n1.1 “服务”指乙方根据本合同向甲方提供的软件开发与运维服务。" in texts
    )  # heading + body
    liability = next(p for p in passages if p.text.startswith("第五条"))
    assert liability.page == 2 and len(liability.regions) == 2  # the clause and its second line
    assert liability.text == "\n".join(r.text for r in liability.regions)
    assert all(len(p.text) <= 160 for p in passages)
    # every region appears exactly once, in reading order, on its own page
    assert [r.text for p in passages for r in p.regions] == PAGE1 + PAGE2
    assert {p.page for p in passages if "Article 7" in p.text} == {2}


def test_a_blank_line_or_the_size_limit_ends_a_passage():
    page = make_page(1, ["one line", "two line", "three line"], line_gap=200.0)  # far apart: paragraphs
    assert len(build_passages([("a.png", page)])) == 3
    lines = [f"sentence number {i} of a long paragraph." for i in range(10)]
    small = build_passages([("b.png", make_page(1, lines, line_gap=45.0))], max_chars=90)
    assert len(small) > 1 and all(len(p.text) <= 90 for p in small)
    assert [r.text for p in small for r in p.regions] == lines


def test_estimate_tokens():
    assert estimate_tokens("违约金") == 3
    assert estimate_tokens("abcdefgh") == 2
    assert estimate_tokens("违约 fee") == 2 + 1


# --- hybrid retrieval (real e5) ------------------------------------------------------------------------


def test_chinese_question_finds_the_liability_clause(passages):
    hits = retrieve("甲方的违约责任有哪些？", passages)
    assert best(hits).text.startswith("第五条 违约责任") and best(hits).page == 2
    assert is_relevant(hits)


def test_english_question_finds_the_english_payment_clause(passages):
    hits = retrieve("What are the payment terms?", passages)
    assert best(hits).text.startswith("Article 7 Payment Terms")
    assert is_relevant(hits)


def test_paraphrase_with_no_shared_word_is_found_by_meaning(passages):
    hits = retrieve("How can the contract be ended?", passages)
    assert best(hits).text.startswith("Article 9 Termination")
    assert all(h.keyword == 0 for h in hits)  # BM25 had nothing: e5 alone found it
    assert is_relevant(hits)


def test_exact_terms_are_found_by_keyword(passages):
    # e5 alone ranks the header 8th of 12 for this question: BM25's 合同/编号 bigrams put it first.
    hits = retrieve("合同编号是多少？", passages)
    assert "HT-2024-0315" in best(hits).text


@pytest.mark.parametrize("question", ["What is the capital of France?", "今天天气怎么样？", "火星上有水吗？"])
def test_unrelated_question_is_not_relevant(passages, question):
    assert not is_relevant(retrieve(question, passages))


def test_relevance_threshold_separates(passages):
    """The numbers behind RELEVANCE_THRESHOLD: best cosine of unrelated vs related-without-shared-words."""
    vectors = embeddings.embed_passages([p.text for p in passages])
    unrelated = ["What is the capital of France?", "How do I bake a chocolate cake?", "法国的首都是哪里？"]
    unrelated += ["今天天气怎么样？", "推荐一部好看的电影", "股票市场今天涨了吗？"]
    for question in unrelated:
        assert float(np.max(vectors @ embeddings.embed_query(question))) < RELEVANCE_THRESHOLD, question
    for question in ["How can the contract be ended?", "How long do I have to pay an invoice?"]:
        assert float(np.max(vectors @ embeddings.embed_query(question))) >= RELEVANCE_THRESHOLD, question


def test_token_budget_and_k_are_respected(passages):
    hits = retrieve("付款和违约金", passages, token_budget=80)
    assert hits and sum(estimate_tokens(h.passage.text) for h in hits) <= 80
    assert len(retrieve("付款和违约金", passages, k=2)) == 2
    everything = retrieve("付款和违约金", passages, k=100, token_budget=10_000)
    assert len(everything) == len(passages)


def test_hits_come_back_in_document_order(passages):
    hits = retrieve("What interest is charged on late payment?", passages, k=4)
    positions = [passages.index(h.passage) for h in hits]
    assert len(hits) == 4 and positions == sorted(positions)
    by_rank = [passages.index(h.passage) for h in sorted(hits, key=lambda h: -h.score)]
    assert passages[by_rank[0]].text.startswith("Article 7")
    assert by_rank != positions  # ranked otherwise than the document reads: the order was restored


def test_nothing_to_search():
    assert retrieve("anything", []) == []
    assert not is_relevant([])


def test_embeddings_are_cached_per_text_and_kind():
    embeddings.clear_cache()
    texts = ["第五条 违约责任", "Article 7 Payment Terms", "第五条 违约责任"]
    first = embeddings.embed_passages(texts)
    assert first.shape == (3, 384) and np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-3)
    assert np.array_equal(first[0], first[2])
    assert embeddings.cache_size() == 2  # the repeated line was embedded once
    again = embeddings.embed_passages(texts[:2])
    assert np.array_equal(again, first[:2]) and embeddings.cache_size() == 2
    query = embeddings.embed_query("第五条 违约责任")  # "query: " prefix: its own vector, its own entry
    assert embeddings.cache_size() == 3 and not np.allclose(query, first[0])
