"""Soak: the API and the chat under a mixed load for minutes, every answer checked against its own request.

    nice -n 5 .venv/bin/python -m bench.soak [--minutes 10] [--clients 8] [--chats 2] [--quick] [--no-write]

Starts `doc-assistant api` and `doc-assistant ui` on loopback (embedded backend, fresh cache and data
folders, the API's rate limit raised so that the clients measure the server rather than throttling), then
for `--minutes` (`--quick`: 1):

  - `--clients` API clients post read, extract and ask (half reads, a quarter each of extract and ask),
    each on a document drawn for that request with an order number of its own;
  - `--chats` browser sessions (Debian's chromium through Playwright), each uploading such a document and
    asking for its order number, over and over;
  - /health of both servers polled every 200 ms, and their resident memory sampled every 5 s.

Each answer must hold its own request's order number (else: missing) and none issued to another request
(else: delivered to the wrong session); a request with no answer (an error status, a refused connection, a
time-out) is lost. Prints a markdown section and writes it into docs/benchmarks.md under "## Soak".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import re
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

from tests import fixtures as fx
from tests.api_server import start_api

from .api_load import BENCHMARKS, ROOT, ms, percentile, write_section
from .common import machine_line, table

HEADING = "## Soak"
MIX = {"read": 0.5, "extract": 0.25, "ask": 0.25}
HEALTH_EVERY_S = 0.2
RSS_EVERY_S = 5.0
NUMBER = re.compile(r"\d{8}")
ANSWER_TIMEOUT_S = 600.0
DESCRIPTION = (
    "`nice -n 5 .venv/bin/{command}` starts `doc-assistant api` and `doc-assistant ui` on loopback "
    "(embedded backend, fresh cache and data folders, the API's rate limit raised) and runs, for "
    "{minutes:g} min, {clients} API clients posting read (50%), extract (25%) and ask (25%) and {chats} "
    "browser chat sessions uploading a form and asking for its order number, again and again. Every "
    "request gets a document drawn for it with an order number of its own: an answer must hold that "
    "number (else it is *missing*: a reading or model error, or *stale*: an earlier number of the same "
    "session) and no number issued to another session (else it went to the *wrong session*); an error "
    "status (or the chat's error message) is an *error* answer, and a request with no answer at all (a "
    "refused or cut connection, no reply in 10 minutes) is *lost*. `/health` of both servers is polled "
    "every 200 ms, their resident memory sampled every 5 s."
)


@dataclass
class Outcome:
    who: str  # "api 3", "chat 1"
    task: str
    # "ok", "missing", "stale" (an earlier request's number of the same session), "wrong session",
    # "error" (an error answer), "lost" (no answer)
    verdict: str
    seconds: float
    detail: str = ""


@dataclass
class Ledger:
    """Every order number issued, by the request it was issued to; every outcome."""

    issued: dict[str, str] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    health: dict[str, list[float | None]] = field(default_factory=dict)  # seconds, None: no answer
    rss: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)  # (minute, MB, anon MB)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, owner: str, rng: random.Random) -> str:
        with self.lock:
            while (number := str(rng.randrange(10**7, 10**8))) in self.issued:
                pass
            self.issued[number] = owner
            return number

    def judge(self, who: str, task: str, number: str, answer: str, seconds: float) -> None:
        """ok when the answer holds `number`; wrong session when it holds a number issued to another
        session; stale when it holds one of this session's earlier numbers instead of its own."""
        with self.lock:
            others = {n: self.issued[n] for n in NUMBER.findall(answer) if n != number and n in self.issued}
        if any(owner != who for owner in others.values()):
            verdict = "wrong session"
        elif number in answer:
            verdict = "ok"
        else:
            verdict = "stale" if others else "missing"
        detail = ", ".join(f"{n} of {owner}" for n, owner in others.items()) or answer[:80]
        self.add(Outcome(who, task, verdict, seconds, detail))

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def order_form(number: str, amount: float) -> bytes:
    image = Image.new("RGB", (1000, 420), "white")
    draw = ImageDraw.Draw(image)
    draw.text((50, 40), "PURCHASE ORDER", font=fx.latin(44), fill="black")
    draw.text((50, 140), f"Order number {number}", font=fx.latin(40), fill="black")
    draw.text((50, 230), f"Amount {amount:.2f} EUR", font=fx.latin(40), fill="black")
    draw.text((50, 320), "Deliver to the north gate", font=fx.latin(32), fill="black")
    return fx.encode(image, "PNG")


