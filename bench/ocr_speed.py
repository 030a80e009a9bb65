"""OCR: doc-assistant's read against raw rapidocr and raw tesseract, in process, on the same page images.

    .venv/bin/python -m bench.ocr_speed [--quick] [--runs N] [--write]

Pages: the read items of ../shared/datasets/ocr_lines_dev (images) and the scanned PDFs of pdfs_dev.
Three pipelines, each from the file's bytes to text, in the same process (no CLI start-up), interleaved
(their order turns round from run to run), after one untimed warm-up pass that loads every model:

  - doc-assistant: assistant.documents.ingest.load_document + assistant.tasks.read.read_documents,
    result cache off (decode or render, orientation, engine choice, upscaling, reading order);
  - raw rapidocr: decode (PDFs: PyMuPDF render at the same zoom as doc-assistant, so the pixels are the
    same) and rapidocr.RapidOCR()(image), lines in the order returned;
  - raw tesseract: the same decode, tesserocr OSD to choose the language (peer_cli.py's script -> language
    table), then tesserocr with psm 6 (peer_cli.py's default), text lines in order.

CER and must_contain recall use ../shared/eval/evaluate.py's own functions. The target: doc-assistant
within 1.1x the time of the raw engine it uses on each page, at equal or better CER.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

from .common import (
    Section,
    cli,
    entries,
    median,
    missing_datasets,
    order,
    ratio,
    ratio_spread,
    ratios,
    runs_for,
    s_spread,
    scoring,
    secs,
    table,
)
from .stages import UPSCALED, StageClock, patched

TARGET = 1.1
# the stages that run on every OCR'd page beyond the engine: orientation/script detection and the probes
CHECKS = [
    "orientation + script (tesseract OSD)",
    "script probe (tesseract line crops)",
    "rapidocr box probe (detect only)",
]
PIPELINES = ["doc-assistant", "rapidocr", "tesseract"]
# --quick: a mix that still has each kind of page (Latin, CJK, a tesseract script, rotated, tiny, PDF)
QUICK_IDS = [
    "tess_phototest",
    "tess_word_arabic",
    "rapidocr_rotated_180",
    "rapidocr_zh_en_mixed_lines",
    "rapidocr_tiny_zh",
    "pdf_scanned_fr_pangram",
]


@dataclass
class Item:
    set: str
    id: str
    name: str
    data: bytes
    kind: str  # image | pdf
    ref: str | None
    must: list[str] | None
    zooms: list[float] = field(default_factory=list)  # PDF: doc-assistant's render zoom per page

    @property
    def pages(self) -> int:
        return len(self.zooms) if self.kind == "pdf" else 1


def items(quick: bool) -> list[Item]:
    out = []
    for set_name in ("ocr_lines_dev", "pdfs_dev"):
        for entry, path in entries(set_name):
            if entry["task"] != "read" or (set_name == "pdfs_dev" and entry.get("kind") != "scanned"):
                continue
            if quick and entry["id"] not in QUICK_IDS:
                continue
            kind = "pdf" if path.suffix.lower() == ".pdf" else "image"
            ref = entry.get("text")
            if ref and kind == "pdf":
                ref = "\n".join([ref] * int(entry.get("pages") or 1))  # as evaluate.py builds it
            data = path.read_bytes()
            out.append(Item(set_name, entry["id"], path.name, data, kind, ref, entry.get("must_contain")))
    return out


# --- the peers --------------------------------------------------------------------------------------


def page_images(item: Item):
    """The pages as RGB PIL images: decoded, or rendered by PyMuPDF at doc-assistant's zoom."""
    from PIL import Image, ImageOps

    if item.kind == "image":
        with Image.open(io.BytesIO(item.data)) as im:
            return [ImageOps.exif_transpose(im).convert("RGB")]
    import pymupdf

    images = []
    with pymupdf.open(stream=item.data, filetype="pdf") as doc:
        doc.authenticate("")
        for page, zoom in zip(doc, item.zooms, strict=True):
            pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False, colorspace=pymupdf.csRGB)
            images.append(Image.frombytes("RGB", (pix.width, pix.height), pix.samples))
    return images


