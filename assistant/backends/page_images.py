"""Page images as a model server takes them: JPEG data URLs, encoded once per page and reused.

PNG cost more than the rest of the app's part of a request (1.13× a direct request to the same vLLM). A
JPEG at quality 95 without chroma subsampling keeps text edges sharp, encodes several times faster and is
a fraction of the bytes to send and for the server to decode. The same page goes to the model more than
once (the spotting pass, then ask, extract or translate), so encodings are kept by the pixels' digest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections import OrderedDict
from typing import Any

from PIL import Image

QUALITY = 95
KEPT = 16  # encoded pages kept (a 2048 px page is about 0.5 MB of base64)

_kept: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def image_part(image: Image.Image, max_side: int) -> dict[str, Any]:
    """An image content part: a base64 JPEG data URL with the long side capped at `max_side`."""
    image = image.convert("RGB")
    key = (image.size, max_side, hashlib.blake2b(image.tobytes(), digest_size=16).digest())
    with _lock:
        url = _kept.get(key)
        if url is not None:
            _kept.move_to_end(key)
    if url is None:
        url = data_url(image, max_side)
        with _lock:
            _kept[key] = url
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
    return {"type": "image_url", "image_url": {"url": url}}


def data_url(image: Image.Image, max_side: int) -> str:
    scale = max_side / max(image.size)
    if scale < 1:
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY, subsampling=0)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
