"""The Frigate client against the fake Frigate, on both of Frigate's ports, through Home Assistant's sessions."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import DummyCookieJar, web
from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from PIL import Image
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.baidu_face.frigate import (
    MAX_RESPONSE_BYTES,
    SNAPSHOT_PARAMS,
    FrigateAuthError,
    FrigateCamera,
    FrigateClient,
    FrigateConnectionError,
    FrigateError,
    FrigateNotFoundError,
    FrigatePermissionError,
    FrigateRefusedError,
    FrigateServer,
    create_frigate_client,
    frigate_score,
    frigate_servers,
    frigate_url,
    parse_config,
)
from custom_components.baidu_face.frigate_events import MalformedError, SubLabel
from scripts.fake_frigate import ANONYMOUS, FakeFrigate
from tests.api.loopback import odd_server

PASSWORD = "correct horse"


def client_for(
    hass: HomeAssistant, fake: FakeFrigate, user: str | None = None, password: str | None = None, **kwargs: float
) -> FrigateClient:
    """Return a client as the integration makes one; the authenticated fake has a self-signed certificate."""
    server = FrigateServer(fake.url, user, password, verify_ssl=not fake.authenticated)
    return create_frigate_client(hass, server, **kwargs)


async def test_reads_version_config_events_and_snapshots_on_the_internal_port(
    hass: HomeAssistant, frigate: FakeFrigate
) -> None:
    frigate.cameras = {"front_door": ["porch", "path"], "garden": []}
    frigate.face_recognition = frozenset({"garden"})
    frigate.topic_prefix = "nvr"
    event = frigate.add_event("front_door", "probe/obama.jpg", "probe/obama_1080p.jpg", zones=["porch"])
    client = client_for(hass, frigate)

    assert await client.version() == "0.16.4-fake"
    config = await client.config()
    assert config.topic_prefix == "nvr"
    assert config.cameras["front_door"].zones == ("porch", "path")
    assert not config.recognises_faces("front_door")
    assert config.recognises_faces("garden")
    assert not config.recognises_faces("nowhere")

    tracked = await client.event(event.id)
    assert (tracked.id, tracked.camera, tracked.label, tracked.entered_zones) == (
        event.id,
        "front_door",
        "person",
        ("porch",),
    )
    assert tracked.sub_label is None
    assert tracked.end_time is None
    assert tracked.has_snapshot

    first, second = await client.snapshot(event.id), await client.snapshot(event.id)
    with Image.open(io.BytesIO(first)) as one, Image.open(io.BytesIO(second)) as two:
        assert one.format == two.format == "JPEG"
        assert one.size != two.size  # the event's frames, one after the other
    assert frigate.snapshot_requests == [(event.id, SNAPSHOT_PARAMS)] * 2


async def test_asks_a_snapshot_height_the_way_every_version_reads_it(hass: HomeAssistant, frigate: FakeFrigate) -> None:
    event = frigate.add_event("front_door", "probe/obama_1080p.jpg")
    jpeg = await client_for(hass, frigate).snapshot(event.id, height=360)
    with Image.open(io.BytesIO(jpeg)) as picture:
        assert picture.height == 360
    assert frigate.snapshot_requests[0][1] == SNAPSHOT_PARAMS | {"h": "360", "height": "360"}


async def test_writes_the_name_with_our_score_as_frigates(hass: HomeAssistant, frigate: FakeFrigate) -> None:
    event = frigate.add_event()
    client = client_for(hass, frigate)
    await client.set_sub_label(event.id, "张伟", 97.5)
    await client.set_sub_label(event.id, "Obama", 0.0)  # Frigate 0.15+ refuses a 0 score: none is sent
    assert [(call.body, call.user, call.status) for call in frigate.sub_label_calls] == [
        ({"subLabel": "张伟", "subLabelScore": 0.975}, ANONYMOUS, 200),
        ({"subLabel": "Obama"}, ANONYMOUS, 200),
    ]
    assert (await client.event(event.id)).sub_label == SubLabel("Obama", None)


def test_reads_the_config_of_a_frigate_without_face_recognition() -> None:
    # Frigate 0.14/0.15: no face_recognition anywhere; a config without a prefix uses Frigate's default.
    config = parse_config({"mqtt": {"host": "mqtt"}, "cameras": {"front_door": {"zones": {}}, "odd": None}})
    assert config.topic_prefix == "frigate"
    assert config.cameras["odd"] == FrigateCamera("odd", (), face_recognition=False)
    assert not config.recognises_faces("front_door")
    with pytest.raises(MalformedError):
        parse_config({"mqtt": {}})


def test_scores_become_frigates_zero_to_one() -> None:
    assert frigate_score(97.5) == 0.975
    assert frigate_score(100) == 1.0
    assert frigate_score(180) == 1.0
    assert frigate_score(0.004) is None  # rounds to 0
    assert frigate_score(0) is None
    assert frigate_score(-5) is None
    assert frigate_score(float("nan")) is None


async def test_unknown_events_and_missing_snapshots_are_not_found(hass: HomeAssistant, frigate: FakeFrigate) -> None:
    ended = frigate.add_event(in_progress=False, has_snapshot=False)
    client = client_for(hass, frigate)
    with pytest.raises(FrigateNotFoundError, match="Event not found"):
        await client.event("1700000000.0-nobody")
    with pytest.raises(FrigateNotFoundError):
        await client.snapshot("1700000000.0-nobody")
    with pytest.raises(FrigateNotFoundError, match="Snapshot not available"):
        await client.snapshot(ended.id)
    with pytest.raises(FrigateNotFoundError):
        await client.set_sub_label("1700000000.0-nobody", "Obama", 90)


async def test_an_ended_events_snapshot_is_the_saved_one(hass: HomeAssistant, frigate: FakeFrigate) -> None:
    ended = frigate.add_event("front_door", "probe/obama_1080p.jpg", in_progress=False)
    jpeg = await client_for(hass, frigate).snapshot(ended.id, height=100)
    with Image.open(io.BytesIO(jpeg)) as picture:
        assert picture.height == 1080  # Frigate 0.14-0.17 ignore the parameters once the event ended


async def test_a_sub_label_frigate_would_refuse_is_not_sent(hass: HomeAssistant, frigate: FakeFrigate) -> None:
    event = frigate.add_event()
    client = client_for(hass, frigate)
    for name in ("", "x" * 101):
        with pytest.raises(FrigateRefusedError, match="1 to 100 characters"):
            await client.set_sub_label(event.id, name, 90)
    await client.set_sub_label(event.id, "x" * 100, 90)
    assert [call.status for call in frigate.sub_label_calls] == [200]
    # An id from an MQTT message goes into the URL's path: one that could change the path is refused.
    for call in (client.event, client.snapshot, lambda event_id: client.set_sub_label(event_id, "Obama", 90)):
        with pytest.raises(FrigateRefusedError, match="not a Frigate event id"):
            await call("../config")
    assert frigate.snapshot_requests == []


async def test_the_fake_validates_sub_labels_like_frigate_016(hass: HomeAssistant, frigate: FakeFrigate) -> None:
    event = frigate.add_event()
    session = async_get_clientsession(hass)
    bodies = [{"subLabel": "a", "subLabelScore": 0}, {"subLabel": "a", "subLabelScore": 1.5}, {"subLabelScore": 0.5}]
    for body in bodies:
        async with session.post(f"{frigate.url}/api/events/{event.id}/sub_label", json=body) as response:
            assert response.status == 422
    async with session.post(f"{frigate.url}/api/events/{event.id}/sub_label", json={"subLabel": "y" * 101}) as response:
        assert response.status == 400
        assert (await response.json())["success"] is False
    assert [call.body for call in frigate.sub_label_calls] == [*bodies, {"subLabel": "y" * 101}]
    assert event.sub_label is None


async def test_a_failing_or_stopped_frigate_is_a_connection_error(hass: HomeAssistant, frigate: FakeFrigate) -> None:
    event = frigate.add_event()
    client = client_for(hass, frigate)
    frigate.failure = "error"
    with pytest.raises(FrigateConnectionError, match="HTTP 500"):
        await client.snapshot(event.id)
    await frigate.stop()
    with pytest.raises(FrigateConnectionError, match="cannot reach Frigate"):
        await client.version()


async def test_every_call_ends_in_time_when_frigate_stalls(hass: HomeAssistant, frigate: FakeFrigate) -> None:
    event = frigate.add_event()
    client = client_for(hass, frigate, timeout=0.2)
    frigate.failure = "slow"
    for call in (client.version, client.config, lambda: client.snapshot(event.id)):
        # The outer bound only turns a missing inner one into a failure instead of a hung test.
        async with asyncio.timeout(5):
            with pytest.raises(FrigateConnectionError, match=r"did not answer within 0\.2 s"):
                await call()


def _calls() -> dict[str, Callable[[FrigateClient], Awaitable[object]]]:
    return {
        "version": lambda client: client.version(),
        "config": lambda client: client.config(),
        "event": lambda client: client.event("1.0-abcdef"),
        "snapshot": lambda client: client.snapshot("1.0-abcdef"),
        "sub_label": lambda client: client.set_sub_label("1.0-abcdef", "Obama", 90),
    }


CONNECTION, REFUSED = FrigateConnectionError, FrigateRefusedError


@pytest.mark.parametrize(
    ("call", "answer", "error", "message"),
    [
        ("version", lambda: web.Response(text="<html>a router's login page</html>"), CONNECTION, "not Frigate"),
        ("config", lambda: web.json_response({"cameras": ["front_door"]}), CONNECTION, "no cameras"),
        ("config", lambda: web.Response(text="{not json"), CONNECTION, "not JSON"),
        ("event", lambda: web.json_response({"id": "1.0-abcdef"}), CONNECTION, "camera is not"),
        ("snapshot", lambda: web.Response(text="<html></html>", content_type="text/html"), CONNECTION, "not a picture"),
        ("snapshot", lambda: web.Response(body=bytes(MAX_RESPONSE_BYTES + 1)), CONNECTION, "too large"),
        ("sub_label", lambda: web.json_response({"success": False, "message": "no camera"}), REFUSED, "no camera"),
        ("sub_label", lambda: web.json_response({"detail": "bad body"}, status=400), REFUSED, "HTTP 400: bad body"),
        ("sub_label", lambda: web.Response(status=502, text="Bad Gateway"), CONNECTION, "HTTP 502"),
        ("version", lambda: web.Response(status=401), FrigateAuthError, "wants a login"),
        ("event", lambda: web.Response(status=404, text="<html>Not Found</html>"), FrigateNotFoundError, r"404: \)"),
        ("sub_label", lambda: web.json_response(["no"], status=422), REFUSED, r"HTTP 422: \)"),
    ],
)
async def test_answers_that_are_not_frigates_are_typed_errors(
    hass: HomeAssistant,
    socket_enabled: None,
    call: str,
    answer: Callable[[], web.Response],
    error: type[FrigateError],
    message: str,
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return answer()

    runner, url = await odd_server(handler)
    try:
        with pytest.raises(error, match=message):
            await _calls()[call](FrigateClient(async_get_clientsession(hass), url))
    finally:
        await runner.cleanup()


async def test_a_login_without_a_token_is_refused(hass: HomeAssistant, socket_enabled: None) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"message": "Login successful"})  # and no cookie

    runner, url = await odd_server(handler)
    try:
        client = FrigateClient(async_get_clientsession(hass), url, username="admin", password=PASSWORD)
        with pytest.raises(FrigateAuthError, match="without a token"):
            await client.version()
    finally:
        await runner.cleanup()


async def test_the_authenticated_port_logs_in_once_and_sends_the_token(
    hass: HomeAssistant, frigate_authenticated: FakeFrigate
) -> None:
    fake = frigate_authenticated
    event = fake.add_event()
    client = client_for(hass, fake, "admin", PASSWORD)
    await asyncio.gather(client.version(), client.config(), client.event(event.id))
    await client.snapshot(event.id)
    await client.set_sub_label(event.id, "Obama", 91)
    assert fake.logins == ["admin"]  # one login for every call, the first three at once
    assert fake.unauthorised == 0
    assert [(call.user, call.status) for call in fake.sub_label_calls] == [("admin", 200)]


async def test_an_expired_token_is_renewed_once(hass: HomeAssistant, frigate_authenticated: FakeFrigate) -> None:
    fake = frigate_authenticated
    client = client_for(hass, fake, "admin", PASSWORD)
    await client.version()
    fake.expire_tokens()
    await client.version()
    assert fake.logins == ["admin", "admin"]
    fake.accept_tokens = False
    with pytest.raises(FrigateAuthError, match="HTTP 401"):
        await client.version()
    assert fake.logins == ["admin"] * 3  # one renewal, not a loop


async def test_a_wrong_password_a_missing_login_and_a_viewer_are_refused(
    hass: HomeAssistant, frigate_authenticated: FakeFrigate
) -> None:
    fake = frigate_authenticated
    event = fake.add_event()
    with pytest.raises(FrigateAuthError, match=r"refused the login \(HTTP 401\)"):
        await client_for(hass, fake, "admin", "wrong").version()
    with pytest.raises(FrigateAuthError, match="refused the login"):
        await client_for(hass, fake, "admin", "wrong").login()
    with pytest.raises(FrigateAuthError, match="wants a login"):
        await client_for(hass, fake).version()
    viewer = client_for(hass, fake, "viewer", "battery staple")
    await viewer.login()
    assert (await viewer.event(event.id)).id == event.id
    with pytest.raises(FrigatePermissionError, match="HTTP 403: Role viewer not authorized"):
        await viewer.set_sub_label(event.id, "Obama", 90)
    assert event.sub_label is None
    await client_for(hass, frigate_authenticated).login()  # no user: nothing to prove, no call
    assert fake.logins == ["viewer"]


async def test_a_self_signed_certificate_needs_verify_ssl_off(
    hass: HomeAssistant, frigate_authenticated: FakeFrigate
) -> None:
    server = FrigateServer(frigate_authenticated.url, "admin", PASSWORD, verify_ssl=True)
    # The fake's side of the refused handshake is an error asyncio reports only in debug mode
    # (which Home Assistant's tests turn on, failing on any report): the refusal is the point here.
    hass.loop.set_debug(False)
    try:
        with pytest.raises(FrigateConnectionError, match="certificate is not trusted"):
            await create_frigate_client(hass, server).version()
        await asyncio.sleep(0.05)  # the fake's side of the handshake ends
    finally:
        hass.loop.set_debug(True)
    assert frigate_authenticated.logins == []


async def test_no_secret_reaches_the_log_the_errors_or_the_shared_cookie_jar(
    hass: HomeAssistant, frigate_authenticated: FakeFrigate, caplog: pytest.LogCaptureFixture
) -> None:
    fake = frigate_authenticated
    caplog.set_level(logging.DEBUG)
    url = fake.url
    client = create_frigate_client(hass, FrigateServer(url, "admin", PASSWORD, verify_ssl=False))
    event = fake.add_event()
    await client.set_sub_label(event.id, "Obama", 90)
    fake.expire_tokens()
    await client.snapshot(event.id)
    errors = []
    for bad in (
        FrigateServer(url, "admin", "wrong " + PASSWORD, False),
        FrigateServer(url, "viewer", "battery staple", False),
    ):
        with pytest.raises(FrigateError) as caught:
            await create_frigate_client(hass, bad).set_sub_label(event.id, "Obama", 90)
        errors.append(str(caught.value))
    assert len(fake.tokens) == 3
    assert "Frigate POST /api/login" in caplog.text  # the log does speak of the calls
    for secret in [PASSWORD, "battery staple", *fake.tokens]:
        assert secret not in caplog.text
        assert all(secret not in error for error in errors)
    # The login's cookie lands in no jar (aiohttp's keeps cookies of host names, not of the IP here).
    assert isinstance(client._session.cookie_jar, DummyCookieJar)


async def test_frigates_url_is_taken_from_the_frigate_integration(
    hass: HomeAssistant, frigate_authenticated: FakeFrigate
) -> None:
    data = {"url": frigate_authenticated.url + "/", "validate_ssl": False, "username": "admin", "password": PASSWORD}
    entry = MockConfigEntry(domain="frigate", data=data, title="Frigate")
    entry.add_to_hass(hass)
    MockConfigEntry(
        domain="frigate", data={"url": "http://disabled:5000"}, disabled_by=ConfigEntryDisabler.USER
    ).add_to_hass(hass)
    MockConfigEntry(domain="frigate", data={"url": "not a url"}).add_to_hass(hass)
    MockConfigEntry(domain="frigate", data={"url": "http://ccab4aaf-frigate:5000"}, title="Add-on").add_to_hass(hass)

    servers = frigate_servers(hass)
    assert servers == [
        FrigateServer(frigate_authenticated.url, "admin", PASSWORD, False, entry.entry_id, "Frigate"),
        FrigateServer("http://ccab4aaf-frigate:5000", None, None, True, servers[1].entry_id, "Add-on"),
    ]
    assert PASSWORD not in repr(servers[0])
    assert await create_frigate_client(hass, servers[0]).version() == "0.16.4-fake"


def test_frigates_url_must_be_http_with_a_host() -> None:
    assert frigate_url(" https://frigate.local:8971/ ") == "https://frigate.local:8971"
    for text in ("frigate.local:5000", "ftp://frigate", "http://", ""):
        with pytest.raises(ValueError, match="http"):
            frigate_url(text)
    for text in ("http://admin:secret@frigate:8971", "http://frigate:5000/?token=x"):
        with pytest.raises(ValueError, match="no user name, password") as refused:
            frigate_url(text)
        assert "secret" not in str(refused.value)
