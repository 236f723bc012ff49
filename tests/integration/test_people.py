"""Given a face set, each person has a device whose entities say when and where a camera last recognised them."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator
from syrupy.assertion import SnapshotAssertion

from baidu_face_server import running_server
from baidu_face_server.server import RunningServer
from custom_components.baidu_face.api import GroupUser
from custom_components.baidu_face.const import (
    CONF_AWAY_AFTER,
    CONF_GROUPS,
    CONF_KEPT_FACES,
    CONF_QPS,
    CONF_SEEN_TIMEOUT,
    DOMAIN,
)
from custom_components.baidu_face.kept_face_view import image_url
from custom_components.baidu_face.kept_faces import RECOGNISED
from custom_components.baidu_face.people import person_uid
from tests.conftest import BOTH, apps

from .conftest import FAMILY, entry_data, state

Setup = Callable[..., Awaitable[MockConfigEntry]]
Show = Callable[[str], Awaitable[None]]
EVERYONE = {"alex_lacamoire", "biden", "kit_harington", "obama", "rose_leslie"}
LAST_SEEN = "sensor.obama_last_seen"
SEEN_RECENTLY = "binary_sensor.obama_seen_recently"
LAST_SEEN_AT = "sensor.obama_last_seen_at"
USERS_API = "faceset/group/getusers"  # V3's list_group_users
# With the clock frozen, the client's pacing between calls would wait forever: no pacing here.
FAST = 50
GROUPS_API = "faceset/group/getlist"


def people_devices(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, dr.DeviceEntry]:
    """Return the entry's person devices by uid."""
    found = {}
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        for domain, identifier in device.identifiers:
            if domain == DOMAIN and (uid := person_uid(entry.entry_id, identifier)) is not None:
                assert device.model == "Person"
                found[uid] = device
    return found


async def act(hass: HomeAssistant, action: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(DOMAIN, action, data, blocking=True, return_response=True)


async def scan(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
    )
    await hass.async_block_till_done()  # the visit's crops are kept after it


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def sent(baidu: RunningServer) -> int:
    return len(baidu.apps[BOTH.api_key].accepted)


async def test_every_person_of_the_face_set_gets_a_device_at_start_up(
    hass: HomeAssistant, setup_entry: Setup, api_version: str
) -> None:
    entry = await setup_entry(api_version)
    devices = people_devices(hass, entry)
    assert set(devices) == EVERYONE
    # V2 lists user_info with the users; V3 gives uids only, so names come later (for free).
    assert devices["obama"].name == ("Obama" if api_version == "v2" else "obama")
    app = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id)
    assert app is not None
    assert devices["obama"].via_device_id == app.id
    for entity_id in (LAST_SEEN, LAST_SEEN_AT, "sensor.kit_harington_last_seen", "binary_sensor.biden_seen_recently"):
        assert state(hass, entity_id).state == ("off" if entity_id.startswith("binary_sensor.") else "unknown")
    assert state(hass, LAST_SEEN).attributes["uid"] == "obama"


async def test_a_person_is_a_device_not_a_service_and_the_app_is_a_service(
    hass: HomeAssistant, setup_entry: Setup
) -> None:
    """Issue 23: a person's page said "Service info" and offered "Add service"; older versions registered them so."""
    registry = dr.async_get(hass)
    ours = await setup_entry()
    obama = people_devices(hass, ours)["obama"]
    assert obama.entry_type is None
    # A device an older version made a service is no service after the next start.
    registry.async_update_device(obama.id, entry_type=dr.DeviceEntryType.SERVICE)
    await restart(hass, ours)
    assert people_devices(hass, ours)["obama"].entry_type is None
    app = registry.async_get_device_by_identifier((DOMAIN, ours.entry_id), ours.entry_id)
    assert app is not None
    assert app.entry_type is dr.DeviceEntryType.SERVICE


