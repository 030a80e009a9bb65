"""The extract task: named fields as JSON, each value checked by kind and grounded to its region.

The model's reply is constrained by a JSON schema, so it always parses. A value that cannot be found on
the page is dropped to null (it was invented); a value that fails its checksum is replaced by the one
checksum-valid candidate on the page, or dropped.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence

from .. import prompts
from ..answer import Answer, Citation
from ..documents.model import Document
from ..llm.local import LocalLLM
from ..settings import Settings
from .grounding import Located, locate, locate_same_date, located_regions
from .read import Progress, elapsed_ms, page_text, read_pages
from .validators import Kind, candidates, check_value, kind_of, parse_amount, parse_date

MAX_TEXT_TOKENS = 1400  # document text in the prompt; a receipt or an invoice page fits


def schema_for(fields: Sequence[str]) -> dict:
    return {
        "type": "object",
        "properties": {f: {"type": ["string", "null"]} for f in fields},
        "required": list(fields),
        "additionalProperties": False,
    }


def extract(
    documents: Sequence[Document],
    fields: Sequence[str],
    llm: LocalLLM,
    settings: Settings,
    pages: str | None = None,
    lang: str | None = None,
    normalize_dates: bool = False,
    progress: Progress | None = None,
) -> Answer:
    started = time.perf_counter()
    read = read_pages(documents, pages, lang, settings, progress=progress)
    located = located_regions(read.pages)
    text = _clip("\n\n".join(page_text(page.regions) for _, page in read.pages), llm)
    notes = list(read.notes)
    values: dict[str, str | None] = dict.fromkeys(fields)
    if text.strip():
        variant = prompts.language_of("".join(fields))
        messages = prompts.messages("extract", variant, text=text, fields=_describe(fields, variant))
        raw = llm.complete(messages, max_tokens=64 + 48 * len(fields), json_schema=schema_for(fields))
        reply = json.loads(raw)
        values.update({f: _clean(reply.get(f)) for f in fields})
    else:
        notes.append("no text on the pages: every field is null")

    citations: list[Citation] = []
    field_citations: dict[str, list[int]] = {}  # field -> its positions in `citations`
    for field in fields:
        value, cited, note = verify_field(field, values[field], text, located, normalize_dates)
        values[field] = value
        field_citations[field] = list(range(len(citations), len(citations) + len(cited)))
        citations.extend(cited)
        if note:
            notes.append(f"{field}: {note}")
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
    return answer


def verify_field(
    field: str, value: str | None, text: str, located: list[Located], normalize_dates: bool = False
) -> tuple[str | None, list[Citation], str]:
    """Check a value by its field's kind and find it on the page; (value, citations, note)."""
    value, cited, note = _verify(field, value, text, located)
    if normalize_dates and value and kind_of(field) is Kind.DATE and (parsed := parse_date(value)):
        value = parsed.isoformat()
    return value, cited, note


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


def _describe(fields: Sequence[str], lang: str) -> str:
    """Field names, each with a hint of its kind where one is recognised: '税号 (18位纳税人识别号…)'."""
    hints = prompts.hints("extract", lang)
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


def _clip(text: str, llm: LocalLLM) -> str:
    if llm.count_tokens(text) <= MAX_TEXT_TOKENS:
        return text
    # Keep the head of the document, where headers, parties and totals of invoices usually are.
    lines, kept = text.splitlines(), []
    budget = MAX_TEXT_TOKENS
    for line in lines:
        cost = llm.count_tokens(line) + 1
        if cost > budget:
            break
        kept.append(line)
        budget -= cost
    return "\n".join(kept)
