"""Detect a file's type from its first bytes; the file name is never trusted."""

from __future__ import annotations

from ..errors import UnsupportedTypeError

SUPPORTED = "PNG, JPEG, WebP, TIFF, BMP, GIF or PDF"


def sniff(head: bytes) -> str | None:
    """Return the type of a file from its leading bytes, or None when it is not one we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"BM") and len(head) >= 26:
        return "bmp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    # PDF readers accept up to 1 KB of junk before the header, so do we.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def detect_type(data: bytes, name: str) -> str:
    if not data:
        raise UnsupportedTypeError(f"{name}: the file is empty (0 bytes)")
    kind = sniff(data[:1024])
    if kind is None:
        raise UnsupportedTypeError(
            f"{name}: not a supported document (its content is not {SUPPORTED}, whatever its name says)"
        )
    return kind
