"""A real Ray cluster for the tests: a head node and a worker node, each started by `ray start` as on two
machines, on loopback addresses of their own (127.0.0.2 and 127.0.0.3: Ray swaps 127.0.0.1 for the
machine's network address), with one CPU each and a temporary folder of the cluster's own.

Every node is its own process group (the `ray start` process's); Ray's worker processes make groups of
their own, as children of the node's raylet. `kill` SIGKILLs a node's group and those children, as when a
machine dies; `stop` does that to every node. No `ray stop`: it would stop every Ray cluster on the machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.api_server import free_port, server_env

HEAD_IP, WORKER_IP = "127.0.0.2", "127.0.0.3"
# A dead node is noticed within about 3 s (Ray's default is half a minute).
FAST_FAILURE = {
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
    "RAY_USAGE_STATS_ENABLED": "0",
}
OBJECT_STORE = str(100 * 1024 * 1024)


def ray_command() -> str:
    script = Path(sys.executable).parent / "ray"
    if not script.exists():
        pytest.skip("ray is not installed in this environment (pyproject.toml lists it)")
    return str(script)


@dataclass
class RayNode:
    name: str
    group: int  # the process group of its `ray start`

    def processes(self) -> set[int]:
        """The node's processes: its group, and the workers its raylet started (in groups of their own)."""
        table = _process_table()
        members = {pid for pid, (group, _, _) in table.items() if group == self.group}
        raylets = {pid for pid in members if table[pid][2].startswith("raylet")}
        return members | {pid for pid, (_, parent, _) in table.items() if parent in raylets}

    def running_tasks(self, name: str) -> int:
        """How many of its worker processes run a task of that function now (Ray titles them ray::NAME)."""
        table = _process_table()
        return sum(1 for pid in self.processes() if table.get(pid, (0, 0, ""))[2] == f"ray::{name}")

    def kill(self) -> set[int]:
        killed = self.processes()
        for pid in killed:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return killed


@dataclass
class RayCluster:
    address: str
    temp_dir: Path
    log_dir: Path
    nodes: list[RayNode] = field(default_factory=list)

    @property
    def worker(self) -> RayNode:
        return next(node for node in self.nodes if node.name == "worker")

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()
        time.sleep(0.5)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _ray_start(args: list[str], log: Path, name: str) -> RayNode:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [ray_command(), "start", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=server_env(FAST_FAILURE),
            start_new_session=True,  # its own process group: the node's processes stay in it
        )
    node = RayNode(name, process.pid)
    try:
        code = process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        node.kill()
        why = f"ray start ({name}) did not finish in 120 s:\n{log.read_text()[-3000:]}"
        raise RuntimeError(why) from None
    except BaseException:  # interrupted while the node starts: what it started so far goes too
        node.kill()
        raise
    if code != 0:
        node.kill()
        raise RuntimeError(f"ray start ({name}) failed with {code}:\n{log.read_text()[-3000:]}")
    return node


def start_cluster(worker_nodes: int = 1, head_ip: str = HEAD_IP, worker_ip: str = WORKER_IP) -> RayCluster:
    """A head node and `worker_nodes` worker nodes (0 or 1), one CPU each. Two clusters at once need
    addresses of their own (Ray finds a node by its address)."""
    temp_dir = Path(tempfile.mkdtemp(prefix="doc-assistant-ray-"))
    log_dir = temp_dir / "start-logs"
    log_dir.mkdir()
    port = free_port()
    cluster = RayCluster(f"{head_ip}:{port}", temp_dir, log_dir)
    common = ["--num-cpus=1", f"--object-store-memory={OBJECT_STORE}", "--disable-usage-stats"]
    try:
        cluster.nodes.append(
            _ray_start(
                ["--head", f"--node-ip-address={head_ip}", f"--port={port}", f"--temp-dir={temp_dir}",
                 "--include-dashboard=false", f"--ray-client-server-port={free_port()}",
                 f"--dashboard-agent-listen-port={free_port()}", *common],
                log_dir / "head.log",
                "head",
            )
        )  # fmt: skip
        for _ in range(worker_nodes):
            args = [f"--address={cluster.address}", f"--node-ip-address={worker_ip}",
                    f"--dashboard-agent-listen-port={free_port()}", *common]  # fmt: skip
            cluster.nodes.append(_ray_start(args, log_dir / "worker.log", "worker"))
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextmanager
def ray_cluster(worker_nodes: int = 1, **addresses: str) -> Iterator[RayCluster]:
    cluster = start_cluster(worker_nodes, **addresses)
    try:
        yield cluster
    finally:
        cluster.stop()


def _process_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (process group, parent, name) for every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            state, parent, group = stat[stat.rindex(")") + 2 :].split()[:3]
            if state == "Z":
                continue  # dead already, waiting to be reaped
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            table[int(entry.name)] = (int(group), int(parent), cmdline.rsplit("/", 1)[-1] or name)
    return table
