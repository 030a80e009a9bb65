"""`python -m bench`: run the benchmarks, each against its peer in the same run, and write the generated
part of docs/benchmarks.md (plots to docs/bench-*.png, profiles to docs/profiles/).

    .venv/bin/python -m bench [--quick] [--runs N] [--no-write] [--only KEY,...]
        KEY: ocr pdf cache ask translate extract scaling profile batch api vlm memory fuzz

  ocr      doc-assistant read vs raw rapidocr and raw tesseract: s/page and CER (bench/ocr_speed.py)
  pdf      PDF text layer: pages/s vs raw PyMuPDF (bench/pdf_text.py)
  cache    a repeated request vs the first one (bench/cache.py)
  ask      first token on a document in the chat vs raw llama.cpp; follow-ups; a 20-page contract vs
           the naive peer (bench/ask_latency.py)
  translate  a label, an A4 page and a math photo: seconds and quality vs the naive peer
           (bench/translate_math.py)
  extract  field exact-match, valid JSON, s/doc vs the naive peer (bench/extract_quality.py)
  scaling  time against pages and concurrent sessions, with plots (bench/scaling.py)
  profile  the slowest stage of each task, with pyinstrument (bench/profiles.py)
  batch    batch pages/min on the local engine and Ray, 1 and 2 workers; a Redis re-run (bench/batch_scale.py)
  api      8 clients: cache hits p99, /health p99, identical uploads, a timed-out request (bench/api_load.py)
  vlm      the model-server path vs a direct request to the same vLLM CPU server (bench/vlm_overhead.py)
  memory   the chat server's RSS with the model loaded and 8 sessions (bench/chat_memory.py)
  fuzz     10,000 mutated files through the ingest path, 200 through the API (bench/fuzz.py)

--quick: every benchmark under 2 minutes (smaller sets, fewer runs); the full run takes about 25.
--runs N: runs per figure (defaults: 2 to 5 per benchmark, see each module).
Each section is written to docs/benchmarks.md as soon as it is measured; a benchmark that fails gets a
section saying why, and the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

from .common import BENCHMARKS, ROOT, Section, machine_line, timed

MODULES = {
    "ocr": "bench.ocr_speed",
    "pdf": "bench.pdf_text",
    "cache": "bench.cache",
    "ask": "bench.ask_latency",
    "translate": "bench.translate_math",
    "extract": "bench.extract_quality",
    "scaling": "bench.scaling",
    "profile": "bench.profiles",
    "batch": "bench.batch_scale",
    "api": "bench.api_load",
    "vlm": "bench.vlm_overhead",
    "memory": "bench.chat_memory",
    "fuzz": "bench.fuzz",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="every benchmark under 2 minutes")
    parser.add_argument("--only", default=",".join(MODULES), help="comma-separated: " + ",".join(MODULES))
    parser.add_argument("--runs", type=int, help="runs per figure (default: each benchmark's own)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    keys = [key.strip() for key in args.only.split(",") if key.strip()]
    unknown = [key for key in keys if key not in MODULES]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}: use {', '.join(MODULES)}")

    from .report import write_sections

    started = time.perf_counter()
    took: dict[str, float] = {}
    failed = []
    for key in keys:
        print(f"== {key} ({'quick' if args.quick else 'full'}) ...", flush=True)
        try:
            module = importlib.import_module(MODULES[key])
            section = timed(module.run, args.quick, args.runs)
        except Exception as exc:  # one broken benchmark does not stop the others; its section says why
            traceback.print_exc()
            failed.append(key)
            section = Section(key, f"{key}: not measured", quick=args.quick)
            section.lines = [f"The benchmark failed in this run: `{type(exc).__name__}: {exc}`."]
            section.headline = [f"not measured: the benchmark failed ({type(exc).__name__}: {exc})"]
        took[key] = section.seconds
        print(section.markdown(), flush=True)
        print(f"== {key}: {section.seconds:.0f} s", flush=True)
        if not args.no_write:
            write_sections([section])
    total = time.perf_counter() - started
    parts = ", ".join(f"{key} {seconds:.0f} s" for key, seconds in took.items())
    wall = (
        f"Last run: `python -m bench{' --quick' if args.quick else ''}"
        f"{'' if len(keys) == len(MODULES) else ' --only ' + ','.join(keys)}"
        f"{f' --runs {args.runs}' if args.runs else ''}` took {total / 60:.1f} min ({parts}); "
        f"{machine_line('at the end')}."
    )
    if not args.no_write:
        write_sections([], wall=wall)
        print(f"written: {BENCHMARKS.relative_to(ROOT)}")
    print(wall)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
