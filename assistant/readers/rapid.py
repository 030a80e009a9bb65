"""rapidocr 3.x with the PP-OCR models its wheel ships (Chinese, English, Japanese, Latin scripts)."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from importlib.metadata import version

import numpy as np
from PIL import Image

from ..documents.model import Box, Region
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
    # Its line classifier says which crops it turned by 180°; the final output drops that, so it is kept
    # here: many turned lines mean the page itself is upside down, and nothing else has to look.
    classify = engine.cls_and_rotate

    def classify_and_record(crops):
        originals = list(crops)  # the classifier replaces the crops it turns
        images, result = classify(crops)
        turned = [label == "180" and score >= TURNED_SCORE for label, score in (result.cls_res or [])]
        engine.doc_assistant_turned = turned
        # A few lines "upside down" on a page whose others are upright are the classifier's mistakes (a
        # clean line of a contract read as "p  i  i ys."): the page decides, not the line.
        if turned and sum(turned) < len(turned) / 2:
            return originals, result
        return images, result

    engine.cls_and_rotate = classify_and_record
    return engine


_lock = threading.Lock()  # one RapidOCR object is not safe to call from several threads at once


TURNED_SCORE = 0.9  # rapidocr's own threshold for turning a line crop
PAD_BELOW = 1000  # px: rapidocr pads only images with a smaller long side


def _padded(image: Image.Image) -> tuple[Image.Image, int]:
    # On large images a margin only shifts the detector's scale, which read a 1500×2000 label photo worse.
    if max(image.size) >= PAD_BELOW:
        return image.convert("RGB"), 0
    return pad_image(image)


def _bgr(image: Image.Image) -> np.ndarray:
    # rapidocr reads numpy arrays as OpenCV BGR.
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def _box(quad: np.ndarray, pad: int, image: Image.Image) -> Box:
    xs = np.clip(quad[:, 0] - pad, 0, image.width)
    ys = np.clip(quad[:, 1] - pad, 0, image.height)
    return (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def detect(image: Image.Image) -> list[Box]:
    """Boxes of the text lines rapidocr finds, whether or not its models can read them."""
    engine = _engine()
    padded, pad = _padded(image)
    with _lock:
        result = engine(_bgr(padded), use_rec=False, use_cls=False)
    return [] if result.boxes is None else [_box(quad, pad, image) for quad in result.boxes]


def recognize(image: Image.Image, min_score: float = 0.5, turned: list[float] | None = None) -> list[Region]:
    """Text lines of an RGB image with axis-aligned boxes in its pixels, in the engine's order.

    `min_score` drops unsure lines; script detection asks for all of them (0) to see what rapidocr missed.
    `turned`, when given, receives the share of line crops the classifier turned by 180°.
    """
    engine = _engine()
    padded, pad = _padded(image)
    with _lock:
        engine.doc_assistant_turned = []
        # The engine keeps the use_* flags of its last call (detect() turns two off), so set them all.
        result = engine(_bgr(padded), use_det=True, use_cls=True, use_rec=True, text_score=min_score)
        flags = engine.doc_assistant_turned
    if turned is not None:
        turned.append(sum(flags) / len(flags) if flags else 0.0)
    if result.boxes is None or result.txts is None:
        return []
    regions = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        text = text.strip()
        if not text:
            continue
        regions.append(Region(text=text, box=_box(quad, pad, image), confidence=float(score), source=NAME))
    return regions
