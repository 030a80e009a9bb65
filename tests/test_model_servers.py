"""The model-server test infrastructure works: vLLM (CPU) and `transformers serve` on the tiny random VLM.

Proves, for each server, what the OCR backend relies on: a text chat completion, one with a base64 PNG in an
`image_url` part, SSE streaming and concurrent requests. The weights are random, so the words are gibberish:
every assertion is about the protocol. Skipped when .venv-servers is absent (`.ci/install-model-servers`).
Each server is started once for the module (vLLM about 40 s, transformers about 8 s); logs go to
tests/artifacts/model-servers/.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.model_servers import (
    MODEL_NAME,
    REPO,
    SERVERS_PYTHON,
    TINY_VLM_SCRIPT,
    servers_available,
    tiny_model,
    transformers_server,
    vllm_server,
)

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(servers_available() is not None, reason=str(servers_available())),
]

CACHE_DIR = REPO / ".cache" / "model-servers"
LOG_DIR = REPO / "tests" / "artifacts" / "model-servers"
TIMEOUT = httpx.Timeout(120.0, connect=5.0)


def png_data_url(width: int = 96, height: int = 64) -> str:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(img).text((4, height // 3), "Total 42.00", fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def image_message(text: str, url: str | None = None) -> list[dict]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": text},
                {"type": "image_url", "image_url": {"url": url or png_data_url()}},
            ],
        }
    ]


def chat(base_url: str, messages: list[dict], max_tokens: int = 12, **extra) -> httpx.Response:
    body = {"model": MODEL_NAME, "messages": messages, "max_tokens": max_tokens, "temperature": 0.0, **extra}
    return httpx.post(f"{base_url}/chat/completions", json=body, timeout=TIMEOUT)


def assert_completion(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["object"] == "chat.completion"
    choice = data["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str) and choice["message"]["content"]
    assert choice["finish_reason"] in {"length", "stop"}
    assert data["usage"]["completion_tokens"] >= 1
    return data


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return tiny_model(CACHE_DIR)


@pytest.fixture(scope="module", params=["vllm", "transformers"])
def server(request, model_dir: Path):
    """(name, base_url) of a running server; one at a time, each started once for the module."""
    start = {"vllm": vllm_server, "transformers": transformers_server}[request.param]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"{request.param}.log"
    log.unlink(missing_ok=True)
    with start(model_dir, log) as base_url:
        yield request.param, base_url


def test_tiny_model_is_offline_and_deterministic(model_dir: Path, tmp_path: Path):
    """A second build, with every hub switched off, gives byte-identical files."""
    out = tmp_path / "again"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    subprocess.run(
        [str(SERVERS_PYTHON), str(TINY_VLM_SCRIPT), str(out)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}

    assert digests(out) == digests(model_dir)
    assert {"config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja"} <= set(digests(out))


def test_text_chat(server):
    _, base_url = server
    data = assert_completion(chat(base_url, [{"role": "user", "content": "What is on this page?"}]))
    assert data["model"] in {MODEL_NAME, f"{MODEL_NAME}@main"}  # transformers serve appends the revision


def test_image_chat(server):
    """A base64 PNG in an image_url part is accepted and reaches the model as image tokens."""
    _, base_url = server
    with_image = assert_completion(chat(base_url, image_message("Read the text.")))
    text_only = assert_completion(chat(base_url, [{"role": "user", "content": "Read the text."}]))
    # Qwen2-VL: <|vision_start|> + one <|image_pad|> per 28x28 pixels (96x64 -> 84x56: 6) + <|vision_end|>
    assert with_image["usage"]["prompt_tokens"] >= text_only["usage"]["prompt_tokens"] + 3


def test_streaming(server):
    name, base_url = server
    body = {
        "model": MODEL_NAME,
        "messages": image_message("Transcribe."),
        "max_tokens": 8,
        "temperature": 0.0,
        "stream": True,
    }
    with httpx.stream("POST", f"{base_url}/chat/completions", json=body, timeout=TIMEOUT) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.strip()]
    assert all(line.startswith("data: ") for line in lines), lines
    payloads = [line.removeprefix("data: ") for line in lines]
    done = payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads if p != "[DONE]"]
    assert len(chunks) >= 3
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text
    finishing = [c for c in chunks if c["choices"] and c["choices"][0].get("finish_reason")]
    assert finishing and finishing[-1] is chunks[-1]
    if name == "vllm":
        assert done  # OpenAI framing: the stream ends with `data: [DONE]`
    # transformers serve 5.19 ends after the finish_reason chunk without [DONE] (either is accepted here)


def test_concurrent_requests(server):
    _, base_url = server
    url = png_data_url()

    def one(i: int) -> dict:
        if i % 2:
            return assert_completion(chat(base_url, [{"role": "user", "content": f"Question {i}?"}]))
        return assert_completion(chat(base_url, image_message(f"Page {i}: read it.", url)))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(4)))
    assert len({r["id"] for r in results}) == 4


def test_models_endpoint(server):
    name, base_url = server
    response = httpx.get(f"{base_url}/models", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()["object"] == "list"
    if name == "vllm":
        assert [m["id"] for m in response.json()["data"]] == [MODEL_NAME]
    # transformers serve lists only models in the Hugging Face cache, which is empty here


# --- doc-assistant's model-server backend against these real servers --------------------------------


def _invoice_png(tmp_path: Path) -> Path:
    from tests import fixtures as fx

    path = tmp_path / "invoice.png"
    fx.invoice_page().image.save(path)
    return path


def _client(base_url: str, **options):
    from assistant.backends.openai_client import OpenAIClient

    return OpenAIClient([base_url], MODEL_NAME, **options)


def _image_question(question: str = "What is the total?") -> list[dict]:
    from assistant.backends.page_images import image_part
    from tests import fixtures as fx

    return [
        {
            "role": "user",
            "content": [image_part(fx.invoice_page().image, 2048), {"type": "text", "text": question}],
        }
    ]


def test_backend_streams_a_reply_about_an_image(server):
    pieces = list(_client(server[1]).stream(_image_question(), max_tokens=24, temperature=0))
    assert len(pieces) >= 2, pieces  # streamed, not one block
    assert "".join(pieces)


def test_backend_keeps_its_bound_on_requests_in_flight(server):
    client = _client(server[1], max_in_flight=2)
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(
            pool.map(lambda _: client.complete(_image_question(), max_tokens=16, temperature=0), range(6))
        )
    assert len(replies) == 6
    assert client.peak_in_flight == 2


def test_backend_time_limit_stops_a_long_reply(server):
    from assistant.backends.openai_client import ModelServerTimeout

    if server[0] != "vllm":
        pytest.skip("only vLLM takes ignore_eos, which makes a random model's reply reliably long")
    client = _client(server[1], timeout_s=0.3)
    with pytest.raises(ModelServerTimeout, match=r"did not answer within 0\.3 s"):
        client.complete(
            [{"role": "user", "content": "count"}], max_tokens=900, temperature=0, ignore_eos=True
        )


def test_backend_spreads_requests_and_skips_a_dead_replica(server):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    from assistant.backends.openai_client import OpenAIClient

    client = OpenAIClient([dead, server[1]], MODEL_NAME, retries=1)
    replies = [client.complete(_image_question(), max_tokens=8, temperature=0) for _ in range(3)]
    assert len(replies) == 3  # each request that met the dead replica first was retried on the live one


@pytest.mark.parametrize("profile", ["hunyuan-ocr", "generic-vlm"])
def test_cli_answers_through_the_model_server(server, profile, tmp_path):
    """The whole path: page image and prompt to the server, reply parsed, the CLI's JSON shape back."""
    from tests.conftest import run_cli

    image = _invoice_png(tmp_path)
    common = ["--backend", "openai", "--base-url", server[1], "--model", MODEL_NAME, "--profile", profile]
    common += ["--json", "--cache-dir", str(tmp_path / "cache")]
    short = {"DOC_ASSISTANT_MAX_REPLY_TOKENS": "128"}  # the tiny model's context is 1024 tokens
    asked = run_cli("ask", image, "What is the total?", *common, env=short)
    assert asked.returncode == 0, asked.stderr
    answer = asked.json()
    assert answer["task"] == "ask" and answer["text"]
    assert set(answer) >= {"citations", "notes", "cached", "elapsed_ms"}
    extracted = run_cli("extract", image, "--fields", "total,date", *common, env=short)
    assert extracted.returncode == 0, extracted.stderr
    fields = extracted.json()["fields"]
    # A random model writes no JSON worth keeping: every value is dropped to null, never invented.
    assert set(fields) == {"total", "date"}
    assert all(value is None or value in extracted.json()["text"] for value in fields.values())


