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


# --- extraction layouts: VAT invoices, a receipt, a form with checkboxes --------------------------------


@dataclass
class Party:
    name: str
    tax_id: str
    address_phone: str
    bank_account: str


VAT_BUYER = Party(
    "上海星辰贸易有限公司",
    TAX_ID,
    "上海市浦东新区世纪大道100号 021-58881234",
    "招商银行上海分行 6214830212345678",
)
VAT_SELLER = Party(
    "杭州云帆科技有限公司",
    "91330106MA2B1C3D45",
    "杭州市西湖区文三路90号 0571-88776655",
    "工商银行杭州分行 1202020109000012345",
)
VAT_ITEMS = [
    ("*信息技术服务*软件维护", "年度", "项", "1", "1000.00", "1000.00", "6%", "60.00"),
    ("*办公用品*打印纸", "A4", "箱", "2", "140.00", "280.00", "13%", "36.40"),
]
VAT_TOTALS = {"合计金额": "1280.00", "合计税额": "96.40", "大写": "壹仟叁佰柒拾陆圆肆角", "小写": "1376.40"}


def vat_invoice_page(kind: str = "专票") -> RenderedPage:
    """A VAT invoice, 1800×1100: header numbers top right, the buyer's block left and the seller's right
    (side by side, each with its vertical title), the item table, totals; ruled like the printed form."""
    c = Canvas(1800, 1100)
    title = "增值税专用发票" if kind == "专票" else "增值税普通发票"
    c.text((650, 30), title, cjk(52))
    header = [("发票代码：", "3100204130"), ("发票号码：", "08812345"), ("开票日期：", "2024年03月15日")]
    if kind != "专票":
        header.append(("校验码：", "12345 67890 13579 24680"))
    for i, (label, value) in enumerate(header):
        c.text((1180, 40 + i * 42), label, cjk(26))
        c.text((1330, 40 + i * 42), value, cjk(26))
    ink = c.draw
    ink.rectangle((60, 220, 1740, 1040), outline="black", width=3)
    ink.line((60, 470, 1740, 470), fill="black", width=2)
    ink.line((900, 220, 900, 470), fill="black", width=2)
    for x0, title_chars, party in ((70, "购买方", VAT_BUYER), (910, "销售方", VAT_SELLER)):
        for j, ch in enumerate(title_chars):
            c.text((x0 + 6, 262 + j * 60), ch, cjk(34))
        ink.line((x0 + 52, 220, x0 + 52, 470), fill="black", width=2)
        rows = [
            ("名称：", party.name),
            ("纳税人识别号：", party.tax_id),
            ("地址、电话：", party.address_phone),
            ("开户行及账号：", party.bank_account),
        ]
        for k, (label, value) in enumerate(rows):
            y = 240 + k * 56
            c.text((x0 + 70, y), label, cjk(24))
            c.text((x0 + 270, y), value, cjk(24))
    columns = [
        ("货物或应税劳务、服务名称", 80),
        ("规格型号", 480),
        ("单位", 640),
        ("数量", 760),
        ("单价", 880),
        ("金额", 1080),
        ("税率", 1300),
        ("税额", 1480),
    ]
    for label, x in columns:
        c.text((x, 490), label, cjk(24))
    for i, item in enumerate(VAT_ITEMS):
        y = 550 + i * 50
        for (_, x), cell in zip(columns, item, strict=True):
            c.text((x, y), cell, cjk(24))
    ink.line((60, 800, 1740, 800), fill="black", width=2)
    c.text((200, 815), "合  计", cjk(26))
    c.text((1080, 815), "¥" + VAT_TOTALS["合计金额"], cjk(26))
    c.text((1480, 815), "¥" + VAT_TOTALS["合计税额"], cjk(26))
    ink.line((60, 870, 1740, 870), fill="black", width=2)
    c.text((80, 895), "价税合计（大写）", cjk(26))
    c.text((420, 895), "⊗" + VAT_TOTALS["大写"], cjk(26))
    c.text((1200, 895), "（小写）¥" + VAT_TOTALS["小写"], cjk(26))
    c.text((80, 1055), "收款人：王芳    复核：李强    开票人：张伟", cjk(24))
    return c.page


