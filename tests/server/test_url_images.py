"""URL images: off by default; when on, only public addresses, within a size and a time cap.

Loopback is not public, so a server with URL images on refuses every loopback URL, by
any spelling and behind any redirect. The fetcher's own rules (caps, redirect limit,
redirects checked) are shown with loopback allowed as an extra network.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from baidu_face_server import App, running_server
from baidu_face_server.problems import Problem, ProblemError
from baidu_face_server.urls import MAX_REDIRECTS, UrlImages, is_public
from tests.faces import photo

from .conftest import Wire

DOOR = photo("probe/obama_small.jpg")
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
NOT_PUBLIC = (
    "127.0.0.1", "10.1.2.3", "192.168.1.10", "172.16.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "::1", "fe80::1", "fc00::1", "::ffff:192.168.1.1", "224.0.0.1", "255.255.255.255",
)  # fmt: skip


@pytest.fixture
async def camera(socket_enabled: None) -> AsyncIterator[str]:
    """Serve on loopback a snapshot, redirects, a huge file and a slow one."""

    async def door(_: web.Request) -> web.Response:
        return web.Response(body=DOOR, content_type="image/jpeg")

    async def hop(request: web.Request) -> web.Response:
        left = int(request.match_info["left"])
        raise web.HTTPFound("/door.jpg" if left == 0 else f"/hop/{left - 1}")

    async def elsewhere(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://[::1]:{request.url.port}/door.jpg")

    async def huge(_: web.Request) -> web.StreamResponse:
        return web.Response(body=b"\xff" * 4096)

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(body=DOOR)

    app = web.Application()
    app.router.add_get("/door.jpg", door)
    app.router.add_get("/hop/{left}", hop)
    app.router.add_get("/elsewhere", elsewhere)
    app.router.add_get("/huge.jpg", huge)
    app.router.add_get("/slow.jpg", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def detect_url(url: str, server_url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        wire = Wire(session, server_url)
        body = await wire.v3("detect", {"image": url, "image_type": "URL"})
        return body["error_code"], body["error_msg"]


async def test_url_images_are_off_by_default(wire: Wire, camera: str) -> None:
    body = await wire.v3("detect", {"image": f"{camera}/door.jpg", "image_type": "URL"})
    assert (body["error_code"], body["error_msg"]) == (222015, "param[image_type] format error")


async def test_no_loopback_or_private_address_is_fetched(camera: str) -> None:
    """With URL images on, every non-public target is the same 222204, whatever the spelling."""
    port = camera.rsplit(":", 1)[1]
    targets = [
        f"{camera}/door.jpg",
        f"http://localhost:{port}/door.jpg",
        f"http://[::1]:{port}/door.jpg",
        f"http://[::ffff:127.0.0.1]:{port}/door.jpg",
        f"http://2130706433:{port}/door.jpg",
        f"http://10.0.0.1:{port}/door.jpg",
        "http://169.254.169.254/latest/meta-data/",
        f"{camera}/hop/1",
        f"{camera}/nothing-here",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "not a url",
    ]
    async with running_server([App("both_key", "both_secret")], allow_url_images=True) as server:
        for url in targets:
            assert await detect_url(url, server.url) == (222204, "image_url_download_fail"), url


def test_public_means_globally_routable() -> None:
    assert is_public("8.8.8.8")
    assert is_public("2606:4700:4700::1111")
    for address in NOT_PUBLIC:
        assert not is_public(address), address


@pytest.fixture
async def fetcher() -> AsyncIterator[UrlImages]:
    images = UrlImages(max_bytes=2048, timeout=0.5, extra_networks=LOOPBACK)
    await images.start()
    try:
        yield images
    finally:
        await images.close()


async def refused(fetcher: UrlImages, url: str) -> Problem:
    with pytest.raises(ProblemError) as error:
        await fetcher.fetch(url)
    return error.value.problem


async def test_the_fetcher_caps_size_time_and_redirects(fetcher: UrlImages, camera: str) -> None:
    """Allowed an address, the fetcher still stops at the caps, each with the one download error."""
    big = UrlImages(extra_networks=LOOPBACK)
    await big.start()
    try:
        assert await big.fetch(f"{camera}/door.jpg") == DOOR
        assert await big.fetch(f"{camera}/hop/{MAX_REDIRECTS - 1}") == DOOR
    finally:
        await big.close()
    assert await refused(fetcher, f"{camera}/huge.jpg") is Problem.IMAGE_DOWNLOAD
    assert await refused(fetcher, f"{camera}/slow.jpg") is Problem.IMAGE_DOWNLOAD
    assert await refused(fetcher, f"{camera}/hop/{MAX_REDIRECTS}") is Problem.IMAGE_DOWNLOAD
    # A redirect is checked like the first address: ::1 is not allowed here.
    assert await refused(fetcher, f"{camera}/elsewhere") is Problem.IMAGE_DOWNLOAD
