"""Answers drawn for a person at a terminal (rich): `extract --format table`."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table


def fields_table(answer: dict[str, Any]) -> Table:
    """A row per field: its value, and the page and box of each citation it rests on."""
    table = Table(title="fields", title_justify="left")
    for column in ("field", "value", "page", "box"):
        table.add_column(column, overflow="fold")
    citations = answer.get("citations", [])
    for name, value in answer.get("fields", {}).items():
        cited = [citations[i] for i in answer.get("field_citations", {}).get(name, []) if i < len(citations)]
        where = [(f"{c['file']} p{c['page']}", ",".join(str(v) for v in c["bbox"])) for c in cited]
        table.add_row(
            name,
            "—" if value is None else str(value),
            "\n".join(page for page, _ in where) or "—",
            "\n".join(box for _, box in where) or "—",
        )
    return table


def print_fields_table(answer: dict[str, Any]) -> None:
    Console(file=sys.stdout, soft_wrap=False).print(fields_table(answer))
