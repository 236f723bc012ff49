"""One "Face" event entity per identifying camera: `recognized` or `unknown`, as the scanner announces them.

Detect-mode cameras name nobody and announce nothing (their faces fire Home
Assistant's `image_processing.detect_face`), so they get no event entity.
"""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE
from .entity import CameraEntity
from .recognition import CameraScanner
from .runtime import BaiduFaceConfigEntry

PARALLEL_UPDATES = 0

RECOGNIZED = "recognized"
UNKNOWN = "unknown"
# The bus event each event type mirrors.
_EVENT_TYPES = {EVENT_RECOGNIZED: RECOGNIZED, EVENT_UNKNOWN_FACE: UNKNOWN}
# Keys of the bus event passed through as they are: the unknown face's count, and
# the kept face's id and crop URL (faces.py adds them when it keeps the face).
_PASSED_THROUGH = ("score", "box", "faces", "face_id", "image_url")


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add a face event entity to each identifying camera subentry, under that subentry."""
    for scanner in entry.runtime_data.scanners.values():
        if scanner.settings.identify:
            async_add_entities([FaceEvent(entry, scanner)], config_subentry_id=scanner.subentry_id)


def event_attributes(data: dict[str, Any]) -> dict[str, Any]:
    """Return the event entity's attributes for a bus event's data: who (if known), score, box, frames."""
    attributes: dict[str, Any] = {}
    if "uid" in data:
        attributes["uid"] = data["uid"]
        attributes["name"] = data.get("user_info") or data["uid"]
    attributes |= {key: data[key] for key in _PASSED_THROUGH if key in data}
    attributes["frames"] = data["frames_scanned"]
    return attributes


class FaceEvent(CameraEntity, EventEntity):
    """A camera's faces as events: `recognized` for each person announced, `unknown` for a stranger."""

    def __init__(self, entry: BaiduFaceConfigEntry, scanner: CameraScanner) -> None:
        """Hear `scanner`'s announcements."""
        super().__init__(entry, scanner, "face")
        self._attr_event_types = [RECOGNIZED, UNKNOWN]

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the scanner's announcements."""
        self.async_on_remove(self._scanner.async_add_announcement_listener(self._announced))

    @callback
    def _announced(self, event_type: str, data: dict[str, Any]) -> None:
        self._trigger_event(_EVENT_TYPES[event_type], event_attributes(data))
        self.async_write_ha_state()
