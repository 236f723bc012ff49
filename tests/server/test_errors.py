"""Every error the server can produce comes back in Baidu's own code and words — never a 500."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from PIL import Image

from baidu_face_server.server import RunningServer
from tests.conftest import V2_ONLY, V3_ONLY
from tests.faces import b64, blank_image, photo

from .conftest import Wire

OBAMA = b64(photo("enroll/obama_1.jpg"))


def image(data: str = OBAMA, **extra: Any) -> dict[str, Any]:
    return {"image": data, "image_type": "BASE64", **extra}


def error(body: dict[str, Any]) -> tuple[int, str]:
    assert body["log_id"]
    return body["error_code"], body["error_msg"]


async def add(wire: Wire, uid: str = "obama", group: str = "family", data: str = OBAMA) -> None:
    assert (await wire.v3("faceset/user/add", image(data, group_id=group, user_id=uid)))["error_code"] == 0


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("detect", {"image_type": "BASE64"}, (222001, "param[image] is null")),
        ("detect", {"image": OBAMA}, (222001, "param[image_type] is null")),
        ("detect", image(image_type="GIF"), (222015, "param[image_type] format error")),
        ("detect", image(max_face_num=0), (222016, "param[max_face_num] format error")),
        ("detect", image(face_field="age,halo"), (222017, "param[face_field] format error")),
        ("detect", image(liveness_control="MAX"), (222020, "param[liveness_control] format error")),
        ("detect", image(b64(b"not an image")), (222203, "image check fail")),
        ("detect", image(b64(blank_image(10, 10))), (222013, "param[image] format error")),
        ("detect", image(b64(blank_image(fmt="GIF"))), (222203, "image check fail")),
        ("detect", image("A" * (2 * 1024 * 1024 + 4)), (222013, "param[image] format error")),
        ("detect", image(b64(blank_image())), (222202, "pic not has face")),
        ("detect", {"image": "0" * 32, "image_type": "FACE_TOKEN"}, (222209, "face token not exist")),
        ("detect", {"image": 5, "image_type": "BASE64"}, (222013, "param[image] format error")),
        ("detect", {"image": "http://127.0.0.1:9/x.jpg", "image_type": "URL"}, (222204, "image_url_download_fail")),
        ("match", [image()], (222208, "the number of image is incorrect")),
        ("search", image(), (222001, "param[group_id_list] is null")),
        ("search", image(group_id_list="a-b"), (222005, "param[group_id_list] format error")),
        ("search", image(group_id_list=",".join(f"g{i}" for i in range(11))), (223104, "group_list is too large")),
        ("search", image(group_id_list="empty"), (222207, "match user is not found")),
        ("search", image(group_id_list="g", user_id="nobody"), (223103, "user is not exist")),
        ("search", image(group_id_list="g", max_user_num=51), (222021, "param[max_user_num] format error")),
        (
            "multi-search",
            image(group_id_list="g", match_threshold=101),
            (222024, "param[match_threshold] format error"),
        ),
        ("faceset/user/add", image(group_id="g"), (222001, "param[user_id] is null")),
        ("faceset/user/add", image(group_id="g", user_id="a b"), (222018, "param[user_id] format error")),
        ("faceset/user/add", image(group_id="g", user_id="u" * 129), (222018, "param[user_id] format error")),
        ("faceset/user/add", image(group_id="g" * 49, user_id="u"), (222006, "param[group_id] format error")),
        (
            "faceset/user/add",
            image(group_id="g", user_id="u", user_info="字" * 86),
            (222010, "param[user_info] format error"),
        ),
        (
            "faceset/user/add",
            image(group_id="g", user_id="u", action_type="UPDATE"),
            (222023, "param[action_type] format error"),
        ),
        ("faceset/user/update", image(group_id="g", user_id="nobody"), (223103, "user is not exist")),
        ("faceset/user/delete", {"group_id": "g", "user_id": "nobody"}, (223103, "user is not exist")),
        ("faceset/user/get", {"group_id": "@ALL", "user_id": "nobody"}, (223103, "user is not exist")),
        (
            "faceset/user/copy",
            {"user_id": "nobody", "src_group_id": "a", "dst_group_id": "b"},
            (223103, "user is not exist"),
        ),
        ("faceset/group/delete", {"group_id": "nothing"}, (223100, "group is not exist")),
        ("faceset/group/getusers", {"group_id": "nothing"}, (223100, "group is not exist")),
        ("faceset/group/getlist", {"length": 1001}, (222003, "param[length] format error")),
        ("faceset/group/getlist", {"start": "x"}, (222002, "param[start] format error")),
        ("faceset/face/getlist", {"group_id": "g", "user_id": "nobody"}, (223103, "user is not exist")),
        ("faceset/face/delete", {"group_id": "g", "user_id": "u"}, (222001, "param[face_token] is null")),
    ],
)
async def test_v3_parameter_and_face_set_errors(wire: Wire, path: str, body: Any, expected: tuple[int, str]) -> None:
    await wire.v3("faceset/group/add", {"group_id": "empty"})
    assert error(await wire.v3(path, body)) == expected


async def test_v3_face_set_conflicts(wire: Wire) -> None:
    await add(wire)
    assert error(await wire.v3("faceset/user/add", image(group_id="family", user_id="obama"))) == (
        223105, "face is already exist",
    )  # fmt: skip
    assert error(await wire.v3("faceset/group/add", {"group_id": "family"})) == (223101, "group is already exist")
    copy = {"user_id": "obama", "src_group_id": "family", "dst_group_id": "nowhere"}
    assert error(await wire.v3("faceset/user/copy", copy)) == (223111, "dst group is not exist")
    assert error(await wire.v3("faceset/user/copy", copy | {"dst_group_id": "family"})) == (
        223102,
        "user is already exist",
    )
    face = {"user_id": "obama", "group_id": "family", "face_token": "0" * 32}
    assert error(await wire.v3("faceset/face/delete", face)) == (223106, "face is not exist")
    no_face = image(b64(blank_image()), group_id="family", user_id="obama")
    assert error(await wire.v3("faceset/user/add", no_face)) == (222202, "pic not has face")
    assert error(await wire.v3("match", [image(), image(b64(blank_image()))])) == (222202, "pic not has face")
    stranger = image(b64(photo("probe/stranger_lin_manuel_miranda.png")), group_id_list="family")
    assert error(await wire.v3("multi-search", stranger)) == (222207, "match user is not found")
    assert error(await wire.v3("multi-search", image(b64(blank_image()), group_id_list="family"))) == (
        222202, "pic not has face",
    )  # fmt: skip


async def test_a_user_holds_at_most_20_faces(wire: Wire) -> None:
    # Twenty distinct encodings of one photo are twenty distinct face tokens.

    with Image.open(io.BytesIO(photo("probe/obama_small.jpg"))) as picture:
        variants = []
        for quality in range(60, 81):
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=quality)
            variants.append(b64(out.getvalue()))
    for data in variants[:20]:
        await add(wire, data=data)
    assert (
        error(await wire.v3("faceset/user/add", image(variants[20], group_id="family", user_id="obama")))[0] == 222210
    )


async def test_v3_body_must_be_json(server: RunningServer, wire: Wire) -> None:
    token = await wire.token()
    async with wire.session.post(
        f"{server.url}/rest/2.0/face/v3/detect", params={"access_token": token}, data=b"{not json"
    ) as response:
        assert error(await response.json()) == (222200, "request body should be json format")
    assert error(await wire.v3("faceset/group/add", [1])) == (222200, "request body should be json format")


@pytest.mark.parametrize(
    ("path", "form", "expected"),
    [
        ("detect", {}, (216200, "empty image")),
        ("detect", {"image": b64(b"junk")}, (216201, "image format error")),
        ("detect", {"image": b64(blank_image(5000, 20, "PNG"))}, (216202, "image size error")),
        ("detect", {"image": OBAMA, "face_fields": "aura"}, (216100, "invalid param")),
        ("match", {"images": OBAMA}, (216614, "not enough images")),
        ("match", {"images": f"{OBAMA},{b64(blank_image())}"}, (216402, "face not found")),
        ("identify", {"image": OBAMA}, (216101, "not enough param")),
        ("identify", {"image": OBAMA, "group_id": "nobody_here"}, (216618, "no user in group")),
        ("verify", {"image": OBAMA, "group_id": "g", "uid": "nobody"}, (216612, "user not exist")),
        (
            "faceset/user/add",
            {"uid": "a-b", "user_info": "x", "group_id": "g", "image": OBAMA},
            (216111, "invalid userid"),
        ),
        (
            "faceset/user/add",
            {"uid": "a", "user_info": "x" * 257, "group_id": "g", "image": OBAMA},
            (216103, "param too long"),
        ),
        ("faceset/user/get", {"uid": "nobody"}, (216612, "user not exist")),
        ("faceset/user/delete", {"uid": "nobody"}, (216612, "user not exist")),
        ("faceset/group/getusers", {"group_id": "nothing"}, (216618, "no user in group")),
        ("faceset/group/getlist", {"num": "0"}, (216100, "invalid param")),
        ("faceset/group/deleteuser", {"uid": "nobody", "group_id": "g"}, (216612, "user not exist")),
    ],
)
async def test_v2_errors(wire: Wire, path: str, form: dict[str, str], expected: tuple[int, str]) -> None:
    assert error(await wire.v2(path, form)) == expected


async def test_v2_verify_with_no_face_in_the_frame(wire: Wire) -> None:
    await add(wire)
    body = await wire.v2("verify", {"uid": "obama", "group_id": "family", "image": b64(blank_image())})
    assert error(body) == (216402, "face not found")


def bare(body: dict[str, Any]) -> tuple[int, str]:
    """Baidu's platform errors carry no envelope and no log_id."""
    assert set(body) == {"error_code", "error_msg"}, body
    return body["error_code"], body["error_msg"]


