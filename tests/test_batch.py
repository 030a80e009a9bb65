"""`doc-assistant batch` on the local engine (a pool of worker processes): a row per document, in input
order; a failed document is a row with its error; a long PDF read in page ranges by different workers gives
the row a whole read gives; an interrupted batch resumes without repeating a document; clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.api_server import free_port
from tests.batch_corpus import Corpus, read_rows, write_corpus
from tests.conftest import REPO, assert_clean_cli_error, cli_command, norm, run_cli

slow = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return write_corpus(tmp_path_factory.mktemp("batch-corpus"))


def batch(corpus: Corpus, out: Path, *args: str, env: dict[str, str] | None = None):
    return run_cli("batch", corpus.folder, corpus.bad, "--task", "read", "--out", out, *args, env=env)


def assert_rows_read_right(rows: list[dict], corpus: Corpus) -> None:
    assert [row["file"] for row in rows] == corpus.files, "every document once, in input order"
    for row in rows[:-1]:
        assert row["error"] is None, row
        assert [norm(line) for line in row["text"].splitlines() if line.strip()] == [
            norm(line) for line in corpus.texts[row["file"]]
        ], row["file"]
    bad = rows[-1]
    assert bad["error"]["code"] == "unsupported_type", bad
    assert set(bad) == {"file", "task", "error"}


@slow
def test_a_row_per_document_in_input_order_with_errors_as_rows(corpus: Corpus, tmp_path: Path):
    out = tmp_path / "rows.jsonl"
    env = {"DOC_ASSISTANT_PAGES_PER_TASK": "2", "DOC_ASSISTANT_CACHE_DIR": str(tmp_path / "cache")}
    result = batch(corpus, out, "--workers", "2", "--json", env=env)
    assert result.returncode == 0, result.stderr
    summary = result.json()
    assert summary["processed"] == summary["documents"] == len(corpus.files)
    assert summary["errors"] == 1 and summary["error_codes"] == {"unsupported_type": 1}
    assert summary["skipped"] == corpus.skipped  # notes.txt: in the folder, not a document
    assert summary["engine"] == "local" and summary["worker_processes"] == 2
    assert f"{len(corpus.files)}/{len(corpus.files)} documents" in result.stderr  # the progress bar
    assert "pages/min" in result.stderr
    rows = read_rows(out)
    assert_rows_read_right(rows, corpus)

    # The 3-page PDF went to the workers as pages 1-2 and 3: its row is what one whole read gives.
    pdf = next(row for row in rows if row["file"].endswith("long.pdf"))
    whole = run_cli("read", pdf["file"], "--json", env=env).json()
    assert pdf["text"] == whole["text"]
    assert pdf["citations"] == whole["citations"]
    assert [c["page"] for c in pdf["citations"]] == [1, 1, 2, 2, 3, 3]


@slow
def test_an_interrupted_batch_resumes_without_repeating_a_document(corpus: Corpus, tmp_path: Path):
    out = tmp_path / "rows.jsonl"
    env = dict(os.environ, DOC_ASSISTANT_CACHE_ENABLED="false")
    command = [*cli_command(), "batch", str(corpus.folder), str(corpus.bad), "--task", "read"]
    command += ["--out", str(out)]
    first = subprocess.Popen(
        [*command, "--workers", "1", "--quiet"], env=env, cwd=REPO, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 2):
            assert first.poll() is None, "the batch ended before it could be interrupted"
            time.sleep(0.2)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the CLI and its worker processes, mid-batch
        first.wait(timeout=30)
    before = read_rows(out)
    assert 2 <= len(before) < len(corpus.files), "interrupted mid-batch"
    with out.open("a") as torn:
        torn.write('{"file": "half a row')  # as a kill in the middle of a write leaves it

    again = command[len(cli_command()) :]
    second = run_cli(*again, "--workers", "2", "--json", env={"DOC_ASSISTANT_CACHE_ENABLED": "false"})
    assert second.returncode == 0, second.stderr
    summary = second.json()
    assert summary["done_before"] == len(before)
    assert summary["processed"] == len(corpus.files) - len(before)
    rows = read_rows(out)
    assert_rows_read_right(rows, corpus)
    kept = {row["file"]: row for row in rows}
    assert all(kept[row["file"]] == row for row in before), "the rows of the first run are kept as they were"


def test_bad_options_are_clear_errors(corpus: Corpus, tmp_path: Path):
    folder, out = corpus.folder, tmp_path / "a.jsonl"
    cases = [
        ((tmp_path / "nowhere", "--task", "read", "--out", out), "invalid_input", "no such file"),
        ((folder, "--task", "read", "--out", tmp_path / "a.txt"), "bad_argument", ".jsonl or a .csv"),
        ((folder, "--task", "extract", "--out", tmp_path / "a.csv"), "bad_argument", "--fields"),
        ((folder, "--task", "ask", "--out", out), "bad_argument", "--question"),
    ]
    for args, code, words in cases:
        assert_clean_cli_error(run_cli("batch", *args, "--json"), code, words, task="batch")
    assert not list(tmp_path.iterdir()), "nothing written"


def test_an_out_file_of_another_task_is_refused(corpus: Corpus, tmp_path: Path):
    out = tmp_path / "rows.jsonl"
    out.write_text('{"file": "x.png", "task": "read", "text": "", "error": null}\n')
    result = run_cli("batch", corpus.folder, "--task", "translate", "--out", out, "--json")
    assert_clean_cli_error(result, "bad_argument", "holds read rows", task="batch")
    assert out.read_text().count("\n") == 1, "the file is left as it was"


def test_a_cache_or_cluster_that_does_not_answer_stops_the_batch_at_once(corpus: Corpus, tmp_path: Path):
    out = tmp_path / "rows.jsonl"
    down = f"redis://127.0.0.1:{free_port()}/0"
    result = batch(corpus, out, "--json", env={"DOC_ASSISTANT_CACHE_URL": down})
    assert result.returncode == 3
    assert_clean_cli_error(result, "redis_unavailable", "CACHE_URL", "does not answer", task="batch")
    result = batch(corpus, out, "--engine", "ray", "--ray-address", f"127.0.0.1:{free_port()}", "--json")
    assert result.returncode == 3
    assert_clean_cli_error(result, "engine_unavailable", "ray cluster", "does not answer", task="batch")
    assert not out.exists() or not out.read_text(), "no row written"


def test_resume_reruns_only_passing_faults_and_keeps_each_document_once(tmp_path: Path):
    from assistant.jobs.output import open_output
    from assistant.tasks.request import TaskRequest

    def error(code: str) -> dict:
        return {"code": code, "message": f"{code} happened"}

    request = TaskRequest(task="extract", fields=["金额", "date"])
    for out in (tmp_path / "rows.jsonl", tmp_path / "rows.csv"):
        first = open_output(out, request)
        first.write(
            {
                "file": "c.png",
                "task": "extract",
                "text": "",
                "fields": {"金额": "¥1,200", "date": None},
                "error": None,
            }
        )
        first.write({"file": "a.png", "task": "extract", "error": error("unsupported_type")})
        first.write({"file": "b.png", "task": "extract", "error": error("redis_unavailable")})
        first.close()  # interrupted: never finished
        again = open_output(out, request)
        assert again.done == {"a.png", "c.png"}, "a passing fault (Redis down) is run again"
        again.write(
            {
                "file": "b.png",
                "task": "extract",
                "text": "",
                "fields": {"金额": "5", "date": "2024-01-02"},
                "error": None,
            }
        )
        again.finish(["a.png", "b.png", "c.png"])
        if out.suffix == ".csv":
            assert out.read_text(encoding="utf-8").splitlines() == [
                "file,金额,date,error",
                "a.png,,,unsupported_type: unsupported_type happened",
                "b.png,5,2024-01-02,",
                'c.png,"¥1,200",,',
            ]
        else:
            rows = read_rows(out)
            assert [(r["file"], r["error"] and r["error"]["code"]) for r in rows] == [
                ("a.png", "unsupported_type"), ("b.png", None), ("c.png", None)
            ]  # fmt: skip
