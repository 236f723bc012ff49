"""Liveness and quality levels on the wire and back, both dialects, against Baidu's documented answers.

A small fake of Baidu on loopback records every request and answers the bodies Baidu documents
(baidu-quality-liveness.md; real bodies from tests/fixtures where the samples have them). V3
requests are compared with what Baidu's own Python SDK (baidu-aip) sends for the same call; V2
requests with the option names of the last V2 SDK (nodejs-sdk 2.2.0: `face_fields`, `ext_fields`,
`image_liveness`).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import nullcontext
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest
from aiohttp import web
from aip import AipFace

from custom_components.baidu_face.api import (
    LIVENESS_THRESHOLDS,
    QUALITY_LIMITS,
    BaiduFaceClient,
    BaiduFaceInvalidInputError,
    BaiduFaceLivenessError,
    BaiduFaceLivenessUnavailableError,
    BaiduFaceNoFaceError,
    BaiduFaceNotSupportedError,
    BaiduFaceQualityError,
    BaiduFaceQualityUnavailableError,
    ControlLevel,
    FaceBox,
    MatchScore,
    Occlusion,
    Quality,
    capabilities_for,
    is_baidu_cloud,
    prepare_image,
)
from custom_components.baidu_face.api.models import ApiVersion
from tests.faces import photo

from .loopback import odd_server

SAMPLES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "baidu_real_responses.json").read_text(encoding="utf-8")
)
IMAGE = prepare_image(photo("probe/obama.jpg"))
OTHER = prepare_image(photo("enroll/obama_1.jpg"))
BAIDU = "https://aip.baidubce.com"
OK = {"error_code": 0, "error_msg": "SUCCESS", "log_id": 1, "timestamp": 1, "cached": 0}

# Documented shapes: V3 detect's `quality` (§2.4), V2 detect's `qualities` (§1.2).
OCCLUSION: dict[str, float] = {
    "left_eye": 0, "right_eye": 0, "nose": 0, "mouth": 0, "left_cheek": 0.0117, "right_cheek": 0.0226,
    "chin_contour": 0,
}  # fmt: skip
SHARP: dict[str, Any] = {"occlusion": OCCLUSION, "blur": 5.1e-06, "illumination": 155, "completeness": 1}
SHARP_QUALITY = Quality(
    blur=5.1e-06,
    illumination=155,
    completeness=1,
    occlusion=Occlusion(0, 0, 0, 0, 0.0117, 0.0226, 0),
    yaw=-5.480030537,
    pitch=9.606204987,
    roll=-1.659206033,
)


def v2_qualities(**changes: Any) -> dict[str, Any]:
    """V2's `qualities`: `chin` for the chin, numbers as Baidu sends them (text too), and `type`."""
    occlusion = {("chin" if k == "chin_contour" else k): v for k, v in OCCLUSION.items()}
    return {
        "occlusion": occlusion | changes.pop("occlusion", {}),
        "blur": "5.1e-06",
        "illumination": 155,
        "completeness": 1,
        "type": {"human": 0.99, "cartoon": 0.01},
    } | changes


def v3_detect(*faces: dict[str, Any]) -> dict[str, Any]:
    """Sample 9 (a real V3 detect body) with each face's extra fields added."""
    face = SAMPLES[9]["body"]["result"]["face_list"][0]
    listed = [face | extra for extra in faces]
    return OK | {"result": {"face_num": len(listed), "face_list": listed}}


def v2_face(left: int = 90, width: int = 111, **extra: Any) -> dict[str, Any]:
    """Sample 23's face (a V2 detect body from Baidu's doc), moved and with fields added."""
    face = {k: v for k, v in SAMPLES[23]["body"]["result"][0].items() if k != "landmark"}
    return face | {"location": face["location"] | {"left": left, "width": width, "height": width}} | extra


def v2_detect(*faces: dict[str, Any]) -> dict[str, Any]:
    return {"log_id": 1, "result_num": len(faces), "result": list(faces)}


V2_IDENTIFIED = SAMPLES[25]["body"]  # uid u333333, scores 99.3 and 83.4
V2_VERIFIED = SAMPLES[26]["body"]  # 99.3, 83.6
V2_MATCHED = SAMPLES[24]["body"]  # index 0-1, 44.3
# multi-identify's answer for one face: its best user and where the face is.
V2_ONE_FACE = {
    "log_id": 1,
    "result": [
        {"uid": "a", "group_id": "g", "user_info": "", "scores": [91],
         "position": {"left": 105, "top": 95, "width": 100, "height": 100, "degree": 0}},
    ],
}  # fmt: skip


