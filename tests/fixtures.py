"""Fixture renderers: pages drawn with Pillow and real fonts, PDFs built with PyMuPDF.

Every renderer records the true box of each line it draws (ImageDraw.textbbox for images, font metrics
for PDF text), so tests can check both the text that was read and where it was found.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw, ImageFont

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_SC_INDEX = 2  # faces of the collection: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
CJK_KR_INDEX = 1
LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Line:
    text: str
    box: Box  # true box in page pixels (or PDF points for PDF fixtures)


@dataclass
class RenderedPage:
    image: Image.Image
    lines: list[Line] = field(default_factory=list)

    @property
    def text_lines(self) -> list[str]:
        return [line.text for line in self.lines]


def font(path: Path, size: int, index: int = 0) -> ImageFont.FreeTypeFont:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install fonts-noto-cjk and fonts-dejavu-core")
    return ImageFont.truetype(str(path), size, index=index)


def cjk(size: int) -> ImageFont.FreeTypeFont:
    return font(CJK_FONT, size, CJK_SC_INDEX)


def latin(size: int) -> ImageFont.FreeTypeFont:
    return font(LATIN_FONT, size)


class Canvas:
    """A white page; `text` draws a line and records its true box."""

    def __init__(self, width: int, height: int) -> None:
        self.page = RenderedPage(Image.new("RGB", (width, height), "white"))
        self.draw = ImageDraw.Draw(self.page.image)

    def text(self, xy: tuple[float, float], text: str, fnt: ImageFont.FreeTypeFont) -> Line:
        self.draw.text(xy, text, font=fnt, fill="black")
        line = Line(text, tuple(float(v) for v in self.draw.textbbox(xy, text, font=fnt)))
        self.page.lines.append(line)
        return line


# --- image pages ------------------------------------------------------------------------------------

INVOICE_NUMBER = "No.24317865"
TAX_ID = "91310000MA1K4QXW3D"  # a unified social credit code whose checksum holds


def invoice_page() -> RenderedPage:
    """A Chinese+English VAT invoice, 1200×900, labels left and values right."""
    c = Canvas(1200, 900)
    c.text((300, 40), "增值税发票 / VAT Invoice", cjk(48))
    rows = [
        ("发票号码", INVOICE_NUMBER),
        ("开票日期", "2024年03月15日"),
        ("购买方", "上海星辰贸易有限公司"),
        ("纳税人识别号", TAX_ID),
        ("金额", "¥1,280.00"),
        ("税额", "¥166.40"),
        ("价税合计", "¥1,446.40"),
    ]
    for i, (label, value) in enumerate(rows):
        y = 170 + i * 95
        c.text((80, y), label, cjk(36))
        c.text((460, y), value, cjk(36))
    return c.page


LEFT_COLUMN = [
    ["Rivers carry water from", "high ground to the sea,", "shaping valleys as they go."],
    ["Floods bring fresh soil", "to the plains each spring", "and farmers plant in it."],
    ["Dams hold water back for", "dry months and make power", "for the towns nearby."],
]
RIGHT_COLUMN = [
    ["Mountains rise where two", "plates of the crust meet", "and push each other up."],
    ["Snow on the high peaks", "melts slowly in summer", "and feeds the rivers."],
    ["Wind and rain wear the", "rock down over millions", "of years into sand."],
]
TWO_COLUMN_TITLE = "Notes on Rivers and Mountains of the World"


def two_column_page() -> RenderedPage:
    """A full-width title over two prose columns whose paragraph gaps line up across the page."""
    c = Canvas(1200, 900)
    c.text((60, 40), TWO_COLUMN_TITLE, latin(44))
    body = latin(30)
    for x, paragraphs in ((60, LEFT_COLUMN), (640, RIGHT_COLUMN)):
        y = 150
        for paragraph in paragraphs:
            for line in paragraph:
                c.text((x, y), line, body)
                y += 46
            y += 60  # the same paragraph gap in both columns, on purpose
    return c.page


PLAIN_LINES = [
    "The quick brown fox jumps",
    "over the lazy dog near the",
    "river bank on a sunny day.",
    "Invoice total: 4,250 EUR",
    "Reference number 7781-QX",
]


def text_page(
    lines: list[str] = PLAIN_LINES, width: int = 1200, height: int = 900, size: int = 40
) -> RenderedPage:
    """Plain left-aligned lines of Latin text."""
    c = Canvas(width, height)
    fnt = latin(size)
    for i, line in enumerate(lines):
        c.text((80, 80 + i * int(size * 2.2)), line, fnt)
    return c.page


def rotated(page: RenderedPage, angle: int) -> Image.Image:
    """The page as scanned turned `angle` degrees counter-clockwise (the truth stays upright)."""
    return page.image.rotate(angle, expand=True, fillcolor="white")


TIFF_TEXTS = [
    ["Page one of the report", "Alpha section begins here"],
    ["Page two of the report", "Bravo section continues"],
    ["Page three of the report", "Charlie section ends it"],
]


def tiff_pages() -> list[RenderedPage]:
    return [text_page(lines, width=1000, height=500) for lines in TIFF_TEXTS]


def save_multipage_tiff(images: list[Image.Image], compression: str = "tiff_deflate") -> bytes:
    out = io.BytesIO()
    images[0].save(out, format="TIFF", save_all=True, append_images=images[1:], compression=compression)
    return out.getvalue()


def blank_page(width: int = 1200, height: int = 900) -> Image.Image:
    return Image.new("RGB", (width, height), "white")


KOREAN_LINES = ["안녕하세요 반갑습니다", "오늘은 날씨가 좋습니다"]
RUSSIAN_LINES = ["Привет мир и добрый день", "Сегодня хорошая погода"]


def korean_page() -> RenderedPage:
    c = Canvas(1000, 400)
    fnt = font(CJK_FONT, 44, CJK_KR_INDEX)
    for i, line in enumerate(KOREAN_LINES):
        c.text((80, 80 + i * 110), line, fnt)
    return c.page


def russian_page() -> RenderedPage:
    c = Canvas(1000, 400)
    fnt = latin(44)  # DejaVu Sans has Cyrillic
    for i, line in enumerate(RUSSIAN_LINES):
        c.text((80, 80 + i * 110), line, fnt)
    return c.page


SMALL_LINES = ["Small print matters a lot", "Read the terms twice"]


def small_text_page() -> RenderedPage:
    """Tiny text (about 11 px high) on a small image: the reader must upscale it."""
    c = Canvas(420, 160)
    fnt = latin(13)
    for i, line in enumerate(SMALL_LINES):
        c.text((30, 40 + i * 40), line, fnt)
    return c.page


TABLE_TITLE = "Quarterly sales by region"
TABLE_INTRO = "Sales grew in every region this quarter, led by the north."
TABLE_ROWS = [
    ["Region", "Q1", "Q2", "Total"],
    ["North", "120", "135", "255"],
    ["South", "98", "101", "199"],
    ["East", "77", "80", "157"],
    ["West", "64", "70", "134"],
]
TABLE_OUTRO = "The west region opened two new stores in June."


@dataclass
class TablePage(RenderedPage):
    table_box: Box = (0, 0, 0, 0)
    cell_boxes: list[list[Box]] = field(default_factory=list)  # [row][column], the ruled cells


def _ruled_table(c: Canvas, x0: int, y0: int, rows: list[list[str]]) -> list[list[Box]]:
    """Draw `rows` as a ruled table at (x0, y0), cells 280×70 px; the cells' boxes, row by row."""
    width, height, columns = 280, 70, len(rows[0])
    cell_boxes = []
    for i, row in enumerate(rows):
        cell_boxes.append([])
        for j, text in enumerate(row):
            c.text((x0 + j * width + 20, y0 + i * height + 18), text, latin(30))
            left, top = x0 + j * width, y0 + i * height
            cell_boxes[-1].append((left, top, left + width, top + height))
    for i in range(len(rows) + 1):
        c.draw.line([(x0, y0 + i * height), (x0 + columns * width, y0 + i * height)], fill="black", width=2)
    for j in range(columns + 1):
        c.draw.line([(x0 + j * width, y0), (x0 + j * width, y0 + len(rows) * height)], fill="black", width=2)
    return cell_boxes


