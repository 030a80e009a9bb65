"""ask: time to first token on a document already in the chat, a follow-up's, and a question on a 20-page
contract, against raw llama.cpp with the same prompt and against the naive peer.

    .venv/bin/python -m bench.ask_latency [--quick] [--runs N] [--write]

doc-assistant: assistant.tasks.ask.ask on a document already read and prepared, as in the chat, where a
document is read and its part of the prompt evaluated when it is dropped in (assistant.tasks.ask.prepare);
the figure is retrieval or the kept prefix, plus the model. The raw peer: llama_cpp.Llama on the same GGUF,
same context and threads, create_chat_completion(stream=True, greedy) with exactly the messages ask sent,
cold (nothing kept). Targets (issue 14): first token ≤ 1.5 s on a document in the chat, a follow-up ≤ 0.5 s,
a question on a 20-page contract ≤ 8 s in total.

The follow-up is asked right after the first question, resolved by the conversation ("那乙方呢？") and with
the first question and answer as history. The 20-page contract is rendered here (scanned pages, read into
the cache before timing; pages as dense as a real contract's); it is too long to go to the model whole, so
the question is answered from retrieved passages, timed with the document prepared (as in the chat: its
passages embedded when it arrived) and as a first question with nothing prepared; its peer is the naive
pipeline of ../shared/eval/peer_cli.py (the document's text, truncated to 3,000 tokens, into the same model),
with the model loaded once.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import Section, cli, ratio_spread, ratios, runs_for, s_spread, table


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


@dataclass
class Samples:
    prepared: list[Timing] = field(default_factory=list)
    follow: list[Timing] = field(default_factory=list)
    raw: list[Timing] = field(default_factory=list)
    prompt_tokens: int = 0


def items(quick: bool) -> list[Item]:
    from tests import contracts

    english = contracts.english_contract()[1].data
    chinese = contracts.chinese_contract()[1].data
    out = [Item("4-page English contract", "agreement.pdf", english, "What is the total contract price?",
                "And when does Party A pay it?")]  # fmt: skip
    if not quick:
        out.append(
            Item("4-page Chinese contract", "合同.pdf", chinese, "甲方的违约责任是什么？", "那乙方呢？")
        )
    return out


class Capture:
    """Wraps ours' LocalLLM.stream: keeps the messages sent and the time of the first piece."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.original = llm.stream
        self.messages: list[dict] | None = None
        self.first: float | None = None

    def __enter__(self) -> Capture:
        def stream(messages, *args, **kwargs):
            self.messages = messages
            for piece in self.original(messages, *args, **kwargs):
                if self.first is None:
                    self.first = time.perf_counter()
                yield piece

        self.llm.stream = stream
        return self

    def __exit__(self, *exc: object) -> None:
        del self.llm.stream  # the class's method again


def ask_ours(doc: Any, question: str, settings: Any, history: tuple = ()) -> tuple[Timing, list[dict]]:
    from assistant.tasks.ask import ask

    from . import llm_peer

    with Capture(llm_peer.ours()) as capture:
        started = time.perf_counter()
        answer = ask([doc], question, llm_peer.backend(), settings, history=history)
        total = time.perf_counter() - started
    if capture.messages is None:
        raise RuntimeError(f"ask did not call the model for {question!r}: {answer.notes}")
    return Timing((capture.first or time.perf_counter()) - started, total, answer.text), capture.messages


def ask_raw(raw: Any, messages: list[dict], max_tokens: int = 200) -> Timing:
    started = time.perf_counter()
    first, pieces = None, []
    chunks = raw.create_chat_completion(
        messages=messages, stream=True, temperature=0.0, top_k=1, max_tokens=max_tokens
    )
    for chunk in chunks:
        piece = chunk["choices"][0]["delta"].get("content")
        if piece:
            first = first or time.perf_counter()
            pieces.append(piece)
    return Timing((first or time.perf_counter()) - started, time.perf_counter() - started, "".join(pieces))


def prompt_tokens(raw: Any, messages: list[dict]) -> int:
    text = "".join(m["content"] for m in messages)
    return len(raw.tokenize(text.encode("utf-8"), add_bos=False)) + 5 * len(messages)  # + chat template


