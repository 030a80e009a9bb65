"""`doc-assistant batch PATH... --task ... --out FILE`: its options, and the request they make."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from ..settings import Settings

TASKS = ("read", "extract", "translate", "ask")


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, and folders searched recursively")
    parser.add_argument("--task", required=True, choices=TASKS)
    parser.add_argument("--fields", help="extract: 'amount,tax_id,date' or '请提取金额、税号、开票日期'")
    parser.add_argument("--question", help="ask: the question, asked of each document")
    parser.add_argument("--to", default="en", help="translate: target language (default en)")
    parser.add_argument("--normalize-dates", action="store_true", help="extract: dates as YYYY-MM-DD")
    parser.add_argument(
        "--out", required=True, type=Path, help="FILE.jsonl or FILE.csv; the same file again resumes"
    )
    parser.add_argument(
        "--engine", choices=["local", "ray"], help="local (default) or ray (env DOC_ASSISTANT_ENGINE)"
    )
    parser.add_argument(
        "--ray-address", help="the Ray cluster, HOST:PORT (env RAY_ADDRESS; default: a Ray of its own)"
    )
    parser.add_argument("--workers", type=int, help="local worker processes (default: one per core)")


def run_batch_command(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from ..jobs.batch import run_batch
    from ..tasks.fields import parse_fields
    from ..tasks.request import TaskRequest

    if args.task == "extract" and not args.fields:
        raise ArgumentError("batch --task extract needs --fields, e.g. --fields amount,tax_id,date")
    if args.task == "ask" and not (args.question or "").strip():
        raise ArgumentError("batch --task ask needs --question")
    request = TaskRequest(
        task=args.task,
        question=args.question,
        fields=parse_fields(args.fields) if args.task == "extract" else None,
        target_lang=args.to,
        normalize_dates=args.normalize_dates,
        pages=args.pages,
        lang=args.lang,
    )
    return run_batch(args.paths, request, args.out, settings, quiet=args.quiet)
