"""`doc-assistant read FILE --output OUT`: a searchable PDF (.pdf) or Markdown (.md), through the real CLI.

The searchable PDF is checked the way a user would: PyMuPDF extracts the OCR text from it, finds each line
where the page shows it, and the text layer adds no ink; a born-digital page keeps its own text layer.
"""

from __future__ import annotations

import pymupdf
import pytest
from PIL import Image, ImageChops, ImageStat

from tests import fixtures as fx
from tests.conftest import assert_clean_cli_error, iou, norm, run_cli

pytestmark = pytest.mark.slow


def _render(page: pymupdf.Page) -> Image.Image:
    pixmap = page.get_pixmap(dpi=72)
    return Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)


def test_a_scanned_pdf_becomes_a_searchable_pdf(tmp_path):
    pages = [fx.text_page(), fx.table_page()]
    scan = fx.scan_pdf(pages)
    source, out = tmp_path / "scan.pdf", tmp_path / "searchable.pdf"
    source.write_bytes(scan.data)
    result = run_cli("read", source, "--output", out, "--json")
    assert result.returncode == 0, result.stderr
    answer = result.json()
    assert answer["output"] == str(out)

    original = pymupdf.open(source)
    exported = pymupdf.open(out)
    assert exported.page_count == 2
    for number, (before, after) in enumerate(zip(original, exported, strict=True), 1):
        cited = [c for c in answer["citations"] if c["page"] == number]
        assert after.rect == before.rect, "the page keeps its size"
        assert len(after.get_images()) == 1, "the page keeps its image"
        # The text PyMuPDF extracts is the OCR text, line for line (spacing aside).
        assert norm(after.get_text()) == norm("".join(c["text"] for c in cited)), after.get_text()
        # Each line is found where the page shows it.
        points = after.rect.width / cited[0]["page_size"][0]
        for citation in cited:
            hits = after.search_for(citation["text"])
            box = [v * points for v in citation["bbox"]]
            assert hits and max(iou(tuple(hit), box) for hit in hits) >= 0.5, (citation, hits)
        # Invisible: the exported page looks like the scan (JPEG noise aside), no text drawn over it.
        diff = ImageStat.Stat(ImageChops.difference(_render(before), _render(after)).convert("L"))
        assert diff.mean[0] < 3, diff.mean
    # The table's cells are in the text layer too.
    assert "South" in exported[1].get_text() and "Total" in exported[1].get_text()


def test_a_born_digital_pdf_keeps_its_text_layer(tmp_path):
    source, out = tmp_path / "table.pdf", tmp_path / "copy.pdf"
    source.write_bytes(fx.table_pdf().data)
    result = run_cli("read", source, "--output", out)
    assert result.returncode == 0, result.stderr
    original, exported = pymupdf.open(source)[0], pymupdf.open(out)[0]
    assert exported.get_text() == original.get_text()
    assert exported.get_images() == [] and exported.rect == original.rect


def test_markdown_export_has_headings_paragraphs_a_list_and_a_table(tmp_path):
    page = fx.report_page()
    source, out = tmp_path / "report.png", tmp_path / "report.md"
    source.write_bytes(fx.encode(page.image, "PNG"))
    result = run_cli("read", source, "--output", out, "--quiet")
    assert result.returncode == 0, result.stderr
    markdown = out.read_text(encoding="utf-8")
    blocks = markdown.strip().split("\n\n")
    assert blocks[0] == f"# {fx.REPORT_TITLE}", markdown
    assert blocks[1:3] == [" ".join(p) for p in fx.REPORT_PARAGRAPHS], markdown
    assert blocks[3] == f"## {fx.REPORT_HEADING}", markdown
    assert blocks[4].splitlines() == [f"- {item}" for item in fx.REPORT_ITEMS], markdown
    assert blocks[5] == f"## {fx.REPORT_TABLE_HEADING}", markdown
    table = blocks[6].splitlines()
    assert table[:2] == ["| Region | Q1 | Q2 | Total |", "| --- | --- | --- | --- |"], markdown
    assert len(table) == len(fx.TABLE_ROWS) + 1 and table[2] == "| North | 120 | 135 | 255 |", markdown
    assert len(blocks) == 7, markdown


def test_an_unknown_output_suffix_is_refused_before_reading(tmp_path):
    source = tmp_path / "notes.png"
    source.write_bytes(fx.encode(fx.text_page().image, "PNG"))
    result = run_cli("read", source, "--output", tmp_path / "notes.docx", "--json")
    assert_clean_cli_error(result, "bad_argument", ".pdf", ".md")
    assert not (tmp_path / "notes.docx").exists()
