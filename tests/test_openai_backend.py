"""The model-server client against servers that misbehave: down, or silent (see test_vision_servers)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from assistant.backends.openai_client import ModelServerError, ModelServerTimeout, OpenAIClient
from tests import fixtures as fx
from tests.conftest import assert_clean_cli_error, run_cli


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on return: nothing listens there


class SilentServer:
    """Accepts connections and reads requests, but never answers: a model server stuck on a request."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self._conns.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self._conns:
            conn.close()


_HELLO = [{"role": "user", "content": "hello"}]


def test_a_server_that_is_down_gives_a_clear_error_after_retries():
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    client = OpenAIClient([url], "tiny", retries=2, timeout_s=5)
    started = time.monotonic()
    with pytest.raises(ModelServerError, match=r"not reachable") as caught:
        client.complete(_HELLO)
    assert url in caught.value.message
    assert time.monotonic() - started >= 1.4  # two pauses between three attempts (0.5 s, 1.0 s)


def test_a_silent_server_times_out():
    server = SilentServer()
    try:
        client = OpenAIClient([f"http://127.0.0.1:{server.port}/v1"], "tiny", timeout_s=1.0, retries=2)
        started = time.monotonic()
        with pytest.raises(ModelServerTimeout, match=r"did not answer within 1 s"):
            client.complete(_HELLO)
        assert time.monotonic() - started < 5
        assert server.accepted == 1  # a timeout is not retried: the server may still be working on it
    finally:
        server.close()


def test_cli_reports_a_down_server_in_one_line(tmp_path):
    image = tmp_path / "invoice.png"
    fx.invoice_page().image.save(image)
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    result = run_cli("read", image, "--backend", "openai", "--base-url", url, "--json")
    assert result.returncode == 3
    assert_clean_cli_error(result, "backend_error", "not reachable", url)


def test_no_server_url_is_a_clear_error():
    with pytest.raises(ModelServerError, match="DOC_ASSISTANT_BASE_URL"):
        OpenAIClient([], "tiny")
