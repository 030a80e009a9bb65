"""llama.cpp's own OpenAI-compatible server (`python -m llama_cpp.server`) on the embedded model's GGUF.

The model-server backend with the `local-llm` profile talks to it, so the embedded model's task tests run
unchanged through the OpenAI path: same model, same prompts, greedy, so the same answers are expected.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

START_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def llama_server(gguf: Path, log_path: Path, context: int = 4096) -> Iterator[str]:
    """Serve `gguf` on a free loopback port until the block ends; yields the /v1 base URL."""
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--n_ctx", str(context), "--n_threads", str(os.cpu_count() or 1)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        root = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}; log {log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{root}/v1/models", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server not up after {START_TIMEOUT_S:.0f} s; log {log_path}")
            time.sleep(0.3)
        yield f"{root}/v1"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
