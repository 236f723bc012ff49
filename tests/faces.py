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


def build_face_set(db: Path, api_keys: list[str], group: str = "family") -> None:
    """Register everyone in ../shared/faces/enroll straight into a server database (fast set-up)."""
    from baidu_face_server.images import decode_image_bytes
    from baidu_face_server.server import shared_engine
    from baidu_face_server.store import FaceStore

    store = FaceStore(db)
    engine = shared_engine()
    try:
        for person, photos in enrolment_photos().items():
            for name in photos:
                image = decode_image_bytes(photo(name))
                (face,) = engine.analyze(image.pixels, image.data, 1)
                info = person.replace("_", " ").title()
                for key in api_keys:
                    store.save_user(key, [group], person, info, face, replace_faces=False)
    finally:
        store.close()
