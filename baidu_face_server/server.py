"""Putting the layers together: engine → store → service → dialects → gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aiohttp import web

from .engine import FaceEngine
from .gateway import TOKEN_LIFETIME, App, Gateway
from .service import FaceService
from .store import FaceStore
from .v2 import V2
from .v3 import V3


@cache
def shared_engine() -> FaceEngine:
    """dlib's models take a moment to load; every server in a process can share them."""
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
        self.config = ServerConfig(token_lifetime=token_lifetime, allow_url_images=allow_url_images)
        self.service = FaceService(FaceStore(db), shared_engine())
        self.gateway = Gateway(self.service, apps, [V2(), V3()], token_lifetime)

    @property
    def apps(self) -> dict[str, App]:
        return self.gateway.apps

    def reset_secret(self, api_key: str, secret_key: str) -> None:
        """What "reset Secret Key" in Baidu's console does: a new secret, old tokens void."""
        self.apps[api_key].secret_key = secret_key
        self.service.store.revoke_tokens(api_key)

    def application(self) -> web.Application:
        app = self.gateway.application()
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, _: web.Application) -> None:
        self.service.close()


class RunningServer:
    def __init__(self, server: FaceServer, url: str) -> None:
        self.server = server
        self.url = url

    @property
    def apps(self) -> dict[str, App]:
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
    runner = web.AppRunner(server.application(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    try:
        yield RunningServer(server, f"http://{host}:{bound}")
    finally:
        await runner.cleanup()
