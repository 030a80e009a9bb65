"""The HTTP API under load: concurrent clients posting real documents, and /health polled all along.

    .venv/bin/python -m bench.api_load [--clients 8] [--seconds 120] [--quick]

Starts `doc-assistant api` on a free loopback port (embedded backend, a fresh result cache, the rate limit
raised so that the clients measure capacity rather than throttling), then runs `--clients` clients for
`--seconds` (`--quick`: 20 s). Each client loops over a mix of reads:

  - the rendered invoice (PNG) and a two-page scanned contract (PDF): cache misses the first time, then
    cache hits, as when many users send the same forms;
  - a receipt with a random number drawn on it each time: always a cache miss, so OCR really runs.

A separate poller GETs /health every 200 ms. Prints a markdown table (requests, throughput, p50/p99
latency, errors by status, /health p99) and writes it into docs/benchmarks.md under "## API under load".
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

from tests import fixtures as fx
from tests.api_server import start_api

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
HEADING = "## API under load"
HEALTH_EVERY_S = 0.2
# What each client sends, by weight: mostly the same forms again (cache hits), some new scans (misses).
MIX = {"invoice.png": 0.45, "contract.pdf": 0.35, "random receipt": 0.20}


@dataclass
class Sample:
    kind: str
    status: int | str  # an HTTP status, or the name of the exception when there was no answer
    seconds: float
    cached: bool | None = None


@dataclass
class Run:
    clients: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    health: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, health: bool = False) -> None:
        with self.lock:
            (self.health if health else self.samples).append(sample)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def receipt(rng: random.Random) -> bytes:
    """A small receipt whose number changes every time, so its content hash (the cache key) is new."""
    image = Image.new("RGB", (900, 320), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), f"Receipt no. {rng.randrange(10**7, 10**8)}", font=fx.latin(40), fill="black")
    draw.text((40, 130), f"Total {rng.randrange(100, 99999) / 100:.2f} EUR", font=fx.latin(40), fill="black")
    draw.text((40, 220), "Thank you for shopping with us", font=fx.latin(32), fill="black")
    return fx.encode(image, "PNG")


def documents() -> dict[str, bytes]:
    _, contract = fx.contract_pdf()
    return {"invoice.png": fx.encode(fx.invoice_page().image, "PNG"), "contract.pdf": contract.data}


def client_loop(url: str, run: Run, files: dict[str, bytes], deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    with httpx.Client(base_url=url, timeout=httpx.Timeout(600.0, connect=10.0)) as http:
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            name, data = ("receipt.png", receipt(rng)) if kind == "random receipt" else (kind, files[kind])
            started = time.perf_counter()
            try:
                response = http.post("/v1/ocr", data={"task": "read"}, files={"file": (name, data)})
            except httpx.HTTPError as exc:
                run.add(Sample(kind, type(exc).__name__, time.perf_counter() - started))
                continue
            cached = response.json().get("cached") if response.status_code == 200 else None
            run.add(Sample(kind, response.status_code, time.perf_counter() - started, cached))


def health_loop(url: str, run: Run, stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=30.0) as http:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                status: int | str = http.get("/health").status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            run.add(Sample("/health", status, time.perf_counter() - started), health=True)
            stop.wait(max(0.0, HEALTH_EVERY_S - (time.perf_counter() - started)))


def load(url: str, clients: int, seconds: float) -> Run:
    run = Run(clients, seconds)
    files = documents()
    stop = threading.Event()
    poller = threading.Thread(target=health_loop, args=(url, run, stop), daemon=True)
    poller.start()
    started = time.monotonic()
    deadline = started + seconds
    workers = [
        threading.Thread(target=client_loop, args=(url, run, files, deadline, seed), daemon=True)
        for seed in range(clients)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    poller.join()
    run.seconds = time.monotonic() - started  # the last requests end after the deadline
    return run


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:,.0f} ms"


def errors_of(samples: list[Sample]) -> str:
    bad = Counter(str(s.status) for s in samples if s.status != 200)
    return ", ".join(f"{n}× {status}" for status, n in sorted(bad.items())) or "0"


def report(run: Run, quick: bool) -> str:
    ok = [s.seconds for s in run.samples]
    health = [s.seconds for s in run.health]
    command = f"python -m bench.api_load --clients {run.clients}" + (" --quick" if quick else "")
    lines = [
        HEADING,
        "",
        f"`.venv/bin/{command}` starts `doc-assistant api` on loopback",
        "(embedded backend, a fresh result cache, the rate limit raised so that the clients measure capacity",
        f"rather than throttling) and runs {run.clients} clients that post `task=read` back to back: the",
        "rendered invoice (PNG, 45%) and a two-page scanned contract (PDF, 35%), cache misses the first time",
        "and hits after, and a receipt with a random number drawn on it (20%), a cache miss every time. A",
        "poller GETs `/health` every 200 ms meanwhile.",
        "",
        f"Latest run, {dt.date.today().isoformat()}, {run.seconds:.0f} s:",
        "",
        "| clients | requests | throughput | p50 | p99 | errors | /health p50 | /health p99 | /health errors"
        " |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {run.clients} | {len(run.samples)} | {len(run.samples) / run.seconds:.2f} req/s "
        f"| {ms(percentile(ok, 50))} | {ms(percentile(ok, 99))} | {errors_of(run.samples)} "
        f"| {ms(percentile(health, 50))} | {ms(percentile(health, 99))} | {errors_of(run.health)} |",
        "",
        "| request | count | cached | p50 | p99 |",
        "|---|---|---|---|---|",
    ]
    for kind in MIX:
        mine = [s for s in run.samples if s.kind == kind]
        cached = sum(bool(s.cached) for s in mine)
        times = [s.seconds for s in mine]
        lines.append(
            f"| {kind} | {len(mine)} | {cached} | {ms(percentile(times, 50))} | {ms(percentile(times, 99))} |"
        )
    lines += [
        "",
        "Latency is the client's wall time per request (upload, OCR or cache, JSON). OCR runs in worker",
        "threads, so `/health`, answered on the event loop, stays fast while every core is busy reading.",
        "",
    ]
    return "\n".join(lines)


def write_section(section: str, path: Path = BENCHMARKS, heading: str = HEADING) -> None:
    """Replace the hand-run section under `heading` in docs/benchmarks.md (or append it); keep the rest."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        path.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    path.write_text("".join(lines[:start]) + section + ("\n" + tail if tail else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--quick", action="store_true", help="20 seconds")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {BENCHMARKS.name} alone")
    args = parser.parse_args(argv)
    seconds = 20.0 if args.quick else args.seconds

    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        env = {
            "DOC_ASSISTANT_CACHE_DIR": str(Path(tmp) / "cache"),
            "DOC_ASSISTANT_RATE_PER_MINUTE": "1000000",
            "DOC_ASSISTANT_RATE_BURST": "100000",
        }
        server = start_api(env, log_dir=Path(tmp))
        try:
            print(f"API on {server.url}: {args.clients} clients for {seconds:g} s", flush=True)
            run = load(server.url, args.clients, seconds)
            alive = server.healthy()
        finally:
            server.stop()
    section = report(run, args.quick)
    print(section)
    if not alive:
        print("the server did not answer /health after the run")
    if not args.no_write:
        write_section(section)
        print(f"written to {BENCHMARKS.relative_to(ROOT)}")
    return 0 if alive and errors_of(run.samples) == "0" else 1


if __name__ == "__main__":
    raise SystemExit(main())
