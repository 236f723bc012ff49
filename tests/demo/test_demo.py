"""The demo as a person runs it: `python -m scripts.demo` as a process, stopped by a signal.

Given a fresh state, the demo reports a busy port before starting anything, and SIGINT or
SIGTERM during set-up stops everything it started. A first run recognises every enrolled
person and the stranger; gives each person a device whose "Last seen" and "Seen recently"
follow the recognitions, each camera an event entity and an annotated "Last scan"; remembers
the stranger as one visitor whose visits rise (a folder in the Media panel, the dashboard's
sensor); ignored, they are counted, not announced; enrolled, recognised; forgotten, unknown
again; prints nothing alarming, and stops on SIGTERM after "ready". A second run on other
ports listens only there, on 127.0.0.1, keeps one dashboard, and stops on SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from homeassistant.util.dt import parse_datetime
from homeassistant.util.yaml import parse_yaml

from custom_components.baidu_face.const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNCERTAIN, EVENT_UNKNOWN_FACE
from scripts import door_latency
from scripts.demo import CAMERAS, DEMO_PASSWORD, DEMO_USER, FRIGATE_CAMERA, GROUP, Demo
from scripts.demo_dashboard import URL_PATH, read_registries
from scripts.hass_driver import HassClient, HassError
from scripts.mosquitto import mosquitto_binary
from scripts.photo_player import FRAME_SIZE
from tests.demo.scans import has_boxes, last_scan
from tests.faces import PEOPLE

ROOT = Path(__file__).resolve().parents[2]
# What Home Assistant itself prints on every start here, whatever the demo configures
# (README lists them): --skip-pip keeps it from installing packages into the venv.
EXPECTED_WARNINGS = (
    "Skipping pip installation of required modules",
    "We found a custom integration baidu_face which has not been tested",
    "zlib_ng and isal are not available",
)
STOP_SECONDS = 10
# The demo's first-run promise: everyone within 2 minutes of "ready".
SIGHTING_SECONDS = 120
# A camera shows each probe photo once in about 80 s: the stranger is back within that.
NEXT_VISIT_SECONDS = 150
MEDIA_ROOT = "media-source://baidu_face"
# The demo's visitor story, all within 3 minutes of "ready" (issue 20): whom the test enrolls the
# stranger as, and the wrong name it then corrects.
STORY_SECONDS = 180
GUEST_UID, GUEST_NAME = "guest_of_the_test", "Guest Of The Test"
WRONG_UID, WRONG_NAME = "someone_else", "Someone Else"
READERS: set[asyncio.Task[None]] = set()  # keeps the output readers alive
RUNS: list[DemoRun] = []  # the demos a test started, stopped after it if it failed half-way


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class DemoRun:
    """`scripts.demo` running as a process, and the lines it printed so far."""

    process: asyncio.subprocess.Process
    port: int
    baidu_port: int
    mqtt_port: int
    frigate_port: int
    lines: list[str] = field(default_factory=list)

    async def read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(line.decode())

    async def wait_for(self, text: str, seconds: float) -> None:
        async with asyncio.timeout(seconds):
            while not any(text in line for line in self.lines):
                assert self.process.returncode is None, f"the demo ended without {text!r}:\n{''.join(self.lines)}"
                await asyncio.sleep(0.1)

    def pids(self) -> dict[str, int]:
        return {m[1]: int(m[2]) for m in re.finditer(r"started (\w+) \(pid (\d+)", "".join(self.lines))}

    async def stop_with(self, number: signal.Signals) -> tuple[float, list[str]]:
        """Send a signal; how long until the demo and all it started were gone, and what it printed since."""
        children = self.pids()
        await asyncio.sleep(0.5)  # what the demo printed before the signal has been read
        before = len(self.lines)
        sent = time.monotonic()
        self.process.send_signal(number)
        await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        seconds = time.monotonic() - sent
        await asyncio.sleep(0.2)  # the last lines
        for pid in children.values():
            with pytest.raises(ProcessLookupError):
                os.killpg(pid, 0)  # the process and anything it started
        return seconds, [line.rstrip("\n") for line in self.lines[before:]]


async def start(
    state: Path, port: int | None = None, baidu_port: int | None = None, env: dict[str, str] | None = None
) -> DemoRun:
    port, baidu_port = port or free_port(), baidu_port or free_port()
    mqtt_port, frigate_port = free_port(), free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scripts.demo", "--state", str(state), "--port", str(port),
        "--baidu-port", str(baidu_port), "--mqtt-port", str(mqtt_port), "--frigate-port", str(frigate_port),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    run = DemoRun(process, port, baidu_port, mqtt_port, frigate_port)
    READERS.add(asyncio.create_task(run.read()))
    RUNS.append(run)
    return run


@pytest.fixture(autouse=True)
async def stop_what_a_failed_test_left() -> AsyncIterator[None]:
    """SIGTERM a demo a failed test left running, as a person would stop it (it stops what it started)."""
    yield
    while RUNS:
        run = RUNS.pop()
        if run.process.returncode is None:
            run.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(run.process.wait(), STOP_SECONDS)


def assert_stopped_cleanly(number: signal.Signals, seconds: float, output: list[str]) -> None:
    assert seconds < STOP_SECONDS
    assert len(output) == 1, output
    assert f"{number.name}: stopped everything in" in output[0]


@pytest.fixture
async def client(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state directory for the first and the second run (one xdist group: the second needs the first's)."""
    return tmp_path_factory.mktemp("demo")


