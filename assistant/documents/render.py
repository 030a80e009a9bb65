"""Drawing on page images: translated text laid into the original boxes, cited-region highlights, crops.

Right-to-left scripts (Arabic, Hebrew) are shaped and reordered only when Pillow was built with libraqm
(`features.check("raqm")`); with the basic layout they would come out as unjoined letters in the wrong
order. The Pillow wheels bundle raqm, so this normally holds; `RTL_SHAPING` says which case applies.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, features

from ..errors import DocAssistantError
from .model import Box

RTL_SHAPING = bool(features.check("raqm"))
MIN_FONT = 8  # px: below this text is unreadable; overflow instead of shrinking further

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


class FontMissingError(DocAssistantError):
    """No installed font covers the script (the installation must change)."""

    code = "font_missing"


@dataclass(frozen=True)
class FontFile:
    path: Path
    package: str  # the Debian package that ships it, for the error message
    face: str | None = None  # family name of the face inside a collection (.ttc)


def _cjk(region: str) -> tuple[FontFile, ...]:
    return (FontFile(NOTO_CJK, "fonts-noto-cjk", f"Noto Sans CJK {region}"),)


def _noto(name: str) -> tuple[FontFile, ...]:
    return (FontFile(NOTO / f"NotoSans{name}-Regular.ttf", "fonts-noto-core"),)


_LATIN = (FontFile(NOTO / "NotoSans-Regular.ttf", "fonts-noto-core"), FontFile(DEJAVU, "fonts-dejavu-core"))
_INDIC = ("Bengali", "Tamil", "Telugu", "Kannada", "Malayalam", "Gujarati", "Gurmukhi", "Oriya", "Sinhala")
_OTHER = ("Arabic", "Devanagari", "Thai", "Hebrew", "Armenian", "Georgian", "Khmer", "Lao", "Myanmar")

# Script → fonts to try in order. "Latin" also stands for Greek and Cyrillic, which Noto Sans covers.
FONTS: dict[str, tuple[FontFile, ...]] = {
    "Latin": _LATIN,
    "SC": _cjk("SC"),
    "TC": _cjk("TC"),
    "HK": _cjk("HK"),
    "JP": _cjk("JP"),
    "KR": _cjk("KR"),
    "Ethiopic": _noto("Ethiopic"),
    **{name: _noto(name) for name in (*_INDIC, *_OTHER)},
}

LANG_SCRIPTS = {
    "zh": "SC", "zh-cn": "SC", "zh-hans": "SC", "zh-sg": "SC", "ch": "SC",
    "zh-hant": "TC", "zh-tw": "TC", "zh-hk": "HK", "zh-mo": "HK", "ja": "JP", "jp": "JP", "ko": "KR",
    "ar": "Arabic", "fa": "Arabic", "ur": "Arabic", "ps": "Arabic", "ku-arab": "Arabic",
    "hi": "Devanagari", "mr": "Devanagari", "ne": "Devanagari", "sa": "Devanagari",
    "th": "Thai", "he": "Hebrew", "iw": "Hebrew", "yi": "Hebrew", "bn": "Bengali", "as": "Bengali",
    "ta": "Tamil", "te": "Telugu", "kn": "Kannada", "ml": "Malayalam", "gu": "Gujarati", "pa": "Gurmukhi",
    "or": "Oriya", "si": "Sinhala", "hy": "Armenian", "ka": "Georgian", "km": "Khmer", "lo": "Lao",
    "my": "Myanmar", "am": "Ethiopic", "ti": "Ethiopic",
}  # fmt: skip
RTL_SCRIPTS = {"Arabic", "Hebrew"}

# Unicode ranges that decide a text's script; anything else is drawn with the Latin font.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0xAC00, 0xD7AF, "KR"), (0x1100, 0x11FF, "KR"), (0x3130, 0x318F, "KR"),
    (0x3040, 0x30FF, "JP"), (0x31F0, 0x31FF, "JP"),
    (0x3400, 0x4DBF, "SC"), (0x4E00, 0x9FFF, "SC"), (0xF900, 0xFAFF, "SC"), (0x3000, 0x303F, "SC"),
    (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0xFB50, 0xFDFF, "Arabic"),
    (0xFE70, 0xFEFF, "Arabic"), (0x0590, 0x05FF, "Hebrew"), (0x0900, 0x097F, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"),
    (0x0B00, 0x0B7F, "Oriya"), (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"),
    (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"), (0x0D80, 0x0DFF, "Sinhala"),
    (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"), (0x1000, 0x109F, "Myanmar"),
    (0x10A0, 0x10FF, "Georgian"), (0x0530, 0x058F, "Armenian"), (0x1200, 0x137F, "Ethiopic"),
    (0x1780, 0x17FF, "Khmer"),
)  # fmt: skip


def _char_script(ch: str) -> str | None:
    code = ord(ch)
    for lo, hi, script in _RANGES:
        if lo <= code <= hi:
            return script
    return None


def script_of_text(text: str) -> str:
    """The script a font must cover to draw `text`: kana or Hangul outrank Han, any non-Latin script Latin."""
    counts: dict[str, int] = {}
    for ch in text:
        if (script := _char_script(ch)) is not None:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return "Latin"
    for script in ("JP", "KR"):  # Han characters also occur in Japanese and Korean text
        if script in counts:
            return script
    return max(counts, key=counts.__getitem__)


def script_for(text_or_lang: str) -> str:
    """A language code ('zh-Hant', 'hi', 'en') names its script; anything else is looked at as text."""
    key = text_or_lang.strip().lower().replace("_", "-")
    if key in LANG_SCRIPTS:
        return LANG_SCRIPTS[key]
    if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", key):
        base = key.split("-")[0]
        if base == "zh" and any(tag in key.split("-") for tag in ("hant", "tw", "hk", "mo")):
            return "HK" if any(tag in key.split("-") for tag in ("hk", "mo")) else "TC"
        return LANG_SCRIPTS.get(base, "Latin")
    return script_of_text(text_or_lang)


@cache
def _face_index(path: Path, face: str | None) -> int:
    """Index of the named face in a font collection (found by name: the order differs between releases)."""
    if face is None:
        return 0
    for index in range(32):
        try:
            if ImageFont.truetype(str(path), 12, index=index).getname()[0] == face:
                return index
        except OSError:
            break
    raise FontMissingError(f"{path} has no face named {face!r}: reinstall fonts-noto-cjk")


@lru_cache(maxsize=256)
def _load(path: Path, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=index)


def _font_file(script: str) -> FontFile:
    for candidate in FONTS[script]:
        if candidate.path.exists():
            return candidate
    packages = " or ".join(sorted({c.package for c in FONTS[script]}))
    raise FontMissingError(f"no font for {script} text: install the Debian package {packages}")


def font_path(script: str) -> Path:
    """The installed font file for a script of FONTS (FontMissingError when none is)."""
    return _font_file(script).path


def font_for(text_or_lang: str, size: int) -> ImageFont.FreeTypeFont:
    """A font of `size` px that covers the language's (or the text's) script. Loaded fonts are cached."""
    file = _font_file(script_for(text_or_lang))
    return _load(file.path, _face_index(file.path, file.face), max(1, int(size)))


# --- text layout --------------------------------------------------------------------------------------

# Chinese and Japanese break between any two characters; Korean, like Latin, at spaces.
_CJK_RANGES = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
# Closing punctuation stays with the character before it: no line may start with it.
_CLOSING = r"[，。、；：！？）」』》】〕,.;:!?)\]”’]*"
# A token is one CJK character (with the closing punctuation after it), a run of spaces, or a word.
_TOKEN = re.compile(rf"[{_CJK_RANGES}]{_CLOSING}|\s+|[^\s{_CJK_RANGES}]+")


def _clusters(word: str) -> list[str]:
    """A word split into characters with their combining marks, for breaking a word that is too long."""
    out: list[str] = []
    for ch in word:
        if out and unicodedata.category(ch) in ("Mn", "Mc", "Me"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _draw_kwargs(lang: str) -> dict:
    # The language steers raqm's shaping (e.g. Serbian vs Russian glyph forms); basic layout rejects it.
    return {"language": lang.split("-")[0]} if RTL_SHAPING and re.fullmatch(r"[a-z]{2,3}(-.*)?", lang) else {}


_NOT_A_CHAR = "\U0010fffd"  # a private-use code point no font maps: it draws the font's .notdef box


def _mask(font: ImageFont.FreeTypeFont, text: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(text)
    return mask.size, bytes(mask)


def has_glyphs(font: ImageFont.FreeTypeFont, text: str) -> bool:
    """Whether the font draws every character of `text` with a glyph of its own, not the .notdef box.

    (A missing glyph still draws ink, so `getmask(ch).getbbox()` alone cannot tell.)
    """
    notdef = _mask(font, _NOT_A_CHAR)
    return all(ch.isspace() or _mask(font, ch) != notdef for ch in text)


@lru_cache(maxsize=65536)
def _covers(path: Path, index: int, ch: str) -> bool:
    return has_glyphs(_load(path, index, 24), ch)


def _follows(ch: str) -> bool:
    """Spaces, combining marks and joiners are drawn with the font of the character before them."""
    return ch.isspace() or unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf")


@dataclass(frozen=True)
class FontChain:
    """A font per script with fallbacks, e.g. Noto Sans Thai then Noto Sans for the digits Thai lacks.

    Pillow has no font fallback: each character is drawn with the first font of the chain that has it.
    """

    faces: tuple[tuple[Path, int], ...]
    size: int
    lang: str = ""

    @property
    def fonts(self) -> list[ImageFont.FreeTypeFont]:
        return [_load(path, index, self.size) for path, index in self.faces]

    def runs(self, text: str) -> list[tuple[ImageFont.FreeTypeFont, str]]:
        pieces: list[tuple[int, str]] = []
        for ch in text:
            if pieces and _follows(ch):
                which = pieces[-1][0]
            else:
                which = next((i for i, face in enumerate(self.faces) if _covers(*face, ch)), 0)
            if pieces and pieces[-1][0] == which:
                pieces[-1] = (which, pieces[-1][1] + ch)
            else:
                pieces.append((which, ch))
        fonts = self.fonts
        return [(fonts[i], piece) for i, piece in pieces]

    def getlength(self, text: str) -> float:
        kwargs = _draw_kwargs(self.lang)
        return sum(font.getlength(piece, **kwargs) for font, piece in self.runs(text))

    def ink(self, text: str) -> tuple[float, float, float]:
        """Left bearing, and ink extents above and below the baseline."""
        kwargs = _draw_kwargs(self.lang)
        boxes = [font.getbbox(piece, anchor="ls", **kwargs) for font, piece in self.runs(text)]
        if not boxes:
            return 0.0, 0.0, 0.0
        return boxes[0][0], -min(b[1] for b in boxes), max(b[3] for b in boxes)

    def draw(self, draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, fill, rtl: bool) -> None:
        """Draw one line from `x` (its left edge, or its right edge when `rtl`)."""
        kwargs = _draw_kwargs(self.lang)
        if not rtl:
            x -= self.ink(text)[0]
            for font, piece in self.runs(text):
                draw.text((x, baseline), piece, font=font, fill=fill, anchor="ls", **kwargs)
                x += font.getlength(piece, **kwargs)
            return
        # Right to left, runs follow each other leftwards and raqm orders the characters within each run.
        # A fallback run (digits, Latin, punctuation the RTL font lacks) keeps its core left to right, but
        # its leading and trailing spaces and punctuation take the line's direction, brackets mirrored.
        primary = self.fonts[0]
        for font, piece in self.runs(text):
            parts = [piece]
            if font is not primary:
                lead, core, trail = re.fullmatch(r"(\W*)(.*?)(\W*)", piece, re.S).groups()
                parts = [*lead.translate(_MIRROR), *([core] if core else []), *trail.translate(_MIRROR)]
            for part in parts:
                x -= font.getlength(part, **kwargs)
                draw.text((x, baseline), part, font=font, fill=fill, anchor="ls", **kwargs)


_MIRROR = str.maketrans("()[]{}<>", ")(][}{><")


CJK_SCRIPTS = {"SC", "TC", "HK", "JP", "KR"}  # every face of Noto Sans CJK has all the CJK glyphs


def font_chain(lang: str, text: str, size: int) -> FontChain:
    """The language's font, then one for the text's own script (a name left untranslated), then Latin."""
    primary = script_for(lang) if lang else script_of_text(text)
    scripts = [primary]
    for script in (script_of_text(text), "Latin"):
        if script not in scripts and not (script in CJK_SCRIPTS and primary in CJK_SCRIPTS):
            scripts.append(script)
    faces = []
    for i, script in enumerate(scripts):
        try:
            file = _font_file(script)
        except FontMissingError:
            if i == 0:
                raise
            continue  # a missing fallback only costs the characters it would have drawn
        faces.append((file.path, _face_index(file.path, file.face)))
    return FontChain(tuple(faces), max(1, int(size)), lang)


def wrap(text: str, fonts: FontChain, width: float, break_words: bool) -> list[str] | None:
    """Greedy wrap to `width` px: at spaces, and between any two CJK characters (which have no spaces).

    A word wider than the box is broken into characters when `break_words`, else the layout fails (None),
    so that a smaller font size is tried before a word is split.
    """

    def fits(s: str) -> bool:
        return fonts.getlength(s) <= width

    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        tokens = _TOKEN.findall(paragraph)
        line = ""
        while tokens:
            token = tokens.pop(0)
            if token.isspace():
                line += token if line else ""
            elif fits(line + token):
                line += token
            elif line:
                lines.append(line.rstrip())
                line = ""
                tokens.insert(0, token)
            elif not break_words:
                return None
            else:  # a word wider than the box: keep what fits, the rest starts the next line
                parts = _clusters(token)
                keep = 1
                while keep < len(parts) and fits("".join(parts[: keep + 1])):
                    keep += 1
                lines.append("".join(parts[:keep]))
                if keep < len(parts):
                    tokens.insert(0, "".join(parts[keep:]))
        lines.append(line.rstrip())
    return lines


@dataclass
class Layout:
    fonts: FontChain
    lines: list[str]
    pitch: float  # baseline to baseline
    ascent: float  # ink above the first baseline
    height: float  # ink height of the whole block


def _layout(text: str, lang: str, size: int, width: float, break_words: bool) -> Layout | None:
    fonts = font_chain(lang, text, size)
    lines = wrap(text, fonts, width, break_words)
    if lines is None:
        return None
    inks = [fonts.ink(line) for line in lines if line]
    # Ink extents of the actual lines, not the font's ascender/descender, which add ~40% of empty space.
    ascent = max((ink[1] for ink in inks), default=size * 0.8)
    descent = max((ink[2] for ink in inks), default=size * 0.2)
    pitch = max(size * 1.2, ascent + descent)
    return Layout(fonts, lines, pitch, ascent, ascent + descent + pitch * (len(lines) - 1))


def fit_text(text: str, lang: str, box_w: float, box_h: float) -> Layout:
    """The largest font size whose wrapped text fits the box (binary search); at MIN_FONT it may overflow."""
    lo, hi = MIN_FONT, max(MIN_FONT, int(box_h * 1.1))
    best: Layout | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        layout = _layout(text, lang, mid, box_w, break_words=False)
        if layout is not None and layout.height <= box_h:
            best, lo = layout, mid + 1
        else:
            hi = mid - 1
    if best is None:
        best = _layout(text, lang, MIN_FONT, box_w, break_words=True)
        assert best is not None  # break_words never fails
    return best


# --- colours --------------------------------------------------------------------------------------------


def _pixel_box(box: Box, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The box rounded outwards to whole pixels and clamped to the image."""
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(size[0], math.ceil(box[2])), min(size[1], math.ceil(box[3]))
    return x0, y0, max(x0, x1), max(y0, y1)