def table_page(rows: list[list[str]] = TABLE_ROWS) -> TablePage:
    """A title, a sentence, a ruled table (a header row and four rows of figures) and a closing sentence."""
    c = Canvas(1400, 1000)
    c.text((80, 40), TABLE_TITLE, latin(48))
    c.text((80, 130), TABLE_INTRO, latin(28))
    cell_boxes = _ruled_table(c, 80, 230, rows)
    bottom = cell_boxes[-1][-1][3]
    c.text((80, bottom + 50), TABLE_OUTRO, latin(28))
    page = c.page
    return TablePage(
        image=page.image,
        lines=page.lines,
        table_box=(cell_boxes[0][0][0], cell_boxes[0][0][1], cell_boxes[-1][-1][2], bottom),
        cell_boxes=cell_boxes,
    )


REPORT_TITLE = "Annual Sales Report"
REPORT_PARAGRAPHS = [
    ["Our stores sold more this year than", "in any year before, in every region."],
    ["The north led again, and the west", "grew fastest after two new openings."],
]
REPORT_HEADING = "Highlights"
REPORT_ITEMS = ["Two new stores in the west", "Online orders doubled", "Costs fell by a tenth"]
REPORT_TABLE_HEADING = "Sales by region"


def report_page() -> RenderedPage:
    """A report: a title, two paragraphs, a heading over a bulleted list, a heading over a ruled table."""
    c = Canvas(1400, 1500)
    c.text((80, 50), REPORT_TITLE, latin(60))
    y = 170
    for paragraph in REPORT_PARAGRAPHS:
        for line in paragraph:
            c.text((80, y), line, latin(30))
            y += 44
        y += 40
    c.text((80, y), REPORT_HEADING, latin(42))
    y += 80
    for item in REPORT_ITEMS:
        c.text((80, y), f"• {item}", latin(30))
        y += 50
    y += 40
    c.text((80, y), REPORT_TABLE_HEADING, latin(42))
    _ruled_table(c, 80, y + 80, TABLE_ROWS)
    return c.page


