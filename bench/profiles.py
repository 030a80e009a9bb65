"""Profiler: the slowest stage of each task (read, ask, extract, translate), found with pyinstrument.

    .venv/bin/python -m bench.profiles [--quick] [--runs N] [--write]

Each task runs in process on one document as a user's first request does (result cache off, so OCR
runs; the model's prompt cache emptied), under pyinstrument (1 ms sampling), after an untimed warm-up
that loads the OCR engines and the model. Every sample's time goes to the innermost named stage on its
stack (bench/attribution.py), so nested stages do not count twice. The text profiles go to
docs/profiles/<task>.txt.

Documents: the first SROIE receipt of ../shared/datasets (read, ask with its first question, extract
company, date, address and total) and the Greek parking sign of ocr_lines_dev (translate into English);
the rendered invoice of tests/fixtures.py when the datasets are absent. --quick: one run, and extract
asks for the date and total only.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .attribution import OTHER, Stage, attribute, profile, shares
from .common import DOCS, Section, cli, entries, median, missing_datasets, runs_for, spread, table

PROFILES = DOCS / "profiles"
TASKS = ["read", "ask", "extract", "translate"]

FORWARD = "LLM: forward pass"
PROMPT_PASS = "LLM: prompt evaluation (batched forward passes)"
TOKEN_PASS = "LLM: generating (one forward pass per token)"

STAGES = [
    Stage("OCR: other (pages, cache keys, checks)", "assistant/tasks/read.py", "read_pages"),
    Stage("decode / open the file", "assistant/documents/ingest.py", "load_document"),
    Stage("OCR: render PDF page", "assistant/documents/pdf.py", "render_page"),
    Stage("OCR: orientation + script (tesseract OSD)", "assistant/readers/orientation.py", "detect_osd"),
    Stage("OCR: rapidocr", "assistant/readers/rapid.py", "recognize"),
    Stage("OCR: rapidocr box probe", "assistant/readers/rapid.py", "detect"),
    Stage(
        "OCR: script probe (tesseract line crops)", "assistant/readers/script.py", "detect_tesseract_script"
    ),
    Stage("OCR: tesseract", "assistant/readers/tesseract.py", "recognize"),
    Stage("OCR: reading order", "assistant/readers/reading_order.py", "order_regions"),
    Stage("retrieval (BM25 + e5 embeddings)", "assistant/retrieval/search.py", "build_passages"),
    Stage("retrieval (BM25 + e5 embeddings)", "assistant/retrieval/search.py", "retrieve"),
    Stage("prompt templates", "assistant/prompts.py", "messages"),
    Stage("LLM: other (chat template, tokens, streaming)", "assistant/backends/local.py", "stream"),
    Stage("LLM: counting tokens (clipping the text)", "assistant/backends/local.py", "count_tokens"),
    Stage(FORWARD, "llama_cpp/_internals.py", "decode"),
    Stage("LLM: sampling (greedy, JSON grammar)", "llama_cpp/_internals.py", "sample"),
    Stage("LLM: sampler + grammar set-up", "llama_cpp/llama.py", "_init_sampler"),
    Stage("LLM: JSON schema to grammar", "llama_cpp/llama_grammar.py", "from_json_schema"),
    Stage("LLM: prompt cache save / load", "llama_cpp/llama.py", "save_state"),
    Stage("LLM: prompt cache save / load", "llama_cpp/llama.py", "load_state"),
    Stage("grounding the answer on the page", "assistant/tasks/grounding.py", "ground_answer"),
    Stage("grounding the answer on the page", "assistant/tasks/grounding.py", "locate"),
    Stage("grounding the answer on the page", "assistant/tasks/grounding.py", "locate_same_date"),
    Stage("field checks (kinds, checksums, locating)", "assistant/tasks/extract.py", "verify_field"),
    Stage("layout: labels, invoice and receipt rules", "assistant/tasks/layout_reading.py", "read_fields"),
    Stage("layout: checkboxes (OpenCV)", "assistant/tasks/checkboxes.py", "find_checkboxes"),
    Stage("re-rendering the translated page", "assistant/documents/render.py", "render_translation"),
    Stage("math (sympy)", "assistant/tasks/mathsolve/solve.py", "solve"),
]


@dataclass
class LlmCalls:
    """What the model did in one task: prompt tokens, time to the first piece, generation."""

    calls: int = 0
    prompt_tokens: int = 0
    to_first: float = 0.0
    generating: float = 0.0
    pieces: int = 0


@dataclass
class Job:
    task: str
    what: str
    run: Any  # () -> Answer


def jobs(llm: Any, tmp: Path, quick: bool) -> list[Job]:
    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.ask import ask
    from assistant.tasks.extract import extract
    from assistant.tasks.read import read_documents
    from assistant.tasks.translate import translate

    from . import llm_peer

    backend = llm_peer.backend()  # its model is `llm`
    from tests import fixtures as fx

    settings = Settings(cache_enabled=False, page_workers=0)  # in process: the profile sees the OCR stages
    if missing_datasets("receipts_sroie_dev", "ocr_lines_dev"):
        name, data = "invoice.png", fx.encode(fx.invoice_page().image, "PNG")
        question, fields = "价税合计是多少？", ["发票号码", "开票日期", "价税合计"]
        sign_name, sign = name, data
    else:
        entry, path = entries("receipts_sroie_dev")[0]
        name, data = path.name, path.read_bytes()
        question, fields = entry["qa"][0]["question"], list(entry["fields"])
        sign_path = next(p for e, p in entries("ocr_lines_dev") if e["task"] == "translate")
        sign_name, sign = sign_path.name, sign_path.read_bytes()
    if quick:  # fewer fields: fewer tokens to generate
        fields = [f for f in fields if f in ("date", "total")] or fields[:2]

    def doc(n: str = name, d: bytes = data):
        return load_document(d, n, settings)

    return [
        Job("read", f"read {name}", lambda: read_documents([doc()], settings=settings)),
        Job("ask", f"ask {name}: {question}", lambda: ask([doc()], question, backend, settings)),
        Job(
            "extract",
            f"extract {','.join(fields)} from {name}",
            lambda: extract([doc()], fields, backend, settings),
        ),
        Job(
            "translate",
            f"translate {sign_name} into English",
            lambda: translate([doc(sign_name, sign)], "en", backend, settings, tmp),
        ),
    ]


class DecodeSplit:
    """Times llama.cpp's decode calls: a batch of several tokens is the prompt, one token is generation."""

    def __init__(self) -> None:
        self.prompt = 0.0
        self.tokens = 0.0

    def __enter__(self) -> DecodeSplit:
        from llama_cpp import _internals

        self.cls = _internals.LlamaContext
        original = self.original = self.cls.decode

        def decode(ctx, batch):
            started = time.perf_counter()
            try:
                return original(ctx, batch)
            finally:
                spent = time.perf_counter() - started
                if batch.n_tokens() > 1:
                    self.prompt += spent
                else:
                    self.tokens += spent

        self.cls.decode = decode
        return self

    def __exit__(self, *exc: object) -> None:
        self.cls.decode = self.original

    def apply(self, seconds: dict[str, float]) -> dict[str, float]:
        """Split the profile's forward-pass time between the prompt and the generated tokens."""
        forward = seconds.pop(FORWARD, 0.0)
        total = self.prompt + self.tokens
        if forward and total:
            seconds[PROMPT_PASS] = forward * self.prompt / total
            seconds[TOKEN_PASS] = forward * self.tokens / total
        return seconds


