"""Ingest: type by content, pages and sizes, and every bad input as a clear InputError."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from PIL import Image

from assistant.documents.ingest import load_document, load_file
from assistant.errors import InputError
from assistant.settings import Settings
from tests import fixtures as fx

# --- good inputs ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_image() -> Image.Image:
    return fx.text_page(width=600, height=400, size=32).image


@pytest.mark.parametrize(
    ("fmt", "kind", "params"),
    [
        ("PNG", "png", {}),
        ("JPEG", "jpeg", {"quality": 90}),
        ("WEBP", "webp", {"lossless": True}),
        ("TIFF", "tiff", {}),
        ("BMP", "bmp", {}),
        ("GIF", "gif", {}),
    ],
)
def test_each_image_type_loads_as_one_page(tmp_path, page_image, fmt, kind, params):
    path = tmp_path / f"scan.{kind}"
    path.write_bytes(fx.encode(page_image, fmt, **params))
    doc = load_file(path)
    assert doc.name == path.name
    assert doc.kind == kind
    assert len(doc.pages) == 1
    page = doc.pages[0]
    assert page.number == 1
    assert page.size == (600, 400)
    image = page.load_image()
    assert image.mode == "RGB"
    assert image.size == (600, 400)
    assert page.text_layer is None


def test_type_comes_from_content_not_name(page_image):
    doc = load_document(fx.encode(page_image, "PNG"), "actually-a-png.pdf")
    assert doc.kind == "png"
    doc = load_document(fx.text_pdf([["hello"]]).data, "actually-a-pdf.jpg")
    assert doc.kind == "pdf"


def test_sha256_identifies_content_not_name(page_image):
    data = fx.encode(page_image, "PNG")
    a = load_document(data, "a.png")
    b = load_document(data, "b.png")
    assert a.sha256 == b.sha256
    assert a.pages[0].content_key == b.pages[0].content_key
    other = load_document(fx.encode(page_image.rotate(180), "PNG"), "a.png")
    assert other.sha256 != a.sha256


def test_multipage_tiff_every_frame_is_a_page():
    pages = fx.tiff_pages()
    doc = load_document(fx.save_multipage_tiff([p.image for p in pages]), "three.tif")
    assert doc.kind == "tiff"
    assert [p.number for p in doc.pages] == [1, 2, 3]
    for page, rendered in zip(doc.pages, pages, strict=True):
        assert page.size == rendered.image.size
        # Each page holds its own frame, not the last frame decoded.
        assert np.array_equal(np.asarray(page.load_image()), np.asarray(rendered.image))


def test_animated_gif_gives_its_first_frame():
    frames = [fx.text_page(["first frame"], 400, 200).image, fx.text_page(["second frame"], 400, 200).image]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    doc = load_document(out.getvalue(), "anim.gif")
    assert len(doc.pages) == 1
    first = np.asarray(doc.pages[0].load_image().convert("L")) < 128
    expected = np.asarray(frames[0].convert("L")) < 128
    assert (first == expected).mean() > 0.99


def test_transparent_png_is_flattened_onto_white():
    image = Image.new("RGBA", (100, 60), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (10, 10, 30, 30))
    doc = load_document(fx.encode(image, "PNG"), "alpha.png")
    rgb = doc.pages[0].load_image()
    assert rgb.getpixel((80, 50)) == (255, 255, 255)
    assert rgb.getpixel((20, 20)) == (0, 0, 0)


def test_jpeg_exif_orientation_is_applied():
    image = Image.new("RGB", (300, 200), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    doc = load_document(fx.encode(image, "JPEG", exif=exif.tobytes()), "phone.jpg")
    assert doc.pages[0].size == (200, 300)
    assert doc.pages[0].load_image().size == (200, 300)


def test_pdf_pages_sizes_and_text_layer():
    pdf = fx.text_pdf([["page one"], ["page two"], ["page three"]], width=400, height=300)
    doc = load_document(pdf.data, "three.pdf")
    assert doc.kind == "pdf"
    assert [p.number for p in doc.pages] == [1, 2, 3]
    zoom = 200 / 72  # 200 dpi; MuPDF rounds the rendered page outward to whole pixels
    for page in doc.pages:
        assert page.size == (math.ceil(400 * zoom), math.ceil(300 * zoom))
        assert page.text_layer is not None
    assert [p.text_layer[0].text for p in doc.pages] == ["page one", "page two", "page three"]


def _one_page_pdf(write: Callable) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    write(doc.new_page(width=300, height=400))
    return doc.tobytes()


def test_pdf_text_layer_words_are_apart_by_one_space_and_boxed_by_the_words():
    def write(page) -> None:
        page.insert_text((20, 100), "Total\u00a0due:  \u00a0 42 EUR", fontname="helv", fontsize=12)

    doc = load_document(_one_page_pdf(write), "total.pdf", Settings(cache_enabled=False))
    (line,) = doc.pages[0].text_layer
    assert line.text == "Total due: 42 EUR"
    zoom = 200 / 72
    text_width = 12 * 0.5 * len("Total due:    42 EUR")  # Helvetica is narrower than half an em on average
    assert 20 * zoom - 1 <= line.box[0] and line.box[2] <= (20 + text_width) * zoom


def test_pdf_text_layer_keeps_a_column_of_one_digit_cells_apart_and_a_vertical_line_whole():
    """Digits stacked in a table's column stand like the characters of vertical writing: only the lines'
    directions tell them apart, so such a page is read from MuPDF's lines, not its words."""

    def write(page) -> None:
        page.insert_text((100, 60), "東京都千代田区", fontname="china-s", fontsize=18, rotate=-90)
        for i, digit in enumerate("12345"):
            page.insert_text((200, 60 + i * 20), digit, fontname="helv", fontsize=16)

    doc = load_document(_one_page_pdf(write), "column.pdf", Settings(cache_enabled=False))
    texts = [region.text for region in doc.pages[0].text_layer]
    assert texts == ["東京都千代田区", "1", "2", "3", "4", "5"]


