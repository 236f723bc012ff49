"""Every real Baidu body in `tests/fixtures/baidu_real_responses.json`, read by the real client.

A replay server on loopback answers the client's request with one recorded body (each
sample names its source in the file); the client goes through its whole path, HTTP,
transport, error table and V2/V3 adapter, and the test checks what it made of the body:
boxes, scores, uids, groups, or the exception a user would see.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.baidu_face.api import (
    BaiduFaceClient,
    BaiduFaceError,
    BaiduFaceInvalidInputError,
    BaiduFaceUserNotFoundError,
    Candidate,
    Face,
    FaceBox,
    GroupUser,
    IdentifiedFace,
    MatchScore,
    Membership,
    Point,
    RegisterResult,
    Result,
    StoredFace,
    User,
    VerifyResult,
    prepare_image,
)
from tests.faces import photo

from .loopback import odd_server

SAMPLES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "baidu_real_responses.json").read_text(encoding="utf-8")
)
# The recorded bodies carry no image: any photo will do, and at scale 1 boxes map 1:1.
IMAGE = prepare_image(photo("probe/obama.jpg"))
assert IMAGE.scale == 1.0

type Call = Callable[[BaiduFaceClient], Awaitable[object]]


def verify(uid: str, group: str) -> Call:
    return lambda c: c.verify(IMAGE, uid, [group])


def identify(group: str, max_faces: int = 1, top: int = 1) -> Call:
    return lambda c: c.identify(IMAGE, [group], max_faces=max_faces, top=top)


def detect(*attributes: str) -> Call:
    return lambda c: c.detect(IMAGE, max_faces=2, attributes=attributes)


def match(c: BaiduFaceClient) -> Awaitable[object]:
    return c.match([IMAGE, IMAGE])


def register(c: BaiduFaceClient) -> Awaitable[object]:
    return c.register_user("u", IMAGE, ["g"], user_info="info")


def update(c: BaiduFaceClient) -> Awaitable[object]:
    return c.update_user("u", IMAGE, "g", user_info="info")


def delete(c: BaiduFaceClient) -> Awaitable[object]:
    return c.delete_user("u", ["g"])


def get_user(uid: str) -> Call:
    return lambda c: c.get_user(uid)


def list_groups(c: BaiduFaceClient) -> Awaitable[object]:
    return c.list_groups()


def list_group_users(c: BaiduFaceClient) -> Awaitable[object]:
    return c.list_group_users("g")


def add_to_group(c: BaiduFaceClient) -> Awaitable[object]:
    return c.add_user_to_group("u", "g", ["h"])


def remove_from_group(c: BaiduFaceClient) -> Awaitable[object]:
    return c.remove_user_from_group("u", "g")


def list_faces(c: BaiduFaceClient) -> Awaitable[object]:
    return c.list_faces("u", "g")


def refused(kind: type[BaiduFaceError], code: int, field: str | None = None, value: str | None = None) -> object:
    """Expect an exception: its class, Baidu's code, and the input it names."""
    return (kind, code, field, value)


def v3_face(token: str, box: FaceBox, angles: tuple[float, float, float], probability: float, **more: Any) -> Face:
    return Face(box, probability, *angles, face_token=token, **more)


