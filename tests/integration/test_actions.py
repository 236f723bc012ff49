"""Every action, in both API versions: what it returns, and how it refuses."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.api import (
    BaiduFaceLivenessError,
    BaiduFaceLivenessUnavailableError,
    BaiduFaceQualityError,
    BaiduFaceQualityUnavailableError,
    Candidate,
    FaceBox,
    Faces,
    IdentifiedFace,
    Occlusion,
    Quality,
    VerifyResult,
)
from custom_components.baidu_face.const import DOMAIN
from tests.conftest import BOTH
from tests.degraded import SHARP, blurred, dark, half_outside
from tests.faces import FACES, blank_image, photo

from .conftest import FAMILY

Setup = Callable[..., Awaitable[MockConfigEntry]]


@pytest.fixture
def photos(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Copy the sample photos to a folder Home Assistant may read (allowlist_external_dirs)."""
    folder = tmp_path / "photos"
    shutil.copytree(FACES, folder)
    (folder / "blank.jpg").write_bytes(blank_image())
    hass.config.allowlist_external_dirs = {str(folder)}
    return folder


async def act(hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = True) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, return_response=response)


@pytest.fixture
async def entry(setup_entry: Setup, api_version: str) -> MockConfigEntry:
    return await setup_entry(api_version, subentries=[])


async def test_detect(hass: HomeAssistant, entry: MockConfigEntry, photos: Path) -> None:
    result = await act(hass, "detect", {"image_path": str(photos / "probe/obama+biden.jpg"), "max_faces": 3})
    assert result["total_faces"] == 3  # Obama, Biden and a child looking down (bottom right)
    face = result["faces"][0]
    assert set(face["box"]) == {"left", "top", "width", "height"}
    assert 0.5 < face["probability"] <= 1
    from_camera = await act(hass, "detect", {"camera_entity_id": "camera.door", "attributes": ["landmark"]})
    assert len(from_camera["faces"][0]["landmarks"]) == 4


async def test_match(hass: HomeAssistant, entry: MockConfigEntry, photos: Path) -> None:
    paths = [str(photos / "enroll/obama_2.jpg"), str(photos / "enroll/biden_1.jpg")]
    result = await act(hass, "match", {"camera_entity_id": ["camera.door"], "image_path": paths})
    assert result["images"] == ["camera.door", *paths]
    scores = {(s["first"], s["second"]): s for s in result["scores"]}
    assert scores[0, 1]["same_person"] is True  # the door shows obama.jpg
    assert scores[0, 2]["same_person"] is False
    with pytest.raises(ServiceValidationError) as one:
        await act(hass, "match", {"image_path": paths[:1]})
    assert one.value.translation_key == "invalid_images"


async def test_identify(hass: HomeAssistant, entry: MockConfigEntry, photos: Path) -> None:
    result = await act(hass, "identify", {"camera_entity_id": "camera.door", "top": 2})
    (face,) = result["faces"]
    assert face["uid"] == "obama"
    assert face["recognized"] is True
    assert face["candidates"][0] == {
        "uid": "obama",
        "group_id": FAMILY,
        "user_info": "Obama",
        "score": face["candidates"][0]["score"],
    }
    assert len(face["candidates"]) == 2
    stranger = await act(hass, "identify", {"image_path": str(photos / "probe/stranger_lin_manuel_miranda.png")})
    assert stranger["faces"][0]["recognized"] is False
    assert stranger["faces"][0]["uid"] is None


