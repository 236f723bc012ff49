"""Drive a Home Assistant instance from outside: its storage before it starts, its REST and WebSocket APIs after.

The demo and the browser test both use it. Everything goes through Home Assistant's own
interfaces: its storage classes while it is stopped (never a hand-edited `.storage` file,
never while it runs), and its HTTP APIs (onboarding, login, config flows, actions) while
it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
from homeassistant.components.http.config import HTTP_STORAGE_SCHEMA, HTTPConfigStore
from homeassistant.components.onboarding import STORAGE_KEY as ONBOARDING_KEY
from homeassistant.components.onboarding import STORAGE_VERSION as ONBOARDING_VERSION
from homeassistant.components.onboarding import OnboardingStorage
from homeassistant.components.onboarding.const import STEP_USER, STEPS
from homeassistant.core import HomeAssistant

CONFIG_FLOW = "/api/config/config_entries/flow"
OPTIONS_FLOW = "/api/config/config_entries/options/flow"
SUBENTRY_FLOW = "/api/config/config_entries/subentries/flow"
ANSWER_TIMEOUT = aiohttp.ClientTimeout(total=3)
# A request that Home Assistant took this long to answer is not coming (it hangs, or is stopping).
CALL_TIMEOUT = aiohttp.ClientTimeout(total=120)
WEBSOCKET_TIMEOUT = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=10)
# What Home Assistant answers while it starts or stops (and what a proxy answers in front of it).
UNAVAILABLE_STATUSES = {HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.GATEWAY_TIMEOUT}
# How long before its end an access token is renewed (a quarter of its life when that is shorter).
RENEW_BEFORE_SECONDS = 60.0


class HassError(Exception):
    """Home Assistant refused a request, or did not come up."""


class HassUnavailable(HassError):
    """Home Assistant did not answer: it is stopped, restarting, or its connection closed."""


class HassRefused(HassError):
    """Home Assistant refused a login or a token."""


async def prepare_storage(config_dir: Path, port: int) -> None:
    """Before Home Assistant starts: listen on 127.0.0.1:`port`, and skip the onboarding steps that go online.

    Since 2026.x the HTTP settings live in Home Assistant's store (YAML ones are migrated once
    and then raise a repair issue), so every run writes them there as the confirmed ("stable")
    configuration, through Home Assistant's own store class, while it is not running.
    Onboarding's core-config step sets up Google Translate, Met.no and Radio Browser, which fail
    offline; every step but creating the owner is marked done, so a person (or `onboard`)
    only creates the owner.
    """
    hass = HomeAssistant(str(config_dir))
    try:
        http = HTTPConfigStore(hass)
        await http.async_load()
        wanted = HTTP_STORAGE_SCHEMA({"server_host": ["127.0.0.1"], "server_port": port})
        await http.async_set_pending(wanted)
        if http.pending is not None:  # None when the stable configuration is already this one
            await http.async_promote_pending()
        await http.async_mark_yaml_migration_done()

        onboarding = OnboardingStorage(hass, ONBOARDING_VERSION, ONBOARDING_KEY, private=True)
        data = await onboarding.async_load() or {"done": []}
        if set(data["done"]) | {STEP_USER} != set(STEPS):
            data["done"] = sorted(set(data["done"]) | (set(STEPS) - {STEP_USER}))
            await onboarding.async_save(data)
    finally:
        await hass.async_stop(force=True)


@dataclass
class HassClient:
    """A logged-in client of one Home Assistant's REST and WebSocket APIs, for as long as it runs.

    It keeps its access token fresh the way Home Assistant's own frontend does: the token
    lasts `expires_in` seconds (30 minutes), so the client trades its refresh token for a new
    one shortly before that, and again when a request is refused with 401 (an old token, or a
    Home Assistant that lost it); a refresh token that Home Assistant no longer knows means
    logging in again. A refresh token rather than a long-lived access token: it is what the
    frontend does, it lives only in this client's memory, and Home Assistant lets it lapse
    unused, where a long-lived token would stay valid for years in the owner's profile after a
    demo that was killed before it could delete it.
    """

    session: aiohttp.ClientSession
    url: str
    token: str = ""
    _refresh_token: str = field(default="", repr=False)
    _login: tuple[str, str] | None = field(default=None, repr=False)
    _renew_at: float = 0.0  # time.monotonic() from which the token is renewed before use
    _renewing: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def wait_until_up(self, seconds: float, failed: Callable[[], str | None]) -> None:
        """Wait until Home Assistant answers; `failed()` names a reason to give up early."""
        deadline = time.monotonic() + seconds
        while True:
            if reason := failed():
                raise HassError(reason)
            # A short timeout: whatever holds the port may accept a connection and never answer.
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self.session.get(self.url + "/manifest.json", timeout=ANSWER_TIMEOUT) as response:
                    if response.status < 500:
                        return
            if time.monotonic() > deadline:
                raise HassError(f"Home Assistant did not answer on {self.url} in {seconds:.0f} s")
            await asyncio.sleep(0.3)

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call; its JSON answer, or `HassError` with Home Assistant's message.

        `HassUnavailable` when Home Assistant is not there to answer (stopped, restarting).
        """
        token = await self.access_token()
        try:
            return await self._request(method, path, body, token)
        except HassRefused:
            if not self._refresh_token:
                raise
        return await self._request(method, path, body, await self.access_token(refused=token))

    async def _request(self, method: str, path: str, body: Any, token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            self._answering(method, path),
            self.session.request(method, self.url + path, json=body, headers=headers, timeout=CALL_TIMEOUT) as response,
        ):
            if response.status in UNAVAILABLE_STATUSES:
                raise HassUnavailable(f"{method} {path}: HTTP {response.status}")
            if response.status >= 400:
                refused = HassRefused if response.status == HTTPStatus.UNAUTHORIZED else HassError
                raise refused(f"{method} {path}: HTTP {response.status} {await response.text()}")
            return await response.json(content_type=None)

    @contextlib.asynccontextmanager
    async def _answering(self, method: str, path: str) -> AsyncIterator[None]:
        """Turn "nobody answers" (refused, reset, timed out, a closed socket) into `HassUnavailable`."""
        try:
            yield
        except (aiohttp.ClientConnectionError, TimeoutError, aiohttp.WSMessageTypeError) as err:
            raise HassUnavailable(f"{method} {path}: {type(err).__name__} {err}".rstrip()) from err

    async def log_in(self, username: str, password: str) -> None:
        """Create the owner if onboarding still asks for one, else log in; keeps the tokens."""
        client = self.url + "/"
        try:
            status = await self._request("GET", "/api/onboarding", None, "")
        except HassUnavailable:
            raise
        except HassError:  # onboarding finished: the view is gone
            status = [{"step": STEP_USER, "done": True}]
        if not next(step["done"] for step in status if step["step"] == STEP_USER):
            owner = {"client_id": client, "name": username.title(), "username": username, "password": password}
            created = await self._request("POST", "/api/onboarding/users", {**owner, "language": "en"}, "")
            code = created["auth_code"]
        else:
            flow = await self._request(
                "POST", "/auth/login_flow",
                {"client_id": client, "handler": ["homeassistant", None], "redirect_uri": client}, "",
            )  # fmt: skip
            done = await self._request(
                "POST", f"/auth/login_flow/{flow['flow_id']}",
                {"client_id": client, "username": username, "password": password}, "",
            )  # fmt: skip
            if done.get("type") != "create_entry":
                raise HassRefused(f"Home Assistant refused the login of {username!r}: {done.get('errors')}")
            code = done["result"]
        self._login = (username, password)
        granted = await self._grant({"grant_type": "authorization_code", "code": code})
        self._refresh_token = granted["refresh_token"]

    async def access_token(self, refused: str | None = None) -> str:
        """Return an access token that is not near its end and is not `refused`: the one held, or a new one."""
        if not self._refresh_token:
            return self.token
        async with self._renewing:  # one renewal for every task that finds the token old
            if self.token != refused and time.monotonic() < self._renew_at:
                return self.token
            try:
                await self._grant({"grant_type": "refresh_token", "refresh_token": self._refresh_token})
            except HassRefused:  # Home Assistant no longer knows the refresh token: log in again
                assert self._login is not None
                await self.log_in(*self._login)
        return self.token

    async def _grant(self, form: dict[str, str]) -> dict[str, Any]:
        """Trade a code or a refresh token for an access token at /auth/token; keep it and when to renew it."""
        async with (
            self._answering("POST", "/auth/token"),
            self.session.post(
                self.url + "/auth/token", data={**form, "client_id": self.url + "/"}, timeout=CALL_TIMEOUT
            ) as response,
        ):
            if response.status in UNAVAILABLE_STATUSES:
                raise HassUnavailable(f"POST /auth/token: HTTP {response.status}")
            granted: dict[str, Any] = await response.json(content_type=None)
        if "access_token" not in granted:
            raise HassRefused(f"POST /auth/token ({form['grant_type']}): {granted.get('error')}")
        lifetime = float(granted["expires_in"])
        self.token = granted["access_token"]
        # Renewed before its end, so that a request sent with it does not arrive after that.
        self._renew_at = time.monotonic() + lifetime - min(RENEW_BEFORE_SECONDS, lifetime / 4)
        return granted

    @contextlib.asynccontextmanager
    async def _socket(self) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        """Open an authenticated WebSocket connection (with a renewed token if the first is refused)."""
        refused = None
        for _ in range(2):
            token = await self.access_token(refused)
            async with self._answering("WebSocket", "/api/websocket"):
                ws = await self.session.ws_connect(self.url + "/api/websocket", timeout=WEBSOCKET_TIMEOUT)
            try:
                async with self._answering("WebSocket", "auth"):
                    await ws.receive_json()
                    await ws.send_json({"type": "auth", "access_token": token})
                    authenticated = (await ws.receive_json())["type"] == "auth_ok"
                if authenticated:
                    yield ws
                    return
            finally:
                await ws.close()
            if not self._refresh_token:
                break
            refused = token
        raise HassRefused("the WebSocket API refused the access token")

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse, what: str) -> dict[str, Any]:
        async with self._answering("WebSocket", what):
            message: dict[str, Any] = await ws.receive_json()
        return message

    async def websocket(self, *commands: dict[str, Any]) -> list[Any]:
        """Send commands over the WebSocket API; their results, in order."""
        results = []
        async with self._socket() as ws:
            for number, command in enumerate(commands, 1):
                async with self._answering("WebSocket", command["type"]):
                    await ws.send_json({"id": number, **command})
                answer = await self._receive(ws, command["type"])
                if not answer["success"]:
                    raise HassError(f"{command['type']}: {answer['error']['message']}")
                results.append(answer["result"])
        return results

    async def events(self, *event_types: str) -> AsyncIterator[dict[str, Any]]:
        """Every event of these types, as it is fired, until the caller stops iterating."""
        async with self.subscription(*event_types) as events:
            async for event in events:
                yield event

    @contextlib.asynccontextmanager
    async def subscription(self, *event_types: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Subscribe to events of these types; once Home Assistant confirmed, yield them as they are fired.

        Unlike `events`, nothing fired after entering is missed: the subscription is in place then.
        When Home Assistant stops (or restarts), iterating raises `HassUnavailable`.
        """
        async with self._socket() as ws:
            early: list[dict[str, Any]] = []
            for number, event_type in enumerate(event_types, 1):
                async with self._answering("WebSocket", "subscribe_events"):
                    await ws.send_json({"id": number, "type": "subscribe_events", "event_type": event_type})
                while (message := await self._receive(ws, "subscribe_events"))["type"] == "event":
                    early.append(message["event"])  # one of the types subscribed before
                if not message["success"]:
                    raise HassError(f"subscribe_events {event_type}: {message['error']['message']}")

            async def fired() -> AsyncIterator[dict[str, Any]]:
                for event in early:
                    yield event
                while True:
                    if (message := await self._receive(ws, "subscribe_events"))["type"] == "event":
                        yield message["event"]

            yield fired()

    async def entries(self, domain: str) -> list[dict[str, Any]]:
        """Return the config entries of `domain`."""
        return list(await self.call("GET", f"/api/config/config_entries/entry?domain={domain}"))

    async def flow(
        self, base: str, start: dict[str, Any], data: dict[str, Any], *more: dict[str, Any]
    ) -> dict[str, Any]:
        """Start a flow (config, options, subentry, reconfigure), submit its form (and `more` forms); the result."""
        form = await self.call("POST", base, start)
        result: dict[str, Any] = form
        for answers in (data, *more):
            if result["type"] != "form":
                raise HassError(f"{start}: {result.get('errors') or result.get('reason')}")
            result = await self.call("POST", f"{base}/{form['flow_id']}", answers)
        # Reconfiguring ends in an abort whose reason is "reconfigure_successful".
        if result["type"] != "create_entry" and not str(result.get("reason")).endswith("_successful"):
            raise HassError(f"{start}: {result.get('errors') or result.get('reason')}")
        return result

    async def action(self, domain: str, service: str, data: dict[str, Any], response: bool = False) -> Any:
        """Perform an action over REST; with `response`, what it returned (`service_response`)."""
        path = f"/api/services/{domain}/{service}" + ("?return_response" if response else "")
        answer = await self.call("POST", path, data)
        return answer["service_response"] if response else answer

    async def state(self, entity_id: str) -> dict[str, Any]:
        """Return an entity's state object."""
        state: dict[str, Any] = await self.call("GET", f"/api/states/{entity_id}")
        return state

    async def logbook(self, since: str) -> list[dict[str, Any]]:
        """Logbook lines since an ISO time."""
        return list(await self.call("GET", f"/api/logbook/{since}"))
