"""A conversation in the real chat (Debian's chromium through Playwright): three turns about one contract,
the third a follow-up ("那第三天呢？") read against the second and answered right, each answer cited."""

from __future__ import annotations

import os
import re

import pytest

from tests import contracts
from tests.chat_browser import Chat, chat_server, new_context

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory, session_cache_dir):
    data = tmp_path_factory.mktemp("chat-data")
    env = dict(os.environ, DOC_ASSISTANT_DATA_DIR=str(data), DOC_ASSISTANT_CACHE_DIR=str(session_cache_dir))
    with chat_server(env, data / "server.log") as url:
        yield url


def test_a_three_turn_conversation_with_a_follow_up(browser, server, tmp_path):
    contract = tmp_path / "采购合同.png"
    contracts.penalty_page().image.save(contract)
    context = new_context(browser)
    try:
        chat = Chat(context.new_page(), server)
        chat.send("乙方是谁？", contract)
        first = chat.wait_for_reply(r"^ask.*Sources")
        assert "宏达办公用品有限公司" in first.inner_text()

        chat.send("乙方逾期交货第二天要支付合同金额的百分之几？")
        second = chat.wait_for_reply(r"^ask.*Sources").inner_text()
        assert "2%" in second and "3%" not in second.split("Sources")[0], second

        chat.send("那第三天呢？")
        third = chat.wait_for_reply(r"^ask.*Sources").inner_text()
        answer = third.split("Sources")[0]
        assert "3%" in answer and "2%" not in answer, third
        assert re.search(r"采购合同\.png, page 1", third, re.I), third  # the source link is shown in capitals
        chat.screenshot_conversation("conversation-follow-up")
    finally:
        context.close()
