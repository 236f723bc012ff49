"""Bodies the server refuses before it makes them into objects: what let a fuzz of bad bodies grow it for good.

scripts/benchmark_server_memory.py measures the memory itself (a server in its own process,
5,000 bad bodies); these check the causes it found, over HTTP.
"""

from __future__ import annotations

import json

from baidu_face_server.server import RunningServer
from baidu_face_server.v2 import MAX_FORM_FIELDS
from baidu_face_server.v3 import MAX_BODY
from tests.conftest import BOTH
from tests.faces import b64, photo

from .conftest import Wire


async def test_a_form_of_thousands_of_fields_is_refused_unparsed(wire: Wire) -> None:
    """200,000 fields made 200,000 pairs of strings, and left 43 MB behind for good."""
    image = {"image": b64(photo("probe/obama_small.jpg"))}
    assert "error_code" not in await wire.v2("detect", image | {f"f{i}": "1" for i in range(MAX_FORM_FIELDS - 1)})
    answer = await wire.v2("detect", image | {f"f{i}": "1" for i in range(200_000)})
    assert (answer["error_code"], answer["error_msg"]) == (216100, "invalid param")


async def test_a_v3_body_over_10_mb_is_refused_unread(wire: Wire) -> None:
    """Baidu takes V3 requests under 10 MB; a bigger one is not read, let alone parsed."""
    body = {"image": b64(photo("probe/obama_small.jpg")), "image_type": "BASE64"}
    padding = MAX_BODY - len(json.dumps(body)) - 20
    assert (await wire.v3("detect", body | {"pad": "x" * padding}))["error_code"] == 0
    answer = await wire.v3("detect", body | {"pad": "x" * (padding + 100)})
    assert (answer["error_code"], answer["error_msg"]) == (222013, "param[image] format error")


async def test_a_big_token_request_is_refused_unread(server: RunningServer, wire: Wire) -> None:
    form = {"grant_type": "client_credentials", "client_id": BOTH.api_key, "client_secret": BOTH.secret_key}
    async with wire.session.post(f"{server.url}/oauth/2.0/token", data=form | {"pad": "x" * 1000}) as response:
        assert response.status == 200
    async with wire.session.post(f"{server.url}/oauth/2.0/token", data=form | {"pad": "x" * 100_000}) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "invalid_request"
