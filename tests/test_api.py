"""The HTTP API, served for real (`doc-assistant api` in a subprocess) and called over loopback with httpx.

No mocks: OCR and the embedded model run in the server. Servers with special settings (keys, a tight rate,
a short time limit, a single model slot) are started for their tests and stopped after them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests import bad_inputs
from tests import fixtures as fx
from tests.api_server import ApiServer, api_server, free_port, server_env, stream_post
from tests.bad_inputs import BadInput
from tests.conftest import cli_command, norm, run_cli

slow = pytest.mark.slow  # the model runs, or a server of its own starts: seconds each

TIMEOUT = httpx.Timeout(300.0, connect=10.0)  # the model on 2 busy cores can take a while
OPEN_RATE = {"DOC_ASSISTANT_RATE_PER_MINUTE": "100000", "DOC_ASSISTANT_RATE_BURST": "10000"}
CLI_KEYS = {"task", "text", "citations", "notes", "cached", "elapsed_ms"}
STREAMED_MB = 200  # a chunked upload that would go on this long unless the server stops it


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bad inputs and the good files, written once for the module."""
    root = tmp_path_factory.mktemp("api-corpus")
    bad_inputs.write_corpus(root)
    (root / "report.pdf").write_bytes(
        fx.text_pdf([["Quarterly report for 2024", "Revenue grew by 12 percent"]]).data
    )
    return root


@pytest.fixture(scope="module")
def server(session_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The API with default limits; a rate no test here reaches (the corpus and schemathesis send many)."""
    with api_server(OPEN_RATE, log_dir=tmp_path_factory.mktemp("api-logs")) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
        yield http


def upload(path: Path, name: str | None = None) -> dict:
    return {"file": (name or path.name, path.read_bytes(), "application/octet-stream")}


def assert_problem(response: httpx.Response, status: int, code: str, *words: str) -> dict:
    """The API's one error shape, with the status of its code and a message that says what is wrong."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text[:500]}"
    )
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"task", "error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    message = body["error"]["message"]
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"
    return body


def tax_id_citation(answer: dict) -> dict:
    cited = [c for c in answer["citations"] if fx.TAX_ID in norm(c["text"])]
    assert cited, f"no citation holds {fx.TAX_ID}: {answer['citations']}"
    return cited[0]


# --- 1. happy paths ------------------------------------------------------------------------------------


def test_health(client: httpx.Client):
    response = client.get("/health")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok"
    assert health["backend"] == "embedded"
    assert health["auth"].startswith("none")
    assert health["model_calls_in_flight"] == 0


