"""extract: field exact-match rate, valid-JSON rate and seconds per document on the receipt, form and Chinese
invoice sets, against the naive peer pipeline (../shared/eval/peer_cli.py), both in process.

    .venv/bin/python -m bench.extract_quality [--quick] [--runs N] [--write]

Sets: receipts_sroie_dev (company, date, address, total), forms_funsd_dev (the form's own labels) and
invoices_zh_dev (a VAT invoice's and a ticket's fields in Chinese), the keys the shared harness passes
(evaluate.py drops empty keys and keys with a comma). Scoring is evaluate.py's own: a field is exact when
squash(predicted) == squash(reference); ANLS beside it.

  - doc-assistant: load_document + assistant.tasks.extract.extract, result cache off (so OCR runs, as it
    does for the peer), the model's prompt cache emptied before each document;
  - the peer: peer_cli.py's read_document + do_extract, imported and run in this process with
    PEER_GGUF = our assembled model (assistant.backends.local.model_path), its RapidOCR engine and its Llama
    loaded once and the Llama made cold before each document: what `peer_cli.py extract` does, without
    its start-up.

Valid JSON: the JSON the pipeline answers with parses as an object holding every requested key: for
doc-assistant the answer's text (most fields come from the layout, with no model call), for the peer the
model's raw reply (which it parses; both constrain the model with a JSON schema). The two pipelines
alternate which goes first per document and pass; every document is done in each of --runs passes (default
2), and seconds per document are given as the median (range) over every document and pass.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from typing import Any

from .common import (
    Section,
    cli,
    entries,
    median,
    missing_datasets,
    ratio_spread,
    ratios,
    runs_for,
    s_spread,
    scoring,
    secs,
    table,
)

SETS = {
    "receipts_sroie_dev": "receipts (SROIE)",
    "forms_funsd_dev": "forms (FUNSD)",
    "invoices_zh_dev": "Chinese invoices",
}
FULL_DOCS = {"receipts_sroie_dev": 3, "forms_funsd_dev": 2, "invoices_zh_dev": 2}
QUICK_DOCS = {"receipts_sroie_dev": 1, "forms_funsd_dev": 1, "invoices_zh_dev": 1}
QUICK_FORM_FIELDS = 3  # --quick: the first fields of a form only (a form has up to a dozen)
PIPELINES = ["doc-assistant", "peer"]


@dataclass
class Doc:
    set: str
    id: str
    name: str
    path: Any
    fields: dict[str, str]


@dataclass
class Result:
    seconds: list[float] = field(default_factory=list)
    values: dict[str, str | None] = field(default_factory=dict)
    valid_json: bool = False
    error: str = ""


def documents(quick: bool) -> list[Doc]:
    out = []
    for set_name, count in (QUICK_DOCS if quick else FULL_DOCS).items():
        for entry, path in entries(set_name)[:count]:
            fields = {k: v for k, v in entry["fields"].items() if k.strip() and "," not in k}
            if quick and set_name == "forms_funsd_dev":
                fields = dict(list(fields.items())[:QUICK_FORM_FIELDS])
            out.append(Doc(set_name, entry["id"], path.name, path, fields))
    return out


class Ours:
    def __init__(self) -> None:
        from assistant.settings import Settings

        from . import llm_peer

        self.llm = llm_peer.ours()
        self.settings = Settings(cache_enabled=False)

    def extract(self, doc: Doc) -> Result:
        from assistant.documents.ingest import load_document
        from assistant.tasks.extract import extract

        from . import llm_peer

        llm_peer.make_cold(self.llm)
        result = Result()
        started = time.perf_counter()
        try:
            loaded = load_document(doc.path.read_bytes(), doc.name, self.settings)
            answer = extract([loaded], list(doc.fields), llm_peer.backend(), self.settings)
            result.values = dict(answer.extra["fields"])
            result.valid_json = valid(answer.text, doc.fields)
        except Exception as exc:  # a failure scores as the worst answer, as in the harness
            result.error = f"{type(exc).__name__}: {exc}"
        result.seconds.append(time.perf_counter() - started)
        return result


class Peer:
    def __init__(self) -> None:
        from assistant.backends.local import model_path
        from assistant.settings import Settings

        from .common import peer_cli

        self.peer = peer_cli()
        gguf = str(model_path(Settings()))
        self.args = argparse.Namespace(engine="rapidocr", lang=None, psm=6, dpi=200, model=gguf)
        llm = self.peer.LLM(gguf)  # loaded once; do_extract asks for one per call
        engine = self.peer.RapidEngine()
        self.peer.LLM = lambda path, n_ctx=4096: llm
        self.peer.make_engine = lambda args: engine
        self.llm = llm
        self.replies: list[str] = []
        chat = llm.chat

        def record(*args, **kwargs):
            self.replies.append(chat(*args, **kwargs))
            return self.replies[-1]

        llm.chat = record

    def extract(self, doc: Doc) -> Result:
        self.llm.m.reset()  # cold, like a new peer_cli.py process
        self.replies.clear()
        result = Result()
        started = time.perf_counter()
        try:
            lines, _ = self.peer.read_document(str(doc.path), self.args)
            out = self.peer.do_extract(lines, list(doc.fields), self.args)
            result.values = dict(out["fields"])
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        result.seconds.append(time.perf_counter() - started)
        result.valid_json = bool(self.replies) and valid(self.replies[-1], doc.fields)
        return result


def warm_up(ours: Ours, peer: Peer) -> None:
    """Every OCR engine and both models loaded and touched once, untimed, on a small page."""
    import numpy as np

    from assistant.documents.ingest import load_document
    from assistant.tasks.read import read_documents
    from tests import fixtures as fx

    image = fx.text_page().image
    read_documents(
        [load_document(fx.encode(image, "PNG"), "warm.png", ours.settings)], settings=ours.settings
    )
    peer.peer.make_engine(peer.args).ocr(np.ascontiguousarray(np.asarray(image)[:, :, ::-1]), 1, "warm.png")
    "".join(ours.llm.stream([{"role": "user", "content": "Say OK."}], max_tokens=2))
    peer.llm.m.create_chat_completion(messages=[{"role": "user", "content": "Say OK."}], max_tokens=2)


def valid(reply: str, fields: dict[str, str]) -> bool:
    try:
        parsed = json.loads(reply)
    except (json.JSONDecodeError, TypeError):
        return False
    return isinstance(parsed, dict) and all(key in parsed for key in fields)


def score(doc: Doc, values: dict[str, str | None]) -> tuple[float, float]:
    """(field exact-match rate, field ANLS), as evaluate.py scores one extract item."""
    ev = scoring()
    exact = [ev.squash(str(values.get(k) or "")) == ev.squash(v) for k, v in doc.fields.items()]
    sims = [ev.anls(str(values.get(k) or ""), [v]) for k, v in doc.fields.items()]
    return sum(exact) / len(exact), sum(sims) / len(sims)


def run(quick: bool = False, runs: int | None = None) -> Section:
    from . import llm_peer

    passes = runs_for(quick, runs, full=2, fast=2)
    section = Section("extract", "extract: fields against the naive peer pipeline", runs=passes)
    if why := missing_datasets(*SETS):
        section.lines = [f"Not measured: {why}."]
        section.headline = [f"extract: not measured ({why})"]
        return section
    docs = documents(quick)
    ours, peer = Ours(), Peer()
    warm_up(ours, peer)
    results: dict[tuple[str, str], Result] = {}
    for p in range(passes):
        for i, doc in enumerate(docs):
            for name in PIPELINES if (p + i) % 2 == 0 else PIPELINES[::-1]:
                result = (ours if name == "doc-assistant" else peer).extract(doc)
                if (name, doc.id) in results:
                    results[name, doc.id].seconds += result.seconds
                else:
                    results[name, doc.id] = result
    section.lines, section.headline = report(docs, results, passes, quick)
    section.lines.insert(0, f"Model: {llm_peer.gguf_line()}, for both pipelines.")
    section.lines.insert(1, "")
    return section


def report(docs: list[Doc], results: dict, passes: int, quick: bool) -> tuple[list[str], list[str]]:
    rows, headline = [], []
    for set_name, label in SETS.items():
        mine = [d for d in docs if d.set == set_name]
        if not mine:
            continue
        cells: dict[str, dict[str, Any]] = {}
        for name in PIPELINES:
            scores = [score(d, results[name, d.id].values) for d in mine]
            seconds = [t for d in mine for t in results[name, d.id].seconds]  # every document, every pass
            cells[name] = {
                "exact": sum(s[0] for s in scores) / len(scores),
                "anls": sum(s[1] for s in scores) / len(scores),
                "all": sum(s[0] == 1.0 for s in scores),
                "json": sum(results[name, d.id].valid_json for d in mine),
                "errors": sum(bool(results[name, d.id].error) for d in mine),
                "seconds": seconds,
            }
        per_doc_ratio = ratios(cells["doc-assistant"]["seconds"], cells["peer"]["seconds"])
        fields = sum(len(d.fields) for d in mine)
        for name in PIPELINES:
            c = cells[name]
            rows.append(
                [
                    f"{label}, {len(mine)} docs, {fields} fields",
                    f"**{name}**" if name == "doc-assistant" else name,
                    f"{c['exact']:.3f}",
                    f"{c['anls']:.3f}",
                    f"{c['all']}/{len(mine)}",
                    f"{c['json'] / len(mine):.0%}",
                    str(c["errors"]),
                    s_spread(c["seconds"]),
                    ratio_spread(per_doc_ratio) if name == "doc-assistant" else "1.00×",
                ]
            )
        ours, peer = cells["doc-assistant"], cells["peer"]
        headline.append(
            f"{label}: exact {ours['exact']:.3f} vs {peer['exact']:.3f}, {secs(median(ours['seconds']))} vs "
            f"{secs(median(peer['seconds']))} s/doc ({ratio_spread(per_doc_ratio)}), valid JSON "
            f"{ours['json'] / len(mine):.0%} vs {peer['json'] / len(mine):.0%}"
        )
    lines = [
        "Field exact-match rate and ANLS (mean over documents of the per-document rate, as evaluate.py "
        "summarises), documents with every field exact, valid-JSON rate, failed calls, and seconds per "
        "document (median (range) over every document and pass, OCR included); the ratio is doc-assistant ÷ "
        "peer per "
        f"document and pass. {passes} passes over the documents (the replies are the same each pass: "
        "greedy decoding; the scores are the first pass's)."
        + (f" --quick: forms limited to their first {QUICK_FORM_FIELDS} fields." if quick else ""),
        "",
        *table(
            [
                "set",
                "pipeline",
                "field exact",
                "field ANLS",
                "all exact",
                "valid JSON",
                "failed",
                "s/doc",
                "s/doc ÷ peer",
            ],
            rows,
        ),
        "",
        "<details><summary>Per document: fields exact, seconds</summary>",
        "",
    ]
    per_doc = []
    for d in docs:
        cells = [f"{d.id} ({len(d.fields)} fields)"]
        for name in PIPELINES:
            r = results[name, d.id]
            exact = score(d, r.values)[0]
            cells += [f"{exact:.2f}" + (" (failed)" if r.error else ""), secs(median(r.seconds))]
        per_doc.append(cells)
    lines += table(["document", "ours exact", "ours s", "peer exact", "peer s"], per_doc)
    lines += ["", "</details>"]
    errors = [f"{name} on {doc_id}: {r.error}" for (name, doc_id), r in results.items() if r.error]
    if errors:
        lines += ["", "Failures: " + "; ".join(errors)]
    return lines, ["extract: " + "; ".join(headline)]


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
