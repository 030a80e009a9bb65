"""The doc-assistant command line. With --json, stdout carries exactly one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import DocAssistantError, InputError
from ..settings import Settings
from .batch_command import add_batch_arguments

if TYPE_CHECKING:
    from .progress import PageBars

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
    read.add_argument(
        "--output",
        type=Path,
        metavar="OUT",
        help="also write it as a searchable PDF (.pdf) or Markdown (.md)",
    )
    _add_common(read)

    ask = commands.add_parser("ask", help="answer a question about the documents, with citations")
    ask.add_argument("files", nargs="+", metavar="FILE... QUESTION", help="documents, then the question")
    _add_common(ask)

    extract = commands.add_parser("extract", help="named fields as JSON, each cited")
    extract.add_argument("files", nargs="+", metavar="FILE")
    extract.add_argument(
        "--fields", required=True, help="field names: 'amount,tax_id,date' or '请提取金额、税号、开票日期'"
    )
    extract.add_argument("--normalize-dates", action="store_true", help="write dates as YYYY-MM-DD")
    extract.add_argument(
        "--format", choices=["text", "json", "table"], default="text", help="table: field, value, page, box"
    )
    _add_common(extract)

    translate = commands.add_parser("translate", help="translate the text and re-render the page")
    translate.add_argument("files", nargs="+", metavar="FILE")
    translate.add_argument("--to", default="en", help="target language (default en)")
    translate.add_argument(
        "--out", type=Path, help="folder for the re-rendered pages (default: in the cache)"
    )
    _add_common(translate)

    chat = commands.add_parser(
        "chat", help="a conversation about the documents in the terminal (follow-ups, streaming, citations)"
    )
    chat.add_argument("files", nargs="+", metavar="FILE", help="PNG, JPEG, WebP, TIFF, BMP, GIF or PDF")
    _add_common(chat)

    batch = commands.add_parser("batch", help="a task on many files and folders: a row each in JSONL or CSV")
    add_batch_arguments(batch)
    _add_common(batch)

    model = commands.add_parser("model", help="assemble and check the embedded language model")
    model.add_argument("--json", action="store_true")

    ui = commands.add_parser("ui", help="start the chat (Chainlit) in the browser, headless")
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ui.add_argument("--port", type=int, default=7860, help="port (default 7860)")

    serve = commands.add_parser(
        "vllm-serve", help="start vLLM serving HunyuanOCR (GPU) with the recommended flags, until healthy"
    )
    serve.add_argument("--model", default="tencent/HunyuanOCR", help="Hugging Face model id")
    serve.add_argument("--revision", help="the model commit to pin (recommended)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--gpu-memory-utilization", type=float, default=0.2, dest="gpu_memory")
    serve.add_argument("--python", help="the Python that has vllm installed (default: this one)")
    serve.add_argument("extra", nargs=argparse.REMAINDER, help="after --: more vLLM options")

    api = commands.add_parser("api", help="serve the HTTP API (POST /v1/ocr, POST /ocr, GET /health)")
    api.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    api.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    api.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="listen beyond loopback without API keys (DOC_ASSISTANT_API_KEYS unset): anyone may call it",
    )

    mcp = commands.add_parser("mcp", help="serve read, extract, translate and ask as MCP tools (over stdio)")
    mcp.add_argument("--http", metavar="HOST:PORT", help="serve streamable HTTP at http://HOST:PORT/mcp")
    mcp.add_argument(
        "--allow-remote",
        action="store_true",
        help="with --http beyond loopback: anyone who reaches it may use it (documents as base64 only)",
    )
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", help="pages to use, e.g. 1-3,5 (default: all)")
    parser.add_argument(
        "--lang",
        help="language of the text: ISO 639-1 (en, zh, ja, ko, ar, ru, hi, ...) or a tesseract code; "
        "default: detect the script per page",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object (the stable contract)")
    parser.add_argument("--cache-dir", type=Path, help="result cache location (env DOC_ASSISTANT_CACHE_DIR)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    backend = parser.add_argument_group("model backend")
    backend.add_argument(
        "--backend",
        choices=["embedded", "openai"],
        help="embedded (CPU, default) or openai (a model server; env DOC_ASSISTANT_BACKEND)",
    )
    backend.add_argument(
        "--base-url", help="the server's OpenAI API, e.g. http://gpu1:8000/v1; several comma-separated"
    )
    backend.add_argument("--model", help="the served model's name (default: the profile's)")
    backend.add_argument("--profile", help="prompt profile: hunyuan-ocr (default) or generic-vlm")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "format", None) == "json":
        args.json = True
    if args.command == "ui":
        from .chat.launcher import run_ui

        run_ui(args.host, args.port)
        return 0
    if args.command == "vllm-serve":
        from ..backends.serve import run_vllm

        extra = [a for a in args.extra if a != "--"]
        return run_vllm(args.model, args.revision, args.host, args.port, args.gpu_memory, args.python, extra)
    if args.command == "chat":
        return _chat(args)
    if args.command == "api":
        from .api.server import run_api

        return run_api(args.host, args.port, args.allow_unauthenticated)
    if args.command == "mcp":
        from .mcp import run_mcp

        return run_mcp(args.http, args.allow_remote)
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
        elif getattr(args, "format", None) == "table":
            from .terminal import print_fields_table

            print_fields_table(answer)
        else:
            if answer["text"]:
                print(answer["text"])
            if "images" in answer:
                print("\n".join(answer["images"]))
            for note in answer["notes"]:
                print(f"note: {note}", file=sys.stderr)
        sys.stdout.flush()
    except BrokenPipeError:  # `doc-assistant read x.pdf | head` closed the pipe: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _chat(args: argparse.Namespace) -> int:
    from .terminal_chat import run_chat

    try:
        return run_chat(args.files, _settings(args), args.lang)
    except DocAssistantError as exc:
        return _fail(args, exc.code, exc.message, EXIT_INPUT if isinstance(exc, InputError) else EXIT_ENGINE)


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings, with this call's options on top."""
    overrides: dict[str, Any] = {}
    if getattr(args, "cache_dir", None):
        overrides["cache_dir"] = args.cache_dir
    if getattr(args, "no_cache", False):
        overrides["cache_enabled"] = False
    for option in ("backend", "base_url", "model", "profile", "engine", "ray_address", "workers"):
        if getattr(args, option, None):
            overrides[option] = getattr(args, option)
    if overrides.get("base_url") and "backend" not in overrides:
        overrides["backend"] = "openai"  # --base-url alone means: use that server
    return Settings(**overrides)


