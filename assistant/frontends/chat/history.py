"""Chat history for the Chainlit front end: Chainlit's SQLAlchemy data layer made to work out of the box.

Chainlit's ``SQLAlchemyDataLayer`` neither creates its tables nor stores element files without a storage
client. This module supplies both: the schema (SQLite by default, Postgres when given a URL), created on
first use, and a storage client that keeps element files in a local folder served under ``/history-files``.

Settings (assistant.settings, from the environment):
    DOC_ASSISTANT_CHAT_DB    database URL (``postgresql://...``, ``sqlite:///x.db`` or a file path);
                             ``off`` disables history. Default: SQLite ``chat.db`` in the data folder.
    DOC_ASSISTANT_DATA_DIR   data folder (default: ``platformdirs.user_data_dir("doc-assistant")``);
                             element files go to its ``chat-files`` subfolder.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.data.storage_clients.base import BaseStorageClient
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from assistant.settings import Settings
from assistant.storage import write_atomic

FILES_PREFIX = "/history-files"
_ROUTE_NAME = "doc-assistant-history-files"
# Whether a request may read the element file of an object key (frontends/chat/access.py with login on).
FileAccess = Callable[[Request, str], Awaitable[bool]]

# Every column SQLAlchemyDataLayer (chainlit 2.12) writes or reads, by the keys of StepDict, ElementDict,
# Feedback and its own queries: it inserts whatever keys a dict carries, so a missing column loses the row.
# One set of types for SQLite and Postgres. JSON is TEXT on both, not JSONB: the layer sends JSON as strings,
# matches step metadata with LIKE (get_favorite_steps) and json.loads element props (get_element), which
# JSONB would break. Ids are TEXT, not UUID, since Chainlit only promises strings. No foreign keys: Chainlit
# writes steps and elements from concurrent tasks, and an element landing before its thread would be
# rejected (and silently dropped, as execute_sql only logs errors); delete_thread removes children itself.
# DEFAULT '{}' on props: get_element calls json.loads on it, which fails on NULL.
_TABLES: dict[str, dict[str, str]] = {
    "users": {
        "id": "TEXT PRIMARY KEY",
        "identifier": "TEXT NOT NULL UNIQUE",
        "createdAt": "TEXT",
        "metadata": "TEXT DEFAULT '{}'",
    },
    "threads": {
        "id": "TEXT PRIMARY KEY",
        "createdAt": "TEXT",
        "name": "TEXT",
        "userId": "TEXT",
        "userIdentifier": "TEXT",
        "tags": "TEXT",
        "metadata": "TEXT DEFAULT '{}'",
    },
    "steps": {
        "id": "TEXT PRIMARY KEY",
        "name": "TEXT",
        "type": "TEXT",
        "threadId": "TEXT",
        "parentId": "TEXT",
        "command": "TEXT",
        "modes": "TEXT",
        "streaming": "BOOLEAN",
        "waitForAnswer": "BOOLEAN",
        "isError": "BOOLEAN",
        "metadata": "TEXT DEFAULT '{}'",
        "tags": "TEXT",
        "input": "TEXT",
        "output": "TEXT",
        "createdAt": "TEXT",
        "start": "TEXT",
        "end": "TEXT",
        "generation": "TEXT",
        "showInput": "TEXT",
        "defaultOpen": "BOOLEAN",
        "autoCollapse": "BOOLEAN",
        "language": "TEXT",
        "icon": "TEXT",
    },
    "elements": {
        "id": "TEXT PRIMARY KEY",
        "threadId": "TEXT",
        "type": "TEXT",
        "chainlitKey": "TEXT",
        "url": "TEXT",
        "objectKey": "TEXT",
        "name": "TEXT",
        "display": "TEXT",
        "size": "TEXT",
        "language": "TEXT",
        "page": "INTEGER",
        "props": "TEXT DEFAULT '{}'",
        "autoPlay": "BOOLEAN",
        "playerConfig": "TEXT",
        "forId": "TEXT",
        "mime": "TEXT",
    },
    "feedbacks": {
        "id": "TEXT PRIMARY KEY",
        "forId": "TEXT",
        "threadId": "TEXT",
        "value": "INTEGER",
        "comment": "TEXT",
    },
}
_INDEXES = {
    "threads_user": ("threads", "userId"),
    "steps_thread": ("steps", "threadId"),
    "elements_thread": ("elements", "threadId"),
    "feedbacks_for": ("feedbacks", "forId"),
}

SCHEMA = "\n".join(
    [
        f"CREATE TABLE IF NOT EXISTS {table} (\n"
        + ",\n".join(f'    "{column}" {kind}' for column, kind in columns.items())
        + "\n);"
        for table, columns in _TABLES.items()
    ]
    + [
        f'CREATE INDEX IF NOT EXISTS {name} ON {table} ("{column}");'
        for name, (table, column) in _INDEXES.items()
    ]
)


# --- where the history lives ---


def history_files_dir(settings: Settings) -> Path:
    return settings.data_dir / "chat-files"


def normalize_url(raw: str) -> str:
    """An async SQLAlchemy URL: ``postgresql://`` gets asyncpg, ``sqlite://`` aiosqlite, a path SQLite."""
    raw = raw.strip()
    if "://" not in raw:
        return f"sqlite+aiosqlite:///{Path(raw).expanduser().resolve()}"
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    elif url.drivername == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    if url.drivername == "postgresql+asyncpg" and "sslmode" in url.query:
        # libpq's sslmode (in most hosted Postgres URLs) is `ssl` to asyncpg, which rejects sslmode.
        sslmode = url.query["sslmode"]
        url = url.difference_update_query(["sslmode"]).update_query_dict({"ssl": sslmode})
    return url.render_as_string(hide_password=False)


