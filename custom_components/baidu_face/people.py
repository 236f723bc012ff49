"""The people of the face set: who they are, where and when each was last seen.

INTERFACE SKELETON (the lead's): the "people" engineer implements it. Other
modules rely on exactly these names and signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.core import HomeAssistant

from .runtime import BaiduFaceConfigEntry


@dataclass(slots=True)
class Person:
    """A person of the face set, and their last sighting."""

    uid: str
    name: str  # their user_info when known, else the uid
    groups: tuple[str, ...] = ()
    last_seen: datetime | None = None
    camera: str | None = None  # the camera entity id of the last sighting
    score: float | None = None
    group_id: str | None = None


class People:
    """An entry's people: kept in a Store, refreshed from the face set, updated by recognitions and actions."""

    @classmethod
    async def async_load(cls, hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> People:
        """Load the people an entry knew when it last ran."""
        raise NotImplementedError

    def get(self, uid: str) -> Person | None:
        """Return a person by uid."""
        raise NotImplementedError

    async def async_refresh(self) -> None:
        """Re-read who is in the face set (a few calls: one per group page); add and remove devices."""
        raise NotImplementedError

    def async_registered(self, uid: str, groups: tuple[str, ...], user_info: str | None) -> None:
        """Record a person an action registered or updated (no call)."""
        raise NotImplementedError

    def async_deleted(self, uid: str, groups: tuple[str, ...] | None) -> None:
        """Record a person an action deleted from some groups (None: every group) (no call)."""
        raise NotImplementedError


async def async_forget_people(hass: HomeAssistant, entry_id: str) -> None:
    """Delete what an entry stored about its people (the entry is being removed)."""
    raise NotImplementedError
