"""Tables of a page that carries its own text, found from where its lines stand: no model, milliseconds.

A born-digital page gives each cell's text as its own exact line, so its tables show in the geometry: a run
of rows that each split into several pieces, close above one another, whose pieces line up in columns.
The columns are the x-ranges the body rows' pieces cover (pieces that overlap in x are one column); a
piece that covers several columns (a header over two) spans them. The layout and table models
(`tables`) stay for pages read by OCR, whose lines are not cells; on text pages they cost seconds a page
and read rows together that the text layer keeps apart.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from statistics import median

from ..documents.model import Region, TableCell
from .reading_order import group_rows, is_vertical_layout
from .tables import MIN_GRID_PIECES, MIN_GRID_ROWS  # what a grid is, as on OCR pages (here in one run)

MIN_COLUMNS = 2
ROW_GAP = 2.5  # line heights: a wider gap between two rows ends the run (a new block of the page)


def with_text_tables(regions: list[Region]) -> tuple[list[Region], list[str]]:
    """The page's lines with each table's lines placed in their cells, and a note of how many tables."""
    if not regions:
        return regions, []
    height = median(r.height for r in regions)
    runs = [run for run in _runs(group_rows(regions), height) if _grid_rows(run) >= MIN_GRID_ROWS]
    if not runs or is_vertical_layout(regions):  # a page of prose has no run: it stops here
        return regions, []
    placed: dict[int, Region] = {}
    found = 0
    for run in runs:
        cells = _cells(run, found)
        if cells:
            placed.update(cells)
            found += 1
    if not found:
        return regions, []
    note = f"{found} table{'s' if found > 1 else ''} kept as a table, each cell cited"
    return [placed.get(id(r), r) for r in regions], [note]


def _runs(rows: list[list[Region]], height: float) -> list[list[list[Region]]]:
    """Consecutive rows of two or more pieces, each close under the one before."""
    runs: list[list[list[Region]]] = []
    run: list[list[Region]] = []
    for row in rows:
        close = bool(run) and min(r.box[1] for r in row) - max(r.box[3] for r in run[-1]) <= ROW_GAP * height
        if len(row) >= 2 and (close or not run):
            run.append(row)
            continue
        if run:
            runs.append(run)
        run = [row] if len(row) >= 2 else []
    if run:
        runs.append(run)
    return runs


def _grid_rows(run: list[list[Region]]) -> int:
    return sum(1 for row in run if len(row) >= MIN_GRID_PIECES)


def _cells(run: list[list[Region]], number: int) -> dict[int, Region]:
    """The run's pieces as cells of table `number` (by the id of each line), or nothing if it is no grid."""
    pieces = [piece for row in run for piece in row]
    # Vertical writing set one character per line stands in rows and columns too: it is no table.
    if sum(1 for p in pieces if len(p.text) == 1 and not p.text.isdigit()) * 2 > len(pieces):
        return {}
    usual = median(len(row) for row in run)
    columns = _columns(run, usual)
    if len(columns) < MIN_COLUMNS:
        return {}
    cells: dict[int, Region] = {}
    starts, ends = [x0 for x0, _ in columns], [x1 for _, x1 in columns]
    for index, row in enumerate(run):
        for piece in row:
            first, last = _covered(piece, starts, ends, heading=len(row) < usual)
            cells[id(piece)] = piece.in_cell(TableCell(number, index, first, 1, last - first + 1))
    return cells


def _columns(run: list[list[Region]], usual: float) -> list[tuple[float, float]]:
    """The x-ranges of the columns, from the body rows (those with the `usual` number of pieces or more,
    so that a header spanning two columns does not join them)."""
    spans = sorted((p.box[0], p.box[2]) for row in run if len(row) >= usual for p in row)
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 < columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    return [(x0, x1) for x0, x1 in columns]


def _covered(piece: Region, starts: list[float], ends: list[float], heading: bool) -> tuple[int, int]:
    """The first and last column a piece overlaps. A piece in the gap between two columns spans both in a
    row of fewer pieces than the body's (a heading centred over them), else goes to the nearer one.
    `starts` and `ends` are the columns' edges: both ascend (columns do not overlap), so the columns a
    piece overlaps are found by bisection: those that end after its left edge and start before its right."""
    x0, _, x1, _ = piece.box
    first, end = bisect_right(ends, x0), bisect_left(starts, x1)
    if first < end:
        return first, end - 1
    centre = (x0 + x1) / 2
    right = bisect_left(starts, centre)
    if right == 0 or right == len(starts):  # beyond the first or the last column
        return (0, 0) if right == 0 else (right - 1, right - 1)
    if heading:
        return right - 1, right
    nearer_left = centre - ends[right - 1] <= starts[right] - centre
    return (right - 1, right - 1) if nearer_left else (right, right)
