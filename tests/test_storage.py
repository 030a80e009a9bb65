"""write_atomic: a file is the old one or the whole new one, never a part, and no temporary file stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import storage
from assistant.storage import write_atomic


def test_writes_into_a_new_folder_and_replaces_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "notes.bin"
    write_atomic(path, b"first")
    assert path.read_bytes() == b"first"
    write_atomic(path, b"second, longer")
    assert path.read_bytes() == b"second, longer"
    assert [p.name for p in path.parent.iterdir()] == ["notes.bin"]


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failed_write_keeps_the_old_file_whole_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = tmp_path / "notes.bin"
    write_atomic(path, b"old")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, step, fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.bin"]