def listening(pid: int) -> set[str]:
    """Return the addresses a process listens on (TCP, IPv4 and IPv6), as `host:port`."""
    sockets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            sockets.add(target[8:-1])
    found = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            local, status, inode = row.split()[1], row.split()[3], row.split()[9]
            if status == "0A" and inode in sockets:  # 0A: LISTEN
                host, port = local.split(":")
                address = socket.inet_ntop(
                    socket.AF_INET if table == "tcp" else socket.AF_INET6,
                    bytes.fromhex(host)[::-1] if table == "tcp" else bytes.fromhex(host),
                )
                found.add(f"{address}:{int(port, 16)}")
    return found


def readme_examples() -> list[str]:
    """Return the YAML examples of README and of the docs/ pages (in English: the Chinese pages' are the same)."""
    pages = [
        ROOT / "README.md",
        *(page for page in sorted((ROOT / "docs").glob("*.md")) if ".zh-Hans" not in page.stem),
    ]
    return [block for page in pages for block in re.findall(r"```yaml\n(.*?)```", page.read_text(), re.DOTALL)]


def readme_action(action: str) -> dict[str, object]:
    """README's example of an action, as written there."""
    for block in readme_examples():
        for example in re.split(r"\n(?=#)", block):
            parsed = parse_yaml(example)
            if isinstance(parsed, dict) and parsed.get("action") == action:
                return parsed
    raise AssertionError(f"README has no example of {action}")


def name_of(person: str) -> str:
    return person.replace("_", " ").title()


async def poll[T](what: str, seconds: float, check: Callable[[], Awaitable[T | None]]) -> T:
    """Call `check` every second until it returns something; that."""
    started = time.monotonic()
    while (found := await check()) is None:
        assert time.monotonic() - started < seconds, f"after {seconds:.0f} s still no {what}"
        await asyncio.sleep(1)
    return found


