"""Given a face set and a door camera, when a scan runs, then the right events fire."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from unittest.mock import MagicMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.image_processing import EVENT_DETECT_FACE
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE
from tests.conftest import BOTH
from tests.degraded import SHARP, blurred
from tests.faces import photo

from .conftest import camera_subentry, state

IDENTIFY = "image_processing.door_recognised_person"
DETECT = "image_processing.door_faces"
PROBLEM = "binary_sensor.door_scan_problem"

Setup = Callable[..., Awaitable[MockConfigEntry]]
Show = Callable[[str], Awaitable[None]]


async def scan(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call("image_processing", "scan", {"entity_id": entity_id}, blocking=True)
    await hass.async_block_till_done()


async def test_a_known_face_fires_recognized_with_its_uid(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, api_version: str
) -> None:
    await setup_entry(api_version)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    detected = async_capture_events(hass, EVENT_DETECT_FACE)
    assert state(hass, IDENTIFY).state == "unknown"  # nothing scanned yet

    await door_camera("probe/obama.jpg")
    await scan(hass, IDENTIFY)

    (event,) = recognized
    assert event.data["uid"] == "obama"
    assert event.data["user_info"] == "Obama"
    assert event.data["group_id"] == "family"
    assert event.data["score"] >= 80
    assert event.data["entity_id"] == IDENTIFY
    assert event.data["camera_entity_id"] == "camera.door"
    assert event.data["box"]["width"] > 100
    assert not unknown
    assert [e.data["name"] for e in detected] == ["Obama"]
    identified = state(hass, IDENTIFY)
    assert identified.state == "Obama"
    assert identified.attributes["total_faces"] == 1
    assert identified.attributes["faces"][0]["uid"] == "obama"


async def test_two_people_in_one_frame(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, api_version: str
) -> None:
    await setup_entry(api_version)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await door_camera("probe/kit_harington+rose_leslie.jpg")
    await scan(hass, IDENTIFY)
    assert sorted(e.data["uid"] for e in recognized) == ["kit_harington", "rose_leslie"]
    assert state(hass, IDENTIFY).attributes["total_faces"] == 2


async def test_a_stranger_fires_unknown_face(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, api_version: str
) -> None:
    await setup_entry(api_version)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    detected = async_capture_events(hass, EVENT_DETECT_FACE)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass, IDENTIFY)
    (event,) = unknown
    assert event.data["score"] < 80
    assert event.data["camera_entity_id"] == "camera.door"
    assert event.data["box"] is None or event.data["box"]["width"] > 100
    assert not recognized
    assert not detected  # below the threshold: not a detect_face either
    assert state(hass, IDENTIFY).state == "stranger"
    assert state(hass, IDENTIFY).attributes["total_faces"] == 1


async def test_detect_mode_counts_faces(hass: HomeAssistant, setup_entry: Setup, door_camera: Show) -> None:
    await setup_entry(subentries=[camera_subentry("camera.door", "detect", max_faces=5)], attributes=["landmark"])
    detected = async_capture_events(hass, EVENT_DETECT_FACE)
    await door_camera("probe/obama+biden.jpg")
    await scan(hass, DETECT)
    counted = state(hass, DETECT)
    assert counted.state == "3"  # Obama, Biden and a child looking down (bottom right)
    assert len(counted.attributes["faces"]) == 3
    assert len(counted.attributes["faces"][0]["landmarks"]) == 4
    assert len(detected) == 3


@pytest.mark.parametrize("api_version", ["v3", "v2"])
async def test_detect_mode_counts_only_the_faces_that_pass_its_quality_level(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], api_version: str
) -> None:
    # The form's quality level holds for a detect camera too (it used to be taken and not applied).
    camera = camera_subentry("camera.door", "detect", max_faces=5, quality="normal")
    entry = await setup_entry(api_version, subentries=[camera])
    (scanner,) = entry.runtime_data.scanners.values()
    await show(blurred())
    await scan(hass, DETECT)
    assert state(hass, DETECT).state == "0"
    assert scanner.last_visit is not None
    assert scanner.last_visit.frames_refused == 1
    await show(photo(SHARP))
    await scan(hass, DETECT)
    assert state(hass, DETECT).state == "1"
    assert state(hass, PROBLEM).state == "off"


async def test_entities_belong_to_the_entry_and_a_device(hass: HomeAssistant, setup_entry: Setup) -> None:
    entry = await setup_entry()
    entity = er.async_get(hass).async_get(IDENTIFY)
    assert entity is not None
    assert entity.config_entry_id == entry.entry_id
    (subentry_id,) = entry.subentries
    assert entity.config_subentry_id == subentry_id
    assert entity.device_id is not None
    device = dr.async_get(hass).async_get(entity.device_id)
    assert device is not None
    assert device.name == "Door"


async def test_the_image_processing_component_still_sets_up_entries(hass: HomeAssistant, setup_entry: Setup) -> None:
    """Guards the one deviation: HA's image_processing must keep accepting entries on its EntityComponent."""
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert state(hass, IDENTIFY).state == "unavailable"
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, IDENTIFY).state == "unknown"