# Sample index -> what the client is asked, and what it must make of the body.
CASES: dict[int, tuple[Call, object]] = {
    0: (verify("tian", "tianliuzhenTestFace"), VerifyResult("tian", 95.83634185791, "tianliuzhenTestFace")),
    1: (verify("wupeiqi", "test"), VerifyResult("wupeiqi", 97.43611907959, "test")),
    2: (verify("alex", "test"), VerifyResult("alex", 100.0, "test")),
    3: (verify("u7", "sign"), VerifyResult("u7", 99.086097717285, "sign")),
    4: (verify("1223222", "13541005601"), VerifyResult("1223222", 99.116584777832, "13541005601")),
    # 222207 "match user is not found" on verify: the face does not match, score 0.
    5: (verify("stranger", "g"), VerifyResult("stranger", 0.0)),
    6: (verify("stranger", "g"), VerifyResult("stranger", 0.0)),
    7: (verify("u", "g"), refused(BaiduFaceInvalidInputError, 223120, "image")),  # "liveness check fail"
    8: (
        identify("wshh"),
        [
            IdentifiedFace(
                (Candidate("57", "wshh", "x", 99.362655639648),),
                FaceBox(188.9, 497.4, 318, 291, 0),
                "0e9f7967f55c16066a19f5b566badc19",
            )
        ],
    ),
    9: (
        detect(),
        [
            v3_face(
                "75eaa2bb1b5dbf2fc0bbf4be10e19be6",
                FaceBox(51.8, 76.9, 89, 80, -1),
                (-5.480030537, 9.606204987, -1.659206033),
                1.0,
            )
        ],
    ),
    10: (detect(), []),  # 222202 "pic not has face": no face, not an error
    11: (
        detect("face_shape"),
        [
            v3_face(
                "3d44d56f3d2d41190368b2697023d5f2",
                FaceBox(236.0, 819.9, 426, 446, 0),
                (-7.9, -5.58, -4.76),
                0.95,
                face_shape="square",
            )
        ],
    ),
    12: (match, [MatchScore(0, 1, 96.01836395)]),
    13: (match, [MatchScore(0, 1, 92.98625183)]),
    14: (match, [MatchScore(0, 1, 0.0)]),  # SUCCESS with score 0 when a picture has no face
    15: (
        register,
        RegisterResult(
            "u", ("g",), 305486850152173171, "9eb35e49ad952343a2875db71dcaa3ec", FaceBox(34.6, 45.4, 137, 140, -2)
        ),
    ),
    16: (
        update,
        RegisterResult(
            "u", ("g",), 305486850152649191, "253bed095d3f772a6abc3d9a03df42ee", FaceBox(29.9, 29.1, 147, 152, 2)
        ),
    ),
    17: (update, refused(BaiduFaceUserNotFoundError, 223103, "uid", "u")),
    18: (delete, Result(304592850152375341, ("g",))),
    19: (delete, refused(BaiduFaceUserNotFoundError, 223103, "uid", "u")),
    20: (list_groups, ["group1", "test_group"]),
    21: (list_group_users, []),
    22: (identify("user"), [IdentifiedFace((Candidate("miaozp", "user", "", 73.035263061523),))]),
    23: (
        detect("gender", "glasses", "race", "landmark"),
        [
            Face(
                FaceBox(90, 92, 111, 99, 6),
                1.0,
                11.61234664917,
                -0.30852827429771,
                8.8044967651367,
                gender="male",
                glasses="none",
                race="yellow",
                landmarks=(Point(105, 110),),
            )
        ],
    ),
    24: (match, [MatchScore(0, 1, 44.3)]),
    25: (identify("test1"), [IdentifiedFace((Candidate("u333333", "test1", "Test User", 99.3),))]),
    26: (verify("u", "g"), VerifyResult("u", 99.3)),
    27: (register, RegisterResult("u", ("g",), 73473737)),
    28: (register, refused(BaiduFaceInvalidInputError, 216616, "image")),  # "image exist"
    29: (update, refused(BaiduFaceUserNotFoundError, 216612, "uid", "u")),
    30: (delete, refused(BaiduFaceUserNotFoundError, 216612, "uid", "u")),
    31: (list_groups, ["grp1", "grp2"]),
    32: (list_group_users, [GroupUser("uid1", "user info 1"), GroupUser("uid2", "user info 2")]),
    33: (add_to_group, refused(BaiduFaceInvalidInputError, 216100)),
    34: (remove_from_group, refused(BaiduFaceInvalidInputError, 216619)),
    35: (
        detect("age", "gender", "beauty", "expression", "glasses", "emotion"),
        [
            v3_face(
                "6be976aaa32b125e825418e016394e80",
                FaceBox(220.0, 102.5, 92, 88, -5),
                (22.86, 12.54, -12.08),
                1.0,
                age=23,
                beauty=74.96,
                gender="male",
                expression="none",
                glasses="none",
                emotion="neutral",
            )
        ],
    ),
    36: (
        identify("test4", max_faces=2),
        [
            IdentifiedFace(
                (Candidate("huangbo", "test4", "huangbo", 83.464210510254),),
                FaceBox(273.7, 98.5, 50, 52, 0),
                "216fbd22dc0d396c4582994582fef520",
            ),
            IdentifiedFace(
                (Candidate("xuzheng", "test4", "xuzheng", 93.112098693848),),
                FaceBox(173.5, 77.2, 53, 49, 11),
                "8993abdfe41e2841cc0335e5f314d275",
            ),
        ],
    ),
    37: (
        list_faces,
        [
            StoredFace("79546d104923a1c892ee26f565673797", "2020-05-29 09:43:20"),
            StoredFace("1b3fa27dbe8edab71f8c9e2ff4da021a", "2020-05-29 09:45:46"),
            StoredFace("db6ab182e9627793232bd2f8ab075d1b", "2020-05-29 09:45:47"),
        ],
    ),
    38: (match, [MatchScore(0, 1, 100.0)]),
    39: (
        get_user("u"),
        User("u", (Membership("gid1", "user info ..."), Membership("gid2", "user info2 ..."))),
    ),
    40: (add_to_group, Result(1234567890123, ("h",))),
    41: (
        identify("hackathon2019"),
        [IdentifiedFace((Candidate("caixin", "hackathon2019", "caixin", 92.220230102539),))],
    ),
    42: (identify("developGroup"), [IdentifiedFace((Candidate("fanyank", "developGroup", "", 78.387321472168),))]),
    43: (identify("g"), []),  # 216402 "face not found": no face, not an error
    # V2 user/get in both documented shapes: one object naming every group...
    44: (
        get_user("testuser2"),
        User("testuser2", tuple(Membership(g, "registed user info ...") for g in ("grp1", "grp2", "grp3"))),
    ),
    # ... and a list with one entry per group, each with its own user_info.
    45: (
        get_user("testuser2"),
        User(
            "testuser2", (Membership("grep1", "registed user info ..."), Membership("grep2", "registed user info2 ..."))
        ),
    ),
}


