"""Saved llama.cpp states of prompt prefixes (a document, read once), in memory and on disk.

A question about a document already in the chat then costs only its own tokens: the document's part of
the prompt is evaluated once, when it is uploaded or first asked about, and its KV state is restored from
here afterwards, in this process or the next one (the CLI starts a process per call). A state is about
28 KB per token for the packaged 1.5B model: a 3,000-token contract is about 85 MB.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from ..storage import write_atomic

_MAGIC = b"DAPS1"  # doc-assistant prompt state, format 1


@dataclass(frozen=True)
class PrefixState:
    tokens: tuple[int, ...]  # the prefix the state holds, from the first token
    data: bytes  # llama_state_seq_get_data of sequence 0 after evaluating `tokens`


def prefix_key(model_identity: str, tokens: tuple[int, ...]) -> str:
    digest = hashlib.sha256(model_identity.encode())
    digest.update(struct.pack(f"<{len(tokens)}i", *tokens))
    return digest.hexdigest()


class PrefixStates:
    """An LRU of states in memory (bounded in bytes), written through to a folder (bounded in bytes too)."""

    def __init__(self, folder: Path | None, memory_bytes: int, disk_bytes: int) -> None:
        self.folder = folder
        self.memory_bytes = memory_bytes
        self.disk_bytes = disk_bytes
        self._memory: OrderedDict[str, PrefixState] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> PrefixState | None:
        with self._lock:
            state = self._memory.get(key)
            if state is not None:
                self._memory.move_to_end(key)
                return state
        state = self._read(key)
        if state is not None:
            self._remember(key, state)
        return state

    def put(self, key: str, state: PrefixState, persist: bool = True) -> None:
        self._remember(key, state)
        if persist and self.folder is not None:
            self._write(key, state)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
        if self.folder is not None:
            for path in self.folder.glob("*.state"):
                path.unlink(missing_ok=True)

    def _remember(self, key: str, state: PrefixState) -> None:
        with self._lock:
            self._memory[key] = state
            self._memory.move_to_end(key)
            total = sum(len(s.data) for s in self._memory.values())
            while total > self.memory_bytes and len(self._memory) > 1:
                _, dropped = self._memory.popitem(last=False)
                total -= len(dropped.data)

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.state"

    def _read(self, key: str) -> PrefixState | None:
        if self.folder is None:
            return None
        path = self._path(key)
        try:
            raw = path.read_bytes()
            os.utime(path)  # recently used: pruned last
        except OSError:
            return None
        header = len(_MAGIC) + 4
        if not raw.startswith(_MAGIC) or len(raw) < header:
            return None  # not ours, or cut short: evaluated again rather than trusted
        (count,) = struct.unpack_from("<I", raw, len(_MAGIC))
        end = header + 4 * count
        if len(raw) < end:
            return None
        tokens = struct.unpack_from(f"<{count}i", raw, header)
        return PrefixState(tokens, raw[end:])

    def _write(self, key: str, state: PrefixState) -> None:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        header = _MAGIC + struct.pack(f"<I{len(state.tokens)}i", len(state.tokens), *state.tokens)
        write_atomic(self._path(key), header + state.data)
        self._prune()

    def _prune(self) -> None:
        """Drop the least recently used files beyond the folder's budget."""
        assert self.folder is not None
        sized = []
        for path in self.folder.glob("*.state"):
            with contextlib.suppress(OSError):  # another process may have pruned it already
                info = path.stat()
                sized.append((info.st_mtime, info.st_size, path))
        used = 0
        for _, size, path in sorted(sized, reverse=True):
            used += size
            if used > self.disk_bytes:
                path.unlink(missing_ok=True)
