"""Tesseract's orientation and script detection (OSD): is the page turned, and in what script is it?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from . import tesseract

MIN_ORIENT_CONFIDENCE = 2.0  # below this OSD is guessing; the page is left as it is
MIN_SCRIPT_CONFIDENCE = 5.0  # a script named with less confidence is only a hint
# OSD is run at the page's own resolution: a 2000 px magazine page turned by 90° was recognised with
# confidence 14 at full size and 1.1 when shrunk to 1600 px. Pages are capped at max_side anyway.
OSD_MAX_SIDE = 2048


@dataclass(frozen=True)
class Osd:
    rotation: int  # degrees counter-clockwise (for Image.rotate) that turn the page upright
    script: str | None  # tesseract's script name when it is sure of it, e.g. 'Cyrillic'


def detect_osd(image: Image.Image, tessdata: Path) -> Osd:
    probe = image
    if max(image.size) > OSD_MAX_SIDE:
        probe = image.copy()
        probe.thumbnail((OSD_MAX_SIDE, OSD_MAX_SIDE))
    try:
        osd = tesseract.detect_orientation_and_script(probe, tessdata)
    except RuntimeError:
        osd = None  # too little text to tell
    if not osd:
        return Osd(0, None)
    rotation = int(osd["orient_deg"]) % 360 if osd["orient_conf"] >= MIN_ORIENT_CONFIDENCE else 0
    script = osd["script_name"] if osd["script_conf"] >= MIN_SCRIPT_CONFIDENCE else None
    return Osd(rotation, script)
