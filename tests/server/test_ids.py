"""Ids, groups and user info: the server takes exactly what the client's rules take, in both dialects.

The server keeps its own validators (it must refuse bad input from any client), so one table
of good and bad values holds the two to one rule: for each value, the client's `api/limits.py`
accepts it if and only if the server does, wherever the server reads such a value.
"""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.baidu_face.api.exceptions import BaiduFaceInvalidInputError
from custom_components.baidu_face.api.limits import check_group, check_uid, check_user_info
from tests.faces import b64, photo

from .conftest import Wire

ODD = [
    "alice\n", "alice\r", "alice\r\n", "\nalice", " alice", "alice ", "al ice", "alice\t", "alice\x00",
    "١٢٣", "٣", "\uff41\uff4c\uff49\uff43\uff45", "alice-1", "alice.1", "é", "😀", "", "a,b", "@ALL",
]  # fmt: skip
UIDS = ["alice", "Alice_01", "_", "9" * 128, "a" * 128, "a" * 129, *ODD]
GROUPS = ["family", "F_2", "_", "g" * 48, "g" * 49, *ODD]
USER_INFOS = ["", "Alice", "x" * 256, "x" * 257, "字" * 85, "字" * 86, "😀" * 64, "😀" * 65, "line\nbreak", " "]


def client_accepts(check: Any, value: str) -> bool:
    try:
        check(value)
    except BaiduFaceInvalidInputError:
        return False
    return True


async def v3_accepts(wire: Wire, path: str, body: dict[str, Any], field: str) -> bool:
    """Whether V3 takes `field`: any answer but a parameter error naming it (errors of other fields do not count)."""
    answer = await wire.v3(path, body)
    return not (answer["error_code"] in range(222001, 222027) and f"param[{field}]" in answer["error_msg"])


async def v2_accepts(wire: Wire, path: str, form: dict[str, str]) -> bool:
    """Whether V2 answers anything but a parameter error (the form's other fields are all good)."""
    return (await wire.v2(path, form)).get("error_code") not in {216100, 216101, 216103, 216111}


@pytest.mark.parametrize("uid", UIDS)
async def test_a_uid_is_taken_by_the_server_exactly_when_the_client_takes_it(wire: Wire, uid: str) -> None:
    accepted = client_accepts(check_uid, uid)
    assert await v3_accepts(wire, "faceset/user/get", {"user_id": uid, "group_id": "@ALL"}, "user_id") == accepted
    assert await v2_accepts(wire, "faceset/user/get", {"uid": uid}) == accepted
    assert await v2_accepts(wire, "faceset/group/deleteuser", {"uid": uid, "group_id": "family"}) == accepted
    if uid:  # search without a user_id (or an empty one) is 1:N, not a refusal
        search = {"group_id_list": "family", "user_id": uid, "image_type": "BASE64"}
        assert await v3_accepts(wire, "search", search, "user_id") == accepted


@pytest.mark.parametrize("group", GROUPS)
async def test_a_group_is_taken_by_the_server_exactly_when_the_client_takes_it(wire: Wire, group: str) -> None:
    accepted = client_accepts(check_group, group)
    assert await v3_accepts(wire, "faceset/group/getusers", {"group_id": group}, "group_id") == accepted
    copy = {"user_id": "alice", "src_group_id": "family", "dst_group_id": group}
    assert await v3_accepts(wire, "faceset/user/copy", copy, "dst_group_id") == accepted
    assert await v2_accepts(wire, "faceset/group/getusers", {"group_id": group}) == accepted
    adduser = {"uid": "alice", "src_group_id": group, "group_id": "family"}
    assert await v2_accepts(wire, "faceset/group/adduser", adduser) == accepted
    # Where the wire takes a comma list, "a,b" is two good groups; an empty list is "every group" to V2's delete.
    if "," not in group:
        search = {"group_id_list": group, "image_type": "BASE64"}
        assert await v3_accepts(wire, "search", search, "group_id_list") == accepted
        identify = {"group_id": group}
        assert await v2_accepts(wire, "identify", identify) == accepted
        if group:
            assert await v2_accepts(wire, "faceset/user/delete", {"uid": "alice", "group_id": group}) == accepted


@pytest.mark.parametrize("user_info", USER_INFOS)
async def test_user_info_is_taken_by_the_server_exactly_when_the_client_takes_it(wire: Wire, user_info: str) -> None:
    accepted = client_accepts(check_user_info, user_info)
    add = {"group_id": "family", "user_id": "alice", "user_info": user_info}
    assert await v3_accepts(wire, "faceset/user/add", add, "user_info") == accepted
    # V2's register requires user_info (the client sends the uid for none); update takes an empty one.
    update = {"uid": "alice", "group_id": "family", "user_info": user_info}
    assert await v2_accepts(wire, "faceset/user/update", update) == accepted


