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
from dataclasses import dataclass
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


class HassError(Exception):
    """Home Assistant refused a request, or did not come up."""


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
    """A logged-in client of one Home Assistant's REST and WebSocket APIs."""

    session: aiohttp.ClientSession
    url: str
    token: str = ""

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
        """One REST call; its JSON answer, or `HassError` with Home Assistant's message."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(method, self.url + path, json=body, headers=headers) as response:
            if response.status >= 400:
                raise HassError(f"{method} {path}: HTTP {response.status} {await response.text()}")
            return await response.json(content_type=None)

    async def log_in(self, username: str, password: str) -> None:
        """Create the owner if onboarding still asks for one, else log in; keeps the access token."""
        client = self.url + "/"
        try:
            status = await self.call("GET", "/api/onboarding")
        except HassError:  # onboarding finished: the view is gone
            status = [{"step": STEP_USER, "done": True}]
        if not next(step["done"] for step in status if step["step"] == STEP_USER):
            owner = {"client_id": client, "name": username.title(), "username": username, "password": password}
            created = await self.call("POST", "/api/onboarding/users", {**owner, "language": "en"})
            code = created["auth_code"]
        else:
            flow = await self.call(
                "POST", "/auth/login_flow",
                {"client_id": client, "handler": ["homeassistant", None], "redirect_uri": client},
            )  # fmt: skip
            done = await self.call(
                "POST", f"/auth/login_flow/{flow['flow_id']}",
                {"client_id": client, "username": username, "password": password},
            )  # fmt: skip
            code = done["result"]
        form = {"grant_type": "authorization_code", "code": code, "client_id": client}
        async with self.session.post(self.url + "/auth/token", data=form) as response:
            self.token = (await response.json())["access_token"]

    @contextlib.asynccontextmanager
    async def _socket(self) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        async with self.session.ws_connect(self.url + "/api/websocket") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (await ws.receive_json())["type"] != "auth_ok":
                raise HassError("the WebSocket API refused the access token")
            yield ws

    async def websocket(self, *commands: dict[str, Any]) -> list[Any]:
        """Send commands over the WebSocket API; their results, in order."""
        results = []
        async with self._socket() as ws:
            for number, command in enumerate(commands, 1):
                await ws.send_json({"id": number, **command})
                answer = await ws.receive_json()
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
        """
        async with self._socket() as ws:
            early: list[dict[str, Any]] = []
            for number, event_type in enumerate(event_types, 1):
                await ws.send_json({"id": number, "type": "subscribe_events", "event_type": event_type})
                while (message := await ws.receive_json())["type"] == "event":
                    early.append(message["event"])  # one of the types subscribed before
                if not message["success"]:
                    raise HassError(f"subscribe_events {event_type}: {message['error']['message']}")

            async def fired() -> AsyncIterator[dict[str, Any]]:
                for event in early:
                    yield event
                while True:
                    message = await ws.receive_json()
                    if message["type"] == "event":
                        yield message["event"]

            yield fired()

    async def entries(self, domain: str) -> list[dict[str, Any]]:
        """Return the config entries of `domain`."""
        return list(await self.call("GET", f"/api/config/config_entries/entry?domain={domain}"))

    async def flow(self, base: str, start: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """Start a flow (config, options, subentry, reconfigure), submit its one form; the finished result."""
        form = await self.call("POST", base, start)
        if form["type"] != "form":
            raise HassError(f"{start}: {form.get('reason')}")
        result: dict[str, Any] = await self.call("POST", f"{base}/{form['flow_id']}", data)
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