def watch(llm: Any, calls: LlmCalls):
    """Wrap ours' LocalLLM.stream to time the prompt (to the first piece) and the generation."""
    original = llm.stream

    def stream(messages, *args, **kwargs):
        calls.calls += 1
        calls.prompt_tokens += sum(llm.count_tokens(m["content"]) for m in messages)
        started = time.perf_counter()
        first = None
        for piece in original(messages, *args, **kwargs):
            if first is None:
                first = time.perf_counter()
                calls.to_first += first - started
            calls.pieces += 1
            yield piece
        if first is not None:
            calls.generating += time.perf_counter() - first

    llm.stream = stream


def run(quick: bool = False, runs: int | None = None) -> Section:
    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.read import read_documents
    from tests import fixtures as fx

    from . import llm_peer

    runs = runs_for(quick, runs, full=2, fast=1)
    section = Section("profile", "Profiler: the slowest stage of each task", runs=runs)
    llm = llm_peer.ours()
    PROFILES.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict[str, float]]] = {task: [] for task in TASKS}
    llm_calls: dict[str, list[LlmCalls]] = {task: [] for task in TASKS}
    walls: dict[str, list[float]] = {task: [] for task in TASKS}
    whats: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        settings = Settings(cache_enabled=False, page_workers=0)  # warm-up: engines and model loaded, untimed
        read_documents(
            [load_document(fx.encode(fx.text_page().image, "PNG"), "w.png", settings)], settings=settings
        )
        "".join(llm.stream([{"role": "user", "content": "Say OK."}], max_tokens=2))
        for r in range(runs):
            for job in jobs(llm, Path(tmp), quick):
                whats[job.task] = job.what
                llm_peer.make_cold(llm)
                calls = LlmCalls()
                watch(llm, calls)
                try:
                    with DecodeSplit() as split:
                        started = time.perf_counter()
                        _, session = profile(job.run)
                        walls[job.task].append(time.perf_counter() - started)
                finally:
                    del llm.stream
                results[job.task].append(split.apply(attribute(session.root_frame(), STAGES)))
                llm_calls[job.task].append(calls)
                if r == 0:
                    save_text(job.task, job.what, session)
    section.lines, section.headline = report(results, llm_calls, walls, whats, runs)
    return section


