"""Frigate's HTTP API: a small client, its errors and answers, and where to find Frigate.

Frigate listens on two ports (its authentication docs, 0.14+): 5000, inside its Docker network, with no
login (every caller is an admin), and 8971, where `POST /api/login` gives a JWT and every call
must carry it (TLS there is often a self-signed certificate: `verify_ssl` off). The client does
both: with a user name and password it logs in on its first call, sends the token as
`Authorization: Bearer`, and logs in again once when Frigate answers 401 (the token expired).

    server = frigate_servers(hass)[0]  # the Frigate integration's entry, or FrigateServer(url=...)
    client = create_frigate_client(hass, server)
    config = await client.config()  # topic_prefix, cameras, zones, Frigate's own face recognition
    jpeg = await client.snapshot(event_id)
    await client.set_sub_label(event_id, "Zhang Wei", 97.5)  # our 0-100 score

Every call, a login and its retry included, ends within REQUEST_TIMEOUT, and every failure is
a FrigateError by meaning (never an aiohttp exception). Nothing here logs or raises the password
or the token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_create_clientsession, async_get_clientsession
from yarl import URL

from .frigate_events import DEFAULT_TOPIC_PREFIX, EVENT_ID, MalformedError, TrackedObject, event_row

_LOGGER = logging.getLogger(__name__)

FRIGATE_DOMAIN: Final = "frigate"
# Seconds any one call may take, from connecting (and logging in) to the last byte: a stalled
# Frigate must not hold a visit. Generous for a snapshot Frigate renders on request
# (UNCONFIRMED: not measured against a real Frigate on small hardware; change it here).
REQUEST_TIMEOUT: Final = 10.0
# A 4K frame at quality 95 is a few MiB; nothing Frigate answers is near this.
MAX_RESPONSE_BYTES: Final = 16 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024
TOKEN_COOKIE: Final = "frigate_token"  # noqa: S105 - a cookie name; Frigate's default `auth.cookie_name`
MAX_SUB_LABEL_CHARS: Final = 100  # Frigate refuses longer sub labels (all versions)
# The snapshot as Baidu should see it: the tracked person only (crop: the sub label names this
# object, so no bystander's face may be the one recognised; smaller to send, too), no box or
# time drawn over the face (bbox/timestamp 0), and quality 95 instead of Frigate's 70 (JPEG
# artefacts cost recognition more than the bytes cost the upload). No height: Frigate's frames
# come from its detect stream, and resizing a crop of it only blurs or inflates the face.
# These apply while Frigate still tracks the object; an ended event's saved snapshot comes as
# the camera's `snapshots:` config made it (0.14-0.17; 0.18 applies them to both).
SNAPSHOT_PARAMS: Final = {"crop": "1", "bbox": "0", "timestamp": "0", "quality": "95"}
_VERSION = re.compile(r"\d+\.\d+")


class FrigateError(Exception):
    """Anything that went wrong talking to Frigate (the message carries no secret)."""


class FrigateConnectionError(FrigateError):
    """Frigate could not be reached, did not answer within REQUEST_TIMEOUT, failed (HTTP 5xx) or is not Frigate."""


class FrigateAuthError(FrigateError):
    """Frigate refused the user name and password, or wants a login and none was given (HTTP 401)."""


class FrigatePermissionError(FrigateAuthError):
    """The user may not do this (HTTP 403): writing a sub label takes Frigate's `admin` role (0.16+)."""


class FrigateNotFoundError(FrigateError):
    """Frigate knows no such event, or has no snapshot of it (HTTP 404)."""


class FrigateRefusedError(FrigateError):
    """Frigate refused the request (`{"success": false}` or another 4xx), e.g. a sub label it finds invalid."""


@dataclass(frozen=True, slots=True)
class FrigateCamera:
    """A camera in Frigate's config: its zones, and whether Frigate's own face recognition runs on it."""

    name: str
    zones: tuple[str, ...]
    face_recognition: bool


