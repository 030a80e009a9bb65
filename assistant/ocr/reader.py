"""Read a page: its text layer if it has one, otherwise OCR (upright, upscaled when small, right engine).

Results are cached by the page's content key plus engine versions and parameters, so the same page
uploaded again, under any name, is not read twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from PIL import Image

from ..cache import ResultCache, make_key
from ..documents.model import Page, Region
from ..settings import Settings
from . import rapid, tesseract
from .languages import OcrPlan, plan_for
from .orientation import detect_osd
from .reading_order import order_regions
from .script import detect_tesseract_script

PIPELINE_VERSION = 1  # bump when a change here alters results, to retire old cache entries
UPSCALE_TARGET = 32  # line height in pixels that both engines read best
BLANK_STDDEV = 2.0  # a page whose pixels vary less than this holds nothing to read
MIN_CONFIDENCE = 0.5  # rapidocr lines below this are dropped from the result (rapidocr's own default)


@dataclass
class PageReading:
    regions: list[Region]
    rotation: int = 0  # degrees counter-clockwise applied to make the page upright
    size: tuple[int, int] = (0, 0)  # of the upright page image
    engine: str = "text_layer"
    notes: list[str] = field(default_factory=list)
    cached: bool = False

    def to_cache(self) -> dict:
        return {
            "regions": [r.to_dict() for r in self.regions],
            "rotation": self.rotation,
            "size": list(self.size),
            "engine": self.engine,
            "notes": self.notes,
        }

    @classmethod
    def from_cache(cls, data: dict) -> PageReading:
        return cls(
            regions=[Region.from_dict(r) for r in data["regions"]],
            rotation=data["rotation"],
            size=tuple(data["size"]),
            engine=data["engine"],
            notes=list(data["notes"]),
            cached=True,
        )


def read_page(page: Page, lang: str | None, settings: Settings, cache: ResultCache) -> PageReading:
    """Regions of `page` in reading order, and apply the result (regions, upright image) to the page."""
    plan = plan_for(lang, tesseract.installed_languages(settings.tessdata_dir), settings.ocr_engine)
    vision = _spotting_model(settings)
    key = _cache_key(page, plan, settings) if vision is None else _vision_key(page, vision.identity, settings)
    cached = cache.get(key)
    if cached is not None:
        reading = PageReading.from_cache(cached)
    else:
        if page.text_layer is not None:
            reading = PageReading(regions=list(page.text_layer), size=page.size)
        elif vision is not None:
            image = page.load_image()
            reading = PageReading(regions=vision.spot(image, image.size), size=image.size, engine="vlm")
        else:
            reading = ocr_image(page.load_image(), plan, settings)
        cache.set(key, reading.to_cache())
    # Ordering is cheap and not cached, so a better ordering applies to cached pages too.
    reading.regions = order_regions(reading.regions)
    _apply(page, reading)
    return reading


def _spotting_model(settings: Settings):
    """The model server's spotting pass when the backend has one (hunyuan-ocr); None: OCR engines."""
    if settings.backend != "openai":
        return None
    from ..backends.vision import get_vision_model

    model = get_vision_model(settings)
    return model if model.coordinates else None


def _vision_key(page: Page, identity: str, settings: Settings) -> str:
    if page.text_layer is not None:
        return make_key("text-layer-page", PIPELINE_VERSION, page.content_key, page.size)
    return make_key("vlm-page", PIPELINE_VERSION, page.content_key, identity, settings.vision_max_side)


def _cache_key(page: Page, plan: OcrPlan | None, settings: Settings) -> str:
    if page.text_layer is not None:
        return make_key("text-layer-page", PIPELINE_VERSION, page.content_key, page.size)
    engine = plan.describe() if plan else "auto"
    versions = (rapid.engine_version(), tesseract.engine_version())
    params = (settings.min_text_height, settings.max_upscale, settings.render_dpi, settings.max_side)
    return make_key("ocr-page", PIPELINE_VERSION, page.content_key, engine, versions, params)


def _apply(page: Page, reading: PageReading) -> None:
    page.regions = reading.regions
    page.notes = list(reading.notes)
    if reading.rotation:
        load, rotation = page.load_image, reading.rotation
        page.load_image = lambda: load().rotate(rotation, expand=True)
        page.size = reading.size


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
    from PIL import ImageStat

    return max(ImageStat.Stat(image.convert("L")).stddev) < BLANK_STDDEV