def save_text(task: str, what: str, session: Any) -> None:
    from pyinstrument.renderers import ConsoleRenderer

    renderer = ConsoleRenderer(unicode=True, color=False, processor_options={"filter_threshold": 0.01})
    text = renderer.render(session)
    header = f"# pyinstrument, {what}; python -m bench.profiles (frames under 1% hidden)\n"
    (PROFILES / f"{task}.txt").write_text(header + text)


def report(results, llm_calls, walls, whats, runs) -> tuple[list[str], list[str]]:
    slow_rows, detail_rows, headline = [], [], []
    for task in TASKS:
        per_run = [shares(seconds) for seconds in results[task]]
        labels = {label for run in per_run for label, _, _ in run}
        share = {
            label: [next((f for k, _, f in run if k == label), 0.0) for run in per_run] for label in labels
        }
        ranked = sorted((label for label in labels if label != OTHER), key=lambda k: -median(share[k]))
        top = ranked[0]
        pct = lambda values: spread(values, lambda v: f"{v:.0%}")  # noqa: E731
        slow_rows.append([task, f"**{top}**", pct(share[top]), spread(walls[task], lambda v: f"{v:.1f} s")])
        headline.append(f"{task}: {top} ({median(share[top]):.0%})")
        calls = llm_calls[task]
        llm_note = ""
        if calls and calls[0].calls:
            m = {key: median([getattr(c, key) for c in calls]) for key in vars(calls[0])}
            llm_note = (
                f"{m['calls']:g} model call(s), ≈{m['prompt_tokens']:.0f} prompt tokens in "
                f"{m['to_first']:.1f} s to the first piece, {m['pieces']:.0f} pieces generated in "
                f"{m['generating']:.1f} s"
            )
        others = "; ".join(f"{k} {median(share[k]):.0%}" for k in ranked[1:4] if median(share[k]) >= 0.01)
        link = f"[{task}.txt](profiles/{task}.txt)"
        detail_rows.append([task, whats[task], others or "–", llm_note or "no model call", link])
    lines = [
        f"pyinstrument on one request per task, as a user's first request (cache off, prompt cache empty); "
        f"{runs} run(s); share of the task's wall time, median (range) over the runs. Each sample's time "
        "goes to the innermost named stage on its stack. This is a diagnosis, not a ratio: it says where "
        "doc-assistant's own time goes.",
        "",
        *table(["task", "slowest stage", "share of time", "task wall time (profiled)"], slow_rows),
        "",
        *table(["task", "request", "next stages", "the model's part", "profile"], detail_rows),
    ]
    return lines, ["Slowest stage per task: " + "; ".join(headline)]


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
