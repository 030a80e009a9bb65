"""Contracts rendered for the ask tests: a four-page English contract and a four-page Chinese one, scanned
(page images, no text layer), with clauses on different pages, a liability clause whose days carry
adjacent amounts, and a list of obligations spread over two pages."""

from __future__ import annotations

from tests import fixtures as fx

EN_PAGES = [
    [
        "SOFTWARE SUPPLY AGREEMENT",
        "Party A: Shanghai Starlight Trading Co., Ltd.",
        "Party B: Beijing Cloudsail Technology Co., Ltd.",
        "Article 1 Subject: Party B supplies and installs the",
        "warehouse management software for Party A.",
        "Article 2 Term: from 1 March 2024 to 28 February 2026.",
    ],
    [
        "Article 3 Price: the total contract price is RMB 360,000.",
        "Article 4 Payment: Party A pays 30% within 10 days after",
        "signing and the balance within 15 days after acceptance.",
        "Article 5 Delivery: Party B delivers the software within",
        "45 days after signing.",
    ],
    [
        "Article 6 Liabilities of Party B:",
        "(1) For late delivery Party B pays 1% of the price on",
        "the first day, 2% on the second day and 3% on the third day.",
        "(2) Party B repairs any defect within 5 working days.",
        "(3) Party B compensates Party A for any data loss it causes.",
    ],
    [
        "Article 7 Liabilities of Party A: for late payment Party A",
        "pays 0.05% of the overdue amount for each day of delay.",
        "Article 8 Disputes: any dispute is submitted to the",
        "Shanghai International Arbitration Center.",
    ],
]

ZH_PAGES = [
    ["仓储服务合同", "甲方：上海星辰贸易有限公司", "乙方：北京云帆物流有限公司",
     "第一条 服务内容：乙方为甲方提供仓储服务。"],
    ["第二条 服务期限：自2024年3月1日至2026年2月28日。", "第三条 服务费用：每月人民币三万元。"],
    [
        "第四条 甲方的违约责任：甲方逾期付款的，每日按未付金额的",
        "万分之五向乙方支付违约金。",
        "第五条 乙方的违约责任：货物损坏的，乙方按实际损失赔偿。",
    ],
    ["第六条 争议解决：协商不成的，提交上海仲裁委员会仲裁。", "第七条 本合同一式两份，双方各执一份。"],
]  # fmt: skip


def english_contract() -> tuple[list[fx.RenderedPage], fx.PdfFixture]:
    pages = [fx.text_page(lines, width=1400, height=900, size=34) for lines in EN_PAGES]
    return pages, fx.scan_pdf(pages)


def chinese_contract() -> tuple[list[fx.RenderedPage], fx.PdfFixture]:
    pages = [fx.text_lines_page(lines) for lines in ZH_PAGES]
    return pages, fx.scan_pdf(pages)


PENALTY_LINES = [
    "采购合同（节选）",
    "甲方：新城第三中学",
    "乙方：宏达办公用品有限公司",
    "第五条 逾期交货：乙方逾期交货的，第一天支付合同金额的1%，",
    "第二天支付合同金额的2%，第三天起每天支付合同金额的3%。",
]


def penalty_page() -> fx.RenderedPage:
    """One page whose clause gives a different amount for each day of delay, on two lines."""
    return fx.text_lines_page(PENALTY_LINES)
