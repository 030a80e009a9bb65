"""Shared test set-up: a per-session cache directory, box comparison helpers and a CLI runner."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures import Line

REPO = Path(__file__).resolve().parent.parent
MIN_IOU = 0.5


@pytest.fixture(scope="session", autouse=True)
def session_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Keep every test (and every CLI subprocess, which inherits the environment) off the user's cache."""
    from assistant import cache, settings

    cache_dir = tmp_path_factory.mktemp("session-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOC_ASSISTANT_CACHE_DIR", str(cache_dir))
        for name in list(os.environ):
            if name.startswith("DOC_ASSISTANT_") and name != "DOC_ASSISTANT_CACHE_DIR":
                mp.delenv(name)
        settings.get_settings.cache_clear()
        cache._cache_for.cache_clear()
        yield cache_dir
    settings.get_settings.cache_clear()
    cache._cache_for.cache_clear()


@pytest.fixture(scope="session")
def ocr_settings(session_cache_dir: Path):
    """Default limits, the session cache."""
    from assistant.settings import Settings

    return Settings(cache_dir=session_cache_dir)


@pytest.fixture(scope="session")
def ocr_cache(ocr_settings):
    from assistant.cache import ResultCache

    return ResultCache(ocr_settings)


@pytest.fixture
def no_network(monkeypatch):
    """Every connection attempt fails, as on a machine without a network: a download would raise."""

    def refuse(*args, **kwargs):
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def browser():
    """One chromium for the chat tests of a module (tests/chat_browser.py drives it)."""
    from tests.chat_browser import chromium  # it imports this module: not at the top

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def invoice_png(tmp_path_factory) -> Path:
    """tests/fixtures.py's invoice page as a PNG file, to upload or pass to the CLI."""
    from tests import fixtures as fx

    path = tmp_path_factory.mktemp("invoice") / "invoice.png"
    fx.invoice_page().image.save(path)
    return path


# --- reading helpers ---------------------------------------------------------------------------------


def read_bytes(
    data: bytes, name: str, settings, cache, pages: str | None = None, lang: str | None = None
) -> dict:
    """load_document + read_documents, as the JSON contract (Answer.to_dict())."""
    from assistant.documents.ingest import load_document
    from assistant.tasks.read import read_documents

    doc = load_document(data, name, settings)
    return read_documents([doc], pages=pages, lang=lang, settings=settings, cache=cache).to_dict()


def norm(text: str) -> str:
    """Compare OCR text without caring about spacing or full-width forms (e.g. '￥' for '¥')."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def text_lines(answer: dict) -> list[str]:
    return [norm(line) for line in answer["text"].splitlines() if line.strip()]


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def scaled(box: Sequence[float], sx: float, sy: float | None = None) -> tuple[float, float, float, float]:
    sy = sx if sy is None else sy
    return (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)


@dataclass
class Match:
    line: Line
    citation: dict | None
    iou: float


def best_match(citations: list[dict], line: Line, box=None) -> Match:
    """The citation that overlaps `line` (its true box, or `box` when given in page pixels) the most."""
    truth = box if box is not None else line.box
    best = Match(line, None, 0.0)
    for citation in citations:
        score = iou(citation["bbox"], truth)
        if score > best.iou:
            best = Match(line, citation, score)
    return best


def assert_lines_cited(
    citations: list[dict], lines: list[Line], sx: float = 1.0, sy: float | None = None
) -> None:
    """Each true line is cited by a region with IoU ≥ 0.5 whose text is that line's text."""
    problems = []
    for line in lines:
        truth = scaled(line.box, sx, sy)
        match = best_match(citations, line, truth)
        if match.citation is None or match.iou < MIN_IOU:
            problems.append(f"{line.text!r} at {[round(v) for v in truth]}: best IoU {match.iou:.2f}")
        elif norm(match.citation["text"]) != norm(line.text):
            problems.append(
                f"{line.text!r} at {[round(v) for v in truth]}: cited region reads {match.citation['text']!r}"
            )
    assert not problems, "lines not cited correctly:\n" + "\n".join(problems) + f"\ncitations: {citations}"


def assert_in_order(answer: dict, expected: list[str]) -> None:
    """Every expected line is a line of the text, and they come in this order."""
    lines = text_lines(answer)
    missing = [e for e in expected if norm(e) not in lines]
    assert not missing, f"lines missing from the text: {missing}\ntext:\n{answer['text']}"
    positions = [lines.index(norm(e)) for e in expected]
    assert positions == sorted(positions), f"reading order is wrong:\n{answer['text']}"


# --- the command line --------------------------------------------------------------------------------


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def json(self) -> dict:
        return json.loads(self.stdout)


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "doc-assistant"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "assistant.frontends.cli"]


def run_cli(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [*cli_command(), *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or REPO,
        timeout=180,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_cli_error(result: CliResult, code: str, *words: str, task: str = "read") -> dict | None:
    """Non-zero exit, one stderr line 'doc-assistant: error: ...'; with --json one error object on stdout."""
    assert result.returncode != 0, f"expected failure, got exit 0; stdout={result.stdout!r}"
    assert len(result.stderr_lines) == 1, f"stderr must be one line, got:\n{result.stderr}"
    line = result.stderr_lines[0]
    assert line.startswith("doc-assistant: error:"), line
    for word in words:
        assert word.lower() in line.lower(), f"{word!r} not in {line!r}"
    if not result.stdout.strip():
        return None
    assert result.stdout.count("\n") == 1, f"stdout must be one JSON line, got {result.stdout!r}"
    payload = result.json()
    assert payload["task"] == task
    assert set(payload) == {"task", "error"}
    assert payload["error"]["code"] == code, payload
    assert payload["error"]["message"] == line.removeprefix("doc-assistant: error: "), payload
    return payload