class RawRapid:
    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self.engine = RapidOCR(params={"Global.log_level": "error"})

    def read(self, item: Item) -> str:
        import numpy as np

        texts = []
        for image in page_images(item):
            result = self.engine(np.ascontiguousarray(np.asarray(image)[:, :, ::-1]))  # BGR, as OpenCV
            texts.append("\n".join(result.txts or ()))
        return "\n\n".join(texts)


class RawTesseract:
    """tesserocr as peer_cli.py --engine tesseract --lang auto uses it, with its APIs kept warm."""

    def __init__(self) -> None:
        import tesserocr

        from assistant.settings import Settings

        from .common import peer_cli

        self.tr = tesserocr
        self.path = f"{Settings().tessdata_dir}/"
        self.script_lang = peer_cli().SCRIPT_LANG
        self.osd = tesserocr.PyTessBaseAPI(path=self.path, lang="osd", psm=tesserocr.PSM.OSD_ONLY)
        self.apis: dict[str, object] = {}
        for lang in {*self.script_lang.values(), "eng+chi_sim"}:  # loading models is not reading
            self.api(lang)

    def api(self, lang: str):
        if lang not in self.apis:
            self.apis[lang] = self.tr.PyTessBaseAPI(path=self.path, lang=lang, psm=6)
        return self.apis[lang]

    def read(self, item: Item) -> str:
        texts = []
        for image in page_images(item):
            self.osd.SetImage(image)
            try:
                osd = self.osd.DetectOrientationScript()
            except RuntimeError:
                osd = None
            lang = self.script_lang.get(osd.get("script_name"), "eng+chi_sim") if osd else "eng+chi_sim"
            api = self.api(lang)
            api.SetImage(image)
            api.Recognize()
            lines = []
            iterator = api.GetIterator()
            level = self.tr.RIL.TEXTLINE
            if iterator is not None:
                for r in self.tr.iterate_level(iterator, level):
                    try:
                        text = (r.GetUTF8Text(level) or "").strip()
                    except RuntimeError:
                        continue
                    if text:
                        lines.append(text)
            texts.append("\n".join(lines))
        return "\n\n".join(texts)


class Ours:
    """`workers` None: the page workers, as users get them; 0: in process, so that the stages can be timed."""

    def __init__(self, workers: int | None = None) -> None:
        from assistant.settings import Settings

        self.settings = Settings(cache_enabled=False, page_workers=workers)

    def read(self, item: Item, clock: StageClock | None = None) -> tuple[str, str, list[str]]:
        """(text, engine used: the source of most lines, notes)"""
        from assistant.documents.ingest import load_document
        from assistant.tasks.read import read_documents

        if clock:
            clock.new_page()
            started = time.perf_counter()
        doc = load_document(item.data, item.name, self.settings)
        if clock:
            clock.add("decode / PDF open", time.perf_counter() - started)
            if item.kind == "pdf":
                for page in doc.pages:
                    page.load_image = clock.wrap("render PDF page", page.load_image)
        answer = read_documents([doc], settings=self.settings)
        sources = [c.region.source for c in answer.citations]
        engine = max(set(sources), key=sources.count) if sources else "rapidocr"
        return answer.text, engine, answer.notes


def zooms_of(item: Item) -> list[float]:
    import pymupdf

    from assistant.documents.ingest import load_document
    from assistant.settings import Settings

    doc = load_document(item.data, item.name, Settings(cache_enabled=False))
    with pymupdf.open(stream=item.data, filetype="pdf") as pdf:
        pdf.authenticate("")
        return [page.size[0] / pdf[i].rect.width for i, page in enumerate(doc.pages)]


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class Quality:
    cer: float | None
    recall: float | None


def quality(item: Item, text: str) -> Quality:
    ev = scoring()
    cer = ev.cer(item.ref, text) if item.ref else None
    recall = None
    if item.must:
        recall = sum(ev.squash(m) in ev.squash(text) for m in item.must) / len(item.must)
    return Quality(cer, recall)


