"""Decode image files into upright RGB page images, within the pixel and page limits."""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import (
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

from ..errors import CorruptFileError, TooManyPagesError, TooManyPixelsError
from ..settings import Settings

MULTI_FRAME_KINDS = {"tiff"}  # every frame is a page; GIF and WebP animations give their first frame


def check_pixels(name: str, size: tuple[int, int], settings: Settings) -> None:
    width, height = size
    if width * height > settings.max_pixels:
        raise TooManyPixelsError(
            f"{name}: image is {width}×{height} = {width * height / 1e6:.1f} megapixels, "
            f"over the limit of {settings.max_pixels / 1e6:.0f} megapixels"
        )
    if width <= 0 or height <= 0:
        raise CorruptFileError(f"{name}: image has no pixels ({width}×{height})")


def to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white (scans and screenshots read best that way) and drop palettes."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


# Pillow's format plugins parse just the header when constructed directly; Image.open would first apply
# Pillow's own bomb guard, whose message quotes its internal limit instead of the image's size and ours.
_HEADER_READERS = {
    "png": PngImagePlugin.PngImageFile,
    "jpeg": JpegImagePlugin.JpegImageFile,
    "webp": WebPImagePlugin.WebPImageFile,
    "tiff": TiffImagePlugin.TiffImageFile,
    "bmp": BmpImagePlugin.BmpImageFile,
    "gif": GifImagePlugin.GifImageFile,
}


def header_size(data: bytes, name: str, kind: str) -> tuple[int, int]:
    # Fix (fuzzing): a GIF whose header was repeated claimed 482 megapixels, and Pillow's own bomb guard
    # raised from the header reader, past this function, as an internal error.
    try:
        with _decoding(name, kind), _HEADER_READERS[kind](io.BytesIO(data)) as header:
            return header.size
    except CorruptFileError as exc:
        detail = exc.__cause__ or exc
        raise CorruptFileError(f"{name}: the {kind.upper()} image cannot be decoded ({detail})") from exc


AS_IS_MIMES = {"png": "image/png", "jpeg": "image/jpeg"}
EXIF_ORIENTATION = 0x0112


def as_is_mime(data: bytes, kind: str) -> str | None:
    """The file's MIME type when its bytes are the page image exactly as decoded (a PNG or JPEG of one
    frame, upright, RGB or grey, nothing transparent), so they can be sent on as they are; else None.
    Reads the header only: ingest has decoded the file once already (a broken one is refused there)."""
    mime = AS_IS_MIMES.get(kind)
    if mime is None or not data:
        return None
    try:
        with _HEADER_READERS[kind](io.BytesIO(data)) as header:
            # A PNG's EXIF may follow its pixels (Pillow decodes them all to find it): any eXIf chunk at
            # all, and the file goes the decoded way.
            if kind == "png":
                orientation = 0 if b"eXIf" in data else 1
            else:
                orientation = header.getexif().get(EXIF_ORIENTATION, 1)
            plain = header.mode in ("RGB", "L") and "transparency" not in header.info
            return mime if plain and orientation == 1 and getattr(header, "n_frames", 1) == 1 else None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, KeyError, TypeError):
        return None


def frame_count(data: bytes, name: str, kind: str, settings: Settings) -> int:
    """The pages of an image file (TIFF: every frame; others: one), within the page limit."""
    check_pixels(name, header_size(data, name, kind), settings)
    if kind not in MULTI_FRAME_KINDS:
        return 1
    with _decoding(name, kind), Image.open(io.BytesIO(data)) as image:
        count = getattr(image, "n_frames", 1)
    if count > settings.max_pages:
        raise TooManyPagesError(f"{name}: more than {settings.max_pages} pages (frames); split the file")
    return count


def decode_frame(data: bytes, name: str, kind: str, index: int, settings: Settings) -> Image.Image:
    """One page of an image file, upright per EXIF, as RGB."""
    with _decoding(name, kind), Image.open(io.BytesIO(data)) as image:
        if index:
            image.seek(index)
        check_pixels(name, image.size, settings)
        image.load()
        return to_rgb(ImageOps.exif_transpose(image))


@contextmanager
def _decoding(name: str, kind: str) -> Iterator[None]:
    """Pillow's many failures as our errors."""
    try:
        with warnings.catch_warnings():
            # Our own limit was checked on the header; Pillow's guard is the backstop behind it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except Image.DecompressionBombError as exc:
        raise TooManyPixelsError(
            f"{name}: image is over Pillow's decompression-bomb limit of {Image.MAX_IMAGE_PIXELS * 2} pixels"
        ) from exc
    except UnidentifiedImageError as exc:
        raise CorruptFileError(f"{name}: the {kind.upper()} image cannot be decoded (corrupt file)") from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError, TypeError) as exc:
        detail = str(exc) or type(exc).__name__
        raise CorruptFileError(
            f"{name}: the {kind.upper()} image is corrupt or truncated ({detail})"
        ) from exc
