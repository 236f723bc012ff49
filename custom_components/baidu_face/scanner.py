"""The per-camera scanner: visits, bursts and outages; it keeps the faces and announces what it saw.

A *visit* starts when a trigger entity turns active (triggers.py), on the
camera's interval, or when `image_processing.scan` is called. It scans a burst
of frames a few seconds apart and stops once the outcome is settled
(identify: a person confirmed by `frames_to_confirm` frames, or a stranger by
the frames that named nobody, see decisions.py) or at the first face (detect):
a settled visit sends nothing more, so a stranger is announced within about
one burst interval of the trigger and the burst's later frames cost no call.
A frame that looks like the last frame sent is not sent (change_gate.py),
except the frames that may confirm a person: a person standing still at the
door is what confirmation expects (the very same picture again is not sent: it
would confirm nothing). Those follow
CONFIRM_DELAY after the frame that named them, not a whole burst interval,
and a visit always has the frames left to confirm whoever it named (an
interval's one-frame visit too). When the visit ends it is concluded
(decisions.Rule), its faces are kept (kept_faces.py), its strangers are told
apart as visitors (visitors.py: their group is searched in the same identify
call), each person is announced once, not again within the cool-down
(announcements.py), and the camera's entities, which listen, update.

Frames refused for quality are counted, not failures and not strangers; a
face that fails liveness is counted and makes the visit uncertain; a backend
that cannot judge the liveness asked for (the local server) is a scan problem.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later, async_track_state_change_event, async_track_time_interval
from homeassistant.util import dt as dt_util
from PIL import Image

from .announcements import Announcer
from .api import (
    BaiduFaceAuthenticationError,
    BaiduFaceClient,
    BaiduFaceError,
    BaiduFaceLivenessError,
    BaiduFaceQualityError,
)
from .camera_settings import CameraSettings
from .change_gate import ChangeGate
from .const import CONFIRM_DELAY, TIE_MARGIN
from .decisions import Decisions, Rule
from .errors import REASON_CAMERA, problem_reason
from .kept_faces import RECOGNISED, UNKNOWN, FaceStore, KeptFace, Sighting
from .seen import SeenFace
from .triggers import is_active
from .visitors import Visitors
from .visits import FRAME_NAMED, FrameSource, FrameUnavailableError, Visit, VisitListener

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
        self._gate = ChangeGate(self.settings.change_threshold, self.settings.cooldown)
        settings = self.settings
        self.rule = Rule(
            settings.frames_to_confirm, settings.threshold, TIE_MARGIN, settings.liveness, settings.quality
        )
        # Each announcement's decision record; diagnostics show the last ones.
        self.decisions = Decisions(self.rule, client)
        # The events name the recognition entity, whose unique id's key is the mode.
        self.announcer = Announcer(
            hass, entry.entry_id, settings.camera, settings.cooldown, self.unique_id(settings.mode), self.decisions
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
    def async_start_visit(
        self, frames: int | None = None, source: FrameSource | None = None, *, scheduled: bool = False
    ) -> bool:
        """Start a burst of `frames` (the camera's burst size by default); False when one is under way.

        Its frames come from `source` (Frigate's snapshots), else from the camera's live picture. A
        visit that is not `scheduled` (the interval's) compares with no frame sent a cool-down ago.
        """
        if self._burst is not None:
            return False
        if not scheduled:
            self._gate.expire(dt_util.utcnow())
        self._burst = Visit(frames or self.settings.burst_frames, source=source)
        self.entry.async_create_task(self.hass, self._continue_burst(), f"baidu_face visit {self.settings.camera}")
        return True

    async def async_scan(self) -> Visit:
        """Scan one frame now, as a visit of its own (image_processing.scan), and the frames that confirm it."""
        visit = Visit(1)
        self._gate.expire(dt_util.utcnow())
        await self._scan_frame(visit)
        while not self._visit_over(visit):
            await asyncio.sleep(CONFIRM_DELAY)
            await self._scan_frame(visit)
        self._finish(visit)
        return visit

    @callback
    def _trigger_changed(self, event: Event[EventStateChangedData]) -> None:
        if is_active(event.data["old_state"], event.data["new_state"]):
            self.async_start_visit()

    @callback
    def _interval_due(self, _: datetime) -> None:
        self.async_start_visit(1, scheduled=True)

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
        delay = CONFIRM_DELAY if self._confirming(visit) else self.settings.burst_interval
        self._next_frame = async_call_later(self.hass, delay, self._burst_frame_due)

    def _visit_over(self, visit: Visit) -> bool:
        """Whether more frames would add nothing: none left, a failure, the outcome settled or a face found (detect)."""
        if visit.problem is not None:
            return True
        if not self.settings.identify:
            return visit.most_faces > 0 or visit.frames_left <= 0
        if self.rule.settled(visit):
            return True
        if visit.frames and visit.frames[-1].result == FRAME_NAMED:
            # Whoever a frame names gets the frames to be confirmed, even past the burst's last one
            # (only a frame that names someone extends the visit, so it ends).
            visit.frames_left = max(visit.frames_left, self.rule.frames_needed(visit))
        return visit.frames_left <= 0

    def _confirming(self, visit: Visit) -> bool:
        """Whether the next frame may confirm a person the visit named."""
        return self.settings.identify and self.rule.frames_needed(visit) > 0

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
        # A confirming frame is sent unchanged (a person standing still), but not the very same
        # picture again (a still image, Frigate's best snapshot): that would confirm nothing.
        confirming = self._confirming(visit)
        if (not changed and not confirming) or (confirming and image == visit.frame):
            visit.skip()
            self.frames_skipped += 1
            return
        try:
            known, unknown, refused = await self._recognise(image)
        except BaiduFaceQualityError as err:
            # An answer about the frame, not a failure: counted, and no stranger.
            self._sent(thumb)
            visit.refuse(err.check)
            return
        except BaiduFaceLivenessError:
            self._sent(thumb)
            visit.fail_liveness()
            return
        except BaiduFaceError as err:
            if isinstance(err, BaiduFaceAuthenticationError):
                self.entry.async_start_reauth(self.hass)
            self._failed(visit, problem_reason(err), str(err))
            return
        self._sent(thumb)
        visit.add(image, known, unknown, refused)

    def _sent(self, thumb: Image.Image | None) -> None:
        """Note a frame Baidu answered (whether or not its face passed the levels): scans work."""
        self._gate.sent(thumb, dt_util.utcnow())
        self.frames_sent += 1
        self.last_success = dt_util.utcnow()
        if self.problem is not None:
            _LOGGER.info("Scans of %s work again", self.settings.camera)
        self.problem = self._last_logged = None

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

    async def _recognise(self, image: bytes) -> tuple[dict[str, SeenFace], list[SeenFace], int]:
        """Return a frame's known faces by uid, its other faces, and how many faces failed a level."""
        settings = self.settings
        if not settings.identify:
            # A detect camera counts only the faces that pass its levels, as its settings say.
            faces = await self._client.detect(
                image,
                max_faces=settings.max_faces,
                attributes=settings.attributes,
                liveness=settings.liveness,
                quality=settings.quality,
            )
            return {}, [SeenFace.detected(face) for face in faces], faces.refused
        # Two candidates a face: the second tells a tie (decisions.py), in the same call.
        groups, visitors = settings.groups, None
        if self._visitors is not None:
            # The visitors' group rides on the same call: a returning stranger costs no search.
            groups, visitors = self._visitors.search_groups(settings.camera, groups), self._visitors.group
        identified = await self._client.identify(
            image,
            groups,
            max_faces=settings.max_faces,
            top=2,
            liveness=settings.liveness,
            quality=settings.quality,
        )
        known: dict[str, SeenFace] = {}
        unknown: list[SeenFace] = []
        for face in identified:
            seen = SeenFace.identified(face, settings.threshold, self.rule.tie_margin, visitors)
            if seen.uid is None:
                unknown.append(seen)
            elif seen.uid not in known or seen.score > known[seen.uid].score:
                known[seen.uid] = seen
        return known, unknown, identified.refused

    def _finish(self, visit: Visit) -> None:
        """Announce what the visit saw (once its faces are kept) and tell the entities."""
        self.visits += 1
        self.last_visit = visit
        if self.settings.identify:
            self.rule.conclude(visit)
        if self.settings.identify and visit.frames_sent:
            due = self.announcer.due(visit)
            self.entry.async_create_task(
                self.hass, self._async_announce(visit, due), f"baidu_face announce {self.settings.camera}"
            )
        for listener in list(self._listeners):
            listener(visit)

    async def _async_keep(self, visit: Visit) -> tuple[dict[str, KeptFace | None], list[KeptFace | None]]:
        """Keep the visit's faces: one crop per person, and each face no known person accounts for."""
        strangers = visit.strangers
        sightings = [Sighting(RECOGNISED, visit.known_frames[uid], face) for uid, face in visit.known.items()]
        if strangers and visit.unknown_frame is not None:
            sightings += [Sighting(UNKNOWN, visit.unknown_frame, face) for face in strangers]
        kept = await self._faces.async_keep(self.settings.camera, sightings)
        return dict(zip(visit.known, kept, strict=False)), kept[len(visit.known) :]

    async def _async_announce(self, visit: Visit, due: list[str]) -> None:
        """Keep the visit's faces, match its strangers with the visitors, then announce it with their crops."""
        kept, strangers = await self._async_keep(visit)
        sightings = []
        visitors = self._visitors
        if visitors is not None and visit.strangers and visitors.searches(self.settings.groups):
            # The crops just kept are what a new visitor is registered from: no second crop. A
            # stranger beside a known person is a visitor too.
            sightings = await visitors.async_saw(
                self.settings.camera, visit.strangers, strangers, visit.started, self.settings.groups
            )
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
            # The last decisions (decisions.py: frames, scores, rule, checks, backend; no names or pictures).
            "decisions": list(self.decisions.kept),
        }
