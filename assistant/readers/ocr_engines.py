"""The OCR engines as a page reader: rapidocr, or tesseract where the script needs it (or as settings say).

Each page is made upright (tesseract OSD), read, and read again upscaled when its text is small.
"""

from __future__ import annotations

from statistics import median

from PIL import Image, ImageStat

from ..cache import make_key
from ..documents.model import Page, Region
from ..settings import Settings
from . import rapid, tables, tesseract
from .base import PageReading
from .languages import OcrPlan
from .orientation import detect_osd
from .script import detect_tesseract_script

VERSION = 1  # bump when a change here alters results, to retire old cache entries
UPSCALE_TARGET = 32  # line height in pixels that both engines read best
BLANK_STDDEV = 2.0  # a page whose pixels vary less than this holds nothing to read
MIN_CONFIDENCE = 0.5  # rapidocr lines below this are dropped from the result (rapidocr's own default)


class OcrEngineReader:
    """`plan` None: automatic (rapidocr first, tesseract where script detection says so)."""

    def __init__(self, plan: OcrPlan | None, settings: Settings) -> None:
        self.plan = plan
        self.settings = settings

    def accepts(self, page: Page) -> bool:
        return True

    def cache_key(self, page: Page) -> str:
        engine = self.plan.describe() if self.plan else "auto"
        versions = (rapid.engine_version(), tesseract.engine_version())
        s = self.settings
        params = (s.min_text_height, s.max_upscale, s.render_dpi, s.max_side)
        return make_key("ocr-page", VERSION, page.content_key, engine, versions, params, tables.VERSION)

    def read(self, page: Page) -> PageReading:
        image = page.load_image()
        reading = ocr_image(image, self.plan, self.settings)

        def upright() -> Image.Image:  # the page the regions' boxes are on
            return image.rotate(reading.rotation, expand=True) if reading.rotation else image

        reading.regions, notes = tables.with_tables(upright, reading.regions)
        reading.notes.extend(notes)
        return reading


def ocr_image(image: Image.Image, plan: OcrPlan | None, settings: Settings) -> PageReading:
    notes: list[str] = []
    if _is_blank(image):
        return PageReading(regions=[], size=image.size, engine="none", notes=["the page is blank"])
    osd = detect_osd(image, settings.tessdata_dir)
    rotation = osd.rotation
    if rotation:
        image = image.rotate(rotation, expand=True)
        notes.append(f"the page was turned upright (it was scanned rotated by {(360 - rotation) % 360}°)")

    if plan is None:  # automatic: rapidocr first, tesseract where its script detection says so
        regions, upscale_note = _read_upscaled(image, OcrPlan("rapidocr"), settings)
        plan = OcrPlan("rapidocr")
        # Lines rapidocr cannot read at all (Cyrillic, Hangul) come back empty: probe its bare boxes then.
        probe = regions or [Region("", box, 0.0, "rapidocr") for box in rapid.detect(image)]
        script = detect_tesseract_script(image, probe, osd.script, settings.tessdata_dir)
        if script:
            tess_plan = OcrPlan("tesseract", script)
            tess_regions, tess_note = _read_upscaled(image, tess_plan, settings)
            # On photos tesseract's layout analysis can miss most lines rapidocr found (a street sign):
            # then rapidocr's reading, look-alike letters and all, says more.
            if _text_length(tess_regions) >= 0.5 * _text_length(_confident(regions)):
                plan, regions, upscale_note = tess_plan, tess_regions, tess_note
                notes.append(f"script detected as {script}; read with tesseract")
    else:
        regions, upscale_note = _read_upscaled(image, plan, settings)
    regions = _confident(regions)
    if upscale_note:
        notes.append(upscale_note)
    return PageReading(
        regions=regions,
        rotation=rotation,
        size=image.size,
        engine=plan.describe(),
        notes=notes,
    )


def _confident(regions: list[Region]) -> list[Region]:
    return [r for r in regions if r.confidence >= MIN_CONFIDENCE or r.source != "rapidocr"]


def _text_length(regions: list[Region]) -> int:
    return sum(len(r.text) for r in regions)


def _run(image: Image.Image, plan: OcrPlan, settings: Settings) -> list[Region]:
    if plan.engine == "tesseract":
        return tesseract.recognize(image, plan.tesseract_lang or "eng", settings.tessdata_dir)
    # Unsure lines are kept until script detection has seen them.
    return rapid.recognize(image, min_score=0.0)


def _read_upscaled(image: Image.Image, plan: OcrPlan, settings: Settings) -> tuple[list[Region], str | None]:
    """OCR once; when the text is small, upscale and read again, with boxes mapped back."""
    regions = _run(image, plan, settings)
    factor = _upscale_factor(image, regions, settings)
    if factor is None:
        return regions, None
    big = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
    upscaled = [r.scaled(1 / factor) for r in _run(big, plan, settings)]
    if not upscaled or len("".join(r.text for r in upscaled)) < len("".join(r.text for r in regions)):
        return regions, None  # upscaling found nothing more: keep the first reading
    height = median(r.height for r in regions) if regions else None
    why = f"median line height {height:.0f} px" if height else "no text found at the original size"
    return upscaled, f"small text ({why}): upscaled {factor:.1f}× before OCR"


def _upscale_factor(image: Image.Image, regions: list[Region], settings: Settings) -> float | None:
    if regions:
        height = median(min(r.height, r.width) for r in regions)
        if height >= settings.min_text_height:
            return None
        factor = UPSCALE_TARGET / max(height, 1)
    elif max(image.size) < 1000:
        factor = 1000 / max(image.size)  # a tiny image where nothing was found: look closer
    else:
        return None
    pixel_room = (settings.max_pixels / (image.width * image.height)) ** 0.5
    factor = min(factor, settings.max_upscale, pixel_room)
    return factor if factor >= 1.25 else None


def _is_blank(image: Image.Image) -> bool:
    return max(ImageStat.Stat(image.convert("L")).stddev) < BLANK_STDDEV
