"""Given a door camera with a motion trigger, when people come and go, then each visit is scanned and announced once."""

from __future__ import annotations

import io
import shutil
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from PIL import Image, ImageFilter
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events, async_fire_time_changed

from baidu_face_server import running_server
from baidu_face_server.server import RunningServer
from custom_components.baidu_face.change_gate import changed_percent, thumbnail
from custom_components.baidu_face.const import (
    DEFAULT_CHANGE_THRESHOLD,
    DOMAIN,
    EVENT_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
)
from custom_components.baidu_face.scanner import CameraScanner
from custom_components.baidu_face.triggers import is_active
from sample_faces.frames import UHD_4K, frame_with, with_noise
from tests.conftest import BOTH, apps
from tests.faces import FACES, STRANGER, photo

from .conftest import FAMILY, camera_subentry, entry_data, state

IDENTIFY = "image_processing.door_recognised_person"
DETECT = "image_processing.door_faces"
PROBLEM = "binary_sensor.door_scan_problem"
MOTION = "binary_sensor.door_motion"

Setup = Callable[..., Awaitable[MockConfigEntry]]


def percent(before: bytes, after: bytes) -> float:
    first, second = thumbnail(before), thumbnail(after)
    assert first is not None
    assert second is not None
    return changed_percent(first, second)


def test_sensor_noise_is_not_a_change() -> None:
    original = photo("probe/obama_1080p.jpg")
    assert percent(with_noise(original, 12), with_noise(original, 12, flip=True)) < DEFAULT_CHANGE_THRESHOLD
    empty, _ = frame_with([], UHD_4K)
    assert percent(with_noise(empty, 16), with_noise(empty, 16, flip=True)) < DEFAULT_CHANGE_THRESHOLD


def test_a_person_stepping_in_is_a_change() -> None:
    empty, _ = frame_with([])
    # A face about 150 px wide in a 1920 x 1080 frame: a person a few metres from a doorbell.
    visitor, _ = frame_with([(FACES / "probe" / "obama.jpg", 0.5)])
    assert percent(with_noise(empty, 12), with_noise(visitor, 12, flip=True)) >= 3 * DEFAULT_CHANGE_THRESHOLD


@pytest.mark.parametrize(
    ("old", "new", "starts"),
    [
        (("binary_sensor.door_motion", "off"), "on", True),
        (("binary_sensor.door_motion", "on"), "off", False),
        (("binary_sensor.door_motion", "unavailable"), "on", False),  # a restart, not a visit
        (("sensor.door_person_count", "0"), "1", True),  # Frigate's count
        (("sensor.door_person_count", "1"), "2", True),
        (("sensor.door_person_count", "2"), "1", False),
        (("sensor.door_person_count", "1"), "0", False),
        (("event.doorbell", "2026-11-26T09:00:00.000+00:00"), "2026-11-26T09:05:00.000+00:00", True),
        (("event.doorbell", "unknown"), "2026-11-26T09:05:00.000+00:00", True),  # the first press
        (("switch.porch", "off"), "on", True),
        (("lock.door", "locked"), "unlocked", False),
    ],
)
def test_which_state_changes_start_a_visit(old: tuple[str, str], new: str, starts: bool) -> None:
    entity_id, before = old
    assert is_active(State(entity_id, before), State(entity_id, new)) is starts


def scanner_of(entry: MockConfigEntry) -> CameraScanner:
    scanners: dict[str, CameraScanner] = entry.runtime_data.scanners
    (scanner,) = scanners.values()
    return scanner


def identify_calls(entry: MockConfigEntry) -> int:
    return int(entry.runtime_data.client.call_counts.get("identify", 0))


async def setup_door(
    setup_entry: Setup, hass: HomeAssistant, mode: str = "identify", api_version: str = "auto", **settings: Any
) -> MockConfigEntry:
    hass.states.async_set(MOTION, "off")
    camera = camera_subentry("camera.door", mode, triggers=[MOTION], burst_frames=5, burst_interval=1.0, **settings)
    # A high rate: the burst's pacing is under test here, not the client's limiter.
    return await setup_entry(api_version, subentries=[camera], qps=50)


