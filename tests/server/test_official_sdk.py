"""Baidu's own, unmodified Python SDK (baidu-aip) against the local server, V3 end to end."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from aip import AipFace
from PIL import Image, ImageFilter

from baidu_face_server.server import RunningServer
from tests.conftest import BOTH
from tests.faces import b64, photo

BAIDU = "https://aip.baidubce.com"


def official_client(url: str) -> AipFace:
    """Make an AipFace whose (name-mangled) endpoint URLs point at the local server."""
    client = AipFace("1", BOTH.api_key, BOTH.secret_key)
    for cls in type(client).__mro__:
        for name, value in vars(cls).items():
            if isinstance(value, str) and value.startswith(BAIDU):
                setattr(client, name, url + value.removeprefix(BAIDU))
    return client


@pytest.fixture
def sdk(server: RunningServer) -> AipFace:
    return official_client(server.url)


async def run(func: Any, *args: Any) -> Any:
    # The SDK is synchronous (requests); the server shares this event loop.
    return await asyncio.to_thread(func, *args)


def ok(response: dict[str, Any]) -> Any:
    assert response["error_code"] == 0, response
    assert response["error_msg"] == "SUCCESS"
    assert isinstance(response["log_id"], int)
    return response["result"]


async def test_face_set_lifecycle_through_the_official_sdk(sdk: AipFace) -> None:
    """Given an empty app, the SDK builds a face set, searches it and tears it down."""
    assert ok(await run(sdk.groupAdd, "family")) is None
    assert ok(await run(sdk.groupAdd, "friends")) is None
    assert ok(await run(sdk.getGroupList, {"start": 0, "length": 10})) == {"group_id_list": ["family", "friends"]}

    added = ok(
        await run(sdk.addUser, b64(photo("enroll/obama_1.jpg")), "BASE64", "family", "obama", {"user_info": "奥巴马"})
    )
    assert len(added["face_token"]) == 32
    assert added["location"]["width"] > 100
    second = ok(await run(sdk.addUser, b64(photo("enroll/obama_2.jpg")), "BASE64", "family", "obama"))
    ok(await run(sdk.addUser, b64(photo("enroll/biden_1.jpg")), "BASE64", "family", "biden", {"user_info": "Joe"}))

    faces = ok(await run(sdk.faceGetlist, "obama", "family"))["face_list"]
    assert [f["face_token"] for f in faces] == [added["face_token"], second["face_token"]]
    assert all(len(f["ctime"]) == 19 for f in faces)

    user = ok(await run(sdk.getUser, "obama", "family"))
    assert user == {"user_list": [{"user_info": "奥巴马", "group_id": "family"}]}
    users = ok(await run(sdk.getGroupUsers, "family"))
    assert users == {"user_id_list": ["obama", "biden"]}

    found = ok(await run(sdk.search, b64(photo("probe/obama.jpg")), "BASE64", "family"))
    assert found["user_list"][0]["user_id"] == "obama"
    assert found["user_list"][0]["user_info"] == "奥巴马"
    assert found["user_list"][0]["score"] >= 80

    # Verify (1:1) is search with a user_id: the other person is below Baidu's
    # default threshold of 80, so only a threshold of 0 shows the low score.
    stranger = await run(sdk.search, b64(photo("probe/obama.jpg")), "BASE64", "family", {"user_id": "biden"})
    assert (stranger["error_code"], stranger["error_msg"]) == (222207, "match user is not found")
    assert stranger["result"] is None
    verify = ok(
        await run(
            sdk.search, b64(photo("probe/obama.jpg")), "BASE64", "family", {"user_id": "biden", "match_threshold": 0}
        )
    )
    assert verify["user_list"][0]["user_id"] == "biden"
    assert verify["user_list"][0]["score"] < 80

    both = ok(
        await run(
            sdk.multiSearch, b64(photo("probe/obama+biden.jpg")), "BASE64", "family",
            {"max_face_num": 3, "match_threshold": 80},
        )
    )  # fmt: skip
    names = {f["user_list"][0]["user_id"] for f in both["face_list"] if f["user_list"]}
    assert names == {"obama", "biden"}

    ok(await run(sdk.userCopy, "obama", {"src_group_id": "family", "dst_group_id": "friends"}))
    assert ok(await run(sdk.getUser, "obama", "@ALL"))["user_list"] == [
        {"user_info": "奥巴马", "group_id": "family"},
        {"user_info": "奥巴马", "group_id": "friends"},
    ]

    updated = ok(
        await run(
            sdk.updateUser, b64(photo("enroll/obama_2.jpg")), "BASE64", "friends", "obama", {"user_info": "Barack"}
        )
    )
    assert updated["face_token"] == second["face_token"]
    assert [f["face_token"] for f in ok(await run(sdk.faceGetlist, "obama", "friends"))["face_list"]] == [
        second["face_token"]
    ]

    ok(await run(sdk.faceDelete, "obama", "family", added["face_token"]))
    assert len(ok(await run(sdk.faceGetlist, "obama", "family"))["face_list"]) == 1
    ok(await run(sdk.deleteUser, "family", "obama"))
    gone = await run(sdk.getUser, "obama", "family")
    assert (gone["error_code"], gone["error_msg"]) == (223103, "user is not exist")

    ok(await run(sdk.groupDelete, "friends"))
    assert ok(await run(sdk.getGroupList))["group_id_list"] == ["family"]


async def test_detect_and_match_through_the_official_sdk(sdk: AipFace) -> None:
    detected = ok(
        await run(
            sdk.detect,
            b64(photo("probe/kit_harington+rose_leslie.jpg")),
            "BASE64",
            {"max_face_num": 5, "face_field": "landmark"},
        )
    )
    assert detected["face_num"] == 2
    for face in detected["face_list"]:
        assert set(face) == {"face_token", "location", "face_probability", "angle", "landmark"}
        assert len(face["landmark"]) == 4
        assert 0.5 < face["face_probability"] <= 1

    # A face_token from detect stands in for the image later.
    token = detected["face_list"][0]["face_token"]
    again = ok(await run(sdk.detect, token, "FACE_TOKEN"))
    assert again["face_list"][0]["location"] == detected["face_list"][0]["location"]

    same = ok(
        await run(
            sdk.match,
            [
                {"image": b64(photo("enroll/obama_1.jpg")), "image_type": "BASE64"},
                {"image": b64(photo("probe/obama_small.jpg")), "image_type": "BASE64"},
            ],
        )
    )
    assert same["score"] >= 80
    assert len(same["face_list"]) == 2
    other = ok(
        await run(
            sdk.match,
            [
                {"image": b64(photo("enroll/obama_1.jpg")), "image_type": "BASE64"},
                {"image": b64(photo("enroll/biden_1.jpg")), "image_type": "BASE64"},
            ],
        )
    )
    assert other["score"] < 80


async def test_sdk_refreshes_a_token_the_server_no_longer_knows(server: RunningServer, sdk: AipFace) -> None:
    ok(await run(sdk.getGroupList))
    sdk._authObj["access_token"] = "24.forgotten"  # what a server-side revocation looks like to the SDK
    ok(await run(sdk.getGroupList))


def blurred(name: str) -> str:
    """Blur a sample photo heavily (a Gaussian of radius 10 px: a 26th of its face); return it as base64."""
    with Image.open(io.BytesIO(photo(name))) as opened:
        picture = opened.convert("RGB").filter(ImageFilter.GaussianBlur(10))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92)
    return b64(out.getvalue())


async def test_quality_and_liveness_controls_through_the_official_sdk(sdk: AipFace) -> None:
    """The SDK's quality_control is judged from the face; its liveness_control is refused, never waved through."""
    sharp, blurry = b64(photo("enroll/obama_1.jpg")), blurred("enroll/obama_1.jpg")
    controls = {"quality_control": "NORMAL", "liveness_control": "NONE"}
    ok(await run(sdk.addUser, sharp, "BASE64", "family", "obama", controls | {"user_info": "奥巴马"}))
    refused = await run(sdk.addUser, blurry, "BASE64", "family", "obama", controls)
    assert (refused["error_code"], refused["error_msg"]) == (223114, "face is fuzzy")
    assert refused["result"] is None
    refused = await run(sdk.updateUser, blurry, "BASE64", "family", "obama", {"quality_control": "LOW"})
    assert refused["error_code"] == 223114
    ok(await run(sdk.updateUser, sharp, "BASE64", "family", "obama", {"quality_control": "HIGH"}))

    probe = b64(photo("probe/obama_small.jpg"))
    found = ok(await run(sdk.search, probe, "BASE64", "family", {"quality_control": "NORMAL"}))
    assert found["user_list"][0]["user_id"] == "obama"
    both = ok(await run(sdk.multiSearch, probe, "BASE64", "family", {"quality_control": "LOW", "max_face_num": 2}))
    assert both["face_num"] == len(both["face_list"]) == 1

    detected = ok(await run(sdk.detect, sharp, "BASE64", {"face_field": "quality"}))
    quality = detected["face_list"][0]["quality"]
    assert set(quality) == {"occlusion", "blur", "illumination", "completeness"}
    assert quality["completeness"] == 1

    normal = {"image_type": "BASE64", "quality_control": "NORMAL"}
    scored = ok(await run(sdk.match, [{"image": sharp} | normal, {"image": probe} | normal]))
    assert scored["score"] >= 80
    refused = await run(sdk.match, [{"image": sharp, "image_type": "BASE64"}, {"image": blurry} | normal])
    assert refused["error_code"] == 223114

    liveness = "liveness control item error: liveness is not judged by this local server; use Baidu's cloud"
    for answer in (
        await run(sdk.search, probe, "BASE64", "family", {"liveness_control": "NORMAL"}),
        await run(sdk.multiSearch, probe, "BASE64", "family", {"liveness_control": "LOW"}),
        await run(sdk.addUser, sharp, "BASE64", "family", "obama", {"liveness_control": "HIGH"}),
        await run(sdk.updateUser, sharp, "BASE64", "family", "obama", {"liveness_control": "NORMAL"}),
        await run(sdk.detect, sharp, "BASE64", {"liveness_control": "LOW"}),
        await run(sdk.match, [{"image": sharp, "image_type": "BASE64", "liveness_control": "NORMAL"},
                              {"image": probe, "image_type": "BASE64"}]),
    ):  # fmt: skip
        assert (answer["error_code"], answer["error_msg"], answer["result"]) == (223119, liveness, None)
