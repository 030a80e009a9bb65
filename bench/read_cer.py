"""CER of `doc-assistant read` on the read sets of ../shared/datasets, beside two naive peers.

Every pipeline runs through the same harness (../shared/eval/evaluate.py, one CLI call per item, the
cache off), on the same files, in the same run:
  - doc-assistant read
  - raw rapidocr   (../shared/eval/peer_cli.py --engine rapidocr: default models, lines as returned)
  - raw tesseract  (../shared/eval/peer_cli.py --engine tesseract --lang auto: OSD script -> language)

    .venv/bin/python -m bench.read_cer [--sets ocr_lines_dev,pdfs_dev] [--limit N] [--out DIR]

Prints a row per item and a summary per set: mean and median CER (lower is better), must_contain
recall, and median seconds per call, with ratios against each peer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATASETS = SHARED / "datasets"
EVAL = SHARED / "eval"
READ_SETS = ("ocr_lines_dev", "pdfs_dev")

PIPELINES = {
    "doc-assistant": ([str(ROOT / ".venv/bin/doc-assistant")], ["--no-cache", "--quiet"]),
    "rapidocr": ([sys.executable, str(EVAL / "peer_cli.py")], ["--engine", "rapidocr"]),
    "tesseract": ([sys.executable, str(EVAL / "peer_cli.py")], ["--engine", "tesseract", "--lang", "auto"]),
}


def run_pipeline(name: str, sets: list[str], limit: int | None, out_dir: Path) -> list[dict]:
    cli, extra = PIPELINES[name]
    rows_file = out_dir / f"{name}.jsonl"
    command = [sys.executable, str(EVAL / "evaluate.py"), *(str(DATASETS / s) for s in sets)]
    command += ["--cli", " ".join(cli), "--tasks", "read", "--out", str(rows_file)]
    if limit:
        command += ["--limit", str(limit)]
    command += ["--", *extra]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return [json.loads(line) for line in rows_file.read_text().splitlines() if line.strip()]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def summarize(results: dict[str, list[dict]], sets: list[str]) -> list[str]:
    lines = []
    for set_name in sets:
        lines.append(f"\n## {set_name}")
        lines.append(f"{'pipeline':<14} {'n':>3} {'failed':>6} {'CER mean':>9} {'CER med':>8} "
                     f"{'recall':>7} {'s/call p50':>10}")  # fmt: skip
        stats = {}
        for name, rows in results.items():
            rows = [r for r in rows if r["set"] == set_name]
            cers = [r["cer"] for r in rows if r.get("cer") is not None]
            recalls = [r["recall"] for r in rows if r.get("recall") is not None]
            seconds = [r["seconds"] for r in rows if not r["error"]]
            stats[name] = (mean(cers), median(seconds))
            failed = sum(bool(r["error"]) for r in rows)
            lines.append(
                f"{name:<14} {len(rows):>3} {failed:>6} {mean(cers):>9.3f} {median(cers):>8.3f} "
                f"{mean(recalls):>7.3f} {median(seconds):>10.2f}"
            )
        ours_cer, ours_s = stats["doc-assistant"]
        for peer in ("rapidocr", "tesseract"):
            peer_cer, peer_s = stats[peer]
            lines.append(
                f"vs {peer}: CER {ours_cer:.3f} vs {peer_cer:.3f} "
                f"({ours_cer / peer_cer if peer_cer else float('nan'):.2f}× the peer's errors), "
                f"time {ours_s / peer_s:.2f}× the peer's"
            )
    return lines


def per_item(results: dict[str, list[dict]]) -> list[str]:
    by_id: dict[str, dict[str, dict]] = {}
    for name, rows in results.items():
        for row in rows:
            by_id.setdefault(f"{row['set']}/{row['id']}", {})[name] = row
    names = list(results)
    lines = ["item" + "".join(f" | {n} cer/recall" for n in names)]
    for item, rows in by_id.items():
        cells = []
        for n in names:
            r = rows.get(n, {})
            cer = r.get("cer")
            rec = r.get("recall")
            cell = f"{cer:.3f}" if cer is not None else "  -  "
            cell += f"/{rec:.2f}" if rec is not None else ""
            cells.append(cell + (" ERR" if r.get("error") else ""))
        lines.append(item + "".join(f" | {c}" for c in cells))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default=",".join(READ_SETS))
    parser.add_argument("--limit", type=int, help="items per set (a quick run)")
    parser.add_argument("--pipelines", default=",".join(PIPELINES))
    parser.add_argument("--out", type=Path, help="keep the per-item rows here")
    args = parser.parse_args()
    if not (EVAL / "evaluate.py").exists():
        print(f"skipped: {EVAL} is absent (the shared datasets and harness are not on this machine)")
        return 0
    sets = args.sets.split(",")
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="read-cer-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {name: run_pipeline(name, sets, args.limit, out_dir) for name in args.pipelines.split(",")}
    print("\n".join(per_item(results)))
    if {"doc-assistant", "rapidocr", "tesseract"} <= set(results):
        print("\n".join(summarize(results, sets)))
    print(f"\nrows: {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
