"""Checkboxes on a page image: small squares about a text line high, ticked when ink fills their inside.

OCR reads the option beside a box ("Yes", "No") but not the box, so a form's answer to "Smoker: ☐ Yes
☒ No" comes from the pixels: the squares are found as four-cornered outlines (OpenCV contours) of a
line's height, and a box is ticked when its inside (inset from the border) holds ink.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..documents.model import Box

TICKED_INK = 0.12  # share of dark pixels inside the box, its border left out


@dataclass(frozen=True)
class Checkbox:
    box: Box
    ticked: bool


def find_checkboxes(image: Image.Image, line_height: float, text_boxes: Sequence[Box] = ()) -> list[Checkbox]:
    """The squares whose side is 0.5-2 times the text's line height, ticked or not, top to bottom. A square
    inside a line of text (口, 日, a table cell's corner) is a character, not a box: only one at the start
    of a line (OCR often reads a box into its option's line) counts."""
    import cv2

    gray = np.asarray(image.convert("L"))
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    found: list[Checkbox] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (0.5 * line_height <= w <= 2.0 * line_height and 0.8 <= w / max(h, 1) <= 1.25):
            continue
        outline = cv2.approxPolyDP(contour, 0.08 * cv2.arcLength(contour, True), True)
        if len(outline) != 4 or cv2.contourArea(contour) < 0.6 * w * h:
            continue
        box = (float(x), float(y), float(x + w), float(y + h))
        if any(_overlap(box, t) > 0.3 and box[0] - t[0] > 0.5 * line_height for t in text_boxes):
            continue
        if any(_overlap(box, other.box) > 0.5 for other in found):
            continue  # the outer and inner edge of one border
        if not _ruled_on_four_sides(ink[y : y + h, x : x + w] > 0):
            continue  # a round mark (⊗) or a character's strokes, not a printed square
        inset = max(2, round(0.22 * w))
        inside = ink[y + inset : y + h - inset, x + inset : x + w - inset]
        ticked = inside.size > 0 and float((inside > 0).mean()) >= TICKED_INK
        found.append(Checkbox(box, ticked))
    return sorted(found, key=lambda c: (c.box[1], c.box[0]))


def _ruled_on_four_sides(cell: np.ndarray, band: int = 3, least: float = 0.75) -> bool:
    """Each side of the square is an unbroken line (most of a thin band along it is ink), and it has
    corners."""
    band = max(1, min(band, cell.shape[0] // 4, cell.shape[1] // 4))
    sides = [
        cell[:band].any(axis=0),
        cell[-band:].any(axis=0),
        cell[:, :band].any(axis=1),
        cell[:, -band:].any(axis=1),
    ]
    corners = [cell[:band, :band], cell[:band, -band:], cell[-band:, :band], cell[-band:, -band:]]
    # A printed square has ink in its four corners; a letter's bowl (D, O, 0) is rounded off at two.
    return all(side.mean() >= least for side in sides) and all(corner.mean() >= 0.3 for corner in corners)


def _overlap(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 0.0