MERGED_TITLE = "Exam results by class"
MERGED_SCORES = [["A", "81", "75", "84", "79"], ["B", "72", "88", "70", "91"], ["C", "65", "69", "77", "73"]]
# (row, column, rows spanned, columns spanned, text): a header over two rows, terms over two columns
MERGED_CELLS = [
    (0, 0, 2, 1, "Class"), (0, 1, 1, 2, "Term 1"), (0, 3, 1, 2, "Term 2"),
    (1, 1, 1, 1, "Math"), (1, 2, 1, 1, "Music"), (1, 3, 1, 1, "Math"), (1, 4, 1, 1, "Music"),
    *((2 + i, j, 1, 1, text) for i, row in enumerate(MERGED_SCORES) for j, text in enumerate(row)),
]  # fmt: skip


def merged_table_page() -> RenderedPage:
    """A ruled table with merged cells: MERGED_CELLS, each text centred in its cell."""
    c = Canvas(1400, 900)
    c.text((80, 40), MERGED_TITLE, latin(44))
    x0, y0, width, height = 80, 160, 260, 70
    for row, col, rows, cols, text in MERGED_CELLS:
        box = (x0 + col * width, y0 + row * height, x0 + (col + cols) * width, y0 + (row + rows) * height)
        c.draw.rectangle(box, outline="black", width=2)
        left, top, right, bottom = c.draw.textbbox((0, 0), text, font=latin(30))
        centre = ((box[0] + box[2] - (right - left)) / 2, (box[1] + box[3] - (bottom - top)) / 2 - top)
        c.text(centre, text, latin(30))
    return c.page


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


# --- crafted bad inputs ------------------------------------------------------------------------------


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR (with a valid CRC) claims width×height pixels; the body is a few bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


# --- PDFs --------------------------------------------------------------------------------------------

PDF_EN_LINES = ["Quarterly report for 2024", "Revenue grew by 12 percent", "Contact: finance@example.com"]
PDF_ZH_LINES = ["季度报告摘要", "营业收入增长百分之十二"]


@dataclass
class PdfFixture:
    data: bytes
    lines: list[Line]  # true boxes in PDF points (page coordinates, top-left origin)
    page_rect: tuple[float, float]  # page width, height in points
    lines_by_page: list[list[Line]] = field(default_factory=list)


def text_layer_pdf() -> PdfFixture:
    """One A5-ish page with English lines (Helvetica) and Chinese lines (Noto Sans CJK SC from file)."""
    doc = pymupdf.open()
    page = doc.new_page(width=500, height=400)
    lines: list[Line] = []
    helv = pymupdf.Font("helv")
    size = 18
    y = 60.0
    for text in PDF_EN_LINES:
        page.insert_text((50, y), text, fontname="helv", fontsize=size)
        lines.append(Line(text, _text_box(helv, text, 50, y, size)))
        y += 40
    # The collection's first face (JP) holds every Chinese character used here, and only the text layer
    # matters. MuPDF cannot subset a collection, so the PDF is large (about 13 MB): build it once.
    cjk_font = pymupdf.Font(fontfile=str(CJK_FONT))
    page.insert_font(fontname="notocjk", fontfile=str(CJK_FONT))
    for text in PDF_ZH_LINES:  # no spaces: MuPDF maps this font's space to U+00A0
        page.insert_text((50, y), text, fontname="notocjk", fontsize=size)
        lines.append(Line(text, _text_box(cjk_font, text, 50, y, size)))
        y += 40
    data = doc.tobytes(garbage=3, deflate=True)
    return PdfFixture(
        data=data, lines=lines, page_rect=(page.rect.width, page.rect.height), lines_by_page=[lines]
    )


def _text_box(fnt: pymupdf.Font, text: str, x: float, baseline: float, size: float) -> Box:
    width = fnt.text_length(text, fontsize=size)
    return (x, baseline - fnt.ascender * size, x + width, baseline - fnt.descender * size)


