"""The shipped blueprints load in Home Assistant and do what they say on a real recognition."""

from __future__ import annotations

import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import Event, HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events, async_mock_service

from custom_components.baidu_face.const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNCERTAIN
from custom_components.baidu_face.kept_faces import RECOGNISED, UNKNOWN
from custom_components.baidu_face.people import person_identifier

from .conftest import camera_subentry

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints" / "automation" / DOMAIN
DOOR = "image_processing.door_recognised_person"


def install_blueprints(hass: HomeAssistant) -> None:
    target = Path(hass.config.path("blueprints", "automation", DOMAIN))
    target.mkdir(parents=True, exist_ok=True)
    for blueprint in BLUEPRINTS.glob("*.yaml"):
        shutil.copy(blueprint, target / blueprint.name)


async def use(hass: HomeAssistant, blueprint: str, **inputs: object) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {"automation": {"use_blueprint": {"path": f"{DOMAIN}/{blueprint}", "input": {"recognizer": DOOR, **inputs}}}},
    )
    await hass.async_block_till_done()


async def scan(hass: HomeAssistant) -> None:
    await hass.services.async_call("image_processing", "scan", {"entity_id": DOOR}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


async def notifications(hass: HomeAssistant) -> list[Event]:
    """Capture the persistent notifications the automation creates, as they are called."""
    assert await async_setup_component(hass, "persistent_notification", {})
    calls: list[Event] = async_capture_events(hass, EVENT_CALL_SERVICE)
    return calls


def created(calls: list[Event]) -> list[dict[str, str]]:
    return [c.data["service_data"] for c in calls if c.data["domain"] == "persistent_notification"]


async def test_known_person_blueprint_notifies(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
) -> None:
    install_blueprints(hass)
    await setup_entry()
    calls = await notifications(hass)
    await use(hass, "notify_known_person.yaml", people=["obama"], cooldown=0)
    await scan(hass)
    (notice,) = created(calls)
    assert notice["title"] == "Obama is here"
    assert "camera.door" in notice["message"]

    # Someone not on the list is recognised, but is no reason to notify.
    await door_camera("probe/kit_harington.jpg")
    await scan(hass)
    assert len(created(calls)) == 1


PHONE = "Pixel 9"


def person_device_id(hass: HomeAssistant, entry: MockConfigEntry, uid: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, person_identifier(entry.entry_id, uid)), entry.entry_id
    )
    assert device is not None, uid
    return device.id


@pytest.fixture
def phone(hass: HomeAssistant) -> tuple[str, list[ServiceCall]]:
    """Give a phone with the Companion app: its device, and what its notify action was asked to show.

    The app itself cannot run here: its notify action (notify.mobile_app_<device name>) records the calls.
    """
    app = MockConfigEntry(domain="mobile_app", title=PHONE)
    app.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=app.entry_id, identifiers={("mobile_app", "pixel-9")}, name=PHONE
    )
    return device.id, async_mock_service(hass, "notify", "mobile_app_pixel_9")


async def tap(hass: HomeAssistant, button: dict[str, str], reply_text: str | None = None) -> None:
    """Tap a notification's button, as the Companion app reports it."""
    data = {"action": button["action"]} | ({"reply_text": reply_text} if reply_text is not None else {})
    hass.bus.async_fire("mobile_app_notification_action", data)
    await hass.async_block_till_done(wait_background_tasks=True)


async def act(hass: HomeAssistant, action: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(DOMAIN, action, data, blocking=True, return_response=True)


async def stranger_at_the_door(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
    api_version: str = "auto",
    people: tuple[str, ...] = (),
    **inputs: object,
) -> MockConfigEntry:
    """Set up the entry and the unknown-face blueprint offering `people` (uids), then let the door see a stranger."""
    install_blueprints(hass)
    entry = await setup_entry(api_version)
    offered = [person_device_id(hass, entry, uid) for uid in people]
    await use(hass, "notify_unknown_face.yaml", cooldown=0, people=offered, **inputs)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass)
    return entry


async def test_unknown_face_without_a_phone_says_which_face_to_enrol(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
) -> None:
    calls = await notifications(hass)
    entry = await stranger_at_the_door(hass, setup_entry, door_camera)
    (notice,) = created(calls)
    assert notice["title"] == "Unknown face at Door"
    message = notice["message"]
    assert re.match(r"A new visitor: Visitor 1\. Best match score \d+(\.\d+)?\. See it under Media", message), message
    (face,) = entry.runtime_data.faces.faces(UNKNOWN)
    assert f"face_id `{face.id}`" in notice["message"]


