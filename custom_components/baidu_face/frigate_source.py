"""Frigate as a camera's source: its person events start visits, its snapshots are their frames, names go back.

A camera subentry whose source is Frigate (CONF_SOURCE) gets a FrigateSource beside its scanner:

- it listens to `<topic_prefix>/events` through Home Assistant's MQTT integration (none: nothing
  happens, and the camera's triggers and interval still work);
- a `person` event on the Frigate camera (in one of the chosen zones) starts one visit of the
  scanner, whose frames are the event's snapshot (`GET /api/events/<id>/snapshot.jpg`, the best
  frame so far: each later frame is Frigate's newer best, the change gate drops repeats), within
  the camera's frames per visit;
- when the visit names someone and write-back is on, the name goes back as the event's
  sub_label with its score, as sub_label_decision rules (a stranger gets none); a decision
  made while the event runs is made again when it ends, with the sub_label it ended with;
- a failed call to Frigate shows on the camera's scan problem sensor (REASON_FRIGATE*).
"""

from __future__ import annotations

import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .const import (
    CONF_FRIGATE_CAMERA,
    CONF_FRIGATE_PASSWORD,
    CONF_FRIGATE_SUB_LABEL,
    CONF_FRIGATE_SUB_LABEL_POLICY,
    CONF_FRIGATE_TOPIC_PREFIX,
    CONF_FRIGATE_URL,
    CONF_FRIGATE_USERNAME,
    CONF_FRIGATE_VERIFY_SSL,
    CONF_FRIGATE_ZONES,
    CONF_SOURCE,
    FOLLOWED_EVENTS,
    SOURCE_FRIGATE,
)
from .errors import REASON_FRIGATE, REASON_FRIGATE_AUTH
from .frigate import FrigateAuthError, FrigateClient, FrigateError, FrigateServer, create_frigate_client
from .frigate_events import (
    DEFAULT_TOPIC_PREFIX,
    FrigateEvent,
    SubLabel,
    SubLabelDecision,
    SubLabelPolicy,
    VisitRule,
    VisitStep,
    async_listen_events,
    sub_label_decision,
    visit_step,
)
from .scanner import CameraScanner
from .visits import FrameUnavailableError, Visit

_LOGGER = logging.getLogger(__name__)


def frigate_reason(err: FrigateError) -> str:
    """Return the scan problem sensor's reason for a failed call to Frigate."""
    return REASON_FRIGATE_AUTH if isinstance(err, FrigateAuthError) else REASON_FRIGATE


class FrigateFrames:
    """The frames of one visit: one tracked object's snapshots (a FrameSource)."""

    def __init__(self, client: FrigateClient, event: FrigateEvent) -> None:
        """Serve the snapshots of `event`'s object."""
        self._client = client
        self.event_id = event.id
        # The object's latest state (its sub_label, whether it ended), from its latest event.
        self.latest = event.after
        self.ended = False
        self.snapshots = 0  # calls to Frigate's snapshot endpoint

    async def frame(self) -> bytes:
        """Return the event's best snapshot so far."""
        self.snapshots += 1
        try:
            return await self._client.snapshot(self.event_id)
        except FrigateError as err:
            raise FrameUnavailableError(frigate_reason(err), str(err)) from None