# --- the same task pipeline as the embedded backend's, on the model-server path ---------------------------
# generic-vlm reads pages with the OCR engines (the tiny model's weights are random, its words gibberish), so
# what these show is the shared code around the model: the math path, the relevance gate, verification.


def _server_args(server, tmp_path: Path, profile: str = "generic-vlm") -> list[str]:
    common = ["--backend", "openai", "--base-url", server[1], "--model", MODEL_NAME, "--profile", profile]
    return [*common, "--json", "--cache-dir", str(tmp_path / "cache")]


SHORT_REPLIES = {"DOC_ASSISTANT_MAX_REPLY_TOKENS": "128"}  # the tiny model's context is 1024 tokens


def test_server_path_solves_math_with_sympy(server, tmp_path):
    from tests import fixtures as fx
    from tests.conftest import run_cli

    path = tmp_path / "math.png"
    fx.text_lines_page(["解方程：3x + 5 = 20"]).image.save(path)
    asked = run_cli("ask", path, "解这道题", *_server_args(server, tmp_path), env=SHORT_REPLIES)
    assert asked.returncode == 0, asked.stderr
    answer = asked.json()
    assert "x = 5" in answer["text"], answer
    assert any("checked with sympy" in note for note in answer["notes"]), answer["notes"]
    assert answer["citations"], "the problem is cited on the page"