async def people_follow_recognitions(hass: HassClient) -> None:
    """Every enrolled person has a device whose Last seen, Last seen at, Seen recently and tracker show them seen."""
    people, _, _ = await read_registries(hass)
    assert {name_of(person) for person in PEOPLE} <= {person.name for person in people}

    async def everyone_seen() -> bool | None:
        for person in PEOPLE:
            last_seen = await hass.state(f"sensor.{person}_last_seen")
            if parse_datetime(last_seen["state"]) is None:
                return None
            assert last_seen["attributes"]["uid"] == person
            # The front door, or the Frigate camera: both identify everyone.
            assert last_seen["attributes"]["camera_entity_id"] in {"camera.front_door", f"camera.{FRIGATE_CAMERA}"}
            assert last_seen["attributes"]["group_id"] == GROUP
            where = await hass.state(f"sensor.{person}_last_seen_at")
            assert where["state"] in {"Front door", FRIGATE_CAMERA.capitalize()}
            # Off again 5 minutes after the last recognition: each person was seen within the last 2.
            assert (await hass.state(f"binary_sensor.{person}_seen_recently"))["state"] == "on"
            # Home, for a person.*, with the latest crop of them as its picture.
            tracker = await hass.state(f"device_tracker.{person}")
            assert tracker["state"] == "home"
            assert tracker["attributes"]["entity_picture"].startswith("/api/baidu_face/")
            # The demo's Home Assistant person of the same name follows it.
            assert (await hass.state(f"person.{person}"))["state"] == "home"
        return True

    await poll("Last seen for everyone", SIGHTING_SECONDS, everyone_seen)


async def cameras_show_what_they_saw(hass: HassClient) -> None:
    """Each camera has an event entity and a Last scan image: the frame with the boxes drawn on it."""
    # Only an identifying camera announces anyone: the hallway (detect) has no event entity.
    await hass.state("event.front_door_face")

    async def annotated() -> bool | None:
        for camera in CAMERAS:
            if (await hass.state(f"image.{camera}_last_scan"))["state"] in ("unknown", "unavailable"):
                return None
            image = await last_scan(hass, camera)
            assert image.size == FRAME_SIZE
            if not await asyncio.to_thread(has_boxes, image):
                return None
        return True

    await poll("annotated Last scan on every camera", SIGHTING_SECONDS, annotated)
    front_door = await hass.state("event.front_door_face")
    assert front_door["attributes"]["event_type"] in ("recognized", "unknown", "uncertain")
    # The front door decides as a door would: two frames confirm, quality checked, liveness not (local server).
    decision = front_door["attributes"]["decision"]
    assert decision["rule"]["frames_to_confirm"] == 2
    assert (decision["quality"]["level"], decision["liveness"]["level"]) == ("normal", "none")
    assert decision["liveness"]["checked"] is False
    assert decision["backend"]["server"] == "local"


async def frigate_names_the_garden_visitors(demo: DemoRun, hass: HassClient) -> None:
    """Check the garden, a Frigate camera: a person event makes a visit of its snapshots, the name goes to Frigate."""
    await demo.wait_for(f"Frigate's {FRIGATE_CAMERA} event", SIGHTING_SECONDS)
    (line,) = [line for line in demo.lines if f"Frigate's {FRIGATE_CAMERA} event" in line]
    assert re.search(r"got the sub_label '(" + "|".join(map(name_of, PEOPLE)) + ")'", line), line
    assert (await hass.state(f"binary_sensor.{FRIGATE_CAMERA}_scan_problem"))["state"] == "off"
    assert (await hass.state(f"image.{FRIGATE_CAMERA}_last_scan"))["state"] not in ("unknown", "unavailable")


async def browse(hass: HassClient, media_content_id: str) -> dict[str, Any]:
    (folder,) = await hass.websocket({"type": "media_source/browse_media", "media_content_id": media_content_id})
    return dict(folder)


async def kept_faces(hass: HassClient, kind: str) -> list[str]:
    """Return the ids of the faces of a kind ("unknown", "recognised") that the Media panel shows."""
    found, folders = [], [MEDIA_ROOT]
    while folders:
        for child in (await browse(hass, folders.pop(0))).get("children") or []:
            identifier = child["media_content_id"]
            parts = identifier.removeprefix(MEDIA_ROOT + "/").split("/")
            if child["can_expand"]:
                folders.append(identifier)
            elif len(parts) == 3 and parts[1] == kind:
                found.append(parts[2])
    return found


