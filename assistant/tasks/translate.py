"""The translate task: every text block translated in reading order, and the page re-rendered with the
translations drawn into the original boxes, so the layout is kept.

A backend that sees images is shown the page (HunyuanOCR reads and translates it in one pass); the others
get the blocks as a numbered list, in batches. Where the reply has one line per block, each translation goes
into its block's box; otherwise the whole translation is drawn over the text's area.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

from .. import prompts
from ..answer import Answer
from ..backends.base import Backend
from ..documents.model import Box, Document, Page
from ..documents.render import render_translation
from ..errors import ArgumentError
from ..languages import LANGUAGE_NAMES, language_name
from ..settings import Settings
from .read import elapsed_ms, read_pages
from .replies import in_parallel, reply_text
from .request import Progress

BATCH_BLOCKS = 16  # blocks per model call: enough context for consistent terms, short enough to stay fast
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)、:：]\s*")


def translate(
    documents: Sequence[Document],
    target: str,
    backend: Backend,
    settings: Settings,
    out_dir: Path,
    pages: str | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
) -> Answer:
    started = time.perf_counter()
    target = target.lower()
    if target not in LANGUAGE_NAMES:
        raise ArgumentError(
            f"unknown target language {target!r}: use one of {', '.join(sorted(LANGUAGE_NAMES))}"
        )
    read = read_pages(documents, pages, lang, settings, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    translated = in_parallel(
        lambda item: translate_page(item[1], target, backend), read.pages, backend.max_parallel
    )
    texts, images = [], []
    for (name, page), blocks in zip(read.pages, translated, strict=True):
        texts.append("\n".join(text for _, text in blocks))
        if blocks:
            images.append(str(_render(name, page, blocks, target, backend, out_dir)))
    answer = Answer(
        task="translate",
        text="\n\n".join(t for t in texts if t),
        citations=read.citations(),
        notes=read.notes,
        cached=False,
        elapsed_ms=elapsed_ms(started),
    )
    answer.extra["images"] = images
    return answer


def translate_page(page: Page, target: str, backend: Backend) -> list[tuple[Box, str]]:
    """The page's translations with the boxes they are drawn in."""
    regions = page.regions
    if not regions:
        return []
    size = len(regions) if backend.sees_images else BATCH_BLOCKS  # the image is the whole page: one request
    images = [page.load_image()] if backend.sees_images else []
    blocks: list[tuple[Box, str]] = []
    for start in range(0, len(regions), size):
        batch = regions[start : start + size]
        lines = translate_blocks([r.text for r in batch], target, backend, images)
        if len(lines) == len(batch):  # line for line: each translation in its own box
            blocks.extend((region.box, line) for region, line in zip(batch, lines, strict=True))
        elif lines:  # otherwise the whole translation over the text's area
            boxes = [region.box for region in batch]
            area = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            blocks.append((area, "\n".join(lines)))
    return blocks


def translate_blocks(blocks: list[str], target: str, backend: Backend, images: Sequence = ()) -> list[str]:
    """The translation of a batch of blocks: one line per block where the reply keeps the count."""
    profile = backend.profile
    # Instructions in Chinese when translating into Chinese (the prompt has a zh variant), else English.
    variant = profile.prompt_variant("zh" if target.startswith("zh") else "en")
    numbered = "\n".join(f"{i}. {text}" for i, text in enumerate(blocks, 1))
    messages = prompts.messages(
        "translate", variant, profile.name, blocks=numbered, target=language_name(target, variant)
    )
    schema = {
        "type": "object",
        "properties": {
            "translations": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": len(blocks),
                "maxItems": len(blocks),
            }
        },
        "required": ["translations"],
    }
    # Room for the translation; a model that reads the image writes the text it read out first.
    budget = (48 + 3 * sum(len(text) for text in blocks)) * (2 if images else 1)
    reply = reply_text(backend.generate(messages, images=images, json_schema=schema, max_tokens=budget))
    return translation_lines(reply)


def translation_lines(reply: str) -> list[str]:
    """The translations in a reply: a JSON {"translations": [...]}, or its lines with any numbering cut."""
    try:
        value = json.loads(reply)
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict) and isinstance(value.get("translations"), list):
        return [str(t).strip() for t in value["translations"]]
    return [_NUMBERED.sub("", line).strip() for line in reply.splitlines() if line.strip()]


def _render(
    name: str, page: Page, blocks: list[tuple[Box, str]], target: str, backend: Backend, out_dir: Path
) -> Path:
    image = render_translation(page.load_image(), blocks, target)
    key = hashlib.sha256(f"{page.content_key}:{target}:{backend.identity}".encode()).hexdigest()[:12]
    path = out_dir / f"{Path(name).stem}-p{page.number}-{target}-{key}.png"
    image.save(path)
    return path