@dataclass
class Fake:
    """Baidu on loopback: each request is recorded; each path answers its queue (the last answer repeats)."""

    url: str = ""
    requests: list[tuple[str, Any]] = field(default_factory=list)
    answers: dict[str, list[Any]] = field(default_factory=dict)

    def answer(self, path: str, *bodies: Any) -> None:
        self.answers[path] = list(bodies)

    def sent(self, path: str) -> list[Any]:
        return [body for p, body in self.requests if p == path]

    @property
    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]


@pytest.fixture
async def fake(session: aiohttp.ClientSession) -> AsyncIterator[Fake]:
    state = Fake()

    async def answer(request: web.Request) -> web.Response:
        if request.path == "/oauth/2.0/token":
            return web.json_response({"access_token": "24.fake", "expires_in": 2592000, "scope": "brain_all_scope"})
        path = request.path.removeprefix("/rest/2.0/face/")
        raw = (await request.read()).decode()
        sent = json.loads(raw) if path.startswith("v3/") else dict(parse_qsl(raw, keep_blank_values=True))
        state.requests.append((path, sent))
        queue = state.answers.get(path) or [{"error_code": 3, "error_msg": "Unsupported openapi method"}]
        return web.json_response(queue.pop(0) if len(queue) > 1 else queue[0])

    runner, state.url = await odd_server(answer)
    yield state
    await runner.cleanup()


@pytest.fixture
def v3(fake: Fake, session: aiohttp.ClientSession) -> BaiduFaceClient:
    return BaiduFaceClient(session, "k", "s", base_url=fake.url, api_version="v3", qps=50)


@pytest.fixture
def v2(fake: Fake, session: aiohttp.ClientSession) -> BaiduFaceClient:
    return BaiduFaceClient(session, "k", "s", base_url=fake.url, api_version="v2", qps=50)


def official(url: str) -> AipFace:
    """Baidu's own SDK, its endpoints pointed at the fake."""
    sdk = AipFace("1", "k", "s")
    for cls in type(sdk).__mro__:
        for name, value in vars(cls).items():
            if isinstance(value, str) and value.startswith(BAIDU):
                setattr(sdk, name, url + value.removeprefix(BAIDU))
    return sdk


B64 = IMAGE.base64
SDK_CALLS: list[tuple[str, Callable[[BaiduFaceClient], Awaitable[object]], Callable[[AipFace], object]]] = [
    (
        "v3/detect",
        lambda c: c.detect(IMAGE, max_faces=2, liveness="normal", quality="low"),
        # detect takes liveness_control; quality is asked for and judged by the client.
        lambda s: s.detect(B64, "BASE64", {"max_face_num": 2, "liveness_control": "NORMAL", "face_field": "quality"}),
    ),
    (
        "v3/multi-search",
        lambda c: c.identify(IMAGE, ["family", "vip"], max_faces=2, top=3, liveness="high", quality="normal"),
        lambda s: s.multiSearch(
            B64,
            "BASE64",
            "family,vip",
            {
                "max_face_num": 2,
                "max_user_num": 3,
                "match_threshold": 0,
                "liveness_control": "HIGH",
                "quality_control": "NORMAL",
            },
        ),
    ),
    (
        "v3/search",
        lambda c: c.verify(IMAGE, "obama", ["family"], liveness="low", quality="high"),
        lambda s: s.search(
            B64,
            "BASE64",
            "family",
            {"user_id": "obama", "match_threshold": 0, "liveness_control": "LOW", "quality_control": "HIGH"},
        ),
    ),
    (
        "v3/match",
        lambda c: c.match([IMAGE, OTHER], liveness="normal", quality="normal"),
        lambda s: s.match(
            [
                {"image": B64, "image_type": "BASE64", "liveness_control": "NORMAL", "quality_control": "NORMAL"},
                {
                    "image": OTHER.base64,
                    "image_type": "BASE64",
                    "liveness_control": "NORMAL",
                    "quality_control": "NORMAL",
                },
            ]
        ),
    ),
    (
        "v3/faceset/user/add",
        lambda c: c.register_user("obama", IMAGE, ["family"], user_info="奥巴马", liveness="normal", quality="normal"),
        lambda s: s.addUser(
            B64,
            "BASE64",
            "family",
            "obama",
            {"user_info": "奥巴马", "action_type": "APPEND", "liveness_control": "NORMAL", "quality_control": "NORMAL"},
        ),
    ),
    (
        "v3/faceset/user/update",
        lambda c: c.update_user("obama", IMAGE, "family", liveness="high", quality="low"),
        lambda s: s.updateUser(
            B64,
            "BASE64",
            "family",
            "obama",
            {"action_type": "UPDATE", "liveness_control": "HIGH", "quality_control": "LOW"},
        ),
    ),
    (
        "v3/search",
        lambda c: c.verify(IMAGE, "obama", ["family"]),
        # Level none is Baidu's default: left out, as the SDK's callers leave it out.
        lambda s: s.search(B64, "BASE64", "family", {"user_id": "obama", "match_threshold": 0}),
    ),
]