def run(quick: bool = False, runs: int | None = None) -> Section:
    from assistant.conversation import Conversation
    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.ask import prepare
    from assistant.tasks.read import read_documents

    from . import llm_peer

    runs = runs_for(quick, runs, full=3, fast=1)
    section = Section(
        "ask", "ask: first token on a document in the chat, follow-ups, a 20-page contract", runs=runs
    )
    ours, raw, backend = llm_peer.ours(), llm_peer.raw(), llm_peer.backend()
    todo = items(quick)
    samples = {item.label: Samples() for item in todo}
    with tempfile.TemporaryDirectory(prefix="bench-ask-") as tmp:
        settings = Settings(cache_dir=Path(tmp))
        docs = {item.label: load_document(item.data, item.name, settings) for item in todo}
        for doc in docs.values():  # read once: the pages are in the result cache before anything is timed
            read_documents([doc], settings=settings)
        "".join(ours.stream([{"role": "user", "content": "Say OK."}], 2))  # the weights paged in
        for _ in range(runs):
            for item in todo:
                s, doc = samples[item.label], docs[item.label]
                llm_peer.make_cold(ours)
                prepare([doc], backend, settings)  # what the chat does when the document is dropped in
                first, messages = ask_ours(doc, item.first, settings)
                s.prepared.append(first)
                conversation = Conversation()
                conversation.add(item.first, "ask", first.text, item.first)
                question = conversation.understand(item.follow_up).question
                s.follow.append(ask_ours(doc, question, settings, conversation.ask_history())[0])
                llm_peer.make_cold(raw)
                s.raw.append(ask_raw(raw, messages))
                s.prompt_tokens = prompt_tokens(raw, messages)
        long_rows, long_headline = twenty_pages(settings, runs)
    section.lines, section.headline = report(todo, samples, runs, long_rows, long_headline)
    return section


def twenty_pages(settings: Any, runs: int) -> tuple[list[list[str]], str]:
    """A question whose answer is on page 17 of 20: ours from retrieved passages vs the naive peer."""
    from assistant.documents.ingest import load_document
    from assistant.tasks.read import read_documents
    from tests import fixtures as fx

    pages = [fx.text_page(_filler(n), width=1400, height=1000, size=24) for n in range(1, 21)]
    notices = _filler(17)
    notices[2:4] = ["17.2 Notices are sent to the registered office by courier.",
                    "17.3 A notice is received three working days after it is sent."]  # fmt: skip
    pages[16] = fx.text_page(notices, width=1400, height=1000, size=24)
    pdf = fx.scan_pdf(pages)
    doc = load_document(pdf.data, "long-contract.pdf", settings)
    read_documents([doc], settings=settings)
    question = "When is a notice received?"
    ours, cold, peer = [], [], []
    peer_module, peer_args, peer_lines = _peer(pdf.data)
    from assistant.retrieval.embeddings import clear_cache
    from assistant.tasks.ask import prepare

    from . import llm_peer

    for _ in range(runs):
        clear_cache()  # cold: a first question from the CLI embeds the passages too
        llm_peer.make_cold(llm_peer.ours())
        cold.append(ask_ours(doc, question, settings)[0])
        clear_cache()  # in the chat: the document was prepared (its passages embedded) when it arrived
        prepare([doc], llm_peer.backend(), settings)
        llm_peer.make_cold(llm_peer.ours())
        ours.append(ask_ours(doc, question, settings)[0])
        started = time.perf_counter()
        reply = peer_module.do_ask(peer_lines, question, peer_args)
        peer.append(Timing(0.0, time.perf_counter() - started, reply["text"]))
    hit_ours = sum("three working days" in t.text.lower() for t in ours + cold)
    hit_peer = sum("three working days" in t.text.lower() for t in peer)
    ours_s, cold_s, peer_s = [t.total for t in ours], [t.total for t in cold], [t.total for t in peer]
    rows = [[f"20-page contract: {question}", s_spread(ours_s), s_spread(cold_s), s_spread(peer_s),
             ratio_spread(ratios(ours_s, peer_s)), f"{hit_ours}/{len(ours) + len(cold)}",
             f"{hit_peer}/{len(peer)}"]]  # fmt: skip
    headline = (
        f"a question on a 20-page contract: {s_spread(ours_s)} s in total in the chat, "
        f"{s_spread(cold_s)} s as a first question from the CLI (target ≤ 8 s)"
    )
    return rows, headline


