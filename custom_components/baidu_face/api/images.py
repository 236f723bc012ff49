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
# Baidu's search takes at most 1920x1080 (either way round); the same bound for
# every call keeps one rule, and a 4K frame's faces stay large enough to find.
MAX_SIZE = (1920, 1080)
MIN_SIDE = 15
SENDABLE_FORMATS = frozenset({"JPEG", "PNG", "BMP"})
JPEG_QUALITY = 90
EXIF_ORIENTATION = 0x0112
# Orientations that turn the picture a quarter turn: the upright width is the stored height.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
# Where a whole JPEG or PNG ends; what does not end so is decoded to find out.
_ENDINGS = {"JPEG": b"\xff\xd9", "PNG": b"IEND\xaeB`\x82"}
# A 4K camera frame must not be a decompression bomb warning.
Image.MAX_IMAGE_PIXELS = 16384 * 16384


class _Pixels:
    """Maps boxes and points in the pixels Baidu saw back to the caller's."""

    __slots__ = ()
    scale: float  # caller pixels per sent pixel

    def box(self, left: float, top: float, width: float, height: float, rotation: int = 0) -> FaceBox:
        """Map a box in the sent image's pixels to the caller's."""
        s = self.scale
        return FaceBox(round(left * s, 1), round(top * s, 1), round(width * s, 1), round(height * s, 1), rotation)

    def point(self, x: float, y: float) -> Point:
        """Map a point in the sent image's pixels to the caller's."""
        return Point(round(x * self.scale, 1), round(y * self.scale, 1))


@dataclass(frozen=True, slots=True)
class PreparedImage(_Pixels):
    """Base64 ready to send, and how to map its pixels back to the caller's."""

    base64: str
    width: int  # of the caller's image
    height: int
    scale: float = 1.0  # caller pixels per sent pixel

    @property
    def sent_bytes(self) -> int:
        """How many base64 bytes a request carries for this image."""
        return len(self.base64)


class FaceToken(_Pixels, str):
    """A face Baidu has already seen, by its face_token, sent in place of a picture.

    V3 takes one wherever it takes an image (and costs no upload); V2 has no
    such thing and refuses it with BaiduFaceNotSupportedError, so the caller
    sends the picture instead. Baidu keeps the faces it saw for a while only:
    an expired token is BaiduFaceFaceNotFoundError.
    """

    __slots__ = ()
    # Boxes come back in the pixels of the picture the face was seen in.
    scale = 1.0


# What an adapter sends: a picture, or (V3) a face Baidu already saw.
type Sendable = PreparedImage | FaceToken


def prepare_image(
    data: bytes, max_base64: int = MAX_BASE64_BYTES, max_size: tuple[int, int] = MAX_SIZE
) -> PreparedImage:
    """Check and, if needed, turn upright, downscale and re-encode an image so Baidu accepts it.

    An image that already fits is sent as it is, without decoding its pixels.
    A JPEG that is too large is decoded at 1/2, 1/4 or 1/8 of its size
    straight away (JPEG draft decoding), which is several times faster than
    decoding it whole and then shrinking it. Boxes and points map back to the
    caller's pixels, of the upright picture when the image carries an EXIF
    orientation.

    Raises BaiduFaceInvalidImageError for anything that is not a usable image,
    before any request is made.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if min(width, height) < MIN_SIDE:
                raise BaiduFaceInvalidImageError(f"the image is too small ({width}x{height}); {MIN_SIDE} px at least")
            orientation = image.getexif().get(EXIF_ORIENTATION, 1)
            encoded = base64.b64encode(data)
            if (
                orientation == 1
                and _fits(image.size, max_size)
                and image.format in SENDABLE_FORMATS
                and len(encoded) <= max_base64
            ):
                ending = _ENDINGS.get(image.format or "")
                if ending is None or not data.rstrip(b"\0").endswith(ending):
                    image.load()  # raises for damaged or truncated data
                return PreparedImage(encoded.decode(), width, height)
            caller = (height, width) if orientation in _QUARTER_TURNS else (width, height)
            if image.format == "JPEG":
                image.draft("RGB", _bounds(image.size, max_size))
            image.load()
            # Phones store many photos sideways with an EXIF note; Baidu reads the
            # pixels as stored and finds no face. Send (and box) the upright picture.
            upright = ImageOps.exif_transpose(image) if orientation != 1 else image
            return _reencode(upright.convert("RGB"), caller, max_base64, max_size)
    except (UnidentifiedImageError, Image.DecompressionBombError, SyntaxError, ValueError) as err:
        raise BaiduFaceInvalidImageError(f"not an image Baidu can read: {type(err).__name__}") from None
    except OSError:
        raise BaiduFaceInvalidImageError("the image data is damaged or truncated") from None


def _bounds(size: tuple[int, int], max_size: tuple[int, int]) -> tuple[int, int]:
    """Return the largest size allowed for an image of this shape (landscape or portrait)."""
    long_side, short_side = max(max_size), min(max_size)
    return (long_side, short_side) if size[0] >= size[1] else (short_side, long_side)


def _fits(size: tuple[int, int], max_size: tuple[int, int]) -> bool:
    bounds = _bounds(size, max_size)
    return size[0] <= bounds[0] and size[1] <= bounds[1]


def _reencode(image: Image.Image, caller: tuple[int, int], max_base64: int, max_size: tuple[int, int]) -> PreparedImage:
    """Encode the (upright, perhaps draft-decoded) picture as a JPEG within the size and byte limits."""
    width, height = image.size
    bounds = _bounds(image.size, max_size)
    scale = max(1.0, width / bounds[0], height / bounds[1])
    while True:
        size = (max(MIN_SIDE, round(width / scale)), max(MIN_SIDE, round(height / scale)))
        out = io.BytesIO()
        frame = image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)
        frame.save(out, "JPEG", quality=JPEG_QUALITY)
        encoded = base64.b64encode(out.getvalue())
        if len(encoded) <= max_base64:
            return PreparedImage(encoded.decode(), caller[0], caller[1], caller[0] / size[0])
        # JPEG size grows with area: shrink the sides by the square root, plus a margin.
        scale *= max(1.1, (len(encoded) / max_base64) ** 0.5 * 1.05)