@pytest.mark.parametrize(
    ("path", "call", "sdk_call"), SDK_CALLS, ids=[f"{p}-{i}" for i, (p, *_) in enumerate(SDK_CALLS)]
)
async def test_v3_sends_the_levels_as_baidus_sdk_does(
    fake: Fake,
    v3: BaiduFaceClient,
    path: str,
    call: Callable[[BaiduFaceClient], Awaitable[object]],
    sdk_call: Callable[[AipFace], object],
) -> None:
    fake.answer(path, {"error_code": 222202, "error_msg": "pic not has face"})
    sdk = official(fake.url)
    await asyncio.to_thread(sdk_call, sdk)
    # No face: an answer for the searches, a refusal for registrations.
    with pytest.raises(BaiduFaceNoFaceError) if "faceset" in path else nullcontext():
        await call(v3)
    by_sdk, by_client = fake.sent(path)
    assert by_client == by_sdk


async def test_v2_asks_for_the_scores_with_the_sdks_option_names(fake: Fake, v2: BaiduFaceClient) -> None:
    fake.answer("v2/detect", v2_detect(v2_face(qualities=v2_qualities())))
    fake.answer("v2/identify", V2_IDENTIFIED | {"ext_info": [{"faceliveness": "0.9"}]})
    fake.answer("v2/verify", V2_VERIFIED | {"ext_info": [{"faceliveness": "0.9"}]})
    fake.answer(
        "v2/match",
        V2_MATCHED
        | {"ext_info": [{"qualities": [v2_qualities(yaw=1, pitch=2, roll=3)] * 2, "faceliveness": "0.9,0.8"}]},
    )
    await v2.identify(IMAGE, ["family"], liveness="normal", quality="normal")
    await v2.verify(IMAGE, "obama", ["family"], liveness="normal", quality="normal")
    await v2.match([IMAGE, OTHER], liveness="normal", quality="normal")
    await v2.detect(IMAGE, quality="normal", attributes={"age"})
    # Quality first (V2's identify and verify cannot ask for it), then the call itself asks for liveness.
    assert fake.paths == ["v2/detect", "v2/identify", "v2/detect", "v2/verify", "v2/match", "v2/detect"]
    measure = {"image": B64, "max_face_num": "1", "face_fields": "qualities"}
    assert fake.sent("v2/detect") == [measure, measure, measure | {"face_fields": "age,qualities"}]
    assert fake.sent("v2/identify") == [
        {"image": B64, "group_id": "family", "user_top_num": "1", "ext_fields": "faceliveness"}
    ]
    assert fake.sent("v2/verify") == [
        {"image": B64, "uid": "obama", "group_id": "family", "ext_fields": "faceliveness"}
    ]
    assert fake.sent("v2/match") == [
        {
            "images": f"{B64},{OTHER.base64}",
            "ext_fields": "qualities",
            "image_liveness": "faceliveness,faceliveness",
        }
    ]


async def test_without_levels_nothing_more_is_asked_or_spent(
    fake: Fake, v2: BaiduFaceClient, v3: BaiduFaceClient
) -> None:
    fake.answer("v2/multi-identify", V2_ONE_FACE)
    fake.answer("v2/faceset/user/add", {"log_id": 1})
    fake.answer("v3/multi-search", SAMPLES[8]["body"])
    await v2.identify(IMAGE, ["family"])
    await v2.register_user("obama", IMAGE, ["family"])
    await v3.identify(IMAGE, ["family"])
    assert fake.paths == ["v2/multi-identify", "v2/faceset/user/add", "v3/multi-search"]
    assert not {"ext_fields", "face_fields"} & set(fake.sent("v2/multi-identify")[0])
    assert not {"liveness_control", "quality_control"} & set(fake.sent("v3/multi-search")[0])


