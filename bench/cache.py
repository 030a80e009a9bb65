"""Cache: the latency of a repeated request against the first one, in process.

    .venv/bin/python -m bench.cache [--quick] [--runs N] [--write]

Each run starts from a new, empty result cache (a fresh DOC_ASSISTANT_CACHE_DIR) and sends each request
twice: the first is a cache miss (OCR runs), the repeat is the same bytes again (a hit, as when the same
file is uploaded again under any name). Requests:

  - read of a rendered invoice (PNG, tests/fixtures.py), of a SROIE receipt (JPEG, ../shared/datasets)
    and of a two-page scanned contract (PDF, tests/fixtures.py): load_document + read_documents;
  - ask on the invoice: the first one reads the page and evaluates the whole prompt (the model's prompt
    cache emptied first); the repeat finds the page in the result cache and the prompt in llama.cpp's.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .common import (
    Section,
    cli,
    entries,
    median,
    missing_datasets,
    ms_spread,
    ratio_spread,
    ratios,
    runs_for,
    table,
)

QUESTION = "价税合计是多少？"


def requests(quick: bool) -> list[tuple[str, str, bytes]]:
    """(label, file name, bytes)"""
    from tests import fixtures as fx

    out = [("read invoice.png (fixture, 1 page)", "invoice.png", fx.encode(fx.invoice_page().image, "PNG"))]
    if not quick and not missing_datasets("receipts_sroie_dev"):
        _, path = entries("receipts_sroie_dev")[0]
        out.append((f"read {path.name} (SROIE receipt, 1 page)", path.name, path.read_bytes()))
    _, contract = fx.contract_pdf()
    out.append(("read contract.pdf (fixture scan, 2 pages)", "contract.pdf", contract.data))
    return out


def cached_note(flags: list[bool] | None) -> str:
    if flags is None:
        return "n/a (the answer is new; its page and prompt are cached)"
    return "yes" if all(flags) else f"{sum(flags)} of {len(flags)}"


def run(quick: bool = False, runs: int | None = None) -> Section:
    from assistant.cache import get_cache
    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.ask import ask
    from assistant.tasks.read import read_documents

    from . import llm_peer

    runs = runs_for(quick, runs, full=4, fast=2)
    section = Section("cache", "Cache: a repeated request against the first one", runs=runs)
    todo = requests(quick)
    llm = llm_peer.ours()
    first: dict[str, list[float]] = {}
    again: dict[str, list[float]] = {}
    cached_flags: dict[str, list[bool]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        # Warm-up in a throwaway cache: models and imports loaded before anything is timed.
        warm = Settings(cache_dir=Path(tmp) / "warm")
        for _, name, data in todo:
            read_documents([load_document(data, name, warm)], settings=warm)
        invoice = todo[0]
        "".join(llm.stream([{"role": "user", "content": "Say OK."}], max_tokens=2))  # the weights paged in
        for r in range(runs):
            settings = Settings(cache_dir=Path(tmp) / f"run{r}")
            get_cache(settings)  # opening the cache database is not part of a request
            for label, name, data in todo:
                for times in (first, again):
                    started = time.perf_counter()
                    answer = read_documents([load_document(data, name, settings)], settings=settings)
                    times.setdefault(label, []).append(time.perf_counter() - started)
                cached_flags.setdefault(label, []).append(answer.cached)
            label = f"ask on invoice.png: {QUESTION}"
            fresh = Settings(cache_dir=Path(tmp) / f"run{r}-ask")  # the invoice not read yet
            get_cache(fresh)
            llm_peer.make_cold(llm)
            for times in (first, again):
                started = time.perf_counter()
                ask([load_document(invoice[2], invoice[1], fresh)], QUESTION, llm_peer.backend(), fresh)
                times.setdefault(label, []).append(time.perf_counter() - started)
    rows = []
    for label in first:
        speedup = [1 / x for x in ratios(again[label], first[label])]
        rows.append(
            [
                label,
                ms_spread(first[label]),
                ms_spread(again[label]),
                ratio_spread(ratios(again[label], first[label])),
                f"{median(speedup):,.0f}×",
                cached_note(cached_flags.get(label)),
            ]
        )
    section.lines = [
        f"{runs} runs, each from a new, empty result cache; each request sent twice in a row, in process. "
        "Milliseconds, median (range) over the runs; the ratio is repeat ÷ first per run.",
        "",
        *table(
            [
                "request",
                "first (miss) ms",
                "repeat (hit) ms",
                "repeat ÷ first",
                "speed-up",
                "`cached` in the JSON",
            ],
            rows,
        ),
        "",
        "A read that hits the cache costs the file's hash, the page split (PDF: opening it and its text "
        "layer check) and the cache lookup. The repeated ask still runs retrieval and the model's answer, "
        "but its prompt is served by llama.cpp's prompt cache and the page by the result cache.",
    ]
    reads = [label for label in first if label.startswith("read")]
    speedups = {label: median([1 / x for x in ratios(again[label], first[label])]) for label in first}
    ask_label = next(label for label in first if label.startswith("ask"))
    read_speedups = ", ".join(f"{speedups[label]:,.0f}×" for label in reads)
    section.headline = [
        f"Cache: a repeated read is {read_speedups} faster than the first ({len(reads)} files, median of "
        f"{runs} runs); a repeated ask takes {ratio_spread(ratios(again[ask_label], first[ask_label]))} "
        "the time of the first"
    ]
    return section


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