async def test_verify(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    yes = await act(hass, "verify", {"camera_entity_id": "camera.door", "uid": "obama"})
    assert yes["verified"] is True
    assert yes["score"] >= 80
    no = await act(hass, "verify", {"camera_entity_id": "camera.door", "uid": "biden", "groups": [FAMILY]})
    assert no["verified"] is False
    with pytest.raises(ServiceValidationError) as unknown:
        await act(hass, "verify", {"camera_entity_id": "camera.door", "uid": "nobody"})
    assert unknown.value.translation_key == "user_not_found"
    assert str(unknown.value) == f"verify: no user `nobody` in {FAMILY}"


async def test_face_set_actions(hass: HomeAssistant, entry: MockConfigEntry, photos: Path) -> None:
    """Register a visitor, move them between groups, update and delete them."""
    image = {"image_path": str(photos / "probe/alex_lacamoire.jpg")}
    registered = await act(
        hass, "register_user", image | {"uid": "alex", "user_info": "亚历克斯", "groups": ["guests", "vip"]}
    )
    assert registered["uid"] == "alex"
    assert registered["groups"] == ["guests", "vip"]
    assert registered["log_id"]
    assert await act(hass, "register_user", image | {"uid": "alex2", "groups": ["guests"]}, response=False) is None

    user = await act(hass, "get_user", {"uid": "alex"})
    assert user == {
        "uid": "alex",
        "groups": ["guests", "vip"],
        "memberships": [{"group_id": "guests", "user_info": "亚历克斯"}, {"group_id": "vip", "user_info": "亚历克斯"}],
    }
    assert (await act(hass, "get_user", {"uid": "alex", "group_id": "vip"}))["memberships"] == [
        {"group_id": "vip", "user_info": "亚历克斯"}
    ]
    groups = (await act(hass, "list_groups", {}))["groups"]
    assert {FAMILY, "guests", "vip"} <= set(groups)
    assert (await act(hass, "list_groups", {"start": 1, "length": 1}))["groups"] == groups[1:2]
    users = (await act(hass, "list_group_users", {"group_id": "guests"}))["users"]
    assert [u["uid"] for u in users] == ["alex", "alex2"]

    added = await act(hass, "add_user_to_group", {"uid": "alex", "source_group_id": "guests", "groups": ["friends"]})
    assert added["groups"] == ["friends"]
    removed = await act(hass, "remove_user_from_group", {"uid": "alex", "group_id": "vip"})
    assert removed["groups"] == ["vip"]
    assert (await act(hass, "get_user", {"uid": "alex"}))["groups"] == ["guests", "friends"]

    updated = await act(hass, "update_user", image | {"uid": "alex", "group_id": "guests", "user_info": "Alex"})
    assert updated["groups"] == ["guests"]
    found = await act(hass, "identify", image | {"groups": ["guests"]})
    assert found["faces"][0]["uid"] == "alex"

    await act(hass, "delete_user", {"uid": "alex", "groups": ["friends"]})
    assert (await act(hass, "get_user", {"uid": "alex"}))["groups"] == ["guests"]
    with pytest.raises(ServiceValidationError) as last:
        await act(hass, "remove_user_from_group", {"uid": "alex", "group_id": "guests"})
    assert last.value.translation_key == "invalid_input"
    await act(hass, "delete_user", {"uid": "alex"}, response=False)
    with pytest.raises(ServiceValidationError) as gone:
        await act(hass, "get_user", {"uid": "alex"})
    assert gone.value.translation_key == "user_not_found_anywhere"
    assert str(gone.value) == "get_user: no user `alex` in any group"
    with pytest.raises(ServiceValidationError) as nobody:
        await act(hass, "delete_user", {"uid": "nobody"})
    assert str(nobody.value) == "delete_user: no user `nobody` in any group"


async def test_update_can_create(hass: HomeAssistant, entry: MockConfigEntry, photos: Path) -> None:
    image = {"image_path": str(photos / "enroll/rose_leslie_2.jpg")}
    with pytest.raises(ServiceValidationError) as missing:
        await act(hass, "update_user", image | {"uid": "rose", "group_id": "new"})
    assert missing.value.translation_key == "user_not_found"
    assert str(missing.value) == "update_user: no user `rose` in new"
    await act(hass, "update_user", image | {"uid": "rose", "group_id": "new", "create": True})
    assert (await act(hass, "get_user", {"uid": "rose"}))["groups"] == ["new"]


async def test_register_refusals(hass: HomeAssistant, entry: MockConfigEntry, photos: Path) -> None:
    blank = {"image_path": str(photos / "blank.jpg")}
    with pytest.raises(HomeAssistantError) as no_face:
        await act(hass, "register_user", blank | {"uid": "ghost"})
    assert no_face.value.translation_key == "no_face"
    assert not isinstance(no_face.value, ServiceValidationError)
    again = {"image_path": str(photos / "enroll/obama_1.jpg"), "uid": "obama"}
    with pytest.raises(ServiceValidationError) as exists:
        await act(hass, "register_user", again)
    assert exists.value.translation_key == "invalid_input"


DOOR = {"camera_entity_id": "camera.door"}


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        ("register_user", {"uid": "bad uid"} | DOOR, "invalid_uid"),
        ("register_user", {"uid": "u" * 129} | DOOR, "invalid_uid"),
        ("register_user", {"uid": "u", "groups": ["bad-group"]} | DOOR, "invalid_groups"),
        ("register_user", {"uid": "u", "user_info": "字" * 86} | DOOR, "invalid_user_info"),
        ("register_user", {"uid": "u"}, "no_image_source"),
        ("register_user", {"uid": "u", "image_path": "/tmp/x.jpg"} | DOOR, "one_image_source"),
        ("detect", {"image_path": "/etc/passwd"}, "path_not_allowed"),
        ("detect", {"camera_entity_id": "camera.nowhere"}, "camera_not_found"),
        ("get_user", {"uid": "u", "group_id": "中文"}, "invalid_group_id"),
        ("delete_user", {"uid": "u", "groups": ["a b"]}, "invalid_groups"),
        ("add_user_to_group", {"uid": "u", "source_group_id": "x y", "groups": ["a"]}, "invalid_group_id"),
        ("list_group_users", {"group_id": "x-y"}, "invalid_group_id"),
        ("verify", {"uid": "u u"} | DOOR, "invalid_uid"),
        ("update_user", {"uid": "u", "group_id": "g", "user_info": "字" * 86} | DOOR, "invalid_user_info"),
        ("remove_user_from_group", {"uid": "u", "group_id": "g g"}, "invalid_group_id"),
        ("match", {"image_path": ["/a.jpg"] * 11}, "invalid_images"),
        ("detect", {"config_entry_id": "nope"} | DOOR, "service_config_entry_not_found"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    hass: HomeAssistant, entry: MockConfigEntry, photos: Path, service: str, data: dict[str, Any], key: str
) -> None:
    before = dict(entry.runtime_data.client.call_counts)
    with pytest.raises(ServiceValidationError) as refused:
        await act(hass, service, data)
    assert refused.value.translation_key == key
    assert entry.runtime_data.client.call_counts == before


async def test_messages_name_the_action_and_the_value(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as refused:
        await act(hass, "get_user", {"uid": "no way"})
    assert str(refused.value) == ("get_user: the uid `no way` may only hold letters, digits and _ (at most 128 bytes)")
    with pytest.raises(ServiceValidationError) as long:
        await act(hass, "delete_user", {"uid": "x" * 100_000})
    assert len(str(long.value)) < 200


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("detect", {"camera_entity_id": 5}),
        ("detect", {"camera_entity_id": 2.5}),
        ("detect", {"camera_entity_id": True}),
        ("detect", {"camera_entity_id": "light.kitchen"}),
        ("detect", {"image_path": "/tmp/\x00.jpg"}),
        ("detect", {"max_faces": 11} | DOOR),
        ("detect", {"max_faces": 2.5} | DOOR),
        ("detect", {"max_faces": "9" * 5000} | DOOR),
        ("detect", {"attributes": ["x-ray"]} | DOOR),
        ("identify", {"top": 0} | DOOR),
        ("identify", {"groups": []} | DOOR),
        ("list_groups", {"length": 1001}),
        ("list_groups", {"start": -1}),
        ("list_groups", {"start": True}),
        ("register_user", {"uid": "u", "groups": [f"g{i}" for i in range(11)]} | DOOR),
        ("register_user", {"uid": ["u"]} | DOOR),
        ("register_user", {"uid": "u", "replace": "perhaps"} | DOOR),
        ("delete_user", {"uid": "u", "groups": []}),
        ("delete_user", {"uid": "u", "groups": None}),
        ("delete_user", {"uid": "u", "groups": [None]}),
        ("delete_user", {"uid": None}),
        ("match", {"camera_entity_id": [5, "camera.door"]}),
        # Levels are one of none, low, normal, high, on the actions that look at a face only.
        ("verify", {"uid": "obama", "liveness": "medium"} | DOOR),
        ("identify", {"quality": "NORMAL!"} | DOOR),
        ("register_user", {"uid": "u", "quality": 2} | DOOR),
        ("enroll_face", {"face_id": "x", "uid": "u", "liveness": None}),
        ("list_groups", {"quality": "normal"}),
    ],
)
async def test_the_schema_refuses_wrong_types_and_ranges(
    hass: HomeAssistant, entry: MockConfigEntry, service: str, data: dict[str, Any]
) -> None:
    before = dict(entry.runtime_data.client.call_counts)
    with pytest.raises(vol.Invalid):
        await act(hass, service, data)
    assert entry.runtime_data.client.call_counts == before


