"""Tokens, limits and persistence: the parts of Baidu that are not about faces."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import aiohttp
import pytest

from baidu_face_server import App, running_server
from baidu_face_server.__main__ import build, parse_app
from tests.faces import b64, photo

from .conftest import Wire


async def test_an_expired_token_is_refused_with_111(socket_enabled: None) -> None:
    async with running_server([App("k", "s")], token_lifetime=1) as server, aiohttp.ClientSession() as session:
        wire = Wire(session, server.url)
        assert (await wire.v3("faceset/group/getlist", {}, key="k", secret="s"))["error_code"] == 0
        await asyncio.sleep(1.1)
        body = await wire.v3("faceset/group/getlist", {}, key="k", secret="s")
        assert (body["error_code"], body["error_msg"]) == (111, "Access token expired")


async def test_qps_limit_holds_under_many_concurrent_callers(socket_enabled: None) -> None:
    app = App("k", "s", qps=2)
    async with running_server([app]) as server, aiohttp.ClientSession() as session:
        wire = Wire(session, server.url)
        codes = await asyncio.gather(*(wire.v3("faceset/group/getlist", {}, key="k", secret="s") for _ in range(12)))
        refused = [c for c in codes if c["error_code"] == 18]
        assert refused
        assert refused[0]["error_msg"] == "Open api qps request limit reached"
        accepted = sorted(app.accepted)
        assert len(accepted) == len(codes) - len(refused)
        # No one-second window ever holds more than two accepted calls.
        assert all(later - earlier >= 1.0 for earlier, later in zip(accepted, accepted[2:], strict=False))
        await asyncio.sleep(1.0)
        assert (await wire.v3("faceset/group/getlist", {}, key="k", secret="s"))["error_code"] == 0


async def test_daily_quota_is_answered_with_17(socket_enabled: None) -> None:
    async with running_server([App("k", "s", daily_quota=2)]) as server, aiohttp.ClientSession() as session:
        wire = Wire(session, server.url)
        for _ in range(2):
            assert (await wire.v2("faceset/group/getlist", {}, key="k", secret="s")).get("error_code") is None
        body = await wire.v2("faceset/group/getlist", {}, key="k", secret="s")
        assert (body["error_code"], body["error_msg"]) == (17, "Open api daily request limit reached")


async def test_face_sets_and_tokens_survive_a_restart(socket_enabled: None, tmp_path: Path) -> None:
    db = tmp_path / "faces.sqlite3"
    async with aiohttp.ClientSession() as session:
        async with running_server([App("k", "s")], db) as server:
            wire = Wire(session, server.url)
            body = {
                "image": b64(photo("enroll/obama_1.jpg")),
                "image_type": "BASE64",
                "group_id": "g",
                "user_id": "obama",
            }
            assert (await wire.v3("faceset/user/add", body, key="k", secret="s"))["error_code"] == 0
        async with running_server([App("k", "s")], db) as server:
            wire.url = server.url  # the same token, a new process
            search = {"image": b64(photo("probe/obama.jpg")), "image_type": "BASE64", "group_id_list": "g"}
            result = (await wire.v3("search", search, key="k", secret="s"))["result"]
            assert result["user_list"][0]["user_id"] == "obama"


async def test_a_failed_multi_group_register_changes_nothing(wire: Wire) -> None:
    """V2 registers into several groups in one transaction: all or nothing."""
    form = {"uid": "obama", "user_info": "first", "group_id": "b", "image": b64(photo("enroll/obama_1.jpg"))}
    assert "error_code" not in await wire.v2("faceset/user/add", form)
    failed = await wire.v2("faceset/user/add", form | {"group_id": "a,b", "user_info": "second"})
    assert failed["error_code"] == 216616
    user = await wire.v2("faceset/user/get", {"uid": "obama"})
    assert user["result"] == {"uid": "obama", "user_info": "first", "groups": ["b"]}


def test_command_line_app_specs() -> None:
    assert parse_app("key:secret").dialects == frozenset({"v2", "v3"})
    assert parse_app("key:secret:v3").dialects == frozenset({"v3"})
    for bad in ("key", "key:secret:v4", ":secret"):
        with pytest.raises(argparse.ArgumentTypeError, match=r"expected|dialect"):
            parse_app(bad)


def test_command_line_refuses_a_missing_app(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build(["--port", "0"])
    assert "--app" in capsys.readouterr().err


def test_command_line_applies_limits_to_every_app(tmp_path: Path) -> None:
    argv = ["--db", str(tmp_path / "f.sqlite3"), "--app", "a:b", "--app", "c:d:v2", "--qps", "2", "--daily-quota", "9"]
    server, args = build(argv)
    try:
        assert (args.host, args.port) == ("127.0.0.1", 8300)
        assert [(a.qps, a.daily_quota, sorted(a.dialects)) for a in server.apps.values()] == [
            (2, 9, ["v2", "v3"]),
            (2, 9, ["v2"]),
        ]
    finally:
        server.service.close()