async def motion(hass: HomeAssistant) -> None:
    hass.states.async_set(MOTION, "off")
    hass.states.async_set(MOTION, "on")
    await hass.async_block_till_done()


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_a_trigger_starts_a_burst_that_stops_at_the_first_recognition(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    empty, _ = frame_with([])
    await show(with_noise(empty, 12))

    await motion(hass)  # frame 1: nobody yet (sent: the camera's first frame)
    assert identify_calls(entry) == 1
    await show(with_noise(empty, 12, flip=True))
    await tick(hass, freezer, 1)  # frame 2: only noise changed, not sent
    assert identify_calls(entry) == 1
    await show(photo("probe/stranger_lin_manuel_miranda.png"))
    await tick(hass, freezer, 1)  # frame 3: a stranger, keep looking
    assert identify_calls(entry) == 2
    await show(photo("probe/obama.jpg"))
    await tick(hass, freezer, 1)  # frame 4: Obama, the visit ends here
    assert identify_calls(entry) == 3
    await tick(hass, freezer, 1)
    await tick(hass, freezer, 5)
    assert identify_calls(entry) == 3

    (event,) = recognized
    assert event.data["uid"] == "obama"
    assert event.data["frames_scanned"] == 3
    assert event.data["camera_entity_id"] == "camera.door"
    assert event.data["entity_id"] == IDENTIFY
    assert event.data["score"] >= 80
    assert not unknown  # the stranger was seen, but so was a known person
    seen = state(hass, IDENTIFY)
    assert seen.state == "Obama"
    assert seen.attributes["frames_scanned"] == 3
    assert seen.attributes["frames_skipped"] == 1
    scanner = scanner_of(entry)
    assert (scanner.visits, scanner.frames_sent, scanner.frames_skipped) == (1, 3, 1)


async def test_unchanged_frames_are_not_sent(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass)
    empty, _ = frame_with([])
    await show(empty)
    await motion(hass)
    for _ in range(6):
        await tick(hass, freezer, 1)
    # Motion with nobody in frame: one frame sent, four kept back.
    assert identify_calls(entry) == 1
    assert scanner_of(entry).frames_skipped == 4
    await motion(hass)
    for _ in range(6):
        await tick(hass, freezer, 1)
    assert identify_calls(entry) == 1
    assert scanner_of(entry).frames_skipped == 9
    assert state(hass, IDENTIFY).attributes["frames_skipped"] == 9


async def test_one_announcement_per_visit_and_the_cool_down_holds(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    await setup_door(setup_entry, hass, cooldown=60)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    await tick(hass, freezer, 30)
    assert len(recognized) == 1
    # 30 s later he comes back (another photo, so it is sent): within the cool-down, no event.
    await show(photo("probe/obama_1080p.jpg"))
    await motion(hass)
    await tick(hass, freezer, 31)
    assert len(recognized) == 1
    assert state(hass, IDENTIFY).state == "Obama"
    # 61 s after the announcement: announced again.
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    assert [e.data["uid"] for e in recognized] == ["obama", "obama"]


async def test_a_repeat_visit_that_looks_the_same_is_sent_after_the_cool_down(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, cooldown=60)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    await tick(hass, freezer, 30)
    assert identify_calls(entry) == 1
    # 30 s later the same picture: within the cool-down the gate keeps every frame back.
    await motion(hass)
    for _ in range(5):
        await tick(hass, freezer, 1)
    assert identify_calls(entry) == 1
    assert scanner_of(entry).frames_skipped == 5
    # 65 s after the frame sent, a visit that looks exactly like it is sent, and announced again.
    await tick(hass, freezer, 30)
    await motion(hass)
    assert identify_calls(entry) == 2
    assert [event.data["uid"] for event in recognized] == ["obama", "obama"]


async def test_only_strangers_give_one_unknown_face_event(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    await setup_door(setup_entry, hass)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    stranger = photo("probe/stranger_lin_manuel_miranda.png")
    await show(stranger)
    await motion(hass)
    # He steps closer: the same stranger, another frame.
    await show(frame_with([(FACES / STRANGER, 1.0)])[0])
    for _ in range(5):
        await tick(hass, freezer, 1)
    (event,) = unknown
    assert event.data["frames_scanned"] == 2
    assert event.data["faces"] == 1
    assert event.data["score"] < 80
    assert state(hass, IDENTIFY).state == "stranger"


# Where the two faces of probe/obama+biden.jpg are (the server's boxes, in pixels).
OBAMA_BESIDE_BIDEN = (1143, 403, 197, 197)
BIDEN_BESIDE_OBAMA = (742, 445, 197, 197)


def blurred(image: bytes, *areas: tuple[int, int, int, int], columns: tuple[int, int] | None = None) -> bytes:
    """Blur each face (left, top, width, height): still a face, no longer a confident match (Obama: 75 of 100).

    Only the `columns` (from, to), when given, are left of the picture.
    """
    with Image.open(io.BytesIO(image)) as opened:
        picture = opened.convert("RGB")
    for left, top, width, height in areas:
        box = (left, top, left + width, top + height)
        picture.paste(picture.crop(box).filter(ImageFilter.GaussianBlur(6)), box)
    if columns is not None:
        picture = picture.crop((columns[0], 0, columns[1], picture.height))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.mark.parametrize("api_version", ["v3", "v2"])
async def test_a_stranger_beside_a_known_person_is_kept_and_announced(
    hass: HomeAssistant,
    setup_entry: Setup,
    show: Callable[[bytes], Awaitable[None]],
    freezer: FrozenDateTimeFactory,
    api_version: str,
) -> None:
    # Every frame is sent: only the faces change between them.
    entry = await setup_door(setup_entry, hass, api_version=api_version, change_threshold=0)
    await entry.runtime_data.client.delete_user("biden")  # only Obama is known
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    # Frame 1: both blurred, so neither is named; frame 2: Obama named, Biden beside him.
    await show(blurred(photo("probe/obama+biden.jpg"), OBAMA_BESIDE_BIDEN, BIDEN_BESIDE_OBAMA))
    await motion(hass)
    await show(photo("probe/obama+biden.jpg"))
    for _ in range(5):
        await tick(hass, freezer, 1)

    (person,) = recognized
    assert person.data["uid"] == "obama"
    (stranger,) = unknown
    # One stranger: Biden, from the frame that named Obama (not Obama's blurred face of frame 1).
    assert stranger.data["faces"] == 1
    assert stranger.data["box"]["left"] == pytest.approx(BIDEN_BESIDE_OBAMA[0], abs=20)
    assert stranger.data["frames_scanned"] == 2
    # Remembered as a visitor like any stranger (one registration), never as Obama's.
    assert (stranger.data["visitor_id"], stranger.data["remembered"]) == (1, True)
    faces = entry.runtime_data.faces
    kept = faces.get(stranger.data["face_id"])
    assert kept is not None
    assert (kept.kind, kept.uid) == ("unknown", None)
    assert stranger.data["face_ids"] == [kept.id]
    # The crop is Biden's: the server still knows his face in the other app's face set.
    (face,) = await entry.runtime_data.client.detect(await faces.async_read(kept.id))
    assert face.probability > 0.5
    assert state(hass, "event.door_face").attributes["faces"] == 1


async def test_a_known_person_unnamed_in_one_frame_is_no_stranger(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, change_threshold=0)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    # Frame 1: Obama alone, blurred, not named; frame 2: Obama named. One face all along: no stranger.
    await show(blurred(photo("probe/obama+biden.jpg"), OBAMA_BESIDE_BIDEN, columns=(1000, 1500)))
    await motion(hass)
    await show(photo("probe/obama.jpg"))
    for _ in range(5):
        await tick(hass, freezer, 1)

    assert [event.data["uid"] for event in recognized] == ["obama"]
    assert recognized[0].data["frames_scanned"] == 2
    assert not unknown
    assert entry.runtime_data.faces.faces("unknown") == []
    assert "register_user" not in entry.runtime_data.client.call_counts  # no visitor made of him


async def test_detect_stops_at_the_first_face(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, mode="detect")
    await show(photo("probe/kit_harington.jpg"))
    await motion(hass)
    for frame in range(5):
        await show(with_noise(photo("probe/obama.jpg"), 4, flip=bool(frame % 2)))
        await tick(hass, freezer, 1)
    assert entry.runtime_data.client.call_counts["detect"] == 1
    assert state(hass, DETECT).state == "1"


async def test_the_interval_scans_one_frame_per_visit(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry(subentries=[camera_subentry("camera.door", scan_interval=10)], qps=50)
    empty, _ = frame_with([])
    await show(empty)
    for _ in range(7):
        await tick(hass, freezer, 10)
    # The same empty hallway, seven times: the interval compares with the frame sent 60 s (the
    # cool-down) and more ago too, so an unchanged scene costs it nothing.
    assert identify_calls(entry) == 1
    assert scanner_of(entry).visits == 7


async def test_the_problem_sensor_follows_the_server(
    hass: HomeAssistant, door_camera: Any, enrolled_db: Path, tmp_path: Path, socket_enabled: None
) -> None:
    db = tmp_path / "faces.sqlite3"
    shutil.copy(enrolled_db, db)
    async with running_server(apps(), db) as server:
        port = int(server.url.rsplit(":", 1)[1])
        entry = MockConfigEntry(
            domain=DOMAIN,
            data=entry_data(server, "v3"),
            options={"groups": [FAMILY], "qps": 50},
            unique_id=BOTH.api_key,
            subentries_data=[camera_subentry("camera.door")],
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await scan(hass)
        assert state(hass, IDENTIFY).state == "Obama"
        assert state(hass, PROBLEM).state == "off"
        succeeded = state(hass, IDENTIFY).attributes["last_scan_success"]
    # The server is gone.
    await door_camera("probe/kit_harington.jpg")
    await scan(hass)
    problem = state(hass, PROBLEM)
    assert problem.state == "on"
    assert problem.attributes["reason"] == "cannot_connect"
    assert state(hass, IDENTIFY).state == "unknown"  # not Obama: that frame is older than the failure
    assert state(hass, IDENTIFY).attributes["faces"] == []
    assert state(hass, IDENTIFY).attributes["last_scan_success"] == succeeded
    # It is back, on the same port.
    async with running_server(apps(), db, port=port):
        await scan(hass)
        assert state(hass, PROBLEM).state == "off"
        assert state(hass, IDENTIFY).attributes["faces"][0]["uid"] == "kit_harington"
        assert state(hass, IDENTIFY).attributes["last_scan_success"] != succeeded
        assert await hass.config_entries.async_unload(entry.entry_id)


async def scan(hass: HomeAssistant) -> None:
    await hass.services.async_call("image_processing", "scan", {"entity_id": IDENTIFY}, blocking=True)
    await hass.async_block_till_done()


async def test_the_camera_form_says_what_a_visit_and_a_day_cost(hass: HomeAssistant, setup_entry: Setup) -> None:
    camera = camera_subentry("camera.door", scan_interval=10, triggers=[MOTION], burst_frames=3)
    entry = await setup_entry(api_version="v3", subentries=[camera])
    (subentry_id,) = entry.subentries
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    # V3: one multi-search a frame; 8,640 interval scans and ten visits of three frames.
    figures = dict(result["description_placeholders"] or {})
    assert figures.pop("endpoint").startswith("127.0.0.1:")  # beside "liveness needs Baidu's cloud"
    assert figures == {
        "frames_to_confirm": "1",
        "confirm_extra": "0",
        "scan_interval": "10",
        "burst_frames": "3",
        "frame_calls": "1",
        "visit_calls": "3",
        "interval_calls": "8,640",
        "trigger_visits": "10",
        "day_calls": "8,670",
    }


async def test_frames_to_confirm_and_v2_quality_are_in_the_forms_cost(hass: HomeAssistant, setup_entry: Setup) -> None:
    settings: dict[str, Any] = {"scan_interval": 10, "triggers": [MOTION], "burst_frames": 3, "max_faces": 1}
    v3 = camera_subentry("camera.door", frames_to_confirm=2, **settings)
    entry = await setup_entry(api_version="v3", subentries=[v3])
    (subentry_id,) = entry.subentries
    figures = (await entry.start_subentry_reconfigure_flow(hass, subentry_id))["description_placeholders"] or {}
    # A person named in the last frame takes one frame more; so may each interval scan.
    assert (figures["frames_to_confirm"], figures["visit_calls"], figures["interval_calls"]) == ("2", "4", "17,280")
    assert await hass.config_entries.async_unload(entry.entry_id)
    v2 = camera_subentry("camera.door", quality="normal", **settings)
    entry = await setup_entry(api_version="v2", subentries=[v2])
    (subentry_id,) = entry.subentries
    figures = (await entry.start_subentry_reconfigure_flow(hass, subentry_id))["description_placeholders"] or {}
    # V2 measures the quality with a detect call before it identifies.
    assert (figures["frame_calls"], figures["visit_calls"]) == ("2", "6")


async def test_on_v2_the_form_counts_the_per_face_calls_and_an_interval_of_0_costs_only_visits(
    hass: HomeAssistant, setup_entry: Setup
) -> None:
    camera = camera_subentry("camera.door", triggers=[MOTION], burst_frames=5)  # two faces a frame
    entry = await setup_entry(api_version="v2", subentries=[camera])
    (subentry_id,) = entry.subentries
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    figures = result["description_placeholders"] or {}
    # Worst case: a detect and an identify per face, every frame of the burst.
    assert (figures["frame_calls"], figures["visit_calls"]) == ("3", "15")
    assert (figures["interval_calls"], figures["day_calls"]) == ("0", "150")


async def test_a_visit_costs_what_the_form_says_in_the_calls_the_usage_counts(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, change_threshold=0.0)
    (subentry_id,) = entry.subentries
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    said = int((result["description_placeholders"] or {})["visit_calls"])
    empty, _ = frame_with([])
    await show(empty)
    before = sum(entry.runtime_data.usage.calls("day").values())
    await motion(hass)  # nobody: every frame of the burst is sent
    for _ in range(6):
        await tick(hass, freezer, 1)
    assert sum(entry.runtime_data.usage.calls("day").values()) - before == said == 5


async def test_a_spent_quota_stops_the_visit(
    hass: HomeAssistant,
    setup_entry: Setup,
    show: Callable[[bytes], Awaitable[None]],
    freezer: FrozenDateTimeFactory,
    baidu: RunningServer,
) -> None:
    entry = await setup_door(setup_entry, hass)
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    assert state(hass, IDENTIFY).state == "Obama"
    baidu.apps[BOTH.api_key].daily_quota = 0  # Baidu's error 17 from now on
    await show(photo("probe/stranger_lin_manuel_miranda.png"))
    await motion(hass)
    for frame in range(5):
        await show(with_noise(photo("probe/kit_harington.jpg"), 4, flip=bool(frame % 2)))
        await tick(hass, freezer, 1)
    assert identify_calls(entry) == 2  # one refused frame, then no more
    problem = state(hass, PROBLEM)
    assert problem.state == "on"
    assert problem.attributes["reason"] == "quota_exhausted"
    assert state(hass, IDENTIFY).state == "unknown"
    assert scanner_of(entry).diagnostics()["problem"] == "quota_exhausted"
    # The quota is back. The door shows the first frame again, unchanged since the last frame sent: sent anyway,
    # since the failure cleared what the entity showed.
    baidu.apps[BOTH.api_key].daily_quota = None
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    assert state(hass, PROBLEM).state == "off"
    assert state(hass, IDENTIFY).state == "Obama"


async def test_unloading_ends_a_visit(
    hass: HomeAssistant, setup_entry: Setup, show: Callable[[bytes], Awaitable[None]], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass)
    await show(photo("probe/stranger_lin_manuel_miranda.png"))
    await motion(hass)
    scanner = scanner_of(entry)
    client = entry.runtime_data.client
    assert scanner.visiting
    calls = identify_calls(entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert not scanner.visiting
    await show(photo("probe/obama.jpg"))
    await tick(hass, freezer, 5)
    assert client.call_counts.get("identify", 0) == calls
