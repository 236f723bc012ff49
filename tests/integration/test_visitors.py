"""Visitors: a stranger the door saw before is the same visitor when they come back, at no extra search call.

Given the local server's face set (everyone in sample_faces/enroll, group `family`) and a door camera scanned
on motion, when the same stranger comes again, then the unknown-face event names the same visitor with one
more visit; an ignored visitor is counted but not announced; an enrolled visitor is recognized next time.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.baidu_face.const import (
    CONF_DAILY_BUDGET,
    CONF_GROUPS,
    CONF_MAX_VISITORS,
    CONF_VISITOR_DAYS,
    EVENT_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
)
from custom_components.baidu_face.kept_faces import RECOGNISED
from custom_components.baidu_face.usage import DAY
from custom_components.baidu_face.visitors import visitors_group
from tests.faces import FACES, STRANGER

from .conftest import FAMILY, camera_subentry, state
from .test_teach import MOTION, STRANGER_AGAIN, Door, Setup, act, refused, setup_door

# The APIs Baidu counts (the usage sensors' keys): a camera's search, and a registration.
SEARCH = {"v3": "multi-search", "v2": "multi-identify"}
ADD = "faceset/user/add"
EVENT_ENTITY = "event.door_face"
# The entry's "Visitors" sensor: how many are remembered, the latest in its attributes (for a dashboard).
VISITORS_SENSOR = "sensor.baidu_face_127_0_0_1_visitors"


@pytest.fixture
async def door(hass: HomeAssistant, tmp_path: Path, door_camera: Any) -> Door:
    return Door(hass, tmp_path)


def usage(entry: MockConfigEntry) -> dict[str, int]:
    """Return today's calls per API, as the usage sensors count them."""
    calls: dict[str, int] = entry.runtime_data.usage.calls(DAY)
    return calls


def spent(entry: MockConfigEntry, before: dict[str, int], api: str) -> int:
    return usage(entry).get(api, 0) - before.get(api, 0)


