"""`python -m baidu_face_server` flags reach the server they build, seen over HTTP."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from baidu_face_server.__main__ import build
from baidu_face_server.server import SERVING

from .conftest import Wire

URL_NOT_ALLOWED = 222015  # image_type is not one this server accepts
DOWNLOAD_FAILED = 222204  # the one answer to every URL fetch that fails


@pytest.mark.parametrize(("flags", "expected"), [((), URL_NOT_ALLOWED), (("--allow-url-images",), DOWNLOAD_FAILED)])
async def test_url_images_are_off_unless_the_flag_turns_them_on(
    socket_enabled: None, flags: tuple[str, ...], expected: int
) -> None:
    server, _ = build(["--app", "k:s", "--db", ":memory:", *flags])
    runner = web.AppRunner(server.application(), **SERVING)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with aiohttp.ClientSession() as session:
            wire = Wire(session, f"http://127.0.0.1:{runner.addresses[0][1]}")
            # Port 9 on loopback: nothing to fetch there, and not a public address either.
            body = {"image": "http://127.0.0.1:9/face.jpg", "image_type": "URL"}
            answer = await wire.v3("detect", body, key="k", secret="s")
    finally:
        await runner.cleanup()
    assert answer["error_code"] == expected, answer
