"""Chat history: Chainlit's real SQLAlchemy data layer on real SQLite and Postgres, and element files."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import chainlit as cl
import pytest
from chainlit.context import ChainlitContext, context_var
from chainlit.session import HTTPSession
from chainlit.types import Feedback, Pagination, ThreadFilter
from chainlit.user import User
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from PIL import Image
from sqlalchemy import create_engine, inspect
from starlette.testclient import TestClient

from assistant.frontends.chat import history
from assistant.frontends.chat.history import (
    FILES_PREFIX,
    LocalStorageClient,
    ensure_schema,
    history_files_dir,
    history_url,
    make_data_layer,
    mount_files,
    normalize_url,
)
from assistant.settings import Settings

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 4), color).save(out, format="PNG")
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway Postgres 15 server on 127.0.0.1 with trust auth, stopped and deleted at the end."""
    if not (PG_BIN / "initdb").is_file() or not (PG_BIN / "pg_ctl").is_file():
        pytest.skip(
            f"Postgres server binaries not installed ({PG_BIN}); .ci/install installs Debian's postgresql"
        )
    # mkdtemp, not tmp_path: pytest's tmp folders are private to root, so the postgres user could not enter.
    base = Path(tempfile.mkdtemp(prefix="doc-assistant-pg-"))
    data, sockets, log = base / "data", base / "sockets", base / "server.log"
    sockets.mkdir()
    as_server_user: list[str] = []
    if os.geteuid() == 0:
        # initdb and postgres refuse to run as root: run them as Debian's postgres system user.
        as_server_user = ["runuser", "-u", "postgres", "--"]
        for path in (base, sockets):
            shutil.chown(path, "postgres", "postgres")

    def run(*args: str | Path) -> None:
        done = subprocess.run(
            [*as_server_user, *map(str, args)], cwd=base, capture_output=True, text=True, timeout=120
        )
        if done.returncode:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed:\n{done.stdout}\n{done.stderr}\n{server_log}")

    port = _free_port()
    started = False
    try:
        run(
            PG_BIN / "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        # -F: no fsync, -k: the unix socket in our folder rather than /var/run/postgresql.
        opts = f"-h 127.0.0.1 -p {port} -k {sockets} -F"
        run(PG_BIN / "pg_ctl", "-D", data, "-l", log, "-o", opts, "-w", "-t", "60", "start")
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            run(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        # A folder that does not exist yet: the default data folder may not either.
        return f"sqlite:///{tmp_path / 'data' / 'chat.db'}"
    return request.getfixturevalue("postgres_url")


# --- the round trip ---


def _use_session(thread_id: str, user: Any) -> None:
    # The layer's write methods queue until the first user message when run in a websocket session; in an
    # HTTP session (as here) they run at once. Setting the context var inside asyncio.run keeps it local.
    session = HTTPSession(id=str(uuid.uuid4()), client_type="webapp", thread_id=thread_id, user=user)
    context_var.set(ChainlitContext(session))


DOCUMENTS = [
    {"name": "invoice.pdf", "sha256": "a" * 64},
    {"name": "receipt.jpg", "sha256": "b" * 64},
]


async def _round_trip(url: str, files_root: Path, upload: Path) -> dict[str, Any]:
    await ensure_schema(url)
    await ensure_schema(url)  # idempotent
    layer = make_data_layer(url, files_root)
    out: dict[str, Any] = {}
    try:
        user = await layer.create_user(User(identifier="alice", metadata={"role": "user"}))
        assert user is not None
        assert (await layer.get_user("alice")).metadata == {"role": "user"}
        thread_id = str(uuid.uuid4())
        _use_session(thread_id, user)

        await layer.update_thread(thread_id, name="Invoice questions", user_id=user.id)
        await layer.update_thread(thread_id, metadata={"documents": DOCUMENTS})
        question = cl.Message(
            content="What is the total?",
            author="alice",
            type="user_message",
            tags=["question"],
            modes={"m": "x"},
        )
        question.created_at = "2025-01-01T10:00:00.000001Z"
        await layer.create_step(question.to_dict())
        tool = cl.Step(name="search", type="tool", tags=["retrieval"], default_open=True)
        tool.input, tool.output = "total", "page 1: Total 42 €"
        tool.created_at = "2025-01-01T10:00:01.000001Z"
        await layer.create_step(tool.to_dict())
        answer = cl.Message(content="The total is 42 € [p. 1].", author="Assistant", parent_id=question.id)
        answer.created_at = "2025-01-01T10:00:02.000001Z"
        await layer.create_step(answer.to_dict())
        # Chainlit saves the user session into the thread's metadata on disconnect; None deletes a key.
        await layer.update_thread(thread_id, metadata={"chat_settings": {}, "chat_profile": None})

        page, notes = _png("red"), upload.read_bytes()
        image = cl.Image(
            content=page, name="page-1.png", display="inline", mime="image/png", for_id=answer.id
        )
        await layer.create_element(image)
        file = cl.File(path=str(upload), name="notes", mime="text/plain", for_id=question.id)
        await layer.create_element(file)
        await layer.upsert_feedback(Feedback(forId=answer.id, value=1, threadId=thread_id, comment="right"))

        thread = await layer.get_thread(thread_id)
        assert thread is not None
        assert thread["name"] == "Invoice questions"
        assert thread["metadata"]["documents"] == DOCUMENTS
        assert thread["metadata"]["chat_settings"] == {}
        assert await layer.get_thread_author(thread_id) == "alice"

        steps = thread["steps"]
        assert [s["output"] for s in steps] == [question.content, tool.output, answer.content]
        assert [s["type"] for s in steps] == ["user_message", "tool", "assistant_message"]
        assert steps[0]["tags"] == ["question"] and steps[1]["tags"] == ["retrieval"]
        assert steps[1]["input"] == "total" and steps[1]["showInput"] == "json"
        assert steps[2]["parentId"] == question.id and steps[2]["metadata"] == {}
        assert steps[2]["streaming"] is False and steps[2]["isError"] is False
        assert steps[2]["feedback"]["value"] == 1 and steps[2]["feedback"]["comment"] == "right"
        assert (await layer.get_step(tool.id))["tags"] == ["retrieval"]

        elements = {e["id"]: e for e in thread["elements"]}
        assert set(elements) == {image.id, file.id}
        assert elements[image.id]["forId"] == answer.id and elements[image.id]["mime"] == "image/png"
        assert elements[image.id]["type"] == "image" and elements[file.id]["type"] == "file"
        assert elements[image.id]["props"] == {}
        # An extensionless name gets one from its mime type, so that the file route serves the right type.
        assert elements[file.id]["objectKey"].endswith("/notes.txt")
        element = await layer.get_element(thread_id, image.id)
        assert element is not None and element["url"] == elements[image.id]["url"]
        out["files"] = {elements[image.id]["url"]: page, elements[file.id]["url"]: notes}
        for element_url, content in out["files"].items():
            assert element_url.startswith(FILES_PREFIX + "/")
            key = unquote(element_url.removeprefix(FILES_PREFIX + "/"))
            assert (files_root / key).read_bytes() == content

        listed = await layer.list_threads(Pagination(first=20), ThreadFilter(userId=user.id))
        assert [t["id"] for t in listed.data] == [thread_id]
        assert listed.data[0]["metadata"]["documents"] == DOCUMENTS
        found = await layer.list_threads(
            Pagination(first=20), ThreadFilter(userId=user.id, search="TOTAL IS")
        )
        assert [t["id"] for t in found.data] == [thread_id]
        liked = await layer.list_threads(Pagination(first=20), ThreadFilter(userId=user.id, feedback=1))
        assert [t["id"] for t in liked.data] == [thread_id]

        await layer.delete_thread(thread_id)
        assert await layer.get_thread(thread_id) is None
        assert (await layer.list_threads(Pagination(first=20), ThreadFilter(userId=user.id))).data == []
        assert not [p for p in files_root.rglob("*") if p.is_file()]
    finally:
        await layer.close()
    return out


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def layer_warnings() -> Iterator[list[str]]:
    """Warnings of Chainlit's logger: execute_sql only logs a failed query, so a lost row shows only here."""
    handler = _Collect()
    chainlit_logger = logging.getLogger("chainlit")
    chainlit_logger.addHandler(handler)
    yield handler.messages
    chainlit_logger.removeHandler(handler)


def test_round_trip(db_url: str, tmp_path: Path, layer_warnings: list[str]) -> None:
    files_root = tmp_path / "files"
    upload = tmp_path / "notes-upload.txt"
    upload.write_text("Total 42 €\n", encoding="utf-8")
    asyncio.run(_round_trip(db_url, files_root, upload))
    assert layer_warnings == []


def test_layer_creates_schema_on_first_use(tmp_path: Path) -> None:
    # Chainlit's @cl.data_layer factory is synchronous: the layer must work without ensure_schema first.
    db = tmp_path / "new" / "chat.db"

    async def main() -> None:
        layer = make_data_layer(f"sqlite:///{db}", tmp_path / "files")
        try:
            assert await layer.create_user(User(identifier="bob")) is not None
        finally:
            await layer.close()

    asyncio.run(main())
    assert set(inspect(create_engine(f"sqlite:///{db}")).get_table_names()) >= set(history._TABLES)


def test_schema_adds_missing_columns(tmp_path: Path) -> None:
    # A steps table from an older Chainlit schema lacks newer columns; inserts naming them would fail.
    db = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql('CREATE TABLE steps ("id" TEXT PRIMARY KEY, "name" TEXT, "output" TEXT)')
    asyncio.run(ensure_schema(f"sqlite:///{db}"))
    columns = {c["name"] for c in inspect(engine).get_columns("steps")}
    assert columns == set(history._TABLES["steps"])
    engine.dispose()


# --- configuration ---


def test_history_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOC_ASSISTANT_DATA_DIR", str(tmp_path))
    assert history_url(Settings()) == f"sqlite+aiosqlite:///{tmp_path}/chat.db"
    assert history_files_dir(Settings()) == tmp_path / "chat-files"
    assert history_url(Settings(chat_db="off")) is None
    assert history_url(Settings(chat_db=" OFF ")) is None
    monkeypatch.setenv("DOC_ASSISTANT_CHAT_DB", "sqlite:///x.db")
    assert history_url(Settings()) == "sqlite+aiosqlite:///x.db"
    assert history_url(Settings(chat_db="postgresql://u:p%40ss@db:5432/chat")) == (
        "postgresql+asyncpg://u:p%40ss@db:5432/chat"
    )
    assert (
        normalize_url("postgres://u@db/chat?sslmode=require") == "postgresql+asyncpg://u@db/chat?ssl=require"
    )
    assert normalize_url("postgresql+asyncpg://u@db/chat") == "postgresql+asyncpg://u@db/chat"
    assert normalize_url(str(tmp_path / "h.db")) == f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"


# --- element files ---


@pytest.mark.parametrize(
    "key", ["../x", "a/../../x", "a/..", "/etc/passwd", "", ".", "a/\x00b", "link/secret"]
)
def test_storage_rejects_escaping_keys(tmp_path: Path, key: str) -> None:
    root = tmp_path / "files"
    (root / "a").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("secret")
    (root / "link").symlink_to(outside)
    storage = LocalStorageClient(root)
    with pytest.raises(ValueError):
        storage.path_for(key)
    with pytest.raises(ValueError):
        asyncio.run(storage.upload_file(key, b"x"))
    assert (outside / "secret").read_text() == "secret"


def test_storage_writes_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = LocalStorageClient(tmp_path)
    uploaded = asyncio.run(storage.upload_file("u/e/a b#1.png", b"first", mime="image/png"))
    assert uploaded == {"object_key": "u/e/a b#1.png", "url": f"{FILES_PREFIX}/u/e/a%20b%231.png"}
    assert asyncio.run(storage.get_read_url("u/e/a b#1.png")) == uploaded["url"]
    assert asyncio.run(storage.upload_file("u/e/a b#1.png", "second")) == uploaded
    assert (tmp_path / "u/e/a b#1.png").read_bytes() == b"second"
    assert asyncio.run(storage.upload_file("u/e/a b#1.png", b"third", overwrite=False)) == {}

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("assistant.storage.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        asyncio.run(storage.upload_file("u/e/a b#1.png", b"lost"))
    monkeypatch.undo()
    # The old file is whole and no temporary file is left behind.
    assert (tmp_path / "u/e/a b#1.png").read_bytes() == b"second"
    assert sorted(p.name for p in (tmp_path / "u/e").iterdir()) == ["a b#1.png"]

    assert asyncio.run(storage.delete_file("u/e/a b#1.png")) is True
    assert asyncio.run(storage.delete_file("u/e/a b#1.png")) is False
    assert list(tmp_path.iterdir()) == []  # empty element and user folders are gone, root stays


def _app_with_catch_all() -> FastAPI:
    app = FastAPI()

    @app.get("/{full_path:path}")
    async def spa(full_path: str) -> HTMLResponse:  # like Chainlit's route serving the single-page app
        return HTMLResponse("<html>spa</html>")

    return app


def test_mount_files_serves_before_catch_all(tmp_path: Path) -> None:
    root = tmp_path / "files"
    storage = LocalStorageClient(root)
    page = _png("blue")
    png_url = asyncio.run(storage.upload_file("u/e/page 1.png", page, mime="image/png"))["url"]
    html_url = asyncio.run(storage.upload_file("u/e/doc.html", b"<script>1</script>", mime="text/html"))[
        "url"
    ]
    (tmp_path / "secret.txt").write_text("secret")

    app = _app_with_catch_all()
    mount_files(app, root)
    mount_files(app, root)  # Chainlit reloads the app module: still one route
    assert sum(getattr(r, "name", None) == "doc-assistant-history-files" for r in app.router.routes) == 1
    client = TestClient(app)

    response = client.get(png_url)
    assert response.status_code == 200 and response.content == page
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-disposition" not in response.headers
    assert client.head(png_url).status_code == 200

    # HTML from a document must not run in the chat's origin: it is a download.
    response = client.get(html_url)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("attachment")

    assert client.get(f"{FILES_PREFIX}/u/e/missing.png").status_code == 404
    for probe in ("../secret.txt", "..%2Fsecret.txt", "u/..%2F..%2Fsecret.txt", "%2E%2E/secret.txt"):
        response = client.get(f"{FILES_PREFIX}/{probe}")
        assert b"secret" not in response.content
    assert client.get("/some/page").text == "<html>spa</html>"


def test_mount_files_serves_only_whom_allow_lets_in(tmp_path: Path) -> None:
    storage = LocalStorageClient(tmp_path)
    url = asyncio.run(storage.upload_file("alice/e/page.png", _png("red"), mime="image/png"))["url"]

    async def only_alice(request, key: str) -> bool:
        return request.headers.get("x-user") == key.split("/")[0]

    app = _app_with_catch_all()
    mount_files(app, tmp_path, allow=only_alice)
    client = TestClient(app)
    assert client.get(url, headers={"x-user": "alice"}).status_code == 200
    refused = client.get(url, headers={"x-user": "bob"})
    assert (
        refused.status_code == 404
        and refused.content == client.get(f"{FILES_PREFIX}/alice/e/none.png").content
    )
    assert client.get(url, headers={"x-user": "alice"}).headers["cache-control"] == "private, no-cache"


def test_mount_files_on_chainlit_app(tmp_path: Path) -> None:
    from chainlit.server import app

    storage = LocalStorageClient(tmp_path)
    page = _png("green")
    url = asyncio.run(storage.upload_file("u/e/page.png", page, mime="image/png"))["url"]
    before = list(app.router.routes)
    try:
        mount_files(app, tmp_path)
        response = TestClient(app).get(url)
        assert response.status_code == 200 and response.content == page
        assert response.headers["content-type"] == "image/png"
    finally:
        app.router.routes[:] = before  # leave Chainlit's app as other tests expect it
