"""Teaching from what the cameras saw: enroll a kept face, forget a wrong one, list a person's faces.

Given the local server's face set (everyone in sample_faces/enroll, group `family`) and a door camera
scanned on motion, when an action changes a person's faces, then the next frame of that face is
recognised (or not) accordingly.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.baidu_face.const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE
from custom_components.baidu_face.kept_faces import RECOGNISED
from custom_components.baidu_face.people import person_identifier
from sample_faces.frames import frame_with
from tests.faces import FACES, STRANGER

from .conftest import FAMILY, camera_subentry

Setup = Callable[..., Awaitable[MockConfigEntry]]
MOTION = "binary_sensor.door_motion"
# Alex Lacamoire has one enrolled face (enroll/alex_lacamoire_1.jpg); probe/alex_lacamoire.jpg is another photo.
ALEX = "alex_lacamoire"


async def act(hass: HomeAssistant, action: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(DOMAIN, action, data, blocking=True, return_response=True)


async def refused(hass: HomeAssistant, action: str, data: dict[str, Any]) -> ServiceValidationError:
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, action, data)
    return err.value


class Door:
    """camera.door, scanned when its motion sensor turns on; each look shows a photo and returns the announcement."""

    def __init__(self, hass: HomeAssistant, folder: Path) -> None:
        self.hass = hass
        self.folder = folder
        self.looks = 0
        self.recognized: list[Event] = async_capture_events(hass, EVENT_RECOGNIZED)
        self.unknown: list[Event] = async_capture_events(hass, EVENT_UNKNOWN_FACE)

    async def look(self, picture: str | bytes) -> Event:
        """Show a frame (or sample_faces/`picture`) at the door, move, and return what the scan announced."""
        self.looks += 1
        shown = self.folder / f"look_{self.looks}.img"
        if isinstance(picture, bytes):
            shown.write_bytes(picture)
        else:
            shutil.copy(FACES / picture, shown)
        await self.hass.services.async_call(
            "local_file", "update_file_path", {"entity_id": "camera.door", "file_path": str(shown)}, blocking=True
        )
        self.recognized.clear()
        self.unknown.clear()
        self.hass.states.async_set(MOTION, "off")
        self.hass.states.async_set(MOTION, "on")
        await self.hass.async_block_till_done()
        (announced,) = [*self.recognized, *self.unknown]
        return announced


@pytest.fixture
async def door(hass: HomeAssistant, tmp_path: Path, door_camera: Any) -> Door:
    return Door(hass, tmp_path)


async def setup_door(setup_entry: Setup, hass: HomeAssistant, api_version: str, **options: Any) -> MockConfigEntry:
    hass.states.async_set(MOTION, "off")
    # One frame a visit, no cool-down: each look is one fresh announcement.
    # Two faces a frame: V2 then gives each face its box (multi-identify), which a kept crop needs.
    camera = camera_subentry("camera.door", triggers=[MOTION], burst_frames=1, cooldown=0, max_faces=2)
    return await setup_entry(api_version, subentries=[camera], qps=50, **options)


def person(hass: HomeAssistant, entry: MockConfigEntry, uid: str) -> str:
    """Return the device id of a person of the entry (the device a services.yaml selector offers)."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, person_identifier(entry.entry_id, uid))},
        name=uid.replace("_", " ").title(),
        model="Person",
    )
    return device.id


def calls(entry: MockConfigEntry) -> dict[str, int]:
    return dict(entry.runtime_data.client.call_counts)


# The stranger (nobody enrolled), and another frame of him: the camera sends only frames that changed.
STRANGER_AGAIN = frame_with([(FACES / STRANGER, 1.0)])[0]


async def kept_stranger(door: Door) -> str:
    """Let the door see the stranger and return the id of the face it kept."""
    unknown = await door.look(STRANGER)
    assert unknown.event_type == EVENT_UNKNOWN_FACE
    face_id: str = unknown.data["face_id"]
    return face_id