def photographed(
    page: RenderedPage, scale: float = 0.7, tilt: float = 0.04, blur: float = 0.8
) -> RenderedPage:
    """The page as a phone photographs it: seen at an angle (a perspective warp), a little out of focus,
    at a lower resolution. Each line's true box goes through the same transform."""
    import cv2
    import numpy as np
    from PIL import ImageFilter

    w, h = page.image.size
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * tilt, h * tilt], [w * (1 - tilt / 2), 0], [w, h], [0, h * (1 - tilt)]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(np.asarray(page.image), matrix, (w, h), borderValue=(235, 235, 230))
    image = Image.fromarray(warped).filter(ImageFilter.GaussianBlur(blur))
    image = image.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
    lines = []
    for line in page.lines:
        x0, y0, x1, y1 = line.box
        corners = np.float32([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]])
        moved = cv2.perspectiveTransform(corners, matrix)[0] * scale
        lines.append(
            Line(
                line.text,
                (
                    float(moved[:, 0].min()),
                    float(moved[:, 1].min()),
                    float(moved[:, 0].max()),
                    float(moved[:, 1].max()),
                ),
            )
        )
    return RenderedPage(image, lines)


RECEIPT_COMPANY = "MAJU JAYA RETAIL SDN BHD"
RECEIPT_ADDRESS = ["NO. 12, JALAN BUNGA RAYA 3,", "TAMAN SERI INDAH, 43000 KAJANG,", "SELANGOR."]
RECEIPT_ITEMS = [
    ("MINERAL WATER 1.5L", "2", "1.80", "3.60"),
    ("WHITE BREAD", "1", "3.20", "3.20"),
    ("FRESH MILK 1L", "3", "6.50", "19.50"),
]
RECEIPT_TOTAL = "27.55"


def receipt_page() -> RenderedPage:
    """A shop receipt, 760×1200: the brand over the legal entity, the address, items, a subtotal, tax,
    rounding, the total due, then cash tendered and change (each an amount that is not the total)."""
    c = Canvas(760, 1200)
    f, big = latin(26), latin(40)
    c.text((250, 30), "MAJU MART", big)  # the brand, not the company
    centre = [
        RECEIPT_COMPANY,
        "(1234567-X)",
        *RECEIPT_ADDRESS,
        "TEL: 03-8736 1234",
        "GST ID: 001234567890",
        "TAX INVOICE",
    ]
    for i, text in enumerate(centre):
        width = c.draw.textlength(text, font=f)
        c.text(((760 - width) / 2, 100 + i * 40), text, f)
    c.text((30, 440), "DATE: 15/03/2024 14:32", f)
    c.text((30, 480), "CASHIER: AMINAH", f)
    for text, x in (("ITEM", 30), ("QTY", 400), ("PRICE", 480), ("AMOUNT", 620)):
        c.text((x, 540), text, f)
    for i, (name, qty, price, amount) in enumerate(RECEIPT_ITEMS):
        y = 590 + i * 46
        for text, x in ((name, 30), (qty, 415), (price, 485), (amount, 640)):
            c.text((x, y), text, f)
    lines = [
        ("SUBTOTAL", "26.30"),
        ("GST 6%", "1.26"),
        ("ROUNDING", "-0.01"),
        ("TOTAL", RECEIPT_TOTAL),
        ("CASH", "50.00"),
        ("CHANGE", "22.45"),
    ]
    for i, (label, amount) in enumerate(lines):
        y = 750 + i * 46
        c.text((300, y), label, f)
        c.text((640, y), amount, f)
    c.text((150, 1080), "THANK YOU, PLEASE COME AGAIN", f)
    return c.page


