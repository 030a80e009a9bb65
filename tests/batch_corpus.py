"""Documents for the batch and job tests, rendered here: distinct one-page scans, a three-page scanned PDF,
a note that is no document (skipped in a folder) and a text file named .png (an error row when named)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tests import fixtures as fx


def page_lines(n: int) -> list[str]:
    return [f"Batch document number {n}", f"Reference {1000 + 7 * n} total {n}.50 EUR"]


def invoice_lines(n: int) -> list[str]:
    return [f"Invoice number: INV-2024-{n:04d}", f"Total amount: {n * 11}.00 EUR", "Thank you for your order"]


def png(lines: list[str]) -> bytes:
    return fx.encode(fx.text_page(lines, width=1000, height=320).image, "PNG")


@dataclass
class Corpus:
    root: Path
    folder: Path  # the folder a batch is given
    bad: Path  # a text file named .png, outside the folder (named outright)
    texts: dict[str, list[str]] = field(default_factory=dict)  # row "file" -> its lines, page after page
    skipped: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        """The rows' "file" values in input order: the folder's documents, then the bad file."""
        return [*self.texts, str(self.bad)]


def write_corpus(root: Path, images: int = 4, pdf_pages: int = 3) -> Corpus:
    folder = root / "docs"
    (folder / "more").mkdir(parents=True)
    corpus = Corpus(root, folder, root / "renamed.png")
    # The order a batch finds them in: each folder's files by name, then its sub-folders.
    for n in range(1, images + 1):
        where = folder if n % 2 else folder / "more"
        path = where / f"scan-{n:02d}.png"
        path.write_bytes(png(page_lines(n)))
    pages = [fx.text_page(page_lines(100 + p), width=1000, height=320) for p in range(1, pdf_pages + 1)]
    (folder / "long.pdf").write_bytes(fx.scan_pdf(pages).data)
    (folder / "notes.txt").write_text("not a document\n")
    for path in sorted(p for p in folder.iterdir() if p.is_file()) + sorted((folder / "more").iterdir()):
        if path.suffix == ".txt":
            corpus.skipped.append(str(path))
        elif path.suffix == ".pdf":
            corpus.texts[str(path)] = [line for p in range(1, pdf_pages + 1) for line in page_lines(100 + p)]
        else:
            corpus.texts[str(path)] = page_lines(int(path.stem.split("-")[1]))
    corpus.bad.write_text("this is text, whatever its name says\n")
    return corpus


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
