"""Given a door camera that must be sure, when faces come, then only confirmed people are announced, and why.

Frames to confirm, ties, liveness and quality (decisions.py), through the real
client and the local server in a real Home Assistant.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import EVENT_LOGBOOK_ENTRY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from PIL import Image
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from baidu_face_server.server import shared_engine
from custom_components.baidu_face.api import BaiduFaceClient, ControlLevel
from custom_components.baidu_face.const import (
    CONF_BURST_FRAMES,
    CONF_DOOR_PRESET,
    CONF_FRAMES_TO_CONFIRM,
    CONF_LIVENESS,
    CONF_QUALITY,
    EVENT_RECOGNIZED,
    EVENT_UNCERTAIN,
    EVENT_UNKNOWN_FACE,
    SUBENTRY_CAMERA,
    TIE_MARGIN,
)
from custom_components.baidu_face.decisions import REASON_TIE, Decisions, Rule
from custom_components.baidu_face.seen import SeenFace
from custom_components.baidu_face.visits import UNCERTAIN, UNKNOWN, Visit
from sample_faces.frames import frame_with, with_noise
from scripts.benchmark_quality import HEAVILY_BLURRED, blurred
from tests.faces import FACES, STRANGER, photo

from .conftest import FAMILY, camera_subentry, state
from .test_recognition import IDENTIFY, MOTION, PROBLEM, Setup, identify_calls, motion, scanner_of, tick

EVENT = "event.door_face"
Show = Callable[[bytes], Awaitable[None]]


async def setup_door(
    setup_entry: Setup, hass: HomeAssistant, api_version: str = "v3", **settings: Any
) -> MockConfigEntry:
    hass.states.async_set(MOTION, "off")
    settings = {"burst_frames": 5, "burst_interval": 1.0, "max_faces": 1} | settings
    camera = camera_subentry("camera.door", triggers=[MOTION], **settings)
    return await setup_entry(api_version=api_version, subentries=[camera], qps=50)


def heavily_blurred(name: str) -> bytes:
    """Blur a sample photo as the quality benchmark does (a Gaussian of the face's width over 30)."""
    with Image.open(io.BytesIO(photo(name))) as opened:
        picture = opened.convert("RGB")
    (face,) = shared_engine().analyze(np.asarray(picture), b"", 1)
    out = io.BytesIO()
    blurred(HEAVILY_BLURRED)(picture, face).save(out, "JPEG", quality=92)
    return out.getvalue()


async def test_two_frames_to_confirm_announce_only_after_the_second_names_the_person(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory, api_version: str
) -> None:
    entry = await setup_door(setup_entry, hass, api_version, frames_to_confirm=2)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await show(photo("probe/obama.jpg"))

    await motion(hass)  # frame 1 names Obama: not yet
    assert identify_calls(entry) == 1
    assert not recognized
    # The confirming frame follows within a fraction of a second: the camera's next picture, only its
    # sensor noise changed (the change gate would keep it back, were it not confirming).
    await show(with_noise(photo("probe/obama.jpg"), 4))
    await tick(hass, freezer, 0.3)
    assert identify_calls(entry) == 2
    (event,) = recognized
    assert event.data["uid"] == "obama"
    assert event.data["frames_scanned"] == 2
    decision = event.data["decision"]
    assert decision["outcome"] == "recognized"
    assert decision["frames_naming"] == 2
    assert [frame["result"] for frame in decision["frames"]] == ["named", "named"]
    assert all(frame["score"] >= 80 for frame in decision["frames"])
    rule = {"frames_to_confirm": 2, "frames_to_confirm_unknown": 2, "threshold": 80.0, "tie_margin": TIE_MARGIN}
    assert decision["rule"] == rule
    assert decision["liveness"] == {
        "level": "none",
        "checked": False,
        "frames_checked": 0,
        "frames_failed": 0,
        "passed": None,
    }
    assert decision["quality"]["checked"] is False
    assert decision["backend"] == {"server": "local", "api_version": api_version}
    # The visit is over: nothing more is sent.
    await tick(hass, freezer, 5)
    assert identify_calls(entry) == 2
    # The camera's event entity shows it too.
    face_event = state(hass, EVENT)
    assert face_event.attributes["event_type"] == "recognized"
    assert face_event.attributes["decision"] == decision


async def test_one_frame_to_confirm_is_todays_behaviour(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    await tick(hass, freezer, 5)
    assert identify_calls(entry) == 1
    (event,) = recognized
    assert event.data["decision"]["rule"]["frames_to_confirm"] == 1


async def test_a_lone_face_named_as_two_people_is_uncertain(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory
) -> None:
    await setup_door(setup_entry, hass, frames_to_confirm=2)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    uncertain = async_capture_events(hass, EVENT_UNCERTAIN)
    activity = async_capture_events(hass, EVENT_LOGBOOK_ENTRY)
    await show(photo("probe/obama.jpg"))
    await motion(hass)  # Obama
    await show(photo("enroll/biden_1.jpg"))
    await tick(hass, freezer, 0.3)  # then Biden, for the same lone face
    await tick(hass, freezer, 5)

    assert not recognized
    assert not unknown
    (event,) = uncertain
    assert event.data["reason"] == "disagree"
    assert sorted(c["uid"] for c in event.data["candidates"]) == ["biden", "obama"]
    assert all(c["frames"] == 1 for c in event.data["candidates"])
    assert event.data["decision"]["outcome"] == UNCERTAIN
    assert state(hass, IDENTIFY).state == "uncertain"  # nobody named, and not a stranger either
    assert state(hass, "binary_sensor.obama_seen_recently").state == "off"
    face_event = state(hass, EVENT)
    assert face_event.attributes["event_type"] == "uncertain"
    assert face_event.attributes["reason"] == "disagree"
    (line,) = activity
    assert line.data["name"] == "Uncertain face"
    assert line.data["message"] == "could not tell who it was (frames named different people): Obama / Biden"


async def test_a_person_named_in_fewer_frames_than_needed_is_not_confirmed(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, frames_to_confirm=2, burst_frames=2)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    uncertain = async_capture_events(hass, EVENT_UNCERTAIN)
    await show(photo("probe/obama.jpg"))
    await motion(hass)  # Obama
    await show(photo("probe/stranger_lin_manuel_miranda.png"))
    await tick(hass, freezer, 0.3)  # the confirming frame: a stranger (he turned away)
    await tick(hass, freezer, 5)
    assert identify_calls(entry) == 2
    assert not recognized
    (event,) = uncertain
    assert event.data["reason"] == "not_confirmed"
    assert [c["uid"] for c in event.data["candidates"]] == ["obama"]
    assert [frame["result"] for frame in event.data["decision"]["frames"]] == ["named", "nobody"]


async def test_a_person_named_in_the_last_frame_gets_the_frame_that_confirms_them(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, frames_to_confirm=2, burst_frames=2, change_threshold=0.0)
    (subentry_id,) = entry.subentries
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    said = int((result["description_placeholders"] or {})["visit_calls"])
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await show(photo("probe/stranger_lin_manuel_miranda.png"))
    before = sum(entry.runtime_data.usage.calls("day").values())
    await motion(hass)  # a stranger
    await show(photo("probe/obama.jpg"))
    await tick(hass, freezer, 1)  # the burst's last frame: Obama
    await show(with_noise(photo("probe/obama.jpg"), 4))
    await tick(hass, freezer, 0.3)  # one more, to confirm him
    await tick(hass, freezer, 5)
    assert [e.data["uid"] for e in recognized] == ["obama"]
    # The worst case the form states: the burst, and one frame more.
    assert sum(entry.runtime_data.usage.calls("day").values()) - before == said == 3


async def obama_twice(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Enrol Obama's photos a second time, as someone else: every face of his is then a tie."""
    client: BaiduFaceClient = entry.runtime_data.client
    for name in ("enroll/obama_1.jpg", "enroll/obama_2.jpg"):
        await client.register_user("obama_twin", photo(name), [FAMILY], user_info="Obama Twin")


async def test_a_tie_names_nobody_and_the_visit_is_uncertain(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass)
    await obama_twice(hass, entry)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    uncertain = async_capture_events(hass, EVENT_UNCERTAIN)
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    for _ in range(5):
        await tick(hass, freezer, 1)
    assert not recognized
    assert not unknown
    (event,) = uncertain
    assert event.data["reason"] == REASON_TIE
    candidates = {c["uid"]: c["score"] for c in event.data["candidates"]}
    assert set(candidates) == {"obama", "obama_twin"}
    assert abs(candidates["obama"] - candidates["obama_twin"]) < TIE_MARGIN
    # The same picture after: kept back by the change gate (a tie confirms nothing).
    assert [frame["result"] for frame in event.data["decision"]["frames"]] == ["tie", *["skipped"] * 4]


async def test_the_tie_rule_on_the_real_clients_answers(hass: HomeAssistant, setup_entry: Setup) -> None:
    """The margin itself, on real answers: a rival just within it ties, one just outside it does not."""
    entry = await setup_door(setup_entry, hass)
    client: BaiduFaceClient = entry.runtime_data.client
    (face,) = await client.identify(photo("probe/obama.jpg"), [FAMILY], top=2)
    best, rival = face.candidates
    assert (best.uid, best.score - rival.score > TIE_MARGIN) == ("obama", True)
    assert SeenFace.identified(face, 80.0, TIE_MARGIN).uid == "obama"
    close = replace(face, candidates=(best, replace(rival, score=best.score - TIE_MARGIN / 2)))
    tied = SeenFace.identified(close, 80.0, TIE_MARGIN)
    assert tied.uid is None
    assert [c.uid for c in tied.tie] == ["obama", rival.uid]
    apart = replace(face, candidates=(best, replace(rival, score=best.score - TIE_MARGIN)))
    assert SeenFace.identified(apart, 80.0, TIE_MARGIN).uid == "obama"
    # A visitor just within the margin (a face the user said is not Obama) makes the face that visitor,
    # as when the visitor comes first: no tie, and not Obama.
    visitor = replace(rival, uid="visitor_3", group_id="visitors", score=best.score - TIE_MARGIN / 2)
    seen = SeenFace.identified(replace(face, candidates=(best, visitor)), 80.0, TIE_MARGIN, "visitors")
    assert (seen.uid, seen.tie, seen.visitor, seen.score) == (None, (), "visitor_3", visitor.score)
    # A tie below the threshold is a stranger, not a tie.
    low = replace(face, candidates=(replace(best, score=60.0), replace(rival, score=59.5)))
    assert SeenFace.identified(low, 80.0, TIE_MARGIN).tie == ()
    # And a visit of the tied frame is uncertain, not a stranger.
    visit = Visit(1)
    visit.add(b"frame", {}, [tied])
    verdict = Rule(1, 80.0).conclude(visit)
    assert (verdict.outcome, verdict.reason) == (UNCERTAIN, REASON_TIE)
    stranger = Visit(1)
    stranger.add(b"frame", {}, [SeenFace.identified(low, 80.0, TIE_MARGIN)])
    assert Rule(1, 80.0).conclude(stranger).outcome == UNKNOWN


async def test_liveness_on_the_local_server_is_a_scan_problem_never_a_pass(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory, api_version: str
) -> None:
    await setup_door(setup_entry, hass, api_version, liveness="normal")
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    uncertain = async_capture_events(hass, EVENT_UNCERTAIN)
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    await tick(hass, freezer, 5)
    problem = state(hass, PROBLEM)
    assert problem.state == "on"
    assert problem.attributes["reason"] == "liveness_unavailable"
    assert not recognized
    assert not uncertain
    assert state(hass, IDENTIFY).state == "unknown"


async def test_a_blurred_frame_under_quality_normal_is_refused_not_a_stranger(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory, api_version: str
) -> None:
    entry = await setup_door(setup_entry, hass, api_version, quality="normal", burst_frames=2)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await show(heavily_blurred("probe/obama.jpg"))
    await motion(hass)  # refused: too blurred
    await show(photo("probe/obama.jpg"))
    await tick(hass, freezer, 1)  # sharp: Obama
    assert not unknown
    (event,) = recognized
    decision = event.data["decision"]
    assert decision["frames_refused"] == 1
    assert decision["frames"][0] == {"result": "refused", "score": None, "check": "blur"}
    assert decision["quality"] == {
        "level": "normal",
        "checked": True,
        "frames_checked": 2,
        "frames_failed": 1,
        "passed": False,
    }
    assert state(hass, PROBLEM).state == "off"
    # Only blurred frames: no stranger, no announcement at all, and no problem.
    await show(heavily_blurred("enroll/biden_1.jpg"))
    await tick(hass, freezer, 60)
    await motion(hass)
    await tick(hass, freezer, 1)
    await tick(hass, freezer, 1)
    assert not unknown
    assert len(recognized) == 1
    last = scanner_of(entry).last_visit
    assert last is not None
    assert last.frames_refused == 1
    assert state(hass, PROBLEM).state == "off"


async def test_the_decisions_are_in_the_diagnostics_without_names_or_pictures(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: Setup,
    show: Show,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_door(setup_entry, hass, frames_to_confirm=2)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    await show(photo("probe/obama.jpg"))
    await motion(hass)
    await show(with_noise(photo("probe/obama.jpg"), 4))
    await tick(hass, freezer, 0.3)
    (event,) = recognized
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    (decision,) = diagnostics["cameras"][0]["scanner"]["decisions"]
    assert decision == {"event_type": EVENT_RECOGNIZED} | event.data["decision"]
    text = json.dumps(diagnostics["cameras"][0]["scanner"])
    assert "obama" not in text.lower()
    assert "face_token" not in text


async def test_the_door_preset_fills_its_values_and_liveness_needs_the_cloud(
    hass: HomeAssistant, setup_entry: Setup
) -> None:
    entry = await setup_entry(subentries=[])
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    # The form says where liveness is judged, and where this entry scans.
    assert (result["description_placeholders"] or {})["endpoint"].startswith("127.0.0.1:")
    camera = {
        "camera_entity_id": "camera.door",
        "mode": "identify",
        "groups": [FAMILY],
        "threshold": 80,
        "max_faces": 1,
        "scan_interval": 0,
        CONF_BURST_FRAMES: 3,
        "burst_interval": 1,
        "change_threshold": 1,
        "cooldown": 60,
    }
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], camera | {CONF_FRAMES_TO_CONFIRM: 4}
    )
    assert result["errors"] == {CONF_FRAMES_TO_CONFIRM: "confirm_exceeds_burst"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], camera | {CONF_DOOR_PRESET: True})
    # On a local server the preset's liveness cannot be had: the form says so, showing what the preset chose.
    assert result["errors"] == {CONF_LIVENESS: "liveness_needs_cloud"}
    schema = result["data_schema"]
    assert schema is not None
    suggested = {
        key.schema: key.description.get("suggested_value")
        for key in schema.schema
        if key.description and key.schema in (CONF_FRAMES_TO_CONFIRM, CONF_LIVENESS, CONF_QUALITY, CONF_DOOR_PRESET)
    }
    assert suggested == {CONF_FRAMES_TO_CONFIRM: 2, CONF_LIVENESS: "normal", CONF_QUALITY: "normal"}
    assert (result["description_placeholders"] or {})["frames_to_confirm"] == "2"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], camera | {CONF_FRAMES_TO_CONFIRM: 2, CONF_LIVENESS: "none", CONF_QUALITY: "normal"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = entry.subentries.values()
    assert subentry.data[CONF_FRAMES_TO_CONFIRM] == 2
    assert subentry.data[CONF_QUALITY] == "normal"
    assert subentry.data[CONF_LIVENESS] == "none"
    assert CONF_DOOR_PRESET not in subentry.data
    await hass.async_block_till_done()
    rule = scanner_of(entry).rule
    assert (rule.frames_to_confirm, rule.liveness, rule.quality) == (2, "none", "normal")


async def test_the_same_picture_twice_confirms_nothing(hass: HomeAssistant, setup_entry: Setup, show: Show) -> None:
    """A still picture (here: the scan action on an unchanging file) is one frame, however often it is read."""
    entry = await setup_door(setup_entry, hass, frames_to_confirm=2)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    uncertain = async_capture_events(hass, EVENT_UNCERTAIN)
    await show(photo("probe/obama.jpg"))
    await hass.services.async_call("image_processing", "scan", {"entity_id": IDENTIFY}, blocking=True)
    await hass.async_block_till_done()
    assert identify_calls(entry) == 1
    assert not recognized
    (event,) = uncertain
    assert event.data["reason"] == "not_confirmed"
    assert [frame["result"] for frame in event.data["decision"]["frames"]] == ["named", "skipped"]
    # Nobody there: one frame, as before.
    await show(photo("probe/stranger_lin_manuel_miranda.png"))
    await hass.services.async_call("image_processing", "scan", {"entity_id": IDENTIFY}, blocking=True)
    assert identify_calls(entry) == 2


async def test_a_face_that_fails_liveness_is_no_recognition(hass: HomeAssistant, setup_entry: Setup) -> None:
    """A photo held up: named by its likeness in one frame, refused by liveness (Baidu's 223120) in the next.

    The local server cannot judge liveness, so the visit is built from a real answer, and the
    refused frame counted as the scanner counts a BaiduFaceLivenessError.
    """
    entry = await setup_door(setup_entry, hass)
    client: BaiduFaceClient = entry.runtime_data.client
    (face,) = await client.identify(photo("probe/obama.jpg"), [FAMILY], top=2)
    visit = Visit(2)
    visit.add(b"frame", {"obama": SeenFace.identified(face, 80.0, TIE_MARGIN)}, [])
    visit.fail_liveness()
    rule = Rule(1, 80.0, liveness=ControlLevel.NORMAL)
    assert rule.settled(visit)
    verdict = rule.conclude(visit)
    assert (verdict.outcome, verdict.reason) == (UNCERTAIN, "liveness_failed")
    assert visit.known == {}
    decision = Decisions(rule, client).record(visit, EVENT_UNCERTAIN)
    assert decision["liveness"] == {
        "level": "normal",
        "checked": True,
        "frames_checked": 2,
        "frames_failed": 1,
        "passed": False,
    }
    assert decision["frames_liveness_failed"] == 1


STRANGER_PHOTO = "probe/stranger_lin_manuel_miranda.png"


def closer(scale: float) -> bytes:
    """Return a frame of the stranger at another size: he moved, the change gate lets it through."""
    return frame_with([(FACES / STRANGER, scale)])[0]


@pytest.mark.parametrize("still", [True, False], ids=["standing still", "moving"])
async def test_a_stranger_is_announced_once_two_frames_name_nobody_not_at_the_end_of_the_burst(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory, still: bool
) -> None:
    entry = await setup_door(setup_entry, hass)  # a burst of 5 frames 1 s apart
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await show(photo(STRANGER_PHOTO))
    await motion(hass)  # frame 1 names nobody: one frame is not enough
    assert identify_calls(entry) == 1
    assert not unknown
    if not still:
        await show(closer(1.0))  # he steps closer: the frame is sent
    await tick(hass, freezer, 1)  # frame 2 agrees: a stranger, 1 s after the trigger, not 4 s
    (event,) = unknown
    # Standing still, the second frame is kept back by the change gate: the same scene, the same answer.
    assert identify_calls(entry) == (1 if still else 2)
    decision = event.data["decision"]
    assert decision["outcome"] == UNKNOWN
    assert [frame["result"] for frame in decision["frames"]] == ["nobody", "skipped" if still else "nobody"]
    # The visit is over: the rest of the burst is not scanned, and no second stranger is announced.
    await show(closer(0.8))
    for _ in range(5):
        await tick(hass, freezer, 1)
    assert identify_calls(entry) == (1 if still else 2)
    assert len(unknown) == 1
    assert state(hass, IDENTIFY).state == "stranger"


async def test_a_stranger_needs_as_many_frames_as_a_person_when_more_must_confirm(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_door(setup_entry, hass, frames_to_confirm=3)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await show(photo(STRANGER_PHOTO))
    await motion(hass)
    await show(closer(1.0))
    await tick(hass, freezer, 1)
    assert not unknown  # two frames of three
    await show(closer(0.8))
    await tick(hass, freezer, 1)
    (event,) = unknown
    assert event.data["frames_scanned"] == 3
    await tick(hass, freezer, 5)
    assert identify_calls(entry) == 3


@pytest.mark.parametrize("frames_to_confirm", [1, 2])
async def test_a_person_turning_to_the_camera_in_the_second_frame_is_named_not_announced_as_a_stranger(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory, frames_to_confirm: int
) -> None:
    # Obama's first frame names nobody (here: another face, as a face turned away scores), the next names him.
    entry = await setup_door(setup_entry, hass, frames_to_confirm=frames_to_confirm)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await show(photo(STRANGER_PHOTO))
    await motion(hass)
    assert not unknown
    await show(photo("probe/obama.jpg"))
    await tick(hass, freezer, 1)  # he turns to the camera
    if frames_to_confirm == 2:
        await show(with_noise(photo("probe/obama.jpg"), 4))
        await tick(hass, freezer, 0.3)
    (event,) = recognized
    assert event.data["uid"] == "obama"
    await tick(hass, freezer, 5)
    assert not unknown
    assert identify_calls(entry) == 1 + frames_to_confirm
    assert [frame["result"] for frame in event.data["decision"]["frames"]] == ["nobody"] + ["named"] * frames_to_confirm


async def test_a_frame_without_a_face_does_not_agree_with_a_stranger(
    hass: HomeAssistant, setup_entry: Setup, show: Show, freezer: FrozenDateTimeFactory
) -> None:
    # The stranger steps out, the doorway stays empty (kept back by the change gate), then Obama steps in.
    entry = await setup_door(setup_entry, hass)
    recognized = async_capture_events(hass, EVENT_RECOGNIZED)
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    empty, _ = frame_with([])
    await show(photo(STRANGER_PHOTO))
    await motion(hass)
    await show(empty)
    await tick(hass, freezer, 1)  # no face
    await tick(hass, freezer, 1)  # the same empty doorway: kept back, it agrees with no face
    assert not unknown
    await show(photo("probe/obama.jpg"))
    await tick(hass, freezer, 1)
    (event,) = recognized
    assert event.data["uid"] == "obama"
    await tick(hass, freezer, 5)
    assert not unknown
    assert identify_calls(entry) == 3