async def test_unknown_face_on_a_phone_with_a_button_per_person_enrols_the_one_tapped(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device, sent = phone
    entry = await stranger_at_the_door(
        hass, setup_entry, door_camera, "v3", ("kit_harington", "rose_leslie"), notify_device=device
    )
    kit, rose = (person_device_id(hass, entry, uid) for uid in ("kit_harington", "rose_leslie"))
    (notification,) = sent
    (face,) = entry.runtime_data.faces.faces(UNKNOWN)
    assert notification.data["title"] == "Unknown face at Door"
    assert notification.data["message"].endswith("Who is it?")
    assert notification.data["data"]["image"] == f"/api/baidu_face/{entry.entry_id}/faces/{face.id}.jpg"
    buttons = notification.data["data"]["actions"]
    names = [dr.async_get(hass).async_get(person).name for person in (kit, rose)]  # type: ignore[union-attr]
    assert [b["title"] for b in buttons] == [*names, "Someone new…", "Ignore"]
    assert buttons[2]["behavior"] == "textInput"

    # A button of another automation is none of this one's business.
    await tap(hass, {"action": buttons[0]["action"].replace("automation.", "automation.other_")})
    assert len(sent) == 1
    faces_before = await act(hass, "list_faces", {"uid": "kit_harington"})

    await tap(hass, buttons[0])
    assert sent[-1].data["message"] == f"Enrolled as {names[0]}."
    assert sent[-1].data["data"]["tag"] == notification.data["data"]["tag"]  # replaces the question
    faces_after = await act(hass, "list_faces", {"uid": "kit_harington"})
    assert len(faces_after["faces"]) == len(faces_before["faces"]) + 1
    assert entry.runtime_data.faces.get(face.id).uid == "kit_harington"


async def test_someone_new_is_enrolled_under_the_name_typed_and_recognised_next_time(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device, sent = phone
    # V2: no face tokens, the kept crop is enrolled.
    await stranger_at_the_door(hass, setup_entry, door_camera, "v2", notify_device=device)
    (notification,) = sent
    new, _ = notification.data["data"]["actions"]
    await tap(hass, new, reply_text="  ")  # nothing typed: nothing enrolled
    assert len(sent) == 1
    await tap(hass, new, reply_text="Lin-Manuel Miranda")
    assert sent[-1].data["message"] == "Enrolled as Lin-Manuel Miranda."
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await door_camera("probe/obama.jpg")
    await scan(hass)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass)
    assert [e.data["uid"] for e in recognized] == ["obama", "lin_manuel_miranda"]
    assert recognized[1].data["user_info"] == "Lin-Manuel Miranda"


async def test_a_face_that_can_no_longer_be_enrolled_is_said_so(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device, sent = phone
    await stranger_at_the_door(hass, setup_entry, door_camera, "v3", notify_device=device)
    new, _ = sent[0].data["data"]["actions"]
    await tap(hass, {"action": new["action"].rsplit("|", 2)[0] + "|NoSuchFace000000|NEW"}, reply_text="Lin")
    assert sent[-1].data["message"] == "Could not enroll the face: see the automation's trace."


async def test_a_returning_visitor_is_said_so_and_ignore_stops_the_notifications(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device, sent = phone
    entry = await stranger_at_the_door(hass, setup_entry, door_camera, "v3", notify_device=device)
    assert sent[0].data["message"].startswith("A new visitor: Visitor 1. Best match score")
    await door_camera("probe/obama.jpg")
    await scan(hass)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass)
    returning = sent[-1].data
    first_seen = entry.runtime_data.visitors.get(1).first_seen
    since = dt_util.as_local(first_seen).strftime("%A %H:%M")
    assert returning["message"].startswith(f"A returning visitor: Visitor 1, 2nd visit since {since}. Best match"), (
        returning["message"]
    )
    _, ignore = returning["data"]["actions"]
    assert ignore["title"] == "Ignore"
    await tap(hass, ignore)
    assert sent[-1].data["message"] == "No more notifications about Visitor 1."
    told = len(sent)
    await door_camera("probe/obama.jpg")
    await scan(hass)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass)
    assert len(sent) == told  # ignored: no event, no notification
    assert entry.runtime_data.visitors.get(1).visits == 3  # still counted


async def test_arrival_is_announced_once_with_the_camera(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
) -> None:
    install_blueprints(hass)
    await setup_entry("v3")
    calls = await notifications(hass)
    people = ["binary_sensor.obama_seen_recently"]
    assert await async_setup_component(
        hass,
        "automation",
        {"automation": {"use_blueprint": {"path": f"{DOMAIN}/announce_arrival.yaml", "input": {"people": people}}}},
    )
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.obama_seen_recently").state == "off"  # type: ignore[union-attr]

    await scan(hass)  # the door shows Obama
    (notice,) = created(calls)
    assert notice == {"title": "Obama is here", "message": "Obama has arrived at Door."}
    # Seen again while still "seen recently": no second announcement.
    await door_camera("probe/obama_1080p.jpg")
    await scan(hass)
    # Someone else is not on the list.
    await door_camera("probe/kit_harington.jpg")
    await scan(hass)
    assert hass.states.get("binary_sensor.kit_harington_seen_recently").state == "on"  # type: ignore[union-attr]
    assert len(created(calls)) == 1


LOCK = "lock.front_door"


async def unlock_door(
    hass: HomeAssistant, setup_entry: Callable[..., Awaitable[MockConfigEntry]], **inputs: object
) -> tuple[list[ServiceCall], list[Event]]:
    """Set up the entry and the unlock blueprint; return the lock's unlock calls and the notifications' calls."""
    install_blueprints(hass)
    await setup_entry()
    unlocks = async_mock_service(hass, "lock", "unlock")
    calls = await notifications(hass)
    await use(hass, "unlock_door.yaml", door=LOCK, **({"groups": ["family"]} | inputs))
    return unlocks, calls


async def test_unlock_blueprint_keeps_the_door_locked_when_liveness_was_not_checked(
    hass: HomeAssistant, setup_entry: Callable[..., Awaitable[MockConfigEntry]]
) -> None:
    # The local server never judges liveness: Obama is recognized, the door stays locked, and the notice says why.
    unlocks, calls = await unlock_door(hass, setup_entry, frames=1)
    await scan(hass)
    assert unlocks == []
    (notice,) = created(calls)
    assert notice["message"] == "Obama at camera.door: liveness was not checked."


async def test_unlock_blueprint_opens_for_a_confirmed_member_of_the_groups_only(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
) -> None:
    unlocks, calls = await unlock_door(hass, setup_entry, frames=1, require_liveness=False)
    await scan(hass)
    (unlock,) = unlocks
    assert unlock.data["entity_id"] == [LOCK]
    assert created(calls) == []


@pytest.mark.parametrize(
    ("inputs", "why"),
    [
        ({"frames": 2}, "confirmed by 1 frame(s), 2 needed"),  # the camera confirms with one frame only
        ({"groups": ["door"], "frames": 1}, "not in door"),
    ],
)
async def test_unlock_blueprint_says_why_the_door_stayed_locked(
    hass: HomeAssistant, setup_entry: Callable[..., Awaitable[MockConfigEntry]], inputs: dict[str, Any], why: str
) -> None:
    unlocks, calls = await unlock_door(hass, setup_entry, require_liveness=False, **inputs)
    await scan(hass)
    assert unlocks == []
    (notice,) = created(calls)
    assert notice["message"] == f"Obama at camera.door: {why}."


def decided(frames_naming: int, checked: bool, passed: bool | None, reason: str | None = None) -> dict[str, Any]:
    """Return the decision fields the blueprint reads, as Baidu's cloud makes them (nothing here checks liveness)."""
    return {
        "reason": reason,
        "frames_naming": frames_naming,
        "liveness": {"level": "normal", "checked": checked, "passed": passed},
    }


@pytest.mark.parametrize(
    ("event_type", "decision", "why"),
    [
        (EVENT_RECOGNIZED, decided(2, checked=True, passed=True), None),
        (EVENT_RECOGNIZED, decided(2, checked=True, passed=False), "liveness check failed"),
        (EVENT_RECOGNIZED, decided(1, checked=True, passed=True), "confirmed by 1 frame(s), 2 needed"),
        (EVENT_UNCERTAIN, decided(0, checked=False, passed=None, reason="disagree"), "uncertain (disagree)"),
    ],
)
async def test_unlock_blueprint_on_decisions_made_by_baidus_cloud(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    event_type: str,
    decision: dict[str, Any],
    why: str | None,
) -> None:
    unlocks, calls = await unlock_door(hass, setup_entry)
    data = {"entity_id": DOOR, "camera_entity_id": "camera.door", "uid": "obama", "user_info": "Obama"}
    hass.bus.async_fire(event_type, data | {"group_id": "family", "score": 95.0, "decision": decision})
    await hass.async_block_till_done(wait_background_tasks=True)
    if why is None:
        assert len(unlocks) == 1
        assert created(calls) == []
    else:
        assert unlocks == []
        assert [notice["message"] for notice in created(calls)] == [f"Obama at camera.door: {why}."]


async def test_not_this_person_on_a_wrong_match_makes_the_same_face_not_him_next_time(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device, sent = phone
    install_blueprints(hass)
    # No cool-down: each scan of Obama is announced.
    entry = await setup_entry("v3", subentries=[camera_subentry("camera.door", cooldown=0)])
    # The wrong match, made on purpose: the stranger's photo registered as Obama.
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await act(hass, "register_user", {"uid": "obama", "camera_entity_id": "camera.door", "quality": "none"})
    await use(hass, "notify_known_person.yaml", cooldown=0, notify_device=device, actions=[])
    await scan(hass)
    (wrong,) = sent
    assert wrong.data["title"] == "obama is here"
    (face,) = entry.runtime_data.faces.faces(RECOGNISED)
    assert wrong.data["data"]["image"] == f"/api/baidu_face/{entry.entry_id}/faces/{face.id}.jpg"
    (button,) = wrong.data["data"]["actions"]
    assert button["title"] == "Not obama"

    # Another automation's button is none of this one's business.
    await tap(hass, {"action": button["action"].replace("automation.", "automation.other_")})
    assert len(sent) == 1
    await tap(hass, button)
    assert sent[-1].data["message"] == "Noted: that was not obama. Remembered as Visitor 1."
    assert sent[-1].data["data"]["tag"] == wrong.data["data"]["tag"]  # replaces the notification

    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await door_camera("probe/obama.jpg")
    await scan(hass)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass)
    # Obama is still Obama; the same photo that was him is not.
    assert [e.data["uid"] for e in recognized] == ["obama"]
    assert [n.data["title"] for n in sent[2:]] == ["obama is here"]
