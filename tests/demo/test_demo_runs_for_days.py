"""The demo runs until the person running it stops it: past its tokens' end, through restarts.

Given a Home Assistant whose access tokens last 20 s, the demo keeps playing for several
lifetimes (its motion after each end, recognitions after them), and when a person logs out
its sessions it logs in again. Given a running demo, Home Assistant restarted from
its actions (as from its UI) and then killed, and the local server killed, the demo starts each
again, and recognitions follow every time; SIGTERM then still stops everything at once. A
process that ends as soon as it starts stops the demo instead; captured output stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from homeassistant.util.dt import parse_datetime

from custom_components.baidu_face.const import EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE
from scripts.demo import DEMO_PASSWORD, DEMO_USER, Demo, DemoError, motion_sensor
from scripts.hass_driver import HassClient, HassUnavailable
from tests.demo.test_demo import (
    DemoRun,
    assert_stopped_cleanly,
    free_port,
    start,
    stop_what_a_failed_test_left,  # noqa: F401 - autouse: stops a demo a failed test left
)

SHORT_TOKENS = Path(__file__).with_name("short_tokens")
TOKEN_SECONDS = 20
LIFETIMES = 4
# A visit every 8 s per camera, one in five with nobody, the same person announced at most once a
# minute: a recognition or an unknown face within this of any moment.
RECOGNITION_SECONDS = 60
READY_SECONDS = 300
# The player flips each camera's motion sensor every 4 s.
MOTION_SECONDS = 15
FRONT_DOOR_MOTION = motion_sensor("front_door")


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def logged_in(demo: DemoRun, session: aiohttp.ClientSession) -> HassClient:
    hass = HassClient(session, f"http://127.0.0.1:{demo.port}")
    await hass.log_in(DEMO_USER, DEMO_PASSWORD)
    return hass


async def next_sighting(demo: DemoRun, session: aiohttp.ClientSession) -> float:
    """Wait for the next recognition or unknown face (through Home Assistant's restarts); when it came.

    The test logs in afresh each time: what it shows is the demo's own client at work.
    """
    async with asyncio.timeout(RECOGNITION_SECONDS + 240):
        while True:
            assert demo.process.returncode is None, "".join(demo.lines)
            with contextlib.suppress(HassUnavailable):
                hass = await logged_in(demo, session)
                async with hass.subscription(EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE) as events:
                    async for _ in events:
                        return time.monotonic()
            await asyncio.sleep(1)


async def motion_since(demo: DemoRun, session: aiohttp.ClientSession, moment: float) -> None:
    """Wait until the front door's motion sensor, which only the demo sets, changed after `moment`."""
    hass = await logged_in(demo, session)
    async with asyncio.timeout(MOTION_SECONDS):
        while True:
            changed = parse_datetime((await hass.state(FRONT_DOOR_MOTION))["last_changed"])
            if changed and changed.timestamp() > moment:
                return
            await asyncio.sleep(0.5)


async def test_the_demo_keeps_playing_past_its_tokens_end(tmp_path: Path, session: aiohttp.ClientSession) -> None:
    env = {**os.environ, "PYTHONPATH": str(SHORT_TOKENS), "SHORT_TOKEN_SECONDS": str(TOKEN_SECONDS)}
    demo = await start(tmp_path, env=env)
    await demo.wait_for("] ready ", READY_SECONDS)
    hass = await logged_in(demo, session)
    first_token = hass.token
    ready = time.monotonic()

    for lifetime in range(1, LIFETIMES + 1):
        # Each lifetime's end passes, and the demo's motion still reaches Home Assistant.
        await asyncio.sleep(max(0.0, ready + lifetime * TOKEN_SECONDS - time.monotonic()))
        ended = time.time()
        await motion_since(demo, session, ended)
        print(f"\nmotion {time.time() - ended:.1f} s after the end of token lifetime {lifetime} ({TOKEN_SECONDS} s)")
    # and it scans and announces as before (the same person at most once a minute, so not every lifetime).
    seen = await next_sighting(demo, session)
    print(f"a recognition {seen - ready:.0f} s after ready")
    # Home Assistant did end the first token: the lifetime was real, and the demo renewed its own.
    async with session.get(f"{hass.url}/api/", headers={"Authorization": f"Bearer {first_token}"}) as answer:
        assert answer.status == 401

    # A person logs out every other session from their profile: Home Assistant refuses the demo's
    # tokens (and closes its WebSocket connections); the demo logs in again and plays on.
    await hass.websocket({"type": "auth/delete_all_refresh_tokens", "delete_current_token": False})
    revoked = time.monotonic()
    await next_sighting(demo, session)
    print(f"tokens revoked: a recognition {time.monotonic() - revoked:.0f} s later")
    await asyncio.sleep(3)  # the dashboard's subscription is back too
    assert not any(quit in line for line in demo.lines for quit in ("stopped", "no longer")), "".join(demo.lines)

    seconds, output = await demo.stop_with(signal.SIGTERM)
    assert_stopped_cleanly(signal.SIGTERM, seconds, output)


async def test_the_demo_starts_again_what_ends_under_it(tmp_path: Path, session: aiohttp.ClientSession) -> None:
    demo = await start(tmp_path)
    await demo.wait_for("] ready ", READY_SECONDS)
    hass = await logged_in(demo, session)
    await next_sighting(demo, session)

    async def printed(text: str, since: int, seconds: float) -> None:
        async with asyncio.timeout(seconds):
            while not any(text in line for line in demo.lines[since:]):
                assert demo.process.returncode is None, "".join(demo.lines)
                await asyncio.sleep(0.1)

    async def comes_back(name: str, ending: str, since: int) -> None:
        """See the demo say how `name` ended, start it again, and recognitions follow."""
        await printed(f"{name} {ending}", since, 60)
        await printed(f"{name} answers again", since, 240)
        answered = time.monotonic()
        await next_sighting(demo, session)
        print(f"\n{name} {ending}: a recognition {time.monotonic() - answered:.0f} s after it answered again")

    # As a person restarting Home Assistant from its UI: it exits, asking to be started again.
    since = len(demo.lines)
    with contextlib.suppress(HassUnavailable):
        await hass.action("homeassistant", "restart", {})
    await comes_back("home_assistant", "restarted itself", since)
    # Crashes: Home Assistant, then the local server (and the Frigate camera's broker, where it runs).
    for name in ("home_assistant", "baidu_face_server", *(["mosquitto"] if "mosquitto" in demo.pids() else [])):
        since = len(demo.lines)
        os.kill(demo.pids()[name], signal.SIGKILL)
        await comes_back(name, "was killed (SIGKILL)", since)

    seconds, output = await demo.stop_with(signal.SIGTERM)
    assert_stopped_cleanly(signal.SIGTERM, seconds, output)


async def test_a_process_that_keeps_ending_at_once_stops_the_demo(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    demo = Demo(tmp_path, None, free_port(), free_port())
    demo.spawn("baidu_face_server", sys.executable, "-c", "raise SystemExit(3)")
    with pytest.raises(DemoError, match=r"baidu_face_server exited \(code 3\) 3 times in a row"):
        await demo.supervise(HassClient(session, demo.url))
    await demo.stop()


async def test_a_long_run_empties_a_process_s_captured_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, session: aiohttp.ClientSession
) -> None:
    monkeypatch.setattr("scripts.demo.OUTPUT_LIMIT_BYTES", 100_000)
    demo = Demo(tmp_path, None, free_port(), free_port())
    # 150 kB at once, then a line every 0.1 s.
    talk = (
        "import time\nprint(('x' * 999 + '\\n') * 150, flush=True)\n"
        "while True:\n    time.sleep(0.1)\n    print('y' * 999, flush=True)"
    )
    demo.spawn("home_assistant", sys.executable, "-c", talk)
    output = demo.output("home_assistant")
    try:
        await asyncio.sleep(1)
        assert output.stat().st_size > 100_000
        demo.trim_outputs()
        await asyncio.sleep(0.5)
        # The process writes on at the file's new end: no hole of zeros where the old output was.
        lines = output.read_bytes().splitlines()
        assert lines[0].startswith(b"[demo ")
        assert lines[0].endswith(b"emptied: over 100000 bytes")
        assert 1 <= len(lines[1:]) <= 10
        assert set(lines[1:]) == {b"y" * 999}
    finally:
        await demo.stop()
