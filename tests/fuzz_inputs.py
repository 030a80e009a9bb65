"""Mutation fuzzing of the ingest path: small valid PDF, PNG, JPEG, TIFF, WebP and GIF files, mutated by
hypothesis, fed to what an upload goes through (type check, layout in a worker, rendering or decoding a
page under the budget).

A case is a seed name and a list of mutations, so a failing case is a line of code: every case that ever
failed is kept in REGRESSIONS below, and the tests rebuild its file from it (no binary file is committed).

    .venv/bin/python -m tests.fuzz_inputs /tmp/fuzz 20    # write 20 random cases of each seed to look at
"""

from __future__ import annotations

import io
import struct
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st
from PIL import Image, ImageDraw

from tests import fixtures as fx

KINDS = ("pdf", "scan.pdf", "png", "jpeg", "tiff", "webp", "gif")
INTERESTING = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)

Mutation = tuple  # ("flip", at, bit) | ("byte", at, value) | ("insert", at, data) | ("delete", at, n)
#                  | ("repeat", at, n, times) | ("int", at, value, width) | ("truncate", at) | ("fix_png",)


@lru_cache(maxsize=1)
def seeds() -> dict[str, bytes]:
    """One small valid file per kind: a text line drawn, or a text PDF and a scanned one."""
    image = Image.new("RGB", (160, 60), "white")
    ImageDraw.Draw(image).text((8, 14), "Fuzz 1234", font=fx.latin(24), fill="black")
    out = {"pdf": fx.text_pdf([["Fuzzing the ingest path", "second line"]], width=200, height=120).data}
    out["scan.pdf"] = fx.scan_pdf([fx.RenderedPage(image)], dpi=100).data
    for kind, fmt, params in (
        ("png", "PNG", {}),
        ("jpeg", "JPEG", {"quality": 80}),
        ("tiff", "TIFF", {"compression": "tiff_lzw"}),
        ("webp", "WEBP", {"quality": 80}),
        ("gif", "GIF", {}),
    ):
        buffer = io.BytesIO()
        image.save(buffer, format=fmt, **params)
        out[kind] = buffer.getvalue()
    return out


def _at(data: bytes | bytearray, where: float) -> int:
    return min(len(data), int(where * len(data))) if data else 0


def mutate(seed: bytes, mutations: list[Mutation]) -> bytes:
    data = bytearray(seed)
    for m in mutations:
        kind = m[0]
        if kind == "fix_png":
            data = bytearray(fix_png_crcs(bytes(data)))
            continue
        at = _at(data, m[1])
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << m[2]
        elif kind == "byte" and at < len(data):
            data[at] = m[2]
        elif kind == "insert":
            data[at:at] = m[2]
        elif kind == "delete":
            del data[at : at + m[2]]
        elif kind == "repeat":
            data[at:at] = bytes(data[at : at + m[2]]) * m[3]
        elif kind == "int":
            value, width = m[2], m[3]
            packed = (value & (1 << (8 * width)) - 1).to_bytes(width, "big")
            data[at : at + width] = packed
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


def fix_png_crcs(data: bytes) -> bytes:
    """Recompute each PNG chunk's CRC, so that a mutation reaches the decoder instead of the CRC check."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    out, pos = bytearray(data[:8]), 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        end = pos + 8 + length
        if end + 4 > len(data):
            out += data[pos:]
            break
        body = data[pos + 4 : end]
        out += data[pos:end] + struct.pack(">I", zlib.crc32(body))
        pos = end + 4
    else:
        out += data[pos:]
    return bytes(out)


where = st.floats(min_value=0, max_value=1, allow_nan=False)
mutations = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), where, st.integers(0, 7)),
        st.tuples(st.just("byte"), where, st.integers(0, 255)),
        st.tuples(st.just("insert"), where, st.binary(min_size=1, max_size=64)),
        st.tuples(st.just("delete"), where, st.integers(1, 256)),
        st.tuples(st.just("repeat"), where, st.integers(1, 64), st.integers(2, 50)),
        st.tuples(st.just("int"), where, st.sampled_from(INTERESTING), st.sampled_from([1, 2, 4])),
        st.tuples(st.just("truncate"), where),
        st.just(("fix_png",)),
    ),
    min_size=1,
    max_size=8,
)
cases = st.tuples(st.sampled_from(KINDS), mutations)


# --- running a case -------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "read" (accepted), "refused" (a clear InputError), "failed" (anything else)
    code: str
    seconds: float
    detail: str = ""


@dataclass
class Tally:
    outcomes: dict[str, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, list, str]] = field(default_factory=list)
    slowest: float = 0.0
    cases: int = 0

    def add(self, seed: str, muts: list, outcome: Outcome) -> None:
        self.cases += 1
        self.outcomes[outcome.kind] = self.outcomes.get(outcome.kind, 0) + 1
        self.codes[outcome.code] = self.codes.get(outcome.code, 0) + 1
        self.slowest = max(self.slowest, outcome.seconds)
        if outcome.kind == "failed":
            self.failures.append((seed, muts, outcome.detail))


def ingest(data: bytes, name: str, settings) -> Outcome:
    """What an upload goes through before OCR: type, layout (in a worker), the first page's image (in a
    worker, under the budget)."""
    from assistant.documents.ingest import load_document
    from assistant.documents.page_jobs import image_in_worker
    from assistant.errors import InputError

    started = time.monotonic()
    try:
        document = load_document(data, name, settings)
        code = "ok"
        for page in document.pages[:2]:
            if page.failure is not None:
                raise page.failure
            image_in_worker(page, settings)
        return Outcome("read", code, time.monotonic() - started)
    except InputError as exc:
        return Outcome("refused", exc.code, time.monotonic() - started, exc.message)
    except Exception as exc:
        return Outcome(
            "failed", type(exc).__name__, time.monotonic() - started, f"{type(exc).__name__}: {exc}"
        )


def post_mutated(http, index: int, rng) -> tuple[str, list[Mutation], object]:
    """Post a few random bit flips of a seed (the seeds in turn) to `/v1/ocr`: (seed, mutations, reply)."""
    seed = KINDS[index % len(KINDS)]
    muts: list[Mutation] = [("flip", rng.random(), rng.randrange(8)) for _ in range(rng.randrange(1, 8))]
    data = mutate(seeds()[seed], muts)
    return seed, muts, http.post("/v1/ocr", data={"task": "read"}, files={"file": (f"case.{seed}", data)})


def case_name(seed: str) -> str:
    return "fuzz." + seed


# Cases that failed once (found by this fuzzer), kept to be rebuilt and checked for ever.
REGRESSIONS: list[tuple[str, list[Mutation]]] = [
    ("gif", [("repeat", 0.0, 6, 2)]),  # a header claiming 482 megapixels: Pillow's bomb guard escaped
    ("pdf", [("flip", 0.4090926860800407, 3), ("flip", 0.14974704816961928, 0)]),  # malformed page tree
]


def write_examples(folder: Path, count: int, make: Callable[[int], tuple[str, list]] | None = None) -> None:
    import random

    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    for seed_name, seed in seeds().items():
        for i in range(count):
            muts = [("flip", rng.random(), rng.randrange(8)) for _ in range(rng.randrange(1, 6))]
            (folder / f"{i:03d}.{seed_name}").write_bytes(mutate(seed, muts))


if __name__ == "__main__":
    write_examples(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10)
