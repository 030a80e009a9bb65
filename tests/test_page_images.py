"""Page images as the model server gets them (issue 14: the model-server path's overhead).

An upload the model would see as it is goes as its own bytes; any other page is made in a page worker and
sent as a JPEG of the upright, flattened image; a page seen before is not made again. Real files, real
page-worker processes.
"""

from __future__ import annotations

import base64
import io
import os

import pytest
from PIL import Image

from assistant.backends import page_images
from assistant.backends.page_images import encoded_page
from assistant.documents.ingest import load_document
from assistant.settings import Settings
from assistant.workers import WORKER_NICE, get_pool
from tests import fixtures as fx

MAX_SIDE = 2048


def _decoded(url: str) -> tuple[str, Image.Image]:
    head, _, body = url.partition(",")
    image = Image.open(io.BytesIO(base64.b64decode(body)))
    image.load()
    return head, image


@pytest.fixture(autouse=True)
def _nothing_kept():
    page_images._kept.clear()
    yield
    page_images._kept.clear()


@pytest.mark.parametrize(("form", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_an_upload_the_model_sees_as_it_is_goes_as_its_own_bytes(form: str, mime: str):
    upload = fx.encode(fx.invoice_page().image, form)
    page = load_document(upload, f"invoice.{form.lower()}", Settings()).pages[0]
    sent = encoded_page(page, Settings(), MAX_SIDE)
    assert sent.url == f"data:{mime};base64," + base64.b64encode(upload).decode("ascii")
    assert sent.size == page.size == fx.invoice_page().image.size


def test_a_turned_photo_is_sent_upright_and_a_transparent_one_flattened():
    image = fx.invoice_page().image
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: the pixels are stored on their side
    turned = io.BytesIO()
    image.rotate(90, expand=True).save(turned, "JPEG", exif=exif, quality=95)
    page = load_document(turned.getvalue(), "photo.jpg", Settings()).pages[0]
    head, sent = _decoded(encoded_page(page, Settings(), MAX_SIDE).url)
    assert head == "data:image/jpeg;base64"
    assert sent.size == image.size == page.size  # upright, as OCR and the citations see it

    clear = image.convert("RGBA")
    clear.putalpha(0)  # nothing opaque: flattened on white, it is a white page
    page = load_document(fx.encode(clear, "PNG"), "clear.png", Settings()).pages[0]
    head, sent = _decoded(encoded_page(page, Settings(), MAX_SIDE).url)
    assert head == "data:image/jpeg;base64"
    assert sent.convert("L").getextrema()[0] > 240


def test_a_large_page_is_scaled_to_the_long_side():
    page = load_document(fx.encode(fx.invoice_page().image, "PNG"), "invoice.png", Settings()).pages[0]
    encoded = encoded_page(page, Settings(), 600)
    _, sent = _decoded(encoded.url)
    assert max(sent.size) == 600
    assert encoded.size == page.size  # boxes still map to the page's own pixels


def test_a_page_seen_before_is_not_made_again():
    _, pdf = fx.contract_pdf()  # a scan: its pages are rendered in a page worker
    settings = Settings()
    page = load_document(pdf.data, "contract.pdf", settings).pages[0]
    pool = get_pool(settings.worker_count)
    first = encoded_page(page, settings, MAX_SIDE)
    jobs = pool.status()["jobs"]
    again = encoded_page(page, settings, MAX_SIDE)
    assert again is first and pool.status()["jobs"] == jobs
    head, sent = _decoded(first.url)
    assert head == "data:image/jpeg;base64" and sent.size == page.size
    # A one-shot command's workers run level with it; a server's below it, from when it says so.
    assert all(os.getpriority(os.PRIO_PROCESS, pid) == 0 for pid in pool.pids())
    pool.serve_requests_first()
    assert pool.pids() and all(os.getpriority(os.PRIO_PROCESS, pid) >= WORKER_NICE for pid in pool.pids())
    pool.nice = 0  # the other tests in this process: as a command
