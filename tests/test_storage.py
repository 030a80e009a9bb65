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


def test_create_atomic_writes_once_and_never_replaces(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    assert storage.create_atomic(path, b"first") is True
    assert storage.create_atomic(path, b"second") is False
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_empty_secret_left_by_a_crash_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.frontends.chat import auth

    monkeypatch.setenv(auth.SECRET_ENV, "")  # unset for ensure_secret; put back after the test
    (tmp_path / "chat-auth-secret").write_text("")
    auth.ensure_secret(tmp_path)
    made = (tmp_path / "chat-auth-secret").read_text()
    assert len(made) > 40 and auth.os.environ[auth.SECRET_ENV] == made
    monkeypatch.setenv(auth.SECRET_ENV, "")
    auth.ensure_secret(tmp_path)  # the next start keeps it: logins survive restarts
    assert auth.os.environ[auth.SECRET_ENV] == made
