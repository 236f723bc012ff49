"""The per-camera scanner: visits, bursts and outages; it keeps the faces and announces what it saw.

A *visit* starts when a trigger entity turns active (triggers.py), on the
camera's interval, or when `image_processing.scan` is called. It scans a burst
of frames a few seconds apart and stops at the first confident recognition
(identify) or face (detect). A frame that looks like the last frame sent is not
sent (change_gate.py). When the visit ends its frames' results are combined
(visits.py), its faces are kept (kept_faces.py), its strangers are told apart as
visitors (visitors.py: their group is searched in the same identify call), each
person is announced once, not again within the cool-down (announcements.py), and
the camera's entities, which listen, update.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later, async_track_state_change_event, async_track_time_interval
from homeassistant.util import dt as dt_util

from .announcements import Announcer
from .api import BaiduFaceAuthenticationError, BaiduFaceClient, BaiduFaceError
from .camera_settings import CameraSettings
from .change_gate import ChangeGate
from .errors import REASON_CAMERA, problem_reason
from .kept_faces import RECOGNISED, UNKNOWN, FaceStore, KeptFace, Sighting
from .seen import SeenFace
from .triggers import is_active
from .visitors import Visitors
from .visits import FrameSource, FrameUnavailableError, Visit, VisitListener

_LOGGER = logging.getLogger(__name__)


class CameraScanner:
    """Scans one camera: on its triggers, on its interval, or when asked; the camera's entities listen."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        subentry: ConfigSubentry,
        client: BaiduFaceClient,
        faces: FaceStore,
        visitors: Visitors | None = None,
    ) -> None:
        """Take the camera's settings; nothing runs until `async_start`.

        Visits keep their faces in `faces`, and their strangers are matched with `visitors`.
        """
        self.hass = hass
        self.entry = entry
        self.settings = CameraSettings.of(entry, subentry)
        self.subentry_id = subentry.subentry_id
        self._client = client
        self._faces = faces
        self._visitors = visitors
        self._listeners: list[VisitListener] = []
        self._gate = ChangeGate(self.settings.change_threshold)
        # The events name the recognition entity, whose unique id's key is the mode.
        self.announcer = Announcer(
            hass, entry.entry_id, self.settings.camera, self.settings.cooldown, self.unique_id(self.settings.mode)
        )
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
    def async_start_visit(self, frames: int | None = None, source: FrameSource | None = None) -> bool:
        """Start a burst of `frames` (the camera's burst size by default); False when one is under way.

        Its frames come from `source` (Frigate's snapshots), else from the camera's live picture.
        """
        if self._burst is not None:
            return False
        self._burst = Visit(frames or self.settings.burst_frames, source=source)
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
            if visit.source is not None:
                image = await visit.source.frame()
            else:
                image = (await async_get_image(self.hass, self.settings.camera)).content
        except HomeAssistantError as err:
            self._failed(visit, REASON_CAMERA, str(err))
            return
        except FrameUnavailableError as err:
            self._failed(visit, err.reason, str(err))
            return
        thumb, changed = await self.hass.async_add_executor_job(self._gate.check, image)
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
        self._gate.sent(thumb)
        self.frames_sent += 1
        self.last_success = dt_util.utcnow()
        if self.problem is not None:
            _LOGGER.info("Scans of %s work again", self.settings.camera)
        self.problem = self._last_logged = None
        visit.add(image, known, unknown)

    @callback
    def async_report_problem(self, reason: str, message: str) -> None:
        """Show a failure outside a frame (Frigate refused a sub_label, or is unreachable) as a failed visit."""
        visit = Visit(0)
        self._failed(visit, reason, message)
        for listener in list(self._listeners):
            listener(visit)

    def _failed(self, visit: Visit, reason: str, message: str) -> None:
        visit.problem = self.problem = reason
        # The entities forget the faces: the next frame is sent even if it did not change.
        self._gate.reset()
        log = _LOGGER.debug if message == self._last_logged else _LOGGER.warning
        log("Could not scan %s: %s", self.settings.camera, message)
        self._last_logged = message

    async def _recognise(self, image: bytes) -> tuple[dict[str, SeenFace], list[SeenFace]]:
        """Return a frame's known faces by uid, and its other faces."""
        settings = self.settings
        if not settings.identify:
            faces = await self._client.detect(image, max_faces=settings.max_faces, attributes=settings.attributes)
            return {}, [SeenFace.detected(face) for face in faces]
        groups, visitors = settings.groups, None
        if self._visitors is not None:
            # The visitors' group rides on the same call: a returning stranger costs no search.
            groups, visitors = self._visitors.search_groups(settings.camera, groups), self._visitors.group
        identified = await self._client.identify(image, groups, max_faces=settings.max_faces)
        known: dict[str, SeenFace] = {}
        unknown: list[SeenFace] = []
        for face in identified:
            seen = SeenFace.identified(face, settings.threshold, visitors)
            if seen.uid is None:
                unknown.append(seen)
            elif seen.uid not in known or seen.score > known[seen.uid].score:
                known[seen.uid] = seen
        return known, unknown

    def _finish(self, visit: Visit) -> None:
        """Announce what the visit saw (once its faces are kept) and tell the entities."""
        self.visits += 1
        self.last_visit = visit
        if self.settings.identify and visit.frames_scanned:
            due = self.announcer.due(visit)
            self.entry.async_create_task(
                self.hass, self._async_announce(visit, due), f"baidu_face announce {self.settings.camera}"
            )
        for listener in list(self._listeners):
            listener(visit)

    async def _async_keep(self, visit: Visit) -> tuple[dict[str, KeptFace | None], list[KeptFace | None]]:
        """Keep the visit's faces: one crop per person, and each face no known person accounts for."""
        strangers = visit.faces[len(visit.known) :]
        sightings = [Sighting(RECOGNISED, visit.known_frames[uid], face) for uid, face in visit.known.items()]
        if strangers and visit.unknown_frame is not None:
            sightings += [Sighting(UNKNOWN, visit.unknown_frame, face) for face in strangers]
        kept = await self._faces.async_keep(self.settings.camera, sightings)
        return dict(zip(visit.known, kept, strict=False)), kept[len(visit.known) :]

    async def _async_announce(self, visit: Visit, due: list[str]) -> None:
        """Keep the visit's faces, match its strangers with the visitors, then announce it with their crops."""
        kept, strangers = await self._async_keep(visit)
        sightings = []
        if self._visitors is not None and not visit.known and self._visitors.searches(self.settings.groups):
            # The crops just kept are what a new visitor is registered from: no second crop.
            faces = visit.faces[len(visit.known) :]
            sightings = await self._visitors.async_saw(self.settings.camera, faces, strangers)
        self.announcer.announce(visit, due, kept, strangers, sightings)

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