@dataclass(frozen=True, slots=True)
class FrigateConfig:
    """What the integration needs of `GET /api/config`."""

    topic_prefix: str
    cameras: Mapping[str, FrigateCamera]

    def recognises_faces(self, camera: str) -> bool:
        """Return whether Frigate's own face recognition (0.16+) runs on `camera`."""
        found = self.cameras.get(camera)
        return found is not None and found.face_recognition


def _enabled(section: object, default: bool) -> bool:
    if isinstance(section, dict) and isinstance(section.get("enabled"), bool):
        return bool(section["enabled"])
    return default


def parse_config(data: object) -> FrigateConfig:
    """Return the parts of Frigate's config we use; raise MalformedError when `data` is not Frigate's config."""
    if not isinstance(data, dict) or not isinstance(data.get("cameras"), dict):
        raise MalformedError("the config has no cameras")
    mqtt = data.get("mqtt")
    prefix = mqtt.get("topic_prefix") if isinstance(mqtt, dict) else None
    # Frigate fills each camera's face_recognition from the global one; older versions have neither.
    recognising = _enabled(data.get("face_recognition"), False)
    cameras = {}
    for name, found in data["cameras"].items():
        camera = found if isinstance(found, dict) else {}
        zones = camera.get("zones")
        cameras[name] = FrigateCamera(
            name,
            tuple(zones) if isinstance(zones, dict) else (),
            _enabled(camera.get("face_recognition"), recognising),
        )
    return FrigateConfig(prefix if isinstance(prefix, str) and prefix else DEFAULT_TOPIC_PREFIX, cameras)


def frigate_score(score: float) -> float | None:
    """Return our 0-100 score as Frigate's sub label score, 0 < s <= 1 (None for 0 or less: Frigate 0.15+ refuses 0)."""
    if not score > 0:
        return None
    return min(1.0, round(score / 100, 4)) or None


