"""One "Face" event entity per identifying camera: `recognized`, `unknown` or `uncertain`, as announced.

Detect-mode cameras name nobody and announce nothing (their faces fire Home
Assistant's `image_processing.detect_face`), so they get no event entity.
"""

from __future__ import annotations

from typing import override

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .announcements import Announcement
from .const import EVENT_RECOGNIZED, EVENT_UNCERTAIN, EVENT_UNKNOWN_FACE
from .entity import CameraEntity
from .runtime import BaiduFaceConfigEntry
from .scanner import CameraScanner

PARALLEL_UPDATES = 0

RECOGNIZED = "recognized"
UNKNOWN = "unknown"
UNCERTAIN = "uncertain"
# The bus event each event type mirrors.
_EVENT_TYPES = {EVENT_RECOGNIZED: RECOGNIZED, EVENT_UNKNOWN_FACE: UNKNOWN, EVENT_UNCERTAIN: UNCERTAIN}


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add a face event entity to each identifying camera subentry, under that subentry."""
    for scanner in entry.runtime_data.scanners.values():
        if scanner.settings.identify:
            async_add_entities([FaceEvent(entry, scanner)], config_subentry_id=scanner.subentry_id)


class FaceEvent(CameraEntity, EventEntity):
    """A camera's faces as events: `recognized` for each person announced, `unknown` for a stranger, `uncertain`."""

    def __init__(self, entry: BaiduFaceConfigEntry, scanner: CameraScanner) -> None:
        """Hear `scanner`'s announcements."""
        super().__init__(entry, scanner, "face")
        self._attr_event_types = [RECOGNIZED, UNKNOWN, UNCERTAIN]

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the scanner's announcements."""
        self.async_on_remove(self._scanner.announcer.async_add_listener(self._announced))

    @callback
    def _announced(self, announcement: Announcement) -> None:
        self._trigger_event(_EVENT_TYPES[announcement.event_type], announcement.event_attributes())
        self.async_write_ha_state()