class FrigateSource:
    """Turns one Frigate camera's person events into visits of `scanner`, and writes names back."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, scanner: CameraScanner, settings: dict[str, object]
    ) -> None:
        """Read the camera subentry's Frigate settings; nothing runs until `async_start`."""
        self._hass = hass
        self._entry = entry
        self._scanner = scanner
        server = FrigateServer(
            str(settings[CONF_FRIGATE_URL]),
            str(settings.get(CONF_FRIGATE_USERNAME) or "") or None,
            str(settings.get(CONF_FRIGATE_PASSWORD) or "") or None,
            bool(settings.get(CONF_FRIGATE_VERIFY_SSL, True)),
        )
        self.client = create_frigate_client(hass, server)
        self._prefix = str(settings.get(CONF_FRIGATE_TOPIC_PREFIX) or DEFAULT_TOPIC_PREFIX)
        zones = settings.get(CONF_FRIGATE_ZONES) or []
        self.rule = VisitRule(str(settings[CONF_FRIGATE_CAMERA]), frozenset(zones if isinstance(zones, list) else ()))
        self._write_back = bool(settings.get(CONF_FRIGATE_SUB_LABEL, False))
        self._policy = SubLabelPolicy(str(settings.get(CONF_FRIGATE_SUB_LABEL_POLICY) or SubLabelPolicy.KEEP_FRIGATE))
        # Where Frigate's config cannot be read, assume its own face recognition runs: ours then waits.
        self._frigate_recognises = True
        self._visits: dict[str, FrigateFrames] = {}
        self._pending: dict[str, tuple[str, float]] = {}  # event id → the name and score to decide on at its end
        self._unsubscribe: CALLBACK_TYPE | None = None
        # Figures (the tests read them): events that made visits, visits, ends of their events,
        # events forgotten before their end (FOLLOWED_EVENTS), sub_label calls.
        self.events_seen = 0
        self.visits_started = 0
        self.events_ended = 0
        self.events_forgotten = 0
        self.sub_label_calls = 0

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Subscribe (in the background: MQTT may still be starting) and follow the scanner's visits."""
        stop_listening = self._scanner.async_add_listener(self._visit_finished)
        self._entry.async_create_background_task(
            self._hass, self._async_subscribe(), f"baidu_face frigate {self.rule.camera}"
        )

        def stop() -> None:
            stop_listening()
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None

        return stop

    async def _async_subscribe(self) -> None:
        try:
            config = await self.client.config()
        except FrigateError as err:
            self._scanner.async_report_problem(frigate_reason(err), str(err))
        else:
            self._frigate_recognises = config.recognises_faces(self.rule.camera)
        self._unsubscribe = await async_listen_events(self._hass, self._prefix, self._on_event)
        if self._unsubscribe is None:
            _LOGGER.info("No MQTT: Frigate's person events on %s do not start visits", self.rule.camera)

    @callback
    def _on_event(self, event: FrigateEvent) -> None:
        frames = self._visits.get(event.id)
        step = visit_step(self.rule, event, in_visit=frames is not None)
        if frames is not None:
            frames.latest = event.after
            self._visits[event.id] = self._visits.pop(event.id)  # heard from: the most recent
        match step:
            case VisitStep.START:
                self.events_seen += 1
                frames = FrigateFrames(self.client, event)
                if self._scanner.async_start_visit(source=frames):
                    self.visits_started += 1
                    self._follow(event.id, frames)
            case VisitStep.END:
                assert frames is not None
                frames.ended = True
                del self._visits[event.id]
                self.events_ended += 1
                if (waiting := self._pending.pop(event.id, None)) is not None:
                    self._decide(frames, *waiting)
            case VisitStep.FRAME | VisitStep.IGNORE:
                # Later frames come from the scanner's burst: each is the snapshot Frigate holds best then.
                pass

    def _follow(self, event_id: str, frames: FrigateFrames) -> None:
        """Follow an event until its end; past FOLLOWED_EVENTS, forget the one heard from least recently."""
        self._visits[event_id] = frames
        while len(self._visits) > FOLLOWED_EVENTS:
            forgotten = next(iter(self._visits))
            del self._visits[forgotten]
            self._pending.pop(forgotten, None)  # its name waited for an end that did not come
            self.events_forgotten += 1

    @callback
    def _visit_finished(self, visit: Visit) -> None:
        frames = visit.source
        if not isinstance(frames, FrigateFrames) or not self._write_back or not visit.known:
            return  # a stranger (or nobody) gets no sub_label
        uid, face = max(visit.known.items(), key=lambda item: item[1].score)
        # The name the recognition gave (user_info), else the one the people know (V3 lists give uids only).
        person = self._entry.runtime_data.people.get(uid)
        name = face.user_info or (person.name if person is not None else uid)
        self._decide(frames, name, face.score)

    @callback
    def _decide(self, frames: FrigateFrames, name: str, score: float) -> None:
        current: SubLabel | None = frames.latest.sub_label
        ended = frames.ended or frames.latest.end_time is not None
        decision = sub_label_decision(
            self._policy, name, current, frigate_recognises=self._frigate_recognises, ended=ended
        )
        if not ended:
            # Until the event ends Frigate's own face recognition may still name the object, or
            # overwrite ours: what the policy says of the name it ends with is the last word.
            self._pending[frames.event_id] = (name, score)
        if decision is SubLabelDecision.WRITE:
            self._entry.async_create_task(
                self._hass, self._async_write(frames.event_id, name, score), f"baidu_face sub_label {self.rule.camera}"
            )

    async def _async_write(self, event_id: str, name: str, score: float) -> None:
        self.sub_label_calls += 1
        try:
            await self.client.set_sub_label(event_id, name, score)
        except FrigateError as err:
            self._scanner.async_report_problem(frigate_reason(err), f"Frigate refused the sub_label: {err}")


def is_frigate_camera(settings: dict[str, object]) -> bool:
    """Return whether a camera subentry's frames come from Frigate."""
    return settings.get(CONF_SOURCE) == SOURCE_FRIGATE and bool(settings.get(CONF_FRIGATE_URL))
