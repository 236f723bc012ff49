"""A local server on loopback, and a thin raw-HTTP caller for wire-level checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from baidu_face_server.quality import FaceQuality, Occlusion
from baidu_face_server.server import RunningServer
from tests.conftest import BOTH


class Wire:
    """Raw requests as an SDK would send them, with the token handled."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url
        self.tokens: dict[str, str] = {}

    async def token(self, key: str = BOTH.api_key, secret: str = BOTH.secret_key) -> str:
        if key not in self.tokens:
            query = {"grant_type": "client_credentials", "client_id": key, "client_secret": secret}
            async with self.session.get(f"{self.url}/oauth/2.0/token", params=query) as response:
                self.tokens[key] = (await response.json())["access_token"]
        return self.tokens[key]

    async def v3(self, path: str, body: Any, *, key: str = BOTH.api_key, secret: str = BOTH.secret_key) -> Any:
        return await self._post(f"v3/{path}", key, secret, json=body)

    async def v2(
        self, path: str, form: dict[str, str], *, key: str = BOTH.api_key, secret: str = BOTH.secret_key
    ) -> Any:
        return await self._post(f"v2/{path}", key, secret, data=form)

    async def _post(self, path: str, key: str, secret: str, **body: Any) -> Any:
        token = await self.token(key, secret)
        async with self.session.post(
            f"{self.url}/rest/2.0/face/{path}", params={"access_token": token}, **body
        ) as response:
            assert response.status == 200
            return await response.json()


@pytest.fixture
async def wire(server: RunningServer) -> AsyncIterator[Wire]:
    async with aiohttp.ClientSession() as session:
        yield Wire(session, server.url)


def unmeasured_quality() -> FaceQuality:
    """Give a made-up face (a synthetic embedding, no pixels to measure) a quality: sharp, lit, whole."""
    return FaceQuality(0.0, 128, 1, Occlusion(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