def test_pdf_long_side_is_capped():
    pdf = fx.text_pdf([["a big poster"]], width=1700, height=1200)  # 200 dpi would be 4722 px wide
    doc = load_document(pdf.data, "poster.pdf")
    width, height = doc.pages[0].size
    assert max(width, height) == 2048
    assert abs(width / height - 1700 / 1200) < 0.01


def test_scanned_pdf_is_rendered_at_its_image_resolution():
    # A 1200×900 scan placed on a page at 300 dpi: rendering at 200 dpi would lose a third of its pixels.
    pdf = fx.scan_pdf([fx.text_page()], dpi=300)
    doc = load_document(pdf.data, "scan300.pdf")
    page = doc.pages[0]
    assert page.text_layer is None
    assert page.size == (1200, 900)


def test_encrypted_pdf_with_empty_user_password_opens():
    doc = load_document(fx.encrypted_pdf(user_pw=""), "owner-only.pdf")
    assert len(doc.pages) == 1
    assert [r.text for r in doc.pages[0].text_layer] == ["Confidential salary list"]
    assert doc.pages[0].load_image().width > 100  # renders without asking for a password


def test_image_just_at_the_pixel_limit_is_accepted(page_image):
    settings = Settings(max_pixels=600 * 400)
    doc = load_document(fx.encode(page_image, "PNG"), "edge.png", settings)
    assert doc.pages[0].size == (600, 400)


# --- bad inputs ------------------------------------------------------------------------------------------


@dataclass
class BadInput:
    make: Callable[[], bytes]
    name: str
    code: str
    words: tuple[str, ...]  # at least one must appear in the message (case-insensitive)
    limits: dict = field(default_factory=dict)


def _truncated_jpeg() -> bytes:
    data = fx.encode(fx.text_page(width=800, height=600).image, "JPEG", quality=90)
    return data[: len(data) // 2]


def _noise_png(side: int) -> bytes:
    rng = np.random.default_rng(7)
    return fx.encode(Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)), "PNG")


