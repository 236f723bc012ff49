"""The per-camera scanner: visits, bursts, the change gate, announcements and outages.

A *visit* starts when a trigger entity turns active (or on the camera's interval,
or when `image_processing.scan` is called). It scans a burst of frames a few
seconds apart and stops at the first confident recognition (identify) or face
(detect). A frame that looks like the last frame sent is not sent. When the
visit ends its frames' results are combined, its faces are kept (faces.py), each
person is announced once (not again within the cool-down) with the crop's id and
URL, and the camera's entities, which listen, update.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.camera import async_get_image
from homeassistant.components.image_processing.const import DOMAIN as IMAGE_PROCESSING_DOMAIN
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import ATTR_ENTITY_ID, STATE_HOME, STATE_ON, STATE_OPEN, STATE_UNAVAILABLE
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_call_later, async_track_state_change_event, async_track_time_interval
from homeassistant.util import dt as dt_util
from PIL import Image, ImageChops

from .api import (
    DEFAULT_THRESHOLD,
    BaiduFaceAuthenticationError,
    BaiduFaceClient,
    BaiduFaceError,
)
from .const import (
    CONF_ATTRIBUTES,
    CONF_BURST_FRAMES,
    CONF_BURST_INTERVAL,
    CONF_CAMERA,
    CONF_CHANGE_THRESHOLD,
    CONF_COOLDOWN,
    CONF_GROUPS,
    CONF_MAX_FACES,
    CONF_MODE,
    CONF_SCAN_INTERVAL,
    CONF_THRESHOLD,
    CONF_TRIGGERS,
    DEFAULT_BURST_FRAMES,
    DEFAULT_BURST_INTERVAL,
    DEFAULT_CHANGE_THRESHOLD,
    DEFAULT_COOLDOWN,
    DEFAULT_MAX_FACES,
    EVENT_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
    MODE_IDENTIFY,
)
from .errors import REASON_CAMERA, problem_reason
from .faces import RECOGNISED, UNKNOWN, FaceStore, KeptFace, Sighting, image_url
from .seen import SeenFace, box_attributes

_LOGGER = logging.getLogger(__name__)

# The change gate compares grey thumbnails this small: a 4K frame decodes at 1/8 scale
# (JPEG draft mode) and is averaged down, which also averages sensor noise away.
THUMBNAIL_SIZE = (64, 48)
# A thumbnail pixel that moved by fewer grey levels than this is noise, not change.
_NOISE_LEVELS = 24
_CHANGED = [0] * (_NOISE_LEVELS + 1) + [255] * (255 - _NOISE_LEVELS)


def thumbnail(image: bytes) -> Image.Image | None:
    """Return a frame as a small grey thumbnail (None when it is not an image PIL reads)."""
    try:
        with Image.open(io.BytesIO(image)) as frame:
            # JPEG only: decode at the smallest DCT scale still at least twice the thumbnail.
            frame.draft("L", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))
            return frame.convert("L").resize(THUMBNAIL_SIZE, Image.Resampling.BOX)
    except OSError, ValueError, Image.DecompressionBombError:
        return None


def changed_percent(before: Image.Image, after: Image.Image) -> float:
    """Return the percentage of two thumbnails' pixels that changed by more than noise does."""
    moved = ImageChops.difference(before, after).point(_CHANGED)
    return moved.histogram()[255] * 100 / (THUMBNAIL_SIZE[0] * THUMBNAIL_SIZE[1])