def path_of(operation: str) -> str:
    """`v3/search:err222207` and `v3/search(user_id)` are both answers of `v3/search`."""
    return operation.split(":", maxsplit=1)[0].split("(", maxsplit=1)[0]


@pytest.fixture
async def replay(
    session: aiohttp.ClientSession,
) -> AsyncIterator[Callable[[dict[str, Any]], BaiduFaceClient]]:
    """Serve one sample's path with its body on loopback, and anything else with error 3."""
    answers: dict[str, Any] = {}

    async def answer(request: web.Request) -> web.Response:
        if request.path == "/oauth/2.0/token":
            return web.json_response({"access_token": "24.replay", "expires_in": 2592000})
        path = request.path.removeprefix("/rest/2.0/face/")
        return web.json_response(answers.get(path, {"error_code": 3, "error_msg": "Unsupported openapi method"}))

    runner, url = await odd_server(answer)

    def client_for(sample: dict[str, Any]) -> BaiduFaceClient:
        path = path_of(sample["operation"])
        answers.clear()
        answers[path] = sample["body"]
        return BaiduFaceClient(session, "k", "s", base_url=url, api_version=path.split("/")[0], qps=50)

    yield client_for
    await runner.cleanup()


def test_every_sample_has_a_case() -> None:
    assert len(SAMPLES) == 46
    assert set(CASES) == set(range(len(SAMPLES)))


@pytest.mark.parametrize("index", sorted(CASES), ids=[f"{i}:{SAMPLES[i]['operation']}" for i in sorted(CASES)])
async def test_real_response_through_the_adapters(
    replay: Callable[[dict[str, Any]], BaiduFaceClient], index: int
) -> None:
    sample = SAMPLES[index]
    call, expected = CASES[index]
    client = replay(sample)
    if isinstance(expected, tuple):
        kind, code, field, value = expected
        with pytest.raises(kind) as raised:
            await call(client)
        assert (raised.value.error_code, raised.value.error_msg) == (code, sample["body"]["error_msg"])
        assert (raised.value.field, raised.value.value) == (field, value)
        assert raised.value.log_id == sample["body"].get("log_id")
        return
    assert await call(client) == expected
    # One request, to the sample's own path: nothing was read from anywhere else. V2 asks one face
    # of multi-identify first (its answer says where the face is), refused here with error 3.
    asked_first = path_of(sample["operation"]) == "v2/identify"
    assert sum(n for operation, n in client.call_counts.items() if operation != "token") == 1 + asked_first
