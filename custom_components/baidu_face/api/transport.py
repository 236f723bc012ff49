"""One place where requests are made: tokens, QPS, retries, error translation, counting."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
import weakref
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from yarl import URL

from .answers import number, reading, text
from .errors import NOT_COUNTED, QPS_EXCEEDED, QUOTA_SPENT, TOKEN_REJECTED, error_for
from .exceptions import (
    BaiduFaceAuthenticationError,
    BaiduFaceBadAnswerError,
    BaiduFaceBudgetExhaustedError,
    BaiduFaceConnectionError,
    BaiduFaceServerBusyError,
)

_LOGGER = logging.getLogger(__name__)
_JSON = {"Content-Type": "application/json"}
# Renew a token when this much of its life is left (Baidu's SDKs use 30 s to a
# day); a tenth of the lifetime keeps short-lived test tokens working too.
REFRESH_MARGIN = 86400.0
# Baidu's largest answers (detect of ten faces with landmarks) are tens of KiB:
# anything near this is not Baidu, and is not read whole into memory.
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024


class CallBudget(Protocol):
    """Asked before each request whether it may be sent, and told what came of it.

    The client knows nothing of plans or periods: whoever keeps the counts
    (the Home Assistant integration, for one) implements this. Token requests
    are free and never asked about.
    """

    def allow(self, api: str) -> str | None:
        """Return None to let a request to `api` go, or the period ("day", "month") whose budget is spent."""

    def record(self, api: str, *, counted: bool, spent: str | None) -> None:
        """Note that an allowed request to `api` went out.

        `counted` says whether it spends Baidu's quota (see errors.NOT_COUNTED);
        `spent` is the period ("day", "month") Baidu answered is spent (errors
        17 and 19), else None.
        """


def api_name(path: str) -> str:
    """Return the API a request path calls, as Baidu counts it ("v3/multi-search" -> "multi-search")."""
    return path.split("/", 1)[1]


class RateLimiter:
    """At most `qps` calls in any second, shared by every caller that holds it.

    Baidu counts a call when it arrives, somewhere between the moment the
    client sends it and the moment the answer is back. Counting each call
    until its answer is back, plus a second, is the only count that is safe
    whatever the network does: a first burst slowed by opening connections no
    longer lets the next burst in too early.
    """

    # A little slack for clocks that tick differently.
    WINDOW = 1.02

    def __init__(self, qps: int) -> None:
        """Allow `qps` calls a second; `qps` may be changed later."""
        if qps < 1:
            raise ValueError("qps must be 1 or more")
        self.qps = qps
        self._in_flight = 0
        self._answered: deque[float] = deque()  # when recent calls were answered
        self._freed = asyncio.Event()
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the `qps` places from sending a call until a second after its answer."""
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._answered and self._answered[0] + self.WINDOW <= now:
                    self._answered.popleft()
                if self._in_flight + len(self._answered) < self.qps:
                    break
                if self._answered:
                    await asyncio.sleep(self._answered[0] + self.WINDOW - now)
                else:
                    self._freed.clear()
                    await self._freed.wait()
            self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._answered.append(time.monotonic())
            self._freed.set()


@dataclass(eq=False)
class _Token:
    """One app's access token, renewed by whichever client needs it first."""

    value: str | None = None
    renew_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(eq=False)
class _SharedApp:
    """What every client of one Baidu app (base URL + API key) shares.

    Baidu counts calls a second per app, not per client: two Home Assistant
    entries with the same key and a limiter each would together send twice
    the app's rate and be refused (error 18). When their qps settings differ,
    the lowest wins: it is the only one that is safe for all of them.
    """

    loop: asyncio.AbstractEventLoop
    limiter: RateLimiter
    qps: weakref.WeakKeyDictionary[Transport, int] = field(default_factory=weakref.WeakKeyDictionary)
    tokens: dict[str, _Token] = field(default_factory=dict)

    def join(self, transport: Transport, qps: int) -> None:
        """Count a client in: the limiter follows the lowest qps of those alive."""
        self.qps[transport] = qps
        self.limiter.qps = min(self.qps.values())

    def token(self, secret_key: str) -> _Token:
        """Return the token state for this secret (a wrong secret never borrows a good token)."""
        digest = hashlib.sha256(secret_key.encode()).hexdigest()
        return self.tokens.setdefault(digest, _Token())


# One entry per app and event loop, gone when its last client is.
_SHARED: weakref.WeakValueDictionary[tuple[str, str, asyncio.AbstractEventLoop], _SharedApp] = (
    weakref.WeakValueDictionary()
)


