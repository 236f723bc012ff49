"""Any body on any route gets a Baidu-shaped answer: never HTTP 500, never a traceback.

A bounded, seeded fuzz: every route of both dialects and the token endpoint receives
bodies that are not UTF-8, broken multipart, the wrong content type, deep JSON, and
each known parameter with values of the wrong kind or absurd size.
"""

from __future__ import annotations

import json
import logging
import random
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from baidu_face_server.server import RunningServer
from baidu_face_server.v2 import V2
from baidu_face_server.v3 import V3
from tests.faces import b64, photo

from .conftest import Wire

SEED = 20261126
PARAMS = (
    "image", "images", "image_type", "group_id", "group_id_list", "user_id", "uid", "user_info", "src_group_id",
    "dst_group_id", "face_token", "max_face_num", "max_user_num", "match_threshold", "face_field", "face_fields",
    "action_type", "start", "length", "num", "end", "top_num", "user_top_num", "detect_top_num", "quality_control",
    "liveness_control", "grant_type", "client_id", "client_secret",
)  # fmt: skip
ODD_VALUES: tuple[Any, ...] = (
    None, True, -1, 0, 2**70, 1.5, float("1e308"), "", " ", "💥" * 300, "x" * 100_000, "9" * 5000, [], [1, "a"],
    {}, {"a": {"b": []}}, "URL", "FACE_TOKEN", "BASE64", "http://127.0.0.1:1/x", "@ALL", "a,b,,c", "../../etc",
)  # fmt: skip
# A Baidu error the fuzz must never see: it means an unexpected exception.
INTERNAL_ERRORS = {216401, 222901}


def odd_bodies(rng: random.Random) -> list[tuple[str, bytes]]:
    """(content type, body) pairs that no client should send."""
    deep = b"[" * 100_000 + b"]" * 100_000
    boundary = "b0undary"
    broken_multipart = f'--{boundary}\r\nContent-Disposition: form-data; name="image"\r\n\r\nabc'.encode()
    bodies = [
        ("application/json", b"\xff\xfe\x00\x81"),
        ("application/x-www-form-urlencoded", b"image=\xff\xfe&group_id=\x81"),
        (f"multipart/form-data; boundary={boundary}", broken_multipart),
        ("multipart/form-data", b"--x\r\n"),
        ("multipart/form-data; boundary=", b""),
        ("application/json", deep),
        ("application/json", b'{"a": ' * 5000 + b"1" + b"}" * 5000),
        ("application/json", b"1" * 5000),
        ("application/json", b"null"),
        ("application/json", b'"text"'),
        ("application/json; charset=klingon", b"{}"),
        ("text/plain", b"grant_type=client_credentials"),
        ("application/xml", b"<a><b/></a>"),
        ("application/octet-stream", rng.randbytes(2048)),
        ("application/x-www-form-urlencoded", b"&&&===&%zz%%"),
    ]
    for _ in range(6):
        fields = {name: rng.choice(ODD_VALUES) for name in rng.sample(PARAMS, rng.randint(1, 6))}
        bodies.append(("application/json", json.dumps(fields).encode()))
        bodies.append(("application/json", json.dumps([fields, fields]).encode()))
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
        bodies.append(("application/x-www-form-urlencoded", urlencode(form).encode()))
    return bodies


def routes() -> list[str]:
    paths = [f"v2/{path}" for path in V2().routes] + [f"v3/{path}" for path in V3().routes]
    return [*paths, "v3/no/such/route", "v4/detect"]


def assert_baidu_error(body: Any) -> None:
    assert isinstance(body, dict), body
    if body.get("error_code", 0) == 0:
        return  # an odd body that still made sense (e.g. an empty group list)
    assert isinstance(body["error_code"], int)
    assert isinstance(body["error_msg"], str)
    assert body["error_code"] not in INTERNAL_ERRORS, body
    assert "Traceback" not in json.dumps(body)


async def post(session: aiohttp.ClientSession, url: str, content_type: str, body: bytes, **query: str) -> Any:
    async with session.post(url, params=query, data=body, headers={"Content-Type": content_type}) as response:
        assert response.status != 500
        text = await response.text()
        assert "Traceback" not in text
        return response.status, json.loads(text)


@pytest.mark.parametrize("path", routes())
async def test_no_body_breaks_a_route(
    server: RunningServer, wire: Wire, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever arrives, a route answers HTTP 200 with a Baidu error (or a sensible success)."""
    rng = random.Random(f"{SEED}:{path}")
    token = await wire.token()
    for content_type, body in odd_bodies(rng):
        status, answer = await post(
            wire.session, f"{server.url}/rest/2.0/face/{path}", content_type, body, access_token=token
        )
        assert status == 200
        assert_baidu_error(answer)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_no_body_breaks_the_token_endpoint(server: RunningServer, wire: Wire) -> None:
    """The token endpoint answers OAuth errors (400/401) to bodies it cannot read."""
    rng = random.Random(SEED)
    url = f"{server.url}/oauth/2.0/token"
    for content_type, body in odd_bodies(rng):
        status, answer = await post(wire.session, url, content_type, body)
        assert status in {400, 401}, answer
        assert set(answer) == {"error", "error_description"}
    status, answer = await post(
        wire.session, url, "application/x-www-form-urlencoded", "client_secret=秘密".encode(),
        grant_type="client_credentials", client_id="both_key",
    )  # fmt: skip
    assert (status, answer["error"]) == (401, "invalid_client")


async def test_deep_json_is_not_json(wire: Wire, server: RunningServer) -> None:
    """JSON nested too deep to read is 222200, like any body that is not JSON (not "system busy")."""
    token = await wire.token()
    body = b'{"image": ' * 200_000 + b"1" + b"}" * 200_000
    _, answer = await post(
        wire.session, f"{server.url}/rest/2.0/face/v3/detect", "application/json", body, access_token=token
    )
    assert (answer["error_code"], answer["error_msg"]) == (222200, "request body should be json format")


async def test_a_real_image_with_odd_companions(wire: Wire) -> None:
    """A good image beside parameters of the wrong kind is a parameter error, not a crash."""
    image = b64(photo("probe/obama_small.jpg"))
    for value in ODD_VALUES:
        for name in ("max_face_num", "face_field", "group_id_list", "max_user_num", "match_threshold"):
            answer = await wire.v3("multi-search", {"image": image, "image_type": "BASE64", name: value})
            assert_baidu_error(answer)
