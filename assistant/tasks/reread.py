"""A value read off the page that fails its kind's check, read again closer.

OCR misreads a digit now and then ("2022-83-18" for 2022-03-18), and a page read at another scale reads
it differently. A date beside its label that is no date (or of an impossible year) is read again from its
own lines' crops, enlarged; the first reading that passes the check is kept, else the value stays as read.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from ..documents.model import Page, Region
from .layout_fields import Value
from .validators import find_dates

FACTORS = (2.0, 3.0)  # enlargements tried in turn
MARGIN = 0.3  # of the line's height, around each crop
YEARS = range(1900, 2101)  # a year outside these is a misread digit


def plausible_date(text: str) -> str | None:
    """The first date of the text, as written, when its year is a plausible one."""
    found = find_dates(text)
    if not found or found[0].date.year not in YEARS:
        return None
    return text[found[0].start : found[0].end].strip()


def reread(page: Page, value: Value, accept: Callable[[str], str | None]) -> Value | None:
    """The value read again from its regions' crops, enlarged: `accept`'s result for the first reading
    it accepts, or None."""
    from ..readers import rapid  # the OCR engine, loaded only when a value needs it

    image = page.load_image().convert("RGB")
    for factor in FACTORS:
        text = " ".join(_read_crop(rapid, image, region, factor) for region in value.regions)
        accepted = accept(text)
        if accepted:
            return Value(accepted, value.regions, f"{value.how}, read again {factor:g}× closer")
    return None


def _read_crop(rapid, image: Image.Image, region: Region, factor: float) -> str:
    x0, y0, x1, y1 = region.box
    margin = MARGIN * (y1 - y0)
    box = (
        max(0, x0 - margin),
        max(0, y0 - margin),
        min(image.width, x1 + margin),
        min(image.height, y1 + margin),
    )
    crop = image.crop(tuple(round(v) for v in box))
    big = crop.resize((round(crop.width * factor), round(crop.height * factor)), Image.Resampling.LANCZOS)
    return " ".join(line.text for line in rapid.recognize(big, min_score=0.0))