async def test_v2_one_face_is_identified_with_its_box_in_one_call(
    fake: Fake, v2: BaiduFaceClient, session: aiohttp.ClientSession
) -> None:
    """multi-identify for the largest face says where it is; where the app lacks it, identify answers without."""
    fake.answer("v2/multi-identify", V2_ONE_FACE)
    (face,) = await v2.identify(IMAGE, ["g"])
    assert face.best is not None
    assert face.best.uid == "a"
    assert face.box is not None
    assert face.box.left == 105
    assert fake.sent("v2/multi-identify")[0]["detect_top_num"] == "1"
    # An app without multi-identify: refused once (and remembered), then identify, which says no box.
    fake.answer("v2/multi-identify", {"error_code": 6, "error_msg": "No permission to access data"})
    fake.answer("v2/identify", V2_IDENTIFIED)
    fake.requests.clear()
    lacking = BaiduFaceClient(session, "k", "s", base_url=fake.url, api_version="v2", qps=50)
    for _ in range(2):
        (face,) = await lacking.identify(IMAGE, ["g"])
        assert face.box is None
    assert fake.paths == ["v2/multi-identify", "v2/identify", "v2/identify"]


class Budget:
    """A CallBudget that counts what it is told."""

    def __init__(self) -> None:
        self.counted: Counter[str] = Counter()

    def allow(self, api: str) -> str | None:
        return None

    def record(self, api: str, *, counted: bool, spent: str | None) -> None:
        self.counted[api] += counted


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.register_user("obama", IMAGE, ["family"], quality="normal"), "v2/faceset/user/add"),
        (lambda c: c.update_user("obama", IMAGE, "family", user_info="x", quality="normal"), "v2/faceset/user/update"),
        (lambda c: c.verify(IMAGE, "obama", ["family"], quality="normal"), "v2/verify"),
        (lambda c: c.identify(IMAGE, ["family"], quality="normal"), "v2/identify"),
    ],
)
async def test_v2_quality_costs_one_detect_call_counted_like_any_other(
    fake: Fake, session: aiohttp.ClientSession, call: Callable[[BaiduFaceClient], Awaitable[object]], path: str
) -> None:
    budget = Budget()
    client = BaiduFaceClient(session, "k", "s", base_url=fake.url, api_version="v2", budget=budget)
    fake.answer("v2/detect", v2_detect(v2_face(qualities=v2_qualities())))
    fake.answer(path, {"log_id": 1, "result": V2_IDENTIFIED["result"] if path.endswith("identify") else [90.0]})
    result: Any = await call(client)
    assert result is not None
    assert fake.paths == ["v2/detect", path]
    assert budget.counted == {"detect": 1, path.removeprefix("v2/"): 1}
    assert client.call_counts["detect"] == 1
    assert capabilities_for(ApiVersion.V2).quality_costs_detect
    assert not capabilities_for(ApiVersion.V3).quality_costs_detect


async def test_v2_quality_refuses_before_the_call_itself(fake: Fake, v2: BaiduFaceClient) -> None:
    fake.answer("v2/detect", v2_detect(v2_face(qualities=v2_qualities(blur=0.95))))
    with pytest.raises(BaiduFaceQualityError) as blurred:
        await v2.register_user("obama", IMAGE, ["family"], quality="normal")
    assert (blurred.value.check, blurred.value.regions, blurred.value.field) == ("blur", (), "image")
    fake.answer("v2/detect", v2_detect())
    with pytest.raises(BaiduFaceNoFaceError):
        await v2.register_user("obama", IMAGE, ["family"], quality="normal")
    # Verify answers "no face" without spending the verify call.
    result = await v2.verify(IMAGE, "obama", ["family"], quality="normal")
    assert (result.face_found, result.score) == (False, 0.0)
    assert fake.paths == ["v2/detect"] * 3


