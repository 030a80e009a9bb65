"""The doc-assistant command line, run as a subprocess: the JSON contract, page selection and clean errors."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import fixtures as fx
from tests.conftest import CliResult, assert_clean_cli_error, assert_in_order, assert_lines_cited, run_cli
from tests.test_ingest import BAD_INPUTS, BadInput

EXIT_INPUT = 2  # the CLI's documented status for "the input or an option is wrong"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-files")
    (root / "report.pdf").write_bytes(
        fx.text_pdf([["Quarterly report for 2024", "Revenue grew by 12 percent"]]).data
    )
    (root / "five.pdf").write_bytes(fx.text_pdf([[f"This is page {i}"] for i in range(1, 6)]).data)
    (root / "blank.png").write_bytes(fx.encode(fx.blank_page(800, 600), "PNG"))
    (root / "frames.tif").write_bytes(fx.save_multipage_tiff([p.image for p in fx.tiff_pages()]))
    return root


# --- success ---------------------------------------------------------------------------------------------


def test_json_output_is_one_object(files):
    result = run_cli("read", files / "report.pdf", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("\n")
    answer = result.json()
    assert set(answer) == {"task", "text", "citations", "notes", "cached", "elapsed_ms"}
    assert answer["task"] == "read"
    assert answer["text"] == "Quarterly report for 2024\nRevenue grew by 12 percent"
    assert [c["file"] for c in answer["citations"]] == ["report.pdf", "report.pdf"]
    assert {c["source"] for c in answer["citations"]} == {"text_layer"}
    for citation in answer["citations"]:
        assert len(citation["bbox"]) == 4 and all(isinstance(v, int) for v in citation["bbox"])
        assert citation["page_size"] == [math.ceil(400 * 200 / 72), math.ceil(300 * 200 / 72)]


def test_plain_output_is_the_text(files):
    result = run_cli("read", files / "report.pdf")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Quarterly report for 2024\nRevenue grew by 12 percent\n"


@pytest.mark.parametrize(
    ("spec", "wanted"), [("2-3", [2, 3]), ("4", [4]), ("1,5", [1, 5]), ("1-2,4", [1, 2, 4])]
)
def test_pages_option_on_pdf(files, spec, wanted):
    result = run_cli("read", files / "five.pdf", "--pages", spec, "--json")
    assert result.returncode == 0, result.stderr
    answer = result.json()
    assert [c["page"] for c in answer["citations"]] == wanted
    assert answer["text"].split("\n\n") == [f"This is page {n}" for n in wanted]


def test_pages_option_on_tiff(files):
    result = run_cli("read", files / "frames.tif", "--pages", "3", "--json")
    assert result.returncode == 0, result.stderr
    answer = result.json()
    assert {c["page"] for c in answer["citations"]} == {3}
    assert_in_order(answer, fx.TIFF_TEXTS[2])
    assert fx.TIFF_TEXTS[0][0] not in answer["text"]
    assert_lines_cited(answer["citations"], fx.tiff_pages()[2].lines)


def test_several_files(files):
    result = run_cli("read", files / "report.pdf", files / "five.pdf", "--pages", "1", "--json")
    assert result.returncode == 0, result.stderr
    answer = result.json()
    assert [(c["file"], c["page"]) for c in answer["citations"]] == [
        ("report.pdf", 1),
        ("report.pdf", 1),
        ("five.pdf", 1),
    ]


def test_blank_page_exit_zero_json(files):
    result = run_cli("read", files / "blank.png", "--json")
    assert result.returncode == 0, result.stderr
    answer = result.json()
    assert answer["text"] == ""
    assert answer["citations"] == []
    assert any("no text found" in note for note in answer["notes"]), answer["notes"]


def test_blank_page_exit_zero_plain(files):
    result = run_cli("read", files / "blank.png")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
    assert "no text found" in result.stderr
    assert "error" not in result.stderr


# --- errors ----------------------------------------------------------------------------------------------


def _env(case: BadInput) -> dict[str, str]:
    return {f"DOC_ASSISTANT_{key.upper()}": str(value) for key, value in case.limits.items()}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-bad")
    for case in BAD_INPUTS.values():
        (root / case.name).write_bytes(case.make())
    return root


# test_ingest checks every bad input through the library; here each kind of failure once (a run costs ~1.5 s).
CLI_ERROR_CASES = [
    "wrong_type_renamed_png",
    "zero_bytes",
    "truncated_jpeg",
    "png_header_claims_100000x100000",
    "real_image_over_lowered_pixel_limit",
    "file_over_size_limit",
    "encrypted_pdf",
    "malformed_pdf",
    "pdf_over_page_limit",
    "tiff_over_frame_limit",
]
PLAIN_ERROR_CASES = ["wrong_type_renamed_png", "truncated_jpeg", "encrypted_pdf", "file_over_size_limit"]
BAD_PAGES = ["abc", "0", "3-1", "9"]
BAD_LANGS = ["klingon", "en+zz"]


@pytest.fixture(scope="module")
def error_runs(files, bad_files) -> dict[tuple, CliResult]:
    """Every failing command line, run concurrently once (each start-up costs about 1.5 s)."""
    jobs: dict[tuple, tuple[list, dict]] = {}
    for key in CLI_ERROR_CASES:
        case = BAD_INPUTS[key]
        jobs[("input", key, True)] = (["read", bad_files / case.name, "--json"], _env(case))
        if key in PLAIN_ERROR_CASES:
            jobs[("input", key, False)] = (["read", bad_files / case.name], _env(case))
    for spec in BAD_PAGES:
        jobs[("pages", spec)] = (["read", files / "five.pdf", "--pages", spec, "--json"], {})
    for lang in BAD_LANGS:
        jobs[("lang", lang)] = (["read", files / "report.pdf", "--lang", lang, "--json"], {})
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(run_cli, *args, env=env) for key, (args, env) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("case_id", CLI_ERROR_CASES)
def test_bad_input_clean_error_json(error_runs, case_id):
    case = BAD_INPUTS[case_id]
    result = error_runs[("input", case_id, True)]
    payload = assert_clean_cli_error(result, case.code, case.name)
    assert payload is not None, "--json must print the error object on stdout"
    message = payload["error"]["message"].lower()
    assert any(w.lower() in message for w in case.words), message
    assert result.returncode == EXIT_INPUT


@pytest.mark.parametrize("case_id", PLAIN_ERROR_CASES)
def test_bad_input_clean_error_plain(error_runs, case_id):
    case = BAD_INPUTS[case_id]
    result = error_runs[("input", case_id, False)]
    assert assert_clean_cli_error(result, case.code, case.name) is None
    assert result.stdout == ""
    assert result.returncode == EXIT_INPUT


def test_missing_file(tmp_path):
    result = run_cli("read", tmp_path / "no-such-file.pdf", "--json")
    payload = assert_clean_cli_error(result, "invalid_input", "no-such-file.pdf")
    assert payload is not None
    assert result.returncode == EXIT_INPUT


def test_directory_given_as_file(tmp_path):
    folder = tmp_path / "scans.pdf"
    folder.mkdir()
    result = run_cli("read", folder, "--json")
    payload = assert_clean_cli_error(result, result.json()["error"]["code"], "scans.pdf")
    assert payload["error"]["code"] in {"invalid_input", "unsupported_type"}, payload
    assert result.returncode == EXIT_INPUT


def test_one_bad_file_among_good_ones_fails_cleanly(files, bad_files):
    result = run_cli("read", files / "report.pdf", bad_files / "holiday.png", "--json")
    payload = assert_clean_cli_error(result, "unsupported_type", "holiday.png")
    assert payload is not None  # one error object, no half answer


@pytest.mark.parametrize("spec", BAD_PAGES)
def test_bad_pages_value_clean_error(error_runs, spec):
    payload = assert_clean_cli_error(error_runs[("pages", spec)], "bad_argument", "page")
    assert payload is not None


@pytest.mark.parametrize("lang", BAD_LANGS)
def test_unknown_lang_clean_error(error_runs, lang):
    payload = assert_clean_cli_error(error_runs[("lang", lang)], "bad_argument", "language")
    assert payload is not None
    assert repr(lang.split("+")[-1]) in payload["error"]["message"]


@pytest.mark.parametrize("key", [("pages", "abc"), ("pages", "9"), ("lang", "klingon")], ids=str)
def test_option_errors_exit_with_input_status(error_runs, key):
    """A wrong option is the user's to fix, like a wrong file: exit status 2 (EXIT_INPUT), not 3 (engine)."""
    result = error_runs[key]
    assert result.returncode == EXIT_INPUT, (result.returncode, result.stderr)


def test_argparse_usage_error_is_nonzero(files):
    result = run_cli("read", "--pages")
    assert result.returncode != 0
    assert "usage" in result.stderr.lower()


def test_json_error_object_is_the_whole_stdout(bad_files):
    result = run_cli("read", bad_files / "empty.png", "--json")
    assert json.loads(result.stdout) == {
        "task": "read",
        "error": {
            "code": "unsupported_type",
            "message": result.stderr_lines[0].removeprefix("doc-assistant: error: "),
        },
    }