@contextlib.asynccontextmanager
async def sightings(hass: HassClient) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield a list that gathers the recognitions, unknown faces and uncertain visits fired from now on."""
    seen: list[dict[str, Any]] = []

    async def gather(events: AsyncIterator[dict[str, Any]]) -> None:
        async for event in events:
            seen.append(event)

    async with hass.subscription(EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE, EVENT_UNCERTAIN) as events:
        gatherer = asyncio.create_task(gather(events))
        try:
            yield seen
        finally:
            gatherer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await gatherer


async def next_stranger_sighting(seen: list[dict[str, Any]], person: str) -> dict[str, Any]:
    """Wait for the stranger at the front door: unknown, recognised as `person`, or a tie with them; that event."""

    async def stranger() -> dict[str, Any] | None:
        for event in seen:
            data = event["data"]
            if data.get("camera_entity_id") != "camera.front_door":
                continue
            tied = {candidate["uid"] for candidate in data.get("candidates") or []}
            if event["event_type"] == EVENT_UNKNOWN_FACE or person in {data.get("uid"), *tied}:
                return event
        return None

    return await poll("front-door sighting of the stranger", NEXT_VISIT_SECONDS, stranger)


async def visitor_folders(hass: HassClient) -> dict[int, str]:
    """Return the Media panel's visitor folders: their titles by visitor id."""
    root = await browse(hass, MEDIA_ROOT)
    (visitors,) = [child for child in root["children"] if child["media_content_id"].endswith("/visitors")]
    folders = (await browse(hass, visitors["media_content_id"]))["children"]
    return {int(folder["media_content_id"].rsplit("/", 1)[1]): folder["title"] for folder in folders}


async def visitor_on_dashboard(hass: HassClient, visitor_id: int) -> dict[str, Any] | None:
    """Return the visitor as the dashboard's "Visitors" sensor lists them (None: not among the latest)."""
    _, _, sensor = await read_registries(hass)
    assert sensor is not None
    listed = (await hass.state(sensor))["attributes"]["visitors"]
    return next((visitor for visitor in listed if visitor["visitor_id"] == visitor_id), None)


async def enroll_visitor(hass: HassClient, visitor_id: int, uid: str, name: str) -> dict[str, Any]:
    """Enroll a visitor (as the dashboard's Enroll does): all their faces, and the visitor is gone."""
    data = {"visitor_id": visitor_id, "uid": uid, "user_info": name, "groups": [GROUP]}
    enrolled = await hass.action("baidu_face", "enroll_face", data, response=True)
    assert enrolled["visitor_id"] == visitor_id
    assert set(enrolled["face_ids"]) <= set(await kept_faces(hass, "recognised"))
    assert visitor_id not in await visitor_folders(hass)
    return dict(enrolled)