def _filler(n: int) -> list[str]:
    """A page of a contract as dense as a real one (about 250 tokens), so that 20 of them are too long to go
    to the model whole and the question is answered from retrieved passages."""
    topics = ["Definitions", "Scope of services", "Fees", "Invoicing", "Taxes", "Confidentiality",
              "Intellectual property", "Warranties", "Indemnities", "Insurance", "Audit", "Subcontracting",
              "Data protection", "Force majeure", "Assignment", "Term", "Notices", "Termination",
              "Governing law", "Entire agreement"]  # fmt: skip
    topic = topics[n - 1].lower()
    return [
        f"Article {n} {topics[n - 1]}",
        f"{n}.1 The provisions on {topic} apply to both parties from the effective date.",
        f"{n}.2 Each party performs its {topic} duties in good faith and with due care.",
        f"{n}.3 A party that fails in its {topic} duties remedies the failure within 30 days.",
        f"{n}.4 The other party may claim the costs it incurred because of such a failure.",
        f"{n}.5 Records on {topic} are kept for five years and shown on reasonable request.",
        f"{n}.6 Disputes on {topic} are first discussed by the project managers of both parties.",
        f"{n}.7 Where they do not agree within 14 days, the matter goes to the steering committee.",
        f"{n}.8 Costs of {topic} are borne by the party that causes them unless agreed otherwise.",
        f"{n}.9 Changes to this article are made in writing and signed by both parties.",
        f"{n}.10 Nothing in this article limits the rights of either party under the law.",
    ]


def _peer(pdf: bytes) -> tuple[Any, argparse.Namespace, list[dict]]:
    from assistant.backends.local import model_path
    from assistant.settings import Settings

    from .common import peer_cli

    module = peer_cli()
    args = argparse.Namespace(engine="rapidocr", lang=None, psm=6, dpi=200, model=str(model_path(Settings())))
    llm = module.LLM(args.model)
    module.LLM = lambda path, n_ctx=4096: llm  # loaded once, as ours is
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        lines, _ = module.read_document(f.name, args)
    return module, args, lines


def report(
    todo: list[Item], samples: dict[str, Samples], runs: int, long_rows: list[list[str]], long_headline: str
) -> tuple[list[str], list[str]]:
    from . import llm_peer

    rows, follow_rows = [], []
    prepared_all, follow_all = [], []
    for item in todo:
        s = samples[item.label]
        prepared_all += [t.ttft for t in s.prepared]
        follow_all += [t.ttft for t in s.follow]
        ours_ttft, raw_ttft = [t.ttft for t in s.prepared], [t.ttft for t in s.raw]
        rows.append([
            f"{item.label}: {item.first}", f"≈{s.prompt_tokens}", s_spread(ours_ttft), s_spread(raw_ttft),
            ratio_spread(ratios(ours_ttft, raw_ttft)), s_spread([t.total for t in s.prepared]),
            s_spread([t.total for t in s.raw]),
        ])  # fmt: skip
        follow_rows.append([f"{item.label}: {item.follow_up}", s_spread([t.ttft for t in s.follow]),
                            s_spread([t.total for t in s.follow])])  # fmt: skip
    lines = [
        f"Model: {llm_peer.gguf_line()}. Seconds, median (range) over {runs} run(s); ratios per run. Time to "
        "first token (TTFT) is from the call to the first piece the model streams, retrieval and the prompt "
        "included. ours: the document read and prepared (its part of the prompt evaluated when it arrived, "
        "as the chat does); raw: llama.cpp with the same messages, cold.",
        "",
        *table(
            [
                "document: question",
                "prompt tokens",
                "TTFT ours (prepared)",
                "TTFT raw (cold)",
                "ratio",
                "total ours",
                "total raw",
            ],
            rows,
        ),
        "",
        "A follow-up, asked right after (resolved by the conversation, the first turn as history):",
        "",
        *table(["document: follow-up", "TTFT", "total"], follow_rows),
        "",
        "A question whose answer is on page 17 of a 20-page scanned contract (about 4,000 tokens: too long "
        "to go to the model whole, so it is answered from retrieved passages), against the naive peer (its "
        "text truncated to 3,000 tokens). In the chat: the document prepared when it arrived (its passages "
        "embedded); first question: nothing prepared, as from the CLI. The ratio is the chat's ÷ the peer's.",
        "",
        *table(
            [
                "document: question",
                "total ours (chat)",
                "total ours (first question)",
                "total peer",
                "ratio",
                "ours right",
                "peer right",
            ],
            long_rows,
        ),
    ]
    headline = [
        f"ask: first token {s_spread(prepared_all)} s on a document in the chat (target ≤ 1.5 s), "
        f"a follow-up {s_spread(follow_all)} s (target ≤ 0.5 s); {long_headline}"
    ]
    return lines, headline


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