async def test_platform_errors(server: RunningServer, wire: Wire) -> None:
    """Errors of the platform in front of the dialects have Baidu's bare bodies."""
    token = await wire.token()
    base = f"{server.url}/rest/2.0/face"

    async def post(url: str, **query: str) -> tuple[int, str]:
        async with wire.session.post(url, params=query, json={}) as response:
            assert response.status == 200
            return bare(await response.json())

    assert await post(f"{base}/v3/detect") == (100, "Invalid parameter")
    assert await post(f"{base}/v3/detect", access_token="24.nope") == (110, "Access token invalid or no longer valid")
    assert await post(f"{base}/v3/teleport", access_token=token) == (3, "Unsupported openapi method")
    assert await post(f"{base}/v9/detect", access_token=token) == (3, "Unsupported openapi method")
    async with wire.session.get(f"{base}/v3/detect", params={"access_token": token}) as response:
        assert bare(await response.json()) == (3, "Unsupported openapi method")
    v3_token = await wire.token(*V3_ONLY)
    assert await post(f"{base}/v2/detect", access_token=v3_token) == (6, "No permission to access data")
    v2_token = await wire.token(*V2_ONLY)
    assert await post(f"{base}/v3/detect", access_token=v2_token) == (6, "No permission to access data")


async def test_oauth_errors(server: RunningServer, wire: Wire) -> None:
    url = f"{server.url}/oauth/2.0/token"
    good = {"grant_type": "client_credentials", "client_id": "both_key", "client_secret": "both_secret"}
    async with wire.session.get(url, params=good | {"client_id": "who"}) as response:
        assert response.status == 401
        assert await response.json() == {"error": "invalid_client", "error_description": "unknown client id"}
    async with wire.session.post(url, data=good | {"client_secret": "wrong"}) as response:
        assert response.status == 401
        assert (await response.json())["error_description"] == "Client authentication failed"
    async with wire.session.post(url, params=good | {"grant_type": "password"}) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "unsupported_grant_type"
    # Java and Node SDKs POST a form body.
    async with wire.session.post(url, data=good) as response:
        body = await response.json()
    assert body["access_token"].startswith("24.")
    assert body["expires_in"] == 30 * 86400
    assert "brain_all_scope" in body["scope"].split()


