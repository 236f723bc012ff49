"""Frigate's tracked-object events: their typed shape, the MQTT listener, and the rules that make visits of them.

Frigate publishes one JSON message on `<topic_prefix>/events` for each change of a tracked
object: `{"type": "new" | "update" | "end", "before": {...}, "after": {...}}`, not retained
(Frigate's MQTT docs). Its `id` is the key of every HTTP call
(frigate.py).

How a camera scanner uses this module (the rules are pure functions; the scanner keeps the state):

    unsubscribe = await async_listen_events(hass, config.topic_prefix, on_event)  # None: no MQTT
    rule = VisitRule(camera="front_door", zones=frozenset({"porch"}))

    @callback
    def on_event(event: FrigateEvent) -> None:
        match visit_step(rule, event, in_visit=event.id in visits):
            case VisitStep.START: ...  # a visit starts: its first frame is the event's snapshot
            case VisitStep.FRAME: ...  # a further frame, if the visit's frame budget allows
            case VisitStep.END: ...  # the object is gone; ask sub_label_decision(..., ended=True) again
            case VisitStep.IGNORE: pass

MQTT is an optional dependency (manifest.json `after_dependencies`): nothing here imports
Home Assistant's MQTT integration unless it is set up.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

if TYPE_CHECKING:
    from homeassistant.components.mqtt import ReceiveMessage

_LOGGER = logging.getLogger(__name__)

MQTT_DOMAIN: Final = "mqtt"
PERSON: Final = "person"
DEFAULT_TOPIC_PREFIX: Final = "frigate"
# Frigate's ids are "<start time>-<6 random letters or digits>"; an id goes into HTTP paths, so
# nothing that could change the path (/, ?, #, %) is accepted.
EVENT_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class EventType(StrEnum):
    """What happened to a tracked object: first seen as a true positive, changed, or gone."""

    NEW = "new"
    UPDATE = "update"
    END = "end"


@dataclass(frozen=True, slots=True)
class SubLabel:
    """A name Frigate holds for a tracked object, and its score (0-1; None when the writer gave none)."""

    name: str
    score: float | None


@dataclass(frozen=True, slots=True)
class TrackedObject:
    """One of Frigate's tracked objects, as an event message (or its HTTP event row) describes it.

    `current_zones` are the zones the object is in now, `entered_zones` every zone it has entered.
    Read over HTTP (FrigateClient.event) an event has only the zones entered: its `current_zones`
    is empty. `end_time` is None while Frigate still tracks the object.
    """

    id: str
    camera: str
    label: str
    sub_label: SubLabel | None
    current_zones: tuple[str, ...]
    entered_zones: tuple[str, ...]
    has_snapshot: bool
    false_positive: bool
    top_score: float | None
    end_time: float | None


@dataclass(frozen=True, slots=True)
class FrigateEvent:
    """One message of `<topic_prefix>/events`: the object `before` and `after` the change."""

    type: EventType
    before: TrackedObject | None
    after: TrackedObject

    @property
    def id(self) -> str:
        """Return the tracked object's id (the key of every HTTP call about it)."""
        return self.after.id

    @property
    def camera(self) -> str:
        """Return the camera that tracks the object."""
        return self.after.camera


class MalformedError(ValueError):
    """A message or event row that is not the shape Frigate documents; the text says which part."""


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedError(f"{where}.{key} is not a non-empty string")
    return value


