"""V2 requests exactly as the seed's SDK sent them: form bodies, comma lists, the seed's shapes."""

from __future__ import annotations

from typing import Any

from tests.faces import b64, photo

from .conftest import Wire


def no_error(body: Any) -> Any:
    assert "error_code" not in body, body
    assert isinstance(body["log_id"], int)
    return body


async def register(wire: Wire, uid: str, image: str, groups: str = "family", **extra: str) -> Any:
    form = {"uid": uid, "user_info": extra.pop("user_info", uid), "group_id": groups, "image": b64(photo(image))}
    return await wire.v2("faceset/user/add", form | extra)


async def test_detect_returns_the_seed_face_shape(wire: Wire) -> None:
    body = no_error(
        await wire.v2(
            "detect",
            {"image": b64(photo("probe/obama+biden.jpg")), "max_face_num": "2", "face_fields": "age,landmark,gender"},
        )
    )
    assert body["result_num"] == 2
    for face in body["result"]:
        assert set(face) == {"location", "face_probability", "rotation_angle", "yaw", "pitch", "roll", "landmark"}
        assert set(face["location"]) == {"left", "top", "width", "height"}
        assert len(face["landmark"]) == 4
    # Largest face first; boxes are in the original 2000x1428 image's pixels.
    first, second = body["result"]
    assert first["location"]["width"] >= second["location"]["width"]
    assert 1000 < first["location"]["left"] < 1300


async def test_detect_accepts_images_as_well_as_image(wire: Wire) -> None:
    body = no_error(await wire.v2("detect", {"images": b64(photo("probe/obama_small.jpg"))}))
    assert body["result_num"] == 1
    assert "landmark" not in body["result"][0]


async def test_match_scores_every_pair_of_comma_joined_images(wire: Wire) -> None:
    images = ",".join(b64(photo(n)) for n in ("enroll/obama_1.jpg", "probe/obama.jpg", "enroll/biden_1.jpg"))
    body = no_error(await wire.v2("match", {"images": images, "ext_fields": "qualities"}))
    assert body["result_num"] == 3
    scores = {(r["index_i"], r["index_j"]): r["score"] for r in body["result"]}
    assert scores[0, 1] >= 80
    assert scores[0, 2] < 80
    assert scores[1, 2] < 80


async def test_face_set_round_trip_in_the_seed_dialect(wire: Wire) -> None:
    """Register into two groups, identify, verify, copy, remove, delete — V2 all the way."""
    no_error(await register(wire, "obama", "enroll/obama_1.jpg", "family,vip", user_info="奥巴马"))
    no_error(await register(wire, "biden", "enroll/biden_1.jpg"))

    user = no_error(await wire.v2("faceset/user/get", {"uid": "obama"}))
    assert user["result"] == {"uid": "obama", "user_info": "奥巴马", "groups": ["family", "vip"]}
    groups = no_error(await wire.v2("faceset/group/getlist", {"start": "0", "num": "10"}))
    assert groups["result"] == ["family", "vip"]
    assert groups["result_num"] == 2
    members = no_error(await wire.v2("faceset/group/getusers", {"group_id": "family"}))
    assert members["result"] == [{"uid": "obama", "user_info": "奥巴马"}, {"uid": "biden", "user_info": "biden"}]

    found = no_error(
        await wire.v2(
            "identify",
            {
                "group_id": "family,vip",
                "image": b64(photo("probe/obama.jpg")),
                "user_top_num": "2",
            },
        )
    )
    assert found["result"][0]["uid"] == "obama"
    assert found["result"][0]["scores"][0] >= 80
    assert found["result_num"] == 2

    verified = no_error(
        await wire.v2("verify", {"uid": "biden", "group_id": "family", "image": b64(photo("probe/obama.jpg"))})
    )
    assert verified["result_num"] == 1
    assert verified["result"][0] < 80

    no_error(
        await wire.v2("faceset/group/adduser", {"src_group_id": "family", "group_id": "friends,work", "uid": "biden"})
    )
    assert no_error(await wire.v2("faceset/user/get", {"uid": "biden"}))["result"]["groups"] == [
        "family", "friends", "work",
    ]  # fmt: skip
    again = await wire.v2("faceset/group/adduser", {"src_group_id": "family", "group_id": "work", "uid": "biden"})
    assert (again["error_code"], again["error_msg"]) == (216100, "already add")

    no_error(await wire.v2("faceset/group/deleteuser", {"group_id": "friends", "uid": "biden"}))
    no_error(await wire.v2("faceset/group/deleteuser", {"group_id": "work", "uid": "biden"}))
    last = await wire.v2("faceset/group/deleteuser", {"group_id": "family", "uid": "biden"})
    assert (last["error_code"], last["error_msg"]) == (216619, "user must be in one group at least")

    # Delete from one group, then (no group_id) from every group.
    no_error(await wire.v2("faceset/user/delete", {"uid": "obama", "group_id": "vip"}))
    assert no_error(await wire.v2("faceset/user/get", {"uid": "obama"}))["result"]["groups"] == ["family"]
    no_error(await wire.v2("faceset/user/delete", {"uid": "biden"}))
    gone = await wire.v2("faceset/user/get", {"uid": "biden"})
    assert gone["error_code"] == 216612


