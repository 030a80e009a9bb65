"""Page selections such as '1-3,5' and applying them to documents."""

from __future__ import annotations

from ..errors import ArgumentError

# No document holds more pages than this (the page limit is far lower); a range reaching past it is a
# typo, and expanding it would fill memory ("1-1000000000").
MAX_PAGE_NUMBER = 100_000


def parse_pages(spec: str | None) -> set[int] | None:
    """'1-3,5' -> {1, 2, 3, 5}; None or '' means every page. Pages are numbered from 1."""
    if spec is None or not spec.strip():
        return None
    pages: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        try:
            if "-" in part:
                start_text, end_text = part.split("-", 1)
                start, end = int(start_text), int(end_text)
            else:
                start = end = int(part)
        except ValueError:
            raise ArgumentError(f"bad page range {spec!r}: use forms like 2, 1-3 or 1-3,5") from None
        if start < 1 or end < start:
            raise ArgumentError(f"bad page range {part!r}: pages are numbered from 1, low to high")
        if end > MAX_PAGE_NUMBER:
            raise ArgumentError(f"bad page range {part!r}: no document has {end} pages")
        pages.update(range(start, end + 1))
    return pages
