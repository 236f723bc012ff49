"""A kept face's picture: the face and its surroundings cut from the frame, sized to be recognised again."""

from __future__ import annotations

import io
from typing import Final

from PIL import Image

from .api import FaceBox

# The crop is the face's box grown to this many times its size (hair, chin, a little
# background): the detector must find the face again when the crop is enrolled.
CROP_GROWTH: Final = 2.0
# The local server (like Baidu) finds faces from about 60 px: a far-away face is
# enlarged until the crop's short side has this many pixels (the face about half).
MIN_CROP_SIDE: Final = 200
# A face filling a 4K frame needs no 3,000-pixel crop to be recognised again: the face
# is still about 240 px wide, where Baidu asks for 100 or more.
MAX_CROP_SIDE: Final = 480
JPEG_QUALITY: Final = 85


def crop_face(frame: bytes, box: FaceBox) -> bytes | None:
    """Return a JPEG of a face and its surroundings, sized to be detected again (None: no picture to crop)."""
    side = max(box.width, box.height) * CROP_GROWTH
    middle_x, middle_y = box.left + box.width / 2, box.top + box.height / 2
    try:
        with Image.open(io.BytesIO(frame)) as image:
            area = (
                max(0, round(middle_x - side / 2)),
                max(0, round(middle_y - side / 2)),
                min(image.width, round(middle_x + side / 2)),
                min(image.height, round(middle_y + side / 2)),
            )
            if area[2] <= area[0] or area[3] <= area[1]:
                return None
            crop = image.crop(area).convert("RGB")
    except OSError, ValueError, Image.DecompressionBombError:
        return None
    scale = max(MIN_CROP_SIDE / min(crop.size), 1.0)
    scale = min(scale, MAX_CROP_SIDE / max(crop.size))
    if scale != 1.0:
        crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()
