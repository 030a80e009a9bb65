"""Put text lines into reading order: columns left to right, each top to bottom.

Columns are found among the lines that do not span the page (titles, headers and footers do):
a vertical gutter that no narrow line crosses splits them, and the spanning lines cut the page
into bands that are read one after another. A gutter only counts when the text on both sides is
made of running text, so a table's value column is not mistaken for a text column.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Sequence
from statistics import median

from ..documents.model import Region, union_box


def order_regions(regions: Sequence[Region]) -> list[Region]:
    if any(r.cell is not None for r in regions):
        return _order_with_tables(regions)
    if len(regions) < 2:
        return list(regions)
    if is_vertical_layout(regions):
        return _order_vertical(list(regions))
    return _order_block(list(regions))


def _order_with_tables(regions: Sequence[Region]) -> list[Region]:
    """Each table is placed as one block among the lines, and read row by row, each row left to right."""
    tables: dict[int, list[Region]] = {}
    for region in regions:
        if region.cell is not None:
            tables.setdefault(region.cell.table, []).append(region)
    blocks: dict[int, list[Region]] = {}  # id of a line standing in for a table -> the table's cells
    stand_ins = []
    for cells in tables.values():
        stand_in = Region("", union_box(c.box for c in cells), 1.0, cells[0].source)
        blocks[id(stand_in)] = sorted(cells, key=lambda c: (c.cell.row, c.cell.col))
        stand_ins.append(stand_in)
    ordered: list[Region] = []
    for region in order_regions([r for r in regions if r.cell is None] + stand_ins):
        ordered.extend(blocks.get(id(region), [region]))
    return ordered


def is_vertical_layout(regions: Sequence[Region]) -> bool:
    """Most text runs top to bottom (vertical CJK): lines far taller than wide, of several characters."""
    vertical = horizontal = 0
    for region in regions:
        if len(region.text) < 2:
            continue
        x0, y0, x1, y1 = region.box
        width, height = x1 - x0, y1 - y0
        vertical += height > 1.5 * width
        horizontal += width > 1.5 * height
    return vertical > 2 * horizontal


def _order_vertical(regions: list[Region]) -> list[Region]:
    """Vertical columns are read right to left, each top to bottom."""
    columns: list[list[Region]] = []
    for region in sorted(regions, key=lambda r: -(r.box[0] + r.box[2]) / 2):
        center = (region.box[0] + region.box[2]) / 2
        if columns and columns[-1][0].box[0] <= center <= columns[-1][0].box[2]:
            columns[-1].append(region)
        else:
            columns.append([region])
    return [region for column in columns for region in sorted(column, key=lambda r: r.box[1])]


def group_rows(regions: Sequence[Region]) -> list[list[Region]]:
    """Lines that share a baseline band (e.g. a label and its value) form one row, sorted left to right.

    A line joins the row above when its centre lies in the row's band (the median top and bottom of the
    row's lines) and it overlaps each of them by half the lower one's height. The last row's tops and
    bottoms are kept sorted, so a long row (a page of single characters) costs no median or loop per line.
    """
    rows: list[list[Region]] = []
    tops: list[float] = []
    bottoms: list[float] = []
    for region in sorted(regions, key=lambda r: (r.box[1] + r.box[3]) / 2):
        top, bottom = region.box[1], region.box[3]
        in_band = bool(rows) and _median(tops) <= (top + bottom) / 2 <= _median(bottoms)
        if in_band and _overlaps_row(region, rows[-1], tops[-1], bottoms[0]):
            rows[-1].append(region)
            insort(tops, top)
            insort(bottoms, bottom)
            continue
        rows.append([region])
        tops, bottoms = [top], [bottom]
    return [sorted(row, key=lambda r: r.box[0]) for row in rows]


def _median(ordered: list[float]) -> float:
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _overlaps_row(region: Region, row: list[Region], lowest_top: float, highest_bottom: float) -> bool:
    """`region` overlaps every line of `row` by half the lower one's height. The row's lowest top and
    highest bottom bound every overlap from below: when that bound passes, no line need be looked at."""
    _, top, _, bottom = region.box
    if min(bottom, highest_bottom) - max(top, lowest_top) >= 0.5 * (bottom - top):
        return True
    for other in row:
        overlap = min(bottom, other.box[3]) - max(top, other.box[1])
        if overlap < 0.5 * min(bottom - top, other.height):
            return False
    return True


def _order_block(regions: list[Region]) -> list[Region]:
    x0 = min(r.box[0] for r in regions)
    x1 = max(r.box[2] for r in regions)
    width = x1 - x0
    if width <= 0:
        return _rows_flat(regions)
    narrow = [r for r in regions if r.width <= 0.55 * width]
    gutter = _find_gutter(narrow, x0, x1)
    if gutter is None:
        return _rows_flat(regions)

    # Lines across the gutter (titles, captions) cut the page into bands read one after another;
    # inside a band, the left column, then the right one.
    ordered: list[Region] = []
    band: list[Region] = []
    for region in sorted(regions, key=lambda r: r.box[1]):
        if _crosses(region, gutter):
            ordered.extend(_order_band(band, gutter))
            ordered.append(region)
            band = []
        else:
            band.append(region)
    ordered.extend(_order_band(band, gutter))
    return ordered


def _order_band(band: list[Region], gutter: float) -> list[Region]:
    left = [r for r in band if (r.box[0] + r.box[2]) / 2 < gutter]
    right = [r for r in band if (r.box[0] + r.box[2]) / 2 >= gutter]
    if not left or not right:
        return _rows_flat(band)
    return _order_block(left) + _order_block(right)


def _crosses(region: Region, x: float) -> bool:
    return region.box[0] < x < region.box[2]


def _rows_flat(regions: list[Region]) -> list[Region]:
    return [region for row in group_rows(regions) for region in row]


def _find_gutter(narrow: list[Region], x0: float, x1: float) -> float | None:
    """The x of the widest near-empty vertical strip with running text on both sides, if any.

    A few lines may cross it (a centred caption, a heading); they become band separators.
    """
    if len(narrow) < 4:
        return None
    min_gap = max(4.0, 0.15 * median(r.height for r in narrow))  # OCR boxes leave gutters of 7 px
    allowed = max(1, len(narrow) // 10)
    size = int(x1 - x0) + 2
    delta = [0] * (size + 1)
    for r in narrow:
        delta[int(r.box[0] - x0)] += 1
        delta[int(r.box[2] - x0) + 1] -= 1
    runs: list[tuple[int, int]] = []
    count, start = 0, None
    for x in range(size):
        count += delta[x]
        if count <= allowed and start is None:
            start = x
        elif count > allowed and start is not None:
            runs.append((start, x))
            start = None
    # Runs at the edges are margins, not gutters.
    inner = [(a, b) for a, b in runs if a > 0 and b - a >= min_gap]
    for a, b in sorted(inner, key=lambda run: run[0] - run[1]):
        candidate = x0 + (a + b) / 2
        if _is_column_split(narrow, candidate):
            return candidate
    return None


def _is_column_split(narrow: list[Region], x: float) -> bool:
    left = [r for r in narrow if r.box[2] <= x]
    right = [r for r in narrow if r.box[0] >= x]
    return _looks_like_column(left) and _looks_like_column(right)


def _looks_like_column(lines: list[Region]) -> bool:
    """At least three lines of running text (prose is wide; a table's values are short)."""
    if len(lines) < 3:
        return False
    return median(r.width for r in lines) >= 5 * median(r.height for r in lines)
