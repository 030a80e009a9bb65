"""pyinstrument on one extract request alone, as a user's first (result cache off, OCR engines loaded):
bench/profiles.py's extract request without the other tasks, for a before/after of extract's slowest stage.

    .venv/bin/python -m bench.extract_profile [OUT.txt]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .common import entries


def main(argv: list[str] | None = None) -> int:
    from pyinstrument import Profiler

    from assistant.backends.registry import get_backend
    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.extract import extract
    from assistant.tasks.read import read_documents

    argv = sys.argv[1:] if argv is None else argv
    settings = Settings(cache_enabled=False)
    entry, path = entries("receipts_sroie_dev")[0]
    fields = list(entry["fields"])
    backend = get_backend(settings)
    read_documents([load_document(path.read_bytes(), "warm.jpg", settings)], settings=settings)  # untimed
    profiler = Profiler(interval=0.01)
    profiler.start()
    answer = extract([load_document(path.read_bytes(), path.name, settings)], fields, backend, settings)
    profiler.stop()
    text = (
        f"# pyinstrument, extract {','.join(fields)} from {path.name}; python -m bench.extract_profile\n"
        f"# fields {json.dumps(answer.extra['fields'], ensure_ascii=False)}; the model was "
        f"{'loaded' if getattr(backend, '_llm', True) else 'not loaded'} (frames under 1% hidden)\n\n"
        + profiler.output_text(unicode=True, color=False, show_all=False, timeline=False)
    )
    if argv:
        Path(argv[0]).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
