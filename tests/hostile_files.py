"""Files that are cheap to send and expensive to open, made here (nothing binary is committed).

    .venv/bin/python -m tests.hostile_files /tmp/hostile   # write them to look at them

- `render_bomb_pdf`: issue 15's 3 KB PDF whose one page nests form XObjects, each drawing the one below it
  four times, twelve levels deep (4^12 ≈ 16.8 million rectangles): MuPDF's text extraction and rendering
  both take minutes to hours.
- `pdf_with_a_bomb_page`: a normal text page, the bomb, a normal text page.
- `deep_filter_png` and `huge_strip_tiff`: one page just under the pixel limit, stored in a few kilobytes
  (a PNG of Paeth-filtered rows, a TIFF of one deflated strip), whose decoding takes seconds.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path

import pymupdf
from PIL import Image

BOMB_LEVELS = 12
BOMB_FANOUT = 4


def _add_bomb(doc: pymupdf.Document, page: pymupdf.Page, levels: int, fanout: int) -> None:
    leaf = doc.get_new_xref()
    doc.update_object(leaf, "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] >>")
    doc.update_stream(leaf, b"0 0 5 5 re f")
    below = leaf
    for _ in range(levels):
        form = doc.get_new_xref()
        resources = f"/Resources << /XObject << /P {below} 0 R >> >>"
        doc.update_object(form, f"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] {resources} >>")
        doc.update_stream(form, b" ".join([b"q /P Do Q"] * fanout))
        below = form
    doc.xref_set_key(page.xref, "Resources", f"<< /XObject << /T {below} 0 R >> >>")
    contents = doc.get_new_xref()
    doc.update_object(contents, "<< >>")
    doc.update_stream(contents, b"q /T Do Q")
    doc.xref_set_key(page.xref, "Contents", f"{contents} 0 R")


def render_bomb_pdf(levels: int = BOMB_LEVELS, fanout: int = BOMB_FANOUT) -> bytes:
    doc = pymupdf.open()
    _add_bomb(doc, doc.new_page(width=200, height=200), levels, fanout)
    return doc.tobytes(deflate=True)


def pdf_with_a_bomb_page(first: str, last: str, levels: int = BOMB_LEVELS) -> bytes:
    doc = pymupdf.open()
    doc.new_page(width=400, height=300).insert_text((40, 80), first, fontsize=18)
    _add_bomb(doc, doc.new_page(width=400, height=300), levels, BOMB_FANOUT)
    doc.new_page(width=400, height=300).insert_text((40, 80), last, fontsize=18)
    return doc.tobytes(deflate=True)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def deep_filter_png(width: int = 7000, height: int = 8000) -> bytes:
    """RGB rows each with filter 4 (Paeth), the most expensive to undo; the data inflates from a few KB."""
    row = b"\x04" + bytes(width * 3)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def huge_strip_tiff(width: int = 7000, height: int = 8000) -> bytes:
    """One deflated strip of a nearly blank page: tiny on disk, 168 MB to inflate."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="TIFF", compression="tiff_adobe_deflate")
    return out.getvalue()


FILES = {
    "render-bomb.pdf": render_bomb_pdf,
    "bomb-in-the-middle.pdf": lambda: pdf_with_a_bomb_page("The first page reads fine", "So does the last"),
    "deep-filters.png": deep_filter_png,
    "huge-strip.tiff": huge_strip_tiff,
}


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files")
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in FILES.items():
        (folder / name).write_bytes(make())
        print(folder / name, (folder / name).stat().st_size, "bytes")
