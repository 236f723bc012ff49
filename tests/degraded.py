"""Photos a quality level must refuse, made on the spot from the repository's own sample faces.

`enroll/obama_1.jpg` faces the camera (angles within a few degrees) with its face at
(360, 140), 258 px wide: blurred, darkened or cut so the face crosses the edge, the face is
still found, and only the one check should fail.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageEnhance, ImageFilter

from tests.faces import photo

SHARP = "enroll/obama_1.jpg"
FACE_LEFT = 360


def _jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92)
    return out.getvalue()


def _sharp() -> Image.Image:
    with Image.open(io.BytesIO(photo(SHARP))) as picture:
        return picture.convert("RGB")


@cache
def blurred() -> bytes:
    """Return the photo blurred (Gaussian, 8 px: dlib still finds it; 14 px and it does not)."""
    return _jpeg(_sharp().filter(ImageFilter.GaussianBlur(8)))


@cache
def dark() -> bytes:
    """Return the photo at 15 % of its brightness: the face's mean grey level far under 40."""
    return _jpeg(ImageEnhance.Brightness(_sharp()).enhance(0.15))


@cache
def half_outside() -> bytes:
    """Return the photo cut 60 px into the face, so the face crosses the left edge."""
    picture = _sharp()
    return _jpeg(picture.crop((FACE_LEFT + 60, 0, picture.width, picture.height)))