def test_read_invoice_is_the_cli_json_with_cited_boxes(client: httpx.Client, corpus: Path):
    response = client.post("/v1/ocr", data={"task": "read"}, files=upload(corpus / "invoice.png"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == CLI_KEYS
    assert answer["task"] == "read"
    assert fx.TAX_ID in norm(answer["text"])
    citation = tax_id_citation(answer)
    assert citation["file"] == "invoice.png" and citation["page"] == 1
    assert citation["page_size"] == [1200, 900]
    x0, y0, x1, y1 = citation["bbox"]
    assert 0 <= x0 < x1 <= 1200 and 0 <= y0 < y1 <= 900
    truth = next(line for line in fx.invoice_page().lines if line.text == fx.TAX_ID)
    assert x0 < truth.box[2] and truth.box[0] < x1 and y0 < truth.box[3] and truth.box[1] < y1


@pytest.mark.parametrize("name", ["invoice.png", "report.pdf"])
def test_read_equals_cli_read_json(client: httpx.Client, corpus: Path, name: str):
    """The contract: the API answers the CLI's JSON (the same text and citations; timing, cache differ)."""
    response = client.post("/v1/ocr", data={"task": "read"}, files=upload(corpus / name))
    assert response.status_code == 200, response.text
    cli = run_cli("read", corpus / name, "--json")
    assert cli.returncode == 0, cli.stderr
    api, expected = response.json(), cli.json()
    assert set(api) == set(expected) == CLI_KEYS
    assert api["text"] == expected["text"]
    assert api["citations"] == expected["citations"]
    assert api["notes"] == expected["notes"]


def test_read_keeps_a_utf8_file_name(client: httpx.Client, corpus: Path):
    """The UTF-8 check on form values must not refuse real UTF-8: Chinese and accented Latin pass."""
    response = client.post(
        "/v1/ocr", data={"task": "read", "pages": "1"}, files=upload(corpus / "invoice.png", "发票-Größe.png")
    )
    assert response.status_code == 200, response.text
    assert {c["file"] for c in response.json()["citations"]} == {"发票-Größe.png"}


@slow
def test_extract_named_fields(client: httpx.Client, corpus: Path):
    response = client.post(
        "/v1/ocr", data={"task": "extract", "fields": "金额,税号"}, files=upload(corpus / "invoice.png")
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["task"] == "extract"
    assert list(answer["fields"]) == ["金额", "税号"]
    assert answer["fields"]["税号"] == fx.TAX_ID
    cited = [answer["citations"][i] for i in answer["field_citations"]["税号"]]
    assert any(fx.TAX_ID in norm(c["text"]) for c in cited), cited


@slow
def test_task_in_words_routes_to_extract(client: httpx.Client, corpus: Path):
    response = client.post(
        "/ocr",
        data={"task": "extract amount, tax ID and date from this invoice"},
        files={"image": ("invoice.png", (corpus / "invoice.png").read_bytes(), "image/png")},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["task"] == "extract"
    assert list(answer["fields"]) == ["amount", "tax ID", "date"]
    assert answer["fields"]["tax ID"] == fx.TAX_ID


def test_task_in_words_routes_to_read(client: httpx.Client, corpus: Path):
    response = client.post(
        "/ocr",
        data={"task": "识别图中文字"},
        files={"image": ("invoice.png", (corpus / "invoice.png").read_bytes(), "image/png")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["task"] == "read"
    assert fx.TAX_ID in norm(response.json()["text"])


def test_openapi_documents_the_routes_and_their_errors(client: httpx.Client):
    spec = client.get("/openapi.json").json()
    assert {"/v1/ocr", "/ocr", "/health"} <= set(spec["paths"])
    responses = spec["paths"]["/v1/ocr"]["post"]["responses"]
    assert {"200", "401", "413", "415", "422", "429", "503", "504"} <= set(responses)
    assert client.get("/docs").status_code == 200


def test_unknown_path_and_wrong_method_in_the_error_shape(client: httpx.Client):
    assert_problem(client.get("/v2/ocr"), 404, "not_found")
    response = client.get("/v1/ocr")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


# --- 2. the bad-input corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", bad_inputs.CASES, ids=lambda case: case.name)
def test_bad_input_gets_a_clear_4xx(server: ApiServer, corpus: Path, case: BadInput):
    headers = {"Content-Type": bad_inputs.content_type()}
    if case.file == bad_inputs.OVER_LIMIT_FILE:
        # Declared length over the limit: refused before the body is read, so the answer comes early.
        size = sum(len(chunk) for chunk in bad_inputs.multipart_chunks(case, corpus))
        raw = stream_post(
            server.url + case.endpoint, headers, bad_inputs.multipart_chunks(case, corpus, 256 * 1024),
            content_length=size,
        )  # fmt: skip
        assert not raw.finished_sending and raw.body_bytes_sent < size // 2, raw
        response = httpx.Response(raw.status, headers=raw.headers, content=raw.body)
    else:
        body = bad_inputs.multipart_body(case, corpus)
        response = httpx.post(server.url + case.endpoint, content=body, headers=headers, timeout=TIMEOUT)
    assert_problem(response, case.status, case.code, *case.words)


def test_chunked_upload_over_the_limit_is_cut_off_while_streaming(server: ApiServer):
    """No Content-Length: the server counts the body as it arrives and answers 413 at the limit."""
    case = BadInput("chunked", 413, "file_too_large", ("50 MB",), bad_inputs.OVER_LIMIT_FILE)

    def body() -> Iterator[bytes]:
        yield (
            f'--{bad_inputs.BOUNDARY}\r\nContent-Disposition: form-data; name="task"\r\n\r\nread\r\n'
            f'--{bad_inputs.BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode() + b"\x89PNG\r\n\x1a\n"
        block = bytes(256 * 1024)
        for _ in range(STREAMED_MB * 4):
            yield block

    raw = stream_post(server.url + "/v1/ocr", {"Content-Type": bad_inputs.content_type()}, body())
    assert not raw.finished_sending, "the server read the whole 200 MB body instead of stopping at the limit"
    assert raw.body_bytes_sent < 120 * 1024 * 1024, raw.body_bytes_sent
    assert_problem(
        httpx.Response(raw.status, headers=raw.headers, content=raw.body), 413, case.code, *case.words
    )


def test_server_is_fine_after_the_corpus(client: httpx.Client, corpus: Path):
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    response = client.post("/v1/ocr", data={"task": "read"}, files=upload(corpus / "invoice.png"))
    assert response.status_code == 200, response.text
    assert fx.TAX_ID in norm(response.json()["text"])


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"task": "read", "pages": "1-1000000000"}, ("pages", "at most 500")),  # once an OOM kill
        ({"task": "read", "pages": "9" * 5000}, ("pages",)),
        ({"task": "ask", "question": "what is the tax ID? " * 5000}, ("question", "2000")),  # once a 500
        ({"task": "read", "lang": "xx"}, ("language",)),
        ({"task": "translate", "target_lang": "\x00zz"}, ("target language",)),
        ({"task": "ask", "question": " "}, ("question",)),
        ({"task": "extract", "fields": ",,,"}, ("field names",)),
        ({"task": "read", "normalize_dates": "maybe"}, ("normalize_dates",)),
    ],
    ids=["pages-1e9", "pages-5000-digits", "question-100k", "lang", "target-lang", "blank-question",
         "fields-commas", "not-a-boolean"],
)  # fmt: skip
def test_bad_argument_on_a_good_file(client: httpx.Client, corpus: Path, form: dict, words: tuple[str, ...]):
    assert_problem(
        client.post("/v1/ocr", data=form, files=upload(corpus / "invoice.png")), 422, "bad_argument", *words
    )


# --- 3. keys ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed_server(session_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(
        {"DOC_ASSISTANT_API_KEYS": "k1,k2"}, log_dir=tmp_path_factory.mktemp("api-logs")
    ) as running:
        yield running


def test_no_key_is_401_with_www_authenticate(keyed_server: ApiServer, corpus: Path):
    response = httpx.post(
        keyed_server.url + "/v1/ocr", data={"task": "read"}, files=upload(corpus / "invoice.png")
    )
    assert_problem(response, 401, "unauthorized", "missing API key", "Bearer")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("authorization", ["Bearer k3", "Bearer k1k2", "Basic k1", "Bearer", "bearer  k1 x"])
def test_wrong_key_is_401(keyed_server: ApiServer, corpus: Path, authorization: str):
    response = httpx.post(
        keyed_server.url + "/v1/ocr",
        data={"task": "read"},
        files=upload(corpus / "invoice.png"),
        headers={"Authorization": authorization},
    )
    assert_problem(response, 401, "unauthorized", "API key")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("key", ["k1", "k2"])
def test_right_key_is_200(keyed_server: ApiServer, corpus: Path, key: str):
    response = httpx.post(
        keyed_server.url + "/v1/ocr",
        data={"task": "read"},
        files=upload(corpus / "invoice.png"),
        headers={"Authorization": f"Bearer {key}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    assert fx.TAX_ID in norm(response.json()["text"])


def test_health_needs_no_key(keyed_server: ApiServer):
    response = httpx.get(keyed_server.url + "/health")
    assert response.status_code == 200
    assert response.json()["auth"] == "api-key"


def test_no_keys_refuses_to_listen_beyond_loopback(session_cache_dir: Path):
    result = subprocess.run(
        [*cli_command(), "api", "--host", "0.0.0.0", "--port", str(free_port())],
        capture_output=True,
        text=True,
        env=server_env(),
        timeout=120,
    )
    assert result.returncode == 2, result
    assert "DOC_ASSISTANT_API_KEYS" in result.stderr and "--allow-unauthenticated" in result.stderr, (
        result.stderr
    )
    assert result.stderr.startswith("doc-assistant: error:")


@slow
@pytest.mark.parametrize(
    ("env", "args"),
    [({}, ("--allow-unauthenticated",)), ({"DOC_ASSISTANT_API_KEYS": "k1"}, ())],
    ids=["allow-unauthenticated", "with-keys"],
)
def test_listens_beyond_loopback_when_allowed(tmp_path: Path, corpus: Path, env: dict, args: tuple[str, ...]):
    # Bound to every interface for a moment; reached through loopback only.
    with api_server(env, *args, host="0.0.0.0", log_dir=tmp_path) as running:
        assert running.healthy()
        response = httpx.post(
            running.url + "/v1/ocr", data={"task": "read"}, files=upload(corpus / "empty.png")
        )
        assert response.status_code == (401 if env else 415), response.text


# --- 4. rate limit ---------------------------------------------------------------------------------------


@slow
def test_rate_limit_429_with_retry_after_per_key(session_cache_dir: Path, tmp_path: Path, corpus: Path):
    env = {
        "DOC_ASSISTANT_RATE_PER_MINUTE": "6",
        "DOC_ASSISTANT_RATE_BURST": "2",
        "DOC_ASSISTANT_API_KEYS": "k1,k2",
    }
    with (
        api_server(env, log_dir=tmp_path) as running,
        httpx.Client(base_url=running.url, timeout=TIMEOUT) as http,
    ):

        def call(key: str) -> httpx.Response:
            # An empty upload: passes the guard, then fails fast (415), so only the guard's timing matters.
            headers = {"Authorization": f"Bearer {key}"}
            return http.post(
                "/v1/ocr", data={"task": "read"}, files=upload(corpus / "empty.png"), headers=headers
            )

        first, second, third = call("k1"), call("k1"), call("k1")
        assert (first.status_code, second.status_code) == (415, 415), (first.text, second.text)
        assert_problem(third, 429, "rate_limited", "too many requests")
        retry_after = third.headers["retry-after"]
        assert re.fullmatch(r"\d+", retry_after) and 1 <= int(retry_after) <= 10, retry_after
        # k2 has its own bucket: k1's burst does not touch it.
        assert [call("k2").status_code for _ in range(2)] == [415, 415]
        assert call("k2").status_code == 429
        assert http.get("/health").status_code == 200  # not rate limited


# --- 5. faults ---------------------------------------------------------------------------------------------


@slow
def test_request_over_the_time_limit_is_504(session_cache_dir: Path, tmp_path: Path, corpus: Path):
    env = {"DOC_ASSISTANT_REQUEST_TIMEOUT_S": "0.5", **OPEN_RATE}
    with (
        api_server(env, log_dir=tmp_path) as running,
        httpx.Client(base_url=running.url, timeout=TIMEOUT) as http,
    ):
        response = http.post(
            "/v1/ocr",
            # a question for the model (one that names a label is answered from the layout at once)
            data={"task": "ask", "question": "Describe this invoice in one sentence."},
            files=upload(corpus / "invoice.png"),
        )
        assert_problem(response, 504, "timeout", "0.5 s", "DOC_ASSISTANT_REQUEST_TIMEOUT_S")
        health = http.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        quick = http.post("/v1/ocr", data={"task": "read"}, files=upload(corpus / "empty.png"))
        assert_problem(quick, 415, "unsupported_type", "empty")


@slow
def test_all_model_slots_busy_is_503(session_cache_dir: Path, tmp_path: Path, corpus: Path):
    env = {"DOC_ASSISTANT_MAX_MODEL_CALLS": "1", "DOC_ASSISTANT_MODEL_WAIT_S": "0.2", **OPEN_RATE}
    with (
        api_server(env, log_dir=tmp_path) as running,
        httpx.Client(base_url=running.url, timeout=TIMEOUT) as http,
    ):

        def ask(_: int) -> httpx.Response:  # a question for the model (a label's value needs none)
            form = {"task": "ask", "question": "这张发票是为什么开具的？用一句话说明。"}
            return http.post("/v1/ocr", data=form, files=upload(corpus / "invoice.png"))

        with ThreadPoolExecutor(3) as pool:
            responses = list(pool.map(ask, range(3)))
        statuses = sorted(r.status_code for r in responses)
        assert 200 in statuses and 503 in statuses and set(statuses) <= {200, 503}, [
            r.text for r in responses
        ]
        for response in responses:
            if response.status_code == 503:
                assert_problem(response, 503, "busy", "model slots", "try again")
        health = http.get("/health").json()
        assert (
            health["status"] == "ok" and health["model_slots"] == 1 and health["model_calls_in_flight"] == 0
        )
        again = ask(0)
        assert again.status_code == 200, again.text


# --- 6. schemathesis against the live OpenAPI ------------------------------------------------------------


@slow
def test_schemathesis_finds_no_server_errors(server: ApiServer, tmp_path: Path):
    """Every operation of /openapi.json, fuzzed: no 5xx, and statuses, bodies and headers as documented.

    positive_data_acceptance is left out: a schema cannot say "a decodable image", so schema-valid uploads
    (random bytes) are rightly refused with 415. Uploads are never real images, so the model never runs.
    """
    st = Path(sys.executable).parent / "st"
    command = [
        str(st), "run", server.url + "/openapi.json",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--max-examples", "60", "--request-timeout", "60", "--no-color", "--output-truncate", "true",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    summary = "\n".join(
        line for line in result.stdout.splitlines() if re.search(r"\d+ generated|Seed:|Operations:", line)
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"\d+ generated, \d+ passed", result.stdout), result.stdout[-3000:]
    print(summary)
    assert server.healthy()
