"""What keeping tables costs a read: the table stage (the grid check, then the layout model and rapid-table
where the check says so) beside raw rapidocr on the same page, in the same run.

    .venv/bin/python -m bench.table_cost [--quick] [--runs N]

Pages: the images (and the first page of each PDF) of the shared sets, plus the table page that
tests/fixtures.py draws. Per page, interleaved: raw rapidocr (`readers.rapid.recognize`, the peer), then
`readers.tables.with_tables` on rapidocr's lines (what `read` adds). The ratio is (rapidocr + table stage) ÷
rapidocr over the pages: 1.00× means tables cost nothing.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from PIL import Image

from .common import Section, cli, entries, median, missing_datasets, ratio, table

SETS = ["ocr_lines_dev", "labels_dev", "invoices_zh_dev", "receipts_sroie_dev", "forms_funsd_dev", "pdfs_dev",
        "contracts_dev", "math_dev"]  # fmt: skip
QUICK_PAGES = 4  # per set
HEADER = ["pages of", "pages", "grid-like", "tables", "rapidocr (median)", "table stage (median)",
          "table stage where grid-like", "(rapidocr + tables) ÷ rapidocr"]  # fmt: skip


@dataclass
class Timings:
    ocr: list[float] = field(default_factory=list)
    tables: list[float] = field(default_factory=list)
    gated: list[float] = field(default_factory=list)  # the table stage on pages the grid check let through
    found: int = 0


def _pages(set_name: str, limit: int | None) -> list[Image.Image]:
    from assistant.documents.ingest import load_document
    from assistant.errors import DocAssistantError

    images = []
    for _, path in entries(set_name)[:limit]:
        try:
            document = load_document(path.read_bytes(), path.name)
        except DocAssistantError:
            continue
        images.append(document.pages[0].load_image().convert("RGB"))
    return images


def _measure(image: Image.Image, into: Timings) -> None:
    from assistant.readers import rapid, tables

    started = time.perf_counter()
    regions = rapid.recognize(image)
    into.ocr.append(time.perf_counter() - started)
    started = time.perf_counter()
    out, _ = tables.with_tables(lambda: image, regions)
    took = time.perf_counter() - started
    into.tables.append(took)
    if tables.looks_tabular(regions):
        into.gated.append(took)
    into.found += len({r.cell.table for r in out if r.cell is not None})


def run(quick: bool, runs: int | None) -> Section:
    from assistant.readers import layout, tables
    from tests import fixtures as fx

    why = missing_datasets(*SETS)
    layout.detect(Image.new("RGB", (64, 64), "white"))  # load both models before timing
    tables._engine()
    by_set: dict[str, Timings] = {}
    for set_name in [] if why else SETS:
        timings = by_set.setdefault(set_name, Timings())
        for image in _pages(set_name, QUICK_PAGES if quick else None):
            _measure(image, timings)
        done = f"{set_name}: {len(timings.ocr)} pages, {len(timings.gated)} grid-like"
        print(done, file=sys.stderr, flush=True)
    drawn = by_set.setdefault("tests/fixtures table_page", Timings())
    _measure(fx.table_page().image, drawn)

    rows = []
    for name, t in by_set.items():
        overall = (sum(t.ocr) + sum(t.tables)) / sum(t.ocr) if t.ocr else 0.0
        gated = f"{median(t.gated) * 1000:.0f} ms" if t.gated else "—"
        rows.append([name, str(len(t.ocr)), str(len(t.gated)), str(t.found), f"{median(t.ocr):.2f} s",
                     f"{median(t.tables) * 1000:.1f} ms", gated, ratio(overall)])  # fmt: skip
    every = [t for name, t in by_set.items() if name != "tests/fixtures table_page"]
    ocr_total = sum(sum(t.ocr) for t in every)
    stage_total = sum(sum(t.tables) for t in every)
    gated_all = [v for t in every for v in t.gated]
    pages = sum(len(t.ocr) for t in every)
    headline = (
        f"over {pages} pages of the shared sets, the table stage adds "
        f"{ratio((ocr_total + stage_total) / ocr_total) if ocr_total else '—'} to raw rapidocr; "
        f"{len(gated_all)} pages looked like a grid (median {median(gated_all) * 1000:.0f} ms each there)"
        if pages and gated_all
        else "no shared pages measured"
        if not pages
        else "no shared page looked like a grid"
    )
    lines = [
        f"**Result:** {headline}.",
        "",
        *([f"_{why}_", ""] if why else []),
        *table(HEADER, rows),
    ]
    return Section("tables", "Tables: the cost of keeping them", lines, [headline], runs=1)


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__ or "", run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
