"""The OCR engines as a page reader: rapidocr, or tesseract where the script needs it (or as settings say).

Each page is made upright (tesseract OSD), read, and read again upscaled when its text is small.
"""

from __future__ import annotations

from dataclasses import replace
from statistics import median

from PIL import Image, ImageStat

from ..cache import make_key
from ..documents.model import Page, Region
from ..documents.page_jobs import too_slow
from ..errors import OcrEngineError, PageTooSlowError
from ..settings import Settings
from ..workers import BudgetExceeded, Job, WorkerCrashed, get_pool
from . import rapid, tables, tesseract
from .base import PageReading
from .languages import OcrPlan
from .orientation import detect_osd
from .script import CONFIDENT, SHORT_TEXT, detect_tesseract_script, mean_confidence

VERSION = 5  # bump when a change here alters results, to retire old cache entries
UPSCALE_TARGET = 32  # line height in pixels that both engines read best
SURE_OF_EVERY_LINE = 0.98  # small text every line of which is read this surely is not re-read upscaled
BLANK_STDDEV = 2.0  # a page whose pixels vary less than this holds nothing to read
UPSIDE_DOWN = 0.6  # share of line crops rapidocr turned by 180° above which the page is upside down
UPSIDE_DOWN_LINES = 3  # ... when it read at least this many lines (fewer are left to OSD)
MIN_CONFIDENCE = 0.5  # rapidocr lines below this are dropped from the result (rapidocr's own default)
OCR_JOB = "assistant.readers.ocr_job:read"


class OcrEngineReader:
    """`plan` None: automatic (rapidocr first, tesseract where script detection says so)."""

    def cacheable(self, page: Page) -> bool:
        return True

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
        if self.settings.worker_count == 0:  # in process: no budget (benchmarks look inside the stages)
            return read_image(page.load_image(), self.plan, self.settings)
        return read_in_worker(page, self.plan, self.settings)


def read_in_worker(page: Page, plan: OcrPlan | None, settings: Settings) -> PageReading:
    """`read_image` in a worker process (`ocr_job.read`), under the page budget."""
    if page.source is not None:
        job = Job(OCR_JOB, (page.source.without_data(), page.file, plan, settings))
        job.files[page.source.digest] = page.source.data
    else:
        image = page.load_image().convert("RGB")
        job = Job(OCR_JOB, ((image.mode, image.size, image.tobytes()), page.file, plan, settings))
    name = page.file or "the document"
    try:
        data = get_pool(settings.worker_count).call(job, settings.page_budget_s)
    except BudgetExceeded:
        raise PageTooSlowError(too_slow(name, page.number, settings.page_budget_s)) from None
    except WorkerCrashed as exc:
        raise OcrEngineError(f"{name} page {page.number}: OCR crashed ({exc})") from None
    return PageReading.from_cache(data, cached=False)


def read_image(image: Image.Image, plan: OcrPlan | None, settings: Settings) -> PageReading:
    """OCR, then each table's lines replaced by its cells (on pages whose lines look like a grid)."""
    reading = ocr_image(image, plan, settings)

    def upright() -> Image.Image:  # the page the regions' boxes are on
        return image.rotate(reading.rotation, expand=True) if reading.rotation else image

    reading.regions, notes = tables.with_tables(upright, reading.regions)
    reading.notes.extend(notes)
    return reading


def ocr_image(image: Image.Image, plan: OcrPlan | None, settings: Settings) -> PageReading:
    if _is_blank(image):
        return PageReading(regions=[], size=image.size, engine="none", notes=["the page is blank"])
    if plan is None:
        return _auto(image, settings)
    # A chosen engine: tesseract does not turn pages itself, so orientation comes first.
    osd = detect_osd(image, settings.tessdata_dir)
    if osd.rotation:
        image = image.rotate(osd.rotation, expand=True)
    regions, upscale_note = _read_upscaled(image, plan, settings)
    return _reading(_confident(regions), image, plan, osd.rotation, [upscale_note])