async def test_a_recognition_sets_last_seen_seen_recently_and_last_seen_at(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show
) -> None:
    entry = await setup_entry("v3")
    porch = ar.async_get(hass).async_create("Porch")
    er.async_get(hass).async_update_entity("camera.door", area_id=porch.id)
    before = dt_util.utcnow()
    await door_camera("probe/obama.jpg")
    await scan(hass)

    last_seen = state(hass, LAST_SEEN)
    assert before <= datetime.fromisoformat(last_seen.state) <= dt_util.utcnow()
    assert last_seen.attributes["uid"] == "obama"
    assert last_seen.attributes["camera_entity_id"] == "camera.door"
    assert last_seen.attributes["camera"] == "Door"
    assert last_seen.attributes["area"] == "Porch"
    assert last_seen.attributes["score"] >= 80
    assert last_seen.attributes["group_id"] == FAMILY
    assert last_seen.attributes["device_class"] == "timestamp"
    seen = state(hass, SEEN_RECENTLY)
    assert seen.state == "on"
    assert seen.attributes["device_class"] == "occupancy"
    at = state(hass, LAST_SEEN_AT)
    assert at.state == "Door"
    assert at.attributes == at.attributes | {"camera_entity_id": "camera.door", "area": "Porch"}
    # The recognition told his name (user_info) at no cost: the device takes it.
    assert people_devices(hass, entry)["obama"].name == "Obama"
    # Nobody else was seen.
    assert state(hass, "binary_sensor.biden_seen_recently").state == "off"
    assert state(hass, "sensor.biden_last_seen").state == "unknown"


