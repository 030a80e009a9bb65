"""Drawing on page images: translations laid into their boxes, citation highlights, crops."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from assistant.documents import render
from tests.fixtures import cjk

LABEL_RED = (200, 30, 40)
PAPER = (250, 250, 245)


def _label() -> tuple[Image.Image, list[tuple[float, float, float, float]]]:
    """A product label: white Chinese text on a red band, black Chinese text on paper below it."""
    image = Image.new("RGB", (720, 280), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 700, 130), fill=LABEL_RED)
    font = cjk(44)
    boxes = []
    for xy, text, colour in (
        ((40, 50), "产品名称：绿茶", "white"),
        ((40, 180), "净含量：二百五十克", "black"),
    ):
        draw.text(xy, text, font=font, fill=colour)
        x0, y0, x1, y1 = draw.textbbox(xy, text, font=font)
        boxes.append((x0 - 4, y0 - 4, x1 + 4, y1 + 4))  # OCR boxes sit a little outside the ink
    return image, boxes


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def _inside(shape: tuple[int, ...], boxes, grow: int = 0) -> np.ndarray:
    mask = np.zeros(shape[:2], dtype=bool)
    for x0, y0, x1, y1 in boxes:
        mask[
            max(0, int(y0) - grow) : int(np.ceil(y1)) + grow, max(0, int(x0) - grow) : int(np.ceil(x1)) + grow
        ] = True
    return mask


TRANSLATIONS = ["Product name: Green tea", "Net weight: 250 g"]


@pytest.fixture(scope="module")
def translated():
    image, boxes = _label()
    out = render.render_translation(image, list(zip(boxes, TRANSLATIONS, strict=True)), "en")
    return image, boxes, out


def test_translation_keeps_size_and_pixels_outside_the_boxes(translated):
    image, boxes, out = translated
    assert out.size == image.size and out is not image
    before, after = _pixels(image), _pixels(out)
    outside = ~_inside(before.shape, boxes)
    assert (before[outside] == after[outside]).all()
    assert (_pixels(image) == before).all()  # the input is not drawn on


def test_translation_paints_over_the_original_text_in_the_local_background(translated):
    image, boxes, out = translated
    before, after = _pixels(image), _pixels(out)
    for x0, y0, x1, y1 in boxes:
        region = (slice(int(y0), int(y1)), slice(int(x0), int(x1)))
        assert not (before[region] == after[region]).all()
    # The red band's box is still red (its border colour), not white or the paper colour.
    x0, y0, x1, y1 = (int(v) for v in boxes[0])
    assert tuple(after[y0 + 1, x0 + 1]) == LABEL_RED and tuple(after[y1 - 2, x1 - 2]) == LABEL_RED
    x0, y0, x1, y1 = (int(v) for v in boxes[1])
    assert tuple(after[y0 + 1, x0 + 1]) == PAPER
    # Most of the Chinese strokes are gone: pixels that were white text on red are mostly red now.
    x0, y0, x1, y1 = (int(v) for v in boxes[0])
    was_text = (before[y0:y1, x0:x1] > 230).all(axis=2)
    now_red = (after[y0:y1, x0:x1] == LABEL_RED).all(axis=2)
    assert was_text.sum() > 500 and (was_text & now_red).sum() > 0.6 * was_text.sum()


def test_translation_text_contrasts_with_its_background(translated):
    _, boxes, out = translated
    after = _pixels(out)
    x0, y0, x1, y1 = (int(v) for v in boxes[0])
    assert ((after[y0:y1, x0:x1] > 230).all(axis=2)).sum() > 100  # white on red
    x0, y0, x1, y1 = (int(v) for v in boxes[1])
    assert ((after[y0:y1, x0:x1] < 40).all(axis=2)).sum() > 100  # black on paper


def test_translation_is_readable_by_ocr(translated):
    from assistant.readers import rapid

    _, boxes, out = translated
    regions = rapid.recognize(out)
    text = " ".join(r.text for r in regions).lower()
    for word in ("product", "name", "green", "tea", "net", "weight", "250"):
        assert word in text, (word, text)
    # Each translation was read inside its own box.
    for box, translation in zip(boxes, TRANSLATIONS, strict=True):
        first_word = translation.split()[0].lower()
        hits = [r for r in regions if first_word in r.text.lower()]
        assert hits and all(box[1] - 2 <= (r.box[1] + r.box[3]) / 2 <= box[3] + 2 for r in hits)


def test_long_text_wraps_within_the_box_with_the_largest_size_that_fits():
    text = "Keep in a cool dry place away from direct sunlight after opening"
    layout = render.fit_text(text, "en", 200, 120)
    assert len(layout.lines) > 1
    assert " ".join(layout.lines) == text  # word wrap: no word split, none dropped
    assert all(layout.fonts.getlength(line) <= 200 for line in layout.lines)
    assert layout.height <= 120
    bigger = render._layout(text, "en", layout.fonts.size + 1, 200, break_words=False)
    assert bigger is None or bigger.height > 120  # one size larger would not fit


def test_chinese_wraps_between_characters():
    text = "开封后请置于阴凉干燥处避免阳光直射"
    layout = render.fit_text(text, "zh", 160, 90)
    assert len(layout.lines) > 1 and "".join(layout.lines) == text


def test_text_that_cannot_fit_overflows_at_the_minimum_size_without_losing_words():
    text = "An extraordinarily long translation that cannot possibly fit into such a tiny box"
    layout = render.fit_text(text, "en", 60, 12)
    assert layout.fonts.size == render.MIN_FONT
    assert layout.height > 12
    assert "".join(layout.lines).replace(" ", "") == text.replace(" ", "")
    image = Image.new("RGB", (200, 200), "white")
    out = render.render_translation(image, [((10, 10, 70, 22), text)], "en")
    below = _pixels(out)[30:, 10:70]
    assert (below < 128).any()  # the overflow is drawn below the box, not dropped


@pytest.mark.parametrize(
    ("lang", "face"),
    [
        ("zh", "Noto Sans CJK SC"),
        ("zh-Hant", "Noto Sans CJK TC"),
        ("ja", "Noto Sans CJK JP"),
        ("ko", "Noto Sans CJK KR"),
        ("你好", "Noto Sans CJK SC"),
        ("こんにちは", "Noto Sans CJK JP"),
    ],
)
def test_font_for_picks_the_cjk_face(lang, face):
    font = render.font_for(lang, 24)
    assert font.getname()[0] == face
    assert render.has_glyphs(font, "中文日本語한국어")


@pytest.mark.parametrize(
    ("lang", "sample"), [("hi", "न"), ("ar", "ب"), ("th", "ก"), ("he", "ש"), ("ru", "Ж")]
)
def test_font_for_covers_the_script(lang, sample):
    font = render.font_for(lang, 24)
    assert font.getmask(sample).getbbox() is not None
    # A missing glyph draws the .notdef box, which has ink too: the Latin font must be told apart.
    assert render.has_glyphs(font, sample)
    assert lang == "ru" or not render.has_glyphs(render.font_for("en", 24), sample)


def test_fonts_are_cached():
    assert render.font_for("zh", 30) is render.font_for("zh", 30)


def test_digits_missing_from_a_script_font_come_from_the_fallback():
    # Noto Sans Thai has no digits: without the fallback '250' would be drawn as .notdef boxes.
    assert not render.has_glyphs(render.font_for("th", 24), "250")
    runs = render.font_chain("th", "", 24).runs("น้ำหนัก 250 กรัม")
    assert [piece for font, piece in runs if render.has_glyphs(font, "250")] == ["250 "]


def test_missing_font_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setitem(render.FONTS, "Thai", (render.FontFile(tmp_path / "none.ttf", "fonts-noto-core"),))
    with pytest.raises(render.FontMissingError, match="fonts-noto-core"):
        render.font_for("th", 20)
    image = Image.new("RGB", (200, 60), "white")
    with pytest.raises(render.FontMissingError, match="fonts-noto-core"):
        render.render_translation(image, [((10, 10, 190, 50), "ชาเขียว")], "th")


def test_missing_fallback_font_only_costs_its_characters(monkeypatch, tmp_path):
    missing = render.FontFile(tmp_path / "none.ttf", "fonts-noto-core")
    monkeypatch.setitem(render.FONTS, "Latin", (missing,))
    chain = render.font_chain("th", "ชาเขียว 250", 20)
    assert [path.name for path, _ in chain.faces] == ["NotoSansThai-Regular.ttf"]


def test_highlight_tints_boxes_and_labels_them_only_there():
    image, boxes = _label()
    out = render.highlight(image, boxes)
    assert out.size == image.size and out.mode == "RGB"
    before, after = _pixels(image), _pixels(out)
    changed = (before != after).any(axis=2)
    near = _inside(before.shape, boxes, grow=30)  # the box, its outline and the label tag above it
    assert not changed[~near].any()
    for x0, y0, x1, y1 in boxes:
        inside = changed[int(y0) + 5 : int(y1) - 5, int(x0) + 5 : int(x1) - 5]
        assert inside.mean() > 0.9  # translucent tint over the whole box
        above = changed[max(0, int(y0) - 25) : int(y0), int(x0) : int(x0) + 20]
        assert above.any()  # the [n] tag
    # Translucent: the red band still shows through the first box's tint.
    x0, y0 = int(boxes[0][0]) + 8, int(boxes[0][1]) + 8
    assert after[y0, x0][0] > after[y0, x0][2]


def test_highlight_labels_differ_by_number():
    image = Image.new("RGB", (400, 200), "white")
    box = (100, 80, 300, 120)
    one = _pixels(render.highlight(image, [box], ["[1]"]))
    two = _pixels(render.highlight(image, [box], ["[2]"]))
    assert (one != two).any()
    with pytest.raises(ValueError):
        render.highlight(image, [box], ["[1]", "[2]"])


def test_crop_adds_the_margin_and_clamps_to_the_image():
    image, _ = _label()
    inner = render.crop(image, (100, 100, 200, 150), margin=8)
    assert inner.size == (116, 66)
    assert (_pixels(inner) == _pixels(image)[92:158, 92:208]).all()
    corner = render.crop(image, (-20, 5, 30, 40), margin=8)
    assert corner.size == (38, 48)
    edge = render.crop(image, (700, 260, 730, 300), margin=8)
    assert edge.size == (28, 28)
    with pytest.raises(ValueError):
        render.crop(image, (800, 10, 900, 50), margin=8)