def run(quick: bool = False, runs: int | None = None) -> Section:
    runs = runs_for(quick, runs, full=3, fast=2)
    section = Section("ocr", "OCR: doc-assistant read vs raw rapidocr and raw tesseract", runs=runs)
    if why := missing_datasets("ocr_lines_dev", "pdfs_dev"):
        section.lines = [f"Not measured: {why}."]
        section.headline = [f"OCR: not measured ({why})"]
        return section
    todo = items(quick)
    for item in todo:
        if item.kind == "pdf":
            item.zooms = zooms_of(item)
    pages = sum(item.pages for item in todo)
    ours, rapid, tess = Ours(), RawRapid(), RawTesseract()
    readers = {
        "doc-assistant": lambda item, clock=None: ours.read(item, clock)[0],
        "rapidocr": rapid.read,
        "tesseract": tess.read,
    }

    # Warm-up pass (untimed): loads every model and language; its output is scored (greedy, deterministic).
    texts: dict[tuple[str, str], str] = {}
    engine_used: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    for item in todo:
        texts["doc-assistant", item.id], engine_used[item.id], notes[item.id] = ours.read(item)
        texts["rapidocr", item.id] = rapid.read(item)
        texts["tesseract", item.id] = tess.read(item)

    # Timed runs, interleaved.
    per_item: dict[tuple[str, str], list[float]] = {}
    totals: dict[str, list[float]] = {name: [] for name in PIPELINES}
    used_engine_totals: list[float] = []
    clocks: list[StageClock] = []
    item_clocks: dict[str, list[StageClock]] = {item.id: [] for item in todo}
    clock = StageClock()
    for r in range(runs):
        run_totals = dict.fromkeys(PIPELINES, 0.0)
        used_total = 0.0
        for item in todo:
            spent: dict[str, float] = {}
            for name in order(r + todo.index(item), PIPELINES):
                started = time.perf_counter()
                if name == "doc-assistant":
                    ours.read(item)
                else:
                    readers[name](item)
                spent[name] = time.perf_counter() - started
                per_item.setdefault((name, item.id), []).append(spent[name])
                run_totals[name] += spent[name]
            used_total += spent[engine_used[item.id]]
        for name in PIPELINES:
            totals[name].append(run_totals[name])
        used_engine_totals.append(used_total)
    # Where the time goes: the stages run inside the page workers, out of sight, so they are timed in one
    # more pass in process (the same reader code), and that pass stands for every run in the stage table.
    inline = Ours(workers=0)
    for item in todo:
        inline.read(item)  # warm: the engines load in this process too
    for item in todo:
        item_clock = StageClock()
        with patched(item_clock):
            inline.read(item, item_clock)
        item_clocks[item.id].append(item_clock)
        clock.merge(item_clock)
    clocks = [clock] * runs

    scores = {(name, item.id): quality(item, texts[name, item.id]) for name in PIPELINES for item in todo}
    section.lines = report(
        todo,
        pages,
        runs,
        totals,
        used_engine_totals,
        per_item,
        scores,
        engine_used,
        notes,
        clocks,
        item_clocks,
    )
    ours_vs_used = ratios(totals["doc-assistant"], used_engine_totals)
    cer = {name: mean_cer(todo, scores, name) for name in PIPELINES}
    section.headline = [
        f"OCR ({pages} pages): doc-assistant {ratio_spread(ours_vs_used)} the time of the raw engine it uses "
        f"(target ≤ {TARGET}×: {'met' if median(ours_vs_used) <= TARGET else 'not met'}) at CER "
        f"{cer['doc-assistant']:.3f} vs {used_engine_quality(todo, scores, engine_used)[0]:.3f}; "
        f"{ratio_spread(ratios(totals['doc-assistant'], totals['rapidocr']))} raw rapidocr, "
        f"{ratio_spread(ratios(totals['doc-assistant'], totals['tesseract']))} raw tesseract; "
        f"CER of raw rapidocr {cer['rapidocr']:.3f}, raw tesseract {cer['tesseract']:.3f}"
    ]
    return section