def history_url(settings: Settings) -> str | None:
    """The chat database URL (default: SQLite in the data folder), None when history is off."""
    raw = settings.chat_db.strip()
    if raw.lower() == "off":
        return None
    if not raw:
        return f"sqlite+aiosqlite:///{settings.data_dir / 'chat.db'}"
    return normalize_url(raw)


# --- schema ---


async def _create_schema(conn: AsyncConnection) -> None:
    if conn.dialect.name == "sqlite":
        # WAL lets the UI read history while Chainlit's concurrent tasks write; it persists in the file.
        await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            await conn.exec_driver_sql(statement)
    # Tables made by an older version (or by hand from Chainlit's docs) may lack newer columns.
    for table, columns in _TABLES.items():
        present = {c["name"] for c in await conn.run_sync(lambda sync, t=table: inspect(sync).get_columns(t))}
        for column, kind in columns.items():
            if column not in present:
                await conn.exec_driver_sql(f'ALTER TABLE {table} ADD COLUMN "{column}" {kind.split()[0]}')


def _make_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


async def _ensure_schema_on(engine: AsyncEngine) -> None:
    _make_sqlite_dir(engine.url.render_as_string(hide_password=False))
    async with engine.begin() as conn:
        await _create_schema(conn)


async def ensure_schema(url: str) -> None:
    """Create the tables SQLAlchemyDataLayer uses if missing (idempotent), on SQLite or Postgres."""
    engine = create_async_engine(normalize_url(url))
    try:
        await _ensure_schema_on(engine)
    finally:
        await engine.dispose()


# --- element files ---


def resolve_key(root: Path, key: str) -> Path:
    """The file of an object key under root; ValueError for keys that could point elsewhere."""
    if not key or "\x00" in key:
        raise ValueError(f"invalid object key {key!r}")
    relative = PurePosixPath(key)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"object key {key!r} must be a relative path without '..'")
    base = root.resolve()
    path = (base / relative).resolve()
    # resolve() also follows symlinks, so a link inside root cannot lead out of it.
    if not path.is_relative_to(base) or path == base:
        raise ValueError(f"object key {key!r} leaves the files folder")
    return path