async def teach_and_correct(hass: HassClient, done: Callable[[str], None]) -> None:
    """See the stranger come back as one visitor; ignored, counted and not announced; enrolled, recognised.

    Then their enrolled faces forgotten, and the stranger is unknown again; enrolled under a
    wrong name, recognised as them; "not this person", and the next frame is not them.
    """
    async with sightings(hass) as seen:

        async def returning() -> tuple[int, list[int]] | None:
            by_visitor: dict[int, list[int]] = {}
            for event in seen:
                if event["event_type"] == EVENT_UNKNOWN_FACE and event["data"]["visitor_id"] is not None:
                    by_visitor.setdefault(event["data"]["visitor_id"], []).append(event["data"]["visits"])
            return next(((number, visits) for number, visits in by_visitor.items() if len(visits) >= 2), None)

        visitor_id, visits = await poll("the stranger back as the same visitor", NEXT_VISIT_SECONDS, returning)
    # One stranger in the demo: one visitor, whose visits rise with each of their unknown-face events.
    assert visits == sorted(visits), visits
    assert visits[-1] > visits[0], visits
    done(f"the stranger back as visitor {visitor_id} (visits {visits})")
    titles = await visitor_folders(hass)
    assert titles[visitor_id].startswith(f"Visitor {visitor_id} — ")

    # Ignored (as the dashboard's Ignore does): counted, kept, and no unknown-face event.
    async with sightings(hass) as seen:
        await hass.action("baidu_face", "ignore_visitor", {"visitor_id": visitor_id})
        counted = visits[-1]

        async def visited_again() -> int | None:
            listed = await visitor_on_dashboard(hass, visitor_id)
            assert listed is not None
            assert listed["ignored"]
            return listed["visits"] if listed["visits"] > counted else None

        now = await poll("an ignored visit counted", NEXT_VISIT_SECONDS, visited_again)
    ignored = [e for e in seen if e["event_type"] == EVENT_UNKNOWN_FACE and e["data"]["visitor_id"] == visitor_id]
    assert ignored == []
    done(f"the ignored visitor counted ({counted} → {now} visits), not announced")

    # Enrolled: the next frame of them is the new person.
    async with sightings(hass) as seen:
        enrolled = await enroll_visitor(hass, visitor_id, GUEST_UID, GUEST_NAME)
        who = await next_stranger_sighting(seen, GUEST_UID)
    assert (who["event_type"], who["data"].get("uid")) == (EVENT_RECOGNIZED, GUEST_UID), who
    done("the enrolled visitor recognised")
    people, _, _ = await read_registries(hass)
    assert GUEST_NAME in {person.name for person in people}

    # Their faces forgotten one after another: unknown again (a new visitor).
    listed = await hass.action("baidu_face", "list_faces", {"uid": GUEST_UID, "group_id": GROUP}, response=True)
    assert len(listed["faces"]) == len(enrolled["face_ids"])
    async with sightings(hass) as seen:
        for face in listed["faces"]:
            forget = {"uid": GUEST_UID, "group_id": GROUP, "face_token": face["face_token"]}
            await hass.action("baidu_face", "forget_face", forget)
        who = await next_stranger_sighting(seen, GUEST_UID)
    assert who["event_type"] == EVENT_UNKNOWN_FACE, who
    done("the forgotten faces unknown again")

    # Enrolled under a wrong name, the stranger is that person; "Not this person" (the
    # notification's button) on that recognition, and the next frame of them is not.
    async with sightings(hass) as seen:
        await enroll_visitor(hass, who["data"]["visitor_id"], WRONG_UID, WRONG_NAME)
        wrong = await next_stranger_sighting(seen, WRONG_UID)
    seen_as = (wrong["event_type"], wrong["data"].get("uid"), wrong["data"].get("visitor_id"), wrong.get("time_fired"))
    assert seen_as[:2] == (EVENT_RECOGNIZED, WRONG_UID), (seen_as, await visitor_folders(hass))
    async with sightings(hass) as seen:
        corrected = await hass.action(
            "baidu_face", "not_this_person", {"face_id": wrong["data"]["face_id"]}, response=True
        )
        assert (corrected["uid"], corrected["remembered"]) == (WRONG_UID, True)
        right = await next_stranger_sighting(seen, WRONG_UID)
    # The visitor the face became: it scores as high as the wrong person's copies of the same face.
    assert (right["event_type"], right["data"]["visitor_id"]) == (EVENT_UNKNOWN_FACE, corrected["visitor_id"]), right
    done(f"not {WRONG_NAME}: the next frame {right['event_type'].removeprefix('baidu_face_')}")


async def test_a_port_in_use_is_reported_before_anything_starts(tmp_path: Path, socket_enabled: None) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        demo = await start(tmp_path, port=busy.getsockname()[1])
        await asyncio.wait_for(demo.process.wait(), 30)
    await asyncio.sleep(0.2)
    lines = demo.lines
    assert demo.process.returncode == 1
    assert len(lines) == 1
    assert f"port {demo.port} is in use" in lines[0]
    assert not (tmp_path / "ha").exists()