def mean_cer(todo: list[Item], scores: dict, name: str, set_name: str | None = None) -> float:
    values = [
        scores[name, i.id].cer
        for i in todo
        if scores[name, i.id].cer is not None and (set_name is None or i.set == set_name)
    ]
    return sum(values) / len(values) if values else float("nan")


def mean_recall(todo: list[Item], scores: dict, name: str, set_name: str | None = None) -> float:
    values = [
        scores[name, i.id].recall
        for i in todo
        if scores[name, i.id].recall is not None and (set_name is None or i.set == set_name)
    ]
    return sum(values) / len(values) if values else float("nan")


def num(value: float) -> str:
    return "–" if value != value else f"{value:.3f}"


def did(engine: str, notes: list[str], clocks: list[StageClock]) -> str:
    """What the reader did on the page beyond reading it: 'rapidocr, upscaled 2.0×, turned upright'."""
    out = [engine]
    for note in notes:
        if "upscaled" in note:
            out.append("upscaled " + note.rsplit("upscaled ", 1)[1].split(" ")[0])
        elif "turned upright" in note:
            out.append("turned upright")
    if not any("upscaled" in note for note in notes) and any(c.calls.get(UPSCALED) for c in clocks):
        out.append("re-read upscaled, first reading kept")
    return ", ".join(out)


def used_engine_quality(todo: list[Item], scores: dict, engine_used: dict[str, str]) -> tuple[float, float]:
    """Mean CER and recall of the raw engine doc-assistant used, file by file, on the same files."""
    cers = [
        scores[engine_used[i.id], i.id].cer for i in todo if scores[engine_used[i.id], i.id].cer is not None
    ]
    recalls = [
        scores[engine_used[i.id], i.id].recall
        for i in todo
        if scores[engine_used[i.id], i.id].recall is not None
    ]
    mean = lambda v: sum(v) / len(v) if v else float("nan")  # noqa: E731
    return mean(cers), mean(recalls)


def top_stages(clocks: list[StageClock], n: int = 3) -> str:
    names = {s for c in clocks for s in c.seconds}
    ranked = sorted(names, key=lambda s: -median([c.seconds.get(s, 0.0) for c in clocks]))[:n]
    return ", ".join(f"{s} {secs(median([c.seconds.get(s, 0.0) for c in clocks]))}" for s in ranked)


