"""The documents of a batch: files, and folders searched recursively, in a stable order, each once."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..documents.filetype import sniff
from ..errors import InputError


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)  # in input order
    skipped: list[Path] = field(default_factory=list)  # found in a folder, not an image or a PDF


def discover(paths: Sequence[str | Path]) -> Inputs:
    """Every file named, and every image or PDF in the folders named (by content, as everywhere else).

    A file named outright is always a document of the batch: when it is not one we read, its row says so.
    In a folder, hidden files and files of other types (notes, spreadsheets) are skipped, and counted.
    """
    found = Inputs()
    seen: set[Path] = set()

    def add(path: Path, named: bool) -> None:
        key = path.resolve()
        if key in seen:
            return
        if named or _is_document(path):
            seen.add(key)
            found.files.append(path)
        elif path not in found.skipped:
            found.skipped.append(path)

    for given in map(Path, paths):
        if given.is_dir():
            for folder, dirs, names in os.walk(given):  # symbolic links to folders are not followed
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith("."):
                        add(Path(folder) / name, named=False)
        elif given.exists() or given.is_symlink():
            add(given, named=True)
        else:
            raise InputError(f"{given}: no such file or folder")
    found.skipped = [p for p in found.skipped if p.resolve() not in seen]  # named outright after all
    return found


def _is_document(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        return True  # unreadable: its row tells why
    return sniff(head) is not None
