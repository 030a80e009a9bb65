"""The documents of one chat session: their bytes kept on disk, their pages loaded, chosen per message.

Chainlit deletes its upload folder when a session ends, so every upload is copied into a content-addressed
store; the session's metadata (persisted with the chat history) lists names and hashes only, and a resumed
chat loads its documents back from the store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...conversation import select_documents
from ...documents.ingest import load_document
from ...documents.model import Document
from ...errors import ArgumentError, InputError
from ...settings import Settings
from ...storage import write_atomic
from .access import user_folder

SHA256_HEX = 64


class UploadStore:
    """Uploaded files by sha256, written atomically so that a crash never leaves half a file.

    `shared`: the one store of earlier versions, where a chat recorded before per-user stores finds its
    files (copied into this store on first use).
    """

    def __init__(self, root: Path, shared: Path | None = None) -> None:
        self.root = root
        self.shared = shared

    @classmethod
    def for_user(cls, data_dir: Path, identifier: str | None) -> UploadStore:
        """data_dir/uploads for the open chat; data_dir/uploads/<hash of the user> with login on."""
        root = data_dir / "uploads"
        return cls(root) if identifier is None else cls(root / user_folder(identifier), shared=root)

    def _path(self, digest: str) -> Path:
        if len(digest) != SHA256_HEX or not all(c in "0123456789abcdef" for c in digest):
            raise InputError(f"not a document id: {digest!r}")
        return self.root / digest[:2] / digest

    def save(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            write_atomic(path, data)
        return digest

    def load(self, digest: str) -> bytes:
        path = self._path(digest)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        older = self.shared / path.relative_to(self.root) if self.shared else None
        if older is not None and older.is_file():
            data = older.read_bytes()
            if hashlib.sha256(data).hexdigest() == digest:
                write_atomic(path, data)
                return data
        raise InputError("this document is no longer stored; upload it again")


@dataclass
class SessionDocument:
    name: str
    sha256: str
    document: Document

    def to_metadata(self) -> dict[str, str]:
        return {"name": self.name, "sha256": self.sha256}


class SessionLibrary:
    """Every document uploaded in one chat, in upload order."""

    def __init__(self, store: UploadStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.documents: list[SessionDocument] = []

    def add(self, name: str, data: bytes) -> SessionDocument:
        """Validate and load an upload (InputError on bad input; nothing is kept then)."""
        document = load_document(data, name, self.settings)
        digest = self.store.save(data)
        entry = SessionDocument(name=_unique_name(name, self.documents), sha256=digest, document=document)
        entry.document.name = entry.name
        self.documents.append(entry)
        return entry

    def restore(self, metadata: list[dict[str, Any]]) -> list[str]:
        """Load the documents a persisted chat listed; returns a message for each one that failed."""
        problems = []
        for item in metadata:
            name = str(item.get("name", "document"))
            try:
                data = self.store.load(str(item.get("sha256", "")))
                document = load_document(data, name, self.settings)
            except InputError as exc:
                problems.append(f"{name}: {exc.message}")
                continue
            self.documents.append(SessionDocument(name, document.sha256, document))
        return problems

    def to_metadata(self) -> list[dict[str, str]]:
        return [entry.to_metadata() for entry in self.documents]

    def select(self, positions: list[int] | None, every_document: bool) -> list[Document]:
        """The documents a message means: the named positions (1-based, -1 = latest), else all or latest."""
        if not self.documents:
            raise ArgumentError("no documents yet: attach an image or a PDF (the paper clip), then ask again")
        return select_documents([entry.document for entry in self.documents], positions, every_document)

    def describe(self) -> str:
        return ", ".join(
            f"{i}. {entry.name} ({_pages(entry.document)})" for i, entry in enumerate(self.documents, 1)
        )


def _pages(document: Document) -> str:
    count = len(document.pages)
    return "1 page" if count == 1 else f"{count} pages"


def _unique_name(name: str, existing: list[SessionDocument]) -> str:
    """Two uploads called scan.jpg stay apart in citations: the second becomes scan (2).jpg."""
    taken = {entry.name for entry in existing}
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while (candidate := f"{stem} ({n}){dot}{ext}") in taken:
        n += 1
    return candidate