@pytest.mark.parametrize(
    ("changes", "check", "regions"),
    [
        ({"completeness": 0, "blur": 0.99}, "completeness", ()),  # the first failing check names the refusal
        ({"completeness": 0}, "completeness", ()),
        ({"yaw": 35.0}, "angle", ()),
        ({"roll": -31.0}, "angle", ()),
        ({"blur": "7.5e-01"}, "blur", ()),
        ({"illumination": 39}, "illumination", ()),
        ({"occlusion": {"left_eye": 0.65}}, "occlusion", ("left_eye",)),
        ({"occlusion": {"chin": 0.9, "mouth": 0.8}}, "occlusion", ("mouth", "chin_contour")),
    ],
)
async def test_v2_quality_judged_by_the_table_as_baidu_refuses(
    fake: Fake, v2: BaiduFaceClient, changes: dict[str, Any], check: str, regions: tuple[str, ...]
) -> None:
    angles = {k: changes.pop(k) for k in ("yaw", "roll") if k in changes}
    fake.answer("v2/detect", v2_detect(v2_face(qualities=v2_qualities(**changes), **angles)))
    with pytest.raises(BaiduFaceQualityError) as refused:
        await v2.detect(IMAGE, quality="normal")
    assert (refused.value.check, refused.value.regions, refused.value.error_code) == (check, regions, None)
    # The same face passes the lenient level, or fails it for the same reason.
    if changes in ({"completeness": 0}, {"illumination": 39}, {"occlusion": {"left_eye": 0.65}}):
        assert len(await v2.detect(IMAGE, quality="low")) == 1


async def test_quality_on_the_boundary_passes(fake: Fake, v2: BaiduFaceClient) -> None:
    limits = QUALITY_LIMITS[ControlLevel.NORMAL]
    edge = v2_qualities(blur=limits.max_blur, illumination=limits.min_illumination)
    fake.answer("v2/detect", v2_detect(v2_face(qualities=edge, yaw=-limits.max_angle)))
    (face,) = await v2.detect(IMAGE, quality="normal")
    assert face.quality is not None
    assert (face.quality.blur, face.quality.yaw) == (0.7, -30.0)


def test_the_thresholds_are_the_contracts() -> None:
    """The team's table (docs/actions-and-events.md); a server test holds the server's copy equal to it."""
    table = {
        level: (
            limits.max_blur,
            limits.min_illumination,
            limits.complete,
            limits.max_angle,
            astuple(limits.max_occlusion),
        )
        for level, limits in QUALITY_LIMITS.items()
    }
    assert table == {
        ControlLevel.LOW: (0.8, 30, False, 45, (0.8,) * 7),
        ControlLevel.NORMAL: (0.7, 40, True, 30, (0.6, 0.6, 0.7, 0.7, 0.8, 0.8, 0.6)),
        ControlLevel.HIGH: (0.4, 60, True, 20, (0.4, 0.4, 0.5, 0.5, 0.6, 0.6, 0.4)),
    }
    assert LIVENESS_THRESHOLDS == {ControlLevel.LOW: 0.393241, ControlLevel.NORMAL: 0.4494, ControlLevel.HIGH: 0.834963}


@pytest.mark.parametrize("chin", ["chin_contour", "chin"])
async def test_v3_detect_reads_quality_and_judges_it(fake: Fake, v3: BaiduFaceClient, chin: str) -> None:
    occlusion = dict(OCCLUSION)
    occlusion[chin] = occlusion.pop("chin_contour")  # V3 samples write chin_contour, one mirror chin
    quality = SHARP | {"occlusion": occlusion}
    fake.answer("v3/detect", v3_detect({"quality": quality, "liveness": {"livemapscore": 0.98}}))
    (face,) = await v3.detect(IMAGE, quality="high")
    assert face.quality == SHARP_QUALITY
    assert face.liveness == 0.98
    assert face.box == FaceBox(51.8, 76.9, 89, 80, -1)


async def test_v3_detect_leaves_out_faces_that_fail_and_counts_them(fake: Fake, v3: BaiduFaceClient) -> None:
    dark = SHARP | {"illumination": 12}
    fake.answer("v3/detect", v3_detect({"quality": SHARP}, {"quality": dark}, {"quality": SHARP}))
    faces = await v3.detect(IMAGE, max_faces=3, quality="normal")
    assert (len(faces), faces.refused) == (2, 1)
    fake.answer("v3/detect", v3_detect({"quality": dark}, {"quality": SHARP | {"completeness": 0}}))
    with pytest.raises(BaiduFaceQualityError) as refused:
        await v3.detect(IMAGE, max_faces=3, quality="normal")
    assert refused.value.check == "illumination"  # the largest face's
    # Without a level the same faces all come back.
    faces = await v3.detect(IMAGE, max_faces=3)
    assert (len(faces), faces.refused) == (2, 0)


