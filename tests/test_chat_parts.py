"""The chat's parts that work without a browser: library, evidence, downloads, login, the bridge."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import threading

import pytest

from assistant.answer import Answer, Citation
from assistant.documents.model import Region
from assistant.errors import ArgumentError, InputError
from assistant.frontends.chat import auth
from assistant.frontends.chat.bridge import run_off_loop
from assistant.frontends.chat.evidence import build_evidence, number_citations
from assistant.frontends.chat.exports import fields_csv, fields_json
from assistant.frontends.chat.library import SessionLibrary, UploadStore
from assistant.settings import Settings
from tests import fixtures as fx
from tests.conftest import norm


@pytest.fixture
def library(tmp_path):
    return SessionLibrary(UploadStore(tmp_path / "uploads"), Settings(cache_dir=tmp_path / "cache"))


def _png() -> bytes:
    return fx.encode(fx.invoice_page().image, "PNG")


def test_uploads_are_kept_and_restored_from_metadata(library, tmp_path):
    entry = library.add("invoice.png", _png())
    library.add("contract.pdf", fx.contract_pdf()[1].data)
    assert entry.sha256 == hashlib.sha256(_png()).hexdigest()
    assert (tmp_path / "uploads" / entry.sha256[:2] / entry.sha256).read_bytes() == _png()
    assert library.describe() == "1. invoice.png (1 page), 2. contract.pdf (2 pages)"

    resumed = SessionLibrary(library.store, library.settings)
    assert resumed.restore(library.to_metadata()) == []
    assert [d.name for d in resumed.documents] == ["invoice.png", "contract.pdf"]
    assert len(resumed.documents[1].document.pages) == 2


def test_each_user_has_a_store_of_their_own_and_finds_older_shared_uploads(tmp_path):
    settings = Settings(cache_dir=tmp_path / "cache")
    alice = SessionLibrary(UploadStore.for_user(tmp_path, "alice"), settings)
    bob = SessionLibrary(UploadStore.for_user(tmp_path, "../bob"), settings)
    entry = alice.add("invoice.png", _png())
    assert alice.store.root.parent == tmp_path / "uploads" and alice.store.root != bob.store.root
    assert bob.restore(alice.to_metadata()) == [
        "invoice.png: this document is no longer stored; upload it again"
    ]
    # A chat recorded before stores were per user lists a file of the shared store: found, and copied.
    shared = UploadStore(tmp_path / "uploads")
    older = shared.save(fx.encode(fx.blank_page(), "PNG"))
    assert bob.restore([{"name": "old.png", "sha256": older}]) == []
    assert (bob.store.root / older[:2] / older).is_file()
    assert entry.sha256 != older


def test_a_missing_stored_file_is_reported_not_raised(library):
    problems = library.restore(
        [{"name": "gone.png", "sha256": "0" * 64}, {"name": "x", "sha256": "../../etc"}]
    )
    assert len(problems) == 2 and "gone.png" in problems[0]
    assert library.documents == []


def test_bad_upload_is_refused_and_nothing_is_kept(library, tmp_path):
    with pytest.raises(InputError, match=r"notes\.png"):
        library.add("notes.png", b"plain text, not an image")
    assert library.documents == []
    assert not (tmp_path / "uploads").exists()


def test_same_name_twice_stays_apart(library):
    library.add("scan.png", _png())
    second = library.add("scan.png", fx.encode(fx.blank_page(), "PNG"))
    assert second.name == "scan (2).png"
    assert second.document.name == "scan (2).png"


def test_documents_are_chosen_by_position_or_default(library):
    library.add("a.png", _png())
    library.add("b.pdf", fx.contract_pdf()[1].data)
    assert [d.name for d in library.select(None, every_document=True)] == ["a.png", "b.pdf"]
    assert [d.name for d in library.select(None, every_document=False)] == ["b.pdf"]
    assert [d.name for d in library.select([1], every_document=False)] == ["a.png"]
    assert [d.name for d in library.select([-1], every_document=True)] == ["b.pdf"]
    with pytest.raises(ArgumentError, match="no document 3"):
        library.select([3], every_document=False)


def test_no_documents_yet_says_what_to_do(library):
    with pytest.raises(ArgumentError, match="attach an image or a PDF"):
        library.select(None, every_document=True)


def _citation(text: str, box, page: int = 1, file: str = "invoice.png") -> Citation:
    return Citation(file, page, Region(text, box, 0.99, "rapidocr"), (1200, 900))


def test_evidence_numbers_regions_and_draws_them(library):
    document = library.add("invoice.png", _png()).document
    tax = next(line for line in fx.invoice_page().lines if line.text == fx.TAX_ID)
    total = fx.invoice_page().lines[-1]
    citations = [
        _citation(fx.TAX_ID, tax.box),
        _citation(total.text, total.box),
        _citation(fx.TAX_ID, tax.box),
    ]
    answer = Answer("ask", "The tax ID is " + fx.TAX_ID, citations)
    evidence = build_evidence(answer, [document], overview=False, first=3)
    assert evidence.markers == [[0, 2], [1]]
    assert evidence.numbers == [3, 4]
    assert evidence.marker_of(2) == 3 and evidence.marker_of(1) == 4
    names = [(image.name, image.display) for image in evidence.images]
    side = [("source 3 · invoice.png, page 1", "side"), ("source 4 · invoice.png, page 1", "side")]
    assert names == [("invoice.png page 1", "inline"), *side]
    # The side panel's title is the crop's name: it says where the crop comes from; the text links it.
    assert evidence.sources[0] == f"[3] “{fx.TAX_ID}” (source 3 · invoice.png, page 1)"
    assert evidence.pages == [("invoice.png", 1)]


def test_the_side_panel_title_says_what_it_holds():
    from assistant.frontends.chat.evidence import panel_title

    assert panel_title([("invoice.png", 1)]) == "Sources · invoice.png, page 1"
    assert panel_title([("contract.pdf", 2), ("contract.pdf", 1)]) == "Sources · contract.pdf, pages 1, 2"
    assert panel_title([("a.png", 1), ("b.pdf", 3)]) == "Sources · 2 documents"


def test_a_small_region_is_cropped_with_room_and_upscaled():
    from assistant.frontends.chat.evidence import CROP_MIN_HEIGHT, readable_crop

    page = fx.small_text_page()  # 13 px text on a 420×160 image
    line = page.lines[0]
    crop = readable_crop(page.image, line.box)
    height = line.box[3] - line.box[1]
    assert crop.height >= CROP_MIN_HEIGHT - 1, crop.size  # upscaled: readable at a glance
    scale = crop.height / min(page.image.height, height + 2 * max(16, round(0.8 * height)))
    assert crop.width >= (line.box[2] - line.box[0]) * scale, "the whole line is in the crop, with room"
    # Readable: OCR reads the line off the crop, as a person would.
    from assistant.readers import rapid

    assert norm(" ".join(r.text for r in rapid.recognize(crop.convert("RGB")))) == norm(line.text)


def test_number_citations_caps_the_markers():
    citations = [_citation(str(i), (0, i * 10, 50, i * 10 + 8)) for i in range(30)]
    assert len(number_citations(citations)) == 12


def test_fields_downloads():
    one = {"invoice.png": {"金额": "¥1,280.00", "税号": None}}
    assert json.loads(fields_json(one)) == {"金额": "¥1,280.00", "税号": None}
    two = {**one, "b.png": {"金额": "¥3.00", "日期": "2024-01-02"}}
    assert json.loads(fields_json(two))["b.png"]["日期"] == "2024-01-02"
    rows = list(csv.reader(io.StringIO(fields_csv(two).decode("utf-8-sig"))))
    assert rows == [
        ["document", "金额", "税号", "日期"],
        ["invoice.png", "¥1,280.00", "", ""],
        ["b.png", "¥3.00", "", "2024-01-02"],
    ]


def test_users_and_passwords():
    users = auth.parse_users("alice:s3cret, bob:sha256:" + hashlib.sha256(b"pw:with:colons").hexdigest())
    assert auth.check_password(users["alice"], "s3cret")
    assert not auth.check_password(users["alice"], "S3cret")
    assert auth.check_password(users["bob"], "pw:with:colons")
    with pytest.raises(ValueError, match="name:password"):
        auth.parse_users("alice")


def test_auth_secret_is_made_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    auth.ensure_secret(tmp_path)
    first = auth.os.environ[auth.SECRET_ENV]
    monkeypatch.delenv(auth.SECRET_ENV)
    auth.ensure_secret(tmp_path)
    assert auth.os.environ[auth.SECRET_ENV] == first and len(first) > 40
    assert (tmp_path / "chat-auth-secret").stat().st_mode & 0o077 == 0


def test_bridge_runs_work_off_the_loop_and_delivers_events_in_order():
    seen: list[tuple[str, object]] = []
    worker_threads: list[int] = []

    def work(post):
        worker_threads.append(threading.get_ident())
        for i in range(5):
            post("token", i)
        return "done"

    async def main():
        ticks = 0

        async def handle(kind, value):
            seen.append((kind, value))

        async def ticker():  # the loop stays free while the work runs
            nonlocal ticks
            for _ in range(3):
                ticks += 1
                await asyncio.sleep(0)

        result, _ = await asyncio.gather(run_off_loop(work, handle), ticker())
        return result, ticks, threading.get_ident()

    result, ticks, loop_thread = asyncio.run(main())
    assert result == "done" and ticks == 3
    assert seen == [("token", i) for i in range(5)]
    assert worker_threads[0] != loop_thread


def test_bridge_passes_errors_on():
    def work(post):
        raise InputError("broken page")

    async def handle(kind, value):
        pass

    with pytest.raises(InputError, match="broken page"):
        asyncio.run(run_off_loop(work, handle))
