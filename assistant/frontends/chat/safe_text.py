"""Text from a document or a model reply, made inert for the chat's markdown renderer.

The chat renders message content as markdown (Chainlit: react-markdown with GFM). Untrusted text placed in
it as is could show a remote image (`![x](http://…)`: the browser fetches it), a link, an autolink
(`<http://…>`, and GFM's bare `www.…`, `http://…` and e-mail addresses) or raw HTML. Everything the chat
shows that it did not write itself goes through `plain` (inline text) or `code_block` (a fenced block);
the app's own markdown (headers, its JSON block, citation markers) is composed around the result.

`plain` backslash-escapes the characters that open links, images, HTML, code and directives (CommonMark
lets any ASCII punctuation be escaped, so the text reads the same), and puts URL- and address-like words
in code spans: GFM finds bare links in the parsed text, after escapes are resolved, so only a code span
(which it never links) keeps them text.
"""

from __future__ import annotations

import re

# Characters that start a construct that links, embeds or hides text: links and images ([ ]), raw HTML and
# autolinks (< >), code (`, ~~~), directives (:), and the backslash itself (so `\[` cannot unescape one).
_ESCAPE = re.compile(r"([\\`\[\]<>~:!&])")
# What GFM turns into a link without any markup: scheme or www. URLs and e-mail addresses (its own
# patterns, widened: any scheme, any word around an @).
_BARE_LINK = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def plain(text: str) -> str:
    """`text` as inline markdown that renders as exactly this text: no link, image, HTML or code."""
    out, end = [], 0
    for match in _BARE_LINK.finditer(text):
        out.append(_ESCAPE.sub(r"\\\1", text[end : match.start()]))
        out.append(_code_span(match.group(0)))
        end = match.end()
    out.append(_ESCAPE.sub(r"\\\1", text[end:]))
    return "".join(out)


def code_block(text: str, info: str = "") -> str:
    """`text` in a fenced code block whose fence no line of it can close (longer than any run of `)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _code_span(text: str) -> str:
    # CommonMark: delimit with a backtick run that does not occur inside; pad when the text touches one.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"