def api_client(url: str, ledger: Ledger, index: int, deadline: float) -> None:
    rng = random.Random(index)
    who = f"api {index}"
    with httpx.Client(base_url=url, timeout=httpx.Timeout(ANSWER_TIMEOUT_S, connect=10.0)) as http:
        while time.monotonic() < deadline:
            task = rng.choices(list(MIX), list(MIX.values()))[0]
            number = ledger.issue(who, rng)
            data = {"task": task}
            if task == "extract":
                data["fields"] = "order number"
            elif task == "ask":
                data["question"] = "What is the order number?"
            # The same name every time: the number must come from the page, never from a file name.
            files = {"file": ("order.png", order_form(number, rng.randrange(100, 99999) / 100))}
            started = time.perf_counter()
            try:
                response = http.post("/v1/ocr", data=data, files=files)
            except httpx.HTTPError as exc:
                ledger.add(Outcome(who, task, "lost", time.perf_counter() - started, type(exc).__name__))
                continue
            seconds = time.perf_counter() - started
            if response.status_code != 200:
                detail = f"HTTP {response.status_code} {response.text[:120]}"
                ledger.add(Outcome(who, task, "error", seconds, detail))
                continue
            answer = response.json()
            text = answer["text"] + " " + " ".join(str(v) for v in (answer.get("fields") or {}).values())
            ledger.judge(who, task, number, text, seconds)


def chat_session(url: str, ledger: Ledger, index: int, deadline: float, folder: Path) -> None:
    """One person in the chat: a new order form, read; then its order number asked; again and again."""
    from tests.chat_browser import Chat, chromium, new_context

    rng = random.Random(1000 + index)
    who = f"chat {index}"
    with chromium() as browser:
        context = new_context(browser)
        chat = Chat(context.new_page(), url)
        while time.monotonic() < deadline:
            number = ledger.issue(who, rng)
            # A new path each time (the browser does not send a file input's same file again), the same name
            # (it is in the answer's header: the number must come from the page).
            path = folder / f"chat{index}" / number / "order.png"
            path.parent.mkdir(parents=True)
            path.write_bytes(order_form(number, rng.randrange(100, 99999) / 100))
            for task, message, attachments in [
                ("read", "/read", (path,)),
                ("ask", "What is the order number in the last file?", ()),
            ]:
                started = time.perf_counter()
                try:
                    chat.send(message, *attachments)
                    reply = chat.wait_for_reply(rf"^{task}.*\n.*\S", timeout=int(ANSWER_TIMEOUT_S * 1000))
                    reply.locator(".loading-cursor").wait_for(
                        state="detached", timeout=int(ANSWER_TIMEOUT_S * 1000)
                    )
                    text = reply.inner_text()
                except Exception as exc:  # an error message instead of an answer, or no answer in time
                    verdict = "error" if "⚠️" in str(exc) else "lost"
                    ledger.add(Outcome(who, task, verdict, time.perf_counter() - started, str(exc)[:160]))
                    continue
                ledger.judge(who, task, number, text, time.perf_counter() - started)
        context.close()


def health_poller(name: str, url: str, ledger: Ledger, stop: threading.Event) -> None:
    times = ledger.health.setdefault(name, [])
    with httpx.Client(timeout=30.0) as http:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                ok = http.get(url).status_code == 200
            except httpx.HTTPError:
                ok = False
            elapsed = time.perf_counter() - started
            times.append(elapsed if ok else None)
            stop.wait(max(0.0, HEALTH_EVERY_S - elapsed))


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory and its anonymous part (the heap; the rest is mapped files, such as the GGUF)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["RssAnon"].split()[0]) / 1024


def rss_sampler(pids: dict[str, int], ledger: Ledger, stop: threading.Event) -> None:
    started = time.monotonic()
    while not stop.is_set():
        minute = (time.monotonic() - started) / 60
        for name, pid in pids.items():
            with contextlib.suppress(OSError, ValueError):  # the process is gone: the run reports it
                ledger.rss.setdefault(name, []).append((minute, *rss_mb(pid)))
        stop.wait(RSS_EVERY_S)


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of MB over minutes."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")


def soak(minutes: float, clients: int, chats: int, tmp: Path) -> tuple[Ledger, float, dict[str, bool]]:
    env = {
        "DOC_ASSISTANT_CACHE_DIR": str(tmp / "cache"),
        "DOC_ASSISTANT_DATA_DIR": str(tmp / "data"),
        "DOC_ASSISTANT_RATE_PER_MINUTE": "1000000",
        "DOC_ASSISTANT_RATE_BURST": "100000",
    }
    from tests.api_server import server_env
    from tests.chat_browser import chat_process

    ledger = Ledger()
    api = start_api(env, log_dir=tmp)
    try:
        with chat_process(server_env(env), tmp / "chat.log") as (chat_url, chat_proc):
            stop = threading.Event()
            background = [
                threading.Thread(target=health_poller, args=("api", api.url + "/health", ledger, stop)),
                threading.Thread(target=health_poller, args=("chat", chat_url + "/health", ledger, stop)),
                threading.Thread(
                    target=rss_sampler, args=({"api": api.process.pid, "chat": chat_proc.pid}, ledger, stop)
                ),
            ]
            started = time.monotonic()
            deadline = started + minutes * 60
            workers = [
                threading.Thread(target=api_client, args=(api.url, ledger, i, deadline))
                for i in range(clients)
            ]
            workers += [
                threading.Thread(target=chat_session, args=(chat_url, ledger, i, deadline, tmp))
                for i in range(chats)
            ]
            for thread in background + workers:
                thread.daemon = True
                thread.start()
            for worker in workers:
                worker.join()
            stop.set()
            for thread in background:
                thread.join()
            elapsed = time.monotonic() - started
            alive = {"api": api.healthy(), "chat": chat_proc.poll() is None}
    finally:
        api.stop()
    return ledger, elapsed, alive


