"""Downloads: for extracted fields, JSON always, CSV (a row per document) when several were extracted, and
the line items as CSV (a row per item); for a read, the searchable PDF and the Markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import PurePath

from ...documents.model import Document
from ...exports import pages_read
from ...exports.markdown import markdown_bytes
from ...exports.searchable_pdf import searchable_pdf


def fields_json(results: Mapping[str, Mapping[str, str | None]]) -> bytes:
    """{document: {field: value}} for several documents; just {field: value} for one."""
    payload = next(iter(results.values())) if len(results) == 1 else results
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def fields_csv(results: Mapping[str, Mapping[str, str | None]]) -> bytes:
    columns: list[str] = []
    for values in results.values():
        columns.extend(name for name in values if name not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["document", *columns])
    for document, values in results.items():
        writer.writerow([document, *("" if values.get(c) is None else values.get(c) for c in columns)])
    # A byte-order mark so that spreadsheet programs open Chinese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def items_csv(results: Mapping[str, Sequence[Mapping[str, str | None]]]) -> bytes:
    """Line items, one row per item: {document: [item, ...]} -> document, then the items' columns."""
    columns: list[str] = []
    for items in results.values():
        for item in items:
            columns.extend(name for name in item if name not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["document", *columns])
    for document, items in results.items():
        for item in items:
            writer.writerow([document, *("" if item.get(c) is None else item.get(c) for c in columns)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def read_downloads(documents: Sequence[Document], pages: str | None) -> list[tuple[str, bytes, str]]:
    """The read pages as a searchable PDF and as Markdown: (file name, bytes, MIME type) each."""
    read = pages_read(documents, pages)
    stem = PurePath(documents[0].name).stem if len(documents) == 1 else "documents"
    return [
        (f"{stem}.searchable.pdf", searchable_pdf(read), "application/pdf"),
        (f"{stem}.md", markdown_bytes(read), "text/markdown"),
    ]