async def test_quality_asked_but_not_answered_is_not_a_pass(
    fake: Fake, v2: BaiduFaceClient, v3: BaiduFaceClient
) -> None:
    fake.answer("v2/detect", v2_detect(v2_face()))
    fake.answer("v3/detect", v3_detect({}))
    for client in (v2, v3):
        with pytest.raises(BaiduFaceQualityUnavailableError) as unjudged:
            await client.detect(IMAGE, quality="low")
        assert isinstance(unjudged.value, BaiduFaceNotSupportedError)
        assert unjudged.value.field == "quality"


@pytest.mark.parametrize(
    ("ext_info", "score"),
    [
        ([{"faceliveness": "0.49999"}], 0.49999),  # the docs' shape: an array, the score as text
        ({"faceliveness": "0.8"}, 0.8),  # an object, as Baidu's 2017 Android demo reads it
        ([{"faceliveness": 0.9}], 0.9),
    ],
)
async def test_v2_liveness_score_in_either_documented_shape(
    fake: Fake, v2: BaiduFaceClient, ext_info: Any, score: float
) -> None:
    fake.answer("v2/identify", V2_IDENTIFIED | {"ext_info": ext_info})
    (face,) = await v2.identify(IMAGE, ["test1"], liveness="normal")
    assert face.liveness == score
    assert face.best is not None
    assert face.best.uid == "u333333"
    assert v2.judges_liveness is True


async def test_v2_liveness_below_the_level_is_refused_as_baidu_refuses(fake: Fake, v2: BaiduFaceClient) -> None:
    # Scientific notation, as Baidu sends a very low score (§1.4).
    fake.answer("v2/verify", V2_VERIFIED | {"ext_info": [{"faceliveness": "1.9012000307406e-10"}]})
    with pytest.raises(BaiduFaceLivenessError) as refused:
        await v2.verify(IMAGE, "u", ["g"], liveness="low")
    assert refused.value.score == pytest.approx(1.9012e-10)
    assert refused.value.field == "image"
    fake.answer("v2/verify", V2_VERIFIED | {"ext_info": [{"faceliveness": "0.44"}]})
    assert (await v2.verify(IMAGE, "u", ["g"], liveness="low")).liveness == 0.44
    with pytest.raises(BaiduFaceLivenessError):
        await v2.verify(IMAGE, "u", ["g"], liveness="normal")
    # No score where one was asked for: nothing was judged, so nothing passes.
    fake.answer("v2/verify", V2_VERIFIED)
    with pytest.raises(BaiduFaceLivenessUnavailableError):
        await v2.verify(IMAGE, "u", ["g"], liveness="low")
    assert v2.judges_liveness is True  # a missing score says nothing of the backend


async def test_v2_match_judges_each_image(fake: Fake, v2: BaiduFaceClient) -> None:
    qualities = [v2_qualities(yaw=1, pitch=2, roll=3)] * 2
    fake.answer("v2/match", V2_MATCHED | {"ext_info": [{"faceliveness": "0.9,0.4", "qualities": qualities}]})
    (pair,) = await v2.match([IMAGE, OTHER], liveness="low", quality="normal")
    measured = replace(SHARP_QUALITY, yaw=1, pitch=2, roll=3)
    assert pair == MatchScore(0, 1, 44.3, quality=(measured, measured), liveness=(0.9, 0.4))
    with pytest.raises(BaiduFaceLivenessError) as second:
        await v2.match([IMAGE, OTHER], liveness="normal")
    assert second.value.score == 0.4


