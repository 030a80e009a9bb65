"""A document's page layout (sizes, zooms, text layers), made in a worker process under the page budget.

The layout is cached by the file's hash and the limits, so the same file sent again is laid out without
a worker (a cache hit in the API does not queue behind OCR), and identical files sent at once are laid out
once. A page over the budget is marked as failed (`PageTooSlowError`), and the pages after it are laid out
by a new job: one slow page does not stop the rest of the document.
"""

from __future__ import annotations

from ..cache import ResultCache, get_cache, make_key
from ..errors import CorruptFileError, DocAssistantError, PageTooSlowError
from ..settings import Settings
from ..single_flight import SingleFlight
from ..workers import BudgetExceeded, Job, WorkerCrashed, get_pool
from .page_jobs import PageLayout, too_slow

VERSION = 3  # bump when a change here, in page_jobs or in pdf.text_lines alters layouts
FAILURES = {"page_too_slow": PageTooSlowError, "corrupt_file": CorruptFileError}

_flights: SingleFlight[list[PageLayout]] = SingleFlight()


def failure_error(failure: tuple[str, str]) -> DocAssistantError:
    code, message = failure
    return FAILURES.get(code, CorruptFileError)(message)


def document_layout(
    data: bytes, name: str, kind: str, digest: str, settings: Settings, cache: ResultCache | None = None
) -> list[PageLayout]:
    cache = cache or get_cache(settings)
    s = settings
    key = make_key("layout", VERSION, digest, kind, s.max_pixels, s.max_pages, s.render_dpi, s.max_side)
    cached = cache.get(key)
    if cached is not None:
        return [_from_cache(page) for page in cached]

    def lay_out() -> list[PageLayout]:
        pages = _lay_out(data, name, kind, digest, settings)
        if not any(page.failure for page in pages):  # a slow page may be quicker another time
            cache.set(key, [_to_cache(page) for page in pages])
        return pages

    return _flights.do(key, lay_out)[0]


def _lay_out(data: bytes, name: str, kind: str, digest: str, settings: Settings) -> list[PageLayout]:
    pool = get_pool(settings.worker_count)
    budget = settings.page_budget_s
    provisional: list[tuple[int, int]] | None = None
    pages: list[PageLayout] = []
    while provisional is None or len(pages) < len(provisional):
        job = Job("assistant.documents.page_jobs:inspect", (name, kind, digest, settings, len(pages)))
        job.files[digest] = data
        started_with = len(pages)
        try:
            for index, item in enumerate(pool.stream(job, budget)):
                if index == 0:
                    provisional = provisional or item
                else:
                    pages.append(item)
        except BudgetExceeded as exc:
            if provisional is None or exc.items_done == 0:
                raise PageTooSlowError(
                    f"{name}: opening the file took longer than the {budget:g} s budget "
                    "(DOC_ASSISTANT_PAGE_BUDGET_S); it was stopped"
                ) from None
            number = len(pages) + 1
            failure = ("page_too_slow", too_slow(name, number, budget))
            pages.append(PageLayout(provisional[number - 1], failure=failure))
        except WorkerCrashed as exc:
            if provisional is None:
                raise CorruptFileError(
                    f"{name}: the file could not be opened: its decoder crashed ({exc})"
                ) from None
            number = len(pages) + 1
            message = f"{name} page {number}: the page could not be decoded: the decoder crashed ({exc})"
            pages.append(PageLayout(provisional[number - 1], failure=("corrupt_file", message)))
        if provisional is not None and len(pages) == started_with and len(pages) < len(provisional):
            raise CorruptFileError(f"{name}: the file's pages could not be laid out")  # no progress: stop
    return pages


def _to_cache(page: PageLayout) -> dict:
    return {"size": list(page.size), "zoom": page.zoom, "lines": page.text_lines}


def _from_cache(data: dict) -> PageLayout:
    return PageLayout(tuple(data["size"]), data["zoom"], data["lines"], cached=True)