IMAGE = b64(photo("enroll/obama_1.jpg"))


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("faceset/user/add", {"user_id": "alice\n"}, (222018, "param[user_id] format error")),
        ("faceset/user/add", {"group_id": "family\n"}, (222006, "param[group_id] format error")),
        ("faceset/user/update", {"user_id": "alice\n"}, (222018, "param[user_id] format error")),
        ("faceset/user/update", {"group_id": "family\n"}, (222006, "param[group_id] format error")),
        ("faceset/user/get", {"user_id": "alice\n"}, (222018, "param[user_id] format error")),
        ("faceset/user/get", {"group_id": "family\n"}, (222006, "param[group_id] format error")),
        ("faceset/user/delete", {"user_id": "alice\n"}, (222018, "param[user_id] format error")),
        ("faceset/user/delete", {"group_id": "family\n"}, (222006, "param[group_id] format error")),
        ("faceset/user/copy", {"user_id": "alice\n"}, (222018, "param[user_id] format error")),
        ("faceset/user/copy", {"src_group_id": "family\n"}, (222007, "param[src_group_id] format error")),
        ("faceset/user/copy", {"dst_group_id": "fam2\n"}, (222008, "param[dst_group_id] format error")),
        ("faceset/group/add", {"group_id": "fam2\n"}, (222006, "param[group_id] format error")),
        ("faceset/group/delete", {"group_id": "family\n"}, (222006, "param[group_id] format error")),
        ("faceset/group/getusers", {"group_id": "family\n"}, (222006, "param[group_id] format error")),
        ("faceset/face/getlist", {"user_id": "alice\n"}, (222018, "param[user_id] format error")),
        ("faceset/face/getlist", {"group_id": "family\n"}, (222006, "param[group_id] format error")),
        ("faceset/face/delete", {"user_id": "alice\n"}, (222018, "param[user_id] format error")),
        ("faceset/face/delete", {"group_id": "family\n"}, (222006, "param[group_id] format error")),
        ("search", {"group_id_list": "family\n"}, (222005, "param[group_id_list] format error")),
        ("search", {"group_id_list": "family", "user_id": "alice\n"}, (222018, "param[user_id] format error")),
        ("multi-search", {"group_id_list": "family,fam2\n"}, (222005, "param[group_id_list] format error")),
    ],
)
async def test_v3_refuses_ids_with_a_trailing_newline(
    wire: Wire, path: str, body: dict[str, Any], expected: tuple[int, str]
) -> None:
    r"""`alice\n` is not a second alice: every V3 id is refused with Baidu's code, and nothing is stored."""
    await enrol_alice(wire)
    request = {
        "user_id": "alice", "group_id": "family", "src_group_id": "family", "dst_group_id": "fam2",
        "group_id_list": "family", "face_token": "0" * 32, "image": IMAGE, "image_type": "BASE64",
    } | body  # fmt: skip
    answer = await wire.v3(path, request)
    assert (answer["error_code"], answer["error_msg"]) == expected
    await assert_only_alice(wire)


@pytest.mark.parametrize(
    ("path", "form", "expected"),
    [
        ("faceset/user/add", {"uid": "alice\n"}, (216111, "invalid userid")),
        ("faceset/user/add", {"group_id": "family\n"}, (216100, "invalid param")),
        ("faceset/user/add", {"group_id": "family,fam2\n"}, (216100, "invalid param")),
        ("faceset/user/update", {"uid": "alice\n"}, (216111, "invalid userid")),
        ("faceset/user/update", {"group_id": "family\n"}, (216100, "invalid param")),
        ("faceset/user/get", {"uid": "alice\n"}, (216111, "invalid userid")),
        ("faceset/user/delete", {"uid": "alice\n"}, (216111, "invalid userid")),
        ("faceset/user/delete", {"group_id": "family\n"}, (216100, "invalid param")),
        ("faceset/group/getusers", {"group_id": "family\n"}, (216100, "invalid param")),
        ("faceset/group/adduser", {"uid": "alice\n"}, (216111, "invalid userid")),
        ("faceset/group/adduser", {"src_group_id": "family\n"}, (216100, "invalid param")),
        ("faceset/group/adduser", {"group_id": "fam2\n"}, (216100, "invalid param")),
        ("faceset/group/deleteuser", {"uid": "alice\n"}, (216111, "invalid userid")),
        ("faceset/group/deleteuser", {"group_id": "family\n"}, (216100, "invalid param")),
        ("identify", {"group_id": "family\n"}, (216100, "invalid param")),
        ("multi-identify", {"group_id": "family\n"}, (216100, "invalid param")),
        ("verify", {"uid": "alice\n"}, (216111, "invalid userid")),
        ("verify", {"group_id": "family\n"}, (216100, "invalid param")),
    ],
)
async def test_v2_refuses_ids_with_a_trailing_newline(
    wire: Wire, path: str, form: dict[str, str], expected: tuple[int, str]
) -> None:
    r"""`uid=alice%0A` is not a second alice: every V2 id is refused with Baidu's code, and nothing is stored."""
    await enrol_alice(wire)
    request = {"uid": "alice", "group_id": "fam2", "src_group_id": "family", "user_info": "A", "image": IMAGE} | form
    answer = await wire.v2(path, request)
    assert (answer["error_code"], answer["error_msg"]) == expected
    await assert_only_alice(wire)


async def enrol_alice(wire: Wire) -> None:
    body = {"image": IMAGE, "image_type": "BASE64", "group_id": "family", "user_id": "alice"}
    assert (await wire.v3("faceset/user/add", body))["error_code"] == 0


async def assert_only_alice(wire: Wire) -> None:
    assert (await wire.v3("faceset/group/getlist", {}))["result"]["group_id_list"] == ["family"]
    assert (await wire.v3("faceset/group/getusers", {"group_id": "family"}))["result"]["user_id_list"] == ["alice"]
    faces = await wire.v3("faceset/face/getlist", {"group_id": "family", "user_id": "alice"})
    assert len(faces["result"]["face_list"]) == 1
