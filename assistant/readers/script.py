"""Automatic script detection: decide whether rapidocr's reading stands or tesseract must read the page.

rapidocr reads Chinese, Japanese and Latin well and confidently. When it is unsure, its own line boxes
are cut out and read by tesseract's script models; the script that reads them with clearly higher
confidence wins. Probing a handful of line crops costs far less than reading the page once per script.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ..documents.model import Region
from . import tesseract
from .languages import PROBE_SCRIPTS, RAPID_SCRIPTS

CONFIDENT = 0.88  # rapidocr's mean line confidence above which its reading is kept as it is
MIN_PROBE = 0.6  # a script must read the probe lines at least this confidently to take over
MARGIN = 0.15  # ... and this much better than tesseract's Latin model reads them
PROBE_LINES = 4
SHORT_TEXT = 8  # characters


def mean_confidence(regions: list[Region]) -> float:
    weight = sum(len(r.text) for r in regions)
    if weight == 0:
        return 0.0
    return sum(r.confidence * len(r.text) for r in regions) / weight


def detect_tesseract_script(
    image: Image.Image, rapid_regions: list[Region], osd_script: str | None, tessdata: Path
) -> str | None:
    """A tesseract script model that reads this page better than rapidocr, or None to keep rapidocr.

    OSD's script, when it is sure, decides. Otherwise, when rapidocr is unsure, its line crops are read
    by each script model and compared with the Latin model, so that both confidences are tesseract's own.
    """
    installed = tesseract.installed_languages(tessdata)
    osd_says_other = osd_script in PROBE_SCRIPTS
    # A few characters say little about their script even when rapidocr is sure of them
    # (it reads the Devanagari word 'राज' as 'T' with 0.92 confidence), so short pages are probed too.
    short = sum(len(r.text) for r in rapid_regions) < SHORT_TEXT
    if not osd_says_other and not short and mean_confidence(rapid_regions) >= CONFIDENT:
        return None
    if osd_script in RAPID_SCRIPTS and not short:
        return None  # OSD is sure of a script rapidocr reads (handwriting is unsure, not foreign)
    crops = _probe_crops(image, rapid_regions)
    if not crops or "Latin" not in installed:
        return osd_script if osd_says_other and osd_script in installed else None
    latin = _probe(crops, "Latin", tessdata)
    best_script, best_conf = None, 0.0
    for script in PROBE_SCRIPTS:
        if script in installed and (conf := _probe(crops, script, tessdata)) > best_conf:
            best_script, best_conf = script, conf
    # OSD's sure word lowers the bar, and stands when the probe is inconclusive; look-alike scripts
    # (Greek and Cyrillic capitals) are still probed so that the probe can correct it.
    margin = 0.0 if osd_says_other else MARGIN
    if best_conf >= MIN_PROBE and best_conf >= latin + margin:
        return best_script
    return osd_script if osd_says_other and osd_script in installed else None


def _probe(crops: list[Image.Image], script: str, tessdata: Path) -> float:
    return sum(tesseract.read_line(crop, script, tessdata)[1] for crop in crops) / len(crops)


def _probe_crops(image: Image.Image, regions: list[Region]) -> list[Image.Image]:
    """The largest horizontal lines rapidocr found, cut out with a margin."""
    lines = [r for r in regions if r.width >= r.height]
    lines.sort(key=lambda r: r.width * r.height, reverse=True)
    crops = []
    for region in lines[:PROBE_LINES]:
        pad = region.height * 0.25
        x0, y0, x1, y1 = region.box
        box = (max(0, x0 - pad), max(0, y0 - pad), min(image.width, x1 + pad), min(image.height, y1 + pad))
        crops.append(image.crop(tuple(round(v) for v in box)))
    return crops
