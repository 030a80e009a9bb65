"""Regression guards on real third-party documents from ../shared/datasets (skipped when absent).

Each item is one the reader once got wrong: reading order of a four-column magazine page, a lone
Devanagari word that rapidocr reads confidently as 'T', vertical Japanese in a PDF text layer that comes
one character per line, a 2400 dpi scan on a 120 pt page, and an RC4-encrypted PDF with an empty password.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from assistant.cache import ResultCache
from assistant.documents.ingest import load_file
from assistant.settings import Settings
from assistant.tasks.read import read_documents

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"

pytestmark = [
    pytest.mark.dataset,
    pytest.mark.skipif(not DATASETS.is_dir(), reason=f"shared datasets absent: {DATASETS} does not exist"),
]


def _items() -> dict[str, dict]:
    items = {}
    for manifest in DATASETS.glob("*/manifest.jsonl"):
        for line in manifest.read_text().splitlines():
            if line.strip():
                item = json.loads(line)
                items[item["id"]] = {**item, "path": manifest.parent / item["file"]}
    return items


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


def _cer(reference: str, prediction: str) -> float:
    ref, hyp = _squash(reference), _squash(prediction)
    previous = list(range(len(hyp) + 1))
    for i, ref_char in enumerate(ref, 1):
        current = [i]
        for j, hyp_char in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_char != hyp_char)))
        previous = current
    return previous[-1] / max(1, len(ref))


@pytest.fixture(scope="module")
def read_item(tmp_path_factory):
    items = _items() if DATASETS.is_dir() else {}
    settings = Settings(cache_dir=tmp_path_factory.mktemp("dataset-cache"))
    cache = ResultCache(settings)

    def read(item_id: str) -> tuple[dict, dict]:
        item = items[item_id]
        answer = read_documents([load_file(item["path"], settings)], settings=settings, cache=cache)
        return item, answer.to_dict()

    return read


@pytest.mark.parametrize(
    ("item_id", "max_cer"),
    [
        ("unlv_mag_8071_093", 0.06),  # four columns: read column by column
        ("tess_word_hindi", 0.0),  # auto script detection picks tesseract's Devanagari model
        ("tess_word_arabic", 0.0),  # ... and Arabic, kept in logical (right-to-left) order
        ("rapidocr_vertical_zh_hant", 0.05),  # vertical columns read right to left
        ("pdf_scanned_nl_typewriter_2400dpi", 0.03),  # rendered by pixel budget, not at 200 dpi
        ("tess_eurotext", 0.02),
    ],
)
def test_character_error_rate(read_item, item_id, max_cer):
    item, answer = read_item(item_id)
    cer = _cer(item["text"], answer["text"])
    assert cer <= max_cer, f"{item_id}: CER {cer:.3f} > {max_cer}\n{answer['text'][:500]}"


def test_russian_newspaper_is_read_in_cyrillic(read_item):
    """rapidocr reads Cyrillic as Latin look-alikes with confidence; OSD's script sends it to tesseract."""
    item, answer = read_item("dots_ru_newspaper_header")
    found = [s for s in item["must_contain"] if _squash(s) in _squash(answer["text"])]
    assert len(found) >= len(item["must_contain"]) // 2, f"only {found} found in:\n{answer['text'][:500]}"


def test_vertical_japanese_text_layer(read_item):
    item, answer = read_item("pdf_born_digital_ja_vertical_poem")
    assert all(c["source"] == "text_layer" for c in answer["citations"])
    missing = [s for s in item["must_contain"] if _squash(s) not in _squash(answer["text"])]
    assert not missing, f"not found in the text: {missing}"


def test_encrypted_pdf_with_empty_password_opens(read_item):
    _item, answer = read_item("pdf_born_digital_pl_invoice_encrypted")
    assert len({c["page"] for c in answer["citations"]}) == 2
    assert "Faktura" in answer["text"]