async def test_register_appends_and_replace_replaces(wire: Wire) -> None:
    no_error(await register(wire, "obama", "enroll/obama_1.jpg"))
    no_error(await register(wire, "obama", "enroll/obama_2.jpg"))
    twice = await register(wire, "obama", "enroll/obama_2.jpg")
    assert (twice["error_code"], twice["error_msg"]) == (216616, "image exist")
    no_error(await register(wire, "obama", "enroll/obama_2.jpg", action_type="replace"))

    missing = await wire.v2(
        "faceset/user/update",
        {"uid": "nobody", "user_info": "x", "group_id": "family", "image": b64(photo("enroll/biden_1.jpg"))},
    )
    assert (missing["error_code"], missing["error_msg"]) == (216612, "user not exist")
    created = await wire.v2(
        "faceset/user/update",
        {
            "uid": "biden", "user_info": "Joe", "group_id": "family",
            "image": b64(photo("enroll/biden_1.jpg")), "action_type": "replace",
        },
    )  # fmt: skip
    no_error(created)
    no_error(
        await wire.v2(
            "faceset/user/update",
            {"uid": "biden", "user_info": "Joseph", "group_id": "family", "image": b64(photo("enroll/biden_2.jpg"))},
        )
    )
    user = no_error(await wire.v2("faceset/user/get", {"uid": "biden", "group_id": "family"}))
    assert user["result"]["user_info"] == "Joseph"


async def test_group_paging_accepts_the_2017_end_parameter(wire: Wire) -> None:
    for uid, image in (("obama", "enroll/obama_1.jpg"), ("biden", "enroll/biden_1.jpg")):
        for group in ("g1", "g2", "g3"):
            no_error(await register(wire, uid, image, group))
    assert no_error(await wire.v2("faceset/group/getlist", {"start": "1", "end": "3"}))["result"] == ["g2", "g3"]
    page = no_error(await wire.v2("faceset/group/getusers", {"group_id": "g1", "start": "1", "num": "5"}))
    assert page["result"] == [{"uid": "biden", "user_info": "biden"}]


async def test_multi_identify_names_every_face_in_one_call(wire: Wire) -> None:
    """As baidu-aip 2.2.2's multiIdentify sends it: group_id, image, detect_top_num, user_top_num."""
    no_error(await register(wire, "obama", "enroll/obama_1.jpg"))
    no_error(await register(wire, "biden", "enroll/biden_1.jpg"))
    form = {"group_id": "family", "image": b64(photo("probe/obama+biden.jpg")), "detect_top_num": "2"}
    body = no_error(await wire.v2("multi-identify", form | {"user_top_num": "1"}))
    assert body["result_num"] == 2
    assert {r["uid"] for r in body["result"]} == {"obama", "biden"}
    for item in body["result"]:
        assert set(item) == {"group_id", "uid", "user_info", "scores", "position"}
        assert item["scores"][0] >= 80
        assert set(item["position"]) == {"left", "top", "width", "height", "degree", "prob"}
        assert all(isinstance(item["position"][k], int) for k in ("left", "top", "width", "height", "degree"))
    # With two users a face, each face lists both, best first.
    both = no_error(await wire.v2("multi-identify", form | {"user_top_num": "2"}))
    assert both["result_num"] == 4
    # detect_top_num defaults to 1: the largest face only.
    largest = no_error(await wire.v2("multi-identify", {"group_id": "family", "image": form["image"]}))
    assert largest["result_num"] == 1