def _run(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here so that --help and argument errors answer instantly.
    from ..documents.ingest import load_file
    from ..errors import ArgumentError
    from ..exports import exporter_for, pages_read
    from ..storage import write_atomic
    from ..tasks.dispatch import TaskRequest, run_task, wait_for_warm_ups, warm_backend
    from .progress import page_bars

    settings = _settings(args)
    if args.command == "model":
        return _model_info(settings)
    if args.command == "batch":
        from .batch_command import run_batch_command

        return run_batch_command(args, settings)
    files, question, fields = args.files, None, None
    if args.command == "ask":
        if len(files) < 2:
            raise ArgumentError("ask needs at least one FILE and then the QUESTION")
        files, question = files[:-1], files[-1]
    if args.command == "extract":
        from ..tasks.fields import parse_fields

        fields = parse_fields(args.fields)
    request = TaskRequest(
        task=args.command,
        question=question,
        fields=fields,
        target_lang=getattr(args, "to", "en"),
        normalize_dates=getattr(args, "normalize_dates", False),
        pages=args.pages,
        lang=args.lang,
        out_dir=getattr(args, "out", None),
    )
    output = getattr(args, "output", None)
    export = exporter_for(output) if output else None  # a wrong suffix is refused before anything is read
    documents = [load_file(path, settings) for path in files]  # a file refused here loads no model
    if args.command in ("ask", "translate"):  # they need the model: it loads while the pages are OCR'd
        warm_backend(settings)
    # Without --json the answer of ask streams to the terminal as it is generated.
    streams = args.command == "ask" and not args.json
    try:
        with page_bars(not args.quiet and sys.stderr.isatty(), len(documents)) as progress:
            on_token = _token_printer(progress) if streams else None
            answer = run_task(request, documents, settings, on_token=on_token, progress=progress)
    finally:
        # llama.cpp's load points the process's stdout and stderr at /dev/null while it runs: the answer
        # (or the error) is printed once it is over. A streamed answer comes after it anyway.
        wait_for_warm_ups()
    if on_token:
        print(flush=True)
        answer.text = ""  # already printed
    if export:
        write_atomic(output, export(pages_read(documents, args.pages)))
        answer.extra["output"] = str(output)
    return answer.to_dict()


def _token_printer(progress: PageBars | None) -> Callable[[str], None]:
    def print_token(piece: str) -> None:
        if progress is not None:
            progress.stop()  # the pages are read: the bars make way for the answer
        print(piece, end="", flush=True)

    return print_token


def _model_info(settings: Settings) -> dict[str, Any]:
    from ..backends.local import model_path
    from ..backends.model_files import gguf_metadata

    path = model_path(settings)
    meta = gguf_metadata(path, keys_wanted=24)
    name = meta.get("general.name")
    text = f"{name} ({meta.get('general.size_label')}, {meta.get('general.architecture')}) at {path}"
    return {"task": "model", "text": text, "path": str(path), "name": name, "notes": [], "citations": []}


def _fail(args: argparse.Namespace, code: str, message: str, exit_code: int) -> int:
    print(f"doc-assistant: error: {message}", file=sys.stderr)
    if args.json:
        _print_json({"task": args.command, "error": {"code": code, "message": message}})
    return exit_code


def _print_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
