"""rapidocr 3.x with the PP-OCR models its wheel ships (Chinese, English, Japanese, Latin scripts)."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from importlib.metadata import version

import numpy as np
from PIL import Image

from ..documents.model import Region
from .margins import pad_image

NAME = "rapidocr"


def engine_version() -> str:
    return version("rapidocr")


@lru_cache(maxsize=1)
def _engine():
    from rapidocr import RapidOCR  # imported lazily: loading the models takes about a second

    # Empty pages are normal for us; rapidocr would log a warning for each.
    engine = RapidOCR(params={"Global.log_level": "error"})
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return engine


_lock = threading.Lock()  # one RapidOCR object is not safe to call from several threads at once


def recognize(image: Image.Image, min_score: float = 0.5) -> list[Region]:
    """Text lines of an RGB image with axis-aligned boxes in its pixels, in the engine's order.

    `min_score` drops unsure lines; script detection asks for all of them (0) to see what rapidocr missed.
    """
    engine = _engine()
    padded, pad = pad_image(image)
    with _lock:
        # rapidocr reads numpy arrays as OpenCV BGR.
        result = engine(np.ascontiguousarray(np.asarray(padded)[:, :, ::-1]), text_score=min_score)
    if result.boxes is None or result.txts is None:
        return []
    regions = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        text = text.strip()
        if not text:
            continue
        xs = np.clip(quad[:, 0] - pad, 0, image.width)
        ys = np.clip(quad[:, 1] - pad, 0, image.height)
        box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        regions.append(Region(text=text, box=box, confidence=float(score), source=NAME))
    return regions