def report(ledger: Ledger, elapsed: float, alive: dict[str, bool], args: argparse.Namespace) -> str:
    verdicts = Counter(o.verdict for o in ledger.outcomes)
    command = f"python -m bench.soak --minutes {args.minutes:g} --clients {args.clients} --chats {args.chats}"
    rows = []
    for source in ("api", "chat"):
        for task in MIX:
            mine = [o for o in ledger.outcomes if o.who.startswith(source) and o.task == task]
            if not mine:
                continue
            counted = Counter(o.verdict for o in mine)
            times = [o.seconds for o in mine if o.verdict not in ("error", "lost")]
            rows.append(
                [source, task, str(len(mine)),
                 *(str(counted[v]) for v in ("ok", "missing", "stale", "wrong session", "error", "lost")),
                 ms(percentile(times, 50)), ms(percentile(times, 99))]
            )  # fmt: skip
    health_rows = []
    for name, samples in ledger.health.items():
        answered = [s for s in samples if s is not None]
        worst = max(answered, default=float("nan"))
        health_rows.append(
            [name, str(len(samples)), str(len(samples) - len(answered)),
             ms(percentile(answered, 50)), ms(percentile(answered, 99)), ms(worst)]
        )  # fmt: skip
    memory_rows = []
    for name, samples in ledger.rss.items():
        rss = [(minute, mb) for minute, mb, _ in samples]
        anon = [(minute, mb) for minute, _, mb in samples]
        late = [point for point in anon if point[0] >= elapsed / 120]
        peak = max(mb for _, mb in rss)
        memory_rows.append(
            [name, f"{rss[0][1]:,.0f} MB", f"{peak:,.0f} MB", f"{rss[-1][1]:,.0f} MB",
             f"{anon[-1][1]:,.0f} MB", f"{slope(rss):+.1f} MB/min", f"{slope(anon):+.1f} MB/min",
             f"{slope(late):+.1f} MB/min"]
        )  # fmt: skip
    alive_text = ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in alive.items())
    lines = [
        HEADING,
        "",
        DESCRIPTION.format(command=command, minutes=args.minutes, clients=args.clients, chats=args.chats),
        "",
        f"Latest run, {dt.date.today().isoformat()}, {elapsed / 60:.1f} min; {machine_line('at the end')}:",
        "",
        f"**{verdicts['lost']} lost answers, {verdicts['wrong session']} delivered to the wrong session**, "
        f"{verdicts['error']} error answers; {verdicts['ok']} of {len(ledger.outcomes)} holding their own "
        "order number; "
        f"servers alive at the end: {alive_text}.",
        "",
        *table(
            [
                "from",
                "task",
                "requests",
                "ok",
                "missing",
                "stale",
                "wrong session",
                "error",
                "lost",
                "p50",
                "p99",
            ],
            rows,
        ),
        "",
        *table(["/health of", "polls", "unanswered", "p50", "p99", "max"], health_rows),
        "",
        *table(
            [
                "process",
                "RSS at start",
                "peak",
                "at the end",
                "of it anonymous",
                "RSS slope",
                "anonymous slope",
                "anonymous slope, second half",
            ],
            memory_rows,
        ),
        "",
        "Slopes are least-squares fits over time. Resident memory includes mapped files (the 1.1 GB GGUF is",
        "mapped, and counts as it is touched); the anonymous part is the heap, where a leak would show. The",
        "second half leaves out the start, where the models and OCR engines load.",
        "",
    ]
    examples = [f"{o.verdict}: {o.who} {o.task}: {o.detail!r}" for o in ledger.outcomes if o.verdict != "ok"]
    if examples:
        lines += ["Requests that were not ok (the first 8): " + "; ".join(examples[:8]) + ".", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--chats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="one minute")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {BENCHMARKS.name} alone")
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes = 1.0
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        print(f"soak: {args.clients} API clients and {args.chats} chats for {args.minutes:g} min", flush=True)
        ledger, elapsed, alive = soak(args.minutes, args.clients, args.chats, Path(tmp))
    section = report(ledger, elapsed, alive, args)
    print(section)
    if not args.no_write:
        write_section(section, heading=HEADING)
        print(f"written to {BENCHMARKS.relative_to(ROOT)}")
    bad = Counter(o.verdict for o in ledger.outcomes)
    return 0 if all(alive.values()) and not bad["lost"] and not bad["wrong session"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
