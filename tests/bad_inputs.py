"""The API's bad-input corpus: files (and form values) a careless or hostile client may send.

`write_corpus(root)` writes every file into `root` (a temporary folder: nothing here is committed) and
returns the cases. Each case says what the API must answer: a 4xx status, the error code and words the
message must contain. Bodies are multipart forms built byte by byte, so that file names and form values
can hold bytes that are not UTF-8 (an HTTP client library would refuse or re-encode them).

    .venv/bin/python -m tests.bad_inputs /tmp/corpus   # write the corpus to look at it
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw

from tests import fixtures as fx

BOUNDARY = "doc-assistant-bad-input-boundary"
CHUNK = 1024 * 1024
OVER_LIMIT_MB = 51  # the default limit is 50 MB
MANY_PAGES = 5000
HUGE_FIELDS_BYTES = 200_000  # well under Starlette's 1 MB per form field, far over any sane field list


@dataclass(frozen=True)
class BadInput:
    name: str  # the test id
    status: int
    code: str
    words: tuple[str, ...]  # each must be in the error message (case-insensitive)
    file: str  # the file in the corpus folder sent as the upload
    filename: bytes = b""  # as sent in Content-Disposition; default: `file`
    form: tuple[tuple[str, bytes], ...] = (("task", b"read"),)
    endpoint: str = "/v1/ocr"
    file_field: str = "file"

    @property
    def sent_name(self) -> bytes:
        return self.filename or self.file.encode()


# --- file builders ----------------------------------------------------------------------------------


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("invoice.txt", "not an image, whatever the name says\n" * 50)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = fx.encode(fx.invoice_page().image, "JPEG", quality=85)
    return data[: len(data) // 3]  # the header and the first scans only


def real_100_megapixels() -> bytes:
    """A real, decodable 10000×10000 PNG: greyscale and mostly white, so it compresses to about 100 KB."""
    image = Image.new("L", (10_000, 10_000), 255)
    draw = ImageDraw.Draw(image)
    for i in range(10):
        draw.text((500, 500 + i * 900), f"line {i} of a very large scan", font=fx.latin(120), fill=0)
    return fx.encode(image, "PNG", compress_level=1)


def garbage_pdf() -> bytes:
    """A PDF header followed by noise: no objects, no cross-reference table, no pages."""
    noise = bytes((i * 7919 + 13) % 251 for i in range(20_000))
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + noise + b"\n%%EOF\n"


def many_pages_pdf(pages: int = MANY_PAGES) -> bytes:
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page(width=200, height=200)
    return doc.tobytes(garbage=1, deflate=True)


def write_over_limit(path: Path, megabytes: int = OVER_LIMIT_MB) -> None:
    """A PNG header and then zeros past the limit (written sparse: cheap to make, the server counts it)."""
    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.truncate(megabytes * 1024 * 1024)


def invoice_png() -> bytes:
    return fx.encode(fx.invoice_page().image, "PNG")


FILES: dict[str, Callable[[], bytes]] = {
    "zip-renamed.png": zip_bytes,
    "text-renamed.png": lambda: b"Dear customer,\nthis is a plain text letter saved as .png.\n" * 20,
    "truncated.jpg": truncated_jpeg,
    "claims-100000x100000.png": lambda: fx.png_claiming(100_000, 100_000),
    "real-100mp.png": real_100_megapixels,
    "empty.png": lambda: b"",
    "encrypted.pdf": lambda: fx.encrypted_pdf(user_pw="open-sesame"),
    "garbage-after-header.pdf": garbage_pdf,
    "5000-pages.pdf": many_pages_pdf,
    "invoice.png": invoice_png,
}
OVER_LIMIT_FILE = "over-50mb.png"

LONG_FIELD = "a_field_name_that_goes_on_" + "and_on_" * 10  # 96 characters
HUGE_FIELDS = ",".join(f"field_{i}" for i in range(HUGE_FIELDS_BYTES // 11)).encode()
NOT_UTF8 = b"\xff\xfe\xc3\x28\x80\x9f"  # a stray BOM, a broken 2-byte sequence, lone continuation bytes
THIRTY_FIELDS = ("extract " + ", ".join(f"item {i}" for i in range(1, 31)) + " from this invoice").encode()
GBK_FIELDS = "金额,税号".encode("gbk")  # a real client's mistake: Chinese in GB 2312 rather than UTF-8

CASES: list[BadInput] = [
    BadInput("zip-renamed-png", 415, "unsupported_type", ("zip-renamed.png", "not a supported"),
             "zip-renamed.png"),
    BadInput("text-renamed-png", 415, "unsupported_type", ("text-renamed.png", "not a supported"),
             "text-renamed.png"),
    BadInput("truncated-jpeg", 422, "corrupt_file", ("truncated.jpg", "truncated"), "truncated.jpg"),
    BadInput("png-claims-100000x100000", 413, "too_many_pixels", ("100000×100000", "megapixels"),
             "claims-100000x100000.png"),
    BadInput("real-100-megapixels", 413, "too_many_pixels", ("10000×10000", "megapixels"), "real-100mp.png"),
    BadInput("zero-bytes", 415, "unsupported_type", ("empty", "0 bytes"), "empty.png"),
    BadInput("encrypted-pdf", 422, "encrypted_pdf", ("encrypted.pdf", "password"), "encrypted.pdf"),
    BadInput("garbage-after-pdf-header", 422, "corrupt_file", ("garbage-after-header.pdf", "PDF"),
             "garbage-after-header.pdf"),
    BadInput("5000-page-pdf", 413, "too_many_pages", ("5000 pages", "500"), "5000-pages.pdf"),
    BadInput("over-50mb", 413, "file_too_large", ("50 MB",), OVER_LIMIT_FILE),
    BadInput("fields-not-utf8", 400, "invalid_input", ("'fields'", "not UTF-8"), "invoice.png",
             form=(("task", b"extract"), ("fields", NOT_UTF8))),
    BadInput("fields-in-gbk", 400, "invalid_input", ("'fields'", "not UTF-8"), "invoice.png",
             form=(("task", b"extract"), ("fields", GBK_FIELDS))),
    BadInput("filename-not-utf8", 400, "invalid_input", ("file name", "not UTF-8"), "invoice.png",
             filename=b"invoice-\xff\xfe\xc3(.png"),
    BadInput("field-name-over-64", 422, "bad_argument", ("longer than 64",), "invoice.png",
             form=(("task", b"extract"), ("fields", f"amount,{LONG_FIELD}".encode()))),
    BadInput("huge-fields-value", 422, "bad_argument", ("fields", "too many"), "invoice.png",
             form=(("task", b"extract"), ("fields", HUGE_FIELDS))),
    BadInput("fields-value-over-1mb", 400, "invalid_input", ("maximum size", "1024KB"), "invoice.png",
             form=(("task", b"extract"), ("fields", b"amount," * 200_000))),
    BadInput("no-task", 422, "bad_argument", ("task",), "invoice.png", form=()),
    BadInput("unknown-task", 422, "bad_argument", ("task",), "invoice.png", form=(("task", b"summarise"),)),
    BadInput("bad-page-range", 422, "bad_argument", ("page",), "invoice.png",
             form=(("task", b"read"), ("pages", b"7-x"))),
    BadInput("ocr-in-words-30-fields", 422, "bad_argument", ("too many field names", "at most 20"),
             "invoice.png", endpoint="/ocr", file_field="image", form=(("task", THIRTY_FIELDS),)),
    BadInput("ocr-in-words-no-file", 422, "bad_argument", ("image",), "invoice.png", endpoint="/ocr",
             file_field="document", form=(("task", b"read the text"),)),
]  # fmt: skip


def write_corpus(root: Path) -> list[BadInput]:
    """Write every file of the corpus into `root`; returns the cases (see CASES)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, build in FILES.items():
        (root / name).write_bytes(build())
    write_over_limit(root / OVER_LIMIT_FILE)
    return CASES


# --- multipart bodies, byte by byte --------------------------------------------------------------------


def content_type() -> str:
    return f"multipart/form-data; boundary={BOUNDARY}"


def multipart_chunks(case: BadInput, root: Path, chunk: int = CHUNK) -> Iterator[bytes]:
    """The form as bytes: the form values, then the file streamed from disk in chunks."""
    dash = f"--{BOUNDARY}".encode()
    for key, value in case.form:
        yield dash + f'\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode() + value + b"\r\n"
    yield (
        dash
        + f'\r\nContent-Disposition: form-data; name="{case.file_field}"; filename="'.encode()
        + case.sent_name
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    with (root / case.file).open("rb") as data:
        while block := data.read(chunk):
            yield block
    yield b"\r\n" + dash + b"--\r\n"


def multipart_body(case: BadInput, root: Path) -> bytes:
    return b"".join(multipart_chunks(case, root))


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bad-inputs")
    for case in write_corpus(target):
        print(f"{case.name:<28} {case.status} {case.code:<18} {case.file}")