def _auto(image: Image.Image, settings: Settings) -> PageReading:
    """rapidocr first; tesseract's OSD and the script probe only where its reading calls for them."""
    plan = OcrPlan("rapidocr")
    turned: list[float] = []
    regions, upscale_note = _read_upscaled(image, plan, settings, turned)
    rotation = 0
    if _upside_down(regions, turned):  # rapidocr turned most lines itself: only the boxes must follow
        rotation = 180
        regions = [_turned_half(r, image.size) for r in regions]
        image = image.rotate(180)
    osd_script = None
    if _needs_checks(regions):
        osd = detect_osd(image, settings.tessdata_dir)
        osd_script = osd.script
        if osd.rotation and not rotation:
            rotation = osd.rotation
            image = image.rotate(rotation, expand=True)
            regions, upscale_note = _read_upscaled(image, plan, settings)
        # Lines rapidocr cannot read at all (Cyrillic, Hangul) come back empty: probe its bare boxes then.
        probe = regions or [Region("", box, 0.0, "rapidocr") for box in rapid.detect(image)]
        script = detect_tesseract_script(image, probe, osd_script, settings.tessdata_dir)
        if script:
            tess_plan = OcrPlan("tesseract", script)
            tess_regions, tess_note = _read_upscaled(image, tess_plan, settings)
            # On photos tesseract's layout analysis can miss most lines rapidocr found (a street sign):
            # then rapidocr's reading, look-alike letters and all, says more.
            if _text_length(tess_regions) >= 0.5 * _text_length(_confident(regions)):
                reading = _reading(tess_regions, image, tess_plan, rotation, [tess_note])
                reading.notes.append(f"script detected as {script}; read with tesseract")
                return reading
    return _reading(_confident(regions), image, plan, rotation, [upscale_note])


def _reading(
    regions: list[Region], image: Image.Image, plan: OcrPlan, rotation: int, notes: list[str | None]
) -> PageReading:
    told = []
    if rotation:
        told.append(f"the page was turned upright (it was scanned rotated by {(360 - rotation) % 360}°)")
    told += [note for note in notes if note]
    return PageReading(
        regions=regions, rotation=rotation, size=image.size, engine=plan.describe(), notes=told
    )


def _needs_checks(regions: list[Region]) -> bool:
    """Whether rapidocr's reading may be of the wrong script or of a page on its side.

    A confident reading of enough horizontal text stands as it is. Unsure or short text may be a script
    rapidocr lacks (Hangul, Cyrillic, Devanagari read as look-alikes); text mostly in tall boxes is a
    page turned by 90° or vertical writing, which only OSD tells apart.
    """
    if _text_length(regions) < SHORT_TEXT or mean_confidence(regions) < CONFIDENT:
        return True
    return _mostly_tall(regions)


def _mostly_tall(regions: list[Region]) -> bool:
    tall = sum(len(r.text) for r in regions if r.height >= 1.5 * r.width)
    return tall >= 0.5 * _text_length(regions)


def _upside_down(regions: list[Region], turned: list[float]) -> bool:
    """Horizontal lines most of which rapidocr's classifier turned by 180° (tall lines it turns by 90° first,
    so their 180° says which side the page lies on, not that it is upside down)."""
    # One or two lines say too little: a single Arabic word was once "turned" by it, and then unreadable.
    enough = len(regions) >= UPSIDE_DOWN_LINES
    return enough and bool(turned) and turned[-1] >= UPSIDE_DOWN and not _mostly_tall(regions)


def _turned_half(region: Region, size: tuple[int, int]) -> Region:
    width, height = size
    x0, y0, x1, y1 = region.box
    return replace(region, box=(width - x1, height - y1, width - x0, height - y0))


def _confident(regions: list[Region]) -> list[Region]:
    return [r for r in regions if r.confidence >= MIN_CONFIDENCE or r.source != "rapidocr"]


def _text_length(regions: list[Region]) -> int:
    return sum(len(r.text) for r in regions)


def _run(
    image: Image.Image, plan: OcrPlan, settings: Settings, turned: list[float] | None = None
) -> list[Region]:
    if plan.engine == "tesseract":
        return tesseract.recognize(image, plan.tesseract_lang or "eng", settings.tessdata_dir)
    # Unsure lines are kept until script detection has seen them.
    return rapid.recognize(image, min_score=0.0, turned=turned)


def _read_upscaled(
    image: Image.Image, plan: OcrPlan, settings: Settings, turned: list[float] | None = None
) -> tuple[list[Region], str | None]:
    """OCR once; when the text is small, upscale and read again, with boxes mapped back."""
    regions = _run(image, plan, settings, turned)
    factor = _upscale_factor(image, regions, settings)
    if factor is None:
        return regions, None
    big = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
    upscaled = [r.scaled(1 / factor) for r in _run(big, plan, settings, turned)]
    if not upscaled or len("".join(r.text for r in upscaled)) < len("".join(r.text for r in regions)):
        if turned:
            turned.pop()  # the classifier's word on the first reading stands
        return regions, None  # upscaling found nothing more: keep the first reading
    height = median(r.height for r in regions) if regions else None
    why = f"median line height {height:.0f} px" if height else "no text found at the original size"
    return upscaled, f"small text ({why}): upscaled {factor:.1f}× before OCR"


def _upscale_factor(image: Image.Image, regions: list[Region], settings: Settings) -> float | None:
    if regions:
        height = median(min(r.height, r.width) for r in regions)
        if height >= settings.min_text_height:
            return None
        if min(r.confidence for r in regions) >= SURE_OF_EVERY_LINE:
            return None  # small, but every line read with near certainty: a closer look changes nothing
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
