"""Given a door camera, when faces are seen, then a crop of each is kept (bounded), served, browsable and enrollable."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import media_source
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from PIL import Image
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import (
    CONF_API_KEY,
    CONF_GROUPS,
    CONF_MAX_VISITORS,
    CONF_SECRET_KEY,
    DOMAIN,
    EVENT_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
)
from custom_components.baidu_face.crops import MIN_CROP_SIDE
from custom_components.baidu_face.kept_face_view import image_url
from custom_components.baidu_face.kept_faces import RECOGNISED, UNKNOWN, FaceStore, KeptFace
from tests.conftest import V3_ONLY
from tests.faces import STRANGER

from .conftest import FAMILY, camera_subentry, entry_data

IDENTIFY = "image_processing.door_recognised_person"
Setup = Callable[..., Awaitable[MockConfigEntry]]
Show = Callable[[str], Awaitable[None]]


async def scan(hass: HomeAssistant) -> None:
    await hass.services.async_call("image_processing", "scan", {"entity_id": IDENTIFY}, blocking=True)
    await hass.async_block_till_done()


async def setup_door(setup_entry: Setup, **options: Any) -> MockConfigEntry:
    # Every frame is sent, even one like the last: these tests show the same stranger again and again.
    # A high rate: the client's limiter waits on a clock the freezer stops.
    camera = camera_subentry("camera.door", change_threshold=0)
    return await setup_entry(subentries=[camera], **({"qps": 50} | options))


def store_of(entry: MockConfigEntry) -> FaceStore:
    store: FaceStore = entry.runtime_data.faces
    return store


def crops_on_disk(entry: MockConfigEntry) -> set[str]:
    return {path.stem for path in store_of(entry).folder.glob("*.jpg")}


async def later(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_an_unknown_face_is_kept_and_served_to_signed_in_users(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Show,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    entry = await setup_entry(api_version="v3")
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await door_camera(STRANGER)
    await scan(hass)

    (event,) = unknown
    face_id = event.data["face_id"]
    assert event.data["face_ids"] == [face_id]
    assert event.data["image_url"] == f"/api/baidu_face/{entry.entry_id}/faces/{face_id}.jpg"
    kept = store_of(entry).get(face_id)
    assert kept is not None
    assert (kept.kind, kept.camera, kept.uid, kept.score) == (UNKNOWN, "camera.door", None, event.data["score"])
    assert kept.face_token  # V3 gives one: the face can be enrolled by token
    assert store_of(entry).folder == Path(hass.config.path("baidu_face", entry.entry_id))
    assert crops_on_disk(entry) == {face_id}

    client = await hass_client()
    response = await client.get(event.data["image_url"])
    assert response.status == 200
    assert response.content_type == "image/jpeg"
    crop = await response.read()
    with Image.open(io.BytesIO(crop)) as picture:
        assert picture.format == "JPEG"
        assert min(picture.size) >= MIN_CROP_SIDE
    # The server finds the face in the crop again: enrolling from the crop works.
    (face,) = await entry.runtime_data.client.detect(crop)
    assert face.probability > 0.5

    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(event.data["image_url"])).status == 401
    # A picture in the folder that is not a kept face is not served either.
    (store_of(entry).folder / f"{'A' * 16}.jpg").write_bytes(crop)
    for wrong in (image_url(entry.entry_id, "A" * 16), image_url("not_an_entry", face_id)):
        assert (await client.get(wrong)).status == 404, wrong
    for trick in ("..%2F..%2F.storage%2Fauth", f"..%2F{entry.entry_id}%2F{face_id}", "%2E%2E%2Fsecrets"):
        # Refused by Home Assistant's filter (400) or found to be no kept face (404).
        assert (await client.get(image_url(entry.entry_id, trick))).status in {400, 404}, trick

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["kept_faces"] == {UNKNOWN: 1, RECOGNISED: 0}
    assert face_id not in json.dumps(diagnostics)
    assert kept.face_token not in json.dumps(diagnostics)


async def test_each_recognised_person_is_kept_once_a_visit(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show
) -> None:
    entry = await setup_door(setup_entry)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await door_camera("probe/obama+biden.jpg")
    await scan(hass)

    assert {event.data["uid"] for event in recognized} == {"obama", "biden"}
    assert not unknown
    store = store_of(entry)
    assert store.faces(UNKNOWN) == []
    for event in recognized:
        kept = store.get(event.data["face_id"])
        assert kept is not None
        assert (kept.kind, kept.uid) == (RECOGNISED, event.data["uid"])
        assert event.data["image_url"] == image_url(entry.entry_id, kept.id)
        # The crop shows that person, and only them.
        (face,) = await entry.runtime_data.client.identify(await store.async_read(kept.id), [FAMILY])
        assert face.best is not None
        assert face.best.uid == event.data["uid"]
    # The same two again, within the cool-down: no events, but this visit's crops are kept.
    await scan(hass)
    assert len(recognized) == 2
    assert len(store.faces(RECOGNISED)) == 4


async def test_kept_faces_never_exceed_the_count(hass: HomeAssistant, setup_entry: Setup, door_camera: Show) -> None:
    entry = await setup_door(setup_entry, kept_faces=2)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await door_camera(STRANGER)
    for _ in range(3):
        await scan(hass)
    first, second, third = (event.data["face_id"] for event in unknown)
    store = store_of(entry)
    assert [face.id for face in store.faces(UNKNOWN)] == [third, second]
    assert crops_on_disk(entry) == {second, third}
    assert store.get(first) is None


async def test_none_are_kept_when_the_count_is_zero(hass: HomeAssistant, setup_entry: Setup, door_camera: Show) -> None:
    entry = await setup_door(setup_entry, kept_faces=0)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await door_camera(STRANGER)
    await scan(hass)
    (event,) = unknown
    assert "face_id" not in event.data
    assert event.data["face_ids"] == []
    assert crops_on_disk(entry) == set()


async def test_kept_faces_are_dropped_when_too_old(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, kept_days=7)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    heard: list[KeptFace] = []
    store_of(entry).async_add_listener(heard.append)
    await door_camera(STRANGER)
    await scan(hass)
    await later(hass, freezer, timedelta(days=4))
    await scan(hass)
    old, recent = (event.data["face_id"] for event in unknown)
    assert crops_on_disk(entry) == {old, recent}

    # The daily check drops what is older than 7 days.
    await later(hass, freezer, timedelta(days=3, hours=1))
    assert [face.id for face in store_of(entry).faces(UNKNOWN)] == [recent]
    assert crops_on_disk(entry) == {recent}
    # The listeners (the camera's "Last unknown face") hear of each face kept, and of the one dropped.
    assert [face.id for face in heard] == [old, recent, old]
    assert store_of(entry).get(old) is None

    # Home Assistant was off when the other grew too old: loading drops it.
    freezer.tick(timedelta(days=5))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert store_of(entry).faces(UNKNOWN) == []
    assert crops_on_disk(entry) == set()


async def test_kept_faces_last_until_the_entry_is_removed(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, hass_storage: dict[str, Any]
) -> None:
    entry = await setup_door(setup_entry)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await door_camera(STRANGER)
    await scan(hass)
    (event,) = unknown
    folder = store_of(entry).folder

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    kept = store_of(entry).get(event.data["face_id"])
    assert kept is not None
    assert f"baidu_face.faces.{entry.entry_id}" in hass_storage

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not folder.exists()
    assert f"baidu_face.faces.{entry.entry_id}" not in hass_storage


async def test_an_enrolled_face_moves_to_recognised(hass: HomeAssistant, setup_entry: Setup, door_camera: Show) -> None:
    entry = await setup_door(setup_entry)
    store = store_of(entry)
    heard: list[KeptFace] = []
    store.async_add_listener(heard.append)
    await door_camera(STRANGER)
    await scan(hass)
    (kept,) = heard
    assert store.latest(UNKNOWN, "camera.door") == kept
    assert store.latest(UNKNOWN, "camera.hallway") is None

    moved = await store.async_enrolled(kept.id, "lin_manuel_miranda")
    assert (moved.id, moved.kind, moved.uid) == (kept.id, RECOGNISED, "lin_manuel_miranda")
    assert store.faces(UNKNOWN) == []
    assert store.faces(RECOGNISED) == [moved]
    assert heard == [kept, moved]
    with pytest.raises(KeyError):
        await store.async_enrolled("B" * 16, "nobody")


async def test_the_media_panel_browses_and_shows_kept_faces(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Show,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    entry = await setup_door(setup_entry)
    await door_camera(STRANGER)
    await scan(hass)
    await door_camera(STRANGER)
    await scan(hass)
    await door_camera("probe/obama.jpg")
    await scan(hass)
    stranger, first_visit = store_of(entry).faces(UNKNOWN)  # newest first
    (obama,) = store_of(entry).faces(RECOGNISED)

    # One entry: its level is skipped.
    media = f"media-source://baidu_face/{entry.entry_id}"
    root = await media_source.async_browse_media(hass, "media-source://baidu_face")
    assert root.title == "Baidu Face"
    assert [(child.title, child.can_expand) for child in root.children or []] == [
        ("Unknown faces", True),
        ("Visitors", True),
        ("Recognized", True),
    ]
    # The stranger came twice: one visitor, their crops in their folder, none left among the unknown faces.
    assert (await media_source.async_browse_media(hass, f"{media}/unknown")).children == []
    visitors = await media_source.async_browse_media(hass, f"{media}/visitors")
    (visitor,) = visitors.children or []
    assert (visitor.title, visitor.media_content_id, visitor.can_expand) == (
        "Visitor 1 — 2 visits",
        f"{media}/visitors/1",
        True,
    )
    assert visitor.thumbnail == image_url(entry.entry_id, stranger.id)  # their latest crop
    visitor_folder = await media_source.async_browse_media(hass, visitor.media_content_id)
    assert visitor_folder.title == "Visitor 1 — 2 visits"
    item, first = visitor_folder.children or []
    assert first.media_content_id == f"{media}/unknown/{first_visit.id}"
    assert item.media_content_id == f"media-source://baidu_face/{entry.entry_id}/unknown/{stranger.id}"
    assert item.media_content_type == "image/jpeg"
    assert item.thumbnail == image_url(entry.entry_id, stranger.id)
    assert item.title.startswith("Door · ")
    recognised = await media_source.async_browse_media(hass, f"media-source://baidu_face/{entry.entry_id}/recognised")
    assert [child.title.split(" · ")[:2] for child in recognised.children or []] == [
        ["Obama", "Door"]
    ]  # the name (user_info), not the uid

    resolved = await media_source.async_resolve_media(hass, item.media_content_id, None)
    assert (resolved.url, resolved.mime_type) == (image_url(entry.entry_id, stranger.id), "image/jpeg")
    resolved = await media_source.async_resolve_media(
        hass, f"media-source://baidu_face/{entry.entry_id}/recognised/{obama.id}", None
    )
    assert resolved.url == image_url(entry.entry_id, obama.id)
    # The panel asks over the websocket: the URL comes back signed, and opens without a login.
    websocket = await hass_ws_client(hass)
    await websocket.send_json_auto_id({"type": "media_source/resolve_media", "media_content_id": item.media_content_id})
    answer = await websocket.receive_json()
    assert answer["success"], answer
    signed = answer["result"]["url"]
    assert signed.startswith(image_url(entry.entry_id, stranger.id) + "?authSig=")
    anonymous = await hass_client_no_auth()
    response = await anonymous.get(signed)
    assert response.status == 200
    assert await response.read() == await store_of(entry).async_read(stranger.id)

    for wrong in (f"{entry.entry_id}/unknown/{'C' * 16}", f"not_an_entry/unknown/{stranger.id}", entry.entry_id):
        with pytest.raises(media_source.Unresolvable):
            await media_source.async_resolve_media(hass, f"media-source://baidu_face/{wrong}", None)
    for wrong in ("elsewhere", "visitors/2", "visitors/one", "unknown/1", "visitors/1/more"):
        with pytest.raises(BrowseError):
            await media_source.async_browse_media(hass, f"{media}/{wrong}")

    hass.config.language = "zh-Hans"
    root = await media_source.async_browse_media(hass, "media-source://baidu_face")
    assert [child.title for child in root.children or []] == ["未知人脸", "访客", "已识别"]
    visitors = await media_source.async_browse_media(hass, f"{media}/visitors")
    assert [child.title for child in visitors.children or []] == ["访客 1 — 2 次来访"]


async def test_the_media_panel_lists_each_entry_when_there_are_several(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show, baidu: RunningServer
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    # The first remembers no visitors: its strangers stay among the unknown faces.
    first = await setup_door(setup_entry, **{CONF_MAX_VISITORS: 0})
    second = MockConfigEntry(
        domain=DOMAIN,
        title="Baidu Face (V3 app)",
        data=entry_data(baidu) | {CONF_API_KEY: V3_ONLY[0], CONF_SECRET_KEY: V3_ONLY[1]},
        options={CONF_GROUPS: [FAMILY]},
        unique_id=V3_ONLY[0],
    )
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    await door_camera(STRANGER)
    await scan(hass)

    root = await media_source.async_browse_media(hass, "media-source://baidu_face")
    assert {(child.title, child.media_content_id) for child in root.children or []} == {
        ("Baidu Face (127.0.0.1)", f"media-source://baidu_face/{first.entry_id}"),
        ("Baidu Face (V3 app)", f"media-source://baidu_face/{second.entry_id}"),
    }
    folders = await media_source.async_browse_media(hass, f"media-source://baidu_face/{first.entry_id}")
    assert [child.title for child in folders.children or []] == ["Unknown faces", "Visitors", "Recognized"]
    (stranger,) = (
        await media_source.async_browse_media(hass, f"media-source://baidu_face/{first.entry_id}/unknown")
    ).children or []
    assert stranger.title.startswith("Door · ")
    visitors = await media_source.async_browse_media(hass, f"media-source://baidu_face/{first.entry_id}/visitors")
    assert visitors.children == []
    unknown = await media_source.async_browse_media(hass, f"media-source://baidu_face/{second.entry_id}/unknown")
    assert unknown.children == []  # the second entry has no camera


async def test_on_v2_a_one_face_camera_keeps_its_crops_at_no_extra_call(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show
) -> None:
    camera = camera_subentry("camera.door", change_threshold=0, max_faces=1)
    entry = await setup_entry("v2", subentries=[camera], qps=50)
    client = entry.runtime_data.client
    before = dict(client.call_counts)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await door_camera(STRANGER)
    await scan(hass)
    await door_camera("probe/obama.jpg")
    await scan(hass)

    # One multi-identify call a frame, as identify would have been: no detect for the box. (The
    # stranger's registration as a visitor is the visitors' call, from the crop kept.)
    spent = {op: n - before.get(op, 0) for op, n in client.call_counts.items() if n != before.get(op, 0)}
    assert (spent.get("identify"), spent.get("detect")) == (2, None)
    (stranger,) = unknown
    (obama,) = recognized
    store = store_of(entry)
    for event, kind in ((stranger, UNKNOWN), (obama, RECOGNISED)):
        kept = store.get(event.data["face_id"])
        assert kept is not None
        assert kept.kind == kind
        assert kept.box == event.data["box"]
        assert kept.face_token is None  # V2 gives none: the crop is what gets enrolled
    # Of the crop the server finds the face again, and knows Obama.
    (face,) = await client.identify(await store.async_read(obama.data["face_id"]), [FAMILY])
    assert face.best is not None
    assert face.best.uid == "obama"