@pytest.mark.parametrize(("api_version", "sent"), [("v3", "the face_token"), ("v2", "the crop")])
async def test_enrolling_a_kept_face_makes_the_next_frame_of_it_recognised(
    hass: HomeAssistant, setup_entry: Setup, door: Door, api_version: str, sent: str
) -> None:
    entry = await setup_door(setup_entry, hass, api_version)
    face_id = await kept_stranger(door)
    before = calls(entry)

    enrolled = await act(hass, "enroll_face", {"face_id": face_id, "uid": "lin", "user_info": "Lin-Manuel Miranda"})
    assert enrolled["uid"] == "lin"
    assert enrolled["groups"] == [FAMILY]
    assert enrolled["face_id"] == face_id
    # One faceset/user/add whichever was sent: V3 names the face Baidu already saw, V2 gets the crop.
    assert calls(entry)["register_user"] - before.get("register_user", 0) == 1, sent
    if api_version == "v3":
        assert enrolled["face_token"] == entry.runtime_data.faces.get(face_id).face_token

    recognised = await door.look(STRANGER_AGAIN)
    assert recognised.event_type == EVENT_RECOGNIZED
    assert recognised.data["uid"] == "lin"
    # The kept face left "unknown", and Lin has a person device now.
    kept = entry.runtime_data.faces.get(face_id)
    assert (kept.kind, kept.uid) == (RECOGNISED, "lin")
    assert entry.runtime_data.people.get("lin").name == "Lin-Manuel Miranda"
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, person_identifier(entry.entry_id, "lin")), entry.entry_id
    )
    assert device is not None
    assert device.name == "Lin-Manuel Miranda"


async def test_a_face_baidu_no_longer_knows_is_enrolled_from_its_crop(
    hass: HomeAssistant, setup_entry: Setup, door: Door, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, "v3")
    face_id = await kept_stranger(door)
    # The local server, like Baidu, forgets the faces it saw after a while (an hour).
    freezer.tick(timedelta(hours=1, minutes=1))
    before = calls(entry).get("register_user", 0)
    enrolled = await act(hass, "enroll_face", {"face_id": face_id, "uid": "lin"})
    # The token was refused (222209), then the crop was registered.
    assert calls(entry)["register_user"] - before == 2
    assert enrolled["face_token"] != entry.runtime_data.faces.get(face_id).face_token
    assert (await door.look(STRANGER_AGAIN)).data["uid"] == "lin"


