"""Faces kept from the cameras: a crop per face seen, bounded, browsable, and enrollable.

INTERFACE SKELETON (the lead's): the "kept faces" engineer implements it. Other
modules rely on exactly these names and signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from homeassistant.core import HomeAssistant

type Kind = Literal["unknown", "recognised"]
UNKNOWN: Kind = "unknown"
RECOGNISED: Kind = "recognised"


@dataclass(frozen=True, slots=True)
class KeptFace:
    """One kept face: its crop lives in the entry's folder under `id`."""

    id: str
    kind: Kind
    seen: datetime
    camera: str  # the camera entity id
    score: float
    box: dict[str, float]
    face_token: str | None = None
    uid: str | None = None  # recognised as, or enrolled as


def image_url(entry_id: str, face_id: str) -> str:
    """Return the (authenticated) URL of a kept face's crop, for notifications and the event."""
    return f"/api/baidu_face/{entry_id}/faces/{face_id}.jpg"


class FaceStore:
    """An entry's kept faces: at most `limit` of each kind, none older than `days`."""

    @classmethod
    async def async_load(cls, hass: HomeAssistant, entry_id: str, limit: int, days: int) -> FaceStore:
        """Load an entry's kept faces (dropping what the bounds no longer allow)."""
        raise NotImplementedError

    def get(self, face_id: str) -> KeptFace | None:
        """Return a kept face by id."""
        raise NotImplementedError

    def faces(self, kind: Kind) -> list[KeptFace]:
        """Return the kept faces of a kind, newest first."""
        raise NotImplementedError

    async def async_read(self, face_id: str) -> bytes:
        """Return a kept face's crop (JPEG)."""
        raise NotImplementedError

    async def async_enrolled(self, face_id: str, uid: str) -> KeptFace:
        """Record that a kept face was enrolled as `uid`: it moves to "recognised"."""
        raise NotImplementedError


async def async_forget_faces(hass: HomeAssistant, entry_id: str) -> None:
    """Delete every face an entry kept (the entry is being removed)."""
    raise NotImplementedError
