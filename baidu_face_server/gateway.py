"""The HTTP front door: OAuth tokens, app permissions, QPS and quota, envelopes.

Routes of each dialect are plain async functions `handler(call) -> result`;
everything they share (authentication, limits, error bodies, never a 500)
happens here once.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from .problems import Problem, ProblemError
from .service import FaceService

_LOGGER = logging.getLogger(__name__)

TOKEN_LIFETIME = 30 * 86400
# Big enough for V2 match (20 MB of images in one form); Baidu's own limits
# are checked per image by the dialects.
MAX_REQUEST_BYTES = 24 * 1024 * 1024
SCOPE = (
    "public brain_all_scope vis-faceverify_faceverify_h5-face-liveness "
    "vis-faceverify_FACE_V3 wise_adapt lebo_resource_base"
)

# Errors of the platform itself, the same in both dialects.
UNSUPPORTED_METHOD = (3, "Unsupported openapi method")
NO_PERMISSION = (6, "No permission to access data")
DAILY_LIMIT = (17, "Open api daily request limit reached")
QPS_LIMIT = (18, "Open api qps request limit reached")
INVALID_TOKEN_PARAM = (100, "Invalid parameter")
TOKEN_INVALID = (110, "Access token invalid or no longer valid")
TOKEN_EXPIRED = (111, "Access token expired")


@dataclass
class App:
    """One Baidu console app: its keys, which dialects it may call, and its limits."""

    api_key: str
    secret_key: str
    dialects: frozenset[str] = frozenset({"v2", "v3"})
    qps: int | None = None
    daily_quota: int | None = None
    accepted: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))
    calls_today: tuple[date, int] = field(default_factory=lambda: (date.today(), 0))

    @property
    def app_id(self) -> str:
        return str(10_000_000 + zlib.crc32(self.api_key.encode()) % 90_000_000)

    def admit(self, now: float) -> tuple[int, str] | None:
        """Count a call against the quota and the QPS window, or say why it is refused."""
        day, count = self.calls_today
        if day != date.today():
            day, count = date.today(), 0
        if self.daily_quota is not None and count >= self.daily_quota:
            return DAILY_LIMIT
        # A sliding one-second window: the qps-th latest accepted call must be
        # at least a second old.
        if self.qps is not None and len(self.accepted) >= self.qps and now - self.accepted[-self.qps] < 1.0:
            return QPS_LIMIT
        self.calls_today = (day, count + 1)
        self.accepted.append(now)
        return None


@dataclass
class Call:
    """One API call as a route sees it."""

    app: App
    params: Any
    service: FaceService
    session: aiohttp.ClientSession


Route = Callable[[Call], Awaitable[Any]]


class Dialect(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def routes(self) -> Mapping[str, Route]: ...

    def parse(self, body: bytes) -> Any: ...
    def success(self, result: Any, log_id: int) -> dict[str, Any]: ...
    def error(self, code: int, message: str, log_id: int) -> dict[str, Any]: ...
    def problem(self, error: ProblemError) -> tuple[int, str]: ...


class Gateway:
    def __init__(
        self,
        service: FaceService,
        apps: list[App],
        dialects: list[Dialect],
        token_lifetime: int = TOKEN_LIFETIME,
    ) -> None:
        self.service = service
        self.apps = {app.api_key: app for app in apps}
        self.dialects = {d.name: d for d in dialects}
        self.token_lifetime = token_lifetime
        self._session: aiohttp.ClientSession | None = None

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/oauth/2.0/token", self.token)
        app.router.add_route("*", "/rest/2.0/face/{version}/{path:.*}", self.api)
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)
        return app

    async def _start(self, _: web.Application) -> None:
        self._session = aiohttp.ClientSession()

    async def _stop(self, _: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    async def token(self, request: web.Request) -> web.Response:
        form = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            form.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        if form.get("grant_type") != "client_credentials":
            return web.json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "The authorization grant type is not supported",
                },
                status=400,
            )
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            return _invalid_client("unknown client id")
        if not secrets.compare_digest(form.get("client_secret", ""), app.secret_key):
            return _invalid_client("Client authentication failed")
        # The exact expiry is kept; whole seconds would cut short-lived tokens short.
        expires = time.time() + self.token_lifetime
        stamp = int(expires)
        token = f"24.{secrets.token_hex(16)}.{self.token_lifetime}.{stamp}.{secrets.randbelow(10**6)}-{app.app_id}"
        self.service.store.save_token(token, app.api_key, expires)
        return web.json_response(
            {
                "refresh_token": f"25.{secrets.token_hex(16)}.{10 * self.token_lifetime}.{stamp}.{app.app_id}",
                "expires_in": self.token_lifetime,
                "scope": SCOPE,
                "session_key": secrets.token_urlsafe(48),
                "access_token": token,
                "session_secret": secrets.token_hex(16),
            }
        )

    async def api(self, request: web.Request) -> web.Response:
        log_id = secrets.randbits(52)
        dialect = self.dialects.get(request.match_info["version"])
        route = dialect.routes.get(request.match_info["path"].strip("/")) if dialect else None
        if dialect is None or route is None or request.method != "POST":
            return _platform_error(UNSUPPORTED_METHOD)
        app, refusal = self._authorise(request.query.get("access_token", ""))
        if app is None:
            return _platform_error(refusal)
        if dialect.name not in app.dialects:
            return _platform_error(NO_PERMISSION)
        if limited := app.admit(time.monotonic()):
            return _platform_error(limited)

        def fail(code: int, message: str) -> web.Response:
            return web.json_response(dialect.error(code, message, log_id), dumps=_dumps)

        try:
            try:
                params = dialect.parse(await request.read())
            except web.HTTPRequestEntityTooLarge:
                raise ProblemError(Problem.IMAGE_SIZE, "image") from None
            assert self._session is not None
            result = await route(Call(app, params, self.service, self._session))
        except ProblemError as error:
            return fail(*dialect.problem(error))
        except Exception:
            # Baidu never answers with a traceback; neither do we.
            _LOGGER.exception("unexpected failure in %s", request.path)
            return fail(*dialect.problem(ProblemError(Problem.INTERNAL)))
        return web.json_response(dialect.success(result, log_id), dumps=_dumps)

    def _authorise(self, token: str) -> tuple[App | None, tuple[int, str]]:
        if not token:
            return None, INVALID_TOKEN_PARAM
        owner = self.service.store.token_owner(token)
        if owner is None or owner[0] not in self.apps:
            return None, TOKEN_INVALID
        if owner[1] <= time.time():
            return None, TOKEN_EXPIRED
        return self.apps[owner[0]], (0, "")


def _platform_error(error: tuple[int, str]) -> web.Response:
    # The platform in front of both dialects answers bare, without envelope or log_id.
    return web.json_response({"error_code": error[0], "error_msg": error[1]})


def _invalid_client(description: str) -> web.Response:
    return web.json_response({"error": "invalid_client", "error_description": description}, status=401)


def _dumps(value: Any) -> str:
    # Chinese user_info goes back as sent, like Baidu's own responses.
    return json.dumps(value, ensure_ascii=False)