class LocalStorageClient(BaseStorageClient):
    """Element files in a local folder, object keys as relative paths, read through ``mount_files``."""

    def __init__(self, root: Path, url_prefix: str = FILES_PREFIX) -> None:
        self.root = Path(root)
        self.url_prefix = url_prefix.rstrip("/")

    def path_for(self, object_key: str) -> Path:
        return resolve_key(self.root, object_key)

    async def upload_file(
        self,
        object_key: str,
        data: bytes | str,
        mime: str = "application/octet-stream",
        overwrite: bool = True,
        content_disposition: str | None = None,
    ) -> dict[str, Any]:
        # The file route takes the content type from the name, so give extensionless keys (an element
        # named "scan") one from the mime type; the layer stores the key we return.
        if mimetypes.guess_type(object_key)[0] is None and mime and mime != "application/octet-stream":
            object_key += mimetypes.guess_extension(mime) or ""
        path = self.path_for(object_key)
        if not overwrite and path.exists():
            return {}
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        await asyncio.to_thread(write_atomic, path, payload)
        return {"object_key": object_key, "url": await self.get_read_url(object_key)}

    async def delete_file(self, object_key: str) -> bool:
        path = self.path_for(object_key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        # Drop the now empty per-element and per-user folders, never root itself.
        base = self.root.resolve()
        for parent in path.parents:
            if parent == base or not parent.is_relative_to(base):
                break
            try:
                parent.rmdir()
            except OSError:
                break
        return True

    async def get_read_url(self, object_key: str) -> str:
        self.path_for(object_key)  # no URL for a key the route would refuse
        return f"{self.url_prefix}/{quote(object_key)}"

    async def close(self) -> None:
        pass


def _inline_ok(media_type: str) -> bool:
    # Types a browser shows without running scripts; anything else (HTML, SVG, XML) is sent as a download
    # so that an uploaded document cannot script the chat's origin when opened.
    if media_type == "image/svg+xml":
        return False
    return media_type.startswith(("image/", "audio/", "video/")) or media_type in (
        "application/pdf",
        "text/plain",
    )


def mount_files(
    app: Starlette, root: Path, prefix: str = FILES_PREFIX, allow: FileAccess | None = None
) -> None:
    """Serve root's files at ``prefix/<key>`` on app (Chainlit's: ``from chainlit.server import app``);
    with `allow`, only to the requests it allows (others get the same 404 as a missing file).

    Chainlit's router ends with a catch-all ``/{full_path:path}`` that returns the single-page app, and
    routes match in order, so a route appended after it would never be reached: it goes first instead.
    Calling again (Chainlit reloads the app module) replaces the previous route.
    """
    prefix = prefix.rstrip("/")

    async def serve(request: Request) -> Response:
        try:
            path = resolve_key(Path(root), request.path_params["key"])
        except ValueError:
            return PlainTextResponse("Not found", status_code=404)
        if not path.is_file() or (allow is not None and not await allow(request, request.path_params["key"])):
            return PlainTextResponse("Not found", status_code=404)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # no-cache: the browser revalidates (an ETag makes that cheap), so every view passes `allow` again
        # and a shared browser's cache does not show one user's pages to the next.
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}
        if not _inline_ok(media_type):
            headers["Content-Disposition"] = f"attachment; filename*=utf-8''{quote(path.name)}"
        return FileResponse(path, media_type=media_type, headers=headers)

    routes = app.router.routes
    routes[:] = [r for r in routes if getattr(r, "name", None) != _ROUTE_NAME]
    routes.insert(0, Route(f"{prefix}/{{key:path}}", serve, methods=["GET", "HEAD"], name=_ROUTE_NAME))


# --- the data layer ---


def _from_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _fix_step(step: Any) -> None:
    step["metadata"] = _from_json(step.get("metadata")) or {}
    step["generation"] = _from_json(step.get("generation"))
    step["tags"] = _from_json(step.get("tags"))
    for key in ("streaming", "waitForAnswer", "isError"):
        if isinstance(step.get(key), int):  # SQLite gives booleans back as 0/1
            step[key] = bool(step[key])
    # list_threads' search calls step["output"].lower(), which fails on a NULL output.
    step["output"] = step.get("output") or ""
    step["input"] = step.get("input") or ""


