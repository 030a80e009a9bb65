"""Start the real API (`doc-assistant api`) as a subprocess on a free loopback port, and talk raw HTTP to it.

    with api_server({"DOC_ASSISTANT_API_KEYS": "k1"}) as server:
        httpx.get(server.url + "/health")

The server's output goes to a log file, shown when it fails to come up. `stream_post` sends a body chunk by
chunk over a plain socket and stops as soon as the server answers: that is how a 413 *while streaming* is
observed (an HTTP library would keep writing into a closed connection and lose the answer).
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.conftest import REPO, cli_command

START_TIMEOUT_S = 90.0  # imports and the first model-free request; the 2-core machine may be busy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ApiServer:
    url: str  # always via 127.0.0.1, whatever the server binds
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def healthy(self, timeout: float = 5.0) -> bool:
        try:
            response = httpx.get(self.url + "/health", timeout=timeout)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.json().get("status") == "ok"

    def stop(self) -> int:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it lingers; returns the exit code."""
        return stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes], grace_s: float = 15) -> int:
    """SIGTERM, then SIGKILL if it is still there after `grace_s`; returns the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return process.returncode


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment (the session's cache dir included) with `extra` on top."""
    env = dict(os.environ)
    env.update(extra or {})
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def start_api(
    extra_env: Mapping[str, str] | None = None,
    *args: str,
    host: str = "127.0.0.1",
    port: int | None = None,
    log_dir: Path | None = None,
    timeout: float = START_TIMEOUT_S,
) -> ApiServer:
    port = port or free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="doc-assistant-api-"))
    log_path = log_dir / f"api-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*cli_command(), "api", "--host", host, "--port", str(port), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=server_env(extra_env),
            cwd=REPO,
        )
    server = ApiServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with {process.returncode} before it was up:\n{server.log}")
        if server.healthy(timeout=2):
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the API did not answer /health within {timeout:g} s:\n{server.log}")


@contextmanager
def api_server(extra_env: Mapping[str, str] | None = None, *args: str, **kwargs) -> Iterator[ApiServer]:
    server = start_api(extra_env, *args, **kwargs)
    try:
        yield server
    finally:
        server.stop()


# --- raw HTTP for bodies that must stream --------------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    body_bytes_sent: int  # how much of the request body went out before the answer came
    finished_sending: bool

    def json(self) -> dict:
        return json.loads(self.body)


def stream_post(
    url: str,
    headers: Mapping[str, str],
    chunks: Iterable[bytes],
    *,
    content_length: int | None = None,
    timeout: float = 60.0,
) -> RawResponse:
    """POST `chunks` with a Content-Length (when given) or chunked transfer encoding; stop sending as soon
    as an answer is readable, then read it whole."""
    parts = urlsplit(url)
    head = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    head.append(
        f"Content-Length: {content_length}" if content_length is not None else "Transfer-Encoding: chunked"
    )
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
    sent = 0
    finished = False
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        try:
            for chunk in chunks:
                if _readable(sock):
                    break
                framed = chunk if content_length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk)
                sock.sendall(framed)
                sent += len(chunk)
            else:
                if content_length is None:
                    sock.sendall(b"0\r\n\r\n")
                finished = True
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: read what it said
        status, response_headers, body = _read_response(sock, timeout)
    finally:
        with suppress(OSError):
            sock.close()
    return RawResponse(status, response_headers, body, sent, finished)


def _readable(sock: socket.socket) -> bool:
    ready, _, _ = select.select([sock], [], [], 0)
    return bool(ready)


def _read_response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, str], bytes]:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        block = sock.recv(65536)
        if not block:
            raise ConnectionError(f"the server closed the connection without an answer (got {data[:200]!r})")
        data += block
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "-1"))
    while length < 0 or len(body) < length:
        try:
            block = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not block:
            break
        body += block
    return int(status_line.split()[1]), headers, body[:length] if length >= 0 else body
