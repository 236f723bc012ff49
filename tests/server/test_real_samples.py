"""The local server answers with the key sets and number types of Baidu's real responses.

`tests/fixtures/baidu_real_responses.json` holds 46 bodies of the real service (each with
its source). For every operation they cover, the same operation is run against the local
server and its body is compared with each sample: the same keys (less the attributes the
local server never invents), the same JSON kinds, and integers wherever Baidu gives
integers; error samples must also match code and message.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faces import STRANGER, b64, blank_image, photo

from .conftest import Wire

SAMPLES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "baidu_real_responses.json").read_text(encoding="utf-8")
)
# Attributes Baidu's cloud measures and the local server never invents (see docs/limitations.md).
UNMEASURED = frozenset(
    {
        "age", "beauty", "expression", "face_shape", "face_type", "gender", "glasses", "emotion", "race",
        "gender_probability", "glasses_probability", "race_probability",
    }
)  # fmt: skip
# Float fields that a real sample happens to print as a whole number (a score of 100).
FRACTIONAL = frozenset({"face_probability", "probability", "score", "scores"})
# Documented in more than one shape: the local answer must have one of them.
ALTERNATIVE_SHAPES = frozenset({"v2/faceset/user/get"})
# Samples the local server cannot reproduce, and why.
NOT_REPRODUCIBLE = {
    "v3/search:err223120": "liveness is not judged locally",
    "v3/match(no face)": "the local server answers 222202 for a picture without a face, as other real samples do",
}

OBAMA = b64(photo("enroll/obama_1.jpg"))
BIDEN = b64(photo("enroll/biden_1.jpg"))
PROBE = b64(photo("probe/obama.jpg"))
PAIR = b64(photo("probe/obama+biden.jpg"))
BLANK = b64(blank_image())

Producer = Callable[[Wire], Awaitable[Any]]


async def face_set(wire: Wire) -> None:
    """Obama and Biden in `family`, Obama also in `vip`."""
    for uid, image in (("obama", OBAMA), ("biden", BIDEN)):
        form = {"uid": uid, "user_info": uid.title(), "group_id": "family", "image": image}
        assert "error_code" not in await wire.v2("faceset/user/add", form)
    copy = {"uid": "obama", "src_group_id": "family", "group_id": "vip"}
    assert "error_code" not in await wire.v2("faceset/group/adduser", copy)


def v3_image(image: str) -> dict[str, str]:
    return {"image": image, "image_type": "BASE64"}


PRODUCERS: dict[str, Producer] = {
    "v3/search": lambda w: w.v3("search", v3_image(PROBE) | {"group_id_list": "family"}),
    "v3/search(user_id)": lambda w: w.v3("search", v3_image(PROBE) | {"group_id_list": "family", "user_id": "obama"}),
    "v3/search:err222207": lambda w: w.v3("search", v3_image(b64(photo(STRANGER))) | {"group_id_list": "family"}),
    "v3/multi-search": lambda w: w.v3(
        "multi-search", v3_image(PAIR) | {"group_id_list": "family", "max_face_num": 2, "match_threshold": 0}
    ),
    "v3/detect": lambda w: w.v3("detect", v3_image(PROBE)),
    "v3/detect(attrs)": lambda w: w.v3(
        "detect", v3_image(PROBE) | {"face_field": "age,gender,beauty,expression,glasses,emotion"}
    ),
    "v3/detect:err222202": lambda w: w.v3("detect", v3_image(BLANK)),
    "v3/match": lambda w: w.v3("match", [v3_image(OBAMA), v3_image(PROBE)]),
    "v3/faceset/user/add": lambda w: w.v3(
        "faceset/user/add", v3_image(b64(photo("enroll/obama_2.jpg"))) | {"group_id": "family", "user_id": "obama"}
    ),
    "v3/faceset/user/update": lambda w: w.v3(
        "faceset/user/update", v3_image(BIDEN) | {"group_id": "family", "user_id": "biden"}
    ),
    "v3/faceset/user/update:err223103": lambda w: w.v3(
        "faceset/user/update", v3_image(BIDEN) | {"group_id": "family", "user_id": "nobody"}
    ),
    "v3/faceset/user/delete": lambda w: w.v3("faceset/user/delete", {"group_id": "vip", "user_id": "obama"}),
    "v3/faceset/user/delete:err223103": lambda w: w.v3("faceset/user/delete", {"group_id": "vip", "user_id": "nobody"}),
    "v3/faceset/user/get": lambda w: w.v3("faceset/user/get", {"group_id": "@ALL", "user_id": "obama"}),
    "v3/faceset/user/copy": lambda w: w.v3(
        "faceset/user/copy", {"user_id": "biden", "src_group_id": "family", "dst_group_id": "vip"}
    ),
    "v3/faceset/group/getlist": lambda w: w.v3("faceset/group/getlist", {}),
    "v3/faceset/group/getusers": lambda w: w.v3("faceset/group/getusers", {"group_id": "family"}),
    "v3/faceset/face/getlist": lambda w: w.v3("faceset/face/getlist", {"group_id": "family", "user_id": "obama"}),
    "v2/detect": lambda w: w.v2("detect", {"image": PROBE, "face_fields": "landmark,gender,glasses,race"}),
    "v2/match": lambda w: w.v2("match", {"images": f"{OBAMA},{PROBE}"}),
    "v2/identify": lambda w: w.v2("identify", {"group_id": "family", "image": PROBE}),
    "v2/identify:err216402": lambda w: w.v2("identify", {"group_id": "family", "image": BLANK}),
    "v2/verify": lambda w: w.v2("verify", {"uid": "obama", "group_id": "family", "image": PAIR, "top_num": "2"}),
    "v2/faceset/user/add": lambda w: w.v2(
        "faceset/user/add", {"uid": "obama", "user_info": "Obama", "group_id": "family", "image": PROBE}
    ),
    "v2/faceset/user/add:err216616": lambda w: w.v2(
        "faceset/user/add", {"uid": "obama", "user_info": "Obama", "group_id": "family", "image": OBAMA}
    ),
    "v2/faceset/user/update:err216612": lambda w: w.v2(
        "faceset/user/update", {"uid": "nobody", "user_info": "x", "group_id": "family", "image": OBAMA}
    ),
    "v2/faceset/user/delete:err216612": lambda w: w.v2("faceset/user/delete", {"uid": "nobody"}),
    "v2/faceset/user/get": lambda w: w.v2("faceset/user/get", {"uid": "obama"}),
    "v2/faceset/group/getlist": lambda w: w.v2("faceset/group/getlist", {}),
    "v2/faceset/group/getusers": lambda w: w.v2("faceset/group/getusers", {"group_id": "family"}),
    "v2/faceset/group/adduser:err216100": lambda w: w.v2(
        "faceset/group/adduser", {"uid": "obama", "src_group_id": "family", "group_id": "vip"}
    ),
    "v2/faceset/group/deleteuser:err216619": lambda w: w.v2(
        "faceset/group/deleteuser", {"uid": "biden", "group_id": "family"}
    ),
}


def kind(value: Any) -> str:
    """Name the JSON kind of a value, with integers and fractions apart."""
    if value is None or isinstance(value, (bool, str, list, dict)):
        return type(value).__name__
    return "int" if isinstance(value, int) else "float"


def differences(local: Any, sample: Any, path: str = "") -> list[str]:
    """Where `local` departs from `sample` in keys or number types."""
    name = path.rsplit(".", 1)[-1].rstrip("[]")
    local_kind, sample_kind = kind(local), kind(sample)
    if sample_kind == "int" and local_kind == "float" and name not in FRACTIONAL:
        return [f"{path}: {local!r} where Baidu has an integer ({sample!r})"]
    if {local_kind, sample_kind} <= {"int", "float"}:
        return []
    if local_kind != sample_kind:
        return [f"{path}: {local_kind} where Baidu has {sample_kind}"]
    if isinstance(sample, dict):
        expected = set(sample) - UNMEASURED
        found = (
            [f"{path}: keys {sorted(set(local))} where Baidu has {sorted(expected)}"] if set(local) != expected else []
        )
        for key in expected & set(local):
            found += differences(local[key], sample[key], f"{path}.{key}")
        return found
    if isinstance(sample, list) and sample:
        if not local:
            return [f"{path}: empty where Baidu has items"]
        return [d for item in local for d in differences(item, sample[0], f"{path}[]")]
    return []


def reproducible() -> list[str]:
    return sorted({s["operation"] for s in SAMPLES} - NOT_REPRODUCIBLE.keys())


def test_every_sampled_operation_is_covered() -> None:
    assert set(reproducible()) == set(PRODUCERS)


@pytest.mark.parametrize("operation", reproducible())
async def test_local_answers_have_the_real_shapes(wire: Wire, operation: str) -> None:
    """Given a small face set, the local answer to each operation looks like Baidu's."""
    await face_set(wire)
    local = await PRODUCERS[operation](wire)
    samples = [s["body"] for s in SAMPLES if s["operation"] == operation]
    found = [differences(local, sample) for sample in samples]
    if operation in ALTERNATIVE_SHAPES:
        assert any(not f for f in found), found
    else:
        assert not any(found), found
    if ":err" in operation:
        assert {(s["error_code"], s["error_msg"]) for s in samples} == {(local["error_code"], local["error_msg"])}