def _fix_element(element: Any) -> None:
    element["props"] = _from_json(element.get("props")) or {}
    element["playerConfig"] = _from_json(element.get("playerConfig"))


class HistoryDataLayer(SQLAlchemyDataLayer):
    """SQLAlchemyDataLayer plus the schema on first use and JSON that reads back as it was written."""

    _schema_ready = False
    _schema_lock: asyncio.Lock | None = None

    async def _ensure_ready(self) -> None:
        # Chainlit's @cl.data_layer factory is synchronous, so the schema is made on the first query.
        if self._schema_ready:
            return
        if self._schema_lock is None:
            self._schema_lock = asyncio.Lock()
        async with self._schema_lock:
            if not self._schema_ready:
                await _ensure_schema_on(self.engine)
                self._schema_ready = True

    async def execute_sql(self, query: str, parameters: dict) -> list[dict[str, Any]] | int | None:
        await self._ensure_ready()
        # The layer binds thread tags (a list) and message modes / element playerConfig (dicts) as they are,
        # which neither SQLite nor a TEXT column accepts; store them as JSON like the other JSON fields.
        parameters = {
            key: json.dumps(value) if isinstance(value, list | dict) else value
            for key, value in parameters.items()
        }
        return await super().execute_sql(query, parameters)

    async def get_all_user_threads(self, user_id: str | None = None, thread_id: str | None = None) -> Any:
        # The layer returns JSON columns exactly as stored, i.e. as strings from TEXT columns (and from
        # SQLite always, Chainlit #1137): give callers (resume, the chat's metadata["documents"]) dicts.
        threads = await super().get_all_user_threads(user_id=user_id, thread_id=thread_id)
        for thread in threads or []:
            thread["metadata"] = _from_json(thread.get("metadata")) or {}
            thread["tags"] = _from_json(thread.get("tags"))
            for step in thread["steps"]:
                _fix_step(step)
            for element in thread["elements"]:
                _fix_element(element)
        return threads

    async def get_thread_author(self, thread_id: str) -> str:
        # The layer raises ValueError for an unknown thread, which Chainlit's routes turn into a 500;
        # "" makes them answer 404 (chainlit.data.acl.is_thread_author).
        try:
            return await super().get_thread_author(thread_id)
        except ValueError:
            return ""

    async def element_file_owner(self, object_key: str) -> str | None:
        """The identifier of the user whose chat holds the element stored under object_key."""
        rows = await self.execute_sql(
            'SELECT t."userIdentifier" AS owner FROM elements e JOIN threads t ON t."id" = e."threadId" '
            'WHERE e."objectKey" = :key',
            {"key": object_key},
        )
        return rows[0]["owner"] if isinstance(rows, list) and rows else None

    async def get_step(self, step_id: str) -> Any:
        step = await super().get_step(step_id)
        if step is not None:
            _fix_step(step)
        return step

    async def get_element(self, thread_id: str, element_id: str) -> Any:
        element = await super().get_element(thread_id, element_id)
        if element is not None:
            _fix_element(element)
            # Like get_thread, hand out a URL that works now rather than the one stored at upload time.
            if self.storage_provider is not None and element.get("objectKey"):
                element["url"] = await self.storage_provider.get_read_url(element["objectKey"])
        return element


def make_data_layer(url: str, files_root: Path, files_url_prefix: str = FILES_PREFIX) -> HistoryDataLayer:
    """The chat's data layer on url, element files under files_root; tables are created on first use.

    files_url_prefix must match ``mount_files``' prefix (add Chainlit's root path when it has one).
    """
    storage = LocalStorageClient(files_root, url_prefix=files_url_prefix)
    return HistoryDataLayer(normalize_url(url), storage_provider=storage)