def test_server_path_refuses_what_the_documents_do_not_say(server, tmp_path):
    from tests import fixtures as fx
    from tests.conftest import run_cli

    _, pdf = fx.contract_pdf()
    path = tmp_path / "contract.pdf"
    path.write_bytes(pdf.data)
    asked = run_cli(
        "ask",
        path,
        "What is the boiling point of mercury?",
        *_server_args(server, tmp_path),
        # A context too small for the whole document, so that passages are chosen and the gate applies.
        env={**SHORT_REPLIES, "DOC_ASSISTANT_PROMPT_TOKENS": "200", "DOC_ASSISTANT_CONTEXT_TOKENS": "100"},
    )
    assert asked.returncode == 0, asked.stderr
    answer = asked.json()
    assert answer["citations"] == []
    assert "retrieval found nothing relevant; the model was not asked" in answer["notes"], answer["notes"]


def test_server_path_never_invents_a_field(server, tmp_path):
    """Whatever the random model writes, a value is either null or found (and cited) on the page."""
    from tests.conftest import run_cli

    image = _invoice_png(tmp_path)
    extracted = run_cli(
        "extract", image, "--fields", "金额,税号,开票日期", *_server_args(server, tmp_path), env=SHORT_REPLIES
    )
    assert extracted.returncode == 0, extracted.stderr
    result = extracted.json()
    cited = {c["text"] for c in result["citations"]}
    for field, value in result["fields"].items():
        assert value is None or any(value.replace(" ", "") in text.replace(" ", "") for text in cited), field
