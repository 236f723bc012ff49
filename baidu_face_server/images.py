"""Decoding request images under Baidu's limits."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from .problems import Problem, ProblemError

# Baidu accepts these encodings only; anything else is an image format error.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "BMP"})
MAX_SIDE = 4096
MIN_SIDE = 15
# Pillow refuses absurd pixel counts itself; this keeps a 4096x4096 allowed.
Image.MAX_IMAGE_PIXELS = MAX_SIDE * MAX_SIDE


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """A request image: its bytes (which name its faces) and its RGB pixels."""

    data: bytes
    pixels: NDArray[np.uint8]


def decode_base64_image(text: str, max_base64: int, field: str = "image") -> DecodedImage:
    """Turn a request's base64 string into RGB pixels, or raise a ProblemError."""
    if not text:
        raise ProblemError(Problem.EMPTY_IMAGE, field)
    if len(text) > max_base64:
        raise ProblemError(Problem.IMAGE_SIZE, field)
    try:
        data = base64.b64decode(text, validate=False)
    except binascii.Error, ValueError:
        raise ProblemError(Problem.IMAGE_FORMAT, field) from None
    return decode_image_bytes(data, field)


def decode_image_bytes(data: bytes, field: str = "image") -> DecodedImage:
    """Turn image bytes into RGB pixels, or raise a ProblemError naming `field`."""
    if not data:
        raise ProblemError(Problem.EMPTY_IMAGE, field)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise ProblemError(Problem.IMAGE_FORMAT, field)
            width, height = image.size
            if max(width, height) > MAX_SIDE or min(width, height) < MIN_SIDE:
                raise ProblemError(Problem.IMAGE_SIZE, field)
            pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
    except UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError:
        raise ProblemError(Problem.IMAGE_FORMAT, field) from None
    return DecodedImage(data, pixels)
