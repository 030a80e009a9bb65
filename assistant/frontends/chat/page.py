"""The chat's page asks no host but its own.

Chainlit's index.html links Google Fonts (with preconnects) and a KaTeX stylesheet on a CDN, so every
visitor's browser would contact those hosts: a third party learns who opens the chat, and an offline machine
waits on them. LaTeX is off here and the font falls back to the system's, so the links are dropped from the
page Chainlit serves.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_REMOTE_LINK = re.compile(r"<link\b[^>]*?\bhref=\"(?:https?:)?//[^\"]*\"[^>]*>", re.S)


def without_remote_links(html: str) -> str:
    return _REMOTE_LINK.sub("", html)


def serve_own_files_only() -> None:
    """Make Chainlit's page template drop its remote links (idempotent: Chainlit may load the app twice)."""
    import chainlit.server as server

    template: Callable[[str], str] = server.get_html_template
    if getattr(template, "own_files_only", False):
        return

    def own_files_only(root_path: str) -> str:
        return without_remote_links(template(root_path))

    own_files_only.own_files_only = True  # type: ignore[attr-defined]
    server.get_html_template = own_files_only
