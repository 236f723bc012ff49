"""Putting the layers together: engine → store → service → dialects → gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from .engine import FaceEngine
from .gateway import SERVICE, TOKEN_LIFETIME, App, Gateway
from .logs import HTTP_LOG
from .service import FaceService
from .store import SEEN_FACE_SWEEP, FaceStore
from .urls import UrlImages
from .v2 import V2
from .v3 import V3

# How aiohttp serves the app: no access log (request URLs carry access tokens), and its
# errors through the log that redacts credentials.
SERVING: dict[str, Any] = {"access_log": None, "logger": HTTP_LOG}


@cache
def shared_engine() -> FaceEngine:
    """Load dlib's models once: they take a moment, and every server in a process can share them."""
    return FaceEngine()


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerConfig:
    """How a server behaves, beyond its apps and its database."""

    token_lifetime: int = TOKEN_LIFETIME
    # Fetching a URL on a client's behalf can reach into the server's own
    # network, so it is something an owner turns on knowingly.
    allow_url_images: bool = False


class FaceServer:
    """The whole server; `application()` is an aiohttp app ready to run."""

    def __init__(
        self,
        db: str | Path,
        apps: list[App],
        token_lifetime: int = TOKEN_LIFETIME,
        *,
        allow_url_images: bool = False,
    ) -> None:
        """Open the database and assemble the layers."""
        self.config = ServerConfig(token_lifetime=token_lifetime, allow_url_images=allow_url_images)
        self._url_images = UrlImages() if allow_url_images else None
        self.service = FaceService(FaceStore(db), shared_engine(), self._url_images)
        self.gateway = Gateway(apps, [V2(), V3()], token_lifetime)

    @property
    def apps(self) -> dict[str, App]:
        """The apps by API key."""
        return self.gateway.apps

    def reset_secret(self, api_key: str, secret_key: str) -> None:
        """Do what "reset Secret Key" in Baidu's console does: a new secret, old tokens void."""
        self.apps[api_key].secret_key = secret_key
        self.service.revoke_tokens(api_key)

    def application(self) -> web.Application:
        """Build an aiohttp application serving this server; its cleanup closes the database."""
        app = web.Application(client_max_size=self.gateway.max_body, logger=HTTP_LOG)
        app[SERVICE] = self.service
        self.gateway.routes(app)
        app.cleanup_ctx.append(self._lifetime)
        return app

    async def _lifetime(self, _: web.Application) -> AsyncIterator[None]:
        if self._url_images is not None:
            await self._url_images.start()
        sweeping = asyncio.create_task(self._sweep())
        try:
            yield
        finally:
            sweeping.cancel()
            with suppress(asyncio.CancelledError):
                await sweeping
            if self._url_images is not None:
                await self._url_images.close()
            self.service.close()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SEEN_FACE_SWEEP)
            self.service.forget_expired_faces()


class RunningServer:
    """A server serving on loopback: its URL, and the server for tests to reach into."""

    def __init__(self, server: FaceServer, url: str) -> None:
        """Remember the server and where it listens."""
        self.server = server
        self.url = url

    @property
    def apps(self) -> dict[str, App]:
        """The apps by API key."""
        return self.server.apps


@asynccontextmanager
async def running_server(
    apps: list[App],
    db: str | Path = ":memory:",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token_lifetime: int = TOKEN_LIFETIME,
    allow_url_images: bool = False,
) -> AsyncIterator[RunningServer]:
    """Serve on loopback (a free port by default) for as long as the block runs."""
    server = FaceServer(db, apps, token_lifetime, allow_url_images=allow_url_images)
    runner = web.AppRunner(server.application(), **SERVING)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    try:
        yield RunningServer(server, f"http://{host}:{bound}")
    finally:
        await runner.cleanup()
