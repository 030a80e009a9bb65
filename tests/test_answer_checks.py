"""Values in an answer checked against the clause it came from: the words before a value, the day or party
an item names, and a party that is only paid."""

from assistant.tasks.answer_checks import check_values

LATE_PAYMENT = (
    "甲方逾期付款，则每日按应付\n未付款的万分之五向乙方偿付违约金，"
    "累计违约金总额不超过应付未付款\n金额的百分之五。"
)
DAYS = "第一天支付合同金额的1%，第二天支付合同金额的2%，第三天起每天支付合同金额的3%。"


def test_a_rate_copied_from_the_next_sentence_is_read_after_the_answers_own_words():
    answer = "违约金每日按应付未付款的百分之五计算，累计违约金总额不超过应付未付款金额的百分之五。"
    checked = check_values(answer, "甲方逾期付款时，违约金如何计算？上限是多少？", [LATE_PAYMENT])
    assert checked.text == answer.replace("未付款的百分之五", "未付款的万分之五")
    assert any("万分之五" in note for note in checked.notes)


def test_a_right_answer_is_left_as_it_is():
    answer = "每日按应付未付款的万分之五向乙方偿付违约金，累计违约金总额不超过应付未付款金额的百分之五。"
    # 甲方 is asked about; the clause names 乙方 only as the one who is paid.
    checked = check_values(answer, "甲方逾期付款时，违约金如何计算？", [LATE_PAYMENT])
    assert checked.text == answer and checked.notes == []


def test_english_rate_after_the_answers_words():
    evidence = ["Party B shall pay a penalty of 0.5% of the price per day, and the total penalty shall not "
                "exceed 10% of the price."]  # fmt: skip
    answer = "A penalty of 10% of the price per day, capped at 10% of the price."
    checked = check_values(answer, "penalty?", evidence)
    assert checked.text == "A penalty of 0.5% of the price per day, capped at 10% of the price."


def test_list_items_keep_the_day_they_name():
    answer = "- 第一天支付1%\n- 第二天支付合同金额的2%"
    assert check_values(answer, "乙方逾期交货第二天要付多少？", [DAYS]).text == answer


def test_the_questions_day_picks_the_value_when_the_answer_took_another():
    checked = check_values("第二天支付合同金额的3%", "乙方逾期交货第二天要支付合同金额的百分之几？", [DAYS])
    assert checked.text == "第二天支付合同金额的2%"


def test_a_value_the_text_does_not_hold_is_dropped():
    checked = check_values("每日万分之五，另付定金5000元。", "违约金？", [LATE_PAYMENT])
    assert "5000" not in checked.text and "万分之五" in checked.text


def test_an_amount_keeps_the_scale_the_text_writes_after_it():
    evidence = ["The total cooperation fee is RMB200 million, of which the channel fee is RMB160 million."]
    assert check_values("200", "合作费用总额是多少？", evidence).text == "200 million"
    assert check_values("200 million", "total fee?", evidence).text == "200 million"
    # The text states the bare number too: nothing to restore.
    assert check_values("200", "fee?", ["200 units at RMB200 million"]).text == "200"


def test_a_date_the_text_does_not_give_is_dropped_and_one_it_gives_in_another_spelling_is_kept():
    header = ["平成二十年四月二十五日 官報 第四八一七号"]  # the page's own date is not in digits here
    checked = check_values("2019年9月15日", "この官報の発行日はいつですか。", header)
    assert checked.text == "" and "2019年9月15日" in checked.notes[0]
    signed = ["This agreement is signed on 25 April 2008 in Beijing. The term ends on 31/12/2010."]
    kept = "合同签订于2008年4月25日。"
    assert check_values(kept, "合同何时签订？", signed).text == kept
    answer = "It was signed on 2008-04-25, and it ends on 2011-12-31."
    assert check_values(answer, "dates?", signed).text == "It was signed on 2008-04-25"
