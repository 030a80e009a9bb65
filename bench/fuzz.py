"""Fuzzing the ingest path: 10,000 mutated files in process and 200 through the API.

    .venv/bin/python -m bench.fuzz [--quick]

The harness is tests/fuzz_inputs.py (hypothesis mutates small valid PDF, scanned PDF, PNG, JPEG, TIFF, WebP
and GIF seeds: bit flips, bytes, inserts, deletes, repeats, interesting integers, truncation, PNG CRCs
recomputed). Each case goes through what an upload does before OCR, in the page workers under a 5 s budget:
the type check, the layout (open, text layer, decoding), the first pages' images. Counted: accepted,
refused with a clear error (by code), failed (any other exception: a crash), and the slowest case against
the budget's wall-clock cap (a hang). Then mutated uploads are posted to `doc-assistant api`: any 5xx fails.
New random cases every run (the CI test, tests/test_fuzz.py, runs a fixed 300). --quick: 1,000 and 100.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from .common import Section, cli, runs_for, table

CASES = 10_000
API_CASES = 200
BUDGET_S = 5.0


def run(quick: bool = False, runs: int | None = None) -> Section:
    import httpx
    from hypothesis import HealthCheck, given, settings

    from assistant.settings import Settings
    from tests import fuzz_inputs as fz
    from tests.api_server import api_server

    runs_for(quick, runs, full=1, fast=1)
    cases, api_cases = (1000, 100) if quick else (CASES, API_CASES)
    section = Section("fuzz", "Fuzzing the ingest path", runs=1)
    tally = fz.Tally()
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as tmp:
        s = Settings(cache_enabled=False, page_budget_s=BUDGET_S, cache_dir=Path(tmp) / "cache")

        @settings(max_examples=cases, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=fz.cases)
        def fuzz(case) -> None:
            seed, mutations = case
            tally.add(
                seed, mutations, fz.ingest(fz.mutate(fz.seeds()[seed], mutations), fz.case_name(seed), s)
            )

        started = time.monotonic()
        fuzz()
        in_process_s = time.monotonic() - started

        rng = random.Random()
        statuses: dict[int, int] = {}
        env = {
            "DOC_ASSISTANT_RATE_PER_MINUTE": "1000000",
            "DOC_ASSISTANT_RATE_BURST": "100000",
            "DOC_ASSISTANT_PAGE_BUDGET_S": str(BUDGET_S),
            "DOC_ASSISTANT_CACHE_DIR": str(Path(tmp) / "api"),
        }
        server_errors = []
        with (
            api_server(env, log_dir=Path(tmp)) as server,
            httpx.Client(base_url=server.url, timeout=600) as http,
        ):
            for i in range(api_cases):
                seed, mutations, response = fz.post_mutated(http, i, rng)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code >= 500:
                    server_errors.append((seed, mutations, response.text[:200]))
            alive = server.healthy()
    cap = 10 * BUDGET_S
    hangs = "0" if tally.slowest < cap else "**1 or more**"
    codes = ", ".join(f"{code} {n:,}" for code, n in sorted(tally.codes.items(), key=lambda kv: -kv[1]))
    section.lines = [
        f"{tally.cases:,} cases in process in {in_process_s:.0f} s, then {api_cases} mutated uploads to "
        "the API. "
        f"Budget {BUDGET_S:g} s of CPU a page (its wall-clock cap {cap:g} s).",
        "",
        *table(
            ["cases", "accepted", "refused clearly", "crashes", "slowest case", "hangs past the budget"],
            [
                [
                    f"{tally.cases:,}",
                    f"{tally.outcomes.get('read', 0):,}",
                    f"{tally.outcomes.get('refused', 0):,}",
                    str(len(tally.failures)),
                    f"{tally.slowest:.1f} s",
                    hangs,
                ]
            ],
        ),
        "",
        f"Outcomes by code: {codes}.",
        "",
        f"Through the API: {', '.join(f'{n}× {status}' for status, n in sorted(statuses.items()))}; "
        f"5xx: {len(server_errors)}; the server {'answered /health after' if alive else 'was down after'}.",
    ]
    if tally.failures:
        section.lines += ["", "Failed cases (add them to tests/fuzz_inputs.py REGRESSIONS once fixed):", ""]
        section.lines += [
            f"- `({seed!r}, {muts!r})`: {detail[:200]}" for seed, muts, detail in tally.failures[:20]
        ]
    section.headline = [
        f"Fuzzing: {tally.cases:,} mutated files, {len(tally.failures)} crashes, "
        f"slowest {tally.slowest:.1f} s "
        f"(hangs past the budget: {hangs}); {api_cases} through the API, {len(server_errors)} 5xx"
    ]
    return section


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
