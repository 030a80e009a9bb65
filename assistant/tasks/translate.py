"""The translate task: every text block translated in reading order, and the page re-rendered with the
translations drawn into the original boxes, so the layout is kept.

The blocks go to the model as numbered lines and come back as numbered lines, streamed as they are written
(no JSON grammar: it costs seconds a token here). Label vocabulary from the glossary goes along where the
text uses it. A line that comes back missing, still in the source script, without a number of the source,
or as the line before's sentence word for word is translated again on its own. A backend that sees images
is shown the page (HunyuanOCR reads and translates it in one pass); where its reply has one line per block,
each translation goes into its block's box, otherwise the whole translation is drawn over the text's area.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .. import prompts
from ..answer import Answer
from ..backends.base import Backend
from ..documents.model import Box, Document, Page, Region, union_box
from ..documents.render import render_translation
from ..errors import ArgumentError
from ..languages import LANGUAGE_NAMES, foreign_script, language_name, text_language
from ..settings import Settings
from .read import elapsed_ms, read_pages, same_row
from .replies import in_parallel, reply_text, system_prompt
from .request import Progress, TokenSink

BATCH_BLOCKS = 16  # blocks per model call: enough context for consistent terms, short enough to stay fast
MAX_AGAIN = 8  # lines translated again on their own, per page at most
_NUMBERED = re.compile(r"^\s*(\d{1,3})\s*[.)、:：]\s*(.*)$")
_DIGITS = re.compile(r"\d+(?:[.,:/-]\d+)*")


def translate(
    documents: Sequence[Document],
    target: str,
    backend: Backend,
    settings: Settings,
    out_dir: Path,
    pages: str | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
    on_token: TokenSink | None = None,
) -> Answer:
    started = time.perf_counter()
    target = target.lower()
    if target not in LANGUAGE_NAMES:
        raise ArgumentError(
            f"unknown target language {target!r}: use one of {', '.join(sorted(LANGUAGE_NAMES))}"
        )
    read = read_pages(documents, pages, lang, settings, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    notes = list(read.notes)
    translated = in_parallel(
        lambda item: translate_page(item[1], target, backend, notes, on_token),
        read.pages,
        backend.max_parallel,
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
        notes=notes,
        cached=False,
        elapsed_ms=elapsed_ms(started),
    )
    answer.extra["images"] = images
    return answer


def translate_page(
    page: Page, target: str, backend: Backend, notes: list[str], on_token: TokenSink | None = None
) -> list[tuple[Box, str]]:
    """The page's translations with the boxes they are drawn in."""
    regions = page.regions
    if not regions:
        return []
    if backend.sees_images:  # the image is the whole page: one request
        lines = translate_blocks(
            [r.text for r in regions], target, backend, [page.load_image()], notes, on_token
        )
        return _placed([[region] for region in regions], lines)

    def one_a_line(lost: list[Region]) -> list[str]:
        return translate_blocks([region.text for region in lost], target, backend, (), notes, on_token)

    blocks: list[tuple[Box, str]] = []
    for batch in _batches(_rows_of_words(regions)):
        texts = [SEPARATOR.join(region.text for region in unit) for unit in batch]
        lines = translate_blocks(texts, target, backend, (), notes, on_token)
        blocks.extend(_placed(batch, lines, again=one_a_line))
    return blocks


ROW_WORD_CHARS = 12  # a block this short (a word, a price) shares a line of the prompt with its row
ROW_WORDS = 6
SEPARATOR = " | "


def _rows_of_words(regions: Sequence[Region]) -> list[list[Region]]:
    """The blocks as the model is given them: a row of short blocks (a poster's words, a menu's dishes
    and prices) as one line, the blocks apart by " | ". A line's number and its break cost the model as
    many tokens to write as a one-word translation; on a poster of 56 words, most of its reply."""
    units: list[list[Region]] = []
    for region in regions:
        last = units[-1] if units else None
        if (
            last is not None
            and len(last) < ROW_WORDS
            and _word(region)
            and _word(last[-1])
            and same_row(last[-1], region)
        ):
            last.append(region)
        else:
            units.append([region])
    return units


