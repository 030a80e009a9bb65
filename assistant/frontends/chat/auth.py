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
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
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
