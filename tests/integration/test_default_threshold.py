"""A stranger against a Baidu that applies its default match_threshold (80) and answers 222207.

The local server honours `match_threshold`, which the client sends; real Baidu documents a default of 80
and real apps see 222207 "match user is not found" below it. A proxy in front of the local server drops
the threshold from every V3 search, so the server answers as Baidu does when it applies its default.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import CONF_ENDPOINT, CONF_GROUPS, DOMAIN, EVENT_UNKNOWN_FACE
from tests.api.loopback import odd_server
from tests.conftest import BOTH

from .conftest import FAMILY, camera_subentry, entry_data

IDENTIFY = "image_processing.door_recognised_person"
Show = Callable[[str], Awaitable[None]]


@pytest.fixture
async def baidu_default_threshold(baidu: RunningServer) -> AsyncIterator[tuple[str, list[int]]]:
    """Serve the local server through a proxy that drops match_threshold; yield its URL and the 222207 count."""
    refused: list[int] = []
    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            body = await request.read()
            if request.path.endswith(("/search", "/multi-search")):
                fields = json.loads(body)
                fields.pop("match_threshold", None)
                body = json.dumps(fields).encode()
            headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
            async with session.request(
                request.method, baidu.url + request.path_qs, data=body, headers=headers
            ) as upstream:
                answer = await upstream.read()
            if json.loads(answer).get("error_code") == 222207:
                refused.append(222207)
            return web.Response(body=answer, content_type="application/json")

        runner, url = await odd_server(forward)
        try:
            yield url, refused
        finally:
            await runner.cleanup()


@pytest.fixture
async def entry(
    hass: HomeAssistant, baidu: RunningServer, baidu_default_threshold: tuple[str, list[int]], api_version: str
) -> MockConfigEntry:
    url, _ = baidu_default_threshold
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Baidu Face (proxy)",
        data=entry_data(baidu, api_version) | {CONF_ENDPOINT: url},
        options={CONF_GROUPS: [FAMILY]},
        unique_id=BOTH.api_key,
        subentries_data=[camera_subentry("camera.door")],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_verify_of_a_stranger_is_not_verified(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    door_camera: Show,
    baidu_default_threshold: tuple[str, list[int]],
    api_version: str,
) -> None:
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    result = await hass.services.async_call(
        DOMAIN, "verify", {"camera_entity_id": "camera.door", "uid": "obama"}, blocking=True, return_response=True
    )
    assert result is not None
    assert result["verified"] is False
    assert isinstance(result["score"], float)
    assert result["score"] < 80
    _, refused = baidu_default_threshold
    # V3's search answered 222207 as Baidu does; V2's verify has no threshold and gives the low score.
    assert bool(refused) is (api_version == "v3")


async def test_identify_of_a_stranger_fires_unknown_face(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    door_camera: Show,
    baidu_default_threshold: tuple[str, list[int]],
    api_version: str,
) -> None:
    unknown = async_capture_events(hass, EVENT_UNKNOWN_FACE)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await hass.services.async_call("image_processing", "scan", {"entity_id": IDENTIFY}, blocking=True)
    await hass.async_block_till_done()
    assert len(unknown) == 1
    assert unknown[0].data["score"] < 80
    _, refused = baidu_default_threshold
    assert bool(refused) is (api_version == "v3")