@pytest.mark.parametrize(
    ("code", "check", "regions"),
    [
        (223113, "occlusion", ()),
        (223114, "blur", ()),
        (223115, "illumination", ()),
        (223116, "completeness", ()),
        (223118, "angle", ()),
        (223121, "occlusion", ("left_eye",)),
        (223122, "occlusion", ("right_eye",)),
        (223123, "occlusion", ("left_cheek",)),
        (223124, "occlusion", ("right_cheek",)),
        (223125, "occlusion", ("chin_contour",)),
        (223126, "occlusion", ("nose",)),
        (223127, "occlusion", ("mouth",)),
    ],
)
async def test_baidus_quality_refusals_name_the_check(
    fake: Fake, v3: BaiduFaceClient, code: int, check: str, regions: tuple[str, ...]
) -> None:
    fake.answer("v3/faceset/user/add", {"error_code": code, "error_msg": "quality", "log_id": 7, "result": None})
    with pytest.raises(BaiduFaceQualityError) as refused:
        await v3.register_user("obama", IMAGE, ["family"], quality="normal")
    assert (refused.value.check, refused.value.regions, refused.value.error_code) == (check, regions, code)
    assert (refused.value.field, refused.value.log_id) == ("image", 7)
    assert isinstance(refused.value, BaiduFaceInvalidInputError)


async def test_baidus_liveness_refusal_replayed(fake: Fake, v3: BaiduFaceClient) -> None:
    body = SAMPLES[7]["body"]
    assert body["error_code"] == 223120  # "liveness check fail", a real answer
    fake.answer("v3/search", body)
    with pytest.raises(BaiduFaceLivenessError) as refused:
        await v3.verify(IMAGE, "u", ["g"], liveness="normal")
    assert (refused.value.error_msg, refused.value.score) == ("liveness check fail", None)
    assert v3.judges_liveness is True


async def test_a_backend_that_does_not_judge_liveness(fake: Fake, v2: BaiduFaceClient, v3: BaiduFaceClient) -> None:
    """The local server refuses a liveness level (the contract): a typed error, never a pass."""
    assert (v2.judges_liveness, v3.judges_liveness) == (None, None)
    not_judged = "liveness control item error: liveness is not judged by this local server; use Baidu's cloud"
    fake.answer("v3/multi-search", {"error_code": 223119, "error_msg": not_judged, "log_id": 2, "result": None})
    fake.answer("v2/identify", {"error_code": 216102, "error_msg": "service not support: liveness is not judged"})
    for client in (v3, v2):
        with pytest.raises(BaiduFaceLivenessUnavailableError) as refused:
            await client.identify(IMAGE, ["family"], liveness="low")
        assert isinstance(refused.value, BaiduFaceNotSupportedError)
        assert refused.value.field == "liveness"
        assert client.judges_liveness is False
    # 216102 on a call that asked for no liveness stays what it is.
    with pytest.raises(BaiduFaceNotSupportedError) as plain:
        await v2.identify(IMAGE, ["family"])
    assert not isinstance(plain.value, BaiduFaceLivenessUnavailableError)


async def test_v3_says_it_judged_liveness_when_it_answered(fake: Fake, v3: BaiduFaceClient) -> None:
    fake.answer("v3/search", SAMPLES[0]["body"])
    result = await v3.verify(IMAGE, "tian", ["tianliuzhenTestFace"], liveness="normal")
    assert result.score > 80
    assert result.liveness is None  # Baidu judged it, and says no score
    assert v3.judges_liveness is True


async def test_v2_judges_liveness_only_where_it_can(fake: Fake, v2: BaiduFaceClient) -> None:
    for call in (
        v2.detect(IMAGE, liveness="low"),
        v2.register_user("u", IMAGE, ["g"], liveness="low"),
        v2.update_user("u", IMAGE, "g", liveness="low"),
    ):
        with pytest.raises(BaiduFaceNotSupportedError) as refused:
            await call
        assert refused.value.field == "liveness"
    assert fake.requests == []
    assert capabilities_for(ApiVersion.V2).liveness == {"identify", "verify", "match"}
    assert capabilities_for(ApiVersion.V3).liveness == {
        "detect", "identify", "verify", "match", "register_user", "update_user",
    }  # fmt: skip


async def test_multi_search_counts_the_faces_it_left_out(fake: Fake, v3: BaiduFaceClient) -> None:
    body = json.loads(json.dumps(SAMPLES[36]["body"]))
    body["result"]["face_num"] = 3  # two of three faces passed quality_control
    fake.answer("v3/multi-search", body)
    faces = await v3.identify(IMAGE, ["test4"], max_faces=3, quality="normal")
    assert (len(faces), faces.refused) == (2, 1)