BAD_INPUTS = {
    "wrong_type_renamed_png": BadInput(
        lambda: b"PK\x03\x04" + b"\x00" * 200 + b"this is a zip archive, not an image",
        "holiday.png",
        "unsupported_type",
        ("not a supported", "unsupported"),
    ),
    "text_file_renamed_png": BadInput(
        lambda: b"Just some notes\nwritten as plain text\n", "notes.png", "unsupported_type", ("supported",)
    ),
    "zero_bytes": BadInput(lambda: b"", "empty.png", "unsupported_type", ("empty", "0 bytes")),
    "truncated_jpeg": BadInput(_truncated_jpeg, "photo.jpg", "corrupt_file", ("truncated", "corrupt")),
    "png_header_claims_100000x100000": BadInput(
        lambda: fx.png_claiming(100_000, 100_000), "bomb.png", "too_many_pixels", ("pixels", "megapixel")
    ),
    "png_header_claims_61_megapixels": BadInput(
        lambda: fx.png_claiming(8000, 7700), "big-scan.png", "too_many_pixels", ("pixels", "megapixel")
    ),
    "real_image_over_lowered_pixel_limit": BadInput(
        lambda: fx.encode(fx.text_page().image, "PNG"),
        "page.png",
        "too_many_pixels",
        ("pixels", "megapixel"),
        {"max_pixels": 1_000_000},
    ),
    "file_over_size_limit": BadInput(
        lambda: _noise_png(700), "noise.png", "file_too_large", ("MB", "limit"), {"max_file_mb": 1}
    ),
    "encrypted_pdf": BadInput(
        lambda: fx.encrypted_pdf(user_pw="secret"), "salaries.pdf", "encrypted_pdf", ("password", "encrypted")
    ),
    "malformed_pdf": BadInput(
        lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"garbage garbage",
        "broken.pdf",
        "corrupt_file",
        ("corrupt", "damaged"),
    ),
    "pdf_truncated_after_header": BadInput(
        lambda: b"%PDF-1.7\n", "stub.pdf", "corrupt_file", ("corrupt", "damaged")
    ),
    "pdf_over_page_limit": BadInput(
        lambda: fx.text_pdf([[f"page {i}"] for i in range(1, 6)]).data,
        "five-pages.pdf",
        "too_many_pages",
        ("pages",),
        {"max_pages": 3},
    ),
    "tiff_over_frame_limit": BadInput(
        lambda: fx.save_multipage_tiff([p.image for p in fx.tiff_pages()]),
        "three-frames.tif",
        "too_many_pages",
        ("pages", "frames"),
        {"max_pages": 2},
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
def test_bad_input_raises_clear_error(tmp_path, case: BadInput):
    path = tmp_path / case.name
    path.write_bytes(case.make())
    settings = Settings(cache_dir=tmp_path / "cache", **case.limits)
    with pytest.raises(InputError) as caught:
        load_file(path, settings)
    error = caught.value
    assert error.code == case.code, error.message
    assert case.name in error.message
    assert any(w.lower() in error.message.lower() for w in case.words), error.message
    assert "\n" not in error.message
    assert error.to_dict() == {"code": case.code, "message": error.message}


@pytest.mark.parametrize("case", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
def test_bad_input_bytes_raise_the_same_error(tmp_path, case: BadInput):
    settings = Settings(cache_dir=tmp_path / "cache", **case.limits)
    with pytest.raises(InputError) as caught:
        load_document(case.make(), case.name, settings)
    assert caught.value.code == case.code
    assert case.name in caught.value.message


def test_pdf_page_limit_message_gives_count_and_limit(tmp_path):
    pdf = fx.text_pdf([[f"page {i}"] for i in range(1, 6)]).data
    with pytest.raises(InputError) as caught:
        load_document(pdf, "five.pdf", Settings(max_pages=3))
    assert "5" in caught.value.message
    assert "3" in caught.value.message


def test_pdf_at_the_page_limit_is_accepted():
    pdf = fx.text_pdf([[f"page {i}"] for i in range(1, 4)]).data
    doc = load_document(pdf, "three.pdf", Settings(max_pages=3))
    assert len(doc.pages) == 3


def test_tiff_at_the_frame_limit_is_accepted():
    doc = load_document(
        fx.save_multipage_tiff([p.image for p in fx.tiff_pages()]), "t.tif", Settings(max_pages=3)
    )
    assert len(doc.pages) == 3


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    """load_file checks the size on disk first: a huge file is never read into memory."""
    path = tmp_path / "huge.png"
    with open(path, "wb") as fh:  # a sparse 3 MB file
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.seek(3 * 1024 * 1024)
        fh.write(b"\x00")

    def no_read(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(type(path), "read_bytes", no_read)
    with pytest.raises(InputError) as caught:
        load_file(path, Settings(max_file_mb=1))
    assert caught.value.code == "file_too_large"
    assert "huge.png" in caught.value.message


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as caught:
        load_file(tmp_path / "nowhere.pdf")
    assert "nowhere.pdf" in caught.value.message


def test_directory_is_an_input_error(tmp_path):
    folder = tmp_path / "scans.pdf"
    folder.mkdir()
    with pytest.raises(InputError) as caught:
        load_file(folder)
    assert "scans.pdf" in caught.value.message


def test_pixel_limit_message_states_size_and_configured_limit():
    """The message names the image's size and the configured limit (not Pillow's internal 2× bomb limit)."""
    with pytest.raises(InputError) as caught:
        load_document(fx.png_claiming(100_000, 100_000), "bomb.png", Settings(max_pixels=60_000_000))
    message = caught.value.message
    assert "100000×100000" in message or "100000x100000" in message, message
    assert "120000000" not in message and "120 " not in message, message


def test_pixel_limit_is_not_left_lowered_for_later_documents(page_image):
    """A document checked under a low limit must not change the limit that a later document is held to."""
    with pytest.raises(InputError):
        load_document(fx.encode(page_image, "PNG"), "small-limit.png", Settings(max_pixels=1000))
    doc = load_document(fx.encode(page_image, "PNG"), "default-limit.png", Settings())
    assert doc.pages[0].size == (600, 400)


def test_pdf_open_does_not_print_mupdf_errors(capfd):
    with pytest.raises(InputError):
        load_document(b"%PDF-1.7\n" + os.urandom(2000), "noise.pdf")
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def test_rotated_pdf_page_is_sized_as_displayed():
    pdf = fx.text_pdf([["hello"]], width=300, height=200, rotation=90)
    doc = load_document(pdf.data, "turned.pdf")
    page = doc.pages[0]
    # /Rotate 90: the displayed page is 200 wide and 300 high.
    assert page.size == (math.ceil(200 * 200 / 72), math.ceil(300 * 200 / 72))
    image = page.load_image()
    assert image.width < image.height


@pytest.mark.parametrize(
    ("width", "height"),
    [(432, 324), (400, 300), (595, 842)],  # 6×4.5 in, an odd size, A4
    ids=["6x4.5in", "400x300pt", "A4"],
)
def test_pdf_page_image_has_exactly_page_size(width, height):
    """Boxes are in pixels of the page image whose size is page_size, so the two must agree exactly."""
    doc = load_document(fx.text_pdf([["hello"]], width=width, height=height).data, "sized.pdf")
    page = doc.pages[0]
    assert page.load_image().size == page.size