def _word(region: Region) -> bool:
    return len(region.text) <= ROW_WORD_CHARS and "|" not in region.text


def _batches(units: list[list[Region]]) -> list[list[list[Region]]]:
    """Units in model calls of about BATCH_BLOCKS blocks each."""
    batches: list[list[list[Region]]] = [[]]
    for unit in units:
        if batches[-1] and sum(map(len, batches[-1])) + len(unit) > BATCH_BLOCKS:
            batches.append([])
        batches[-1].append(unit)
    return batches


def _placed(
    units: list[list[Region]],
    lines: list[str],
    again: Callable[[list[Region]], list[str]] | None = None,
) -> list[tuple[Box, str]]:
    """Each translation in its block's box. A row's line goes back into its blocks' boxes where it keeps
    their count of pieces. The blocks of the rows that lost a piece (the model merged or dropped one) are
    translated `again`, a line a block, in one call for the batch; failing that, the row's line is drawn
    over the row. A reply that lost the count of lines goes over all the text."""
    if len(lines) != len(units):
        return [(union_box(r.box for unit in units for r in unit), "\n".join(lines))] if lines else []
    split = [_pieces(unit, line) for unit, line in zip(units, lines, strict=True)]
    lost = [region for unit, pieces in zip(units, split, strict=True) if pieces is None for region in unit]
    retried = again(lost) if lost and again is not None else []
    left = iter(retried) if lost and len(retried) == len(lost) else None
    placed: list[tuple[Box, str]] = []
    for unit, line, pieces in zip(units, lines, split, strict=True):
        if pieces is None and left is not None:
            pieces = [next(left) for _ in unit]
        if pieces is None:
            whole = " ".join(line.replace("|", " ").split())
            placed.append((union_box(region.box for region in unit), whole))
        else:
            placed.extend((region.box, piece) for region, piece in zip(unit, pieces, strict=True))
    return placed


def _pieces(unit: list[Region], line: str) -> list[str] | None:
    """A row's line split back into its blocks' translations; None where the count of pieces is off."""
    if len(unit) == 1:
        return [line]
    pieces = [piece.strip() for piece in line.split("|")]
    return pieces if len(pieces) == len(unit) else None


def translate_blocks(
    blocks: list[str],
    target: str,
    backend: Backend,
    images: Sequence = (),
    notes: list[str] | None = None,
    on_token: TokenSink | None = None,
) -> list[str]:
    """The translation of a batch of blocks, one per block (unless the reply lost the count)."""
    profile = backend.profile
    # Instructions in Chinese when translating into Chinese (the prompt has a zh variant), else English.
    variant = profile.prompt_variant("zh" if target.startswith("zh") else "en")
    name = language_name(target, variant)
    parts = prompts.parts("translate", variant, profile.name)
    terms = glossary_terms(blocks, target, profile.name)
    numbered = "\n".join(f"{i}. {text}" for i, text in enumerate(blocks, 1))
    messages = prompts.messages(
        "translate", variant, profile.name, blocks=numbered, target=name,
        terms=parts["terms"].format(terms=terms) if terms else "",
    )  # fmt: skip
    # Room for the translation; a model that reads the image writes the text it read out first.
    budget = (48 + 3 * sum(len(text) for text in blocks)) * (2 if images else 1)
    pieces = backend.generate(
        messages, images=images, max_tokens=budget, keep_prefix=None if images else system_prompt(messages)
    )
    reply = _streamed_lines(pieces, on_token, len(blocks))
    by_number = numbered_lines(reply, len(blocks))
    if by_number is None:  # not numbered (a vision model's own format): its lines as they are
        return [line.strip() for line in reply.splitlines() if line.strip()]
    again = [
        i
        for i, text in enumerate(blocks)
        if not _complete(text, by_number.get(i), target) or _copied(blocks, by_number, i)
    ][:MAX_AGAIN]
    for i in again:
        message = [{"role": "user", "content": parts["again"].format(target=name, block=blocks[i])}]
        retried = reply_text(backend.generate(message, max_tokens=48 + 3 * len(blocks[i])))
        retried = retried.splitlines()[0].strip() if retried else ""
        if retried and (_complete(blocks[i], retried, target) or i not in by_number):
            by_number[i] = retried
    left = [i + 1 for i, text in enumerate(blocks) if not _complete(text, by_number.get(i), target)]
    if notes is not None and left:
        notes.append(f"line(s) {', '.join(map(str, left))}: the translation keeps words of the original")
    return [by_number.get(i, text) for i, text in enumerate(blocks)]


