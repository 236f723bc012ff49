"""Given a door camera, when a visit sees a face, then its Face event fires and its Last scan shows the face boxed."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from PIL import Image
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE
from custom_components.baidu_face.image import (
    DETECTED_COLOUR,
    KNOWN_COLOUR,
    UNKNOWN_COLOUR,
    annotated_frame,
    face_label,
    label_font,
)
from custom_components.baidu_face.kept_faces import UNKNOWN
from custom_components.baidu_face.seen import SeenFace
from sample_faces.frames import frame_with
from tests.conftest import BOTH
from tests.faces import FACES

from .conftest import camera_subentry, state

IDENTIFY = "image_processing.door_recognised_person"
DETECT = "image_processing.door_faces"
FACE_EVENT = "event.door_face"
LAST_SCAN = "image.door_last_scan"
LAST_UNKNOWN_FACE = "image.door_last_unknown_face"

Setup = Callable[..., Awaitable[MockConfigEntry]]
Show = Callable[[str], Awaitable[None]]
Colour = tuple[int, int, int]


async def scan(hass: HomeAssistant, entity_id: str = IDENTIFY) -> None:
    await hass.services.async_call("image_processing", "scan", {"entity_id": entity_id}, blocking=True)
    await hass.async_block_till_done()


async def fetch_image(hass_client: ClientSessionGenerator, entity_id: str) -> tuple[int, bytes]:
    """Fetch an image entity's picture the way a dashboard does (through HA's image proxy)."""
    client = await hass_client()
    response = await client.get(f"/api/image_proxy/{entity_id}")
    return response.status, await response.read()


def close_to(pixel: Any, colour: Colour) -> bool:
    """Whether a JPEG pixel is the colour drawn (JPEG moves colours a little)."""
    return all(abs(int(got) - want) <= 40 for got, want in zip(pixel, colour, strict=True))


def box_edges(picture: Image.Image, box: dict[str, float]) -> list[Any]:
    """Return the pixels in the middle of a box's left, right and bottom lines (at least 4 px wide, drawn inward).

    The top line carries the label.
    """
    left = round(box["left"]) + 2
    right, bottom = round(box["left"] + box["width"]) - 2, round(box["top"] + box["height"]) - 2
    middle_x, middle_y = round(box["left"] + box["width"] / 2), round(box["top"] + box["height"] / 2)
    return [picture.getpixel(xy) for xy in ((left, middle_y), (right, middle_y), (middle_x, bottom))]


async def test_a_recognition_fires_recognized_on_the_face_event(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, api_version: str
) -> None:
    await setup_entry(api_version)
    assert state(hass, FACE_EVENT).state == "unknown"  # no event yet
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)

    await door_camera("probe/obama.jpg")
    await scan(hass)

    (bus_event,) = recognized
    event = state(hass, FACE_EVENT)
    assert event.state != "unknown"
    assert event.attributes["event_types"] == ["recognized", "unknown", "uncertain"]
    assert event.attributes["event_type"] == "recognized"
    assert event.attributes["uid"] == "obama"
    assert event.attributes["name"] == "Obama"
    assert event.attributes["score"] == bus_event.data["score"] >= 80
    assert event.attributes["box"] == bus_event.data["box"]
    assert event.attributes["frames"] == 1
    # Why: the decision the bus event carries, on the entity too (V2 or V3, on the local server).
    assert event.attributes["decision"] == bus_event.data["decision"]
    assert event.attributes["decision"]["backend"] == {"server": "local", "api_version": api_version}


async def test_a_stranger_fires_unknown_on_the_face_event(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, api_version: str
) -> None:
    await setup_entry(api_version)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass)

    (bus_event,) = unknown
    event = state(hass, FACE_EVENT)
    assert event.attributes["event_type"] == "unknown"
    assert "uid" not in event.attributes
    assert "name" not in event.attributes
    assert event.attributes["score"] == bus_event.data["score"] < 80
    assert event.attributes["faces"] == 1
    assert event.attributes["frames"] == 1
    # The stranger's face was kept: the event says where its crop is.
    assert event.attributes["face_id"] == bus_event.data["face_id"]
    assert event.attributes["image_url"] == bus_event.data["image_url"]


async def test_each_person_in_a_frame_is_an_event(hass: HomeAssistant, setup_entry: Setup, door_camera: Show) -> None:
    await setup_entry()
    await door_camera("probe/kit_harington+rose_leslie.jpg")
    changes = async_capture_events(hass, "state_changed")
    await scan(hass)
    names = [e.data["new_state"].attributes["name"] for e in changes if e.data["entity_id"] == FACE_EVENT]
    assert sorted(names) == ["Kit Harington", "Rose Leslie"]


def empty_doorway(tmp_path: Path) -> str:
    """Write a frame with no face in it; its absolute path is a photo `door_camera` can show."""
    path = tmp_path / "frames" / "empty_doorway.jpg"
    path.parent.mkdir()
    path.write_bytes(frame_with([])[0])
    return str(path)


async def test_the_recognition_state_tells_nobody_a_stranger_and_a_name(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, tmp_path: Path, api_version: str
) -> None:
    """Issue 23: "Unknown" stood for nobody and for a stranger alike; unknown now means only "not known"."""
    await setup_entry(api_version)
    before = state(hass, IDENTIFY)
    assert (before.state, before.attributes["presence"]) == ("unknown", None)  # no visit since the start
    empty = empty_doorway(tmp_path)

    seen = []
    for photo in (empty, "probe/stranger_lin_manuel_miranda.png", "probe/obama.jpg", empty):
        await door_camera(photo)
        await scan(hass)
        found = state(hass, IDENTIFY)
        seen.append((found.state, found.attributes["presence"], found.attributes["total_faces"]))

    assert seen == [
        ("nobody", "nobody", 0),
        ("stranger", "stranger", 1),
        ("Obama", "known", 1),
        ("nobody", "nobody", 0),
    ]


async def test_a_detect_camera_has_no_presence(hass: HomeAssistant, setup_entry: Setup, door_camera: Show) -> None:
    await setup_entry(subentries=[camera_subentry("camera.door", "detect")])
    await door_camera("probe/obama.jpg")
    await scan(hass, DETECT)
    counted = state(hass, DETECT)
    assert counted.state == "1"  # the face count, as before
    assert "presence" not in counted.attributes


async def test_no_last_scan_before_a_visit(
    hass: HomeAssistant, setup_entry: Setup, hass_client: ClientSessionGenerator
) -> None:
    await setup_entry()
    assert state(hass, LAST_SCAN).state == "unknown"
    status, _ = await fetch_image(hass_client, LAST_SCAN)
    assert status == 500  # Home Assistant's answer for an image entity with no picture


@pytest.mark.parametrize(
    ("photo", "colour"),
    [("probe/obama.jpg", KNOWN_COLOUR), ("probe/stranger_lin_manuel_miranda.png", UNKNOWN_COLOUR)],
)
async def test_the_last_scan_shows_the_frame_with_each_face_boxed(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Show,
    hass_client: ClientSessionGenerator,
    photo: str,
    colour: Colour,
) -> None:
    await setup_entry()
    await door_camera(photo)
    await scan(hass)

    scanned = state(hass, LAST_SCAN)
    assert scanned.state != "unknown"  # the time of the visit
    status, body = await fetch_image(hass_client, LAST_SCAN)
    assert status == 200
    picture = Image.open(io.BytesIO(body))
    assert picture.format == "JPEG"
    with Image.open(FACES / photo) as original:
        assert picture.size == original.size
    box = state(hass, IDENTIFY).attributes["faces"][0]["box"]
    edges = box_edges(picture.convert("RGB"), box)
    assert all(close_to(pixel, colour) for pixel in edges), edges
    # Nothing drawn inside the face: its middle is still the photo.
    middle = (round(box["left"] + box["width"] / 2), round(box["top"] + box["height"] / 2))
    assert not close_to(picture.convert("RGB").getpixel(middle), colour)


async def test_a_failed_visit_leaves_the_last_scan(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Show,
    baidu: RunningServer,
    hass_client: ClientSessionGenerator,
) -> None:
    await setup_entry()
    await scan(hass)
    before = state(hass, LAST_SCAN).state
    _, picture = await fetch_image(hass_client, LAST_SCAN)

    baidu.apps[BOTH.api_key].daily_quota = 0
    await door_camera("probe/kit_harington.jpg")
    await scan(hass)

    assert state(hass, "binary_sensor.door_scan_problem").state == "on"
    assert state(hass, LAST_SCAN).state == before
    assert await fetch_image(hass_client, LAST_SCAN) == (200, picture)


async def test_a_detect_camera_has_a_last_scan_only(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, hass_client: ClientSessionGenerator
) -> None:
    await setup_entry(subentries=[camera_subentry("camera.door", "detect", max_faces=5)])
    assert hass.states.get(FACE_EVENT) is None
    assert hass.states.get(LAST_UNKNOWN_FACE) is None
    await door_camera("probe/obama+biden.jpg")
    await scan(hass, DETECT)

    _, body = await fetch_image(hass_client, LAST_SCAN)
    picture = Image.open(io.BytesIO(body)).convert("RGB")
    for face in state(hass, DETECT).attributes["faces"]:
        assert all(close_to(pixel, DETECTED_COLOUR) for pixel in box_edges(picture, face["box"]))


async def test_the_last_unknown_face_shows_the_strangers_crop(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, hass_client: ClientSessionGenerator
) -> None:
    entry = await setup_entry()
    assert state(hass, LAST_UNKNOWN_FACE).state == "unknown"
    assert state(hass, LAST_UNKNOWN_FACE).attributes["face_id"] is None
    assert (await fetch_image(hass_client, LAST_UNKNOWN_FACE))[0] == 500

    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass)
    face_id = state(hass, FACE_EVENT).attributes["face_id"]
    shown = state(hass, LAST_UNKNOWN_FACE)
    assert shown.attributes["face_id"] == face_id
    assert shown.state != "unknown"
    status, body = await fetch_image(hass_client, LAST_UNKNOWN_FACE)
    assert status == 200
    assert body == await entry.runtime_data.faces.async_read(face_id)
    crop = Image.open(io.BytesIO(body))
    assert crop.format == "JPEG"
    with Image.open(FACES / "probe/stranger_lin_manuel_miranda.png") as frame:
        assert crop.size != frame.size  # a crop, not the frame

    # A known face is not an unknown one: the stranger stays.
    await door_camera("probe/obama.jpg")
    await scan(hass)
    assert state(hass, LAST_UNKNOWN_FACE) == shown

    # It survives a restart (the crops are kept on disk).
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, LAST_UNKNOWN_FACE).attributes["face_id"] == face_id
    assert state(hass, LAST_UNKNOWN_FACE).state == shown.state

    # Enrolled, it is no longer unknown: nothing else unknown was seen here.
    await entry.runtime_data.faces.async_enrolled(face_id, "lin_manuel_miranda")
    await hass.async_block_till_done()
    assert state(hass, LAST_UNKNOWN_FACE).state == "unknown"
    assert state(hass, LAST_UNKNOWN_FACE).attributes["face_id"] is None


def test_labels_say_who_and_the_score() -> None:
    font = label_font(20)

    def label(face: dict[str, Any], identify: bool = True) -> str:
        seen = SeenFace(face["confidence"], None, uid=face.get("uid"), name=face.get("name"))
        return face_label(seen, identify, font)

    assert label({"name": "Obama", "uid": "obama", "confidence": 97.4}) == "Obama 97%"
    assert label({"name": "Zoë", "uid": "zoe_1", "confidence": 90.0}) == "Zoë 90%"
    assert label({"name": "张伟", "uid": "zhang_wei", "confidence": 88.0}) == "张伟 88%"
    # A character the labels' font lacks: the uid is drawn instead of tofu.
    assert label({"name": "王龘", "uid": "wang_da", "confidence": 88.0}) == "wang_da 88%"
    assert label({"confidence": 41.2}) == "Unknown 41%"
    assert label({"confidence": 99.9}, identify=False) == "Face 100%"


def test_a_picture_pillow_cannot_read_draws_nothing() -> None:
    assert annotated_frame(b"not a picture", [], identify=True) is None


async def test_camera_entities_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    door_camera: Show,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The new entities of a camera, after a visit that saw Obama and a stranger (the mocked client)."""
    freezer.move_to("2026-11-26T09:00:00+00:00")
    await scan(hass)
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    for entry in entries:
        if entry.domain in ("event", "image"):
            assert entry == snapshot(name=f"{entry.entity_id}-entry")
            # The image's access token and the kept faces' ids change every run.
            found = state(hass, entry.entity_id)
            attributes = {
                key: ANY if key in ("face_id", "image_url") else value
                for key, value in found.attributes.items()
                if key not in ("access_token", "entity_picture")
            }
            assert (found.state, attributes) == snapshot(name=f"{entry.entity_id}-state")


