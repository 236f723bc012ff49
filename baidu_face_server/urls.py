"""Fetching `image_type=URL` images, when the server's owner allows it.

A server that fetches any URL a client names can be made to reach into its own
network (routers, NAS, Home Assistant itself). So URL images are off unless the
owner turns them on, and then only public addresses are fetched: the host is
resolved here, every address it resolves to is checked, and the connection goes
to the checked addresses (no second lookup a DNS trick could change). Redirects
are followed by hand and checked the same way. Every failure, whatever its cause,
is the same IMAGE_DOWNLOAD error, so that answers tell nothing about the network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any, override
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from .problems import Problem, ProblemError

# Baidu's own cap for URL images.
MAX_URL_IMAGE_BYTES = 10 * 1024 * 1024
FETCH_SECONDS = 5.0
MAX_REDIRECTS = 3
SCHEMES = frozenset({"http", "https"})

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedAddressError(OSError):
    """The host resolves to an address the server may not fetch from."""


def is_public(address: str, extra_networks: Iterable[Network] = ()) -> bool:
    """Whether an address is globally routable (or in a network the owner allows besides)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in extra_networks):
        return True
    return ip.is_global and not ip.is_multicast


class PublicResolver(AbstractResolver):
    """Resolves with the system resolver, refusing a host with any address that is not public."""

    def __init__(self, extra_networks: tuple[Network, ...] = ()) -> None:
        """Resolve through aiohttp's default resolver."""
        self._resolver = DefaultResolver()
        self._extra_networks = extra_networks

    @override
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the host's addresses, all checked."""
        found = await self._resolver.resolve(host, port, family)
        if not found or not all(is_public(item["host"], self._extra_networks) for item in found):
            raise RefusedAddressError(f"{host} is not a public address")
        return found

    @override
    async def close(self) -> None:
        """Close the underlying resolver."""
        await self._resolver.close()


class UrlImages:
    """Downloads request images from public addresses, within a size and a time cap."""

    def __init__(
        self,
        *,
        max_bytes: int = MAX_URL_IMAGE_BYTES,
        timeout: float = FETCH_SECONDS,
        extra_networks: tuple[Network, ...] = (),
    ) -> None:
        """Set the caps; `extra_networks` are non-public networks the owner allows besides."""
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._extra_networks = extra_networks
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the HTTP session."""
        connector = aiohttp.TCPConnector(resolver=PublicResolver(self._extra_networks), use_dns_cache=False)
        self._session = aiohttp.ClientSession(connector=connector, trust_env=False)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def fetch(self, url: str) -> bytes:
        """Download an image, or raise IMAGE_DOWNLOAD whatever went wrong."""
        if self._session is None:
            raise ProblemError(Problem.IMAGE_DOWNLOAD, "image")
        try:
            async with asyncio.timeout(self._timeout):
                return await self._follow(self._session, url)
        except aiohttp.ClientError, OSError, TimeoutError, ValueError, UnicodeError, _TooBigError:
            raise ProblemError(Problem.IMAGE_DOWNLOAD, "image") from None

    async def _follow(self, session: aiohttp.ClientSession, url: str) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            self._check(url)
            async with session.get(url, allow_redirects=False) as response:
                if response.status in {301, 302, 303, 307, 308} and "Location" in response.headers:
                    url = urljoin(url, response.headers["Location"])
                    continue
                response.raise_for_status()
                return await self._read(response)
        raise ValueError("too many redirects")

    def _check(self, url: str) -> None:
        # aiohttp connects to an IP literal without asking the resolver.
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError("not an http(s) URL")
        try:
            literal: Any = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return
        if not is_public(str(literal), self._extra_networks):
            raise RefusedAddressError(f"{literal} is not a public address")

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        if (response.content_length or 0) > self._max_bytes:
            raise _TooBigError
        data = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            data += chunk
            if len(data) > self._max_bytes:
                raise _TooBigError
        return bytes(data)


class _TooBigError(Exception):
    pass
