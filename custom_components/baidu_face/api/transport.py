"""One place where requests are made: tokens, QPS, retries, error translation, counting."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import Counter, deque
from typing import Any

import aiohttp

from .errors import QPS_EXCEEDED, TOKEN_REJECTED, error_for
from .exceptions import BaiduFaceAuthenticationError, BaiduFaceConnectionError, BaiduFaceServerBusyError

_LOGGER = logging.getLogger(__name__)
_JSON = {"Content-Type": "application/json"}
# Renew a token when this much of its life is left (Baidu's SDKs use 30 s to a
# day); a tenth of the lifetime keeps short-lived test tokens working too.
REFRESH_MARGIN = 86400.0


class RateLimiter:
    """At most `qps` calls in any second, shared by every caller of one client."""

    # The server counts arrivals, the client departures: a little slack keeps
    # network jitter from squeezing two windows into one.
    WINDOW = 1.05

    def __init__(self, qps: int) -> None:
        if qps < 1:
            raise ValueError("qps must be 1 or more")
        self._sent: deque[float] = deque(maxlen=qps)
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            if len(self._sent) == self._sent.maxlen:
                wait = self._sent[0] + self.WINDOW - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            self._sent.append(time.monotonic())


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
    ) -> None:
        self._session = session
        self._api_key = api_key
        self._secret_key = secret_key
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._limiter = RateLimiter(qps)
        self._max_retries = max_retries
        self._token: str | None = None
        self._token_renew_at = 0.0
        self._token_lock = asyncio.Lock()
        self.calls: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"Transport(base_url={self._base_url!r})"

    async def token(self, *, renew: bool = False) -> str:
        async with self._token_lock:
            if renew or self._token is None or time.time() >= self._token_renew_at:
                self._token, lifetime = await self._fetch_token()
                self._token_renew_at = time.time() + lifetime - min(REFRESH_MARGIN, lifetime / 10)
            return self._token

    async def _fetch_token(self) -> tuple[str, float]:
        query = {"grant_type": "client_credentials", "client_id": self._api_key, "client_secret": self._secret_key}
        self.calls["token"] += 1
        body = await self._send("GET", "/oauth/2.0/token", params=query)
        if "access_token" not in body:
            description = str(body.get("error_description") or body.get("error") or "no access token")
            raise BaiduFaceAuthenticationError(
                f"Baidu refused the API key or secret key: {description}", error_msg=description
            )
        return str(body["access_token"]), float(body.get("expires_in", 2592000))

    async def call(self, operation: str, path: str, payload: Any, *, form: bool = False) -> dict[str, Any]:
        """POST a payload to `/rest/2.0/face/{path}` and return Baidu's successful body."""
        renewed = False
        backoffs = 0
        while True:
            await self._limiter.acquire()
            token = await self.token()
            self.calls[operation] += 1
            if form:
                body = await self._send("POST", f"/rest/2.0/face/{path}", params={"access_token": token}, data=payload)
            else:
                data = json.dumps(payload, ensure_ascii=False).encode()
                body = await self._send(
                    "POST", f"/rest/2.0/face/{path}", params={"access_token": token}, data=data, headers=_JSON
                )
            code = body.get("error_code", 0)
            _LOGGER.debug("%s (%s): error_code %s, log_id %s", operation, path, code, body.get("log_id"))
            if not code:
                return body
            if code in TOKEN_REJECTED and not renewed:
                renewed = True
                await self.token(renew=True)
                continue
            if code == QPS_EXCEEDED and backoffs < self._max_retries:
                # Exponential back-off with jitter, so that callers spread out.
                await asyncio.sleep(0.5 * 2**backoffs * (1 + random.random()))  # noqa: S311
                backoffs += 1
                continue
            raise error_for(body, operation)

    async def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._session.request(
                method, self._base_url + path, timeout=self._timeout, **kwargs
            ) as response:
                if response.status >= 500:
                    raise BaiduFaceServerBusyError(f"the server answered HTTP {response.status}")
                body = await response.json(content_type=None)
        except TimeoutError:
            raise BaiduFaceConnectionError(f"{self._base_url} did not answer in time") from None
        except aiohttp.ClientError as err:
            # aiohttp's message may hold the URL, and so the token: keep only its kind.
            raise BaiduFaceConnectionError(f"cannot reach {self._base_url}: {type(err).__name__}") from None
        except ValueError:
            raise BaiduFaceConnectionError(f"{self._base_url} did not answer like Baidu (not JSON)") from None
        if not isinstance(body, dict):
            raise BaiduFaceConnectionError(f"{self._base_url} did not answer like Baidu")
        return body
