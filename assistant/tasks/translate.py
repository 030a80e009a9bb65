"""The translate task: every text block translated in reading order, and the page re-rendered with the
translations drawn into the original boxes, so the layout is kept.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path

from .. import prompts
from ..answer import Answer
from ..documents.model import Document, Page
from ..documents.render import render_translation
from ..errors import ArgumentError
from ..llm.local import LocalLLM
from ..settings import Settings
from .read import Progress, elapsed_ms, read_pages

LANGUAGE_NAMES = {
    "en": "English", "zh": "Simplified Chinese", "zh-hans": "Simplified Chinese",
    "zh-hant": "Traditional Chinese", "zh-tw": "Traditional Chinese", "ja": "Japanese", "ko": "Korean",
    "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "ru": "Russian",
    "ar": "Arabic", "hi": "Hindi", "vi": "Vietnamese", "th": "Thai", "nl": "Dutch", "pl": "Polish",
    "tr": "Turkish", "el": "Greek", "uk": "Ukrainian", "id": "Indonesian",
}  # fmt: skip
BATCH_BLOCKS = 16  # blocks per model call: enough context for consistent terms, short enough to stay fast


def translate(
    documents: Sequence[Document],
    target: str,
    llm: LocalLLM,
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
    texts, images = [], []
    for name, page in read.pages:
        translations = translate_blocks([r.text for r in page.regions], target, llm)
        texts.append("\n".join(translations))
        if page.regions:
            images.append(str(_render(name, page, translations, target, out_dir)))
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


def translate_blocks(blocks: list[str], target: str, llm: LocalLLM) -> list[str]:
    """One translation per block, in order (the JSON schema fixes the count)."""
    out: list[str] = []
    for start in range(0, len(blocks), BATCH_BLOCKS):
        batch = blocks[start : start + BATCH_BLOCKS]
        # Instructions in Chinese when translating into Chinese (the prompt has a zh variant), else English.
        variant = "zh" if target.startswith("zh") else "en"
        numbered = "\n".join(f"{i}. {text}" for i, text in enumerate(batch, 1))
        messages = prompts.messages("translate", variant, blocks=numbered, target=LANGUAGE_NAMES[target])
        schema = {
            "type": "object",
            "properties": {
                "translations": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": len(batch),
                    "maxItems": len(batch),
                }
            },
            "required": ["translations"],
        }
        budget = 48 + 3 * sum(len(text) for text in batch)
        reply = json.loads(llm.complete(messages, max_tokens=budget, json_schema=schema))
        out.extend(str(t).strip() for t in reply["translations"])
    return out


def _render(name: str, page: Page, translations: list[str], target: str, out_dir: Path) -> Path:
    blocks = [(region.box, text) for region, text in zip(page.regions, translations, strict=True)]
    image = render_translation(page.load_image(), blocks, target)
    key = hashlib.sha256(f"{page.content_key}:{target}".encode()).hexdigest()[:12]
    path = out_dir / f"{Path(name).stem}-p{page.number}-{target}-{key}.png"
    image.save(path)
    return path
