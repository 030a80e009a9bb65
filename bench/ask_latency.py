"""ask: time to first token and total time against a raw llama.cpp call with the same prompt, and a
follow-up question against a cold one.

    .venv/bin/python -m bench.ask_latency [--quick] [--runs N] [--write]

doc-assistant: assistant.tasks.ask.ask on a document already read (its pages in the result cache, as in
the chat, where a document is read when it is dropped in), so the figure is retrieval + the model.
The raw peer: llama_cpp.Llama on the same GGUF (assistant.backends.local.model_path(Settings())), same context
and threads, create_chat_completion(stream=True, temperature 0, top_k 1, max_tokens 200) with exactly
the messages doc-assistant's ask sent (captured from its LocalLLM.stream call). Both are made cold before
each timed call (KV prefix and prompt cache emptied), and their order alternates from run to run.

Follow-up: the second question of the same document asked right after the first (the prompt's prefix,
instructions and document excerpts, is then in llama.cpp's prompt cache), against the same second
question asked cold.

Documents: the rendered invoice of tests/fixtures.py with two Chinese questions; without --quick also the
first SROIE receipt of ../shared/datasets with the first two questions of its manifest.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import (
    Section,
    cli,
    entries,
    missing_datasets,
    ratio_spread,
    ratios,
    runs_for,
    s_spread,
    table,
)

MAX_TOKENS = 200  # assistant.tasks.ask.ANSWER_TOKENS


@dataclass
class Item:
    label: str
    name: str
    data: bytes
    first: str
    follow_up: str


@dataclass
class Timing:
    ttft: float
    total: float
    text: str = ""
    visible_ttft: float | None = None  # when ask's on_token first fired (it holds back a NOT FOUND start)


@dataclass
class Samples:
    ours: list[Timing] = field(default_factory=list)
    raw: list[Timing] = field(default_factory=list)
    follow: list[Timing] = field(default_factory=list)
    cold: list[Timing] = field(default_factory=list)
    prompt_tokens: int = 0
    same_reply: list[bool] = field(default_factory=list)


def items(quick: bool) -> list[Item]:
    from tests import fixtures as fx

    out = [
        Item(
            "invoice.png (fixture)",
            "invoice.png",
            fx.encode(fx.invoice_page().image, "PNG"),
            "价税合计是多少？",
            "开票日期是哪天？",
        )
    ]
    if not quick and not missing_datasets("receipts_sroie_dev"):
        entry, path = next((e, p) for e, p in entries("receipts_sroie_dev") if len(e.get("qa") or []) >= 2)
        questions = [qa["question"] for qa in entry["qa"]]
        out.append(Item(f"{path.name} (SROIE receipt)", path.name, path.read_bytes(), *questions[:2]))
    return out


class Capture:
    """Wraps ours' LocalLLM.stream: keeps the messages and the time of the first piece."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.original = llm.stream
        self.messages: list[dict] | None = None
        self.kwargs: dict = {}
        self.first: float | None = None

    def __enter__(self) -> Capture:
        def stream(messages, **kwargs):
            self.messages, self.kwargs = messages, kwargs
            for piece in self.original(messages, **kwargs):
                if self.first is None:
                    self.first = time.perf_counter()
                yield piece

        self.llm.stream = stream
        return self

    def __exit__(self, *exc: object) -> None:
        del self.llm.stream  # the class's method again


def ask_ours(llm: Any, doc: Any, question: str, settings: Any) -> tuple[Timing, list[dict]]:
    from assistant.tasks.ask import ask

    from . import llm_peer

    visible: list[float] = []
    with Capture(llm) as capture:
        started = time.perf_counter()
        on_token = lambda _: visible.append(time.perf_counter())  # noqa: E731
        answer = ask([doc], question, llm_peer.backend(), settings, on_token=on_token)
        total = time.perf_counter() - started
    if capture.messages is None:
        raise RuntimeError(f"ask did not call the model for {question!r}: {answer.notes}")
    if capture.kwargs.get("max_tokens") != MAX_TOKENS:
        raise RuntimeError(
            f"ask's max_tokens is {capture.kwargs.get('max_tokens')}, the peer uses {MAX_TOKENS}"
        )
    ttft = (capture.first or time.perf_counter()) - started
    timing = Timing(ttft, total, answer.text, (visible[0] - started) if visible else None)
    return timing, capture.messages


def ask_raw(raw: Any, messages: list[dict]) -> Timing:
    started = time.perf_counter()
    first, pieces = None, []
    chunks = raw.create_chat_completion(
        messages=messages, stream=True, temperature=0.0, top_k=1, max_tokens=MAX_TOKENS
    )
    for chunk in chunks:
        piece = chunk["choices"][0]["delta"].get("content")
        if piece:
            first = first or time.perf_counter()
            pieces.append(piece)
    total = time.perf_counter() - started
    return Timing((first or time.perf_counter()) - started, total, "".join(pieces).strip())


def prompt_tokens(raw: Any, messages: list[dict]) -> int:
    text = "".join(m["content"] for m in messages)
    return len(raw.tokenize(text.encode("utf-8"), add_bos=False)) + 5 * len(messages)  # + chat template