async def test_the_last_unknown_face_falls_back_when_its_face_is_enrolled(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, hass_client: ClientSessionGenerator
) -> None:
    entry = await setup_entry()
    faces = entry.runtime_data.faces
    # Kit and Rose leave the face set: one visit sees two strangers, kept at the same moment.
    for uid in ("kit_harington", "rose_leslie"):
        await entry.runtime_data.client.delete_user(uid)
    await door_camera("probe/kit_harington+rose_leslie.jpg")
    await scan(hass)
    first = state(hass, LAST_UNKNOWN_FACE)
    shown = first.attributes["face_id"]
    (other,) = {face.id for face in faces.faces(UNKNOWN)} - {shown}

    # The face shown is enrolled: the other one shows, and the picture's state changes with it (a
    # dashboard fetches the picture again only then), though both were seen at the same moment.
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"face_id": shown, "uid": "kit"}, blocking=True, return_response=True
    )
    await hass.async_block_till_done()
    fallback = state(hass, LAST_UNKNOWN_FACE)
    assert fallback.attributes["face_id"] == other
    assert fallback.state not in (first.state, "unknown")
    assert await fetch_image(hass_client, LAST_UNKNOWN_FACE) == (200, await faces.async_read(other))

    # The other too: no unknown face is left, so none shows.
    await hass.services.async_call(
        DOMAIN, "enroll_face", {"face_id": other, "uid": "rose"}, blocking=True, return_response=True
    )
    await hass.async_block_till_done()
    assert state(hass, LAST_UNKNOWN_FACE).attributes["face_id"] is None
    assert state(hass, LAST_UNKNOWN_FACE).state == "unknown"
