"""Page images as a model server takes them: data URLs, made once per page and reused.

An uploaded JPEG or PNG that the model would see as it is (one frame, upright, RGB or grey, within the
long side) goes as its own bytes, as a hand-written client sends it: nothing is decoded into the request
or encoded again. Any other page is encoded once as a JPEG at quality 95 without chroma subsampling, which
keeps text edges sharp and encodes several times faster than PNG (PNG cost more than the rest of the app's
part of a request: 1.13× a direct request to the same vLLM). The same page goes to the model more than
once (the spotting pass, then ask, extract or translate), so its data URL is kept, by the page's content
key where there is one (then the page is not even made again), else by the pixels' digest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ..documents.images import as_is_mime
from ..documents.model import Page, PageSource
from ..documents.page_jobs import in_worker, page_image
from ..settings import Settings

QUALITY = 95
KEPT = 16  # encoded pages kept (a 2048 px page is about 0.5 MB of base64)

_kept: OrderedDict[Hashable, EncodedImage] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class EncodedImage:
    """A page image ready for a request: its data URL, and the page image's size in pixels (the model's
    coordinates are mapped back to it)."""

    url: str
    size: tuple[int, int]


PageImage = Image.Image | EncodedImage  # what a backend's `images` take


def image_part(image: PageImage, max_side: int) -> dict[str, Any]:
    """An image content part: a base64 data URL with the long side capped at `max_side`."""
    if not isinstance(image, EncodedImage):
        rgb = image.convert("RGB")
        key = (rgb.size, max_side, hashlib.blake2b(rgb.tobytes(), digest_size=16).digest())
        image = kept(key, lambda: EncodedImage(data_url(rgb, max_side), rgb.size))
    return {"type": "image_url", "image_url": {"url": image.url}}


def encoded_page(page: Page, settings: Settings, max_side: int) -> EncodedImage:
    """The page's image as a request takes it, kept by the page's content key: a page seen before is not
    made again. A JPEG or PNG the model sees as it is goes as its own bytes, without being decoded here;
    any other page is made in a worker process under the page budget (only the data URL comes back)."""

    def make() -> EncodedImage:
        source = page.source
        if source is None:
            image = page.load_image().convert("RGB")
            return EncodedImage(data_url(image, max_side), image.size)
        mime = as_is_mime(source.data, source.kind) if max(page.size) <= max_side else None
        if mime is not None:
            return EncodedImage(f"data:{mime};base64," + base64.b64encode(source.data).decode(), page.size)
        # A pool of size 0 runs the job here, without a budget.
        url, size = in_worker(page, settings, f"{__name__}:_page_url", max_side)
        return EncodedImage(url, tuple(size))

    return kept(("page", page.content_key, page.size, max_side), make)


def _page_url(source: PageSource, name: str, settings: Settings, max_side: int) -> tuple[str, tuple]:
    """In a worker: the page's image encoded, and its size."""
    image = page_image(source, name, settings)
    return data_url(image, max_side), image.size


def kept(key: Hashable, make: Callable[[], EncodedImage]) -> EncodedImage:
    """The encoding kept under `key`, else `make()`'s, kept from now on."""
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    made = make()
    with _lock:
        _kept[key] = made
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return made


def data_url(image: Image.Image, max_side: int) -> str:
    scale = max_side / max(image.size)
    if scale < 1:
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY, subsampling=0)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
