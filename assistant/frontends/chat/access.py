"""Who may see what in the chat with login on: every user stays in their own space.

Chainlit itself checks the author of a thread for its thread, element and session-file routes. What the
chat adds is checked here: the history's element files (`/history-files/<key>`: highlighted pages, crops,
downloads) go only to the author of the chat they belong to, and each user's uploads live in a folder
of their own (`user_folder`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request


def user_folder(identifier: str) -> str:
    """A user's folder name: a hash, so any identifier (an e-mail, "../x") makes a safe, fixed-size name."""
    return hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:32]


async def request_user(request: Request) -> Any:
    """The logged-in user of a plain HTTP request (Chainlit's cookie or bearer token); None if there is
    none or it is invalid. Only meaningful with login on."""
    from chainlit.auth import authenticate_user, reuseable_oauth
    from fastapi import HTTPException

    token = await reuseable_oauth(request)
    if not token:
        return None
    try:
        return await authenticate_user(token)
    except HTTPException:
        return None


async def may_read_history_file(request: Request, object_key: str) -> bool:
    """With login on, only the author of the chat that holds the element file; with it off, anyone
    (the open chat is meant for loopback and has a single user)."""
    from chainlit.auth import require_login
    from chainlit.data import get_data_layer

    if not require_login():
        return True
    user = await request_user(request)
    layer = get_data_layer()
    if user is None or layer is None:
        return False
    return await layer.element_file_owner(object_key) == user.identifier