def _flag(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise MalformedError(f"{where}.{key} is not true or false")
    return value


def _number(value: object, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedError(f"{what} is not a number")
    return float(value)


def _zones(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(zone, str) for zone in value):
        raise MalformedError(f"{where}.{key} is not a list of zone names")
    return tuple(value)


def _sub_label(value: object, score: object, where: str) -> SubLabel | None:
    # MQTT sends [name, score]; event rows (and Frigate before 0.13) a bare name.
    if value is None or value == "":
        return None
    if isinstance(value, list) and len(value) == 2:
        value, score = value
    if not isinstance(value, str) or not value:
        raise MalformedError(f"{where}.sub_label is not [name, score], a name or null")
    return SubLabel(value, _number(score, f"{where}.sub_label's score"))


def _tracked_object(data: object, where: str, *, row: bool = False) -> TrackedObject:
    # An HTTP event row keeps details under "data" and only the zones entered, as "zones".
    if not isinstance(data, dict):
        raise MalformedError(f"{where} is not an object")
    details = data.get("data") if row else None
    details = details if isinstance(details, dict) else {}
    event_id = _text(data, "id", where)
    if not EVENT_ID.fullmatch(event_id):
        raise MalformedError(f"{where}.id is not a Frigate event id")
    return TrackedObject(
        id=event_id,
        camera=_text(data, "camera", where),
        label=_text(data, "label", where),
        sub_label=_sub_label(data.get("sub_label"), details.get("sub_label_score"), where),
        current_zones=() if row else _zones(data, "current_zones", where),
        entered_zones=_zones(data, "zones" if row else "entered_zones", where),
        has_snapshot=_flag(data, "has_snapshot", where),
        false_positive=_flag(data, "false_positive", where),
        top_score=_number(details.get("top_score", data.get("top_score")), f"{where}.top_score"),
        end_time=_number(data.get("end_time"), f"{where}.end_time"),
    )


def event_row(data: object) -> TrackedObject:
    """Return the tracked object of a `GET /api/events/<id>` answer; raise MalformedError when it is not one.

    Its `sub_label` is a bare name with the score in `data.sub_label_score`, and its `zones` are
    the zones entered.
    """
    return _tracked_object(data, "event", row=True)


def parse_event(payload: bytes | bytearray | str) -> tuple[FrigateEvent, None] | tuple[None, str]:
    """Return `(event, None)` for a well-formed `<prefix>/events` payload, else `(None, why)`; never raises."""
    try:
        message = json.loads(payload)
    except ValueError as err:  # UnicodeDecodeError included
        return None, f"not JSON ({err.__class__.__name__})"
    try:
        if not isinstance(message, dict):
            raise MalformedError("the message is not an object")
        kind = message.get("type")
        if kind not in tuple(EventType):
            raise MalformedError("type is not new, update or end")
        before = message.get("before")
        event = FrigateEvent(
            EventType(kind),
            None if before is None else _tracked_object(before, "before"),
            _tracked_object(message.get("after"), "after"),
        )
    except MalformedError as err:
        return None, str(err)
    return event, None


async def async_listen_events(
    hass: HomeAssistant, topic_prefix: str, on_event: Callable[[FrigateEvent], None]
) -> CALLBACK_TYPE | None:
    """Call `on_event` (in the event loop) with each well-formed event on `<topic_prefix>/events`.

    Subscribes through Home Assistant's MQTT integration and returns the function that stops
    listening; returns None when that integration has no enabled entry, or its set-up failed:
    a user without MQTT loses nothing but Frigate's events. A malformed message is dropped with
    one log line (the first a warning, later ones debug: a broken publisher must not flood the log).
    `topic_prefix` is Frigate's `mqtt.topic_prefix` (FrigateClient.config()). While MQTT is
    still being set up this waits for it (Home Assistant's bound: 50 s), so call it from a task
    of its own (`entry.async_create_background_task`), not in the entry's set-up.
    """
    if not hass.config_entries.async_entries(MQTT_DOMAIN, include_ignore=False, include_disabled=False):
        return None
    # Imported only now: the MQTT integration (and paho) exist only where a user set MQTT up.
    from homeassistant.components import mqtt

    if not await mqtt.async_wait_for_mqtt_client(hass):
        _LOGGER.warning("MQTT is not available: Frigate's events on %s/events are not received", topic_prefix)
        return None
    topic = f"{topic_prefix}/events"
    warned = False

    @callback
    def received(message: ReceiveMessage) -> None:
        nonlocal warned
        event, why = parse_event(message.payload)
        if event is not None:
            on_event(event)
            return
        log = _LOGGER.debug if warned else _LOGGER.warning
        log("Ignored a message on %s that is not a Frigate event: %s", topic, why)
        warned = True

    # Bytes, not text: a payload that is not UTF-8 is dropped here, with the same log line.
    return await mqtt.async_subscribe(hass, topic, received, encoding=None)


@dataclass(frozen=True, slots=True)
class VisitRule:
    """Which of Frigate's tracked objects make visits of a camera: `label` objects on `camera`.

    With `zones`, a visit starts only once the object is in one of them (Frigate's `current_zones`);
    without, anywhere on the camera.
    """

    camera: str
    zones: frozenset[str] = frozenset()
    label: str = PERSON


class VisitStep(StrEnum):
    """What an event means for the camera's visits."""

    START = "start"
    FRAME = "frame"
    END = "end"
    IGNORE = "ignore"


def visit_step(rule: VisitRule, event: FrigateEvent, *, in_visit: bool) -> VisitStep:
    """Return what `event` does to the visit of its object; `in_visit`: a visit of `event.id` is under way.

    A `new` event starts a visit, and so does the first `update` the scanner sees of an object it
    has no visit for (it started before Home Assistant listened, or only now entered a chosen
    zone). Later events of a visit's object are its further frames, wherever the object is (the
    visit's frame budget ends it); `end` ends it. A false positive never starts one, and no other
    camera or label concerns the rule.
    """
    after = event.after
    if after.camera != rule.camera or after.label != rule.label:
        return VisitStep.IGNORE
    if event.type is EventType.END:
        return VisitStep.END if in_visit else VisitStep.IGNORE
    if in_visit:
        return VisitStep.FRAME
    if after.false_positive or (rule.zones and rule.zones.isdisjoint(after.current_zones)):
        return VisitStep.IGNORE
    return VisitStep.START


class SubLabelPolicy(StrEnum):
    """Who names a tracked object when Frigate (its own face recognition, or any other writer) named it too."""

    KEEP_FRIGATE = "keep_frigate"
    OURS_WINS = "ours_wins"


class SubLabelDecision(StrEnum):
    """Whether to write our name as the event's sub_label now."""

    WRITE = "write"
    # Not yet: Frigate's own face recognition may still name the object; ask again when the event ends.
    WAIT = "wait"
    KEEP = "keep"  # leave the event's sub_label as it is


def sub_label_decision(
    policy: SubLabelPolicy, name: str, current: SubLabel | None, *, frigate_recognises: bool, ended: bool
) -> SubLabelDecision:
    """Return whether to write `name` over the object's `current` sub label (from its latest event).

    Frigate keeps one sub label and the last writer wins; its face recognition skips an object
    whose sub label is set before its first attempt, and overwrites any sub label once its own
    score is good enough (Frigate 0.16's api/event.py and face recognition). So:

    - "keep Frigate's name" (KEEP_FRIGATE, the default): a name already there stays. Where
      Frigate recognises faces on the camera (`frigate_recognises`, FrigateConfig.recognises_faces),
      writing early would stop it trying, so ours is written only once the event has ended
      without a name; elsewhere at once.
    - "ours wins" (OURS_WINS): written at once, and again at the end if the event ended with
      another name (Frigate overwrote it) or none.

    The caller asks again when the event ends (`ended`, with the sub label it ended with). A name
    the object already has is never written again.
    """
    if current is not None and current.name == name:
        return SubLabelDecision.KEEP
    if policy is SubLabelPolicy.OURS_WINS:
        return SubLabelDecision.WRITE
    if current is not None:
        return SubLabelDecision.KEEP
    if frigate_recognises and not ended:
        return SubLabelDecision.WAIT
    return SubLabelDecision.WRITE
