"""Tokens, dialect discovery, limits, errors and secrets — the client against real HTTP on loopback."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import time

import aiohttp
import pytest
from aiohttp import web
from PIL import Image

from baidu_face_server import App, running_server
from baidu_face_server.server import RunningServer
from custom_components.baidu_face.api import (
    ApiVersion,
    BaiduFaceAuthenticationError,
    BaiduFaceClient,
    BaiduFaceConnectionError,
    BaiduFaceInvalidImageError,
    BaiduFaceInvalidInputError,
    BaiduFacePermissionError,
    BaiduFaceQuotaExhaustedError,
    BaiduFaceRateLimitedError,
    BaiduFaceServerBusyError,
    prepare_image,
)
from custom_components.baidu_face.api.images import EXIF_ORIENTATION, MAX_BASE64_BYTES
from custom_components.baidu_face.api.transport import RateLimiter
from tests.conftest import BOTH, V2_ONLY, V3_ONLY
from tests.faces import photo

from .loopback import odd_server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("keys", "expected"),
    [(V3_ONLY, ApiVersion.V3), (V2_ONLY, ApiVersion.V2), ((BOTH.api_key, BOTH.secret_key), ApiVersion.V3)],
)
async def test_auto_finds_the_dialect_the_app_may_use(
    server: RunningServer, session: aiohttp.ClientSession, keys: tuple[str, str], expected: ApiVersion
) -> None:
    client = BaiduFaceClient(session, *keys, base_url=server.url)
    assert client.api_version.value == "auto"
    assert await client.list_groups() == []
    assert client.api_version is expected
    await client.list_groups()
    # Found once, remembered: a V2-only app costs one refused V3 probe, once.
    assert client.call_counts == {"token": 1, "probe": 1 if expected is ApiVersion.V3 else 2, "list_groups": 2}


async def test_an_app_without_face_permission(session: aiohttp.ClientSession) -> None:
    async with running_server([App("k", "s", dialects=frozenset())]) as server:
        client = BaiduFaceClient(session, "k", "s", base_url=server.url)
        with pytest.raises(BaiduFacePermissionError, match="enable it in Baidu's console"):
            await client.resolve_api_version()
        forced = BaiduFaceClient(session, "k", "s", base_url=server.url, api_version="v2")
        with pytest.raises(BaiduFacePermissionError) as refused:
            await forced.list_groups()
        assert refused.value.error_code == 6


async def test_bad_credentials_are_an_authentication_error(
    server: RunningServer, session: aiohttp.ClientSession
) -> None:
    for key, secret in (("nobody", "x"), (BOTH.api_key, "wrong")):
        client = BaiduFaceClient(session, key, secret, base_url=server.url)
        with pytest.raises(BaiduFaceAuthenticationError):
            await client.authenticate()


async def test_an_unreachable_endpoint_is_a_connection_error(session: aiohttp.ClientSession) -> None:
    client = BaiduFaceClient(session, "k", "s", base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BaiduFaceConnectionError):
        await client.list_groups()


async def test_tokens_are_renewed_before_they_expire(session: aiohttp.ClientSession) -> None:
    async with running_server([App("k", "s")], token_lifetime=1) as server:
        client = BaiduFaceClient(session, "k", "s", base_url=server.url, api_version="v3")
        await client.list_groups()
        await asyncio.sleep(1.0)
        await client.list_groups()
        assert client.call_counts["token"] == 2


async def test_a_token_the_server_forgot_is_renewed_and_the_call_retried(session: aiohttp.ClientSession) -> None:
    port = free_port()
    client = BaiduFaceClient(session, "k", "s", base_url=f"http://127.0.0.1:{port}", api_version="v3")
    async with running_server([App("k", "s")], port=port):
        await client.create_group("before")
    # A fresh server (empty database) knows neither the token nor the group.
    async with running_server([App("k", "s")], port=port):
        assert await client.list_groups() == []
    assert client.call_counts["token"] == 2


async def test_qps_limit_is_shared_by_concurrent_callers(session: aiohttp.ClientSession) -> None:
    app = App("k", "s", qps=2)
    async with running_server([app]) as server:
        client = BaiduFaceClient(session, "k", "s", base_url=server.url, api_version="v3", qps=2)
        start = time.monotonic()
        await asyncio.gather(*(client.list_groups() for _ in range(8)))
        elapsed = time.monotonic() - start
    accepted = sorted(app.accepted)
    assert len(accepted) == 8  # every call got through, none was refused
    assert all(later - earlier >= 1.0 for earlier, later in zip(accepted, accepted[2:], strict=False))
    # After the first full window, calls arrive at this steady rate:
    rate = (len(accepted) - 2) / (accepted[-1] - accepted[0])
    print(f"\n8 calls at qps=2: {elapsed:.2f} s in all, {rate:.2f} requests/s at the server")


async def test_error_18_is_retried_with_back_off(session: aiohttp.ClientSession) -> None:
    async with running_server([App("k", "s", qps=1)]) as server:
        client = BaiduFaceClient(session, "k", "s", base_url=server.url, api_version="v3", qps=10, max_retries=6)
        await asyncio.gather(*(client.list_groups() for _ in range(3)))
        assert client.call_counts["list_groups"] > 3  # some were refused with 18, then retried
        impatient = BaiduFaceClient(session, "k", "s", base_url=server.url, api_version="v3", qps=10, max_retries=0)
        with pytest.raises(BaiduFaceRateLimitedError) as limited:
            await asyncio.gather(*(impatient.list_groups() for _ in range(3)))
        assert limited.value.error_code == 18


async def test_quota_exhausted(session: aiohttp.ClientSession) -> None:
    async with running_server([App("k", "s", daily_quota=1)]) as server:
        client = BaiduFaceClient(session, "k", "s", base_url=server.url, api_version="v2")
        await client.list_groups()
        with pytest.raises(BaiduFaceQuotaExhaustedError) as spent:
            await client.list_groups()
        assert (spent.value.error_code, spent.value.error_msg) == (17, "Open api daily request limit reached")
        assert spent.value.log_id is None  # Baidu's gateway errors are bare: no log_id


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, "oops", BaiduFaceServerBusyError),
        (200, "<html>", BaiduFaceConnectionError),
        (200, "[1]", BaiduFaceConnectionError),
    ],
)
async def test_answers_that_are_not_baidu(
    session: aiohttp.ClientSession, status: int, body: str, error: type[Exception]
) -> None:
    async def answer(_: web.Request) -> web.Response:
        return web.Response(status=status, text=body)

    runner, url = await odd_server(answer)
    try:
        with pytest.raises(error):
            await BaiduFaceClient(session, "k", "s", base_url=url).authenticate()
    finally:
        await runner.cleanup()


async def test_a_slow_server_times_out(session: aiohttp.ClientSession) -> None:
    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    runner, url = await odd_server(slow)
    try:
        with pytest.raises(BaiduFaceConnectionError, match="did not answer in time"):
            await BaiduFaceClient(session, "k", "s", base_url=url, timeout=0.2).authenticate()
    finally:
        await runner.cleanup()


def synthetic_frame(width: int, height: int, fmt: str) -> tuple[bytes, tuple[int, int]]:
    """Make a big noisy frame (hard to compress) with a real face pasted at a known place."""
    import numpy as np

    noise = np.random.default_rng(1).integers(0, 255, (height, width, 3), dtype=np.uint8)
    frame = Image.fromarray(noise)
    with Image.open(io.BytesIO(photo("probe/obama.jpg"))) as face:
        frame.paste(face, (2000, 1000))
    out = io.BytesIO()
    frame.save(out, fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return out.getvalue(), (2000, 1000)


@pytest.mark.parametrize(("width", "height", "fmt"), [(4000, 3000, "PNG"), (3840, 2160, "JPEG")])
async def test_big_frames_are_downscaled_and_boxes_mapped_back(
    client: BaiduFaceClient, width: int, height: int, fmt: str
) -> None:
    data, (x, y) = await asyncio.to_thread(synthetic_frame, width, height, fmt)
    prepared = await asyncio.to_thread(prepare_image, data)
    assert prepared.sent_bytes <= MAX_BASE64_BYTES < len(data) * 4 / 3
    print(f"\n{width}x{height} {fmt}: {len(data):,} bytes -> {prepared.sent_bytes:,} base64 bytes sent")
    (face,) = await client.detect(data)
    # obama.jpg's face box is about (566, 236) and 373 px wide in its own photo; the
    # frame is sent at a third of its size or less, so allow a few sent pixels of error.
    assert abs(face.box.left + face.box.width / 2 - (x + 566 + 186)) < 60
    assert abs(face.box.top + face.box.height / 2 - (y + 236 + 186)) < 60
    assert 300 < face.box.width < 470


@pytest.mark.parametrize("data", [b"\xff\xd8\xff\xe0 corrupt jpeg", b"hello, I am a text file\n", b""])
async def test_non_images_are_refused_before_any_request(client: BaiduFaceClient, data: bytes) -> None:
    with pytest.raises(BaiduFaceInvalidImageError):
        await client.detect(data)
    assert client.call_counts == {}


async def test_truncated_and_tiny_images(client: BaiduFaceClient) -> None:
    whole = photo("probe/obama_small.jpg")
    with pytest.raises(BaiduFaceInvalidImageError, match="damaged"):
        await client.detect(whole[: len(whole) // 2])
    tiny = io.BytesIO()
    Image.new("RGB", (10, 40)).save(tiny, "PNG")
    with pytest.raises(BaiduFaceInvalidImageError, match="too small"):
        await client.detect(tiny.getvalue())
    assert client.call_counts == {}


async def test_a_sideways_phone_photo_is_turned_upright(client: BaiduFaceClient) -> None:
    """Stored rotated a quarter turn with EXIF orientation 6, as phones do: as stored, it shows no upright face."""
    with Image.open(io.BytesIO(photo("probe/obama.jpg"))) as picture:
        upright_size = picture.size
        sideways = picture.rotate(90, expand=True)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6  # rotate 90° clockwise to display
    stored = io.BytesIO()
    sideways.save(stored, "JPEG", quality=95, exif=exif)
    as_stored = io.BytesIO()
    sideways.save(as_stored, "JPEG", quality=95)
    assert await client.detect(as_stored.getvalue()) == []
    (face,) = await client.detect(stored.getvalue())
    # The same box as in the upright photo (about (566, 236), 373 px wide).
    assert abs(face.box.left - 566) < 40
    assert abs(face.box.top - 236) < 40
    assert face.box.left + face.box.width <= upright_size[0]


async def test_formats_baidu_refuses_are_re_encoded(client: BaiduFaceClient) -> None:
    with Image.open(io.BytesIO(photo("probe/obama_small.jpg"))) as picture:
        out = io.BytesIO()
        picture.save(out, "WEBP")
    prepared = prepare_image(out.getvalue())
    assert prepared.scale == 1.0
    assert len(await client.detect(out.getvalue())) == 1


ELEVEN = [f"g{i}" for i in range(11)]


@pytest.mark.parametrize(
    ("call", "message", "field", "value"),
    [
        (lambda c: c.get_user("bad uid"), "letters, digits", "uid", "bad uid"),
        (lambda c: c.get_user("u" * 129), "128 bytes", "uid", "u" * 129),
        (lambda c: c.get_user("obama\n"), "letters, digits", "uid", "obama\n"),
        (lambda c: c.get_user(5), "must be text", "uid", "5"),
        (lambda c: c.list_group_users("g" * 49), "48 bytes", "group_id", "g" * 49),
        (lambda c: c.list_group_users("中文"), "letters, digits", "group_id", "中文"),
        (lambda c: c.register_user("u", b"", ["g"], user_info="字" * 86), "256 bytes", "user_info", "字" * 86),
        (lambda c: c.list_groups(start=-1), "start", "start", "-1"),
        (lambda c: c.list_groups(length=1001), "length", "length", "1001"),
        (lambda c: c.list_groups(length=True), "whole number", "length", "True"),
        (lambda c: c.identify(b"", ["g"], top=51), "top", "top", "51"),
        (lambda c: c.identify(b"", [], top=1), "at least one group", "groups", ""),
        (lambda c: c.identify(b"", "family"), "list of group ids", "groups", "family"),
        (
            lambda c: c.identify(b"", ELEVEN),
            "at most 10",
            "groups",
            ",".join(f"g{i}" for i in range(11)),
        ),
        (lambda c: c.identify(b"", ["ok", "not ok"]), "letters, digits", "groups", "not ok"),
        (lambda c: c.detect(b"", max_faces=11), "max_faces", "max_faces", "11"),
        (lambda c: c.detect(b"", attributes={"aura"}), "unknown attributes", "attributes", "aura"),
        (lambda c: c.detect("not bytes"), "must be bytes", "image", None),
        (lambda c: c.match([b""]), "number of images", "images", None),
        (lambda c: c.delete_face("u", "g", "nope"), "32 hex", "face_token", "nope"),
        (lambda c: c.update_user("u", b"", "g", user_info="字" * 86), "256 bytes", "user_info", "字" * 86),
        (lambda c: c.get_user("u", "bad-group"), "letters, digits", "group_id", "bad-group"),
        (lambda c: c.delete_user("u", []), "at least one group", "groups", ""),
        (lambda c: c.add_user_to_group("u", "g", []), "at least one group", "groups", ""),
    ],
)
async def test_bad_input_is_refused_before_the_network_naming_the_field(
    client: BaiduFaceClient, call: object, message: str, field: str, value: str | None
) -> None:
    with pytest.raises(BaiduFaceInvalidInputError, match=message) as refused:
        await call(client)  # type: ignore[operator]
    assert (refused.value.field, refused.value.value) == (field, value)
    assert client.call_counts == {}


async def test_an_unreadable_image_names_the_image_field(client: BaiduFaceClient) -> None:
    with pytest.raises(BaiduFaceInvalidImageError) as refused:
        await client.detect(b"not an image")
    assert (refused.value.field, refused.value.value) == ("image", None)


async def test_no_secret_in_logs_errors_or_reprs(
    server: RunningServer, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = BaiduFaceClient(session, BOTH.api_key, BOTH.secret_key, base_url=server.url)
    texts = [repr(client), str(client)]
    await client.register_user("obama", photo("enroll/obama_1.jpg"), ["family"])
    for failing in (
        client.get_user("nobody"),
        client.register_user("obama", photo("enroll/obama_1.jpg"), ["family"]),
        BaiduFaceClient(session, BOTH.api_key, "wrong", base_url=server.url).authenticate(),
        BaiduFaceClient(session, BOTH.api_key, BOTH.secret_key, base_url=f"http://127.0.0.1:{free_port()}").detect(
            photo("probe/obama_small.jpg")
        ),
    ):
        with pytest.raises(Exception) as caught:  # noqa: PT011 - every kind is inspected
            await failing
        texts += [str(caught.value), repr(caught.value), caught.value.error_msg]  # type: ignore[attr-defined]
    token = await client._transport.token()  # the one already fetched: no request
    assert token
    texts += [r.getMessage() for r in caplog.records]
    for secret in (BOTH.secret_key, token, BOTH.api_key):
        assert not [t for t in texts if secret in t], secret


def test_rate_limiter_needs_a_positive_qps() -> None:
    with pytest.raises(ValueError, match="qps"):
        RateLimiter(0)


async def test_client_is_an_async_context_manager(server: RunningServer, session: aiohttp.ClientSession) -> None:
    async with BaiduFaceClient(session, BOTH.api_key, BOTH.secret_key, base_url=server.url) as client:
        assert await client.resolve_api_version() is ApiVersion.V3
    assert not session.closed  # the caller's session is the caller's to close


async def two_clients_of_one_app(
    session: aiohttp.ClientSession, url: str, qps: tuple[int, int]
) -> tuple[BaiduFaceClient, BaiduFaceClient]:
    # max_retries=0: a single refusal (error 18) would fail the test.
    return (
        BaiduFaceClient(session, "k", "s", base_url=url, api_version="v3", qps=qps[0], max_retries=0),
        BaiduFaceClient(session, "k", "s", base_url=url, api_version="v3", qps=qps[1], max_retries=0),
    )


async def test_clients_of_one_app_share_one_qps_limit_and_one_token(session: aiohttp.ClientSession) -> None:
    app = App("k", "s", qps=10)
    async with running_server([app]) as server:
        first, second = await two_clients_of_one_app(session, server.url, (10, 10))
        await asyncio.gather(*(c.list_groups() for c in (first, second) for _ in range(20)))
    assert len(app.accepted) == 40  # with max_retries=0 a refusal would have failed a call
    assert first.call_counts["list_groups"] + second.call_counts["list_groups"] == 40
    assert first.call_counts.get("token", 0) + second.call_counts.get("token", 0) == 1


async def test_when_qps_settings_differ_the_lowest_wins(session: aiohttp.ClientSession) -> None:
    app = App("k", "s", qps=3)
    async with running_server([app]) as server:
        eager, careful = await two_clients_of_one_app(session, server.url, (20, 3))
        await asyncio.gather(*(c.list_groups() for c in (eager, careful) for _ in range(6)))
    assert eager.call_counts["list_groups"] + careful.call_counts["list_groups"] == 12


async def test_a_wrong_secret_never_borrows_the_shared_token(
    server: RunningServer, session: aiohttp.ClientSession
) -> None:
    good = BaiduFaceClient(session, BOTH.api_key, BOTH.secret_key, base_url=server.url)
    await good.list_groups()
    with pytest.raises(BaiduFaceAuthenticationError):
        await BaiduFaceClient(session, BOTH.api_key, "wrong", base_url=server.url).list_groups()


@pytest.mark.parametrize("announced", [True, False])
async def test_an_oversized_answer_is_refused_without_reading_it_whole(
    session: aiohttp.ClientSession, announced: bool
) -> None:
    sent = 0

    async def huge(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        if announced:
            response.content_length = 50 * 1024 * 1024
        await response.prepare(request)
        chunk = b" " * (256 * 1024)
        try:
            for _ in range(200):  # 50 MiB, unless the client stops reading
                await response.write(chunk)
                sent += len(chunk)
        except ConnectionError:
            pass
        return response

    runner, url = await odd_server(huge)
    try:
        with pytest.raises(BaiduFaceConnectionError, match="more than 4 MiB"):
            await BaiduFaceClient(session, "k", "s", base_url=url).authenticate()
    finally:
        await runner.cleanup()
    assert sent < 50 * 1024 * 1024


async def test_one_deadline_bounds_a_call_across_its_retries(session: aiohttp.ClientSession) -> None:
    async def always_busy(request: web.Request) -> web.Response:
        if request.path.startswith("/oauth"):
            return web.json_response({"access_token": "t", "expires_in": 3600})
        return web.json_response({"error_code": 18, "error_msg": "Open api qps request limit reached"})

    runner, url = await odd_server(always_busy)
    try:
        # Six back-offs would take 30 s and more; the deadline ends it first.
        client = BaiduFaceClient(session, "k", "s", base_url=url, api_version="v3", max_retries=6, deadline=0.8)
        with pytest.raises(BaiduFaceConnectionError, match=r"within the 0\.8 s deadline"):
            await client.list_groups()
        assert 1 <= client.call_counts["list_groups"] < 7
    finally:
        await runner.cleanup()
    with pytest.raises(ValueError, match="deadline"):
        BaiduFaceClient(session, "k", "s", deadline=0)


async def test_v2_without_multi_identify_falls_back_to_one_call_per_face_and_remembers(
    server: RunningServer, session: aiohttp.ClientSession
) -> None:
    refused = 0

    async def without_multi_identify(request: web.Request) -> web.Response:
        """Pass everything to the local server but multi-identify, as an app that lacks it sees it."""
        nonlocal refused
        if request.path.endswith("/multi-identify"):
            refused += 1
            return web.json_response({"error_code": 3, "error_msg": "Unsupported openapi method"})
        headers = {"Content-Type": request.headers.get("Content-Type", "application/x-www-form-urlencoded")}
        async with session.request(
            request.method, server.url + request.path_qs, data=await request.read(), headers=headers
        ) as upstream:
            return web.Response(body=await upstream.read(), content_type="application/json")

    runner, url = await odd_server(without_multi_identify)
    try:
        client = BaiduFaceClient(session, BOTH.api_key, BOTH.secret_key, base_url=url, api_version="v2", qps=50)
        await client.register_user("obama", photo("enroll/obama_1.jpg"), ["family"])
        await client.register_user("biden", photo("enroll/biden_1.jpg"), ["family"])
        for _ in range(2):
            faces = await client.identify(photo("probe/obama+biden.jpg"), ["family"], max_faces=3)
            assert {f.best.uid for f in faces if f.best and f.best.score >= 80} == {"obama", "biden"}
            assert all(f.box is not None for f in faces)
    finally:
        await runner.cleanup()
    assert refused == 1  # asked once, then remembered
    # Each time: a detect, then one identify per face (and the one refused multi-identify).
    assert (client.call_counts["detect"], client.call_counts["identify"]) == (2, 1 + 2 * 2)


@pytest.mark.parametrize(
    ("answer", "field", "value"),
    [
        ({"error_code": 222018, "error_msg": "param[user_id] format error"}, "uid", "obama"),
        ({"error_code": 222006, "error_msg": "param[group_id] format error"}, "group_id", "family"),
        ({"error_code": 222002, "error_msg": "param[start] format error"}, "start", None),
        ({"error_code": 216111, "error_msg": "invalid userid"}, "uid", "obama"),
        ({"error_code": 216100, "error_msg": "invalid param"}, None, None),  # Baidu does not say which
    ],
)
async def test_baidus_refusals_name_the_input_they_are_about(
    session: aiohttp.ClientSession, answer: dict[str, object], field: str | None, value: str | None
) -> None:
    async def refuse(request: web.Request) -> web.Response:
        if request.path.startswith("/oauth"):
            return web.json_response({"access_token": "t", "expires_in": 3600})
        return web.json_response(answer)

    runner, url = await odd_server(refuse)
    try:
        client = BaiduFaceClient(session, "k", "s", base_url=url, api_version="v3")
        with pytest.raises(BaiduFaceInvalidInputError) as refused:
            await client.get_user("obama", "family")
        assert (refused.value.field, refused.value.value) == (field, value)
    finally:
        await runner.cleanup()