async def test_an_empty_template_is_not_every_group(hass: HomeAssistant, entry: MockConfigEntry, photos: Path) -> None:
    """A script whose groups template renders empty must not delete the user from every group."""
    assert await async_setup_component(
        hass,
        "script",
        {
            "script": {
                "forget": {
                    "sequence": [{"action": f"{DOMAIN}.delete_user", "data": {"uid": "obama", "groups": "{{ [] }}"}}]
                }
            }
        },
    )
    with pytest.raises(vol.Invalid):
        await hass.services.async_call("script", "forget", blocking=True)
    assert (await act(hass, "get_user", {"uid": "obama"}))["groups"] == [FAMILY]


async def test_top_is_bounded_by_the_api_version(hass: HomeAssistant, setup_entry: Setup) -> None:
    await setup_entry("v2", subentries=[])
    with pytest.raises(ServiceValidationError) as refused:
        await act(hass, "identify", {"top": 6} | DOOR)
    assert refused.value.translation_key == "not_supported"


async def test_groups_come_from_the_options_or_must_be_given(
    hass: HomeAssistant, setup_entry: Setup, api_version: str
) -> None:
    await setup_entry(api_version, subentries=[], groups=[])
    with pytest.raises(ServiceValidationError) as refused:
        await act(hass, "identify", {"camera_entity_id": "camera.door"})
    assert refused.value.translation_key == "groups_required"


