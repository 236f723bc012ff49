"""Frigate's events: parsed from what Frigate publishes, received through mosquitto and Home Assistant's MQTT."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.core import HomeAssistant, callback
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.baidu_face.frigate import FrigateServer, create_frigate_client
from custom_components.baidu_face.frigate_events import (
    EventType,
    FrigateEvent,
    SubLabel,
    SubLabelDecision,
    SubLabelPolicy,
    TrackedObject,
    VisitRule,
    VisitStep,
    async_listen_events,
    event_row,
    parse_event,
    sub_label_decision,
    visit_step,
)
from scripts.fake_frigate import FakeEvent, FakeFrigate
from scripts.mosquitto import Broker
from tests.frigate.fixtures import publish, until, wait_for_subscription

# A message as Frigate 0.16 publishes it (frigate.md §1.2), trimmed of nothing.
FRIGATE_016_UPDATE: dict[str, Any] = {
    "type": "update",
    "before": {
        "id": "1607123955.475377-mxklsc",
        "camera": "front_door",
        "frame_time": 1607123961.837752,
        "snapshot": {"frame_time": 1607123961.837752, "box": [415, 489, 528, 700], "area": 12728, "score": 0.77},
        "label": "person",
        "sub_label": None,
        "top_score": 0.958984375,
        "false_positive": False,
        "start_time": 1607123955.475377,
        "end_time": None,
        "score": 0.7890625,
        "box": [424, 500, 536, 712],
        "area": 23744,
        "ratio": 2.113207,
        "region": [264, 450, 667, 853],
        "current_zones": ["driveway"],
        "entered_zones": ["yard", "driveway"],
        "thumbnail": None,
        "has_snapshot": False,
        "has_clip": False,
        "active": True,
        "stationary": False,
        "motionless_count": 0,
        "position_changes": 2,
        "attributes": {"face": 0.64},
        "current_attributes": [],
        "current_estimated_speed": 0.71,
        "velocity_angle": 180,
        "recognized_license_plate": None,
        "path_data": [[[0.5, 0.6], 1607123956.0]],
    },
    "after": {
        "id": "1607123955.475377-mxklsc",
        "camera": "front_door",
        "frame_time": 1607123962.082975,
        "label": "person",
        "sub_label": ["Zhang Wei", 0.92],
        "top_score": 0.958984375,
        "false_positive": False,
        "start_time": 1607123955.475377,
        "end_time": None,
        "current_zones": ["porch", "driveway"],
        "entered_zones": ["yard", "driveway", "porch"],
        "has_snapshot": True,
        "has_clip": True,
        "attributes": {"face": 0.86},
        "current_attributes": [{"label": "face", "box": [442, 506, 534, 524], "score": 0.86}],
    },
}


def test_parses_frigates_documented_message() -> None:
    event, why = parse_event(json.dumps(FRIGATE_016_UPDATE).encode())
    assert why is None
    assert event == FrigateEvent(
        EventType.UPDATE,
        TrackedObject(
            "1607123955.475377-mxklsc",
            "front_door",
            "person",
            None,
            ("driveway",),
            ("yard", "driveway"),
            has_snapshot=False,
            false_positive=False,
            top_score=0.958984375,
            end_time=None,
        ),
        TrackedObject(
            "1607123955.475377-mxklsc",
            "front_door",
            "person",
            SubLabel("Zhang Wei", 0.92),
            ("porch", "driveway"),
            ("yard", "driveway", "porch"),
            has_snapshot=True,
            false_positive=False,
            top_score=0.958984375,
            end_time=None,
        ),
    )
    assert (event.id, event.camera) == ("1607123955.475377-mxklsc", "front_door")


def test_parses_the_fakes_messages_and_rows_alike() -> None:
    fake = FakeEvent("1.5-abcdef", "front_door", [], zones=["porch"], sub_label=("Obama", None))
    event, _ = parse_event(fake.message("new"))
    assert event is not None
    assert event.after.sub_label == SubLabel("Obama", None)
    row = event_row(fake.row())
    assert row.entered_zones == ("porch",)
    assert row.current_zones == ()  # a database row has only the zones entered
    assert row.sub_label == SubLabel("Obama", None)
    fake.sub_label = ("Obama", 0.91)
    assert event_row(fake.row()).sub_label == SubLabel("Obama", 0.91)


def _with(after: dict[str, Any]) -> bytes:
    return json.dumps({**FRIGATE_016_UPDATE, "after": {**FRIGATE_016_UPDATE["after"], **after}}).encode()


MALFORMED = [
    (b"", "not JSON"),
    (b"\xff\xfe not text", "not JSON"),
    (b"{", "not JSON"),
    (b"[1, 2]", "the message is not an object"),
    (json.dumps({**FRIGATE_016_UPDATE, "type": "gone"}).encode(), "type is not new, update or end"),
    (json.dumps({**FRIGATE_016_UPDATE, "type": ["new"]}).encode(), "type is not"),
    (json.dumps({"type": "new", "before": None}).encode(), "after is not an object"),
    (json.dumps({**FRIGATE_016_UPDATE, "before": "x"}).encode(), "before is not an object"),
    (_with({"id": ""}), "after.id is not a non-empty string"),
    (_with({"id": "../config?x="}), "after.id is not a Frigate event id"),
    (_with({"camera": 7}), "after.camera is not"),
    (_with({"label": None}), "after.label is not"),
    (_with({"sub_label": [1, 0.9]}), "after.sub_label is not"),
    (_with({"sub_label": ["Zhang Wei", "high"]}), "sub_label's score is not a number"),
    (_with({"current_zones": "porch"}), "after.current_zones is not a list"),
    (_with({"entered_zones": [1]}), "after.entered_zones is not a list"),
    (_with({"has_snapshot": "yes"}), "after.has_snapshot is not true or false"),
    (_with({"false_positive": 0}), "after.false_positive is not"),
    (_with({"top_score": True}), "after.top_score is not a number"),
    (b'{"type": "end", "after": {"id": "a", "camera": "c", "label": "person", "end_time": NaN}}', "end_time is not"),
]


@pytest.mark.parametrize(("payload", "why"), MALFORMED)
def test_a_malformed_message_is_none_and_a_reason(payload: bytes, why: str) -> None:
    event, reason = parse_event(payload)
    assert event is None
    assert reason is not None
    assert why in reason


def test_tolerates_what_older_frigates_send() -> None:
    # No `before`, a bare sub label (before 0.13), fields missing (0.14 sends fewer).
    payload = json.dumps({"type": "new", "after": {"id": "a", "camera": "c", "label": "person", "sub_label": "Lin"}})
    event, why = parse_event(payload)
    assert why is None
    assert event is not None
    assert event.before is None
    assert event.after.sub_label == SubLabel("Lin", None)
    assert (event.after.current_zones, event.after.has_snapshot, event.after.top_score) == ((), False, None)


def _event(kind: str, camera: str = "front_door", label: str = "person", **after: Any) -> FrigateEvent:
    event, why = parse_event(
        json.dumps({"type": kind, "after": {"id": "e", "camera": camera, "label": label, **after}})
    )
    assert event is not None, why
    return event


def test_a_person_on_the_camera_makes_one_visit_from_new_to_end() -> None:
    rule = VisitRule("front_door")
    assert visit_step(rule, _event("new"), in_visit=False) is VisitStep.START
    assert visit_step(rule, _event("update"), in_visit=True) is VisitStep.FRAME
    assert visit_step(rule, _event("new"), in_visit=True) is VisitStep.FRAME  # a repeat starts nothing new
    assert visit_step(rule, _event("end"), in_visit=True) is VisitStep.END
    assert visit_step(rule, _event("end"), in_visit=False) is VisitStep.IGNORE
    # An object already tracked when Home Assistant started listening: its first update starts the visit.
    assert visit_step(rule, _event("update"), in_visit=False) is VisitStep.START


def test_other_cameras_labels_and_false_positives_start_no_visit() -> None:
    rule = VisitRule("front_door")
    assert visit_step(rule, _event("new", camera="garden"), in_visit=False) is VisitStep.IGNORE
    assert visit_step(rule, _event("new", label="car"), in_visit=False) is VisitStep.IGNORE
    assert visit_step(rule, _event("update", camera="garden"), in_visit=True) is VisitStep.IGNORE
    assert visit_step(rule, _event("new", false_positive=True), in_visit=False) is VisitStep.IGNORE
    assert visit_step(rule, _event("update", false_positive=True), in_visit=False) is VisitStep.IGNORE
    assert (
        visit_step(VisitRule("front_door", label="car"), _event("new", label="car"), in_visit=False) is VisitStep.START
    )


def test_with_zones_a_visit_starts_once_the_person_is_in_one() -> None:
    rule = VisitRule("front_door", zones=frozenset({"porch", "path"}))
    assert visit_step(rule, _event("new", current_zones=[]), in_visit=False) is VisitStep.IGNORE
    street = _event("update", current_zones=["street"], entered_zones=["street", "porch"])
    assert visit_step(rule, street, in_visit=False) is VisitStep.IGNORE  # entered once, not in it now
    assert visit_step(rule, _event("update", current_zones=["porch"]), in_visit=False) is VisitStep.START
    # Once under way, the visit follows the person anywhere (its frame budget ends it).
    assert visit_step(rule, _event("update", current_zones=["street"]), in_visit=True) is VisitStep.FRAME


@pytest.mark.parametrize(
    ("policy", "current", "frigate_recognises", "ended", "decision"),
    [
        # Keep Frigate's name: a name there stays; where Frigate recognises faces, ours waits for the end.
        (SubLabelPolicy.KEEP_FRIGATE, None, False, False, SubLabelDecision.WRITE),
        (SubLabelPolicy.KEEP_FRIGATE, None, True, False, SubLabelDecision.WAIT),
        (SubLabelPolicy.KEEP_FRIGATE, None, True, True, SubLabelDecision.WRITE),
        (SubLabelPolicy.KEEP_FRIGATE, SubLabel("Li Na", 0.93), True, False, SubLabelDecision.KEEP),
        (SubLabelPolicy.KEEP_FRIGATE, SubLabel("Li Na", 0.93), False, True, SubLabelDecision.KEEP),
        # Ours wins: written at once, and again over Frigate's.
        (SubLabelPolicy.OURS_WINS, None, True, False, SubLabelDecision.WRITE),
        (SubLabelPolicy.OURS_WINS, SubLabel("Li Na", 0.93), True, True, SubLabelDecision.WRITE),
        # The same name is never written twice.
        (SubLabelPolicy.OURS_WINS, SubLabel("Zhang Wei", 0.9), False, False, SubLabelDecision.KEEP),
        (SubLabelPolicy.KEEP_FRIGATE, SubLabel("Zhang Wei", None), False, True, SubLabelDecision.KEEP),
    ],
)
def test_who_names_the_object(
    policy: SubLabelPolicy,
    current: SubLabel | None,
    frigate_recognises: bool,
    ended: bool,
    decision: SubLabelDecision,
) -> None:
    assert (
        sub_label_decision(policy, "Zhang Wei", current, frigate_recognises=frigate_recognises, ended=ended) is decision
    )


async def test_frigates_events_arrive_through_mosquitto_and_home_assistants_mqtt(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate
) -> None:
    received: list[FrigateEvent] = []
    unsubscribe = await async_listen_events(hass, "frigate", received.append)
    assert unsubscribe is not None
    await wait_for_subscription(mosquitto, "frigate/events")

    person = frigate.add_event("front_door", zones=["porch"])
    await publish(hass, mosquitto, "frigate/events", person.message("new"))
    await publish(hass, mosquitto, "frigate/front_door/person", "1")  # another topic: not an event
    await until(lambda: received, lambda: "no event arrived")
    [event] = received
    assert (event.type, event.id, event.camera, event.after.current_zones) == (
        "new",
        person.id,
        "front_door",
        ("porch",),
    )
    assert visit_step(VisitRule("front_door", frozenset({"porch"})), event, in_visit=False) is VisitStep.START

    unsubscribe()
    await hass.async_block_till_done()
    await publish(hass, mosquitto, "frigate/events", person.message("end"))
    await publish(hass, mosquitto, "nvr/events", person.message("end"))
    await hass.async_block_till_done()
    assert received == [event]


async def test_listens_under_frigates_topic_prefix(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker
) -> None:
    received: list[FrigateEvent] = []
    unsubscribe = await async_listen_events(hass, "nvr", received.append)
    assert unsubscribe is not None
    await wait_for_subscription(mosquitto, "nvr/events")
    await publish(hass, mosquitto, "frigate/events", json.dumps(FRIGATE_016_UPDATE))
    await publish(hass, mosquitto, "nvr/events", json.dumps(FRIGATE_016_UPDATE))
    await until(lambda: received, lambda: "no event arrived")
    assert [event.id for event in received] == ["1607123955.475377-mxklsc"]
    unsubscribe()


async def test_malformed_messages_are_dropped_with_one_line_each(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "custom_components.baidu_face")
    received: list[FrigateEvent] = []
    unsubscribe = await async_listen_events(hass, "frigate", received.append)
    assert unsubscribe is not None
    await wait_for_subscription(mosquitto, "frigate/events")
    for payload, _ in MALFORMED[:4]:
        await publish(hass, mosquitto, "frigate/events", payload)
    await publish(hass, mosquitto, "frigate/events", json.dumps(FRIGATE_016_UPDATE))
    await until(lambda: received, lambda: "the good event did not arrive")
    ours = [record for record in caplog.records if record.name.startswith("custom_components.baidu_face")]
    assert [(record.levelno, record.getMessage().split(": ", 1)[1]) for record in ours] == [
        (logging.WARNING, "not JSON (JSONDecodeError)"),
        (logging.DEBUG, "not JSON (UnicodeDecodeError)"),
        (logging.DEBUG, "not JSON (JSONDecodeError)"),
        (logging.DEBUG, "the message is not an object"),
    ]
    assert len(received) == 1
    unsubscribe()


async def test_without_an_mqtt_entry_nothing_is_listened_to(hass: HomeAssistant) -> None:
    assert await async_listen_events(hass, "frigate", lambda event: None) is None
    assert "mqtt" not in hass.config.components
    # A disabled MQTT entry, and MQTT loaded (as a dependency of something) yet never set up: still nothing.
    MockConfigEntry(domain="mqtt", data={"broker": "127.0.0.1"}, disabled_by=ConfigEntryDisabler.USER).add_to_hass(hass)
    assert await async_listen_events(hass, "frigate", lambda event: None) is None
    await hass.async_add_executor_job(Path(hass.config.path("configuration.yaml")).touch)
    assert await async_setup_component(hass, "mqtt", {})
    assert await async_listen_events(hass, "frigate", lambda event: None) is None


async def test_an_mqtt_that_never_comes_up_is_no_listener(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An MQTT entry still setting up: Home Assistant waits for it (50 s), then gives up.
    from homeassistant.components.mqtt import util

    monkeypatch.setattr(util, "AVAILABILITY_TIMEOUT", 0.05)
    MockConfigEntry(domain="mqtt", data={"broker": "127.0.0.1"}).add_to_hass(hass)
    assert await async_listen_events(hass, "frigate", lambda event: None) is None
    assert "MQTT is not available: Frigate's events on frigate/events are not received" in caplog.text


async def test_the_pieces_together_as_a_scanner_uses_them(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate
) -> None:
    """A person walks to the porch: one visit, its frames from Frigate's snapshots, the name written at the end."""
    client = create_frigate_client(hass, FrigateServer(frigate.url))
    config = await client.config()
    rule = VisitRule("front_door", frozenset({"porch"}))
    frames: dict[str, list[bytes]] = {}
    steps: list[VisitStep] = []
    tasks: list[asyncio.Task[None]] = []

    async def take_frame(event: FrigateEvent) -> None:
        frames[event.id].append(await client.snapshot(event.id))

    async def name(event: FrigateEvent) -> None:
        decision = sub_label_decision(
            SubLabelPolicy.KEEP_FRIGATE,
            "Obama",
            event.after.sub_label,
            frigate_recognises=config.recognises_faces(event.camera),
            ended=True,
        )
        if decision is SubLabelDecision.WRITE:
            await client.set_sub_label(event.id, "Obama", 97.5)

    @callback
    def on_event(event: FrigateEvent) -> None:
        step = visit_step(rule, event, in_visit=event.id in frames)
        steps.append(step)
        if step in (VisitStep.START, VisitStep.FRAME):
            frames.setdefault(event.id, [])  # before any await: the next event sees the visit
            tasks.append(hass.async_create_task(take_frame(event)))
        elif step is VisitStep.END:
            tasks.append(hass.async_create_task(name(event)))

    unsubscribe = await async_listen_events(hass, config.topic_prefix, on_event)
    assert unsubscribe is not None
    await wait_for_subscription(mosquitto, "frigate/events")
    person = frigate.add_event("front_door", "probe/obama_small.jpg", "probe/obama.jpg")
    for kind, zones in [("new", []), ("update", ["porch"]), ("update", ["porch"])]:
        person.zones = zones
        await publish(hass, mosquitto, "frigate/events", person.message(kind))
    person.in_progress = False
    await publish(hass, mosquitto, "frigate/events", person.message("end"))
    await until(lambda: len(steps) == 4 and all(task.done() for task in tasks), lambda: f"steps so far: {steps}")

    assert steps == [VisitStep.IGNORE, VisitStep.START, VisitStep.FRAME, VisitStep.END]
    assert [len(jpeg) > 1000 for jpeg in frames[person.id]] == [True, True]
    assert len(frigate.snapshot_requests) == 2  # one call per frame
    assert [(call.body, call.status) for call in frigate.sub_label_calls] == [
        ({"subLabel": "Obama", "subLabelScore": 0.975}, 200)
    ]
    unsubscribe()
