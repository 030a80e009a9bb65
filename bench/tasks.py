"""extract and ask on the shared datasets, beside the naive peer pipeline, in one run.

Both pipelines run through the same harness (../shared/eval/evaluate.py, one CLI call per item):
  - doc-assistant extract / ask (OCR cache on, as a user runs it; the cache is cleared first)
  - the peer: ../shared/eval/peer_cli.py (raw rapidocr text into the same packaged Qwen2.5-Coder-1.5B
    through llama-cpp-python, no retrieval, no layout), PEER_GGUF = our assembled model

    .venv/bin/python -m bench.tasks [--sets receipts_sroie_dev,invoices_zh_dev] [--limit N]

Prints, per set and task: field exact-match rate and ANLS (extract), answer hit rate and ANLS (ask),
the share of answers with a citation, and the median seconds per call, with ratios against the peer.
Then the time to first token and total time of one ask on a one-page invoice, in process, warm.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATASETS = SHARED / "datasets"
EVAL = SHARED / "eval"
METRICS = ("field_exact", "field_anls", "hit", "anls", "cited")


def run(name: str, cli: list[str], extra: list[str], sets: list[str], limit: int | None, out: Path,
        env: dict[str, str]) -> list[dict]:  # fmt: skip
    rows_file = out / f"{name}.jsonl"
    command = [sys.executable, str(EVAL / "evaluate.py"), *(str(DATASETS / s) for s in sets)]
    command += ["--cli", " ".join(cli), "--tasks", "extract,ask", "--out", str(rows_file), "--timeout", "300"]
    if limit:
        command += ["--limit", str(limit)]
    subprocess.run(
        [*command, "--", *extra], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return [json.loads(line) for line in rows_file.read_text().splitlines() if line.strip()]


def summary(results: dict[str, list[dict]]) -> list[str]:
    lines = []
    groups = sorted({(r["set"], r["task"]) for rows in results.values() for r in rows})
    for set_name, task in groups:
        lines.append(f"\n## {set_name} / {task}")
        stats = {}
        for name, rows in results.items():
            rows = [r for r in rows if r["set"] == set_name and r["task"] == task]
            values = {m: [float(r[m]) for r in rows if r.get(m) is not None] for m in METRICS}
            seconds = [r["seconds"] for r in rows if not r["error"]]
            failed = sum(bool(r["error"]) for r in rows)
            cells = " ".join(f"{m}={statistics.fmean(v):.3f}" for m, v in values.items() if v)
            p50 = statistics.median(seconds) if seconds else float("nan")
            stats[name] = (values, p50)
            lines.append(f"{name:<14} n={len(rows)} failed={failed} {cells} s/call_p50={p50:.2f}")
        if "doc-assistant" in stats and "peer" in stats:
            ours, peer = stats["doc-assistant"], stats["peer"]
            key = "field_exact" if task == "extract" else "hit"
            a, b = ours[0].get(key) or [0.0], peer[0].get(key) or [0.0]
            lines.append(
                f"ratio: {key} {statistics.fmean(a):.3f} vs {statistics.fmean(b):.3f}; "
                f"time {ours[1] / peer[1]:.2f}× the peer's"
            )
    return lines


def first_token_latency(repeats: int = 3) -> list[str]:
    """TTFT and total for ask on a rendered one-page invoice, warm (model loaded, OCR cached)."""
    from PIL import Image, ImageDraw, ImageFont

    from assistant.backends.registry import get_backend
    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.ask import ask

    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 34, index=2)
    image = Image.new("RGB", (1200, 900), "white")
    draw = ImageDraw.Draw(image)
    rows = ["增值税电子普通发票", "开票日期：2024年03月15日", "购买方：上海星辰贸易有限公司",
            "金额：¥1,280.00", "税额：¥166.40", "价税合计：¥1,446.40"]  # fmt: skip
    for i, text in enumerate(rows):
        draw.text((80, 80 + i * 110), text, font=font, fill="black")
    path = Path(tempfile.mkdtemp()) / "invoice.png"
    image.save(path)
    settings = Settings(cache_dir=path.parent / "cache")
    backend = get_backend(settings)
    doc = load_document(path.read_bytes(), path.name, settings)
    ask([doc], "价税合计是多少？", backend, settings)  # warm: model, OCR cache, embeddings
    firsts, totals = [], []
    for question in ["价税合计是多少？", "What is the tax amount?", "开票日期是哪天？"][:repeats]:
        started = time.perf_counter()
        stamps: list[float] = []
        ask(
            [doc],
            question,
            backend,
            settings,
            on_token=lambda _piece, stamps=stamps: stamps.append(time.perf_counter()),
        )
        totals.append(time.perf_counter() - started)
        firsts.append((stamps[0] if stamps else time.perf_counter()) - started)
    return [
        "\n## ask on a one-page invoice (in process, warm)",
        f"time to first token: median {statistics.median(firsts):.2f} s (runs: {_runs(firsts)})",
        f"total: median {statistics.median(totals):.2f} s (runs: {_runs(totals)})",
    ]


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="receipts_sroie_dev,invoices_zh_dev")
    parser.add_argument("--limit", type=int, default=10, help="items per set (each has several questions)")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    if not (EVAL / "evaluate.py").exists():
        print(f"skipped: {EVAL} is absent (the shared datasets and harness are not on this machine)")
        return 0
    import os

    from assistant.backends.local import model_path
    from assistant.settings import Settings

    out = Path(tempfile.mkdtemp(prefix="bench-tasks-"))
    env = {
        **os.environ,
        "DOC_ASSISTANT_CACHE_DIR": str(out / "cache"),
        "PEER_GGUF": str(model_path(Settings())),
    }
    sets = args.sets.split(",")
    results = {"doc-assistant": run("doc-assistant", [str(ROOT / ".venv/bin/doc-assistant")], ["--quiet"],
                                    sets, args.limit, out, env)}  # fmt: skip
    if not args.no_peer:
        results["peer"] = run("peer", [sys.executable, str(EVAL / "peer_cli.py")], ["--engine", "rapidocr"],
                              sets, args.limit, out, env)  # fmt: skip
    print("\n".join(summary(results)))
    print("\n".join(first_token_latency()))
    print(f"\nrows: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
