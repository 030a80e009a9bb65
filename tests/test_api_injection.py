"""The API returns text as text: the injection corpus read through the real `doc-assistant api`.

A client gets JSON (application/json, never sniffed as anything else) whose strings hold the document's text
exactly as it was read: markup, HTML and instructions as characters, neither escaped into entities nor
interpreted.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api_server import api_server
from tests.injection_corpus import CORPUS, MARKUP_PAYLOADS, page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    with api_server() as running:
        yield running


@pytest.mark.parametrize("key", ["markup_en", "markup_zh", "note_en", "system_zh"])
def test_document_text_comes_back_as_plain_json_text(server, key):
    from tests import fixtures as fx

    doc = CORPUS[key]
    response = httpx.post(
        f"{server.url}/v1/ocr",
        data={"task": "read"},
        files={"file": (doc.name, fx.encode(page(doc).image, "PNG"))},
        timeout=300,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    answer = json.loads(response.content)
    for line in doc.lines:
        assert line in answer["text"].splitlines(), f"{line!r} not read as it is: {answer['text']!r}"
        assert any(c["text"] == line for c in answer["citations"]), line
    assert "&lt;" not in response.text and "&#" not in response.text  # characters, not HTML entities


def test_the_corpus_markup_is_what_the_api_is_asked_about():
    read = {line for key in ("markup_en", "markup_zh") for line in CORPUS[key].lines}
    assert set(MARKUP_PAYLOADS) <= read
