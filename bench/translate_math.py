"""translate and math: seconds against the naive peer in the same run, and the answers' quality.

    .venv/bin/python -m bench.translate_math [--quick] [--runs N] [--write]

Targets (issue 14): a product label or a sign ≤ 20 s, an A4 page ≤ 60 s, a photographed math problem
≤ 20 s. doc-assistant: assistant.tasks.translate.translate and assistant.tasks.ask.ask on pages rendered
here (read into the result cache first, as the chat reads a document when it is dropped in). The peer:
../shared/eval/peer_cli.py's do_translate and do_ask on the same OCR lines, with its model loaded once.
Quality beside the time: Chinese characters left in an English translation (brands aside), and whether the
math answer is right.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import Section, cli, ratio_spread, ratios, runs_for, s_spread, table

LABEL = ["晨光牌 苹果汁饮料", "配料：水、浓缩苹果汁、白砂糖、柠檬酸", "净含量：330毫升", "保质期：12个月",
         "生产日期：见瓶盖", "产地：山东省烟台市", "执行标准：GB/T 31121"]  # fmt: skip
A4 = [
    "用户须知", "一、本产品适用于家庭和办公室使用。", "二、使用前请仔细阅读本说明书并妥善保管。",
    "三、请勿将产品放置在潮湿或高温的环境中。", "四、清洁时请先切断电源，用干布擦拭。",
    "五、儿童须在成人监护下使用。",
    "六、如发现异常声音或气味，请立即停止使用。", "七、请勿自行拆卸或维修，应联系授权服务中心。",
    "八、产品保修期为一年，自购买之日起计算。", "九、保修范围不包括人为损坏和不当使用造成的故障。",
    "十、废弃产品请按当地规定进行回收处理。", "客服电话：400-800-1234", "生产商：杭州明达电器有限公司",
    "地址：浙江省杭州市余杭区文一西路100号",
]  # fmt: skip
MATH = ["A rectangle is 3 cm longer than it is wide.", "Its perimeter is 26 cm. Find its width in cm."]


def run(quick: bool = False, runs: int | None = None) -> Section:
    from assistant.documents.ingest import load_document
    from assistant.settings import Settings
    from assistant.tasks.ask import ask
    from assistant.tasks.read import read_documents
    from assistant.tasks.translate import translate
    from tests import fixtures as fx
    from tests.photos import photographed

    from . import llm_peer

    runs = runs_for(quick, runs, full=2, fast=1)
    section = Section("translate", "translate and math: seconds against the naive peer", runs=runs)
    backend = llm_peer.backend()
    jobs = [("product label", fx.text_lines_page(LABEL).image, "translate"),
            ("photographed word problem", photographed(fx.text_lines_page(MATH).image), "math")]  # fmt: skip
    if not quick:
        jobs.insert(1, ("A4 page of instructions", _a4(), "translate"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-translate-") as tmp:
        settings = Settings(cache_dir=Path(tmp))
        peer, peer_args = _peer()
        for label, image, kind in jobs:
            data = fx.encode(image, "PNG")
            doc = load_document(data, f"{kind}.png", settings)
            read_documents([doc], settings=settings)
            lines = _peer_lines(peer, peer_args, data, Path(tmp))
            ours_s, peer_s, ours_ok, peer_ok = [], [], [], []
            for _ in range(runs):
                started = time.perf_counter()
                if kind == "translate":
                    text = translate([doc], "en", backend, settings, Path(tmp) / "out").text
                else:
                    text = ask([doc], "Solve the word problem.", backend, settings).text
                ours_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                reply = (peer.do_translate(lines, "en", peer_args) if kind == "translate"
                         else peer.do_ask(lines, "Solve the word problem.", peer_args))["text"]  # fmt: skip
                peer_s.append(time.perf_counter() - started)
                ours_ok.append(_good(kind, text))
                peer_ok.append(_good(kind, reply))
            rows.append([label, s_spread(ours_s), s_spread(peer_s), ratio_spread(ratios(ours_s, peer_s)),
                         f"{sum(ours_ok)}/{runs}", f"{sum(peer_ok)}/{runs}"])  # fmt: skip
    section.lines = [
        "Seconds, median (range); the page already read. Good: an English translation with no Chinese left "
        "but the brand and the standard number kept; a math answer with the right width (5 cm).",
        "",
        *table(["page", "ours s", "peer s", "ours ÷ peer", "ours good", "peer good"], rows),
    ]
    section.headline = ["translate and math: " + "; ".join(f"{r[0]} {r[1]} s ({r[4]} good)" for r in rows)]
    return section


def _good(kind: str, text: str) -> bool:
    if kind == "math":
        first = (text.strip().splitlines() or [""])[0]
        return bool(re.search(r"(?<![\d.])5(?:\.0+)?(?![\d.])", first))
    left = set(re.findall(r"[\u4e00-\u9fff]+", text)) - {"晨光", "晨光牌"}
    return not left and ("31121" in text or "400-800-1234" in text)


def _a4():
    from tests import fixtures as fx

    canvas = fx.Canvas(1654, 2339)  # A4 at 200 dpi
    for i, line in enumerate(A4):
        canvas.text((120, 150 + i * 120), line, fx.cjk(40))
    return canvas.page.image


def _peer() -> tuple[Any, argparse.Namespace]:
    from assistant.backends.local import model_path
    from assistant.settings import Settings

    from .common import peer_cli

    module = peer_cli()
    args = argparse.Namespace(engine="rapidocr", lang=None, psm=6, dpi=200, model=str(model_path(Settings())))
    llm = module.LLM(args.model)
    module.LLM = lambda path, n_ctx=4096: llm  # loaded once, as ours is
    return module, args


def _peer_lines(module: Any, args: argparse.Namespace, data: bytes, folder: Path) -> list[dict]:
    path = folder / f"peer-{len(data)}.png"
    path.write_bytes(data)
    return module.read_document(str(path), args)[0]


def main(argv: list[str] | None = None) -> int:
    return cli(__doc__.splitlines()[0], run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