def is_active(old: State | None, new: State | None) -> bool:
    """Whether a trigger entity's state change starts a visit.

    Event entities (a doorbell's press): any new state. Numbers (Frigate's person
    count): a rise above the previous value. Anything else: turning on (or open,
    home). Coming back from unavailable (a restart) is not a visit.
    """
    if old is None or new is None or STATE_UNAVAILABLE in (old.state, new.state):
        return False
    if new.state in (old.state, "unknown"):
        return False
    if new.domain == "event":
        return True
    try:
        count, before = float(new.state), float(old.state) if old.state != "unknown" else 0.0
    except ValueError:
        return new.state in (STATE_ON, STATE_OPEN, STATE_HOME)
    return count > 0 and count > before


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """One camera's settings: its subentry's, the entry's options filling the gaps."""

    camera: str
    mode: str
    groups: tuple[str, ...]
    threshold: float
    max_faces: int
    attributes: tuple[str, ...]
    interval: int
    triggers: tuple[str, ...]
    burst_frames: int
    burst_interval: float
    change_threshold: float
    cooldown: float

    @classmethod
    def of(cls, entry: ConfigEntry, subentry: ConfigSubentry) -> CameraSettings:
        """Read a camera subentry's settings."""
        settings = {**entry.options, **subentry.data}
        return cls(
            camera=settings[CONF_CAMERA],
            mode=settings[CONF_MODE],
            groups=tuple(settings.get(CONF_GROUPS) or ()),
            threshold=float(settings.get(CONF_THRESHOLD, DEFAULT_THRESHOLD)),
            max_faces=int(settings.get(CONF_MAX_FACES, DEFAULT_MAX_FACES)),
            attributes=tuple(entry.options.get(CONF_ATTRIBUTES, ())),
            interval=int(settings.get(CONF_SCAN_INTERVAL, 0)),
            triggers=tuple(settings.get(CONF_TRIGGERS) or ()),
            burst_frames=max(1, int(settings.get(CONF_BURST_FRAMES, DEFAULT_BURST_FRAMES))),
            burst_interval=float(settings.get(CONF_BURST_INTERVAL, DEFAULT_BURST_INTERVAL)),
            change_threshold=float(settings.get(CONF_CHANGE_THRESHOLD, DEFAULT_CHANGE_THRESHOLD)),
            cooldown=float(settings.get(CONF_COOLDOWN, DEFAULT_COOLDOWN)),
        )

    @property
    def identify(self) -> bool:
        """Whether the camera names people (otherwise it only detects faces)."""
        return self.mode == MODE_IDENTIFY


@dataclass
class Visit:
    """A visit's frames, combined: the best score per person; unknown faces only where no known one explains them."""

    frames_left: int
    frames_scanned: int = 0
    frames_skipped: int = 0
    problem: str | None = None
    known: dict[str, SeenFace] = field(default_factory=dict)
    unknown: list[SeenFace] = field(default_factory=list)
    most_faces: int = 0
    # The pictures behind the faces, for crops and the "Last scan" image: the frame
    # each person's best face is in, the frame the unknown faces are in, and the
    # last frame sent with its own faces (known first).
    known_frames: dict[str, bytes] = field(default_factory=dict)
    unknown_frame: bytes | None = None
    frame: bytes | None = None
    frame_faces: list[SeenFace] = field(default_factory=list)

    @property
    def faces(self) -> list[SeenFace]:
        """The visit's faces: each known person once, then the faces no known person accounts for."""
        unexplained = max(0, self.most_faces - len(self.known))
        return [*self.known.values(), *self.unknown[:unexplained]]

    def add(self, frame: bytes, known: dict[str, SeenFace], unknown: list[SeenFace]) -> None:
        """Add one scanned frame and its faces."""
        self.frames_scanned += 1
        self.frame = frame
        self.frame_faces = [*known.values(), *unknown]
        for uid, face in known.items():
            if uid not in self.known or face.score > self.known[uid].score:
                self.known[uid] = face
                self.known_frames[uid] = frame
        if len(unknown) > len(self.unknown):
            self.unknown = unknown
            self.unknown_frame = frame
        self.most_faces = max(self.most_faces, len(known) + len(unknown))


type VisitListener = Callable[[Visit], None]
# An announcement: the event type (EVENT_RECOGNIZED or EVENT_UNKNOWN_FACE) and its data.
type AnnouncementListener = Callable[[str, dict[str, Any]], None]


