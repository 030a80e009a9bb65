"""ask, extract and translate with the model-server backend: page images to the vision-language model.

The JSON is the embedded backend's: the same keys, and citations found the same way (answers grounded
against the page's regions, field values checked by kind and located, or dropped).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from ..answer import Answer, Citation
from ..backends.vision import get_vision_model, map_pages
from ..documents.model import Document
from ..documents.render import render_translation
from ..settings import Settings
from .ask import TokenSink
from .extract import verify_field
from .grounding import ground_answer, locate_same_date, located_regions
from .read import Progress, elapsed_ms, page_text, read_pages

MAX_ASK_PAGES = 4  # page images per question: more would overflow a small model's context


def ask(
    documents: Sequence[Document],
    question: str,
    settings: Settings,
    pages: str | None = None,
    lang: str | None = None,
    on_token: TokenSink | None = None,
    progress: Progress | None = None,
) -> Answer:
    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, progress=progress)
    notes = list(read.notes)
    chosen = read.pages
    if len(chosen) > MAX_ASK_PAGES:
        # The pages whose text shares the most words with the question go to the model.
        words = set(question.lower().split()) | set(question)
        chosen = sorted(chosen, key=lambda item: -len(words & set(page_text(item[1].regions).lower())))
        chosen = sorted(chosen[:MAX_ASK_PAGES], key=lambda item: read.pages.index(item))
        notes.append(f"the {MAX_ASK_PAGES} pages closest to the question were shown to the model")
    model = get_vision_model(settings)
    pieces = []
    for piece in model.stream_answer([page.load_image() for _, page in chosen], question):
        pieces.append(piece)
        if on_token:
            on_token(piece)
    text = "".join(pieces).strip()
    regions = located_regions(read.pages)
    citations = ground_answer(text, regions) or locate_same_date(text, regions)
    if not citations:
        notes.append("no part of the answer could be located on the pages, so nothing is cited")
    return Answer("ask", text, citations, notes, cached=False, elapsed_ms=elapsed_ms(started))


def extract(
    documents: Sequence[Document],
    fields: list[str],
    settings: Settings,
    pages: str | None = None,
    lang: str | None = None,
    normalize_dates: bool = False,
    progress: Progress | None = None,
) -> Answer:
    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, progress=progress)
    model = get_vision_model(settings)
    replies = map_pages(lambda item: model.extract(item[1].load_image(), fields), read.pages, settings)
    values: dict[str, str | None] = dict.fromkeys(fields)
    for reply in replies:  # the first page that gives a field wins
        for field in fields:
            if values[field] is None and reply.get(field) not in (None, ""):
                values[field] = str(reply[field]).strip()
    text = "\n\n".join(page_text(page.regions) for _, page in read.pages)
    located = located_regions(read.pages)
    notes = list(read.notes)
    citations: list[Citation] = []
    field_citations: dict[str, list[int]] = {}
    for field in fields:
        value, cited, note = verify_field(field, values[field], text, located, normalize_dates)
        values[field] = value
        field_citations[field] = list(range(len(citations), len(citations) + len(cited)))
        citations.extend(cited)
        if note:
            notes.append(f"{field}: {note}")
    answer = Answer(
        "extract",
        json.dumps(values, ensure_ascii=False, indent=2),
        citations,
        notes,
        cached=False,
        elapsed_ms=elapsed_ms(started),
    )
    answer.extra["fields"] = values
    answer.extra["field_citations"] = field_citations
    return answer


def translate(
    documents: Sequence[Document],
    target: str,
    settings: Settings,
    out_dir: Path,
    pages: str | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
) -> Answer:
    import hashlib

    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, progress=progress)
    model = get_vision_model(settings)
    texts = map_pages(lambda item: model.translate(item[1].load_image(), target), read.pages, settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    images = []
    for (name, page), translated in zip(read.pages, texts, strict=True):
        if not page.regions or not translated:
            continue
        lines = [line.strip() for line in translated.splitlines() if line.strip()]
        if len(lines) == len(page.regions):  # line for line: each translation in its own box
            blocks = [(region.box, line) for region, line in zip(page.regions, lines, strict=True)]
        else:  # otherwise the whole translation over the text's area
            boxes = [region.box for region in page.regions]
            area = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            blocks = [(area, "\n".join(lines))]
        key = hashlib.sha256(f"{page.content_key}:{target}:{model.identity}".encode()).hexdigest()[:12]
        path = out_dir / f"{Path(name).stem}-p{page.number}-{target}-{key}.png"
        render_translation(page.load_image(), blocks, target).save(path)
        images.append(str(path))
    answer = Answer(
        "translate",
        "\n\n".join(t for t in texts if t),
        read.citations(),
        read.notes,
        cached=False,
        elapsed_ms=elapsed_ms(started),
    )
    answer.extra["images"] = images
    return answer
