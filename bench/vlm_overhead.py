"""The model-server backend's overhead: doc-assistant's spotting call against a direct request to the same
vLLM (CPU, the tests' tiny random vision-language model), interleaved, same image and prompt.

    .venv/bin/python -m bench.vlm_overhead [--quick] [--runs N]

The direct request is what a hand-written client sends (the uploaded file base64-encoded, one HTTP call,
the stream read to the end); doc-assistant's call adds checking and encoding the page image (kept per
page), the profile's prompt and sampling, the request bound, the loop guard and parsing the coordinates.
Both replies must be as long (the tiny random model's reply starts repeating after about 45 tokens, where
doc-assistant's loop guard would stop it early and look faster): the run says whether they were. Needs
.venv-servers (bash .ci/install-model-servers).
"""

from __future__ import annotations

import base64
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from assistant import prompts
from assistant.backends.openai import OpenAIBackend, with_images
from assistant.documents.ingest import load_document
from assistant.documents.model import Page
from assistant.readers.vlm_spotting import VlmSpottingReader
from assistant.settings import Settings
from tests import fixtures as fx
from tests.model_servers import MODEL_NAME, servers_available, tiny_model, vllm_server

from .common import Section, cli, median, ms_spread, ratio_spread, ratios, table

REPO = Path(__file__).resolve().parent.parent
MAX_TOKENS = 40  # under the point where the random model's reply starts looping (see above)
TARGET = 1.05


def _direct(client: httpx.Client, base_url: str, payload: dict, replies: list[str]) -> float:
    started = time.perf_counter()
    text = []
    with client.stream("POST", f"{base_url}/chat/completions", json=payload) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("data: {"):
                text.append(json.loads(line[6:])["choices"][0]["delta"].get("content") or "")
    seconds = time.perf_counter() - started
    replies.append("".join(text))
    return seconds


def _app(backend: OpenAIBackend, reader: VlmSpottingReader, page: Page, replies: list[str]) -> float:
    sent = []
    stream = backend.client.stream

    def kept_reply(*args: object, **kwargs: object) -> Iterator[str]:
        for piece in stream(*args, **kwargs):  # type: ignore[arg-type]
            sent.append(piece)
            yield piece

    backend.client.stream = kept_reply  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        reader.read(page)
        seconds = time.perf_counter() - started
    finally:
        backend.client.stream = stream  # type: ignore[method-assign]
    replies.append("".join(sent))
    return seconds


def run(quick: bool = False, runs: int | None = None) -> Section:
    from assistant.backends import page_images

    count = 10 if quick else (runs or 30)
    section = Section(
        "vlm", "Model-server path: doc-assistant's call vs a direct request to vLLM", runs=count
    )
    if reason := servers_available():
        section.lines = [f"Not measured: needs the model servers ({reason}; bash .ci/install-model-servers)."]
        section.headline = [f"Model-server path: not measured ({reason})"]
        return section
    image = fx.invoice_page().image
    model_dir = tiny_model(REPO / ".cache" / "model-servers")
    with tempfile.TemporaryDirectory() as tmp, vllm_server(model_dir, Path(tmp) / "vllm.log") as base_url:
        settings = Settings(
            backend="openai", base_url=base_url, model=MODEL_NAME, max_reply_tokens=MAX_TOKENS
        )
        backend = OpenAIBackend(settings)
        reader = VlmSpottingReader(backend, settings)
        upload = fx.encode(image, "PNG")
        page = load_document(upload, "invoice.png", settings).pages[0]
        sampling = {**backend.profile.sampling, "max_tokens": MAX_TOKENS}
        # What a hand-written client sends: the profile's prompt and the file it has, base64-encoded once.
        spot = prompts.messages("spot", "zh", backend.profile.name)
        own = {"url": "data:image/png;base64," + base64.b64encode(upload).decode("ascii")}
        messages = with_images(spot, [{"type": "image_url", "image_url": own}])
        payload = {"model": MODEL_NAME, "messages": messages, "stream": True, **sampling}
        direct_s, repeat_s, new_s = [], [], []
        direct_replies: list[str] = []
        app_replies: list[str] = []
        with httpx.Client(timeout=120) as client:
            _direct(client, base_url, payload, []), _app(backend, reader, page, [])  # warm both paths
            for _ in range(count):  # interleaved, so drifts in machine load hit all alike
                direct_s.append(_direct(client, base_url, payload, direct_replies))
                repeat_s.append(_app(backend, reader, page, app_replies))  # the page's encoding is reused
                page_images._kept.clear()
                new_s.append(_app(backend, reader, page, app_replies))  # a page seen for the first time
    same = all(reply == direct_replies[0] for reply in direct_replies + app_replies)
    repeat, new = ratios(repeat_s, direct_s), ratios(new_s, direct_s)
    verdict = "met" if median(new) <= TARGET else "**not met**"
    section.lines = [
        f"vLLM on the CPU serving the tests' tiny random Qwen2-VL; the {image.width}×{image.height} invoice, "
        f"{MAX_TOKENS} reply tokens, {count} calls each, interleaved. The direct request is what a "
        "hand-written client sends: the uploaded PNG base64-encoded, one HTTP call, the stream read to the "
        "end. doc-assistant's call adds checking the upload (a PNG or JPEG the model sees as it is goes as "
        "its own bytes; other pages are made in a worker process and encoded as JPEG), keeping the encoding "
        "per page, the profile's prompt and sampling, the request bound, the loop guard and parsing the "
        f"coordinates. Every reply the same text on both paths: {'yes' if same else '**no**'}.",
        "",
        *table(
            ["path", "ms per call", "÷ direct request"],
            [
                ["direct request", ms_spread(direct_s), "1.00×"],
                [
                    "doc-assistant, a page seen before (encoding reused)",
                    ms_spread(repeat_s),
                    ratio_spread(repeat),
                ],
                [
                    "doc-assistant, a new page (checked, sent as uploaded)",
                    ms_spread(new_s),
                    ratio_spread(new),
                ],
            ],
        ),
    ]
    section.headline = [
        f"Model-server path: {ratio_spread(new)} a direct vLLM request for a new page (target ≤ {TARGET}×: "
        f"{verdict}), {ratio_spread(repeat)} for a page seen before"
    ]
    return section


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