async def test_v2_several_faces_under_quality(fake: Fake, v2: BaiduFaceClient) -> None:
    """Measured first; multi-identify's faces are kept where a face that passed is; none passing costs no identify."""
    blurred = v2_qualities(blur=0.9)
    fake.answer(
        "v2/detect",
        v2_detect(v2_face(100, qualities=v2_qualities()), v2_face(400, qualities=blurred)),
        v2_detect(v2_face(100, qualities=blurred), v2_face(400, qualities=blurred)),
    )
    fake.answer(
        "v2/multi-identify",
        {
            "log_id": 1,
            "result": [
                {"uid": "a", "group_id": "g", "user_info": "", "scores": [91], "position": {"left": 105, "top": 95,
                 "width": 100, "height": 100, "degree": 0}},
                {"uid": "b", "group_id": "g", "user_info": "", "scores": [88], "position": {"left": 402, "top": 90,
                 "width": 105, "height": 105, "degree": 0}},
            ],
        },
    )  # fmt: skip
    faces = await v2.identify(IMAGE, ["g"], max_faces=3, quality="normal")
    assert [f.best.uid for f in faces if f.best] == ["a"]
    assert faces.refused == 1
    assert faces[0].quality is not None
    with pytest.raises(BaiduFaceQualityError):
        await v2.identify(IMAGE, ["g"], max_faces=3, quality="normal")
    assert fake.paths == ["v2/detect", "v2/multi-identify", "v2/detect"]


async def test_v2_liveness_on_several_faces_identifies_each(fake: Fake, v2: BaiduFaceClient) -> None:
    """V2 judges liveness only of a face that fills a third of the picture: each face is cut out and identified."""
    fake.answer("v2/detect", v2_detect(v2_face(100, 150), v2_face(500, 120)))
    fake.answer(
        "v2/identify",
        V2_IDENTIFIED | {"ext_info": [{"faceliveness": "0.95"}]},
        V2_IDENTIFIED | {"ext_info": [{"faceliveness": "0.1"}]},
    )
    faces = await v2.identify(IMAGE, ["g"], max_faces=2, liveness="normal")
    assert (len(faces), faces.refused, faces[0].liveness) == (1, 1, 0.95)
    assert faces[0].box == FaceBox(100, 92, 150, 150, 6)
    assert fake.paths == ["v2/detect", "v2/identify", "v2/identify"]
    assert all(sent["ext_fields"] == "faceliveness" for sent in fake.sent("v2/identify"))
    assert all(sent["image"] != B64 for sent in fake.sent("v2/identify"))  # the crops, not the frame


async def test_an_image_without_a_face_is_an_answer(fake: Fake, v2: BaiduFaceClient, v3: BaiduFaceClient) -> None:
    no_face = {"error_code": 222202, "error_msg": "pic not has face", "log_id": 3, "result": None}
    fake.answer("v3/search", no_face)
    fake.answer("v3/match", no_face)
    fake.answer("v2/verify", SAMPLES[43]["body"])  # 216402 "face not found", a real answer
    fake.answer("v2/match", SAMPLES[43]["body"])
    for client in (v3, v2):
        verified = await client.verify(IMAGE, "obama", ["family"])
        assert (verified.face_found, verified.score) == (False, 0.0)
        pairs = await client.match([IMAGE, OTHER, IMAGE])
        assert [(p.first, p.second, p.face_found, p.score) for p in pairs] == [
            (0, 1, False, 0.0),
            (0, 2, False, 0.0),
            (1, 2, False, 0.0),
        ]


@pytest.mark.parametrize("bad", ["medium", "", None, 2, ["low"]])
async def test_levels_are_checked_before_any_request(fake: Fake, v3: BaiduFaceClient, bad: Any) -> None:
    for name in ("liveness", "quality"):
        with pytest.raises(BaiduFaceInvalidInputError) as refused:
            await v3.detect(IMAGE, **{name: bad})
        assert refused.value.field == name
    assert fake.requests == []


@pytest.mark.parametrize(
    ("url", "cloud"),
    [
        ("https://aip.baidubce.com", True),
        ("https://AIP.baidubce.com/", True),
        ("http://127.0.0.1:8300", False),
        ("https://aip.baidubce.com.example.org", False),
        ("http://homeassistant.local:8300", False),
        ("not a url", False),
    ],
)
def test_is_baidu_cloud(url: str, cloud: bool) -> None:
    assert is_baidu_cloud(url) is cloud
