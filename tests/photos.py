"""Rendered pages made to look photographed: held at a slight angle, a little soft, JPEG-compressed."""

from __future__ import annotations

import io

from PIL import Image, ImageFilter


def photographed(image: Image.Image, tilt: float = 0.04, blur: float = 0.8, quality: int = 70) -> Image.Image:
    """The page seen from a little off-centre (a perspective warp), blurred and saved as a phone would."""
    width, height = image.size
    shift = tilt * width
    # Where the corners of the output come from in the page: the top edge is seen a little narrower.
    quad = (shift, 0, 0, height, width, height, width - shift, 0)
    warped = image.convert("RGB").transform(
        (width, height), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=(235, 232, 226)
    )
    soft = warped.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    soft.save(out, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))
