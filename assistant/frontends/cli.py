"""The doc-assistant command line. With --json, stdout carries exactly one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import DocAssistantError, InputError
from ..settings import Settings

EXIT_INPUT = 2  # the input or an option is wrong
EXIT_ENGINE = 3  # the installation or an engine failed
EXIT_INTERNAL = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doc-assistant",
        description="Read, extract, translate and ask about photos, scans and PDFs, with cited page regions.",
    )
    parser.add_argument("--version", action="version", version=f"doc-assistant {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    read = commands.add_parser("read", help="full text in reading order, with line boxes")
    read.add_argument("files", nargs="+", metavar="FILE", help="PNG, JPEG, WebP, TIFF, BMP, GIF or PDF")
    read.add_argument("--pages", help="pages to read, e.g. 1-3,5 (default: all)")
    read.add_argument(
        "--lang",
        help="language of the text: ISO 639-1 (en, zh, ja, ko, ar, ru, hi, ...) or a tesseract code; "
        "default: detect the script per page",
    )
    _add_common(read)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object (the stable contract)")
    parser.add_argument("--cache-dir", type=Path, help="result cache location (env DOC_ASSISTANT_CACHE_DIR)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        answer = _run(args)
    except KeyboardInterrupt:
        return 130
    except DocAssistantError as exc:
        return _fail(args, exc.code, exc.message, EXIT_INPUT if isinstance(exc, InputError) else EXIT_ENGINE)
    except Exception as exc:  # the last line of defence: one clear line, never a traceback
        return _fail(args, "internal_error", f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
    try:
        if args.json:
            _print_json(answer)
        else:
            print(answer["text"])
            for note in answer["notes"]:
                print(f"note: {note}", file=sys.stderr)
        sys.stdout.flush()
    except BrokenPipeError:  # `doc-assistant read x.pdf | head` closed the pipe: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings, with this call's options on top."""
    overrides: dict[str, Any] = {}
    if args.cache_dir:
        overrides["cache_dir"] = args.cache_dir
    if args.no_cache:
        overrides["cache_enabled"] = False
    return Settings(**overrides)


def _run(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here so that --help and argument errors answer instantly.
    from ..documents.ingest import load_file
    from ..tasks.read import read_documents

    settings = _settings(args)
    progress = None if args.quiet or not sys.stderr.isatty() else _show_progress
    documents = [load_file(path, settings) for path in args.files]
    answer = read_documents(documents, pages=args.pages, lang=args.lang, settings=settings, progress=progress)
    if progress:
        print(file=sys.stderr)
    return answer.to_dict()


def _show_progress(name: str, page: int, count: int) -> None:
    print(f"\rreading {name}: page {page}/{count}", end="", file=sys.stderr, flush=True)


def _fail(args: argparse.Namespace, code: str, message: str, exit_code: int) -> int:
    print(f"doc-assistant: error: {message}", file=sys.stderr)
    if args.json:
        _print_json({"task": args.command, "error": {"code": code, "message": message}})
    return exit_code


def _print_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