async def test_a_second_demo_on_the_same_state_is_refused(tmp_path: Path, socket_enabled: None) -> None:
    with (tmp_path / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a running demo holds it
        demo = await start(tmp_path)
        await asyncio.wait_for(demo.process.wait(), 30)
    await asyncio.sleep(0.2)
    assert demo.process.returncode == 1
    assert len(demo.lines) == 1
    assert f"another demo is running on {tmp_path}" in demo.lines[0]
    assert not (tmp_path / "ha").exists()


async def test_home_assistant_that_cannot_bind_its_port_stops_the_demo_with_a_clear_message(
    tmp_path: Path, socket_enabled: None
) -> None:
    with socket.socket() as busy:  # taken after the demo's own check: the check is skipped here
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        demo = Demo(tmp_path, None, busy.getsockname()[1], free_port(), configure_integration=False)
        with pytest.raises(HassError, match=f"Home Assistant could not listen on 127.0.0.1:{demo.port}"):
            async with demo.serving():
                pass
    assert f"Failed to create HTTP server at port {demo.port}" in (tmp_path / "home_assistant.log").read_text()
    assert not demo.processes


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=lambda number: number.name)
async def test_a_signal_during_set_up_stops_everything(
    tmp_path: Path, number: signal.Signals, socket_enabled: None
) -> None:
    # Without mosquitto (on a plain clone): the demo says why the Frigate camera is off, and goes on.
    demo = await start(tmp_path, env={**os.environ, "MOSQUITTO": ""})
    await demo.wait_for("started home_assistant", 60)
    await asyncio.sleep(2)  # Home Assistant is starting
    seconds, output = await demo.stop_with(number)
    assert_stopped_cleanly(number, seconds, output)
    assert "Traceback" not in "".join(demo.lines + output)
    assert any(f"the Frigate camera (camera.{FRIGATE_CAMERA}) is off: no mosquitto" in line for line in demo.lines)
    assert "mosquitto" not in demo.pids()
    print(f"\n{number.name} during set-up: stopped in {seconds:.1f} s")


