"""Preparing images for Baidu: a plain, blocking function to run off the event loop."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from .exceptions import BaiduFaceInvalidImageError
from .models import FaceBox, Point

# V3 takes at most 2 MB of base64 per image; V2's detect the same. One limit
# for every call keeps both dialects safe.
MAX_BASE64_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4096
MIN_SIDE = 15
SENDABLE_FORMATS = frozenset({"JPEG", "PNG", "BMP"})
JPEG_QUALITY = 90
EXIF_ORIENTATION = 0x0112
# A 4K camera frame must not be a decompression bomb warning.
Image.MAX_IMAGE_PIXELS = 16384 * 16384


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """Base64 ready to send, and how to map its pixels back to the caller's."""

    base64: str
    width: int  # of the caller's image
    height: int
    scale: float = 1.0  # caller pixels per sent pixel

    @property
    def sent_bytes(self) -> int:
        """How many base64 bytes a request carries for this image."""
        return len(self.base64)

    def box(self, left: float, top: float, width: float, height: float, rotation: int = 0) -> FaceBox:
        """Map a box in the sent image's pixels to the caller's."""
        s = self.scale
        return FaceBox(round(left * s, 1), round(top * s, 1), round(width * s, 1), round(height * s, 1), rotation)

    def point(self, x: float, y: float) -> Point:
        """Map a point in the sent image's pixels to the caller's."""
        return Point(round(x * self.scale, 1), round(y * self.scale, 1))


def prepare_image(data: bytes, max_base64: int = MAX_BASE64_BYTES) -> PreparedImage:
    """Check and, if needed, turn upright, re-encode and downscale an image so Baidu accepts it.

    Boxes and points map back to the caller's pixels, of the upright picture
    when the image carries an EXIF orientation.

    Raises BaiduFaceInvalidImageError for anything that is not a usable image,
    before any request is made.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            if min(width, height) < MIN_SIDE:
                raise BaiduFaceInvalidImageError(f"the image is too small ({width}x{height}); {MIN_SIDE} px at least")
            if image.getexif().get(EXIF_ORIENTATION, 1) != 1:
                # Phones store many photos sideways with an EXIF note; Baidu reads the
                # pixels as stored and finds no face. Send (and box) the upright picture.
                return _reencode(ImageOps.exif_transpose(image).convert("RGB"), max_base64)
            encoded = base64.b64encode(data)
            if image.format in SENDABLE_FORMATS and max(width, height) <= MAX_SIDE and len(encoded) <= max_base64:
                return PreparedImage(encoded.decode(), width, height)
            return _reencode(image.convert("RGB"), max_base64)
    except (UnidentifiedImageError, Image.DecompressionBombError, SyntaxError, ValueError) as err:
        raise BaiduFaceInvalidImageError(f"not an image Baidu can read: {type(err).__name__}") from None
    except OSError:
        raise BaiduFaceInvalidImageError("the image data is damaged or truncated") from None


def _reencode(image: Image.Image, max_base64: int) -> PreparedImage:
    width, height = image.size
    scale = max(1.0, max(width, height) / MAX_SIDE)
    while True:
        size = (max(MIN_SIDE, round(width / scale)), max(MIN_SIDE, round(height / scale)))
        out = io.BytesIO()
        image.resize(size, Image.Resampling.LANCZOS).save(out, "JPEG", quality=JPEG_QUALITY)
        encoded = base64.b64encode(out.getvalue())
        if len(encoded) <= max_base64:
            return PreparedImage(encoded.decode(), width, height, width / size[0])
        # JPEG size grows with area: shrink the sides by the square root, plus a margin.
        scale *= max(1.1, (len(encoded) / max_base64) ** 0.5 * 1.05)