def frigate_url(text: str) -> str:
    """Return Frigate's base URL as the client wants it (http(s)://host:port, no trailing slash).

    Raises ValueError when `text` is not an http(s) URL with a host, or holds a user or password.
    """
    url = URL(text.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("Frigate's URL must start with http:// or https:// and name a host")
    if url.user is not None or url.password is not None or url.query_string or url.fragment:
        # A password in the URL would be in every error message: it has a field of its own.
        raise ValueError("Frigate's URL must hold no user name, password, query or fragment (http://host:port)")
    return str(url).rstrip("/")


class FrigateClient:
    """Frigate's HTTP API on `session`, on either port: with `username` and `password` it logs in."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        """Talk to Frigate at `url` (see frigate_url); `timeout` bounds each call, in seconds."""
        self._session = session
        self.url = frigate_url(url)
        self._credentials = {"user": username, "password": password} if username and password else None
        self._timeout = timeout
        self._token: str | None = None
        self._login_lock = asyncio.Lock()

    async def version(self) -> str:
        """Return Frigate's version (`GET /api/version`, e.g. "0.16.4-b1fa8a2")."""
        _, body = await self._request("GET", "version")
        text = body.decode(errors="replace").strip()
        if not _VERSION.match(text):
            raise FrigateConnectionError("the server's /api/version is not Frigate's")
        return text

    async def config(self) -> FrigateConfig:
        """Return what the integration needs of Frigate's config (`GET /api/config`)."""
        try:
            return parse_config(await self._json("GET", "config"))
        except MalformedError as err:
            raise FrigateConnectionError(f"the server's /api/config is not Frigate's: {err}") from None

    async def event(self, event_id: str) -> TrackedObject:
        """Return an event as Frigate's database keeps it (`GET /api/events/<id>`; FrigateNotFoundError when unknown).

        Frigate writes only objects it keeps a snapshot or clip of, and a tracked object
        that has just started may not be written yet.
        """
        _check_event_id(event_id)
        try:
            return event_row(await self._json("GET", f"events/{event_id}"))
        except MalformedError as err:
            raise FrigateConnectionError(f"Frigate's event is not the documented shape: {err}") from None

    async def snapshot(self, event_id: str, *, height: int | None = None) -> bytes:
        """Return the JPEG of the event's best frame so far (`GET /api/events/<id>/snapshot.jpg`).

        See SNAPSHOT_PARAMS for what is asked. `height` scales it (0.14 reads `h`, 0.15+ `height`:
        both are sent, each version ignores the other). FrigateNotFoundError when an ended event
        kept no snapshot.
        """
        _check_event_id(event_id)
        params = dict(SNAPSHOT_PARAMS)
        if height is not None:
            params["h"] = params["height"] = str(height)
        response, body = await self._request("GET", f"events/{event_id}/snapshot.jpg", params=params)
        if not response.content_type.startswith("image/"):
            raise FrigateConnectionError(f"Frigate's snapshot of {event_id} is not a picture ({response.content_type})")
        return body

    async def set_sub_label(self, event_id: str, name: str, score: float | None) -> None:
        """Write `name` as the event's sub label (`POST /api/events/<id>/sub_label`) with our 0-100 `score`.

        Frigate shows it in its UI, recordings and notifications. The name must be 1 to 100
        characters (FrigateRefusedError, without a call, otherwise); on the authenticated port
        the user needs Frigate's admin role (FrigatePermissionError). Frigate 0.14/0.15 know only
        events in their database (FrigateNotFoundError otherwise).
        """
        _check_event_id(event_id)
        if not name or len(name) > MAX_SUB_LABEL_CHARS:
            raise FrigateRefusedError(f"a sub label must be 1 to {MAX_SUB_LABEL_CHARS} characters")
        body: dict[str, Any] = {"subLabel": name}
        if score is not None and (frigate := frigate_score(score)) is not None:
            body["subLabelScore"] = frigate
        await self._json("POST", f"events/{event_id}/sub_label", body)

    async def login(self) -> None:
        """Log in now (`POST /api/login`) to prove the user name and password; calls log in by themselves.

        Without a user name and password (the unauthenticated port) there is nothing to prove.
        """
        if self._credentials is not None:
            async with self._deadline():
                await self._renew_token(self._token)

    @asynccontextmanager
    async def _deadline(self) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self._timeout):
                yield
        except TimeoutError:
            raise FrigateConnectionError(f"Frigate did not answer within {self._timeout:g} s") from None

    async def _json(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """Return the JSON of a call's answer; FrigateRefusedError for Frigate's `{"success": false}`."""
        _, body = await self._request(method, path, payload=payload)
        try:
            data = json.loads(body)
        except ValueError:
            raise FrigateConnectionError(f"Frigate's /api/{path} is not JSON") from None
        if isinstance(data, dict) and data.get("success") is False:
            raise FrigateRefusedError(f"Frigate refused /api/{path}: {_message(body)}")
        return data

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        """Make a call (logging in first, and again once on a 401), bounded in time; raise what its status means."""
        async with self._deadline():
            for renewed in (False, True):
                token = self._token
                if self._credentials is not None and token is None:
                    token = await self._renew_token(None)
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response, body = await self._send(method, path, params, payload, headers)
                if response.status == 401 and self._credentials is not None and not renewed:
                    # An expired token (Frigate's sessions last a day by default): log in once more.
                    await self._renew_token(token)
                    continue
                _raise_for_status(f"/api/{path}", response.status, body)
                return response, body
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _renew_token(self, expired: str | None) -> str:
        # One login for every call that found the same token expired at once.
        async with self._login_lock:
            if self._token is not None and self._token != expired:
                return self._token
            self._token = None
            assert self._credentials is not None
            response, body = await self._send("POST", "login", None, self._credentials, {})
            if response.status in (400, 401, 403, 429):
                # 429: Frigate's failed-login rate limit. Never the body: it may echo the user.
                raise FrigateAuthError(f"Frigate refused the login (HTTP {response.status})")
            _raise_for_status("/api/login", response.status, body)
            cookie = response.cookies.get(TOKEN_COOKIE) or next(iter(response.cookies.values()), None)
            if cookie is None or not cookie.value:
                raise FrigateAuthError("Frigate's login answered without a token")
            self._token = cookie.value
            return self._token

    async def _send(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        payload: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        try:
            async with self._session.request(
                method, f"{self.url}/api/{path}", params=params, json=payload, headers=headers, allow_redirects=False
            ) as response:
                body = bytearray()
                async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise FrigateConnectionError(f"Frigate's answer to /api/{path} is too large")
        except aiohttp.ClientConnectorCertificateError:
            raise FrigateConnectionError(
                "Frigate's TLS certificate is not trusted (a self-signed one needs verify_ssl off)"
            ) from None
        except (aiohttp.ClientError, OSError) as err:
            raise FrigateConnectionError(f"cannot reach Frigate at {self.url} ({err.__class__.__name__})") from None
        _LOGGER.debug("Frigate %s /api/%s: HTTP %s", method, path, response.status)
        return response, bytes(body)


def _check_event_id(event_id: str) -> None:
    """Refuse, without a call, an id that is not Frigate's: it goes into the URL's path."""
    if not EVENT_ID.fullmatch(event_id):
        raise FrigateRefusedError("that is not a Frigate event id")


def _message(body: bytes) -> str:
    """Return Frigate's own message from an error answer, short (its body, when it is one)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        message = data.get("message") or data.get("detail") or ""
        return str(message)[:200]
    return ""


def _raise_for_status(where: str, status: int, body: bytes) -> None:
    """Raise the FrigateError an answer's status means (nothing for 2xx)."""
    if status == 401:
        raise FrigateAuthError(f"Frigate wants a login for {where} (HTTP 401)")
    if status == 403:
        raise FrigatePermissionError(f"Frigate's user may not call {where} (HTTP 403: {_message(body)})")
    if status == 404:
        raise FrigateNotFoundError(f"Frigate has no {where} (HTTP 404: {_message(body)})")
    if 400 <= status < 500:
        raise FrigateRefusedError(f"Frigate refused {where} (HTTP {status}: {_message(body)})")
    if not 200 <= status < 300:
        raise FrigateConnectionError(f"Frigate failed on {where} (HTTP {status})")


@dataclass(frozen=True, slots=True)
class FrigateServer:
    """Where a Frigate is, and how to log in to it (no user name: the unauthenticated port)."""

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    verify_ssl: bool = True
    # The Frigate integration's entry it comes from (None: the user typed it) and that entry's title.
    entry_id: str | None = None
    title: str = ""


@callback
def frigate_servers(hass: HomeAssistant) -> list[FrigateServer]:
    """Return the Frigates the Frigate integration is set up for (its config entries), the first choices offered.

    Its entries keep `url`, `validate_ssl` and, since its 5.6.0, `username`/`password`
    (its config_flow.py). None: the user types the URL (FrigateServer(url=frigate_url(text), ...)).
    """
    servers = []
    for entry in hass.config_entries.async_entries(FRIGATE_DOMAIN, include_ignore=False, include_disabled=False):
        try:
            url = frigate_url(str(entry.data.get("url", "")))
        except ValueError:
            continue
        servers.append(
            FrigateServer(
                url,
                entry.data.get("username") or None,
                entry.data.get("password") or None,
                bool(entry.data.get("validate_ssl", True)),
                entry.entry_id,
                entry.title,
            )
        )
    return servers


@callback
def create_frigate_client(
    hass: HomeAssistant, server: FrigateServer, timeout: float = REQUEST_TIMEOUT
) -> FrigateClient:
    """Return a client for `server` on Home Assistant's aiohttp session (`verify_ssl` as the server says).

    A client that logs in gets a session of its own without a cookie jar: Frigate's login sets
    its token as a cookie, which must not land in the jar every integration shares. Created
    during an entry's set-up, that session is closed when the entry unloads.
    """
    if server.username and server.password:
        session = async_create_clientsession(hass, server.verify_ssl, cookie_jar=aiohttp.DummyCookieJar())
    else:
        session = async_get_clientsession(hass, server.verify_ssl)
    return FrigateClient(session, server.url, username=server.username, password=server.password, timeout=timeout)
