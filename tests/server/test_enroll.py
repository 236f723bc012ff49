"""`python -m baidu_face_server enroll`: a folder of photos becomes a face set the server then recognises."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import aiohttp
import pytest

from baidu_face_server import App, running_server
from baidu_face_server.__main__ import main
from tests.faces import FACES, b64, blank_image, photo

from .conftest import Wire

KEY = App("house_key", "house_secret")


async def enroll(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """Run the command as a user would (its own event loop, in a thread); its exit status and printed lines."""
    with pytest.raises(SystemExit) as ended:
        await asyncio.to_thread(main, ["enroll", *args, "--app", f"{KEY.api_key}:{KEY.secret_key}"])
    code = ended.value.code
    return code if isinstance(code, int) else 1, capsys.readouterr().out.splitlines()


async def test_the_sample_folder_is_enrolled_and_then_recognised(
    socket_enabled: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "faces.sqlite3"
    status, lines = await enroll(capsys, str(FACES), "--group", "family", "--db", str(db))
    assert status == 0
    assert "obama_1.jpg: ok (obama)" in lines
    assert (
        lines[-1]
        == "9 enrolled, 0 already enrolled, 0 without a face, 0 failed; 5 people from this folder are in group 'family'"
    )
    # The server started later on the same file finds everyone, under the same app.
    async with running_server([KEY], db) as server, aiohttp.ClientSession() as session:
        wire = Wire(session, server.url)
        body = {"image": b64(photo("probe/obama.jpg")), "image_type": "BASE64", "group_id_list": "family"}
        answer = await wire.v3("search", body, key=KEY.api_key, secret=KEY.secret_key)
        (best,) = answer["result"]["user_list"]
        assert (best["user_id"], best["user_info"]) == ("obama", "Obama")
        assert best["score"] >= 80
        users = await wire.v3("faceset/group/getusers", {"group_id": "family"}, key=KEY.api_key, secret=KEY.secret_key)
        assert sorted(users["result"]["user_id_list"]) == [
            "alex_lacamoire",
            "biden",
            "kit_harington",
            "obama",
            "rose_leslie",
        ]


async def test_each_photo_gets_its_own_outcome(
    socket_enabled: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(FACES / "enroll/rose_leslie_1.jpg", folder / "rose_leslie_1.jpg")
    shutil.copy(FACES / "enroll/kit_harington_2.jpg", folder / "kit_harington_2.jpg")
    (folder / "wall_1.jpg").write_bytes(blank_image(200, 200))
    (folder / "broken_1.jpg").write_bytes(b"not a picture")
    (folder / "notes.txt").write_text("not a photo, not read")
    db = tmp_path / "faces.sqlite3"
    status, lines = await enroll(capsys, str(folder), "--group", "friends", "--db", str(db))
    assert status == 0
    assert lines[:4] == [
        "broken_1.jpg: error 222203 image check fail",
        "kit_harington_2.jpg: ok (kit_harington)",
        "rose_leslie_1.jpg: ok (rose_leslie)",
        "wall_1.jpg: no face found",
    ]
    assert lines[-1].startswith("2 enrolled, 0 already enrolled, 1 without a face, 1 failed")
    # Again: the server refuses the same face twice, and that counts as enrolled.
    status, lines = await enroll(capsys, str(folder), "--group", "friends", "--db", str(db))
    assert status == 0
    assert "rose_leslie_1.jpg: already enrolled (rose_leslie)" in lines


async def test_nothing_enrolled_is_a_failure(
    socket_enabled: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "wall_1.jpg").write_bytes(blank_image(200, 200))
    status, lines = await enroll(capsys, str(tmp_path), "--group", "family", "--db", str(tmp_path / "faces.sqlite3"))
    assert status == 1
    assert lines[-1].startswith("0 enrolled, 0 already enrolled, 1 without a face, 0 failed")


async def test_a_missing_folder_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["enroll", str(tmp_path / "absent"), "--group", "family", "--app", "k:s"])
    assert ended.value.code == 2
    assert "is not a folder" in capsys.readouterr().err