def border_colour(pixels: np.ndarray) -> tuple[int, ...]:
    """Median of a region's edge pixels: the background around the text, whatever the label's colour."""
    h, w = pixels.shape[:2]
    t = max(1, min(2, h // 4, w // 4))
    edge = np.concatenate(
        [
            pixels[:t].reshape(-1, pixels.shape[2]),
            pixels[-t:].reshape(-1, pixels.shape[2]),
            pixels[:, :t].reshape(-1, pixels.shape[2]),
            pixels[:, -t:].reshape(-1, pixels.shape[2]),
        ]
    )
    return tuple(int(v) for v in np.median(edge, axis=0))


def _luminance(rgb: tuple[int, ...]) -> float:
    """WCAG relative luminance of an sRGB colour."""
    channels = [c / 255 for c in rgb[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrasting(rgb: tuple[int, ...]) -> tuple[int, int, int]:
    """Black or white, whichever has the higher WCAG contrast ratio against `rgb`."""
    lum = _luminance(rgb)
    return (0, 0, 0) if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else (255, 255, 255)


def _working_copy(image: Image.Image) -> Image.Image:
    return image.copy() if image.mode in ("RGB", "RGBA") else image.convert("RGB")


# --- public drawing functions ------------------------------------------------------------------------


def render_translation(image: Image.Image, blocks: list[tuple[Box, str]], lang: str) -> Image.Image:
    """A copy of the page with each box painted in its background colour and its translation drawn in it.

    Text is wrapped to the box width at the largest size that fits, vertically centred, in black or
    white against the background; right-to-left languages are right-aligned. The layout is kept.
    """
    out = _working_copy(image)
    source = np.asarray(out)  # colours come from the original, not from boxes painted earlier
    draw = ImageDraw.Draw(out)
    rtl = script_for(lang) in RTL_SCRIPTS if lang else False
    for box, text in blocks:
        x0, y0, x1, y1 = _pixel_box(box, out.size)
        if x1 - x0 < 1 or y1 - y0 < 1:
            continue
        background = border_colour(source[y0:y1, x0:x1])
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=background)
        text = text.strip()
        if not text:
            continue
        layout = fit_text(text, lang, x1 - x0, y1 - y0)
        ink = contrasting(background)
        fill = (*ink, 255) if out.mode == "RGBA" else ink
        top = y0 + max(0.0, (y1 - y0 - layout.height) / 2)  # centred; overflow runs downwards
        for i, line in enumerate(layout.lines):
            baseline = top + layout.ascent + i * layout.pitch
            layout.fonts.draw(draw, x1 if rtl else x0, baseline, line, fill, rtl)
    return out


PALETTE = ((255, 190, 0), (0, 160, 255), (240, 60, 140), (40, 190, 100), (150, 90, 255), (255, 110, 40))
FILL_ALPHA = 70


def highlight(image: Image.Image, boxes: list[Box], labels: list[str] | None = None) -> Image.Image:
    """A copy with a translucent coloured rectangle over each box and a small label tag ([1], [2], ...).

    An empty label draws the box without a tag.
    """
    if labels is not None and len(labels) != len(boxes):
        raise ValueError(f"{len(labels)} labels for {len(boxes)} boxes")
    base = image.convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    outline = max(2, round(max(base.size) / 600))
    font_size = min(32, max(12, round(max(base.size) / 60)))
    for i, box in enumerate(boxes):
        x0, y0, x1, y1 = _pixel_box(box, base.size)
        if x1 - x0 < 1 or y1 - y0 < 1:
            continue
        colour = PALETTE[i % len(PALETTE)]
        draw.rectangle(
            (x0, y0, x1 - 1, y1 - 1), fill=(*colour, FILL_ALPHA), outline=(*colour, 230), width=outline
        )
        label = labels[i] if labels is not None else f"[{i + 1}]"
        if not label:  # an empty label: the box alone (a page overview with every line marked)
            continue
        font = font_for(label, font_size)
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font, anchor="lt")
        tag_w, tag_h = right - left + 6, bottom - top + 6
        tx = min(max(0, x0), max(0, base.width - tag_w))
        ty = y0 - tag_h if y0 - tag_h >= 0 else y0  # above the box when there is room, else inside it
        draw.rectangle((tx, ty, tx + tag_w - 1, ty + tag_h - 1), fill=(*colour, 235))
        draw.text(
            (tx + 3 - left, ty + 3 - top), label, font=font, fill=(*contrasting(colour), 255), anchor="lt"
        )
    out = Image.alpha_composite(base, overlay)
    return out if image.mode == "RGBA" else out.convert("RGB")


def crop(image: Image.Image, box: Box, margin: int = 8) -> Image.Image:
    """The region of `box` with `margin` px around it, clamped to the image."""
    x0, y0, x1, y1 = _pixel_box(
        (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin), image.size
    )
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box {box} lies outside the {image.width}×{image.height} image")
    return image.crop((x0, y0, x1, y1))
