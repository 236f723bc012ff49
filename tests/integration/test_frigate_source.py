"""Frigate as a camera's source: a real mosquitto, Home Assistant's real MQTT, the fake Frigate and the local server.

A Frigate person event makes one visit whose frames are Frigate's snapshots; a recognized name
goes back as the event's sub_label; a stranger gets none; an unreachable Frigate shows on the
scan problem sensor. The figures (calls per event, MQTT message → sub_label latency) are printed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.baidu_face.const import (
    CONF_FRIGATE_CAMERA,
    CONF_FRIGATE_SUB_LABEL,
    CONF_FRIGATE_TOPIC_PREFIX,
    CONF_FRIGATE_URL,
    CONF_SOURCE,
    FOLLOWED_EVENTS,
    SOURCE_FRIGATE,
    SUBENTRY_CAMERA,
)
from custom_components.baidu_face.frigate_source import FrigateSource
from custom_components.baidu_face.scanner import CameraScanner
from custom_components.baidu_face.visits import Visit
from scripts.fake_frigate import FakeEvent, FakeFrigate
from scripts.mosquitto import Broker
from tests.frigate.fixtures import (
    frigate,
    frigate_authenticated,
    mosquitto,
    mqtt_entry,
    publish,
    until,
    wait_for_subscription,
)

from .conftest import camera_subentry, state

__all__ = ["frigate", "frigate_authenticated", "mosquitto", "mqtt_entry"]

Setup = Callable[..., Awaitable[MockConfigEntry]]
PROBLEM = "binary_sensor.door_scan_problem"


async def setup_frigate_door(setup_entry: Setup, fake: FakeFrigate, **settings: Any) -> MockConfigEntry:
    frigate_settings: dict[str, Any] = {
        CONF_SOURCE: SOURCE_FRIGATE,
        CONF_FRIGATE_URL: fake.url,
        CONF_FRIGATE_CAMERA: "front_door",
        CONF_FRIGATE_SUB_LABEL: True,
        CONF_FRIGATE_TOPIC_PREFIX: "frigate",
    }
    camera = camera_subentry(
        "camera.door",
        burst_frames=2,
        burst_interval=0.2,
        **(frigate_settings | settings),
    )
    return await setup_entry(subentries=[camera], qps=50)


def parts(entry: MockConfigEntry) -> tuple[CameraScanner, FrigateSource]:
    (scanner,) = entry.runtime_data.scanners.values()
    (source,) = entry.runtime_data.frigate_sources.values()
    return scanner, source


def baidu_calls(entry: MockConfigEntry) -> int:
    return sum(int(count) for count in entry.runtime_data.client.call_counts.values())


async def one_visit(hass: HomeAssistant, mosquitto: Broker, entry: MockConfigEntry, event: FakeEvent) -> Visit:
    """Publish `event` as Frigate does when it starts tracking a person; return the visit once it is over.

    By then the visit's sub_label call (if it makes one) has had its answer.
    """
    scanner, _ = parts(entry)
    await wait_for_subscription(mosquitto, "frigate/events")
    visits = scanner.visits
    await publish(hass, mosquitto, "frigate/events", event.message("new"))
    await until(lambda: scanner.visits > visits, lambda: "the visit did not end")
    await hass.async_block_till_done()
    assert scanner.last_visit is not None
    return scanner.last_visit


async def end_event(hass: HomeAssistant, mosquitto: Broker, entry: MockConfigEntry, event: FakeEvent) -> None:
    """Publish `event`'s end, as Frigate does once the person has gone, with the sub_label it ends with.

    Returns once the camera's Frigate source has taken it, and any sub_label call it makes then is answered.
    """
    _, source = parts(entry)
    ended = source.events_ended
    event.in_progress = False
    await publish(hass, mosquitto, "frigate/events", event.message("end"))
    await until(lambda: source.events_ended > ended, lambda: "the end of the event did not arrive")
    await hass.async_block_till_done()


def names_written(fake: FakeFrigate) -> list[object]:
    return [call.body["subLabel"] if isinstance(call.body, dict) else call.body for call in fake.sub_label_calls]


async def test_a_person_event_makes_one_visit_of_snapshots_and_names_the_event(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    entry = await setup_frigate_door(setup_entry, frigate)
    scanner, source = parts(entry)
    await wait_for_subscription(mosquitto, "frigate/events")
    calls_before = baidu_calls(entry)
    event = frigate.add_event("front_door", "probe/obama.jpg")

    started = time.perf_counter()
    visit = await one_visit(hass, mosquitto, entry, event)
    # Frigate's updates after the visit, and the event's end, start nothing more.
    await publish(hass, mosquitto, "frigate/events", event.message("update"))
    await end_event(hass, mosquitto, entry, event)

    (call,) = frigate.sub_label_calls
    latency = call.received - started
    assert call.event_id == event.id
    assert call.status == 200
    assert isinstance(call.body, dict)
    assert call.body["subLabel"] == "Obama"  # the user_info in the face set
    assert 0.8 < call.body["subLabelScore"] <= 1
    assert event.sub_label is not None
    assert event.sub_label[0] == "Obama"
    assert scanner.visits == 1
    assert source.visits_started == 1
    assert "obama" in visit.known
    # Every frame came from the event's snapshot endpoint, asked as SNAPSHOT_PARAMS say.
    assert [event_id for event_id, _ in frigate.snapshot_requests] == [event.id]
    assert frigate.snapshot_requests[0][1]["crop"] == "1"
    baidu = baidu_calls(entry) - calls_before
    assert baidu == 1  # one identify: the first frame named the person
    assert state(hass, PROBLEM).state == "off"
    print(
        f"\nFrigate event: {len(frigate.snapshot_requests)} snapshot + {len(frigate.sub_label_calls)} sub_label "
        f"calls to Frigate, {baidu} to Baidu; MQTT message → sub_label {latency * 1000:.0f} ms"
    )


async def test_a_stranger_gets_no_sub_label(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    entry = await setup_frigate_door(setup_entry, frigate)

    visit = await one_visit(
        hass, mosquitto, entry, frigate.add_event("front_door", "probe/stranger_lin_manuel_miranda.png")
    )

    assert visit.frames_scanned >= 1
    assert not visit.known
    assert visit.most_faces >= 1
    assert not frigate.sub_label_calls
    # The visit stayed within its frame budget (2), each frame Frigate's snapshot.
    assert 1 <= len(frigate.snapshot_requests) <= 2


async def test_other_cameras_zones_and_false_positives_start_nothing(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    frigate.cameras["garden"] = []
    entry = await setup_frigate_door(setup_entry, frigate, frigate_zones=["porch"])
    scanner, source = parts(entry)
    await wait_for_subscription(mosquitto, "frigate/events")
    for event in (
        frigate.add_event("garden", "probe/obama.jpg"),
        frigate.add_event("front_door", "probe/obama.jpg", zones=[]),
        frigate.add_event("front_door", "probe/obama.jpg", zones=["porch"], false_positive=True),
    ):
        await publish(hass, mosquitto, "frigate/events", event.message("new"))
    inside = frigate.add_event("front_door", "probe/obama.jpg", zones=["porch"])
    await one_visit(hass, mosquitto, entry, inside)

    assert source.visits_started == 1
    assert {event_id for event_id, _ in frigate.snapshot_requests} == {inside.id}
    assert scanner.visits == 1
    assert [call.event_id for call in frigate.sub_label_calls] == [inside.id]


async def test_frigate_unreachable_shows_a_scan_problem(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    entry = await setup_frigate_door(setup_entry, frigate)
    await wait_for_subscription(mosquitto, "frigate/events")  # after Frigate's config was read
    event = frigate.add_event("front_door", "probe/obama.jpg")
    await frigate.stop()

    await one_visit(hass, mosquitto, entry, event)

    problem = state(hass, PROBLEM)
    assert problem.state == "on"
    assert problem.attributes["reason"] == "frigate_unavailable"
    assert not frigate.sub_label_calls


async def test_without_write_back_nothing_is_written(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    entry = await setup_frigate_door(setup_entry, frigate, frigate_sub_label=False)

    visit = await one_visit(hass, mosquitto, entry, frigate.add_event("front_door", "probe/obama.jpg"))

    assert "obama" in visit.known
    assert not frigate.sub_label_calls


# Where Frigate already named the person (its own face recognition, or another writer): what
# each SubLabelPolicy does, with "Li Na" as Frigate's name and Obama in the picture.
FRIGATES_NAME = ("Li Na", 0.93)


async def test_keep_frigate_leaves_the_name_frigate_gave(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    entry = await setup_frigate_door(setup_entry, frigate, frigate_sub_label_policy="keep_frigate")
    event = frigate.add_event("front_door", "probe/obama.jpg", sub_label=FRIGATES_NAME)

    visit = await one_visit(hass, mosquitto, entry, event)
    await end_event(hass, mosquitto, entry, event)

    assert "obama" in visit.known  # recognized (and announced in Home Assistant) all the same
    assert not frigate.sub_label_calls
    assert event.sub_label == FRIGATES_NAME


async def test_ours_wins_overwrites_frigates_name_and_again_when_frigate_overwrites_ours(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    entry = await setup_frigate_door(setup_entry, frigate, frigate_sub_label_policy="ours_wins")
    obama, kit = "Obama", "Kit Harington"  # their user_info in the face set
    kept = frigate.add_event("front_door", "probe/obama.jpg", sub_label=FRIGATES_NAME)
    # Another person: the change gate would drop the same picture twice.
    overwritten = frigate.add_event("front_door", "probe/kit_harington.jpg", sub_label=FRIGATES_NAME)

    # Ours goes at once, and the event that ends with it gets no second call.
    await one_visit(hass, mosquitto, entry, kept)
    assert names_written(frigate) == [obama]
    assert kept.sub_label is not None
    assert kept.sub_label[0] == obama
    await end_event(hass, mosquitto, entry, kept)
    assert names_written(frigate) == [obama]

    # Frigate's face recognition writes its name over ours before the event ends: ours again.
    await one_visit(hass, mosquitto, entry, overwritten)
    overwritten.sub_label = FRIGATES_NAME
    await end_event(hass, mosquitto, entry, overwritten)
    assert [call.event_id for call in frigate.sub_label_calls] == [kept.id, overwritten.id, overwritten.id]
    assert names_written(frigate) == [obama, kit, kit]
    assert overwritten.sub_label is not None
    assert overwritten.sub_label[0] == kit


async def test_keep_frigate_waits_for_frigates_own_face_recognition(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    frigate.face_recognition = frozenset({"front_door"})
    entry = await setup_frigate_door(setup_entry, frigate, frigate_sub_label_policy="keep_frigate")
    kit = "Kit Harington"  # the user_info in the face set
    named_by_frigate = frigate.add_event("front_door", "probe/obama.jpg")
    unnamed = frigate.add_event("front_door", "probe/kit_harington.jpg")

    # Writing while the person is tracked would stop Frigate's own recognition trying: nothing yet.
    visit = await one_visit(hass, mosquitto, entry, named_by_frigate)
    assert "obama" in visit.known
    assert not frigate.sub_label_calls
    # Frigate's recognition named the person before the event ended: its name stays.
    named_by_frigate.sub_label = FRIGATES_NAME
    await end_event(hass, mosquitto, entry, named_by_frigate)
    assert not frigate.sub_label_calls

    # It ended without a name: ours goes then.
    await one_visit(hass, mosquitto, entry, unnamed)
    assert not frigate.sub_label_calls
    await end_event(hass, mosquitto, entry, unnamed)
    assert [call.event_id for call in frigate.sub_label_calls] == [unnamed.id]
    assert names_written(frigate) == [kit]
    assert frigate.sub_label_calls[0].status == 200


async def test_the_authenticated_port_logs_in_and_writes_as_its_user(
    hass: HomeAssistant,
    mqtt_entry: MockConfigEntry,
    mosquitto: Broker,
    frigate_authenticated: FakeFrigate,
    setup_entry: Setup,
) -> None:
    fake = frigate_authenticated
    entry = await setup_frigate_door(
        setup_entry, fake, frigate_username="admin", frigate_password="correct horse", frigate_verify_ssl=False
    )

    await one_visit(hass, mosquitto, entry, fake.add_event("front_door", "probe/obama.jpg"))

    (call,) = fake.sub_label_calls
    assert (call.user, call.status) == ("admin", 200)
    assert fake.logins == ["admin"]  # one login for the config, the snapshot and the sub_label


async def test_the_camera_form_takes_frigate_from_the_frigate_integration(
    hass: HomeAssistant, frigate_authenticated: FakeFrigate, setup_entry: Setup
) -> None:
    fake = frigate_authenticated
    # The Frigate integration's entry, as its config flow keeps it (frigate.md §3.1).
    MockConfigEntry(
        domain="frigate",
        title="Frigate",
        data={"url": fake.url, "validate_ssl": False, "username": "admin", "password": "correct horse"},
    ).add_to_hass(hass)
    entry = await setup_entry(subentries=[])
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    camera = dict(camera_subentry("camera.door")["data"]) | {CONF_SOURCE: SOURCE_FRIGATE}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], camera)
    assert result["step_id"] == "frigate"
    schema = result["data_schema"]
    assert schema is not None
    suggested = {str(key): key.description["suggested_value"] for key in schema.schema if key.description}
    assert suggested[CONF_FRIGATE_URL] == fake.url
    assert suggested["frigate_username"] == "admin"
    assert "frigate_password" not in suggested  # a password never goes to the browser
    answers = {
        CONF_FRIGATE_URL: fake.url,
        "frigate_username": "admin",
        "frigate_password": "wrong",
        "frigate_verify_ssl": False,
        CONF_FRIGATE_CAMERA: "front_door",
        "frigate_zones": [],
        CONF_FRIGATE_SUB_LABEL: True,
        "frigate_sub_label_policy": "keep_frigate",
    }
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], answers)
    assert result["errors"] == {"base": "frigate_invalid_auth"}
    answers["frigate_password"] = ""  # left empty: the Frigate integration's, for the same user
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], answers | {CONF_FRIGATE_CAMERA: "garage"}
    )
    assert result["errors"] == {CONF_FRIGATE_CAMERA: "frigate_unknown_camera"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], answers | {"frigate_zones": ["porch"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_SOURCE] == SOURCE_FRIGATE
    assert data[CONF_FRIGATE_TOPIC_PREFIX] == "frigate"
    assert data["frigate_zones"] == ["porch"]
    assert data["frigate_password"] == "correct horse"
    await hass.async_block_till_done()
    (source,) = entry.runtime_data.frigate_sources.values()
    assert source.rule.zones == {"porch"}


async def test_back_to_the_live_picture_forgets_frigate_and_its_login(
    hass: HomeAssistant, frigate_authenticated: FakeFrigate, setup_entry: Setup
) -> None:
    fake = frigate_authenticated
    entry = await setup_frigate_door(
        setup_entry, fake, frigate_username="admin", frigate_password="correct horse", frigate_verify_ssl=False
    )
    (subentry_id,) = entry.subentries
    assert entry.subentries[subentry_id].data["frigate_password"] == "correct horse"

    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    camera = dict(camera_subentry("camera.door")["data"]) | {CONF_SOURCE: "camera"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], camera)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    data = entry.subentries[subentry_id].data
    assert data[CONF_SOURCE] == "camera"
    assert not [key for key in data if key.startswith("frigate")]
    assert "correct horse" not in repr(dict(data))
    assert not entry.runtime_data.frigate_sources


async def test_events_whose_end_never_comes_are_forgotten_the_least_recently_heard_first(
    hass: HomeAssistant, mqtt_entry: MockConfigEntry, mosquitto: Broker, frigate: FakeFrigate, setup_entry: Setup
) -> None:
    # Frigate's own recognition runs, so each recognized name waits for its event's end; no end comes.
    frigate.face_recognition = frozenset({"front_door"})
    entry = await setup_frigate_door(setup_entry, frigate, frigate_sub_label_policy="keep_frigate", cooldown=0)
    _, source = parts(entry)
    events = [frigate.add_event("front_door", "probe/obama.jpg") for _ in range(FOLLOWED_EVENTS + 1)]
    for event in events:
        assert "obama" in (await one_visit(hass, mosquitto, entry, event)).known
    # One too many: the first is forgotten, name and all (a day-long run keeps no more than this).
    assert source.events_forgotten == 1
    # Heard from again, the second becomes the most recent, so the next one forgets the third.
    await publish(hass, mosquitto, "frigate/events", events[1].message("update"))
    await hass.async_block_till_done()
    newest = frigate.add_event("front_door", "probe/obama.jpg")
    await one_visit(hass, mosquitto, entry, newest)
    assert source.events_forgotten == 2

    # The first's end, when it comes after all, starts and writes nothing; the second's is followed.
    ended = source.events_ended
    events[0].in_progress = False
    await publish(hass, mosquitto, "frigate/events", events[0].message("end"))
    await end_event(hass, mosquitto, entry, events[1])
    assert source.events_ended == ended + 1
    assert [call.event_id for call in frigate.sub_label_calls] == [events[1].id]
    assert names_written(frigate) == ["Obama"]