async def test_enrolling_into_an_existing_person_keeps_their_name(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3")
    first = await kept_stranger(door)
    await act(hass, "enroll_face", {"face_id": first, "uid": "lin", "user_info": "Lin-Manuel Miranda"})
    # A recognised face is kept too, and may be enrolled as well (here: to the same person, from their device).
    second = (await door.look(STRANGER_AGAIN)).data["face_id"]
    lin = person(hass, entry, "lin")
    enrolled = await act(hass, "enroll_face", {"face_id": second, "person": lin})
    assert enrolled["uid"] == "lin"
    user = await act(hass, "get_user", {"uid": "lin"})
    assert user["memberships"] == [{"group_id": FAMILY, "user_info": "Lin-Manuel Miranda"}]
    assert len((await act(hass, "list_faces", {"person": lin}))["faces"]) == 2


async def test_a_face_is_picked_in_the_media_panel_and_names_its_entry(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3")
    face_id = await kept_stranger(door)
    await setup_entry("v3", subentries=[])  # a second entry: the face says which one keeps it
    picked = {
        "media_content_id": f"media-source://{DOMAIN}/{entry.entry_id}/unknown/{face_id}",
        "media_content_type": "image/jpeg",
    }
    assert (await act(hass, "enroll_face", {"face_id": picked, "uid": "lin"}))["face_id"] == face_id
    assert entry.runtime_data.faces.get(face_id).uid == "lin"


async def test_enroll_refusals_are_translated_and_cost_no_call(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3")
    face_id = await kept_stranger(door)
    before = calls(entry)
    missing = await refused(hass, "enroll_face", {"face_id": "NoSuchFace000000", "uid": "lin"})
    assert missing.translation_key == "face_not_kept"
    assert (missing.translation_placeholders or {})["face_id"] == "NoSuchFace000000"
    obama = person(hass, entry, "obama")
    both = await refused(hass, "enroll_face", {"face_id": face_id, "uid": "lin", "person": obama})
    assert both.translation_key == "one_person"
    assert (await refused(hass, "enroll_face", {"face_id": face_id})).translation_key == "no_person"
    assert calls(entry) == before
    # Baidu's own refusals come through the actions' one translation: here, a uid Baidu cannot take.
    bad_uid = await refused(hass, "enroll_face", {"face_id": face_id, "uid": "no spaces"})
    assert bad_uid.translation_key == "invalid_uid"


async def test_forgetting_a_persons_only_face_makes_the_next_frame_of_it_unknown(
    hass: HomeAssistant, setup_entry: Setup, door: Door
) -> None:
    entry = await setup_door(setup_entry, hass, "v3")
    assert (await door.look("probe/alex_lacamoire.jpg")).data["uid"] == ALEX
    alex = person(hass, entry, ALEX)

    listed = await act(hass, "list_faces", {"person": alex})
    assert listed["uid"] == ALEX
    assert listed["group_id"] == FAMILY  # the entry's one default group
    (face,) = listed["faces"]
    assert len(face["face_token"]) == 32
    assert face["created"]

    forgotten = await act(hass, "forget_face", {"person": alex, "face_token": face["face_token"]})
    assert forgotten == {
        "uid": ALEX,
        "group_id": FAMILY,
        "face_token": face["face_token"],
        "faces_left": 0,
        "log_id": forgotten["log_id"],
    }
    assert (await door.look("enroll/alex_lacamoire_1.jpg")).event_type == EVENT_UNKNOWN_FACE
    # With his last face Alex left the face set, and his device went with him.
    assert entry.runtime_data.people.get(ALEX) is None
    assert dr.async_get(hass).async_get(alex) is None


async def test_forgetting_one_of_two_faces_keeps_the_other(hass: HomeAssistant, setup_entry: Setup) -> None:
    await setup_entry("v3", subentries=[])
    first, second = (await act(hass, "list_faces", {"uid": "obama", "group_id": FAMILY}))["faces"]
    left = await act(hass, "forget_face", {"uid": "obama", "group_id": FAMILY, "face_token": first["face_token"]})
    assert left["faces_left"] == 1
    assert (await act(hass, "list_faces", {"uid": "obama"}))["faces"] == [second]


async def test_v2_cannot_list_or_forget_single_faces_and_says_what_to_do(
    hass: HomeAssistant, setup_entry: Setup
) -> None:
    entry = await setup_entry("v2", subentries=[])
    before = calls(entry)
    listing = await refused(hass, "list_faces", {"uid": "obama"})
    assert listing.translation_key == "list_faces_unsupported"
    assert listing.translation_placeholders == {"action": "list_faces", "version": "V2"}
    forgetting = await refused(hass, "forget_face", {"uid": "obama", "face_token": "0" * 32})
    assert forgetting.translation_key == "forget_face_unsupported"
    assert "delete_user" in str(forgetting)
    assert calls(entry) == before  # refused before any call


async def test_a_person_is_a_device_or_a_uid_exactly_one(hass: HomeAssistant, setup_entry: Setup) -> None:
    entry = await setup_entry("v3", subentries=[])
    obama = person(hass, entry, "obama")
    assert (await refused(hass, "list_faces", {"person": obama, "uid": "obama"})).translation_key == "one_person"
    nobody = await refused(hass, "list_faces", {})
    assert nobody.translation_key == "no_person"
    assert "not both" not in str(nobody)
    assert "device" in str(nobody)  # what to give
    assert "uid" in str(nobody)
    camera = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, identifiers={(DOMAIN, "x")})
    not_a_person = await refused(hass, "forget_face", {"person": camera.id, "face_token": "0" * 32})
    assert not_a_person.translation_key == "person_not_found"
    # A person's device names its entry: with two entries, none needs naming.
    await setup_entry("v3", subentries=[])
    with pytest.raises(ServiceValidationError):
        await act(hass, "list_faces", {"uid": "obama"})
    assert (await act(hass, "list_faces", {"person": obama}))["uid"] == "obama"


@pytest.mark.parametrize("groups", [[], [FAMILY], [FAMILY, "guests"]])
async def test_the_group_may_be_left_out_where_it_is_clear(
    hass: HomeAssistant, setup_entry: Setup, groups: list[str]
) -> None:
    await setup_entry("v3", subentries=[], groups=groups)
    # One default group, or the one group Obama is known to be in (no call to find out).
    assert (await act(hass, "list_faces", {"uid": "obama"}))["group_id"] == FAMILY
    stranger = await refused(hass, "list_faces", {"uid": "nobody_known"})
    assert stranger.translation_key == ("group_required" if groups != [FAMILY] else "user_not_found")
    await act(hass, "add_user_to_group", {"uid": "obama", "source_group_id": FAMILY, "groups": ["guests"]})
    if groups == [FAMILY]:
        assert (await act(hass, "list_faces", {"uid": "obama"}))["group_id"] == FAMILY
        return
    # Now in two groups: which one is for the caller to say.
    both = await refused(hass, "list_faces", {"uid": "obama"})
    assert both.translation_key == "group_required"
    assert (both.translation_placeholders or {})["groups"] == f"{FAMILY}, guests"
    assert len((await act(hass, "list_faces", {"uid": "obama", "group_id": "guests"}))["faces"]) == 2


async def test_forgetting_a_face_the_person_does_not_have_names_it(hass: HomeAssistant, setup_entry: Setup) -> None:
    await setup_entry("v3", subentries=[])
    token = "0123456789abcdef" * 2
    err = await refused(hass, "forget_face", {"uid": "obama", "face_token": token})
    assert err.translation_key == "face_not_found"
    assert (err.translation_placeholders or {})["value"] == token