async def test_with_several_entries_one_must_be_named(
    hass: HomeAssistant, entry: MockConfigEntry, baidu: RunningServer, api_version: str
) -> None:
    other = MockConfigEntry(
        domain=DOMAIN,
        data={"api_key": "v3_key", "secret_key": "v3_secret", "api_version": "auto", "endpoint": baidu.url},
        unique_id="v3_key",
    )
    other.add_to_hass(hass)
    await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as ambiguous:
        await act(hass, "list_groups", {})
    assert ambiguous.value.translation_key == "service_found_multiple_config_entry_for_domain"
    assert (await act(hass, "list_groups", {"config_entry_id": entry.entry_id}))["groups"] == [FAMILY]
    await hass.config_entries.async_unload(other.entry_id)
    with pytest.raises(ServiceValidationError) as unloaded:
        await act(hass, "list_groups", {"config_entry_id": other.entry_id})
    assert unloaded.value.translation_key == "service_config_entry_not_loaded"


async def test_baidu_refusals_are_translated(hass: HomeAssistant, entry: MockConfigEntry, baidu: RunningServer) -> None:
    baidu.apps[BOTH.api_key].daily_quota = 0
    with pytest.raises(HomeAssistantError) as spent:
        await act(hass, "list_groups", {})
    assert spent.value.translation_key == "quota_exhausted"
    assert "17" in str(spent.value.translation_placeholders)