async def test_a_scan_interval_scans_by_itself(hass: HomeAssistant, setup_entry: Setup) -> None:
    await setup_entry(subentries=[camera_subentry("camera.door", scan_interval=60)])
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [e.data["uid"] for e in recognized] == ["obama"]


async def test_a_failed_scan_clears_the_person_and_logs_once(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, baidu: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_entry()
    await scan(hass, IDENTIFY)
    assert state(hass, IDENTIFY).state == "Obama"
    assert state(hass, PROBLEM).state == "off"
    # The day's quota is spent: Baidu refuses every call (a new frame, so the change gate sends it).
    baidu.apps[BOTH.api_key].daily_quota = 0
    await door_camera("probe/kit_harington.jpg")
    for _ in range(2):
        await scan(hass, IDENTIFY)
    failed = state(hass, IDENTIFY)
    assert failed.state == "unknown"  # not "Obama": that frame is older than the failure
    assert failed.attributes["faces"] == []
    problem = state(hass, PROBLEM)
    assert problem.state == "on"
    assert problem.attributes["reason"] == "quota_exhausted"
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "Could not scan" in r.message]
    assert len(warnings) == 1
    # A new day: the next scan works, and says so.
    baidu.apps[BOTH.api_key].daily_quota = None
    await scan(hass, IDENTIFY)
    assert any("work again" in r.message for r in caplog.records)
    assert state(hass, IDENTIFY).attributes["faces"][0]["uid"] == "kit_harington"
    assert state(hass, PROBLEM).state == "off"
    assert state(hass, PROBLEM).attributes["last_scan_success"] is not None


async def test_refused_keys_during_a_scan_start_reauthentication(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer
) -> None:
    entry = await setup_entry()
    baidu.server.reset_secret("both_key", "rotated")
    await scan(hass, IDENTIFY)
    assert entry.state is ConfigEntryState.LOADED
    flows = hass.config_entries.flow.async_progress_by_handler("baidu_face")
    assert [f["context"]["source"] for f in flows] == ["reauth"]


async def test_events_reach_automations(hass: HomeAssistant, setup_entry: Setup) -> None:
    """An automation on baidu_face_recognized (e.g. unlocking the door) runs with the uid."""
    from homeassistant.setup import async_setup_component

    await setup_entry()
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {"platform": "event", "event_type": EVENT_RECOGNIZED, "event_data": {"uid": "obama"}},
                "action": {"event": "door_unlocked", "event_data": {"who": "{{ trigger.event.data.user_info }}"}},
            }
        },
    )
    unlocked: list[Event] = async_capture_events(hass, "door_unlocked")
    await scan(hass, IDENTIFY)
    assert [e.data["who"] for e in unlocked] == ["Obama"]


async def test_image_processing_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    door_camera: Show,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A scan on the mocked client: a known face and a stranger, as the entity shows them."""
    freezer.move_to("2026-11-26T09:00:00+00:00")
    with patch("custom_components.baidu_face.PLATFORMS", []):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        await scan(hass, IDENTIFY)
    mock_client.identify.assert_awaited_once()
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_devices_snapshot(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """One device for the Baidu app, one per camera."""
    devices = dr.async_entries_for_config_entry(device_registry, init_integration.entry_id)
    assert sorted(devices, key=lambda device: device.name or "") == snapshot
