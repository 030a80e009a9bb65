"""A table of a page as text: its cell regions laid out on their grid and written as a Markdown table."""

from __future__ import annotations

from collections.abc import Sequence

from .model import Region


def grid(cells: Sequence[Region]) -> list[list[str]]:
    """Rows of cell texts; a merged cell's text stands in its first row and column, the rest stay empty."""
    placed = [c for c in cells if c.cell is not None]
    if not placed:
        return []
    rows = max(c.cell.row + c.cell.rows for c in placed)
    cols = max(c.cell.col + c.cell.cols for c in placed)
    table = [[""] * cols for _ in range(rows)]
    for region in placed:
        here = table[region.cell.row][region.cell.col]
        table[region.cell.row][region.cell.col] = f"{here} {region.text}".strip()
    return table


def markdown_table(cells: Sequence[Region]) -> str:
    """The cells of one table as a Markdown table; its first row is the header."""
    rows = grid(cells)
    if not rows:
        return ""
    lines = [_row(rows[0]), _row(["---"] * len(rows[0]))]
    lines.extend(_row(row) for row in rows[1:])
    return "\n".join(lines)


def _row(texts: Sequence[str]) -> str:
    return "| " + " | ".join(_escape(text) for text in texts) + " |"


def _escape(text: str) -> str:
    # A pipe would end the cell and a line break the row.
    return " ".join(text.split()).replace("|", "\\|")
