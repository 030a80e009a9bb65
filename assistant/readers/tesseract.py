"""Debian's tesseract through tesserocr, for scripts rapidocr's bundled models do not cover."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import tesserocr
from PIL import Image

from ..documents.model import Region
from ..errors import OcrEngineError
from .margins import pad_image

NAME = "tesseract"


def engine_version() -> str:
    return f"{tesserocr.tesseract_version().split()[1]}+tesserocr{version('tesserocr')}"


@lru_cache(maxsize=8)
def installed_languages(tessdata: Path) -> frozenset[str]:
    """The language models in `tessdata` (read once: page readers ask for every page)."""
    try:
        return frozenset(tesserocr.get_languages(f"{tessdata}/")[1])
    except RuntimeError:
        return frozenset()


# Initialising a TessBaseAPI loads its models (0.1 to 1 s), so APIs are pooled per language set.
_pools: dict[tuple[str, str], queue.SimpleQueue] = {}
_pools_lock = threading.Lock()


@contextmanager
def _api(tessdata: Path, lang: str, psm: int) -> Iterator[tesserocr.PyTessBaseAPI]:
    key = (str(tessdata), lang)
    with _pools_lock:
        pool = _pools.setdefault(key, queue.SimpleQueue())
    try:
        api = pool.get_nowait()
    except queue.Empty:
        missing = set(lang.split("+")) - installed_languages(tessdata)
        if missing:
            raise OcrEngineError(
                f"tesseract language data missing for {', '.join(sorted(missing))} in {tessdata}; "
                "install the tesseract-ocr-all Debian package (see README)"
            ) from None
        api = tesserocr.PyTessBaseAPI(path=f"{tessdata}/", lang=lang)
    try:
        api.SetPageSegMode(psm)
        yield api
    finally:
        api.Clear()
        pool.put(api)


def recognize(image: Image.Image, lang: str, tessdata: Path) -> list[Region]:
    """Text lines of an image with boxes in its pixels. `lang` is a tesseract spec like 'kor' or 'rus+ukr'.

    Page segmentation runs first; when it finds nothing (a lone word or line), the image is read as one
    block of text.
    """
    padded, pad = pad_image(image)
    for psm in (tesserocr.PSM.AUTO, tesserocr.PSM.SINGLE_BLOCK):
        with _api(tessdata, lang, psm) as api:
            api.SetImage(padded)
            # The TSV keeps right-to-left words in logical order; the result iterator reverses them.
            lines = _lines_from_tsv(api.GetTSVText(0))
        if lines:
            break
    regions = []
    for words in lines:
        x0 = min(w[0] for w in words) - pad
        y0 = min(w[1] for w in words) - pad
        x1 = max(w[2] for w in words) - pad
        y1 = max(w[3] for w in words) - pad
        regions.append(
            Region(
                text=join_words([w[5] for w in words]),
                box=(max(0.0, x0), max(0.0, y0), min(x1, image.width), min(y1, image.height)),
                confidence=sum(w[4] for w in words) / len(words) / 100,
                source=NAME,
            )
        )
    return regions


_Word = tuple[float, float, float, float, float, str]  # x0, y0, x1, y1, confidence 0..100, text


def _lines_from_tsv(tsv: str) -> list[list[_Word]]:
    lines: dict[tuple[str, str, str], list[_Word]] = {}
    for row in tsv.splitlines():
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue  # level 5 rows are words
        left, top, width, height = (float(v) for v in cols[6:10])
        word = (left, top, left + width, top + height, max(0.0, float(cols[10])), cols[11].strip())
        lines.setdefault((cols[2], cols[3], cols[4]), []).append(word)
    return list(lines.values())


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
    )


def join_words(words: list[str]) -> str:
    """Words of a line with spaces, except between Chinese or Japanese characters, which take none."""
    out = ""
    for word in words:
        if out and not (_is_cjk(out[-1]) and _is_cjk(word[0])):
            out += " "
        out += word
    return out


def detect_orientation_and_script(image: Image.Image, tessdata: Path) -> dict | None:
    """Tesseract's OSD: {'orient_deg', 'orient_conf', 'script_name', 'script_conf'} or None when unsure."""
    with _api(tessdata, "osd", tesserocr.PSM.OSD_ONLY) as api:
        api.SetImage(image)
        return api.DetectOrientationScript()


def read_line(image: Image.Image, lang: str, tessdata: Path) -> tuple[str, float]:
    """Read one text-line image; returns (text, mean confidence 0..1). Used to probe a script."""
    with _api(tessdata, lang, tesserocr.PSM.SINGLE_LINE) as api:
        api.SetImage(image)
        try:
            text = (api.GetUTF8Text() or "").strip()
        except RuntimeError:  # tesseract found no text at all
            return "", 0.0
        return text, max(0, api.MeanTextConf()) / 100
