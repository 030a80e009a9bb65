"""The page worker process: runs jobs sent by `assistant.workers` and streams their results back.

Started by the pool, never by hand.

Frames on stdin and on a private copy of stdout are a length and a pickle. File bytes a job needs arrive once
and are kept (the pool knows which this worker holds); a job's function is named "module:function" and may
yield several items (a document's pages), each sent as soon as it is ready. stdout itself is pointed at
stderr, so that a library printing to it cannot corrupt the frames.
"""

from __future__ import annotations

import importlib
import os
import pickle
import signal
import struct
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

HEADER = struct.Struct(">Q")
HELD_BYTES = 256 * 1024 * 1024  # file bytes kept per worker; the pool mirrors this to know what it holds


class Held:
    """File bytes by digest, least recently used dropped first: the same rule on both sides of the pipe."""

    def __init__(self, cap: int = HELD_BYTES) -> None:
        self.cap = cap
        self.sizes: OrderedDict[str, int] = OrderedDict()
        self.data: dict[str, bytes] = {}

    def use(self, needs: Iterable[str], attachments: dict[str, bytes] | None = None) -> None:
        needs = list(needs)
        for digest, blob in (attachments or {}).items():
            self.data[digest] = blob
            self.sizes[digest] = len(blob)
        for digest in needs:
            self.sizes.move_to_end(digest)
        while sum(self.sizes.values()) > self.cap and len(self.sizes) > len(needs):
            oldest = next(iter(self.sizes))
            if oldest in needs:
                break
            del self.sizes[oldest]
            self.data.pop(oldest, None)

    def __contains__(self, digest: str) -> bool:
        return digest in self.sizes


_held = Held()


def attached(digest: str) -> bytes:
    """The bytes of a file a job was sent (in a worker, or in process when the pool runs jobs inline)."""
    return _held.data[digest]


def keep(digest: str, data: bytes) -> None:
    """Inline jobs: make `data` available to `attached` as a worker would have it."""
    _held.use([digest], {digest: data})


def resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def write_frame(out: BinaryIO, message: Any) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(body)) + body)
    out.flush()


def read_frame(stream: BinaryIO) -> Any | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    return pickle.loads(stream.read(size))


def run_job(out: BinaryIO, job_id: int, target: str, args: tuple) -> None:
    try:
        function = resolve(target)
        write_frame(out, ("started", job_id))  # the budget starts now: importing is not the page's fault
        result = function(*args)
        items = result if _is_generator(result) else [result]
        for item in items:
            write_frame(out, ("item", job_id, item))
        write_frame(out, ("done", job_id))
    except Exception as exc:  # reported to the pool, which raises it in the caller
        try:
            pickled = pickle.dumps(exc)
        except Exception:
            pickled = None
        write_frame(out, ("error", job_id, pickled, f"{type(exc).__name__}: {exc}", traceback.format_exc()))


def _is_generator(value: Any) -> bool:
    return hasattr(value, "__next__") and hasattr(value, "send")


def _exit_with_parent() -> None:
    """A worker whose parent died (kill -9) stops at once instead of finishing a slow page for nobody."""
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it closes the pipe
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    stdin = sys.stdin.buffer
    while (message := read_frame(stdin)) is not None:
        _, job_id, target, args, needs, attachments = message
        _held.use(needs, attachments)
        run_job(out, job_id, target, args)
    return 0