class Transport:
    """Sends dialect payloads, renewing tokens and backing off as Baidu asks."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        secret_key: str,
        *,
        base_url: str,
        timeout: float,
        qps: int,
        max_retries: int,
        budget: CallBudget | None = None,
    ) -> None:
        """Hold the settings; the shared limiter and token are found on the first call."""
        if qps < 1:
            raise ValueError("qps must be 1 or more")
        self._session = session
        self._api_key = api_key
        self._secret_key = secret_key
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._qps = qps
        self._max_retries = max_retries
        self._app: _SharedApp | None = None
        self._budget = budget
        self.calls: Counter[str] = Counter()

    def __repr__(self) -> str:
        """Name the endpoint, never the keys."""
        return f"Transport(base_url={self._base_url!r})"

    def _shared(self) -> _SharedApp:
        # Found lazily: asyncio locks belong to one event loop, so the loop is
        # part of the key, and it is only known inside a call.
        loop = asyncio.get_running_loop()
        if self._app is None or self._app.loop is not loop:
            key = (str(URL(self._base_url)), self._api_key, loop)
            app = _SHARED.get(key)
            if app is None:
                app = _SHARED[key] = _SharedApp(loop, RateLimiter(self._qps))
            self._app = app
        # Rejoined every call, so the limit follows the clients still alive.
        self._app.join(self, self._qps)
        return self._app

    async def token(self, *, renew: bool = False, stale: str | None = None) -> str:
        """Return the app's access token, fetched when missing, expiring, `stale` or `renew` is asked."""
        state = self._shared().token(self._secret_key)
        async with state.lock:
            if renew or state.value is None or state.value == stale or time.time() >= state.renew_at:
                state.value, lifetime = await self._fetch_token()
                state.renew_at = time.time() + lifetime - min(REFRESH_MARGIN, lifetime / 10)
            return state.value

    async def _fetch_token(self) -> tuple[str, float]:
        query = {"grant_type": "client_credentials", "client_id": self._api_key, "client_secret": self._secret_key}
        self.calls["token"] += 1
        body = await self._send("GET", "/oauth/2.0/token", params=query)
        if "access_token" not in body:
            description = str(body.get("error_description") or body.get("error") or "no access token")
            raise BaiduFaceAuthenticationError(
                f"Baidu refused the API key or secret key: {description}", error_msg=description
            )
        with reading("token"):
            token, lifetime = text(body["access_token"]), number(body.get("expires_in", 2592000))
            if not token or lifetime <= 0:
                raise ValueError("an empty token, or one already expired")
        return token, lifetime

    async def call(self, operation: str, path: str, payload: Any, *, form: bool = False) -> dict[str, Any]:
        """POST a payload to `/rest/2.0/face/{path}` and return Baidu's successful body."""
        renewed = False
        backoffs = 0
        limiter = self._shared().limiter
        while True:
            # Token first: a place is held only while the call itself is out.
            token = await self.token()
            async with limiter.slot():
                body = await self._post(operation, path, token, payload, form=form)
            code = _code(body)
            _LOGGER.debug("%s (%s): error_code %s, log_id %s", operation, path, code, body.get("log_id"))
            if not code:
                return body
            if code in TOKEN_REJECTED and not renewed:
                renewed = True
                # Another client of the app may have renewed it already.
                await self.token(stale=token)
                continue
            if code == QPS_EXCEEDED and backoffs < self._max_retries:
                # Exponential back-off with jitter, so that callers spread out.
                await asyncio.sleep(0.5 * 2**backoffs * (1 + random.random()))  # noqa: S311
                backoffs += 1
                continue
            raise error_for(body, operation)

    async def _post(self, operation: str, path: str, token: str, payload: Any, *, form: bool) -> dict[str, Any]:
        """Send one request, if the budget allows it, and tell the budget what came of it."""
        api = api_name(path)
        if self._budget is not None and (period := self._budget.allow(api)) is not None:
            raise BaiduFaceBudgetExhaustedError(
                f"{operation} was not sent: the {period}'s budget for {api} is spent", api=api, period=period
            )
        self.calls[operation] += 1
        code: int | None = None  # unknown: the request may have been counted
        try:
            if form:
                body = await self._send("POST", f"/rest/2.0/face/{path}", params={"access_token": token}, data=payload)
            else:
                data = json.dumps(payload, ensure_ascii=False).encode()
                body = await self._send(
                    "POST", f"/rest/2.0/face/{path}", params={"access_token": token}, data=data, headers=_JSON
                )
            code = _code(body)
            return body
        finally:
            if self._budget is not None:
                self._budget.record(api, counted=code not in NOT_COUNTED, spent=QUOTA_SPENT.get(code or 0))

    async def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._session.request(
                method, self._base_url + path, timeout=self._timeout, **kwargs
            ) as response:
                if response.status >= 500:
                    raise BaiduFaceServerBusyError(f"the server answered HTTP {response.status}")
                body = json.loads(await self._read(response))
        except TimeoutError:
            raise BaiduFaceConnectionError(f"{self._base_url} did not answer in time") from None
        except aiohttp.ClientError as err:
            # aiohttp's message may hold the URL, and so the token: keep only its kind.
            raise BaiduFaceConnectionError(f"cannot reach {self._base_url}: {type(err).__name__}") from None
        except ValueError, RecursionError:  # nested too deep for json
            raise BaiduFaceBadAnswerError(f"{self._base_url} did not answer like Baidu (not JSON)") from None
        if not isinstance(body, dict):
            raise BaiduFaceBadAnswerError(f"{self._base_url} did not answer like Baidu")
        return body

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        """Read the body, refused as soon as it outgrows MAX_RESPONSE_BYTES (Baidu's are a few KiB)."""
        too_large = BaiduFaceBadAnswerError(
            f"{self._base_url} answered more than {MAX_RESPONSE_BYTES // 1024 // 1024} MiB: not Baidu"
        )
        if (response.content_length or 0) > MAX_RESPONSE_BYTES:
            raise too_large
        data = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
            data += chunk
            if len(data) > MAX_RESPONSE_BYTES:
                raise too_large
        return bytes(data)


def _code(body: dict[str, Any]) -> int:
    """Return an answer's error code, 0 for success; one that is not a whole number is not Baidu's answer."""
    code = body.get("error_code")
    if code is None:
        return 0
    if isinstance(code, bool) or not isinstance(code, int):
        raise BaiduFaceBadAnswerError(f"the answer's error code is not a number ({type(code).__name__})")
    return code