class CameraScanner:
    """Scans one camera: on its triggers, on its interval, or when asked; the camera's entities listen."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, subentry: ConfigSubentry, client: BaiduFaceClient
    ) -> None:
        """Take the camera's settings; nothing runs until `async_start`."""
        self.hass = hass
        self.entry = entry
        self.settings = CameraSettings.of(entry, subentry)
        self.subentry_id = subentry.subentry_id
        # The recognition entity's unique id: the events name its entity id.
        self.recognition_unique_id = self.unique_id(self.settings.mode)
        self._client = client
        self._listeners: list[VisitListener] = []
        self._announcement_listeners: list[AnnouncementListener] = []
        self._reference: Image.Image | None = None
        self._announced: dict[str, datetime] = {}
        self._burst: Visit | None = None
        self._next_frame: CALLBACK_TYPE | None = None
        self._last_logged: str | None = None
        # What the camera's entities show.
        self.problem: str | None = None
        self.last_success: datetime | None = None
        self.last_visit: Visit | None = None
        # Counters (diagnostics, the benchmark): frames sent to Baidu, frames the change gate kept back.
        self.visits = 0
        self.frames_sent = 0
        self.frames_skipped = 0

    def unique_id(self, key: str) -> str:
        """Return the unique id of the camera's entity named `key` (its recognition entity's key is the mode)."""
        return f"{self.subentry_id}_{key}"

    @callback
    def async_add_listener(self, listener: VisitListener) -> CALLBACK_TYPE:
        """Call `listener` with every finished visit; return what stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_add_announcement_listener(self, listener: AnnouncementListener) -> CALLBACK_TYPE:
        """Call `listener` with every event the scanner fires, as it fires it; return what stops it."""
        self._announcement_listeners.append(listener)
        return lambda: self._announcement_listeners.remove(listener)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Listen to the triggers and start the interval; return what stops both."""
        stops: list[CALLBACK_TYPE] = [self._cancel_next_frame]
        if self.settings.triggers:
            stops.append(async_track_state_change_event(self.hass, self.settings.triggers, self._trigger_changed))
        if self.settings.interval:
            interval = timedelta(seconds=self.settings.interval)
            stops.append(async_track_time_interval(self.hass, self._interval_due, interval))

        def stop() -> None:
            for unsubscribe in stops:
                unsubscribe()

        return stop

    @property
    def visiting(self) -> bool:
        """Whether a burst is under way."""
        return self._burst is not None

    @callback
    def async_start_visit(self, frames: int | None = None) -> bool:
        """Start a burst of `frames` (the camera's burst size by default); False when one is under way."""
        if self._burst is not None:
            return False
        self._burst = Visit(frames or self.settings.burst_frames)
        self.entry.async_create_task(self.hass, self._continue_burst(), f"baidu_face visit {self.settings.camera}")
        return True

    async def async_scan(self) -> Visit:
        """Scan one frame now, as a visit of its own (image_processing.scan)."""
        visit = Visit(1)
        await self._scan_frame(visit)
        self._finish(visit)
        return visit

    @callback
    def _trigger_changed(self, event: Event[EventStateChangedData]) -> None:
        if is_active(event.data["old_state"], event.data["new_state"]):
            self.async_start_visit()

    @callback
    def _interval_due(self, _: datetime) -> None:
        self.async_start_visit(1)

    async def _continue_burst(self) -> None:
        visit = self._burst
        if visit is None:
            return
        self._next_frame = None
        await self._scan_frame(visit)
        if self._burst is not visit:
            return  # stopped (the entry unloads) while the frame was out
        if self._visit_over(visit):
            self._burst = None
            self._finish(visit)
            return
        self._next_frame = async_call_later(self.hass, self.settings.burst_interval, self._burst_frame_due)

    def _visit_over(self, visit: Visit) -> bool:
        """Whether more frames would add nothing: none left, a failure, a person named (identify) or a face found."""
        found = bool(visit.known) if self.settings.identify else visit.most_faces > 0
        return found or visit.frames_left <= 0 or visit.problem is not None

    @callback
    def _burst_frame_due(self, _: datetime) -> None:
        self.entry.async_create_task(self.hass, self._continue_burst(), f"baidu_face frame {self.settings.camera}")

    @callback
    def _cancel_next_frame(self) -> None:
        if self._next_frame is not None:
            self._next_frame()
            self._next_frame = None
        self._burst = None

    async def _scan_frame(self, visit: Visit) -> None:
        """Fetch, gate and send one frame of a visit."""
        visit.frames_left -= 1
        try:
            image = (await async_get_image(self.hass, self.settings.camera)).content
        except HomeAssistantError as err:
            self._failed(visit, REASON_CAMERA, str(err))
            return
        thumb, changed = await self.hass.async_add_executor_job(self._gate, image)
        if not changed:
            visit.frames_skipped += 1
            self.frames_skipped += 1
            return
        try:
            known, unknown = await self._recognise(image)
        except BaiduFaceError as err:
            if isinstance(err, BaiduFaceAuthenticationError):
                self.entry.async_start_reauth(self.hass)
            self._failed(visit, problem_reason(err), str(err))
            return
        self._reference = thumb
        self.frames_sent += 1
        self.last_success = dt_util.utcnow()
        if self.problem is not None:
            _LOGGER.info("Scans of %s work again", self.settings.camera)
        self.problem = self._last_logged = None
        visit.add(image, known, unknown)

    def _gate(self, image: bytes) -> tuple[Image.Image | None, bool]:
        """Return the frame's thumbnail and whether it changed enough to be sent (runs in the executor)."""
        thumb = thumbnail(image)
        if thumb is None or self._reference is None or self.settings.change_threshold <= 0:
            return thumb, True
        return thumb, changed_percent(self._reference, thumb) >= self.settings.change_threshold

    def _failed(self, visit: Visit, reason: str, message: str) -> None:
        visit.problem = self.problem = reason
        # The entities forget the faces: the next frame is sent even if it did not change.
        self._reference = None
        log = _LOGGER.debug if message == self._last_logged else _LOGGER.warning
        log("Could not scan %s: %s", self.settings.camera, message)
        self._last_logged = message

    async def _recognise(self, image: bytes) -> tuple[dict[str, SeenFace], list[SeenFace]]:
        """Return a frame's known faces by uid, and its other faces."""
        settings = self.settings
        if not settings.identify:
            faces = await self._client.detect(image, max_faces=settings.max_faces, attributes=settings.attributes)
            return {}, [SeenFace.detected(face) for face in faces]
        identified = await self._client.identify(image, settings.groups, max_faces=settings.max_faces)
        known: dict[str, SeenFace] = {}
        unknown: list[SeenFace] = []
        for face in (SeenFace.identified(face, settings.threshold) for face in identified):
            if face.uid is None:
                unknown.append(face)
            elif face.uid not in known or face.score > known[face.uid].score:
                known[face.uid] = face
        return known, unknown

    def _finish(self, visit: Visit) -> None:
        """Announce what the visit saw (once its faces are kept) and tell the entities."""
        self.visits += 1
        self.last_visit = visit
        if self.settings.identify and visit.frames_scanned:
            due = self._due(visit)
            self.entry.async_create_task(
                self.hass, self._async_announce(visit, due), f"baidu_face announce {self.settings.camera}"
            )
        for listener in list(self._listeners):
            listener(visit)

    def _due(self, visit: Visit) -> list[str]:
        """Return the people of a visit to announce (not within their cool-down), marking them announced."""
        now = dt_util.utcnow()
        due = []
        for uid in visit.known:
            last = self._announced.get(uid)
            if last is None or now - last >= timedelta(seconds=self.settings.cooldown):
                self._announced[uid] = now
                due.append(uid)
        return due

    async def _async_keep(self, visit: Visit) -> tuple[dict[str, KeptFace | None], list[KeptFace | None]]:
        """Keep the visit's faces: one crop per person, and each face no known person accounts for."""
        strangers = visit.faces[len(visit.known) :]
        sightings = [Sighting(RECOGNISED, visit.known_frames[uid], face) for uid, face in visit.known.items()]
        if strangers and visit.unknown_frame is not None:
            sightings += [Sighting(UNKNOWN, visit.unknown_frame, face) for face in strangers]
        faces: FaceStore = self.entry.runtime_data.faces
        kept = await faces.async_keep(self.settings.camera, sightings)
        return dict(zip(visit.known, kept, strict=False)), kept[len(visit.known) :]

    async def _async_announce(self, visit: Visit, due: list[str]) -> None:
        known_kept, strangers_kept = await self._async_keep(visit)
        entity_id = er.async_get(self.hass).async_get_entity_id(
            IMAGE_PROCESSING_DOMAIN, self.entry.domain, self.recognition_unique_id
        )
        base = {
            ATTR_ENTITY_ID: entity_id,
            "camera_entity_id": self.settings.camera,
            "frames_scanned": visit.frames_scanned,
        }
        for uid in due:
            face = visit.known[uid]
            self._fire(
                EVENT_RECOGNIZED,
                {
                    **base,
                    "uid": uid,
                    "user_info": face.user_info,
                    "group_id": face.group_id,
                    "score": face.score,
                    "box": box_attributes(face.box),
                    **self._kept_attributes(known_kept.get(uid)),
                },
            )
        if not visit.known and visit.unknown:
            best = max(range(len(visit.unknown)), key=lambda index: visit.unknown[index].score)
            kept = strangers_kept[best] if best < len(strangers_kept) else None
            self._fire(
                EVENT_UNKNOWN_FACE,
                {
                    **base,
                    "faces": len(visit.unknown),
                    "score": visit.unknown[best].score,
                    "box": box_attributes(visit.unknown[best].box),
                    **self._kept_attributes(kept),
                    "face_ids": [face.id for face in strangers_kept if face is not None],
                },
            )

    def _kept_attributes(self, face: KeptFace | None) -> dict[str, str]:
        """Return a kept face's id and crop URL for an event (nothing when it was not kept)."""
        if face is None:
            return {}
        return {"face_id": face.id, "image_url": image_url(self.entry.entry_id, face.id)}

    def _fire(self, event_type: str, data: dict[str, Any]) -> None:
        """Fire an event on the bus and tell the camera's event entity (the same data)."""
        self.hass.bus.async_fire(event_type, data)
        for listener in list(self._announcement_listeners):
            listener(event_type, data)

    def diagnostics(self) -> dict[str, Any]:
        """Return the scanner's counters and state, for diagnostics (no faces, no names)."""
        return {
            "visits": self.visits,
            "frames_sent": self.frames_sent,
            "frames_skipped": self.frames_skipped,
            "problem": self.problem,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "triggers": list(self.settings.triggers),
        }
