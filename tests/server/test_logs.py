"""No secret key or access token reaches the server's log, whatever arrives: real HTTP, the log read back."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import pytest

from baidu_face_server.logs import redact
from baidu_face_server.server import RunningServer
from tests.conftest import BOTH

from .conftest import Wire

TOKEN_QUERY = f"/oauth/2.0/token?grant_type=client_credentials&client_id={BOTH.api_key}&client_secret={BOTH.secret_key}"


async def raw(server: RunningServer, request: bytes) -> bytes:
    """Send bytes as they are to the server; return the start of its answer."""
    address = urlsplit(server.url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(200), 10)
    finally:
        writer.close()


async def test_no_credential_in_the_log_for_any_request(
    server: RunningServer, wire: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = await wire.token()
    api = f"/rest/2.0/face/v3/detect?access_token={token}"
    bad_requests = [
        # aiohttp quotes the first 100 bytes of a request line over 8 KB...
        f"GET {TOKEN_QUERY}&pad={'x' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n",
        f"POST {api}&pad={'x' * 9000} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}",
        # ... and of a header over 8 KB,
        f"GET /oauth/2.0/token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}{'x' * 9000}\r\n\r\n",
        f"GET /oauth/2.0/token HTTP/1.1\r\nHost: x\r\nX-Secret: client_secret={BOTH.secret_key}{'x' * 9000}\r\n\r\n",
        # ... and the whole of a request line it cannot read: a bad method, a malformed URL,
        f"G@T {TOKEN_QUERY} HTTP/1.1\r\nHost: x\r\n\r\n",
        f"GET {TOKEN_QUERY}\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
        f"GET /a b{TOKEN_QUERY} HTTP/1.1\r\nHost: x\r\n\r\n",
        f"POST {api} HTTP/9.9\r\nHost: x\r\n\r\n",
        # ... a broken chunked body, and an over-long line after a good request on one connection.
        f"POST {api} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz client_secret={BOTH.secret_key}\r\n",
        f"GET {TOKEN_QUERY} HTTP/1.1\r\nHost: x\r\n\r\nGET {TOKEN_QUERY}&pad={'x' * 9000} HTTP/1.1\r\n\r\n",
    ]
    for request in bad_requests:
        assert b"400 Bad Request" in await raw(server, request.encode("latin-1"))
    # Good requests, and refused ones, carry the credentials too.
    async with wire.session.post(f"{server.url}{TOKEN_QUERY}", data={"pad": "x" * 100_000}) as response:
        assert response.status == 400
    async with wire.session.get(f"{server.url}{TOKEN_QUERY}") as response:
        assert response.status == 200
    assert (await wire.v3("detect", {"image": "x", "image_type": "BASE64"}))["error_code"] == 222203
    async with wire.session.post(f"{server.url}/rest/2.0/face/v3/detect", params={"access_token": token[:-3]}) as r:
        assert (await r.json())["error_code"] == 110

    logged = caplog.text + "".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "refused a request that is not valid HTTP (LineTooLong)" in logged
    for secret in (BOTH.secret_key, token, token.split(".")[1], f"client_secret={BOTH.secret_key[:4]}"):
        assert secret not in logged
    assert "Traceback" not in logged


def test_redact_marks_every_credential_form() -> None:
    token = "24.0123456789abcdef0123456789abcdef.2592000.1700000000.282335-12345678"
    text = (
        f"GET /oauth/2.0/token?client_id=k&client_secret=s3cret&x=1 access_token={token} "
        f'{{"client_secret": "s3cret", "refresh_token":"25.x"}} bare {token}'
    )
    redacted = redact(text)
    assert "s3cret" not in redacted
    assert token not in redacted
    assert "25.x" not in redacted
    assert "client_secret=<redacted>&x=1" in redacted
    assert redacted.endswith("bare <token>")