async def test_a_partly_done_registration_says_which_groups_succeeded(
    hass: HomeAssistant, setup_entry: Setup, photos: Path
) -> None:
    """V3 registers one group a call; when a later group refuses, the error names the done ones."""
    await setup_entry("v3", subentries=[])
    image = {"image_path": str(photos / "enroll/obama_1.jpg")}
    with pytest.raises(HomeAssistantError) as partial:
        await act(hass, "register_user", image | {"uid": "obama", "groups": ["guests", FAMILY]})
    assert partial.value.translation_key == "partial_failure"
    assert partial.value.translation_placeholders is not None
    assert partial.value.translation_placeholders["completed"] == "guests"


async def test_an_unknown_user_is_the_callers_mistake_over_rest(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()
    answer = await client.post(f"/api/services/{DOMAIN}/delete_user?return_response", json={"uid": "nobody"})
    assert answer.status == 400
    assert (await answer.json())["message"] == "delete_user: no user `nobody` in any group"
    answer = await client.post(f"/api/services/{DOMAIN}/list_group_users?return_response", json={"group_id": "nope"})
    assert answer.status == 400
    assert (await answer.json())["message"] == "list_group_users: no group `nope`, or nobody in it"


# Liveness and quality levels, and frames without a face (issue 19).
NOT_CHECKED = {
    "liveness": {"level": "none", "passed": None, "score": None},
    "quality": {"level": "none", "passed": None},
}


async def test_an_empty_doorway_is_an_answer(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry, photos: Path
) -> None:
    """verify, identify and match on a frame without a face answer so, and the automation goes on."""
    blank = str(photos / "blank.jpg")
    verified = await act(hass, "verify", {"image_path": blank, "uid": "obama"})
    assert verified == {
        "uid": "obama",
        "score": 0.0,
        "group_id": None,
        "verified": False,
        "reason": "no_face",
        "checks": NOT_CHECKED,
    }
    identified = await act(hass, "identify", {"image_path": blank})
    assert (identified["faces"], identified["reason"], identified["refused_faces"]) == ([], "no_face", 0)
    matched = await act(hass, "match", {"camera_entity_id": ["camera.door"], "image_path": [blank]})
    (pair,) = matched["scores"]
    assert (pair["same_person"], pair["reason"], pair["score"]) == (False, "no_face", 0.0)
    detected = await act(hass, "detect", {"image_path": blank})
    assert (detected["faces"], detected["reason"]) == ([], "no_face")
    # Over the REST API too: an answer (it was HTTP 500, "there is no face in the image").
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()
    answer = await client.post(
        f"/api/services/{DOMAIN}/verify?return_response", json={"image_path": blank, "uid": "obama"}
    )
    assert answer.status == 200
    assert (await answer.json())["service_response"]["reason"] == "no_face"


async def test_every_answer_says_what_was_checked(hass: HomeAssistant, entry: MockConfigEntry, photos: Path) -> None:
    found = await act(hass, "identify", {"camera_entity_id": "camera.door"})
    assert found["checks"] == NOT_CHECKED
    assert found["faces"][0]["checks"] == NOT_CHECKED
    assert found["reason"] is None
    verified = await act(hass, "verify", {"camera_entity_id": "camera.door", "uid": "obama"})
    assert (verified["verified"], verified["reason"], verified["checks"]) == (True, None, NOT_CHECKED)
    detected = await act(hass, "detect", {"camera_entity_id": "camera.door"})
    assert detected["faces"][0]["checks"] == NOT_CHECKED
    assert "quality" not in detected["faces"][0]


def degraded_photos(photos: Path) -> dict[str, str]:
    """Write the blurred, dark and half-outside photos (made from sample_faces) where Home Assistant may read them."""
    made = {}
    for name, picture in (("blurred", blurred), ("dark", dark), ("half_outside", half_outside)):
        path = photos / f"{name}.jpg"
        path.write_bytes(picture())
        made[name] = str(path)
    return made


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("blurred", "quality_blurred", "register_user: the face is too blurred"),
        ("dark", "quality_dark", "register_user: the face is too dark"),
        ("half_outside", "quality_incomplete", "register_user: the face is not wholly inside the picture"),
    ],
)
async def test_a_poor_enrolment_photo_is_refused_saying_why(
    hass: HomeAssistant, entry: MockConfigEntry, photos: Path, name: str, key: str, message: str
) -> None:
    """Registration checks quality normal unless told otherwise; the sharp original is taken."""
    poor = degraded_photos(photos)[name]
    with pytest.raises(ServiceValidationError) as refused:
        await act(hass, "register_user", {"image_path": poor, "uid": "newcomer"})
    assert refused.value.translation_key == key
    assert str(refused.value).startswith(message)
    with pytest.raises(ServiceValidationError):
        await act(hass, "get_user", {"uid": "newcomer"})  # nothing half-done
    registered = await act(hass, "register_user", {"image_path": str(photos / SHARP), "uid": "newcomer"})
    assert registered["checks"]["quality"]["level"] == "normal"
    assert registered["checks"]["quality"]["passed"] is True
    # Looking at the poor photo under the same level answers, saying why not.
    verified = await act(hass, "verify", {"image_path": poor, "uid": "newcomer", "quality": "normal"})
    assert (verified["verified"], verified["reason"]) == (False, "quality")
    assert verified["checks"]["quality"]["passed"] is False


