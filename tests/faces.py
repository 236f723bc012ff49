"""The sample face photos (sample_faces/), and images made up on the spot."""

from __future__ import annotations

import base64
import io
from collections.abc import Collection
from functools import cache
from pathlib import Path

from PIL import Image

from sample_faces import FOLDER as FACES
from sample_faces import PEOPLE, STRANGER
from sample_faces import enrolment_photos as _enrolment_photos

__all__ = ["FACES", "PEOPLE", "STRANGER", "b64", "blank_image", "build_face_set", "enrolment_photos", "photo"]


@cache
def photo(name: str) -> bytes:
    """`enroll/obama_1.jpg`, `probe/obama.jpg`, ... as bytes."""
    return (FACES / name).read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def enrolment_photos() -> dict[str, list[str]]:
    """Each person's enrolment photos, by person."""
    return {person: [f"enroll/{p.name}" for p in paths] for person, paths in _enrolment_photos().items()}


def blank_image(width: int = 64, height: int = 64, fmt: str = "JPEG") -> bytes:
    """Make a picture with no face in it."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 200)).save(out, fmt)
    return out.getvalue()


def build_face_set(db: Path, api_keys: list[str], group: str = "family", people: Collection[str] | None = None) -> None:
    """Register everyone in sample_faces/enroll (or only `people`) straight into a server database (fast set-up)."""
    from baidu_face_server.images import decode_image_bytes
    from baidu_face_server.server import shared_engine
    from baidu_face_server.store import FaceStore

    store = FaceStore(db)
    engine = shared_engine()
    try:
        for person, photos in enrolment_photos().items():
            if people is not None and person not in people:
                continue
            for name in photos:
                image = decode_image_bytes(photo(name))
                (face,) = engine.analyze(image.pixels, image.data, 1)
                info = person.replace("_", " ").title()
                for key in api_keys:
                    store.save_user(key, [group], person, info, face, replace_faces=False)
    finally:
        store.close()