def numbered_lines(reply: str, count: int) -> dict[int, str] | None:
    """Translations by block index from "1. ..." lines; None when the reply is not numbered at all."""
    found: dict[int, str] = {}
    for line in reply.splitlines():
        match = _NUMBERED.match(line)
        if match and 1 <= (number := int(match.group(1))) <= count and number - 1 not in found:
            found[number - 1] = match.group(2).strip()
    return found or None


def glossary_terms(blocks: Sequence[str], target: str, profile: str) -> str:
    """ "保质期 = shelf life; 配料 = ingredients": the label terms the blocks use, in the target's wording."""
    text = "\n".join(blocks)
    source = text_language(text)
    key = target.split("-")[0]
    table = prompts.glossary(profile).get(source, {})
    low = text.casefold()
    return "; ".join(
        f"{term} = {words[key]}" for term, words in table.items() if key in words and term.casefold() in low
    )


COPIED_CHARS = 12  # a translation this long is a sentence: two different lines do not share it


def _copied(blocks: Sequence[str], by_number: dict[int, str], i: int) -> bool:
    """Whether line i's translation is the line before's word for word while their sources differ: a small
    model carries a sentence on (one line's translation given again for the next two)."""
    here, before = by_number.get(i), by_number.get(i - 1)
    return (
        here is not None
        and len(here) >= COPIED_CHARS
        and here == before
        and blocks[i].strip() != blocks[i - 1].strip()
    )


def _complete(source: str, translation: str | None, target: str) -> bool:
    """A translation that keeps no source script and every number of the source."""
    if translation is None or not translation.strip():
        return not source.strip()
    left = foreign_script(translation, target)
    if left and len(left) >= max(2, len(foreign_script(source, target)) // 4):
        return False
    squeezed = translation.replace(" ", "")
    return all(number in squeezed for number in _DIGITS.findall(source.replace(" ", "")))


def _streamed_lines(pieces: Iterable[str], on_token: TokenSink | None, count: int) -> str:
    """The whole reply; each finished line goes to `on_token` without its number as soon as it is written.

    The reply stops at its last block's line (what a model writes after it was not asked for) and at a line
    that repeats the two before it (a loop that numbers each copy, which the backends' guard cannot see)."""
    text, shown, seen = "", 0, []
    try:
        for piece in pieces:
            text += piece
            while (end := text.find("\n", shown)) >= 0:
                line, shown = text[shown:end], end + 1
                if on_token:
                    _show_line(line, on_token)
                if _last_line(line, count, seen):
                    return reply_text([text[:shown]])
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
    if on_token and text[shown:].strip():
        _show_line(text[shown:], on_token)
    return reply_text([text])


def _last_line(line: str, count: int, seen: list[str]) -> bool:
    match = _NUMBERED.match(line)
    if not match:
        return False
    body = match.group(2).strip()
    looping = len(seen) >= 2 and seen[-1] == seen[-2] == body
    seen.append(body)
    return int(match.group(1)) >= count or looping


def _show_line(line: str, on_token: TokenSink) -> None:
    match = _NUMBERED.match(line)
    if line.strip():
        on_token((match.group(2) if match else line).strip() + "\n")


def _render(
    name: str, page: Page, blocks: list[tuple[Box, str]], target: str, backend: Backend, out_dir: Path
) -> Path:
    image = render_translation(page.load_image(), blocks, target)
    key = hashlib.sha256(f"{page.content_key}:{target}:{backend.identity}".encode()).hexdigest()[:12]
    path = out_dir / f"{Path(name).stem}-p{page.number}-{target}-{key}.png"
    image.save(path)
    return path
