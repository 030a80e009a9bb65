"""A conversation through the front ends other than the browser: the API's `history` field and the
terminal's `doc-assistant chat`, each on the real server or CLI process with the real model."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import contracts
from tests import fixtures as fx
from tests.api_server import ApiServer, api_server
from tests.conftest import REPO, cli_command

pytestmark = pytest.mark.slow

TIMEOUT = httpx.Timeout(600.0, connect=10.0)
FIRST = "乙方逾期交货第二天要支付合同金额的百分之几？"


@pytest.fixture(scope="module")
def penalty_png(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("conversation") / "采购合同.png"
    contracts.penalty_page().image.save(path)
    return path


@pytest.fixture(scope="module")
def server(session_cache_dir: Path, tmp_path_factory) -> Iterator[ApiServer]:
    env = {"DOC_ASSISTANT_RATE_PER_MINUTE": "1000", "DOC_ASSISTANT_RATE_BURST": "100"}
    with api_server(env, log_dir=tmp_path_factory.mktemp("api-logs")) as running:
        yield running


def _ask(
    server: ApiServer, document: Path, question: str, history: list[dict] | None = None
) -> httpx.Response:
    form = {"task": "ask", "question": question}
    if history is not None:
        form["history"] = json.dumps(history, ensure_ascii=False)
    files = {"file": (document.name, document.read_bytes(), "image/png")}
    return httpx.post(f"{server.url}/v1/ocr", data=form, files=files, timeout=TIMEOUT)


def test_the_api_reads_a_follow_up_against_its_history(server, penalty_png):
    first = _ask(server, penalty_png, FIRST)
    assert first.status_code == 200, first.text
    assert "2%" in first.json()["text"]
    history = [{"role": "user", "content": FIRST}, {"role": "assistant", "content": first.json()["text"]}]
    follow_up = _ask(server, penalty_png, "那第三天呢？", history)
    assert follow_up.status_code == 200, follow_up.text
    answer = follow_up.json()
    assert "3%" in answer["text"] and "2%" not in answer["text"], answer
    assert answer["citations"], answer


@pytest.mark.parametrize(
    ("history", "words"),
    [
        ("not json", "not JSON"),
        ('{"role": "user"}', "JSON list"),
        ('[{"role": "robot", "content": "x"}]', "role"),
    ],
)
def test_a_malformed_history_is_a_clear_422(server, penalty_png, history, words):
    response = httpx.post(
        f"{server.url}/v1/ocr",
        data={"task": "ask", "question": "那第三天呢？", "history": history},
        files={"file": (penalty_png.name, penalty_png.read_bytes(), "image/png")},
        timeout=TIMEOUT,
    )
    assert response.status_code == 422, response.text
    assert words in response.json()["error"]["message"]


def test_the_terminal_chat_streams_cites_and_follows_up(penalty_png, session_cache_dir):
    """`doc-assistant chat FILE`, typed into: an answer with its citation, then a follow-up answered."""
    proc = subprocess.run(
        [*cli_command(), "chat", str(penalty_png)],
        input=f"{FIRST}\n那第三天呢？\n/quit\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "doc-assistant chat · 采购合同.png (1 page)" in out
    first, _, second = out.partition("(乙方逾期交货第三天要支付合同金额的百分之几？)")
    assert second, f"the follow-up was not resolved:\n{out}"
    assert "2%" in first and "[1] 采购合同.png p.1:" in first, out
    assert "3%" in second and "[1] 采购合同.png p.1:" in second, out


def test_the_terminal_chat_says_what_it_cannot_read(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    proc = subprocess.run(
        [*cli_command(), "chat", str(text)], input="", capture_output=True, text=True, cwd=REPO
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("doc-assistant: error:") and "notes.png" in proc.stderr


def test_a_chat_answers_a_document_rendered_as_an_invoice_too(tmp_path):
    """Any task through the terminal: read is routed from the words, and its text printed."""
    invoice = tmp_path / "invoice.png"
    fx.invoice_page().image.save(invoice)
    proc = subprocess.run(
        [*cli_command(), "chat", str(invoice)], input="识别图中文字\n", capture_output=True, text=True,
        cwd=REPO, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert fx.TAX_ID in proc.stdout
