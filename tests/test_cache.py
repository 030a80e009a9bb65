"""The result cache: the same content is read once, under any name; --no-cache never reads or writes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import diskcache
import pytest

from assistant.cache import ResultCache, make_key
from assistant.settings import Settings
from tests import fixtures as fx
from tests.conftest import assert_lines_cited, read_bytes, run_cli

SCAN_LINES = ["Cache me if you can", "Second line of the scan"]


def without_timing(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in ("elapsed_ms", "cached")}


def cache_entries(directory: Path) -> int:
    if not directory.exists():
        return 0
    with diskcache.Cache(str(directory)) as cache:
        return len(cache)


# --- the command line ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    page = fx.text_page(SCAN_LINES, width=900, height=400)
    root = tmp_path_factory.mktemp("cache-cli")
    path = root / "scan.png"
    path.write_bytes(fx.encode(page.image, "PNG"))
    return page, path


@pytest.fixture(scope="module")
def two_runs(scan, tmp_path_factory):
    """Read scan.png, then the same bytes as renamed.png, with a fresh --cache-dir."""
    _, path = scan
    cache_dir = tmp_path_factory.mktemp("fresh-cache")
    first = run_cli("read", path, "--json", "--cache-dir", cache_dir)
    copy = path.with_name("renamed.png")
    shutil.copyfile(path, copy)
    second = run_cli("read", copy, "--json", "--cache-dir", cache_dir)
    return cache_dir, first, second


def test_first_read_is_not_cached(two_runs, scan):
    _, first, _ = two_runs
    assert first.returncode == 0, first.stderr
    answer = first.json()
    assert answer["cached"] is False
    assert answer["text"].splitlines() == SCAN_LINES
    assert_lines_cited(answer["citations"], scan[0].lines)


def test_second_read_under_another_name_is_cached(two_runs):
    _, first, second = two_runs
    assert second.returncode == 0, second.stderr
    a, b = first.json(), second.json()
    assert b["cached"] is True
    assert b["text"] == a["text"]
    assert b["notes"] == a["notes"]
    assert all(c["file"] == "renamed.png" for c in b["citations"])
    strip = [{k: v for k, v in c.items() if k != "file"} for c in a["citations"]]
    assert [{k: v for k, v in c.items() if k != "file"} for c in b["citations"]] == strip


def test_cache_dir_option_is_where_results_go(two_runs):
    cache_dir, _, _ = two_runs
    assert cache_entries(cache_dir) >= 1


def test_no_cache_never_reports_cached(two_runs, scan):
    cache_dir, _, _ = two_runs
    before = cache_entries(cache_dir)
    # The result is in this cache, yet --no-cache must read the page again.
    result = run_cli("read", scan[1], "--json", "--no-cache", "--cache-dir", cache_dir)
    assert result.returncode == 0, result.stderr
    answer = result.json()
    assert answer["cached"] is False
    assert answer["text"].splitlines() == SCAN_LINES
    assert cache_entries(cache_dir) == before


def test_no_cache_writes_nothing(tmp_path):
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(fx.text_pdf([["Nothing to remember"]]).data)
    cache_dir = tmp_path / "cache"
    for _ in range(2):
        result = run_cli("read", pdf, "--json", "--no-cache", "--cache-dir", cache_dir)
        assert result.returncode == 0, result.stderr
        assert result.json()["cached"] is False
    assert cache_entries(cache_dir) == 0


def test_cache_dir_from_environment(tmp_path):
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(fx.text_pdf([["Remember me"]]).data)
    cache_dir = tmp_path / "env-cache"
    env = {"DOC_ASSISTANT_CACHE_DIR": str(cache_dir)}
    first = run_cli("read", pdf, "--json", env=env)
    second = run_cli("read", pdf, "--json", env=env)
    assert (first.json()["cached"], second.json()["cached"]) == (False, True)
    assert cache_entries(cache_dir) >= 1


# --- in process ------------------------------------------------------------------------------------------


@pytest.fixture
def fresh(tmp_path):
    settings = Settings(cache_dir=tmp_path / "cache")
    return settings, ResultCache(settings)


def test_rotated_page_from_cache_is_the_same_answer(fresh):
    """Rotation, upright size, notes and boxes all come back from the cache unchanged."""
    settings, cache = fresh
    page = fx.text_page(SCAN_LINES, width=900, height=400)
    data = fx.encode(fx.rotated(page, 90), "PNG")
    first = read_bytes(data, "turned.png", settings, cache)
    second = read_bytes(data, "turned.png", settings, cache)
    assert (first["cached"], second["cached"]) == (False, True)
    assert without_timing(second) == without_timing(first)
    assert all(c["page_size"] == [900, 400] for c in second["citations"])
    assert any("upright" in n for n in second["notes"])
    assert_lines_cited(second["citations"], page.lines)


def test_blank_page_from_cache_still_says_no_text(fresh):
    settings, cache = fresh
    data = fx.encode(fx.blank_page(600, 400), "PNG")
    read_bytes(data, "white.png", settings, cache)
    again = read_bytes(data, "white.png", settings, cache)
    assert again["cached"] is True
    assert again["text"] == ""
    assert any("no text found" in n for n in again["notes"])


def test_text_layer_pdf_is_cached_by_content(fresh):
    settings, cache = fresh
    data = fx.text_pdf([["Same content"], ["two pages"]]).data
    first = read_bytes(data, "a.pdf", settings, cache)
    second = read_bytes(data, "b.pdf", settings, cache)
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["text"] == first["text"]


def test_different_content_is_not_cached(fresh):
    settings, cache = fresh
    read_bytes(fx.text_pdf([["Version one"]]).data, "doc.pdf", settings, cache)
    other = read_bytes(fx.text_pdf([["Version two"]]).data, "doc.pdf", settings, cache)
    assert other["cached"] is False
    assert other["text"] == "Version two"


def test_other_language_is_not_served_from_cache(fresh):
    settings, cache = fresh
    data = fx.encode(fx.text_page(["Hello there"], width=500, height=200).image, "PNG")
    auto = read_bytes(data, "hello.png", settings, cache)
    english = read_bytes(data, "hello.png", settings, cache, lang="en")
    tesseract = read_bytes(data, "hello.png", settings, cache, lang="eng")
    assert auto["cached"] is False
    assert english["cached"] is False  # a different engine plan, a different key
    assert tesseract["cached"] is False
    assert {c["source"] for c in tesseract["citations"]} == {"tesseract"}


def test_partly_cached_read_is_not_cached(fresh):
    # A scan: its pages are OCR'd one by one (a text layer is laid out for the whole file at once).
    settings, cache = fresh
    pdf = fx.scan_pdf([fx.text_page([word], width=600, height=200) for word in ("one", "two", "three")]).data
    read_bytes(pdf, "doc.pdf", settings, cache, pages="1")
    both = read_bytes(pdf, "doc.pdf", settings, cache, pages="1-2")
    assert both["cached"] is False
    again = read_bytes(pdf, "doc.pdf", settings, cache, pages="1-2")
    assert again["cached"] is True


def test_disabled_cache_stores_nothing(tmp_path):
    settings = Settings(cache_dir=tmp_path / "cache", cache_enabled=False)
    cache = ResultCache(settings)
    cache.set("k", {"v": 1})
    assert cache.get("k") is None
    pdf = fx.text_pdf([["uncached"]]).data
    assert read_bytes(pdf, "x.pdf", settings, cache)["cached"] is False
    assert read_bytes(pdf, "x.pdf", settings, cache)["cached"] is False
    assert not (tmp_path / "cache").exists()


def test_result_cache_round_trip(fresh):
    _, cache = fresh
    key = make_key("ocr-page", 1, "abc:0", "auto")
    assert cache.get(key) is None
    cache.set(key, {"regions": [], "size": [10, 20]})
    assert cache.get(key) == {"regions": [], "size": [10, 20]}
    cache.clear()
    assert cache.get(key) is None


def test_make_key_is_stable_and_distinct():
    assert make_key("a", 1, ("x", 2)) == make_key("a", 1, ("x", 2))
    assert make_key("a", 1) != make_key("a", 2)
    assert make_key("a", {"p": 1, "q": 2}) == make_key("a", {"q": 2, "p": 1})


def test_main_in_process_honours_each_calls_cache_options(tmp_path, monkeypatch, capsys):
    """main() called twice in one process (an embedding app, a test) must use each call's --cache-dir,
    and a --no-cache call must not switch the cache off for the calls after it."""
    from assistant import cache as cache_module
    from assistant import settings as settings_module
    from assistant.frontends.cli import main

    monkeypatch.setenv("DOC_ASSISTANT_CACHE_ENABLED", "true")  # recorded, so restored afterwards
    monkeypatch.setenv("DOC_ASSISTANT_CACHE_DIR", str(tmp_path / "env-cache"))
    settings_module.get_settings.cache_clear()
    cache_module._cache_for.cache_clear()
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(fx.text_pdf([["In process"]]).data)
    try:
        assert main(["read", str(pdf), "--json", "--no-cache", "--quiet"]) == 0
        assert main(["read", str(pdf), "--json", "--cache-dir", str(tmp_path / "one"), "--quiet"]) == 0
        assert main(["read", str(pdf), "--json", "--cache-dir", str(tmp_path / "two"), "--quiet"]) == 0
        capsys.readouterr()
        assert cache_entries(tmp_path / "one") >= 1
        assert cache_entries(tmp_path / "two") >= 1
    finally:
        settings_module.get_settings.cache_clear()
        cache_module._cache_for.cache_clear()
