"""The HTTP front door: OAuth tokens, app permissions, QPS and quota, envelopes.

Routes of each dialect are plain async functions `handler(call) -> result`;
everything they share (authentication, limits, error bodies, never a 500)
happens here once.
"""

from __future__ import annotations

import json
import secrets
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from aiohttp import web

from .logs import redacted_logger
from .problems import Problem, ProblemError
from .service import FaceService

_LOGGER = redacted_logger(__name__)

TOKEN_LIFETIME = 30 * 86400
# A token request is a few short fields; a bigger body is not read.
MAX_TOKEN_BODY = 64 * 1024
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
        """The numeric AppID Baidu's console shows (and puts at the end of tokens)."""
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


@dataclass(frozen=True, slots=True)
class Call:
    """One API call as a route sees it: the calling app, its parsed body, the operations."""

    app: App
    params: Any
    service: FaceService

    @property
    def app_key(self) -> str:
        """The calling app's API key: each app has a face library of its own."""
        return self.app.api_key


Route = Callable[[Call], Awaitable[Any]]
SERVICE = web.AppKey("service", FaceService)


class Dialect(Protocol):
    """An API version: its routes, body format, envelopes and error codes."""

    @property
    def name(self) -> str:
        """The version in the path (`v2`, `v3`)."""
        ...

    @property
    def routes(self) -> Mapping[str, Route]:
        """Handlers by path below `/rest/2.0/face/<name>/`."""
        ...

    @property
    def max_body(self) -> int:
        """The largest request body this dialect reads, in bytes."""
        ...

    def parse(self, body: bytes) -> Any:
        """Read the request body as the routes expect it."""
        ...

    def success(self, result: Any, log_id: int) -> dict[str, Any]:
        """Build a successful answer's body."""
        ...

    def error(self, code: int, message: str, log_id: int) -> dict[str, Any]:
        """Build an error answer's body."""
        ...

    def problem(self, error: ProblemError) -> tuple[int, str]:
        """Give this dialect's code and message for a problem."""
        ...


class Gateway:
    """The routes of the token endpoint and of every dialect, with what they share."""

    def __init__(self, apps: list[App], dialects: list[Dialect], token_lifetime: int = TOKEN_LIFETIME) -> None:
        """Serve these apps in these dialects, issuing tokens valid for `token_lifetime` seconds."""
        self.apps = {app.api_key: app for app in apps}
        self.dialects = {d.name: d for d in dialects}
        # aiohttp reads no body bigger than the largest a dialect takes; Baidu's limits per
        # image are checked by the dialects.
        self.max_body = max(d.max_body for d in dialects)
        self.token_lifetime = token_lifetime

    def routes(self, app: web.Application) -> None:
        """Add the token endpoint and the face API to an application."""
        app.router.add_route("*", "/oauth/2.0/token", self.token)
        app.router.add_route("*", "/rest/2.0/face/{version}/{path:.*}", self.api)

    async def token(self, request: web.Request) -> web.Response:
        """`/oauth/2.0/token`: client credentials in, an access token out."""
        form = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if (request.content_length or 0) > MAX_TOKEN_BODY:
                return _oauth_error("invalid_request", "The request body is too large", 400)
            try:
                body = await request.post()
            except ValueError, AssertionError, LookupError, web.HTTPException:
                # Not UTF-8, a broken multipart body, an unknown charset, too big.
                return _oauth_error("invalid_request", "The request body could not be read", 400)
            form.update({k: v for k, v in body.items() if isinstance(v, str)})
        if form.get("grant_type") != "client_credentials":
            return _oauth_error("unsupported_grant_type", "The authorization grant type is not supported", 400)
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            return _invalid_client("unknown client id")
        if not secrets.compare_digest(form.get("client_secret", "").encode(), app.secret_key.encode()):
            return _invalid_client("Client authentication failed")
        # The exact expiry is kept; whole seconds would cut short-lived tokens short.
        expires = time.time() + self.token_lifetime
        stamp = int(expires)
        token = f"24.{secrets.token_hex(16)}.{self.token_lifetime}.{stamp}.{secrets.randbelow(10**6)}-{app.app_id}"
        request.app[SERVICE].save_token(token, app.api_key, expires)
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
        """`/rest/2.0/face/<version>/<path>`: authorise, admit, parse, run the route, wrap the answer."""
        service = request.app[SERVICE]
        log_id = secrets.randbits(52)
        dialect = self.dialects.get(request.match_info["version"])
        route = dialect.routes.get(request.match_info["path"].strip("/")) if dialect else None
        if dialect is None or route is None or request.method != "POST":
            return _platform_error(UNSUPPORTED_METHOD)
        app, refusal = self._authorise(service, request.query.get("access_token", ""))
        if app is None:
            return _platform_error(refusal)
        if dialect.name not in app.dialects:
            return _platform_error(NO_PERMISSION)
        if limited := app.admit(time.monotonic()):
            return _platform_error(limited)

        def fail(code: int, message: str) -> web.Response:
            return web.json_response(dialect.error(code, message, log_id), dumps=_dumps)

        try:
            params = dialect.parse(await _body(request, dialect.max_body))
            result = await route(Call(app, params, service))
        except ProblemError as error:
            return fail(*dialect.problem(error))
        except Exception:
            # Baidu never answers with a traceback; neither do we.
            _LOGGER.exception("unexpected failure in %s", request.path)
            return fail(*dialect.problem(ProblemError(Problem.INTERNAL)))
        return web.json_response(dialect.success(result, log_id), dumps=_dumps)

    def _authorise(self, service: FaceService, token: str) -> tuple[App | None, tuple[int, str]]:
        if not token:
            return None, INVALID_TOKEN_PARAM
        owner = service.token_owner(token)
        if owner is None or owner[0] not in self.apps:
            return None, TOKEN_INVALID
        if owner[1] <= time.time():
            return None, TOKEN_EXPIRED
        return self.apps[owner[0]], (0, "")


async def _body(request: web.Request, limit: int) -> bytes:
    """Read a body of at most `limit` bytes; a bigger one is an image size error (not read, if it says its size)."""
    if (request.content_length or 0) > limit:
        raise ProblemError(Problem.IMAGE_SIZE, "image")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ProblemError(Problem.IMAGE_SIZE, "image") from None
    if len(body) > limit:
        raise ProblemError(Problem.IMAGE_SIZE, "image")
    return body


def _platform_error(error: tuple[int, str]) -> web.Response:
    # The platform in front of both dialects answers bare, without envelope or log_id.
    return web.json_response({"error_code": error[0], "error_msg": error[1]})


def _invalid_client(description: str) -> web.Response:
    return _oauth_error("invalid_client", description, 401)


def _oauth_error(error: str, description: str, status: int) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


def _dumps(value: Any) -> str:
    # Chinese user_info goes back as sent, like Baidu's own responses.
    return json.dumps(value, ensure_ascii=False)
