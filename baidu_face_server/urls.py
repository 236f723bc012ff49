"""Fetching `image_type=URL` images, when the server's owner allows it."""

from __future__ import annotations

import aiohttp

from .problems import Problem, ProblemError

# Baidu's own cap for URL images.
MAX_URL_IMAGE_BYTES = 10 * 1024 * 1024
FETCH_SECONDS = 5.0


class UrlImages:
    """Downloads request images over HTTP(S) with a size and a time cap."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the HTTP session."""
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def fetch(self, url: str) -> bytes:
        """The image's bytes, or IMAGE_DOWNLOAD for any failure."""
        if self._session is None:
            raise ProblemError(Problem.IMAGE_DOWNLOAD, "image")
        data = bytearray()
        try:
            async with self._session.get(url, timeout=aiohttp.ClientTimeout(total=FETCH_SECONDS)) as response:
                response.raise_for_status()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > MAX_URL_IMAGE_BYTES:
                        raise ProblemError(Problem.IMAGE_SIZE, "image")
        except aiohttp.ClientError, TimeoutError, ValueError:
            raise ProblemError(Problem.IMAGE_DOWNLOAD, "image") from None
        return bytes(data)
