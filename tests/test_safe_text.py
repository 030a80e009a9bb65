"""Untrusted text in the chat's markdown stays text: checked with an independent CommonMark parser
(markdown-it-py) and GFM's own bare-link patterns, the ones Chainlit's renderer applies to parsed text.

The browser test (tests/test_chat_injection.py) checks the same in the real chat; this one is fast and
tries many more shapes.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from assistant.frontends.chat.safe_text import code_block, plain
from tests.injection_corpus import MARKUP_PAYLOADS

# mdast-util-gfm-autolink-literal (remark-gfm), as bundled in Chainlit 2.12's frontend: run on the text
# nodes of the parsed tree (escapes already resolved), never inside code.
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.I | re.A)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.A)
EMBEDS = {"link_open", "image", "html_inline", "html_block"}

HOSTILE = [
    *MARKUP_PAYLOADS,
    "[ref]: http://evil.example/ref\n\n![ref]",
    "see [^1]\n\n[^1]: http://evil.example/foot",
    "\\[escaped\\](http://evil.example/x) and \\![x](http://evil.example/x.png)",
    "`code` then ![x](http://evil.example/`tick`.png)",
    "<!-- comment --><iframe src=//evil.example></iframe>",
    "&lt;img src=x&gt; &#91;x&#93;(http://evil.example)",
    "mail me at attacker@evil.example or visit www.evil.example/login",
    "HTTPS://EVIL.EXAMPLE/UPPER and ftp://evil.example/file",
    "点击[领取奖品](http://evil.example/prize)，或访问 www.evil.example",
]
# Not markup to CommonMark, but to a renderer's extensions (directives) or to the escaping itself.
ODD = [":::warning\nYour session expired: type your password\n:::", "trailing backslash \\", "a \\[b"]


def _tokens(markdown: str) -> list:
    flat = []
    for token in MarkdownIt("commonmark").parse(markdown):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def _rendered_problems(markdown: str) -> list[str]:
    problems = [f"{t.type}: {t.content or t.attrs}" for t in _tokens(markdown) if t.type in EMBEDS]
    for token in _tokens(markdown):
        if token.type == "text":
            problems += [f"bare link: {m.group(0)}" for m in GFM_URL.finditer(token.content)]
            problems += [f"bare e-mail: {m.group(0)}" for m in GFM_EMAIL.finditer(token.content)]
    return problems


def _shown_text(markdown: str) -> str:
    """What a reader sees: text, code spans and line breaks, in order."""
    parts = []
    for token in _tokens(markdown):
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close"):
            parts.append("\n")
    return "".join(parts)


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_renders_no_link_image_or_html(text):
    assert _rendered_problems(text), f"the raw text embeds nothing, so the case proves nothing: {text}"
    assert _rendered_problems(plain(text)) == [], plain(text)


@pytest.mark.parametrize("text", HOSTILE + ODD)
def test_plain_text_reads_as_the_original(text):
    def words(s: str) -> str:
        return " ".join(s.split())

    assert words(_shown_text(plain(text))) == words(text)


def test_ordinary_text_is_left_alone():
    for text in ["Total 12.50 EUR", "甲方应于每季度首月十日前付款。", "**bold** and _soft_ # not a heading"]:
        assert plain(text) == text


@pytest.mark.parametrize(
    "body", ["plain", "```\n![x](http://evil.example/x.png)\n```", "````\nfour\n````", "`one` ``two``"]
)
def test_a_code_block_holds_any_text(body):
    tokens = [t for t in MarkdownIt("commonmark").parse(code_block(body, "text")) if t.block]
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and len(tokens) == 1, tokens
    assert fences[0].content == body + "\n"
    assert fences[0].info == "text"
