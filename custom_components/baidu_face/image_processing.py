"""One face-recognition entity per camera subentry, showing what its camera's scanner saw."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, override

from homeassistant.components.image_processing import FaceInformation, ImageProcessingFaceEntity
from homeassistant.components.image_processing.const import DOMAIN as IMAGE_PROCESSING_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import CameraEntity
from .runtime import BaiduFaceConfigEntry
from .scanner import CameraScanner
from .visits import Visit

# Scans of different cameras may overlap: the client's QPS limiter paces them.
PARALLEL_UPDATES = 0

IDENTIFY_OBJECT_ID = "Recognised person"


class Presence(StrEnum):
    """Who an identifying camera's last visit saw: its `presence` attribute.

    Nobody and a stranger are also the entity's state (translated); a known person's
    state is their name. Unknown (None) means not known: no visit since the start, or
    the last scan failed.
    """

    NOBODY = "nobody"
    STRANGER = "stranger"
    KNOWN = "known"


def presence_of(visit: Visit) -> Presence:
    """Return who a visit that scanned frames saw."""
    if visit.known:
        return Presence.KNOWN
    return Presence.STRANGER if visit.faces else Presence.NOBODY


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add one recognition entity per camera subentry, under that subentry."""
    cameras = [BaiduFaceCamera(entry, scanner) for scanner in entry.runtime_data.scanners.values()]
    # A camera whose mode changed is a new entity: drop what no subentry describes any more.
    registry = er.async_get(hass)
    current = {camera.unique_id for camera in cameras}
    for stale in er.async_entries_for_config_entry(registry, entry.entry_id):
        if stale.domain == IMAGE_PROCESSING_DOMAIN and stale.unique_id not in current:
            registry.async_remove(stale.entity_id)
    for camera in cameras:
        async_add_entities([camera], config_subentry_id=camera.subentry_id)


class BaiduFaceCamera(CameraEntity, ImageProcessingFaceEntity):
    """The faces of a camera's last visit: a person's name (identify) or a face count (detect)."""

    def __init__(self, entry: BaiduFaceConfigEntry, scanner: CameraScanner) -> None:
        """Show `scanner`'s camera."""
        settings = scanner.settings
        super().__init__(entry, scanner, settings.mode)
        self._attr_camera_entity = settings.camera
        # With a confidence, Home Assistant's state is the best known face's name; without, the face count.
        self._attr_confidence = settings.threshold if settings.identify else None
        self.subentry_id = scanner.subentry_id
        self._presence: Presence | None = None

    @property
    @override
    def suggested_object_id(self) -> str | None:
        """Return what the entity id is made of: for identify, the name's first (British) spelling.

        Home Assistant makes entity ids from the English name, and this one was
        "Recognised person" before the UI moved to American English: new
        installations get the `<camera>_recognised_person` older ones have, so
        automations, dashboards and the docs' examples fit both.
        """
        return IDENTIFY_OBJECT_ID if self._scanner.settings.identify else super().suggested_object_id

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the scanner's visits."""
        self.async_on_remove(self._scanner.async_add_listener(self._visit_finished))

    @override
    async def async_update(self) -> None:
        """Scan one frame now (image_processing.scan); the result arrives as a visit."""
        await self._scanner.async_scan()

    @override
    async def async_process_image(self, image: bytes) -> None:
        """Not used: the scanner fetches the camera's frames itself."""
        raise NotImplementedError

    @property
    @override
    def state(self) -> str | int | None:
        """Return the best known face's name, nobody or stranger (identify) or the face count; unknown: not known.

        Home Assistant's own state is the name or unknown, which cannot tell an empty
        doorway from a stranger, nor either from a failed scan.
        """
        if self._scanner.problem is not None:
            return None
        if not self._scanner.settings.identify or self._presence is Presence.KNOWN:
            return super().state
        return self._presence

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return who is there (identify), when a scan last worked and what the change gate kept back."""
        last = self._scanner.last_visit
        attributes: dict[str, Any] = {"presence": self._presence} if self._scanner.settings.identify else {}
        return attributes | {
            "last_scan_success": self._scanner.last_success,
            "frames_scanned": last.frames_scanned if last else 0,
            "frames_skipped": self._scanner.frames_skipped,
        }

    def _visit_finished(self, visit: Visit) -> None:
        if visit.problem is not None:
            # Never claim a person from a frame older than a failed scan.
            self.faces = []
            self.total_faces = 0
            self._presence = None
        elif visit.frames_scanned:
            faces: list[FaceInformation] = [face.attributes() for face in visit.faces]
            # Fires image_processing.detect_face for faces above the confidence.
            self.async_process_faces(faces, len(faces))
            self._presence = presence_of(visit)
        self.async_write_ha_state()