def run(quick: bool = False, runs: int | None = None) -> Section:
    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.read import read_documents

    from . import llm_peer

    runs = runs_for(quick, runs, full=3, fast=2)
    section = Section("ask", "ask: time to first token vs raw llama.cpp, and follow-up vs cold", runs=runs)
    ours, raw = llm_peer.ours(), llm_peer.raw()
    todo = items(quick)
    samples = {item.label: Samples() for item in todo}
    with tempfile.TemporaryDirectory(prefix="bench-ask-") as tmp:
        settings = Settings(cache_dir=Path(tmp))
        docs = {}
        for item in todo:  # read once: the pages are in the result cache before anything is timed
            docs[item.label] = load_document(item.data, item.name, settings)
            read_documents([docs[item.label]], settings=settings)
        for llm in (ours, raw):  # the weights paged in
            llm_peer.make_cold(llm)
            (_ours_complete if llm is ours else _raw_complete(llm))([{"role": "user", "content": "Say OK."}])
        messages = {}  # what ours sends for each first question: captured once, untimed
        for item in todo:
            llm_peer.make_cold(ours)
            messages[item.label] = ask_ours(ours, docs[item.label], item.first, settings)[1]
        for r in range(runs):
            for i, item in enumerate(todo):
                s, doc = samples[item.label], docs[item.label]

                def first_then_follow(s=s, doc=doc, item=item) -> None:
                    llm_peer.make_cold(ours)
                    timing, sent = ask_ours(ours, doc, item.first, settings)
                    if sent != messages[item.label]:
                        raise RuntimeError(f"ask sent a different prompt for {item.first!r} this time")
                    s.ours.append(timing)
                    # the follow-up, right after the first question (its prompt's prefix is cached now)
                    s.follow.append(ask_ours(ours, doc, item.follow_up, settings)[0])

                def raw_call(s=s, item=item) -> None:
                    llm_peer.make_cold(raw)
                    s.raw.append(ask_raw(raw, messages[item.label]))
                    s.prompt_tokens = prompt_tokens(raw, messages[item.label])

                def cold(s=s, doc=doc, item=item) -> None:
                    llm_peer.make_cold(ours)
                    s.cold.append(ask_ours(ours, doc, item.follow_up, settings)[0])

                steps = [first_then_follow, raw_call, cold]
                shift = (r + i) % len(steps)
                for step in steps[shift:] + steps[:shift]:
                    step()
            for item in todo:
                s = samples[item.label]
                s.same_reply.append(s.raw[-1].text == s.ours[-1].text)
    section.lines, section.headline = report(todo, samples, runs)
    return section


def _ours_complete(messages: list[dict]) -> str:
    from . import llm_peer

    return "".join(llm_peer.ours().stream(messages))


def _raw_complete(raw: Any):
    return lambda messages: raw.create_chat_completion(messages=messages, max_tokens=2)


def report(todo: list[Item], samples: dict[str, Samples], runs: int) -> tuple[list[str], list[str]]:
    from . import llm_peer

    rows, follow_rows = [], []
    all_ttft_ratio, all_follow_ratio = [], []
    for item in todo:
        s = samples[item.label]
        ttft_ratio = ratios([t.ttft for t in s.ours], [t.ttft for t in s.raw])
        total_ratio = ratios([t.total for t in s.ours], [t.total for t in s.raw])
        all_ttft_ratio += ttft_ratio
        rows.append(
            [
                f"{item.label}: {item.first}",
                f"≈{s.prompt_tokens}",
                s_spread([t.ttft for t in s.ours]),
                s_spread([t.ttft for t in s.raw]),
                ratio_spread(ttft_ratio),
                s_spread([t.total for t in s.ours]),
                s_spread([t.total for t in s.raw]),
                ratio_spread(total_ratio),
                f"{sum(s.same_reply)}/{len(s.same_reply)}",
            ]
        )
        follow_ratio = ratios([t.ttft for t in s.follow], [t.ttft for t in s.cold])
        all_follow_ratio += follow_ratio
        follow_rows.append(
            [
                f"{item.label}: {item.follow_up}",
                s_spread([t.ttft for t in s.follow]),
                s_spread([t.ttft for t in s.cold]),
                ratio_spread(follow_ratio),
                s_spread([t.total for t in s.follow]),
                s_spread([t.total for t in s.cold]),
                ratio_spread(ratios([t.total for t in s.follow], [t.total for t in s.cold])),
            ]
        )
    visible = [
        t.visible_ttft - t.ttft for s in samples.values() for t in s.ours if t.visible_ttft is not None
    ]
    lines = [
        f"Model: {llm_peer.gguf_line()}. Seconds, median (range) over {runs} runs; ratios per run, "
        "doc-assistant ÷ raw llama.cpp (first table) and follow-up ÷ cold (second). Time to first token "
        "(TTFT) is from the call to the first piece the model streams; for doc-assistant it includes "
        "retrieval and building the prompt.",
        "",
        *table(
            [
                "document: question",
                "prompt tokens",
                "TTFT ours",
                "TTFT raw",
                "TTFT ratio",
                "total ours",
                "total raw",
                "total ratio",
                "same reply",
            ],
            rows,
        ),
        "",
        "Follow-up on the same document (asked right after the first question) against the same question "
        "asked cold (prompt cache and KV prefix emptied):",
        "",
        *table(
            [
                "document: follow-up",
                "TTFT follow-up",
                "TTFT cold",
                "follow-up ÷ cold",
                "total follow-up",
                "total cold",
                "ratio",
            ],
            follow_rows,
        ),
        "",
        "doc-assistant streams a piece as soon as it cannot be the start of NOT FOUND; the pieces it holds "
        f"back delay what the user sees by {s_spread(visible)} s after the model's first piece.",
    ]
    headline = [
        f"ask: TTFT {ratio_spread(all_ttft_ratio)} raw llama.cpp's with the same prompt; a follow-up "
        f"question's TTFT {ratio_spread(all_follow_ratio)} a cold one's"
    ]
    return lines, headline


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