async def test_an_oversized_request_is_an_image_size_error(server: RunningServer, wire: Wire) -> None:
    token = await wire.token()
    form = aiohttp.FormData({"image": "A" * (25 * 1024 * 1024)})
    async with wire.session.post(
        f"{server.url}/rest/2.0/face/v2/detect", params={"access_token": token}, data=form
    ) as response:
        assert error(await response.json()) == (216202, "image size error")


async def test_v3_fetches_url_images(wire: Wire, socket_enabled: None) -> None:
    """image_type URL: the server downloads the picture itself, as Baidu does."""

    async def door(_: web.Request) -> web.Response:
        return web.Response(body=photo("probe/obama_small.jpg"))

    async def huge(_: web.Request) -> web.Response:
        return web.Response(body=b"\xff" * (10 * 1024 * 1024 + 10))

    app = web.Application()
    app.router.add_get("/door.jpg", door)
    app.router.add_get("/huge.jpg", huge)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        found = await wire.v3("detect", {"image": f"{base}/door.jpg", "image_type": "URL"})
        assert found["result"]["face_num"] == 1
        assert error(await wire.v3("detect", {"image": f"{base}/huge.jpg", "image_type": "URL"})) == (
            222013, "param[image] format error",
        )  # fmt: skip
        assert error(await wire.v3("detect", {"image": f"{base}/missing.jpg", "image_type": "URL"}))[0] == 222204
    finally:
        await runner.cleanup()


async def test_v3_search_applies_baidus_default_threshold(wire: Wire) -> None:
    """Like Baidu, search finds nobody below a match_threshold of 80 unless told a lower one."""
    await add(wire)
    probe = {"image": b64(photo("enroll/biden_1.jpg")), "image_type": "BASE64", "group_id_list": "family"}
    assert error(await wire.v3("search", probe)) == (222207, "match user is not found")
    assert error(await wire.v3("search", probe | {"user_id": "obama"})) == (222207, "match user is not found")
    low = await wire.v3("search", probe | {"user_id": "obama", "match_threshold": 0})
    assert low["error_code"] == 0
    assert low["result"]["user_list"][0]["score"] < 80
    strict = {"image": b64(photo("probe/obama.jpg")), "image_type": "BASE64", "group_id_list": "family"}
    assert (await wire.v3("search", strict))["error_code"] == 0
    assert error(await wire.v3("search", strict | {"match_threshold": 100})) == (222207, "match user is not found")
    assert error(await wire.v3("search", strict | {"match_threshold": 101})) == (
        222024,
        "param[match_threshold] format error",
    )