def report(
    todo, pages, runs, totals, used_totals, per_item, scores, engine_used, notes, clocks, item_clocks
) -> list[str]:
    ours = totals["doc-assistant"]
    n_rapid = sum(1 for i in todo if engine_used[i.id] == "rapidocr")
    lines = [
        f"{len(todo)} files, {pages} pages: the read items of `ocr_lines_dev` (images: many scripts, "
        "vertical, rotated, tiny, a magazine page) and the scanned PDFs of `pdfs_dev`. In process, from the "
        "file's bytes to text; cache off; one untimed warm-up pass first (models and languages loaded), then "
        f"{runs} timed run(s) with the three pipelines interleaved per page. "
        "s/page: the run's total over the pages; ratios are per run, doc-assistant over the peer.",
        "",
    ]
    rows = []
    for name in PIPELINES:
        per_page = [t / pages for t in totals[name]]
        cells = [f"**{name}**" if name == "doc-assistant" else f"raw {name}", s_spread(per_page)]
        cells.append("1.00×" if name == "doc-assistant" else ratio_spread(ratios(ours, totals[name])))
        for set_name in ("ocr_lines_dev", "pdfs_dev"):
            cells += [
                num(mean_cer(todo, scores, name, set_name)),
                num(mean_recall(todo, scores, name, set_name)),
            ]
        rows.append(cells)
    lines += table(
        [
            "pipeline",
            "s/page",
            "doc-assistant ÷ this",
            "CER ocr_lines",
            "recall ocr_lines",
            "CER pdfs (scans)",
            "recall pdfs (scans)",
        ],
        rows,
    )
    used = ratios(ours, used_totals)
    used_cer, used_recall = used_engine_quality(todo, scores, engine_used)
    ours_cer, ours_recall = (
        mean_cer(todo, scores, "doc-assistant"),
        mean_recall(todo, scores, "doc-assistant"),
    )
    verdict = "met" if median(used) <= TARGET else "**not met**"
    lines += [
        "",
        f"**Against the raw engine it uses** (doc-assistant read {n_rapid} of the {len(todo)} files with "
        f"rapidocr, {len(todo) - n_rapid} with tesseract; the peer time is that engine's raw time on the "
        "same page): "
        f"**{ratio_spread(used)}** (target ≤ {TARGET}×: {verdict}), at CER {num(ours_cer)} against "
        f"{num(used_cer)} for those raw engines on the same files (recall {num(ours_recall)} against "
        f"{num(used_recall)}). CER: lower is better; recall: the share of `must_contain` strings found (the "
        "harness's own functions).",
        "",
    ]
    # Where doc-assistant's time goes: the stages, timed by wrapping the reader's functions.
    stage_names = sorted(
        {s for c in clocks for s in c.seconds}, key=lambda s: -median([c.seconds.get(s, 0) for c in clocks])
    )
    stage_rows = []
    for stage in stage_names:
        values = [c.seconds.get(stage, 0.0) / pages for c in clocks]
        share = median([c.seconds.get(stage, 0.0) / t for c, t in zip(clocks, ours, strict=True)])
        calls = median([c.calls.get(stage, 0) for c in clocks])
        stage_rows.append([stage, s_spread(values), f"{share:.0%}", f"{calls:g}"])
    rest = [(t - sum(c.seconds.values())) / pages for c, t in zip(clocks, ours, strict=True)]
    rest_share = median([r * pages / t for r, t in zip(rest, ours, strict=True)])
    stage_rows.append(["the rest (regions, page model, text)", s_spread(rest), f"{rest_share:.0%}", ""])
    rapid_per_page = [t / pages for t in totals["rapidocr"]]
    lines += [
        "Where doc-assistant's time goes (per page; the timed runs read in the page-worker processes, so the "
        "stages are timed in one extra pass in process, by wrapping the reader's functions from outside):",
        "",
    ]
    lines += table(["stage", "s/page", "share", "calls per run"], stage_rows)
    extra = median([(t - r) / pages for t, r in zip(ours, totals["rapidocr"], strict=True)])

    def without(stages: list[str]) -> float:
        cut = [t - sum(c.seconds.get(s, 0.0) for s in stages) for c, t in zip(clocks, ours, strict=True)]
        return median(ratios(cut, totals["rapidocr"]))

    lines += [
        "",
        f"doc-assistant spends {secs(extra)} s/page more than raw rapidocr "
        f"({secs(median(rapid_per_page))} s/page); the stages raw rapidocr does not have are OSD, the script "
        "probe, the tesseract reads it leads to and the upscaled re-reads (see the table). Arithmetic on "
        "the stage times (not measured): without OSD and the probes, which run on every page, doc-assistant "
        f"would take {ratio(without(CHECKS))} raw rapidocr's time; without the upscaled re-reads as well, "
        f"{ratio(without([*CHECKS, UPSCALED]))}.",
        "",
        "<details><summary>Per file: seconds (median of the runs) and CER / recall</summary>",
        "",
    ]
    rows = []
    for item in todo:
        cells = [
            f"{item.id} ({item.pages} p)",
            did(engine_used[item.id], notes[item.id], item_clocks[item.id]),
        ]
        cells += [secs(median(per_item[name, item.id])) for name in PIPELINES]
        cells.append(top_stages(item_clocks[item.id]))
        for name in PIPELINES:
            q = scores[name, item.id]
            cells.append(f"{q.cer:.3f}" if q.cer is not None else f"recall {q.recall:.2f}")
        rows.append(cells)
    header = ["file", "doc-assistant did", "s ours", "s rapidocr", "s tesseract", "ours' largest stages (s)"]
    lines += table([*header, "CER ours", "CER rapidocr", "CER tesseract"], rows)
    lines += ["", "</details>"]
    return lines


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