@pytest.mark.xdist_group("demo_state")
async def test_a_first_run_shows_everyone_quietly_then_stops_on_sigterm(
    state: Path, client: aiohttp.ClientSession
) -> None:
    demo = await start(state)
    await demo.wait_for("ready", 300)
    ready = time.monotonic()
    hass = HassClient(client, f"http://127.0.0.1:{demo.port}")
    await hass.log_in(DEMO_USER, DEMO_PASSWORD)

    def done(part: str) -> None:
        print(f"first run: {part} {time.monotonic() - ready:.0f} s after ready")

    # The visitor story runs beside the other checks: its sightings count from "ready".
    async with asyncio.TaskGroup() as together:
        story = together.create_task(teach_and_correct(hass, done))
        since = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(time.time() - 600))
        # The stranger is named as the visitor they are remembered as.
        wanted = {person.replace("_", " ").title() for person in PEOPLE} | {"a visitor"}
        seen: set[str] = set()
        lines: list[dict[str, Any]] = []
        while not wanted <= seen:
            assert time.monotonic() - ready < SIGHTING_SECONDS, f"after 2 minutes the logbook names only {seen}"
            await asyncio.sleep(5)
            lines = await hass.logbook(since)
            names = {line.get("name", "") for line in lines if line.get("domain") == DOMAIN}
            seen = {"a visitor" if re.fullmatch(r"Visitor \d+", name) else name for name in names}
        print(f"\nfirst run: everyone in the logbook {time.monotonic() - ready:.0f} s after ready")
        # A quiet Activity: one line per announcement, on its camera; neither the motion sensors'
        # flips nor the integration's state changes (README's logbook exclusion).
        ours = [line for line in lines if line.get("domain") == DOMAIN]
        assert {line["entity_id"] for line in ours} <= {f"camera.{camera}" for camera in (*CAMERAS, FRIGATE_CAMERA)}
        said = r"recognized .+ \(score [\d.]+\)|saw (Visitor \d+, )?an unknown face \((visit \d+, )?best score [\d.]+\)"
        said += r"|could not tell who .+"
        assert [line["message"] for line in ours if not re.fullmatch(said, line["message"])] == []
        noisy = [
            line["entity_id"] for line in lines if line.get("entity_id", "").endswith(("_motion", "_face", "_faces"))
        ]
        assert noisy == []
        print(f"first run: Activity {len(lines)} lines, {len(ours)} of them announcements")

        (dashboards,) = await hass.websocket({"type": "lovelace/dashboards/list"})
        assert [d["title"] for d in dashboards if d["url_path"] == URL_PATH] == ["Baidu Face"]
        assert f"/{URL_PATH}/" in "".join(demo.lines)
        await people_follow_recognitions(hass)
        done("every person's Last seen, Last seen at, Seen recently and tracker")
        await cameras_show_what_they_saw(hass)
        done("an annotated Last scan on every camera")
        if mosquitto_binary():
            await frigate_names_the_garden_visitors(demo, hass)
            done("a garden visitor's name as the Frigate event's sub_label")
        await story
    assert time.monotonic() - ready < STORY_SECONDS, "the visitor story took longer than 3 minutes"

    # Quiet: every integration loaded, no repair issue, no warning but Home Assistant's own, no
    # traceback (without an ffmpeg program too: Home Assistant asks for its version on every start).
    entries = await hass.entries("")  # every domain
    assert {"baidu_face", "local_file", *(["mqtt"] if mosquitto_binary() else [])} <= {e["domain"] for e in entries}
    assert {entry["domain"]: entry["state"] for entry in entries if entry["state"] != "loaded"} == {}
    (issues,) = await hass.websocket({"type": "repairs/list_issues"})
    assert issues["issues"] == []
    log = (state / "ha" / "home-assistant.log").read_text().splitlines()
    noise = [line for line in log if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]
    assert [line for line in noise if not any(expected in line for expected in EXPECTED_WARNINGS)] == []
    assert not any(line.startswith("Traceback") for line in log)
    assert "Traceback" not in "".join(demo.lines)

    # The door's latency, as scripts/door_latency.py reads it from the recorder of a run.
    found = door_latency.latencies(state / "ha" / door_latency.DATABASE)
    assert {latency.camera for latency in found if latency.event_type == EVENT_RECOGNIZED} == {"camera.front_door"}
    print("\n".join(door_latency.table(found)))

    # README's examples name entities the demo has, and its identify example works as
    # written: default groups are set.
    named = set(re.findall(r"(?:entity_id|entity): (\w+\.\w+)", "".join(readme_examples())))
    assert "image_processing.front_door_recognised_person" in named
    for entity_id in named:
        await hass.state(entity_id)
    example = readme_action("baidu_face.identify")
    answer = await hass.action("baidu_face", "identify", example["data"], response=True)  # type: ignore[arg-type]
    assert "faces" in answer

    seconds, output = await demo.stop_with(signal.SIGTERM)
    assert_stopped_cleanly(signal.SIGTERM, seconds, output)
    print(f"SIGTERM after ready: stopped in {seconds:.1f} s")


@pytest.mark.xdist_group("demo_state")
async def test_a_second_run_follows_new_ports_then_stops_on_sigint(state: Path, client: aiohttp.ClientSession) -> None:
    demo = await start(state)
    await demo.wait_for("ready", 300)
    hass = HassClient(client, f"http://127.0.0.1:{demo.port}")
    await hass.log_in(DEMO_USER, DEMO_PASSWORD)

    assert listening(demo.pids()["home_assistant"]) == {f"127.0.0.1:{demo.port}"}
    (entry,) = await hass.entries("baidu_face")
    assert entry["title"] == f"Baidu Face (127.0.0.1:{demo.baidu_port})"
    example = readme_action("baidu_face.identify")
    await hass.action("baidu_face", "identify", example["data"], response=True)  # type: ignore[arg-type]
    (dashboards,) = await hass.websocket({"type": "lovelace/dashboards/list"})
    assert [d["url_path"] for d in dashboards].count(URL_PATH) == 1  # updated, not duplicated
    (config,) = await hass.websocket({"type": "lovelace/config", "url_path": URL_PATH})
    titles = {card.get("title") for card in config["views"][0]["cards"]}
    assert {name_of(person) for person in PEOPLE} <= titles

    seconds, output = await demo.stop_with(signal.SIGINT)
    assert_stopped_cleanly(signal.SIGINT, seconds, output)
    print(f"\nSIGINT after ready: stopped in {seconds:.1f} s")
