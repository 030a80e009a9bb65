"""Writing files so that a crash or a full disk never leaves half of one behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` (creating its folder): readers see the old file or the whole new one.

    The bytes go to a temporary file in the same folder (os.replace is atomic only within one file
    system), are flushed to the disk, then renamed over `path`; the folder is synced so the rename itself
    survives a power cut. On any failure the temporary file is removed and `path` is untouched.
    """
    _publish(path, data, os.replace)


def create_atomic(path: Path, data: bytes) -> bool:
    """Like write_atomic, but only when `path` does not exist yet (False then): of two processes creating
    the same file at once, one wins and both read its bytes."""
    try:
        _publish(path, data, os.link)  # link, unlike replace, fails on an existing file
    except FileExistsError:
        return False
    return True


def _publish(path: Path, data: bytes, put: Callable[[str, Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        put(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # after os.replace it is gone; after os.link (or a failure) it must go
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
