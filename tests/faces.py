"""The shared real face photos, and images made up on the spot."""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path

from PIL import Image

FACES = Path(__file__).resolve().parents[2] / "shared" / "faces"
PEOPLE = ("obama", "biden", "kit_harington", "rose_leslie", "alex_lacamoire")
STRANGER = "probe/stranger_lin_manuel_miranda.png"


@cache
def photo(name: str) -> bytes:
    """`enroll/obama_1.jpg`, `probe/obama.jpg`, ... as bytes."""
    return (FACES / name).read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def enrolment_photos() -> dict[str, list[str]]:
    """Each person's enrolment photos, by person."""
    photos: dict[str, list[str]] = {}
    for path in sorted((FACES / "enroll").glob("*.jpg")):
        photos.setdefault(path.stem.rsplit("_", 1)[0], []).append(f"enroll/{path.name}")
    return photos


def blank_image(width: int = 64, height: int = 64, fmt: str = "JPEG") -> bytes:
    """A picture with no face in it."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 200)).save(out, fmt)
    return out.getvalue()
