"""A batch's output file, JSONL (one row per document) or CSV (a column per field), and its resume.

Rows are appended and flushed as documents complete, so an interrupted batch keeps everything it finished;
run again with the same --out, it skips the documents already there (a row lost to a passing fault, such as
Redis or a model server down, is run again). When the batch ends, the file is rewritten in input order,
each document once (its latest row).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ArgumentError, InputError
from ..storage import write_atomic
from ..tasks.request import TaskRequest

# Errors that a later run may not meet again: their documents are not "done".
TRANSIENT = frozenset(
    {"redis_unavailable", "engine_unavailable", "worker_lost", "backend_error", "timeout", "busy"}
    | {"internal_error"}
)


def open_output(path: Path, request: TaskRequest) -> JsonlOutput | CsvOutput:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return JsonlOutput(path, request.task)
    if suffix == ".csv":
        return CsvOutput(path, csv_columns(request))
    raise ArgumentError(f"--out {path}: name a .jsonl or a .csv file")


def csv_columns(request: TaskRequest) -> list[str]:
    """file, the fields (extract) or the text (the other tasks), and the error."""
    middle = list(request.fields or []) if request.task == "extract" else ["text"]
    return ["file", *middle, "error"]


def _not_a_batch_file(path: Path, why: str) -> ArgumentError:
    return ArgumentError(f"--out {path}: {why}; choose another --out file")


class JsonlOutput:
    def __init__(self, path: Path, task: str) -> None:
        self.path, self.task = path, task
        self.done: set[str] = set()
        self._recover()
        self._file = _append(path)

    def _recover(self) -> None:
        if not self.path.exists():
            return
        kept = 0
        with self.path.open("rb") as existing:
            for number, line in enumerate(existing, 1):
                if not line.endswith(b"\n"):
                    break  # torn by an interruption mid-write: dropped, its document runs again
                try:
                    row = json.loads(line)
                except ValueError:
                    raise _not_a_batch_file(self.path, f"line {number} is not JSON") from None
                if not isinstance(row, dict) or "file" not in row:
                    raise _not_a_batch_file(self.path, f"line {number} is not a row of a batch")
                if row.get("task") != self.task:
                    raise _not_a_batch_file(self.path, f"it holds {row.get('task')} rows, not {self.task}")
                kept += len(line)
                if not _transient(row.get("error")):
                    self.done.add(row["file"])
        if kept < self.path.stat().st_size:
            os.truncate(self.path, kept)

    def write(self, row: dict[str, Any]) -> None:
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._file.flush()

    def finish(self, order: Sequence[str]) -> None:
        """Rewrite the file in input order, each document once (its latest row)."""
        self._file.close()
        latest: dict[str, tuple[int, int]] = {}  # file -> (offset, length) of its last row
        offset = 0
        with self.path.open("rb") as rows:
            for line in rows:
                latest[json.loads(line)["file"]] = (offset, len(line))
                offset += len(line)
        rank = {file: i for i, file in enumerate(order)}
        files = sorted(latest, key=lambda f: rank.get(f, len(rank)))  # rows of files gone from the input last
        tmp = self.path.with_name(f".{self.path.name}.part")
        with self.path.open("rb") as rows, tmp.open("wb") as out:
            for file in files:
                start, length = latest[file]
                rows.seek(start)
                out.write(rows.read(length))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

    def close(self) -> None:
        self._file.close()


class CsvOutput:
    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path, self.columns = path, columns
        self.done: set[str] = set()
        self._recover()
        self._file = _append(path)
        if self.path.stat().st_size == 0:
            self._write_record(columns)

    def _recover(self) -> None:
        if not self.path.exists():
            return
        text = self.path.read_text(encoding="utf-8", errors="replace")
        try:
            records = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise _not_a_batch_file(self.path, f"it is not CSV ({exc})") from None
        if not records:
            return
        if records[0] != self.columns:
            why = f"its columns are {records[0]}, this batch writes {self.columns}"
            raise _not_a_batch_file(self.path, why)
        body = records[1:]
        torn = not text.endswith("\n") or (body and len(body[-1]) != len(self.columns))
        if torn:  # the last record was cut off mid-write: dropped, its document runs again
            body = body[:-1]
            write_atomic(self.path, _csv_text([self.columns, *body]).encode("utf-8"))
        for record in body:
            code = record[-1].partition(":")[0] if record[-1] else None
            if not _transient({"code": code} if code else None):
                self.done.add(record[0])

    def write(self, row: dict[str, Any]) -> None:
        self._write_record(self.record(row))

    def record(self, row: dict[str, Any]) -> list[str]:
        error = row.get("error")
        cells = {"file": row["file"], "text": row.get("text", ""), **(row.get("fields") or {})}
        cells["error"] = f"{error['code']}: {error['message']}" if error else ""
        return ["" if cells.get(c) is None else str(cells.get(c)) for c in self.columns]

    def _write_record(self, record: list[str]) -> None:
        self._file.write(_csv_text([record]))  # one write per record: an interruption tears at most one
        self._file.flush()

    def finish(self, order: Sequence[str]) -> None:
        self._file.close()
        text = self.path.read_text(encoding="utf-8")
        latest = {record[0]: record for record in list(csv.reader(io.StringIO(text)))[1:]}
        rank = {file: i for i, file in enumerate(order)}
        records = sorted(latest.values(), key=lambda r: rank.get(r[0], len(rank)))
        write_atomic(self.path, _csv_text([self.columns, *records]).encode("utf-8"))

    def close(self) -> None:
        self._file.close()


def _csv_text(records: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    return buffer.getvalue()


def _transient(error: dict[str, Any] | None) -> bool:
    return bool(error) and error.get("code") in TRANSIENT


def _append(path: Path) -> io.TextIOWrapper:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("a", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"--out {path}: cannot write the file ({exc.strerror or exc})") from exc