FORM_VALUES = {
    "Name of Applicant": "Helen Carter",
    "Department": "Quality Assurance",
    "Date of Request": "March 18, 1996",
    "Budget Code": "QA-4471",
}
FORM_CHECKS = {
    "Smoker": ("Yes", "No", "No"),
    "Priority": ("High", "Normal", "High"),
}  # options, the ticked one


# A typed form whose values wrap: (label, value lines, where the wrapped lines start: "label" column +
# an indent, or "value" under the value's first line). The field names a person would type for them.
WRAPPED_FORM = [
    ("REQUEST NO.:", ["25-84"], "value"),
    ("INITIATED BY:", ["P. H. Harper"], "value"),
    ("Dates:", ["March 3rd, 4th & 5th"], "value"),
    (
        "Recommended Brands and Activity:",
        ["Barclay sampling of twelve cases,", "to be placed on tables by the reps."],
        "label",
    ),
    ("NOTES:", ["a) Nature of work should be exact.", "b) Advise if the date cannot be met."], "value"),
    ("COUNTRY:", ["Belgium"], "value"),
]
WRAPPED_FORM_FIELDS = {
    "REQUEST NO.": "25-84",
    "INITIATED": "P. H. Harper",
    "Dates": "March 3rd, 4th & 5th",
    "Recommended Brands and Activity": (
        "Barclay sampling of twelve cases, to be placed on tables by the reps."
    ),
    "NOTES": "a) Nature of work should be exact. b) Advise if the date cannot be met.",
    "COUNTRY": "Belgium",
    "ACCT. NO.": "4111",  # a row of column headings, each value under its heading
    "DEPT. NO.": "9590",
}
WRAPPED_FORM_HEADINGS = [("BUDGET NO.", "B-77"), ("ACCT. NO.", "4111"), ("DEPT. NO.", "9590")]


def wrapped_form_page() -> RenderedPage:
    """A typed form, 1100×900: labels in a left column, values to their right, some wrapping onto the
    lines below (under the value, or back under the label, indented); then a row of column headings with
    a value under each."""
    c = Canvas(1100, 900)
    c.text((330, 30), "SERVICE REQUEST", latin(34))
    font = latin(22)
    y = 110
    for label, lines, wrap in WRAPPED_FORM:
        drawn = c.text((60, y), label, font)
        value_x = max(330, drawn.box[2] + 40)
        c.text((value_x, y), lines[0], font)
        for line in lines[1:]:
            y += 30
            c.text((value_x if wrap == "value" else 160, y), line, font)
        y += 80
    for i, (heading, value) in enumerate(WRAPPED_FORM_HEADINGS):
        c.text((60 + 300 * i, y), heading, font)
        c.text((80 + 300 * i, y + 36), value, font)
    return c.page


def form_page() -> RenderedPage:
    """A form, 1000×800: printed labels in ruled cells with the filled-in value under each label, and
    two questions answered by ticking one of two boxes."""
    c = Canvas(1000, 800)
    c.text((300, 30), "REQUEST FOR SERVICE", latin(34))
    label_font, value_font = latin(20), latin(26)
    for i, (label, value) in enumerate(FORM_VALUES.items()):
        x, y = 60 + (i % 2) * 450, 120 + (i // 2) * 130
        c.draw.rectangle((x, y, x + 420, y + 110), outline="black", width=2)
        c.text((x + 12, y + 10), label, label_font)
        c.text((x + 24, y + 56), value, value_font)
    for i, (label, (first, second, ticked)) in enumerate(FORM_CHECKS.items()):
        y = 420 + i * 80
        c.text((60, y), label + ":", value_font)
        for j, option in enumerate((first, second)):
            x = 320 + j * 220
            c.draw.rectangle((x, y + 2, x + 28, y + 30), outline="black", width=3)
            if option == ticked:
                c.draw.line((x + 5, y + 7, x + 23, y + 25), fill="black", width=4)
                c.draw.line((x + 23, y + 7, x + 5, y + 25), fill="black", width=4)
            c.text((x + 44, y), option, value_font)
    return c.page