async def test_seen_recently_turns_off_after_the_timeout(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-26T09:00:00+00:00")
    await setup_entry("v3", **{CONF_SEEN_TIMEOUT: 60, CONF_QPS: FAST})
    await door_camera("probe/obama.jpg")
    await scan(hass)
    assert state(hass, SEEN_RECENTLY).state == "on"
    await tick(hass, freezer, 59)
    assert state(hass, SEEN_RECENTLY).state == "on"
    await tick(hass, freezer, 2)
    assert state(hass, SEEN_RECENTLY).state == "off"
    # Last seen stays.
    assert state(hass, LAST_SEEN).state == "2026-11-26T09:00:00+00:00"


async def test_the_default_timeout_is_five_minutes_and_a_new_sighting_extends_it(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-26T09:00:00+00:00")
    await setup_entry("v3", **{CONF_QPS: FAST})
    await door_camera("probe/obama.jpg")
    await scan(hass)
    await tick(hass, freezer, 200)
    await door_camera("probe/obama_1080p.jpg")  # another frame: the change gate sends it
    await scan(hass)
    await tick(hass, freezer, 200)  # 400 s after the first sighting, 200 s after the second
    assert state(hass, SEEN_RECENTLY).state == "on"
    await tick(hass, freezer, 101)
    assert state(hass, SEEN_RECENTLY).state == "off"


@pytest.mark.parametrize(("stopped_for", "on_after"), [(100, "on"), (400, "off")])
async def test_a_restart_keeps_the_sighting_and_seen_recently_only_within_the_timeout(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Show,
    freezer: FrozenDateTimeFactory,
    stopped_for: int,
    on_after: str,
) -> None:
    freezer.move_to("2026-11-26T09:00:00+00:00")
    entry = await setup_entry("v3", **{CONF_QPS: FAST})
    await door_camera("probe/obama.jpg")
    await scan(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(timedelta(seconds=stopped_for))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert state(hass, LAST_SEEN).state == "2026-11-26T09:00:00+00:00"
    assert state(hass, LAST_SEEN).attributes["camera"] == "Door"
    assert state(hass, LAST_SEEN_AT).state == "Door"
    # The name learnt before the restart is kept (V3 lists no names).
    assert people_devices(hass, entry)["obama"].name == "Obama"
    assert state(hass, SEEN_RECENTLY).state == on_after
    # Within the timeout, a timer turns it off when the rest has passed.
    await tick(hass, freezer, 300 - stopped_for + 1 if stopped_for < 300 else 1)
    assert state(hass, SEEN_RECENTLY).state == "off"


async def test_register_and_delete_add_and_remove_the_person_without_extra_calls(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, baidu: RunningServer
) -> None:
    entry = await setup_entry("v3")
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    before = sent(baidu)
    await act(hass, "register_user", {"uid": "lin", "user_info": "Lin-Manuel", "camera_entity_id": "camera.door"})
    assert sent(baidu) == before + 1  # the registration only
    device = people_devices(hass, entry)["lin"]
    assert device.name == "Lin-Manuel"
    assert state(hass, "sensor.lin_manuel_last_seen").attributes["uid"] == "lin"
    assert state(hass, "binary_sensor.lin_manuel_seen_recently").state == "off"
    assert state(hass, "sensor.lin_manuel_last_seen_at").state == "unknown"

    # Taken out of every group: gone, device and entities, with no call to list anyone.
    listed = {api: entry.runtime_data.usage.calls("day").get(api) for api in (USERS_API, GROUPS_API)}
    await act(hass, "delete_user", {"uid": "lin"})
    assert {api: entry.runtime_data.usage.calls("day").get(api) for api in listed} == listed
    assert "lin" not in people_devices(hass, entry)
    assert hass.states.get("sensor.lin_manuel_last_seen") is None
    assert er.async_get(hass).async_get("binary_sensor.lin_manuel_seen_recently") is None
    # Still gone after a restart (and a refresh from the face set).
    await restart(hass, entry)
    assert set(people_devices(hass, entry)) == EVERYONE


async def test_group_actions_move_people_in_and_out(hass: HomeAssistant, setup_entry: Setup) -> None:
    entry = await setup_entry("v3")
    await act(hass, "add_user_to_group", {"uid": "biden", "source_group_id": FAMILY, "groups": ["guests"]})
    await act(hass, "remove_user_from_group", {"uid": "biden", "group_id": FAMILY})
    # In "guests" only now, outside the default groups: not one of the people.
    assert "biden" not in people_devices(hass, entry)
    await act(hass, "add_user_to_group", {"uid": "biden", "source_group_id": "guests", "groups": [FAMILY]})
    assert "biden" in people_devices(hass, entry)
    assert state(hass, "sensor.biden_last_seen").attributes["uid"] == "biden"


@pytest.mark.parametrize(
    ("groups", "expected_calls", "apis"),
    [
        # One page of the default group's users.
        ([FAMILY], 1, {USERS_API: 1}),
        # No default groups: list the groups, then one page per group (family and guests).
        ([], 3, {GROUPS_API: 1, USERS_API: 2}),
    ],
)
async def test_refresh_people_reads_the_face_set_in_few_calls(
    hass: HomeAssistant,
    setup_entry: Setup,
    baidu: RunningServer,
    groups: list[str],
    expected_calls: int,
    apis: dict[str, int],
) -> None:
    entry = await setup_entry("v3", **{CONF_GROUPS: groups})
    await act(hass, "add_user_to_group", {"uid": "obama", "source_group_id": FAMILY, "groups": ["guests"]})
    usage = entry.runtime_data.usage
    counted = usage.calls("day")
    before = sent(baidu)

    result = await act(hass, "refresh_people", {})

    assert result["calls"] == expected_calls
    assert sent(baidu) - before == expected_calls
    after = usage.calls("day")
    assert {api: after[api] - counted.get(api, 0) for api in apis} == apis
    people = {person["uid"]: person for person in result["people"]}
    assert set(people) == EVERYONE
    assert set(people["obama"]["groups"]) == ({FAMILY} if groups else {FAMILY, "guests"})


async def test_the_button_refreshes_people_removed_behind_our_back(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer
) -> None:
    entry = await setup_entry("v3")
    # Deleted at Baidu directly (not through Home Assistant): still shown until a refresh.
    client = entry.runtime_data.client
    await client.delete_user("rose_leslie")
    assert "rose_leslie" in people_devices(hass, entry)
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.baidu_face_127_0_0_1_refresh_people"}, blocking=True
    )
    assert set(people_devices(hass, entry)) == EVERYONE - {"rose_leslie"}
    assert hass.states.get("sensor.rose_leslie_last_seen") is None


async def test_a_spent_budget_skips_the_start_up_refresh(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer
) -> None:
    # One call a day per API: the start-up probe and the read of the people spend theirs.
    entry = await setup_entry("v3", daily_budget=1)
    assert set(people_devices(hass, entry)) == EVERYONE
    before = sent(baidu)
    await restart(hass, entry)
    # Nothing is sent; the people saved before stand in.
    assert sent(baidu) == before
    assert set(people_devices(hass, entry)) == EVERYONE


async def test_the_stored_people_are_removed_with_the_entry(
    hass: HomeAssistant, setup_entry: Setup, hass_storage: dict[str, Any]
) -> None:
    entry = await setup_entry("v3")
    assert await hass.config_entries.async_unload(entry.entry_id)
    key = f"{DOMAIN}.people.{entry.entry_id}"
    assert {p["uid"] for p in hass_storage[key]["data"]["people"]} == EVERYONE
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


@pytest.mark.parametrize("camera_subentries", [[]])
async def test_person_entities_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Two people read from the (mocked) face set, as their entities and devices look."""
    mock_client.list_group_users.return_value = [GroupUser("obama"), GroupUser("biden", "Biden")]
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    people = [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
        if ":person:" in (entry.unique_id or "")
    ]
    assert len(people) == 8
    for entry in people:
        assert entry == snapshot(name=f"{entry.entity_id}-entry")
        assert hass.states.get(entry.entity_id) == snapshot(name=f"{entry.entity_id}-state")
    devices = people_devices(hass, mock_config_entry)
    assert {uid: device.name for uid, device in devices.items()} == {"obama": "obama", "biden": "Biden"}


TRACKER = "device_tracker.obama"


async def test_a_recognition_makes_the_tracker_home_until_away_after_passes_restarts_included(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-26T09:00:00+00:00")
    entry = await setup_entry("v3", **{CONF_AWAY_AFTER: 30, CONF_QPS: FAST})
    # Never seen: not home (a person.* then follows its other trackers).
    assert state(hass, TRACKER).state == "not_home"
    await door_camera("probe/obama.jpg")
    await scan(hass)
    tracker = state(hass, TRACKER)
    assert tracker.state == "home"
    # What person.* reads: a connection tracker in the home zone beats a GPS tracker.
    assert tracker.attributes["tracking_type"] == "connection"
    assert tracker.attributes["in_zones"] == ["zone.home"]
    assert tracker.attributes["uid"] == "obama"
    assert state(hass, "device_tracker.biden").state == "not_home"

    await tick(hass, freezer, 20 * 60)
    await restart(hass, entry)  # within the window: still home, from the stored sighting
    assert state(hass, TRACKER).state == "home"
    await tick(hass, freezer, 10 * 60 - 1)
    assert state(hass, TRACKER).state == "home"
    await tick(hass, freezer, 2)
    assert state(hass, TRACKER).state == "not_home"
    await restart(hass, entry)
    assert state(hass, TRACKER).state == "not_home"


async def test_the_default_away_after_is_an_hour(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-26T09:00:00+00:00")
    await setup_entry("v3", **{CONF_QPS: FAST})
    await door_camera("probe/obama.jpg")
    await scan(hass)
    await tick(hass, freezer, 3600 - 1)
    assert state(hass, TRACKER).state == "home"
    await tick(hass, freezer, 2)
    assert state(hass, TRACKER).state == "not_home"


async def set_phone(hass: HomeAssistant, where: str) -> None:
    """Set the state a phone's GPS tracker (another integration's) would: away in town, or at home."""
    latitude = hass.config.latitude if where == "home" else hass.config.latitude + 0.5
    hass.states.async_set(
        PHONE,
        where,
        {"source_type": "gps", "latitude": latitude, "longitude": hass.config.longitude, "gps_accuracy": 10},
    )
    await hass.async_block_till_done()


PHONE = "device_tracker.barack_phone"


async def test_a_person_with_the_tracker_is_home_when_recognised_and_follows_the_phone_after(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Show,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    freezer.move_to("2026-11-26T09:00:00+00:00")
    entry = await setup_entry("v3", **{CONF_AWAY_AFTER: 30, CONF_QPS: FAST})
    assert await async_setup_component(hass, "zone", {})
    await set_phone(hass, "not_home")
    picture = "/api/image/serve/0123456789abcdef/512x512"
    assert await async_setup_component(
        hass,
        "person",
        {"person": [{"id": "barack", "name": "Barack", "device_trackers": [TRACKER, PHONE], "picture": picture}]},
    )
    await hass.async_block_till_done()

    # Linked by the person's trackers: their name for the device and its entities, their picture until a crop.
    assert people_devices(hass, entry)["obama"].name == "Barack"
    tracker = state(hass, TRACKER)
    assert tracker.name == "Barack"
    assert tracker.attributes["person_entity_id"] == "person.barack"
    assert tracker.attributes["entity_picture"] == picture
    assert state(hass, LAST_SEEN).name == "Barack Last seen"
    assert state(hass, "person.barack").state == "not_home"  # the phone, in town

    await door_camera("probe/obama.jpg")
    await scan(hass)
    # The camera at the door wins over the phone that has not caught up.
    assert state(hass, "person.barack").state == "home"
    assert state(hass, "person.barack").attributes["source"] == TRACKER
    # A recognition told his name (user_info): the linked name still wins.
    assert people_devices(hass, entry)["obama"].name == "Barack"

    # The tracker's picture is the latest crop of him, on a URL that works without a login.
    faces = entry.runtime_data.faces
    first = faces.latest(RECOGNISED, uid="obama")
    assert first is not None
    shown = state(hass, TRACKER).attributes["entity_picture"]
    assert shown.startswith(f"{image_url(entry.entry_id, first.id)}?authSig=")
    anonymous = await hass_client_no_auth()
    response = await anonymous.get(shown)
    assert response.status == 200
    assert response.content_type == "image/jpeg"
    assert (await anonymous.get(image_url(entry.entry_id, first.id))).status == 401
    await door_camera("probe/obama_1080p.jpg")
    await scan(hass)
    latest = faces.latest(RECOGNISED, uid="obama")
    assert latest is not None
    assert latest.id != first.id
    assert state(hass, TRACKER).attributes["entity_picture"].startswith(f"{image_url(entry.entry_id, latest.id)}?")

    # Once the window passes, the phone decides again.
    await tick(hass, freezer, 30 * 60 + 1)
    assert state(hass, TRACKER).state == "not_home"
    assert state(hass, "person.barack").state == "not_home"
    assert state(hass, "person.barack").attributes["source"] == PHONE
    await set_phone(hass, "home")
    assert state(hass, "person.barack").state == "home"


async def test_only_the_tracker_a_person_lists_is_linked_and_the_link_survives_a_restart(
    hass: HomeAssistant, setup_entry: Setup, hass_storage: dict[str, Any]
) -> None:
    entry = await setup_entry("v2")
    assert await async_setup_component(
        hass, "person", {"person": [{"id": "joe", "name": "Joe", "device_trackers": ["device_tracker.biden"]}]}
    )
    await hass.async_block_till_done()
    devices = people_devices(hass, entry)
    assert (devices["biden"].name, devices["obama"].name) == ("Joe", "Obama")
    assert state(hass, TRACKER).attributes["person_entity_id"] is None
    assert "entity_picture" not in state(hass, TRACKER).attributes
    # The link is stored, so a start does not flick the name back before Home Assistant's people load.
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = {p["uid"]: p for p in hass_storage[f"{DOMAIN}.people.{entry.entry_id}"]["data"]["people"]}
    assert (stored["biden"]["linked_name"], stored["obama"]["linked_name"]) == ("Joe", None)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert people_devices(hass, entry)["biden"].name == "Joe"


async def remove_device(hass: HomeAssistant, ws: Any, device_id: str) -> dict[str, Any]:
    """Delete a device as the UI does, after its confirmation dialog."""
    await ws.send_json_auto_id({"type": "config/device_registry/remove", "device_id": device_id})
    response: dict[str, Any] = await ws.receive_json()
    await hass.async_block_till_done()
    return response


async def test_deleting_a_persons_device_takes_them_out_of_the_face_set_and_drops_their_crops(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Show,
    baidu: RunningServer,
    hass_ws_client: WebSocketGenerator,
) -> None:
    entry = await setup_entry("v3")
    await door_camera("probe/obama.jpg")
    await scan(hass)
    faces = entry.runtime_data.faces
    crop = faces.latest(RECOGNISED, uid="obama")
    assert crop is not None
    assert await async_setup_component(hass, "config", {})
    ws = await hass_ws_client(hass)
    before = sent(baidu)

    response = await remove_device(hass, ws, people_devices(hass, entry)["obama"].id)

    assert response["success"], response
    assert sent(baidu) == before + 1  # one delete_user, from the entry's one group
    assert "obama" not in people_devices(hass, entry)
    assert hass.states.get(TRACKER) is None
    assert er.async_get(hass).async_get(LAST_SEEN) is None
    # Out of the face set (the entry's groups), so the next read does not bring them back.
    users = await entry.runtime_data.client.list_group_users(FAMILY)
    assert "obama" not in {user.uid for user in users}
    assert faces.latest(RECOGNISED, uid="obama") is None
    assert not (faces.folder / f"{crop.id}.jpg").exists()
    await restart(hass, entry)
    assert set(people_devices(hass, entry)) == EVERYONE - {"obama"}

    # The app's device goes with the entry, not from here.
    app = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id)
    assert app is not None
    refused = await remove_device(hass, ws, app.id)
    assert not refused["success"]
    assert dr.async_get(hass).async_get(app.id) is not None


async def test_a_device_whose_deletion_cannot_reach_baidu_stays_and_says_why(
    hass: HomeAssistant,
    enrolled_db: Path,
    tmp_path: Path,
    socket_enabled: None,
    hass_ws_client: WebSocketGenerator,
) -> None:
    db = tmp_path / "faces.sqlite3"
    shutil.copy(enrolled_db, db)
    async with running_server(apps(), db) as server:
        entry = MockConfigEntry(
            domain=DOMAIN,
            data=entry_data(server, "v3"),
            options={CONF_GROUPS: [FAMILY]},
            unique_id=BOTH.api_key,
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    # The server is gone.
    assert await async_setup_component(hass, "config", {})
    ws = await hass_ws_client(hass)

    response = await remove_device(hass, ws, people_devices(hass, entry)["biden"].id)

    assert not response["success"]
    assert response["error"]["message"].startswith("Could not reach Baidu Face")
    assert "biden" in people_devices(hass, entry)
    assert state(hass, "device_tracker.biden").state == "not_home"
    # Not running (its start failed): nothing can be deleted at Baidu, and the dialog says so.
    await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    response = await remove_device(hass, ws, people_devices(hass, entry)["biden"].id)
    assert not response["success"]
    assert response["error"]["message"].startswith("A person can be deleted while Baidu Face is running only")
    assert "biden" in people_devices(hass, entry)


async def test_with_no_crops_kept_the_tracker_shows_the_linked_persons_picture(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show
) -> None:
    entry = await setup_entry("v3", **{CONF_KEPT_FACES: 0})
    picture = "/api/image/serve/fedcba9876543210/512x512"
    assert await async_setup_component(
        hass,
        "person",
        {"person": [{"id": "barack", "name": "Barack", "device_trackers": [TRACKER], "picture": picture}]},
    )
    await hass.async_block_till_done()
    await door_camera("probe/obama.jpg")
    await scan(hass)
    assert entry.runtime_data.faces.latest(RECOGNISED, uid="obama") is None
    tracker = state(hass, TRACKER)
    assert (tracker.state, tracker.attributes["entity_picture"]) == ("home", picture)
    assert state(hass, "person.barack").state == "home"
