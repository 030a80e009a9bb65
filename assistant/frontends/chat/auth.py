"""Optional password login for the chat, configured by the environment.

DOC_ASSISTANT_CHAT_USERS="alice:secret,bob:sha256:<hex of the password's sha256>" switches it on; unset,
the chat is open (meant for loopback). Chainlit signs its session tokens with CHAINLIT_AUTH_SECRET; when
that is not set, a random secret is made once and kept in the data folder so logins survive restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from assistant.storage import create_atomic

USERS_ENV = "DOC_ASSISTANT_CHAT_USERS"
SECRET_ENV = "CHAINLIT_AUTH_SECRET"


def parse_users(spec: str) -> dict[str, str]:
    """'alice:pw,bob:sha256:<hex>' -> {name: stored password}; a password may itself contain ':'."""
    users = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        name, sep, password = item.strip().partition(":")
        if not sep or not name or not password:
            raise ValueError(f"{USERS_ENV}: expected name:password, got {item.strip()!r}")
        users[name] = password
    return users


def check_password(stored: str, given: str) -> bool:
    if stored.startswith("sha256:"):
        digest = hashlib.sha256(given.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, stored.removeprefix("sha256:").lower())
    return hmac.compare_digest(stored.encode("utf-8"), given.encode("utf-8"))


def ensure_secret(data_dir: Path) -> None:
    if os.environ.get(SECRET_ENV):
        return
    path = data_dir / "chat-auth-secret"
    if path.exists() and not path.read_text().strip():
        # Left empty by a crash of an earlier version, between creating the file and writing it: no chat
        # could start (Chainlit refuses an empty secret), and no token was ever signed with it.
        path.unlink()
    create_atomic(path, secrets.token_urlsafe(48).encode())  # whole or not at all, mode 0600
    os.environ[SECRET_ENV] = path.read_text().strip()


def register(data_dir: Path) -> bool:
    """Install Chainlit's password callback when users are configured; True when login is required."""
    spec = os.environ.get(USERS_ENV, "").strip()
    if not spec:
        return False
    users = parse_users(spec)
    ensure_secret(data_dir)

    import chainlit as cl

    @cl.password_auth_callback
    async def login(username: str, password: str) -> cl.User | None:
        stored = users.get(username)
        if stored is None or not check_password(stored, password):
            return None
        return cl.User(identifier=username, metadata={"provider": "password"})

    return True
