"""pyinstrument profile of `read` on the pages where its checks cost the most, in process (page workers off,
so that the stages show), cache off, after a warm-up pass: docs/profiles/read-before.txt was made by this
script on the code before issue 14's change, docs/profiles/read-after.txt on the code after it.

    .venv/bin/python -m bench.read_profile docs/profiles/read-after.txt

Files: the first SROIE receipt and four ocr_lines_dev pages (Devanagari fonts, a Greek street sign, mixed
Chinese and English lines, a Russian newspaper header).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .common import entries

IDS = (
    "tess_devanagari_fonts",
    "qwen_el_parking_sign",
    "rapidocr_zh_en_mixed_lines",
    "dots_ru_newspaper_header",
)


def main(argv: list[str] | None = None) -> int:
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.read import read_documents

    out = Path((argv or sys.argv[1:] or ["docs/profiles/read-after.txt"])[0])
    settings = Settings(cache_enabled=False, page_workers=0)
    files = [entries("receipts_sroie_dev")[0][1]] + [p for e, p in entries("ocr_lines_dev") if e["id"] in IDS]

    def read_all() -> None:
        for path in files:
            read_documents([load_document(path.read_bytes(), path.name, settings)], settings=settings)

    read_all()  # warm: engines and languages loaded
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    started = time.perf_counter()
    read_all()
    wall = time.perf_counter() - started
    profiler.stop()
    renderer = ConsoleRenderer(unicode=True, color=False, processor_options={"filter_threshold": 0.01})
    header = (
        f"# pyinstrument, read of {', '.join(p.name for p in files)} in process, cache off; "
        f"{wall:.1f} s (frames under 1% hidden)\n"
    )
    out.write_text(header + renderer.render(profiler.last_session))
    print(f"{out}: {wall:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
