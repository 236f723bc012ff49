"""The real client, talking HTTP to the local server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.api import BaiduFaceClient
from tests.conftest import BOTH


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(params=["v2", "v3"])
def api_version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(server: RunningServer, session: aiohttp.ClientSession, api_version: str) -> BaiduFaceClient:
    """Make a client forced to one dialect; high QPS so tests are not slowed by the free-tier limit."""
    return BaiduFaceClient(session, BOTH.api_key, BOTH.secret_key, api_version=api_version, base_url=server.url, qps=50)