async def test_liveness_on_the_local_server_is_refused_never_passed(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as refused:
        await act(hass, "verify", {"uid": "obama", "liveness": "normal"} | DOOR)
    assert refused.value.translation_key == "liveness_unavailable"
    assert str(refused.value) == (
        "verify: liveness is not judged by this backend: use Baidu's cloud, or set liveness to none"
    )
    assert entry.runtime_data.client.judges_liveness is False


async def test_v2_registration_cannot_judge_liveness(hass: HomeAssistant, setup_entry: Setup, photos: Path) -> None:
    """V2 cannot judge liveness when registering: refused before anything is sent."""
    entry = await setup_entry("v2", subentries=[])
    before = dict(entry.runtime_data.client.call_counts)
    with pytest.raises(ServiceValidationError) as refused:
        await act(hass, "register_user", {"image_path": str(photos / SHARP), "uid": "u", "liveness": "low"})
    assert refused.value.translation_key == "not_supported"
    assert entry.runtime_data.client.call_counts == before


# Core-style, on an autospec of the client: what each refusal of a face becomes in an action.
@pytest.mark.parametrize(
    ("refusal", "key", "message"),
    [
        (BaiduFaceQualityError("q", check="blur"), "quality_blurred", "the face is too blurred"),
        (BaiduFaceQualityError("q", check="illumination"), "quality_dark", "the face is too dark"),
        (BaiduFaceQualityError("q", check="completeness"), "quality_incomplete", "the face is not wholly inside"),
        (BaiduFaceQualityError("q", check="angle"), "quality_angle", "the face is turned too far"),
        (BaiduFaceQualityError("q", check="occlusion"), "quality_covered", "the face is covered"),
        (BaiduFaceQualityError("q", check="occlusion", regions=("left_eye",)), "quality_covered_left_eye",
         "the left eye is covered"),
        (BaiduFaceQualityError("q", check="occlusion", regions=("chin_contour",)), "quality_covered_chin",
         "the chin is covered"),
        (BaiduFaceQualityError("q", check="occlusion", regions=("nose", "mouth")), "quality_covered",
         "the face is covered"),
        (BaiduFaceLivenessError("l", error_code=223120), "liveness_failed", "liveness check failed"),
        (BaiduFaceLivenessUnavailableError("u", error_code=223119), "liveness_unavailable",
         "liveness is not judged by this backend: use Baidu's cloud"),
        (BaiduFaceQualityUnavailableError("u"), "quality_unavailable", "quality was asked for"),
    ],
)  # fmt: skip
async def test_a_refused_enrolment_says_why(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    picture: dict[str, str],
    refusal: Exception,
    key: str,
    message: str,
) -> None:
    mock_client.register_user.side_effect = refusal
    with pytest.raises(ServiceValidationError) as refused:
        await act(hass, "register_user", picture | {"uid": "u"})
    assert refused.value.translation_key == key
    assert str(refused.value).startswith(f"register_user: {message}")
    # Quality normal unless told otherwise: Baidu's advice for enrolment.
    assert mock_client.register_user.await_args.kwargs.items() >= {"liveness": "none", "quality": "normal"}.items()


@pytest.fixture
def picture(hass: HomeAssistant, tmp_path: Path) -> dict[str, str]:
    """Give an image path Home Assistant may read, for the actions on the mocked client (it has no camera)."""
    path = tmp_path / "face.jpg"
    path.write_bytes(photo(SHARP))
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    return {"image_path": str(path)}


async def test_a_face_that_fails_a_level_is_an_answer_when_looking(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: MagicMock, picture: dict[str, str]
) -> None:
    mock_client.verify.side_effect = BaiduFaceQualityError("q", check="occlusion", regions=("left_eye",))
    verified = await act(hass, "verify", {"uid": "obama", "quality": "high", "liveness": "normal"} | picture)
    assert verified == {
        "uid": "obama",
        "score": 0.0,
        "group_id": None,
        "verified": False,
        "reason": "quality",
        "checks": {
            # Quality is judged first: liveness never was.
            "liveness": {"level": "normal", "passed": None, "score": None},
            "quality": {"level": "high", "passed": False, "failed": "occlusion", "regions": ["left_eye"]},
        },
    }
    assert mock_client.verify.await_args.kwargs == {"liveness": "normal", "quality": "high"}
    mock_client.identify.side_effect = BaiduFaceLivenessError("l", score=0.12)
    identified = await act(hass, "identify", {"liveness": "high", "quality": "low"} | picture)
    assert (identified["faces"], identified["reason"]) == ([], "liveness")
    assert identified["checks"] == {
        "liveness": {"level": "high", "passed": False, "score": 0.12},
        "quality": {"level": "low", "passed": True},
    }


async def test_the_numbers_ride_along_where_the_answer_gave_them(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: MagicMock, picture: dict[str, str]
) -> None:
    quality = Quality(0.01, 150, 1, Occlusion(0, 0, 0, 0, 0.1, 0, 0), 1.5, -2.0, 0.5)
    mock_client.identify.side_effect = None
    mock_client.identify.return_value = Faces(
        [IdentifiedFace((Candidate("obama", FAMILY, "Obama", 97.5),), FaceBox(1, 2, 3, 4), None, quality, 0.93)],
        refused=1,
    )
    identified = await act(hass, "identify", {"liveness": "low", "quality": "normal"} | picture)
    assert identified["refused_faces"] == 1
    assert identified["faces"][0]["checks"] == {
        "liveness": {"level": "low", "passed": True, "score": 0.93},
        "quality": {"level": "normal", "passed": True, **asdict(quality)},
    }
    mock_client.verify.side_effect = None
    mock_client.verify.return_value = VerifyResult("obama", 0.0, face_found=False)
    verified = await act(hass, "verify", {"uid": "obama", "quality": "normal"} | picture)
    # No face, nothing judged: not a pass.
    assert verified["checks"]["quality"] == {"level": "normal", "passed": None}
