"""Scale-out on real infrastructure: a Ray cluster of two nodes (head and worker, each `ray start`ed on its
own loopback address) and a real redis-server holding the shared result cache.

- a batch on the cluster gives every document's row exactly once, in input order (a long PDF as page ranges);
- a second run on another machine's empty disk cache is served from Redis (`cached: true`);
- the model is loaded once per Ray worker process, not once per document (extract, to CSV);
- the worker node SIGKILLed in the middle of a batch: Ray runs its tasks again, every row still once.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from assistant.cache_redis import PREFIX
from tests.batch_corpus import Corpus, invoice_lines, png, read_rows, write_corpus
from tests.conftest import REPO, cli_command, norm, run_cli
from tests.ray_cluster import RayCluster, ray_cluster
from tests.redis_server import RedisServer, redis_server
from tests.test_batch import assert_rows_read_right

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory):
    with redis_server(tmp_path_factory.mktemp("redis")) as running:
        yield running


@pytest.fixture(scope="module")
def cluster():
    with ray_cluster() as running:
        yield running


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return write_corpus(tmp_path_factory.mktemp("ray-corpus"), images=4, pdf_pages=3)


def on_ray(cluster: RayCluster, redis: RedisServer, disk_cache: Path, **env: str) -> dict[str, str]:
    return {
        "DOC_ASSISTANT_ENGINE": "ray",
        "RAY_ADDRESS": cluster.address,
        "DOC_ASSISTANT_CACHE_URL": redis.url,
        "DOC_ASSISTANT_CACHE_DIR": str(disk_cache),  # stays empty: the cache is Redis
        **env,
    }


def read_batch(corpus: Corpus, out: Path, env: dict[str, str]):
    result = run_cli("batch", corpus.folder, corpus.bad, "--task", "read", "--out", out, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return result.json(), read_rows(out)


def test_a_batch_on_the_cluster_gives_every_row_once_then_redis_serves_a_rerun(
    cluster: RayCluster, redis: RedisServer, corpus: Corpus, tmp_path: Path
):
    env = on_ray(cluster, redis, tmp_path / "disk-a", DOC_ASSISTANT_PAGES_PER_TASK="1")
    started = time.perf_counter()
    summary, rows = read_batch(corpus, tmp_path / "first.jsonl", env)
    first_s = time.perf_counter() - started
    assert summary["engine"] == "ray" and summary["workers"] == 2, "both nodes' CPUs"
    assert summary["processed"] == len(corpus.files) and summary["errors"] == 1
    assert_rows_read_right(rows, corpus)
    pdf = next(row for row in rows if row["file"].endswith("long.pdf"))
    assert [c["page"] for c in pdf["citations"]] == [1, 1, 2, 2, 3, 3], "three tasks joined in page order"
    assert not any(row.get("cached") for row in rows if "scan-" in row["file"]), "the first run reads"
    assert len(redis.client().keys(PREFIX + "*")) >= 4 + 3, "a page reading per page, in Redis"

    # Again, as from another machine: a new, empty disk cache; every page comes from Redis.
    env = on_ray(cluster, redis, tmp_path / "disk-b", DOC_ASSISTANT_PAGES_PER_TASK="1")
    started = time.perf_counter()
    summary, again = read_batch(corpus, tmp_path / "second.jsonl", env)
    second_s = time.perf_counter() - started
    assert_rows_read_right(again, corpus)
    assert all(row["cached"] for row in again[:-1]), [row["file"] for row in again if not row.get("cached")]
    assert summary["cached"] == len(corpus.files) - 1
    assert [(r.get("text"), r.get("citations")) for r in again] == [
        (r.get("text"), r.get("citations")) for r in rows
    ]
    assert not (tmp_path / "disk-a").exists() and not (tmp_path / "disk-b").exists(), "no disk cache used"
    print(f"first run {first_s:.1f} s, served from Redis {second_s:.1f} s (bench/ measures this)")


def test_the_model_is_loaded_once_per_worker_process(cluster: RayCluster, redis: RedisServer, tmp_path: Path):
    folder = tmp_path / "invoices"
    folder.mkdir()
    for n in (1, 2, 3):
        (folder / f"invoice-{n}.png").write_bytes(png(invoice_lines(n)))
    out = tmp_path / "answers.jsonl"
    # One llama.cpp thread per worker: two workers on two cores. A question for the model: extract, and a
    # question that names a label, read these invoices' labelled values from the layout without it.
    env = dict(os.environ, **on_ray(cluster, redis, tmp_path / "disk"), DOC_ASSISTANT_LLM_THREADS="1")
    command = ["batch", str(folder), "--task", "ask", "--question", "Describe this invoice in one sentence."]
    result = subprocess.run(
        [*cli_command(), *command, "--out", str(out), "--json"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["processed"] == 3 and summary["errors"] == 0, summary
    # Each worker process that ran a question loaded the model once; three documents, at most two processes.
    assert 1 <= summary["model_loads"] == summary["worker_processes"] <= 2, summary
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["file"] for r in rows] == [str(folder / f"invoice-{n}.png") for n in (1, 2, 3)]
    for n, row in zip((1, 2, 3), rows, strict=True):
        assert row["error"] is None and f"{n * 11}" in row["text"], row


def test_killing_the_worker_node_mid_batch_loses_no_row(
    cluster: RayCluster, redis: RedisServer, tmp_path: Path
):
    folder = tmp_path / "scans"
    folder.mkdir()
    expected = {}
    for n in range(1, 9):
        path = folder / f"page-{n:02d}.png"
        path.write_bytes(png([f"Survivor page {n}", f"Line two of page {n}"]))
        expected[str(path)] = [f"Survivor page {n}", f"Line two of page {n}"]
    out = tmp_path / "rows.jsonl"
    env = dict(os.environ, **on_ray(cluster, redis, tmp_path / "disk"), DOC_ASSISTANT_CACHE_ENABLED="false")
    command = [*cli_command(), "batch", str(folder), "--task", "read", "--out", str(out), "--json", "--quiet"]
    log = tmp_path / "batch.log"
    with log.open("wb") as sink:
        batch = subprocess.Popen(command, env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)
    try:
        # Kill the node while one of its workers is inside a task (Ray titles it ray::run_item).
        deadline = time.monotonic() + 180
        while cluster.worker.running_tasks("run_item") == 0:
            assert batch.poll() is None, f"the batch ended first: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "no task ever ran on the worker node"
            time.sleep(0.1)
        rows_before = out.read_text().count("\n") if out.exists() else 0
        assert cluster.worker.kill(), "the node had processes to kill"
        gone = time.monotonic() + 10
        while cluster.worker.processes() and time.monotonic() < gone:
            time.sleep(0.1)  # SIGKILL is delivered in a moment
        assert not cluster.worker.processes(), "the node's raylet and workers are gone"
        batch.wait(timeout=300)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert batch.returncode == 0, log.read_text()[-3000:]
    assert rows_before < len(expected), "killed mid-batch"
    rows = read_rows(out)
    assert [row["file"] for row in rows] == list(expected), "every document once, in input order"
    for row in rows:
        assert row["error"] is None, row
        assert [norm(line) for line in row["text"].splitlines()] == [norm(x) for x in expected[row["file"]]]