async def visitors_in_face_set(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """Return the uids in the entry's visitors group (none when Baidu has no such group)."""
    try:
        listed = await act(hass, "list_group_users", {"group_id": visitors_group(entry.entry_id)})
    except HomeAssistantError:
        return []
    return [user["uid"] for user in listed["users"]]


async def move(door: Door, picture: str | bytes) -> list[Any]:
    """Let the door see a frame; return every announcement (an ignored visitor makes none)."""
    hass = door.hass
    door.looks += 1
    shown = door.folder / f"quiet_{door.looks}.img"
    shown.write_bytes(picture if isinstance(picture, bytes) else (FACES / picture).read_bytes())
    await hass.services.async_call(
        "local_file", "update_file_path", {"entity_id": "camera.door", "file_path": str(shown)}, blocking=True
    )
    door.recognized.clear()
    door.unknown.clear()
    hass.states.async_set(MOTION, "off")
    hass.states.async_set(MOTION, "on")
    await hass.async_block_till_done()
    return [*door.recognized, *door.unknown]


@pytest.mark.parametrize("api_version", ["v3", "v2"])
async def test_the_same_stranger_twice_is_one_visitor_at_one_search_a_visit(
    hass: HomeAssistant, setup_entry: Setup, door: Door, api_version: str
) -> None:
    entry = await setup_door(setup_entry, hass, api_version)
    before = usage(entry)

    first = await door.look(STRANGER)
    assert first.event_type == EVENT_UNKNOWN_FACE
    assert (first.data["visitor_id"], first.data["visitor"], first.data["visits"]) == (1, "Visitor 1", 1)
    assert (first.data["remembered"], first.data["ignored"]) == (True, False)
    # One search for the visit, one registration for the new visitor.
    assert (spent(entry, before, SEARCH[api_version]), spent(entry, before, ADD)) == (1, 1)

    again = await door.look(STRANGER_AGAIN)
    assert again.event_type == EVENT_UNKNOWN_FACE
    assert (again.data["visitor_id"], again.data["visits"]) == (1, 2)
    assert again.data["first_seen"] == first.data["first_seen"]
    assert again.data["face_id"] != first.data["face_id"]
    # The visitors rode on the visit's one search; no second registration.
    assert (spent(entry, before, SEARCH[api_version]), spent(entry, before, ADD)) == (2, 1)
    # The camera's event entity says the same.
    shown = state(hass, EVENT_ENTITY).attributes
    assert (shown["visitor_id"], shown["visitor"], shown["visits"], shown["remembered"]) == (1, "Visitor 1", 2, True)
    visitor = entry.runtime_data.visitors.get(1)
    assert visitor is not None
    assert visitor.face_ids == (first.data["face_id"], again.data["face_id"])
    assert visitor.cameras == ("camera.door",)

    # A visitor is no person: not in the people's group, no person, no device.
    assert await visitors_in_face_set(hass, entry) == ["visitor_1"]
    family = await act(hass, "list_group_users", {"group_id": FAMILY})
    assert "visitor_1" not in {user["uid"] for user in family["users"]}
    assert entry.runtime_data.people.get("visitor_1") is None
    await act(hass, "refresh_people", {})
    assert entry.runtime_data.people.get("visitor_1") is None


async def test_with_no_default_groups_the_visitors_group_holds_no_people(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3", **{CONF_GROUPS: []})
    assert (await door.look(STRANGER)).data["visitor_id"] == 1
    refreshed = await act(hass, "refresh_people", {})
    assert "visitor_1" not in {p["uid"] for p in refreshed["people"]}
    assert entry.runtime_data.people.get("obama") is not None


async def test_an_ignored_visitor_is_counted_but_not_announced(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3")
    first = await door.look(STRANGER)
    # From the notification's button: the kept face names the visitor.
    ignored = await act(hass, "ignore_visitor", {"face_id": first.data["face_id"]})
    assert ignored == {"visitor_id": 1, "visitor": "Visitor 1", "ignored": True, "visits": 1}

    assert await move(door, STRANGER_AGAIN) == []
    visitor = entry.runtime_data.visitors.get(1)
    assert visitor is not None
    assert (visitor.visits, visitor.ignored, len(visitor.face_ids)) == (2, True, 2)
    # The dashboard's sensor still counts them.
    sensor = state(hass, VISITORS_SENSOR)
    assert sensor.state == "1"
    (listed,) = sensor.attributes["visitors"]
    assert (listed["visitor_id"], listed["visitor"], listed["visits"], listed["ignored"]) == (1, "Visitor 1", 2, True)
    assert listed["face_id"] == visitor.face_ids[-1]
    assert listed["cameras"] == ["camera.door"]

    await act(hass, "unignore_visitor", {"visitor_id": 1})
    (announced,) = await move(door, (door.folder / "look_1.img").read_bytes())
    assert (announced.data["visitor_id"], announced.data["visits"], announced.data["ignored"]) == (1, 3, False)

    missing = await refused(hass, "ignore_visitor", {"visitor_id": 99})
    assert missing.translation_key == "visitor_not_found"
    assert (await refused(hass, "ignore_visitor", {})).translation_key == "no_face_or_visitor"


@pytest.mark.parametrize(("api_version", "sent"), [("v3", "face tokens"), ("v2", "crops")])
async def test_enrolling_a_visitor_moves_all_their_faces_and_the_next_frame_is_the_person(
    hass: HomeAssistant, setup_entry: Setup, door: Door, api_version: str, sent: str
) -> None:
    entry = await setup_door(setup_entry, hass, api_version)
    first = await door.look(STRANGER)
    second = await door.look(STRANGER_AGAIN)
    assert second.data["visits"] == 2
    before = usage(entry)

    enrolled = await act(hass, "enroll_face", {"visitor_id": 1, "uid": "lin", "user_info": "Lin-Manuel Miranda"})
    assert enrolled["uid"] == "lin"
    assert enrolled["visitor_id"] == 1
    assert enrolled["face_ids"] == [first.data["face_id"], second.data["face_id"]]
    # One registration per kept face, by token (V3) or crop (V2).
    assert spent(entry, before, ADD) == 2, sent
    for face_id in enrolled["face_ids"]:
        kept = entry.runtime_data.faces.get(face_id)
        assert (kept.kind, kept.uid) == (RECOGNISED, "lin")
    # The visitor is gone, from the face set too.
    assert entry.runtime_data.visitors.get(1) is None
    assert await visitors_in_face_set(hass, entry) == []
    assert (state(hass, VISITORS_SENSOR).state, state(hass, VISITORS_SENSOR).attributes["visitors"]) == ("0", [])

    recognised = await door.look((door.folder / "look_1.img").read_bytes())
    assert recognised.event_type == EVENT_RECOGNIZED
    assert recognised.data["uid"] == "lin"
    assert entry.runtime_data.people.get("lin").name == "Lin-Manuel Miranda"


async def test_enrolling_a_visitors_kept_face_enrolls_the_visitor(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3")
    first = await door.look(STRANGER)
    await door.look(STRANGER_AGAIN)
    enrolled = await act(hass, "enroll_face", {"face_id": first.data["face_id"], "uid": "lin"})
    assert enrolled["face_id"] == first.data["face_id"]
    assert len(enrolled["face_ids"]) == 2
    assert len(entry.runtime_data.visitors) == 0
    assert (await act(hass, "list_faces", {"uid": "lin"}))["faces"][1]
    both = await refused(hass, "enroll_face", {"face_id": first.data["face_id"], "visitor_id": 1, "uid": "lin"})
    assert both.translation_key == "one_face_or_visitor"


async def test_removing_the_entry_removes_its_visitors_from_the_face_set(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v2")
    await door.look(STRANGER)
    assert await visitors_in_face_set(hass, entry) == ["visitor_1"]
    other = await setup_entry("v2", subentries=[])
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    listed: list[str] = []
    try:
        answer = await act(
            hass, "list_group_users", {"config_entry_id": other.entry_id, "group_id": visitors_group(entry.entry_id)}
        )
        listed = [user["uid"] for user in answer["users"]]
    except HomeAssistantError:
        pass  # the group went with its last user
    assert listed == []


async def test_a_spent_registration_budget_announces_the_stranger_not_remembered(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3", **{CONF_DAILY_BUDGET: 1})
    # Today's one registration is spent on someone else.
    await act(
        hass,
        "register_user",
        {"uid": "somebody", "camera_entity_id": "camera.door", "groups": ["others"], "quality": "none"},
    )
    assert usage(entry)[ADD] == 1
    stranger = await door.look(STRANGER)
    assert stranger.event_type == EVENT_UNKNOWN_FACE
    assert (stranger.data["remembered"], stranger.data["visitor_id"], stranger.data["visits"]) == (False, None, 1)
    assert stranger.data["face_id"]  # still kept, and enrollable
    assert len(entry.runtime_data.visitors) == 0
    assert usage(entry)[ADD] == 1


async def test_a_visitor_unseen_for_longer_than_the_days_is_forgotten(
    hass: HomeAssistant, setup_entry: Setup, door: Door, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, "v3", **{CONF_VISITOR_DAYS: 2})
    await door.look(STRANGER)
    assert len(entry.runtime_data.visitors) == 1
    freezer.tick(timedelta(days=3))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    assert len(entry.runtime_data.visitors) == 0
    assert await visitors_in_face_set(hass, entry) == []


async def test_a_camera_with_ten_groups_does_not_remember_strangers(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    hass.states.async_set(MOTION, "off")
    groups = [FAMILY, *(f"g{n}" for n in range(9))]
    camera = camera_subentry("camera.door", triggers=[MOTION], burst_frames=1, cooldown=0, groups=groups)
    entry = await setup_entry("v3", subentries=[camera], qps=50)
    before = usage(entry)
    stranger = await door.look(STRANGER)
    assert (stranger.data["remembered"], stranger.data["visitor_id"]) == (False, None)
    assert spent(entry, before, ADD) == 0
    assert entry.runtime_data.visitors.diagnostics()["cameras_without_room"] == 1


async def test_beyond_the_most_visitors_the_longest_unseen_goes_from_the_face_set_too(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3", **{CONF_MAX_VISITORS: 1})
    assert (await door.look(STRANGER)).data["visitor_id"] == 1
    # Obama leaves the face set: now he is a stranger too.
    await act(hass, "delete_user", {"uid": "obama"})
    second = await door.look("probe/obama.jpg")
    assert (second.data["visitor_id"], second.data["visits"]) == (2, 1)
    assert [v.number for v in entry.runtime_data.visitors] == [2]
    assert await visitors_in_face_set(hass, entry) == ["visitor_2"]


@pytest.mark.parametrize("api_version", ["v3", "v2"])
async def test_two_cameras_seeing_a_new_stranger_at_once_remember_one_visitor(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Any, tmp_path: Path, api_version: str
) -> None:
    # A second camera on the same motion sensor shows the same stranger: both search before either registers.
    await door_camera(STRANGER)
    garden = MockConfigEntry(
        domain="local_file", options={"name": "Garden", "file_path": str(FACES / STRANGER)}, title="Garden"
    )
    garden.add_to_hass(hass)
    assert await hass.config_entries.async_setup(garden.entry_id)
    hass.states.async_set(MOTION, "off")
    cameras = [
        camera_subentry(camera, triggers=[MOTION], burst_frames=1, cooldown=0, max_faces=2)
        for camera in ("camera.door", "camera.garden")
    ]
    entry = await setup_entry(api_version, subentries=cameras, qps=50)
    unknown: list[Event] = []
    both = asyncio.Event()

    @callback
    def heard(event: Event) -> None:
        unknown.append(event)
        if len(unknown) == 2:
            both.set()

    hass.bus.async_listen(EVENT_UNKNOWN_FACE, heard)
    before = usage(entry)

    hass.states.async_set(MOTION, "on")
    async with asyncio.timeout(30):
        await both.wait()
    # One visitor, seen by both cameras: the second camera's sighting is their second visit.
    assert [(event.data["visitor_id"], event.data["visits"]) for event in unknown] == [(1, 1), (1, 2)]
    assert {event.data["camera_entity_id"] for event in unknown} == {"camera.door", "camera.garden"}
    assert await visitors_in_face_set(hass, entry) == ["visitor_1"]
    visitor = entry.runtime_data.visitors.get(1)
    assert visitor is not None
    assert sorted(visitor.cameras) == ["camera.door", "camera.garden"]
    # What it cost: each camera's search, one registration, and one search of the visitors (the second camera's).
    assert (spent(entry, before, SEARCH[api_version]), spent(entry, before, ADD)) == (3, 1)
