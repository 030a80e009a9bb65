"""The extract task: named fields as JSON, each value checked by kind and grounded to its region.

The page's layout answers first (`layout_reading`: the VAT invoice schema, the receipt rules, the value
beside each field's label), and each of those values is cited on the regions it was read from. The model is
asked only for the fields the layout leaves open: it sees the document's text (and, on a backend that sees
images, each page's image, a page per request); where its backend honours a JSON schema the reply always
parses, otherwise the JSON is found in it. A model's value that cannot be found on the page is dropped to
null (it was invented); a value that fails its checksum is replaced by the one checksum-valid candidate on
the page, or dropped. Line items (invoices, receipts) come with the answer as `items`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from .. import prompts
from ..answer import Answer, Citation
from ..backends.base import Backend
from ..documents.model import Document
from ..languages import language_of
from ..settings import Settings
from .fields import wants_every_field
from .grounding import Located, locate, locate_same_date, located_regions
from .layout_reading import Found, LayoutReading, read_every_field, read_fields, text_near_labels
from .read import ReadPages, elapsed_ms, page_text, read_pages
from .replies import in_parallel, json_object, reply_text
from .request import Progress
from .validators import Kind, candidates, check_value, kind_of, parse_amount, parse_date

MAX_TEXT_TOKENS = 1400  # document text in the prompt; a receipt or an invoice page fits


def schema_for(fields: Sequence[str]) -> dict:
    return {
        "type": "object",
        "properties": {f: {"type": ["string", "null"]} for f in fields},
        "required": list(fields),
        "additionalProperties": False,
    }


@dataclass
class _Evidence:
    """What one request shows the model: text, and page images where the backend sees them."""

    text: str
    images: tuple[Image.Image, ...] = ()


def extract(
    documents: Sequence[Document],
    fields: Sequence[str],
    backend: Backend,
    settings: Settings,
    pages: str | None = None,
    lang: str | None = None,
    normalize_dates: bool = False,
    progress: Progress | None = None,
) -> Answer:
    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, progress=progress)
    located = located_regions(read.pages)
    text = read.text()
    notes = list(read.notes)
    if wants_every_field(list(fields)):
        layout = read_every_field(read.pages)
        fields = list(layout.values)
        if not fields:
            notes.append("no label/value pairs found on the pages")
    else:
        layout = read_fields(read.pages, fields)
    notes.extend(layout.notes)
    values: dict[str, str | None] = dict.fromkeys(fields)
    open_fields = [f for f in fields if f not in layout.values and not _only_candidate(f, text)]
    if open_fields and text.strip():
        replies = in_parallel(
            lambda evidence: _model_values(evidence, open_fields, backend),
            _evidence(read, backend, open_fields),
            backend.max_parallel,
        )
        for reply in replies:  # the first request (page) that gives a field wins
            for name in open_fields:
                if values[name] is None:
                    values[name] = _clean(reply.get(name))
    elif not text.strip():
        notes.append("no text on the pages: every field is null")
    citations, field_citations = verify_fields(values, text, located, notes, normalize_dates, layout.values)
    answer = Answer(
        task="extract",
        text=json.dumps(values, ensure_ascii=False, indent=2),
        citations=citations,
        notes=notes,
        cached=False,
        elapsed_ms=elapsed_ms(started),
    )
    answer.extra["fields"] = values
    answer.extra["field_citations"] = field_citations
    answer.extra["items"], answer.extra["item_citations"] = _items(layout, citations)
    return answer


def _only_candidate(field: str, text: str) -> bool:
    """A checksummed kind (tax ID, ID number) with one valid value on the page needs no model."""
    return len(candidates(kind_of(field), text)) == 1


def _items(layout: LayoutReading, citations: list[Citation]) -> tuple[list[dict], list[list[int]]]:
    """The line items, each with the positions in `citations` of the row it was read from."""
    positions = []
    for index, _ in enumerate(layout.items):
        if index >= len(layout.item_sources):
            positions.append([])
            continue
        source = layout.item_sources[index]
        cited = [Citation(source.file, source.page.number, r, source.page.size) for r in source.value.regions]
        positions.append(list(range(len(citations), len(citations) + len(cited))))
        citations.extend(cited)
    return [dict(item) for item in layout.items], positions


def _evidence(read: ReadPages, backend: Backend, fields: Sequence[str]) -> list[_Evidence]:
    """A request per page image when the backend sees them; else one request with the rows around the
    fields' labels, or the whole (clipped) text when a field has no label on the page."""
    if backend.sees_images:
        return [_Evidence(page_text(page.regions), (page.load_image(),)) for _, page in read.pages]
    return [_Evidence(text_near_labels(read.pages, fields) or _clip(read.text(), backend))]


def _model_values(evidence: _Evidence, fields: Sequence[str], backend: Backend) -> dict[str, object]:
    profile = backend.profile
    variant = profile.prompt_variant(language_of("".join(fields)))
    messages = prompts.messages(
        "extract",
        variant,
        profile.name,
        text=evidence.text,
        fields=_describe(fields, variant, profile.name),
        field_list=str(list(fields)),
    )
    reply = reply_text(
        backend.generate(
            messages,
            images=evidence.images,
            json_schema=schema_for(fields),
            max_tokens=64 + 48 * len(fields),
        )
    )
    return json_object(reply)