def scan_pdf(pages: list[RenderedPage], dpi: float = 200) -> PdfFixture:
    """A PDF whose pages are only images of text (no text layer), each page sized to its image at `dpi`."""
    doc = pymupdf.open()
    by_page: list[list[Line]] = []
    for rendered in pages:
        width, height = rendered.image.size
        scale = 72 / dpi  # points per image pixel
        page = doc.new_page(width=width * scale, height=height * scale)
        page.insert_image(page.rect, stream=encode(rendered.image, "PNG"))
        by_page.append([Line(line.text, _scale(line.box, scale)) for line in rendered.lines])
    data = doc.tobytes(garbage=3, deflate=True)
    first = doc[0].rect
    return PdfFixture(
        data=data, lines=by_page[0], page_rect=(first.width, first.height), lines_by_page=by_page
    )


def text_pdf(
    page_texts: list[list[str]], width: float = 400, height: float = 300, rotation: int = 0
) -> PdfFixture:
    """A PDF with a Helvetica text layer, one list of lines per page. Boxes are on the unrotated page."""
    doc = pymupdf.open()
    helv = pymupdf.Font("helv")
    by_page: list[list[Line]] = []
    for texts in page_texts:
        page = doc.new_page(width=width, height=height)
        lines = []
        for i, text in enumerate(texts):
            y = 50 + i * 36
            page.insert_text((40, y), text, fontname="helv", fontsize=16)
            lines.append(Line(text, _text_box(helv, text, 40, y, 16)))
        if rotation:
            page.set_rotation(rotation)
        by_page.append(lines)
    data = doc.tobytes(garbage=3, deflate=True)
    first = doc[0].rect
    return PdfFixture(
        data=data, lines=by_page[0], page_rect=(first.width, first.height), lines_by_page=by_page
    )


def table_pdf() -> PdfFixture:
    """A born-digital page (a Helvetica text layer): the title, the intro, TABLE_ROWS ruled, the outro."""
    doc = pymupdf.open()
    page = doc.new_page(width=600, height=480)
    helv = pymupdf.Font("helv")
    lines: list[Line] = []

    def write(x: float, baseline: float, text: str, size: float) -> None:
        page.insert_text((x, baseline), text, fontname="helv", fontsize=size)
        lines.append(Line(text, _text_box(helv, text, x, baseline, size)))

    write(40, 50, TABLE_TITLE, 22)
    write(40, 85, TABLE_INTRO, 12)
    x0, y0, width, height = 40, 110, 120, 32
    for i, row in enumerate(TABLE_ROWS):
        for j, text in enumerate(row):
            write(x0 + j * width + 8, y0 + i * height + 21, text, 13)
    columns, bottom = len(TABLE_ROWS[0]), y0 + len(TABLE_ROWS) * height
    for i in range(len(TABLE_ROWS) + 1):
        page.draw_line((x0, y0 + i * height), (x0 + columns * width, y0 + i * height))
    for j in range(columns + 1):
        page.draw_line((x0 + j * width, y0), (x0 + j * width, bottom))
    write(40, bottom + 35, TABLE_OUTRO, 12)
    data = doc.tobytes(garbage=3, deflate=True)
    return PdfFixture(data=data, lines=lines, page_rect=(600, 480), lines_by_page=[lines])


def encrypted_pdf(user_pw: str, owner_pw: str = "owner-secret") -> bytes:
    doc = pymupdf.open(stream=text_pdf([["Confidential salary list"]]).data, filetype="pdf")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=user_pw, owner_pw=owner_pw)


def _scale(box: Box, factor: float) -> Box:
    return (box[0] * factor, box[1] * factor, box[2] * factor, box[3] * factor)


CONTRACT_PAGE_1 = [
    "技术服务合同",
    "甲方：上海星辰贸易有限公司",
    "乙方：北京云帆科技有限公司",
    "第一条 服务内容：乙方为甲方提供软件维护服务。",
    "第二条 服务期限：自2024年1月1日至2024年12月31日。",
]
CONTRACT_PAGE_2 = [
    "第三条 付款方式：甲方应于每季度首月十日前付款。",
    "第四条 违约责任：甲方逾期付款的，每日按未付金额",
    "的万分之五向乙方支付违约金。",
    "第五条 争议解决：双方协商解决，协商不成的提交仲裁。",
]


def text_lines_page(lines: list[str]) -> RenderedPage:
    """Lines of Chinese (or any CJK-covered) text, 36 px, one under the other on a 1400×900 page."""
    canvas = Canvas(1400, 900)
    for i, text in enumerate(lines):
        canvas.text((70, 70 + i * 90), text, cjk(36))
    return canvas.page


def contract_pdf() -> tuple[list[RenderedPage], PdfFixture]:
    """A two-page scanned contract whose liability clause is on page 2."""
    pages = [text_lines_page(CONTRACT_PAGE_1), text_lines_page(CONTRACT_PAGE_2)]
    return pages, scan_pdf(pages)
