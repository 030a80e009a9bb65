"""PDF text layer: pages per second of doc-assistant's read against raw PyMuPDF text extraction.

    .venv/bin/python -m bench.pdf_text [--quick] [--runs N] [--write]

Files: the born-digital PDFs of ../shared/datasets/pdfs_dev (an encrypted invoice, a 10-K note, a wide
table, two vertical Japanese pages) and a 50-page text PDF rendered by tests/fixtures.py (20 lines a page).
In process, from the PDF's bytes, interleaved:

  - doc-assistant: load_document + read_documents, cache off (lines with their words, vertical columns
    joined, reading order);
  - PyMuPDF "dict": open + page.get_text("dict") per page, lines joined from spans (what peer_cli.py does);
  - PyMuPDF "words": open + page.get_text("words") per page.

Each file is read several times per run so that a run lasts long enough to time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .attribution import Stage, attribute, profile, shares
from .common import (
    Section,
    cli,
    entries,
    median,
    missing_datasets,
    order,
    rate,
    ratio_spread,
    ratios,
    runs_for,
    spread,
    table,
)

PEERS = ["PyMuPDF dict", "PyMuPDF words"]
PDF_STAGES = [
    Stage("MuPDF text extraction (get_text)", "pymupdf/__init__.py", "get_text"),
    Stage("MuPDF text extraction (get_text)", "pymupdf/__init__.py", "get_textpage"),
    Stage(
        "lines from the text (spans joined, vertical columns)",
        "assistant/documents/pdf.py",
        "text_lines",
    ),
    Stage("tesseract language list (read per page)", "assistant/readers/tesseract.py", "installed_languages"),
    Stage("boxes scaled to pixels (Region.scaled)", "assistant/documents/model.py", "scaled"),
    Stage("render zoom and page size", "assistant/documents/pdf.py", "render_zoom"),
    Stage("render zoom and page size", "assistant/documents/pdf.py", "page_size"),
    Stage("PDF open and checks", "assistant/documents/pdf.py", "open_pdf"),
    Stage("reading order", "assistant/readers/reading_order.py", "order_regions"),
    Stage("cache key (content hash, json)", "assistant/cache.py", "make_key"),
]
PIPELINES = ["doc-assistant", *PEERS]
SYNTHETIC_PAGES = 50


@dataclass
class Pdf:
    name: str
    data: bytes
    pages: int


def pdfs(quick: bool) -> list[Pdf]:
    import pymupdf

    from tests import fixtures as fx

    out = []
    if not missing_datasets("pdfs_dev"):
        for entry, path in entries("pdfs_dev"):
            if entry.get("kind") == "born_digital":
                out.append(Pdf(path.name, path.read_bytes(), 0))
    pages = 10 if quick else SYNTHETIC_PAGES
    texts = [
        [
            f"Page {p + 1}, line {i + 1}: the quick brown fox jumps over the lazy dog {p * 31 + i}"
            for i in range(20)
        ]
        for p in range(pages)
    ]
    out.append(Pdf(f"fixture_text_{pages}p.pdf", fx.text_pdf(texts, width=595, height=842).data, 0))
    for pdf in out:
        with pymupdf.open(stream=pdf.data, filetype="pdf") as doc:
            pdf.pages = doc.page_count
    return out


def ours(pdf: Pdf, settings) -> int:
    from assistant.documents.ingest import load_document
    from assistant.tasks.read import read_documents

    answer = read_documents([load_document(pdf.data, pdf.name, settings)], settings=settings)
    return len(answer.text)


def pymupdf_dict(pdf: Pdf) -> int:
    import pymupdf

    chars = 0
    with pymupdf.open(stream=pdf.data, filetype="pdf") as doc:
        doc.authenticate("")
        for page in doc:
            for block in page.get_text("dict").get("blocks", []):
                for line in block.get("lines", []):
                    chars += len("".join(span.get("text", "") for span in line.get("spans", [])).strip())
    return chars


def pymupdf_words(pdf: Pdf) -> int:
    import pymupdf

    chars = 0
    with pymupdf.open(stream=pdf.data, filetype="pdf") as doc:
        doc.authenticate("")
        for page in doc:
            chars += sum(len(word[4]) for word in page.get_text("words"))
    return chars


def run(quick: bool = False, runs: int | None = None) -> Section:
    from assistant.settings import Settings

    runs = runs_for(quick, runs, full=5, fast=3)
    section = Section("pdf", "PDF text layer: doc-assistant read vs raw PyMuPDF", runs=runs)
    settings = Settings(cache_enabled=False)
    files = pdfs(quick)
    repeat = 3 if quick else 5
    call = {
        "doc-assistant": lambda pdf: ours(pdf, settings),
        "PyMuPDF dict": pymupdf_dict,
        "PyMuPDF words": pymupdf_words,
    }
    for pdf in files:  # warm-up: imports, fonts, the first parse
        for name in PIPELINES:
            call[name](pdf)
    # seconds[name][file] per run
    seconds: dict[str, dict[str, list[float]]] = {n: {f.name: [] for f in files} for n in PIPELINES}
    for r in range(runs):
        for i, pdf in enumerate(files):
            for name in order(r + i, PIPELINES):
                started = time.perf_counter()
                for _ in range(repeat):
                    call[name](pdf)
                seconds[name][pdf.name].append((time.perf_counter() - started) / repeat)

    def pages_per_s(name: str, subset: list[Pdf]) -> list[float]:
        return [
            sum(p.pages for p in subset) / sum(seconds[name][p.name][r] for p in subset) for r in range(runs)
        ]

    groups = {
        f"pdfs_dev born-digital ({sum(p.pages for p in files[:-1])} pages in {len(files) - 1} files)": files[
            :-1
        ],
        f"fixture text PDF ({files[-1].pages} pages)": files[-1:],
    }
    if len(files) == 1:
        groups = {f"fixture text PDF ({files[-1].pages} pages)": files}
    profiled = [pdf for pdf in files for _ in range(repeat)]
    in_process = Settings(cache_enabled=False, page_workers=0)  # the profile sees inside the layout job
    _, session = profile(lambda: [ours(pdf, in_process) for pdf in profiled])
    stages = shares(attribute(session.root_frame(), PDF_STAGES))
    rows = []
    headline = []
    for label, subset in groups.items():
        ours_rate = pages_per_s("doc-assistant", subset)
        cells = [label, spread(ours_rate, rate)]
        for peer in PEERS:
            peer_rate = pages_per_s(peer, subset)
            cells += [spread(peer_rate, rate), ratio_spread(ratios(ours_rate, peer_rate))]
        rows.append(cells)
        dict_ratio = ratios(ours_rate, pages_per_s("PyMuPDF dict", subset))
        headline.append(
            f"{label}: {rate(median(ours_rate))} pages/s, {ratio_spread(dict_ratio)} PyMuPDF dict's"
        )
    section.lines = [
        "Pages per second, median (range) over the runs; each file read "
        f"{repeat}× per run, the three pipelines interleaved. The ratios are doc-assistant's pages/s over "
        "the peer's (below 1: doc-assistant is slower).",
        "",
        *table(
            [
                "files",
                "doc-assistant pages/s",
                "PyMuPDF dict pages/s",
                "÷ dict",
                "PyMuPDF words pages/s",
                "÷ words",
            ],
            rows,
        ),
        "",
        "Where doc-assistant's time goes on text pages (pyinstrument, one profiled pass over every file, "
        "each sample's time given to the innermost stage on its stack):",
        "",
        *table(["stage", "share of doc-assistant's time"], [[k, f"{f:.0%}"] for k, _, f in stages]),
        "",
        f"Slowest stage: **{stages[0][0]}** ({stages[0][2]:.0%}). doc-assistant extracts once per page, "
        "in a page-worker process (under the page budget), with the page's rotation and zoom as MuPDF's "
        "matrix, so boxes come out in page pixels with no transform in Python; the profile is of the same "
        "work in process (the timed runs use the workers).",
    ]
    if missing := missing_datasets("pdfs_dev"):
        section.lines += ["", f"The pdfs_dev files were not measured: {missing}."]
    section.headline = ["PDF text layer: " + "; ".join(headline)]
    return section


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
