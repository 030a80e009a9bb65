"""Write the generated part of docs/benchmarks.md: between `<!-- bench:start -->` and `<!-- bench:end -->`,
a summary, then one block per benchmark between `<!-- bench:KEY:start -->` and `<!-- bench:KEY:end -->`.

Only the blocks of the benchmarks that ran are replaced, so `python -m bench --only ask` keeps the others;
the summary is rebuilt from the first line of every block. Everything outside the markers (the hand-run
sections, such as "API under load") is left as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from .common import BENCHMARKS, Section, table, versions_line

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
ORDER = [
    "ocr",
    "pdf",
    "cache",
    "ask",
    "translate",
    "extract",
    "scaling",
    "profile",
    "batch",
    "api",
    "vlm",
    "memory",
    "fuzz",
]
TITLES = {
    "ocr": "OCR",
    "pdf": "PDF text layer",
    "cache": "Cache",
    "ask": "ask",
    "translate": "translate and math",
    "extract": "extract",
    "scaling": "Scaling",
    "profile": "Profiler",
    "batch": "Batch",
    "api": "API under load",
    "vlm": "Model-server path",
    "memory": "Memory",
    "fuzz": "Fuzzing",
}
RESULT = "**Result:** "
INTRO = """## `python -m bench`: every figure against its peer, in one run

`.venv/bin/python -m bench [--quick] [--only ocr,pdf,cache,ask,extract,scaling,profile,batch] [--runs N]`
writes this part of the file (between the `bench:start` and `bench:end` markers; the hand-run sections
after it are kept). Each benchmark also runs alone, printing its section: `python -m bench.ocr_speed`,
`bench.pdf_text`, `bench.cache`, `bench.ask_latency`, `bench.extract_quality`, `bench.scaling`,
`bench.profiles`, `bench.batch_scale` (each with `--quick`, under 2 minutes, and `--runs N`; `--write` puts
it here).

How every figure is measured: doc-assistant and its peer run in the same process, on the same inputs, in
the same run, interleaved (their order turns round from run to run); each figure is the **median of the
runs with their range in brackets**, and ratios are computed per run (doc-assistant ÷ peer: below 1.00×
doc-assistant is faster, except for pages/s, where above 1.00× it is). The machine is shared with other
work (tests, a model server), so absolute seconds swing from run to run; the ratios are the figures to
read. The machine, the date and the load are given under each section."""


def block(key: str, body: str) -> str:
    return f"<!-- bench:{key}:start -->\n{body.rstrip()}\n<!-- bench:{key}:end -->"


def section_body(section: Section) -> str:
    text = section.markdown()
    title, _, rest = text.partition("\n")
    headline = " ".join(section.headline) or "see below"
    return f"{title}\n\n{RESULT}{headline}\n{rest}"


def parse_blocks(generated: str) -> dict[str, str]:
    pattern = re.compile(r"<!-- bench:(\w+):start -->\n(.*?)\n<!-- bench:\1:end -->", re.S)
    return {m.group(1): m.group(2) for m in pattern.finditer(generated)}


def summary(blocks: dict[str, str], wall: str | None) -> str:
    rows = []
    for key in ORDER:
        body = blocks.get(key)
        if body is None:
            rows.append([TITLES[key], f"not measured yet: `python -m bench --only {key}`"])
            continue
        result = next((line[len(RESULT) :] for line in body.splitlines() if line.startswith(RESULT)), "")
        anchor = body.splitlines()[0].removeprefix("## ")
        rows.append([f"[{TITLES[key]}](#{slug(anchor)})", result])
    lines = [INTRO, "", f"Versions: {versions_line()}.", ""]
    if wall:
        lines += [wall, ""]
    lines += table(["benchmark", "result (median (range) over the runs)"], rows)
    return "\n".join(lines)


def slug(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", title.lower())
    return text.replace(" ", "-")


def write_sections(sections: list[Section], path: Path = BENCHMARKS, wall: str | None = None) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        generated, tail = rest.split(END, 1)
    else:  # first time: after the title and its introduction, before the first section
        match = re.search(r"^## ", text, re.M)
        cut = match.start() if match else len(text)
        head, generated, tail = text[:cut], "", "\n" + text[cut:]
    blocks = parse_blocks(generated)
    old_wall = next((line for line in generated.splitlines() if line.startswith("Last run:")), None)
    for section in sections:
        blocks[section.key] = section_body(section)
    body = [summary(blocks, wall or old_wall)]
    body += [block(key, blocks[key]) for key in ORDER if key in blocks]
    tail = "\n\n" + tail.lstrip("\n") if tail.strip() else "\n"
    new = head.rstrip("\n") + "\n\n" + START + "\n" + "\n\n".join(body) + "\n" + END + tail
    path.write_text(new, encoding="utf-8")
