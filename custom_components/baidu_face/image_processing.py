"""One face-recognition entity per camera subentry."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, cast, override

from homeassistant.components.image_processing import (
    ATTR_AGE,
    ATTR_CONFIDENCE,
    ATTR_GENDER,
    ATTR_GLASSES,
    ATTR_MOTION,
    FaceInformation,
    ImageProcessingFaceEntity,
)
from homeassistant.components.image_processing.const import DOMAIN as IMAGE_PROCESSING_DOMAIN
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import ATTR_ENTITY_ID, ATTR_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval

from .api import (
    DEFAULT_THRESHOLD,
    BaiduFaceAuthenticationError,
    BaiduFaceError,
    Face,
    IdentifiedFace,
    is_same_person,
)
from .const import (
    CONF_ATTRIBUTES,
    CONF_CAMERA,
    CONF_GROUPS,
    CONF_MAX_FACES,
    CONF_MODE,
    CONF_SCAN_INTERVAL,
    CONF_THRESHOLD,
    DEFAULT_MAX_FACES,
    EVENT_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
    MODE_IDENTIFY,
    SUBENTRY_CAMERA,
)
from .entity import camera_device
from .helpers import box_attributes
from .runtime import BaiduFaceConfigEntry

_LOGGER = logging.getLogger(__name__)

# Scans of different cameras may overlap: the client's QPS limiter paces them.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add one recognition entity per camera subentry, under that subentry."""
    cameras = [BaiduFaceCamera(entry, s) for s in entry.subentries.values() if s.subentry_type == SUBENTRY_CAMERA]
    # A camera whose mode changed is a new entity: drop what no subentry describes any more.
    registry = er.async_get(hass)
    current = {camera.unique_id for camera in cameras}
    for stale in er.async_entries_for_config_entry(registry, entry.entry_id):
        if stale.domain == IMAGE_PROCESSING_DOMAIN and stale.unique_id not in current:
            registry.async_remove(stale.entity_id)
    for camera in cameras:
        async_add_entities([camera], config_subentry_id=camera.subentry_id)


class BaiduFaceCamera(ImageProcessingFaceEntity):
    """Detects or identifies the faces a camera shows, when asked or on its own schedule."""

    _attr_has_entity_name = True
    # Polling would spend the quota every 10 s; scans run on demand or on the subentry's interval.
    _attr_should_poll = False

    def __init__(self, entry: BaiduFaceConfigEntry, subentry: ConfigSubentry) -> None:
        """Take the camera's settings, the entry's options filling the gaps."""
        super().__init__()
        settings = {**entry.options, **subentry.data}
        self._entry = entry
        self._client = entry.runtime_data.client
        self._identify = settings[CONF_MODE] == MODE_IDENTIFY
        self._groups: list[str] = list(settings.get(CONF_GROUPS) or [])
        self._threshold = float(settings.get(CONF_THRESHOLD, DEFAULT_THRESHOLD))
        self._max_faces = int(settings.get(CONF_MAX_FACES, DEFAULT_MAX_FACES))
        self._attributes: list[str] = list(entry.options.get(CONF_ATTRIBUTES, []))
        self._interval = int(settings.get(CONF_SCAN_INTERVAL, 0))
        self._last_error: str | None = None
        self._attr_camera_entity = settings[CONF_CAMERA]
        # With a confidence, the state is the best face's name; without, the face count.
        self._attr_confidence = self._threshold if self._identify else None
        self.subentry_id = subentry.subentry_id
        self._attr_unique_id = f"{subentry.subentry_id}_{settings[CONF_MODE]}"
        self._attr_translation_key = settings[CONF_MODE]
        self._attr_device_info = camera_device(entry, subentry)

    @override
    async def async_added_to_hass(self) -> None:
        """Start the camera's own scan schedule, if it has one."""
        if self._interval:
            self.async_on_remove(
                async_track_time_interval(self.hass, self._scheduled_scan, timedelta(seconds=self._interval))
            )

    async def _scheduled_scan(self, _: datetime) -> None:
        await self.async_update_ha_state(force_refresh=True)

    @override
    async def async_process_image(self, image: bytes) -> None:
        """Identify or detect the faces of a frame, firing events; a failed scan keeps the last result."""
        try:
            if self._identify:
                faces = self._identified(await self._client.identify(image, self._groups, max_faces=self._max_faces))
            else:
                detected = await self._client.detect(image, max_faces=self._max_faces, attributes=self._attributes)
                faces = [self._detected(face) for face in detected]
        except BaiduFaceAuthenticationError as err:
            self._entry.async_start_reauth(self.hass)
            self._log_failure(err)
            return
        except BaiduFaceError as err:
            # Attributes keep the last completed scan; the failure is logged once.
            self._log_failure(err)
            return
        if self._last_error is not None:
            _LOGGER.info("%s scans work again", self.entity_id)
            self._last_error = None
        self.async_process_faces(faces, len(faces))

    def _log_failure(self, err: BaiduFaceError) -> None:
        message = str(err)
        log = _LOGGER.debug if message == self._last_error else _LOGGER.warning
        log("%s could not scan %s: %s", self.entity_id, self.camera_entity, message)
        self._last_error = message

    def _identified(self, faces: list[IdentifiedFace]) -> list[FaceInformation]:
        """Face attributes, and one recognised / unknown event per face."""
        found: list[FaceInformation] = []
        for face in faces:
            best = face.best
            box = box_attributes(face.box)
            base = {ATTR_ENTITY_ID: self.entity_id, "camera_entity_id": self.camera_entity, "box": box}
            if best is not None and is_same_person(best.score, self._threshold):
                info: dict[str, Any] = {
                    ATTR_NAME: best.user_info or best.uid,
                    ATTR_CONFIDENCE: best.score,
                    "uid": best.uid,
                    "group_id": best.group_id,
                    "user_info": best.user_info,
                    "box": box,
                }
                event = {
                    **base,
                    "uid": best.uid,
                    "user_info": best.user_info,
                    "group_id": best.group_id,
                    "score": best.score,
                }
                self.hass.bus.async_fire(EVENT_RECOGNIZED, event)
            else:
                score = best.score if best else 0.0
                info = {ATTR_CONFIDENCE: score, "box": box}
                self.hass.bus.async_fire(EVENT_UNKNOWN_FACE, {**base, "score": score})
            # FaceInformation lists HA's keys only; ours (uid, box, ...) ride along.
            found.append(cast(FaceInformation, info))
        return found

    def _detected(self, face: Face) -> FaceInformation:
        info: dict[str, Any] = {ATTR_CONFIDENCE: round(face.probability * 100, 1), "box": box_attributes(face.box)}
        # Home Assistant's own face keys where they exist (expression is its "motion").
        for key, value in (
            (ATTR_AGE, face.age),
            (ATTR_GENDER, face.gender),
            (ATTR_GLASSES, face.glasses),
            (ATTR_MOTION, face.expression),
        ):
            if value is not None:
                info[key] = value
        for key in ("beauty", "emotion", "face_shape"):
            if (value := getattr(face, key)) is not None:
                info[key] = value
        if face.landmarks:
            info["landmarks"] = [asdict(point) for point in face.landmarks]
        return cast(FaceInformation, info)
