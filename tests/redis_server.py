"""A real redis-server (Debian's) for the tests, on a free loopback port, in a folder of its own.

    with redis_server(tmp_path) as server:
        server.url  # redis://127.0.0.1:PORT/0

Nothing is saved to disk (no RDB, no AOF); the server is stopped (SIGTERM, then SIGKILL) when the block ends.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.api_server import free_port, stop_process

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        stop_process(self.process, grace_s=10)


def start_redis(folder: Path) -> RedisServer:
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed; .ci/install installs Debian's redis-server")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = folder / f"redis-{port}.log"
    command = [
        REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
        "--save", "", "--appendonly", "no", "--logfile", str(log_path), "--daemonize", "no",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    server = RedisServer(port, process, log_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text()[-2000:]
            raise RuntimeError(f"redis-server exited with {process.returncode}: {log}")
        try:
            if server.client().ping():
                return server
        except Exception:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("redis-server did not answer PING within 20 s")


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    server = start_redis(folder)
    try:
        yield server
    finally:
        server.stop()