def verify_fields(
    values: dict[str, str | None],
    text: str,
    located: list[Located],
    notes: list[str],
    normalize_dates: bool = False,
    from_layout: dict[str, Found] | None = None,
) -> tuple[list[Citation], dict[str, list[int]]]:
    """Check and locate every value in place (dropped to None where it fails); the citations, and each
    field's positions in them. A value read from the layout is cited on the regions it was read from.
    Why a value changed goes into `notes`."""
    citations: list[Citation] = []
    field_citations: dict[str, list[int]] = {}
    for name, raw in values.items():
        found = (from_layout or {}).get(name)
        if found is not None:
            value, cited, note = verify_read_value(name, found, text, located, normalize_dates)
        else:
            value, cited, note = verify_field(name, raw, text, located, normalize_dates)
        values[name] = value
        field_citations[name] = list(range(len(citations), len(citations) + len(cited)))
        citations.extend(cited)
        if note:
            notes.append(f"{name}: {note}")
    return citations, field_citations


def verify_field(
    field: str, value: str | None, text: str, located: list[Located], normalize_dates: bool = False
) -> tuple[str | None, list[Citation], str]:
    """Check a value by its field's kind and find it on the page; (value, citations, note)."""
    value, cited, note = _verify(field, value, text, located)
    if normalize_dates and value and kind_of(field) is Kind.DATE and (parsed := parse_date(value)):
        value = parsed.isoformat()
    return value, cited, note


def verify_read_value(
    field: str, found: Found, text: str, located: list[Located], normalize_dates: bool = False
) -> tuple[str | None, list[Citation], str]:
    """A value read from the layout: checked by kind like any other, and cited on its own regions. A
    checksum that fails means a misread code, which is re-derived or dropped; a date or an amount that
    does not parse stays as the page writes it beside its label ("Dates: March 3rd, 4th & 5th"), noted."""
    value = found.value.text
    check = check_value(kind_of(field), value)
    note = ""
    if check.ok is False and kind_of(field) in (Kind.TAX_ID, Kind.ID_NUMBER):
        return verify_field(field, value, text, located, normalize_dates)
    if check.ok is False:
        note = f"{check.note}; kept as written beside its label"
    if normalize_dates and kind_of(field) is Kind.DATE and (parsed := parse_date(value)):
        value = parsed.isoformat()
    page = found.page
    return value, [Citation(found.file, page.number, r, page.size) for r in found.value.regions], note


def _verify(
    field: str, value: str | None, text: str, located: list[Located]
) -> tuple[str | None, list[Citation], str]:
    """Check a value by its field's kind and find it on the page; (value, citations, note)."""
    kind = kind_of(field)
    note = ""
    if value is not None and check_value(kind, value).ok is False:
        found = candidates(kind, text)
        if len(found) == 1:
            note = f"{check_value(kind, value).note}; replaced by {found[0]}, the one valid value on the page"
            value = found[0]
        else:
            return None, [], f"{check_value(kind, value).note}; dropped"
    elif value is None and (found := candidates(kind, text)) and len(found) == 1:
        value, note = found[0], "not given by the model; the one checksum-valid value on the page"
    if value is None:
        return None, [], note
    cited = locate(value, located) or (locate_same_date(value, located) if kind is Kind.DATE else [])
    if not cited:
        return None, [], f"{value!r} is not on the page; dropped rather than invented"
    if kind is Kind.AMOUNT:
        value = _amount_as_written(value, cited) or value
    return value, cited, note


_WRITTEN_AMOUNT = re.compile(r"[¥$€£￥]?\s*\d[\d,]*(?:\.\d+)?")


def _amount_as_written(value: str, cited: list[Citation]) -> str | None:
    """The amount as the page writes it (¥1,280.00), where the model normalised it (1280.00)."""
    wanted = parse_amount(value)
    for citation in cited:
        for match in _WRITTEN_AMOUNT.finditer(citation.region.text):
            if parse_amount(match.group()) == wanted:
                return match.group().replace("￥", "¥").strip()
    return None


def _describe(fields: Sequence[str], lang: str, profile: str) -> str:
    """Field names, each with a hint of its kind where one is recognised: '税号 (18位纳税人识别号…)'."""
    hints = prompts.hints("extract", lang, profile)
    parts = []
    for field in fields:
        hint = hints.get(kind_of(field).value)
        parts.append(f"{field} ({hint})" if hint else field)
    return ", ".join(parts)


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text if text and text.lower() not in ("null", "none", "n/a") else None


def _clip(text: str, backend: Backend) -> str:
    if backend.count_tokens(text) <= MAX_TEXT_TOKENS:
        return text
    # Keep the head of the document, where headers, parties and totals of invoices usually are.
    lines, kept = text.splitlines(), []
    budget = MAX_TEXT_TOKENS
    for line in lines:
        cost = backend.count_tokens(line) + 1
        if cost > budget:
            break
        kept.append(line)
        budget -= cost
    return "\n".join(kept)
