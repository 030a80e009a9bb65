"""Batch throughput: `doc-assistant batch --task read` on the local engine and on a Ray cluster on this
machine, one worker against two, Ray's overhead against the local engine, and a re-run served by Redis.

    .venv/bin/python -m bench.batch_scale [--quick] [--runs N] [--write]

The batch: one-page scans rendered by tests/fixtures.py (1000×320 px, two lines each, every page
different), 16 of them (--quick: 8), read with the result cache off, as the command a user runs (a
subprocess: process start, worker start-up and the Ray connection are part of the time). Pages per minute
are pages ÷ the command's wall time.

  local ×1, local ×2   --engine local --workers 1|2
  Ray ×1, Ray ×2       --engine ray on a cluster started here like the tests' (tests/ray_cluster.py): a head
                       node of one CPU, and for ×2 a second node of one CPU, on loopback addresses
Ray's overhead: Ray's time ÷ the local engine's with as many workers, per run. The runs interleave the
four set-ups, their order turned round from run to run.

Re-run: the same batch on Ray ×2 with the cache in a real redis-server, first into an empty Redis, then
again with a new --out: the hit rate is Redis's own count (keyspace_hits ÷ lookups during the re-run),
beside the share of rows that say `cached: true` and the re-run's time ÷ the first run's.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from .common import ROOT, Section, cli, median, order, rate, ratio_spread, ratios, runs_for, s_spread, table

SETUPS = ["local ×1", "local ×2", "Ray ×1", "Ray ×2"]


def write_scans(folder: Path, count: int) -> None:
    from tests.batch_corpus import page_lines, png

    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, count + 1):
        (folder / f"scan-{n:03d}.png").write_bytes(png(page_lines(5000 + n)))


def batch(folder: Path, out: Path, env: dict[str, str], *args: str) -> tuple[float, dict]:
    from tests.conftest import cli_command

    started = time.perf_counter()
    command = [*cli_command(), "batch", str(folder), "--task", "read", "--out", str(out), "--json", "--quiet"]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT, timeout=1800
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"batch failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    if summary["errors"]:
        raise RuntimeError(f"batch rows failed: {summary['error_codes']}")
    return seconds, summary


def redis_stats(server) -> tuple[int, int]:
    info = server.client().info("stats")
    return int(info["keyspace_hits"]), int(info["keyspace_misses"])


def run(quick: bool = False, runs: int | None = None) -> Section:
    from tests.ray_cluster import ray_cluster
    from tests.redis_server import redis_server

    runs = runs_for(quick, runs, full=2, fast=1)
    count = 8 if quick else 16
    title = "Batch: local engine and Ray, one worker and two, and a Redis re-run"
    section = Section("batch", title, runs=runs)
    seconds: dict[str, list[float]] = {name: [] for name in SETUPS}
    with (
        tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp,
        ray_cluster(0, head_ip="127.0.0.4") as one,
        ray_cluster(1) as two,
    ):
        folder = Path(tmp) / "scans"
        write_scans(folder, count)
        off = {"DOC_ASSISTANT_CACHE_ENABLED": "false"}
        setups = {
            "local ×1": ("--engine", "local", "--workers", "1"),
            "local ×2": ("--engine", "local", "--workers", "2"),
            "Ray ×1": ("--engine", "ray", "--ray-address", one.address),
            "Ray ×2": ("--engine", "ray", "--ray-address", two.address),
        }
        for r in range(runs):
            for name in order(r, SETUPS):
                took, summary = batch(folder, Path(tmp) / f"{r}-{name}.jsonl", off, *setups[name])
                assert summary["processed"] == count and summary["pages"] == count, summary
                seconds[name].append(took)
        with redis_server(Path(tmp) / "redis") as redis:
            disk = str(Path(tmp) / "disk")  # stays empty: the cache is in Redis
            shared = {"DOC_ASSISTANT_CACHE_URL": redis.url, "DOC_ASSISTANT_CACHE_DIR": disk}
            cold, _ = batch(folder, Path(tmp) / "cold.jsonl", shared, *setups["Ray ×2"])
            hits, misses = redis_stats(redis)
            warm, summary = batch(folder, Path(tmp) / "warm.jsonl", shared, *setups["Ray ×2"])
            hits2, misses2 = redis_stats(redis)
    hit_rate = (hits2 - hits) / max(1, (hits2 - hits) + (misses2 - misses))
    rows_cached = summary["cached"] / count

    def per_minute(name: str) -> list[float]:
        return [count / s * 60 for s in seconds[name]]

    rows = [[name, s_spread(seconds[name]), f"{rate(median(per_minute(name)))}"] for name in SETUPS]
    over1 = ratios(seconds["Ray ×1"], seconds["local ×1"])
    over2 = ratios(seconds["Ray ×2"], seconds["local ×2"])
    scale_local = ratios(seconds["local ×1"], seconds["local ×2"])
    scale_ray = ratios(seconds["Ray ×1"], seconds["Ray ×2"])
    section.lines = [
        f"{count} one-page scans, `doc-assistant batch --task read`, result cache off, {runs} run(s) per "
        "set-up; seconds are the command's wall time (median (range)), pages/min = pages ÷ wall time.",
        "",
        *table(["set-up", "wall s", "pages/min"], rows),
        "",
        *table(
            ["ratio (per run)", "value"],
            [
                ["Ray's overhead, 1 worker: Ray ×1 ÷ local ×1 (time)", ratio_spread(over1)],
                ["Ray's overhead, 2 workers: Ray ×2 ÷ local ×2 (time)", ratio_spread(over2)],
                ["two workers' speed-up, local: local ×1 ÷ local ×2", ratio_spread(scale_local)],
                ["two workers' speed-up, Ray: Ray ×1 ÷ Ray ×2", ratio_spread(scale_ray)],
            ],
        ),
        "",
        f"Re-run from Redis (Ray ×2): first run {cold:.1f} s into an empty Redis, re-run {warm:.1f} s "
        f"({warm / cold:.2f}× the time); Redis hit rate during the re-run {hit_rate:.0%} "
        f"({hits2 - hits} hits, {misses2 - misses} misses); rows `cached: true` {rows_cached:.0%}.",
        "",
        "Two workers on two cores share the machine with each other (and with other work here): the speed-up "
        "is bounded by the cores, and each run's fixed start-up (the CLI, spawning the workers and their "
        "imports, joining the cluster) weighs on a batch this small.",
    ]
    section.headline = [
        f"Batch ({count} pages): local {rate(median(per_minute('local ×1')))} → "
        f"{rate(median(per_minute('local ×2')))} pages/min with 1 → 2 workers, Ray "
        f"{rate(median(per_minute('Ray ×1')))} → {rate(median(per_minute('Ray ×2')))}; Ray's time "
        f"{ratio_spread(over1)} the local engine's with 1 worker, {ratio_spread(over2)} with 2; "
        f"a Redis re-run: {hit_rate:.0%} hits, {warm / cold:.2f}× the time"
    ]
    return section


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
