"""The model-server backend's overhead: doc-assistant's spotting call against a direct request to the same
vLLM (CPU, the tests' tiny random vision-language model), interleaved, same image and prompt.

    .venv/bin/python -m bench.vlm_overhead [--requests 30] [--quick]

The direct request is what a hand-written client sends (the PNG already base64-encoded, one HTTP call,
the stream read to the end); doc-assistant's call adds encoding the page image, the profile's prompt and
sampling, the request bound, the loop guard and parsing the coordinates. Needs .venv-servers
(bash .ci/install-model-servers).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from assistant import prompts
from assistant.backends.openai import OpenAIBackend, with_images
from assistant.backends.page_images import image_part
from assistant.documents.ingest import load_document
from assistant.documents.model import Page
from assistant.readers.vlm_spotting import VlmSpottingReader
from assistant.settings import Settings
from tests import fixtures as fx
from tests.model_servers import MODEL_NAME, servers_available, tiny_model, vllm_server

REPO = Path(__file__).resolve().parent.parent
MAX_TOKENS = 64


def _direct(client: httpx.Client, base_url: str, payload: dict) -> float:
    started = time.perf_counter()
    with client.stream("POST", f"{base_url}/chat/completions", json=payload) as response:
        response.raise_for_status()
        for _ in response.iter_lines():
            pass
    return time.perf_counter() - started


def _app(reader: VlmSpottingReader, page: Page) -> float:
    started = time.perf_counter()
    reader.read(page)
    return time.perf_counter() - started


def _row(name: str, seconds: list[float]) -> str:
    low, _, high = statistics.quantiles(seconds, n=4)
    return f"| {name} | {statistics.median(seconds) * 1000:.0f} | {low * 1000:.0f}-{high * 1000:.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="10 requests each")
    args = parser.parse_args()
    if reason := servers_available():
        raise SystemExit(f"needs the model servers: {reason}")
    count = 10 if args.quick else args.requests
    image = fx.invoice_page().image
    model_dir = tiny_model(REPO / ".cache" / "model-servers")
    with tempfile.TemporaryDirectory() as tmp, vllm_server(model_dir, Path(tmp) / "vllm.log") as base_url:
        settings = Settings(
            backend="openai", base_url=base_url, model=MODEL_NAME, max_reply_tokens=MAX_TOKENS
        )
        backend = OpenAIBackend(settings)
        reader = VlmSpottingReader(backend, settings)
        page = load_document(fx.encode(image, "PNG"), "invoice.png", settings).pages[0]
        sampling = {**backend.profile.sampling, "max_tokens": MAX_TOKENS}
        # The very request doc-assistant sends, prepared once, as a direct client would hold it.
        spot = prompts.messages("spot", "zh", backend.profile.name)
        messages = with_images(spot, [image_part(image, 2048)])
        payload = {"model": MODEL_NAME, "messages": messages, "stream": True, **sampling}
        direct_s, app_s = [], []
        with httpx.Client(timeout=120) as client:
            _direct(client, base_url, payload), _app(reader, page)  # warm both paths
            for _ in range(count):  # interleaved, so drifts in machine load hit both alike
                direct_s.append(_direct(client, base_url, payload))
                app_s.append(_app(reader, page))
    d, a = statistics.median(direct_s), statistics.median(app_s)
    print(f"vLLM CPU, tiny Qwen2-VL, {image.width}×{image.height} invoice, {MAX_TOKENS} tokens, {count} each")
    print("| path | median ms | p25-p75 ms |\n|---|---|---|")
    print(_row("direct request", direct_s))
    print(_row("doc-assistant spotting call", app_s))
    print(f"ratio doc-assistant / direct: {a / d:.2f}× (+{(a - d) * 1000:.0f} ms per page)")


if __name__ == "__main__":
    main()
