"""The main job in one command: the local Baidu server, Home Assistant, two live cameras and a Frigate one.

A real Home Assistant with the integration and two cameras at doorways: each shows an empty,
noisy doorway, then a person for a few seconds, and has a motion sensor that turns on when
someone steps in (and now and then when nobody does): the cameras' trigger. A third doorway,
the garden, is a Frigate camera: where mosquitto is installed, the demo runs it as the MQTT
broker, sets up Home Assistant's MQTT integration, and plays Frigate with the fake Frigate
(scripts/fake_frigate.py): a person event on MQTT when someone steps in, the doorway as the
event's snapshot, and the name Home Assistant writes back as its sub_label. Without mosquitto
the demo says the Frigate camera is off, and why, and runs the other two.

    scripts/demo [--photos DIR] [--port 8123] [--baidu-port 8300] [--mqtt-port 8301] [--frigate-port 8302]
                 [--state DIR] [--language zh-Hans]

DIR holds `enroll/<person>_<n>.jpg` and `probe/*.jpg|png` (like sample_faces/): every
person in enroll/ is registered through the integration's own action, and the cameras
play probe/. A second run reuses the state directory and follows the ports given. --language
is Home Assistant's (the server's): entity names, Activity, Media and the dashboard follow it.
Ctrl-C (or SIGTERM) stops everything; nothing else does: the demo keeps its token fresh,
starts again a process that ended (Home Assistant restarted from its UI, or crashed; the
local server), waits for Home Assistant to answer again and plays on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import paho.mqtt.publish
from homeassistant.const import RESTART_EXIT_CODE

from custom_components.baidu_face.const import (
    CONF_ATTRIBUTES,
    CONF_CAMERA,
    CONF_FRIGATE_CAMERA,
    CONF_FRIGATE_SUB_LABEL,
    CONF_FRIGATE_SUB_LABEL_POLICY,
    CONF_FRIGATE_URL,
    CONF_FRIGATE_VERIFY_SSL,
    CONF_FRIGATE_ZONES,
    CONF_GROUPS,
    CONF_LIVENESS,
    CONF_MAX_FACES,
    CONF_MODE,
    CONF_PLAN,
    CONF_SOURCE,
    CONF_THRESHOLD,
    DOMAIN,
    DOOR_PRESET,
    EVENT_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
    PLAN_PAID,
    SOURCE_FRIGATE,
    SUBENTRY_CAMERA,
    camera_unique_id,
)
from custom_components.baidu_face.frigate_events import SubLabelPolicy
from custom_components.baidu_face.people import person_identifier
from sample_faces import FOLDER as SAMPLE_FACES
from sample_faces import enrolment_photos
from scripts.demo_dashboard import LANGUAGES, Dashboard
from scripts.fake_frigate import FakeEvent, FakeFrigate
from scripts.hass_driver import (
    CONFIG_FLOW,
    OPTIONS_FLOW,
    SUBENTRY_FLOW,
    HassClient,
    HassError,
    HassUnavailable,
    prepare_storage,
)
from scripts.mosquitto import accepts, free_port, mosquitto_binary, mosquitto_config
from scripts.photo_player import PhotoPlayer, doorway_frame, photos_in, show_bytes, triggered_by

ROOT = Path(__file__).resolve().parents[1]
DEMO_USER = "demo"
DEMO_PASSWORD = "baidu-face-demo"  # noqa: S105 - the documented demo login, loopback only
API_KEY = "demo_api_key"
SECRET_KEY = "demo_secret_key"  # noqa: S105 - the local server's demo app
GROUP = "family"
MOTION_EVENT = "baidu_face_demo_motion"
# README's examples name camera.front_door and image_processing.front_door_recognised_person.
CAMERAS = {"front_door": "identify", "hallway": "detect"}
# The front door decides as a door would (docs/door.md): the door preset but for liveness, which
# only Baidu's cloud judges (the local server refuses it, and the form says so).
DOOR_CAMERA = "front_door"
DOOR = {key: value for key, value in DOOR_PRESET.items() if key != CONF_LIVENESS}
# The Frigate camera: Home Assistant's camera.garden, Frigate's "garden"; identifies, and writes names back.
FRIGATE_CAMERA = "garden"
MQTT_DOMAIN = "mqtt"
FRIGATE_TOPIC = "frigate/events"  # the fake's topic prefix is Frigate's default
FRIGATE_KEPT = 100  # events (and calls) the fake Frigate remembers
# The usage sensors, by their unique id's suffix, under names that do not change with the
# entry's title (which names the server's port). README's dashboard shows this month's calls
# as sensor.baidu_face_api_calls, the entity that counted calls before there was usage.
USAGE_SENSORS = {
    "api_calls": "sensor.baidu_face_api_calls",
    "calls_today": "sensor.baidu_face_calls_today",
    "remaining_this_month": "sensor.baidu_face_remaining_this_month",
}
LOCK = "demo.lock"
# The names a Chinese household would give the sample photos' people (the Last scan labels draw them).
CHINESE_NAMES = {
    "obama": "奥巴马",
    "biden": "拜登",
    "kit_harington": "基特·哈灵顿",
    "rose_leslie": "罗丝·莱斯利",
    "alex_lacamoire": "亚历克斯·拉卡莫尔",
}
# What a stopped process gets before SIGKILL: everything is gone within 10 s of a signal.
STOP_SECONDS = 7.0
# A process that ends this soon after it started, this many times in a row, is not started
# again: it would only end again (a broken configuration, a port someone else took).
QUICK_EXIT_SECONDS = 60.0
QUICK_EXITS = 3
# How long a (re)started Home Assistant may take to answer.
HASS_START_SECONDS = 240.0
# The processes' captured output is emptied when it outgrows this: the demo runs for days,
# and Home Assistant keeps its own log (home-assistant.log, rotated daily, LOG_DAYS kept).
OUTPUT_LIMIT_BYTES = 16 * 2**20
LOG_DAYS = 3

CONFIGURATION = """\
# Written by scripts/demo on every run. Only what the demo needs, so that it starts offline
# and quietly; the HTTP settings (127.0.0.1, --port) are in Home Assistant's store.
homeassistant:
  name: Baidu Face demo
  country: CN  # else Home Assistant raises a repair issue asking for it
  language: {language}
  allowlist_external_dirs:
    - {photos}
frontend:
config:
recorder:
  purge_keep_days: 3
history:
# Activity: one line per announcement (README), and not every flip of the demo's motion sensors.
logbook:
  exclude:
    entities:
{motion_sensor_ids}    entity_globs:
{quiet_activity}automation: !include automations.yaml
# The dashboard's Enrol buttons run scripts the demo writes through Home Assistant's API.
script: !include scripts.yaml
# The Media panel, where the faces the cameras kept can be browsed.
media_source:
# Home Assistant's people, each tracked by their face tracker (Settings -> People).
person:
# The front door's lock and the lights that README's automation examples name.
template:
  - lock:
      - name: Front door
        lock: []
        unlock: []
    light:
      - name: Porch
        turn_on: []
        turn_off: []
      - name: Hall
        turn_on: []
        turn_off: []
{motion_sensors}logger:
  default: warning
  logs:
    custom_components.baidu_face: info
{quiet_ffmpeg}"""

# Home Assistant sets up text-to-speech on every start (a base platform), and it depends on
# the ffmpeg integration, which asks the `ffmpeg` program its version: without the program,
# its library logs an ERROR with a traceback. Nothing in the demo uses ffmpeg (its cameras
# show still files; nothing speaks), so on such a machine the demo keeps that library's
# lines out of the log and says so once itself.
QUIET_FFMPEG = """\
    # No ffmpeg program on this machine, and nothing in the demo needs one (scripts/demo says so).
    haffmpeg: critical
"""


def motion_sensor(camera: str) -> str:
    """Return a demo camera's motion sensor."""
    return f"binary_sensor.{camera}_motion"


# README's logbook exclusion: what Home Assistant writes for the integration's state changes,
# which the one line per announcement already says.
QUIET_ACTIVITY = (
    "image_processing.*_recognised_person",
    "image_processing.*_faces",
    "event.*_face",
    "sensor.*_last_seen",
    "sensor.*_last_seen_at",
    "binary_sensor.*_seen_recently",
)


# Each camera's motion sensor: the photo player sets it with an event over REST, as a
# real sensor would turn on when someone steps in.
MOTION_SENSORS = "".join(
    f"""\
  - triggers:
      - trigger: event
        event_type: {MOTION_EVENT}
        event_data:
          camera: {camera}
    binary_sensor:
      - name: {camera.replace("_", " ").capitalize()} motion
        unique_id: baidu_face_demo_{camera}_motion
        device_class: motion
        state: "{{{{ trigger.event.data.motion }}}}"
"""
    for camera in CAMERAS
)

# What earlier demos wrote to automations.yaml begins so; the cameras' own triggers now start
# their scans, so such a file is emptied, and a person's own automations are kept.
WRITTEN_BY_DEMO = "# Written by scripts/demo"

# Lines in home_assistant.log that say Home Assistant could not serve the port.
BIND_FAILED = ("Activating recovery mode", "Failed to create HTTP server")


class DemoError(Exception):
    """Something the person running the demo must fix; said in one line."""


def log(message: str) -> None:
    """One line of the demo's own output."""
    print(f"[demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


def port_in_use(port: int) -> bool:
    """Whether something listens on 127.0.0.1:`port` (a socket in TIME_WAIT does not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


@dataclass
class Demo:
    """The demo's processes and Home Assistant set-up, for one state directory."""

    state: Path
    photos: Path | None
    port: int = 8123
    baidu_port: int = 8300
    # The Frigate camera's broker and fake Frigate (0: a free port; scripts/demo's are 8301 and 8302).
    mqtt_port: int = 0
    frigate_port: int = 0
    # False leaves adding the integration, and scanning, to a person (or the browser test).
    configure_integration: bool = True
    language: str = "en"  # Home Assistant's
    # False: the demo without its Frigate camera, as where mosquitto is missing (the browser test's doorways).
    frigate_camera: bool = True
    # Why the Frigate camera is off (None: on), the fake Frigate while it serves, the person in its doorway.
    frigate_off: str | None = None
    frigate: FakeFrigate | None = None
    frigate_event: FakeEvent | None = None
    frigate_named: bool = False  # the first sub_label Frigate got was said
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # How each process was started (to start it again), and when.
    commands: dict[str, tuple[tuple[str, ...], dict[str, str] | None]] = field(default_factory=dict)
    started_at: dict[str, float] = field(default_factory=dict)
    enrolled: set[str] = field(default_factory=set)
    dashboard: Dashboard | None = None

    def __post_init__(self) -> None:
        """Decide whether the Frigate camera runs: it needs mosquitto."""
        self.frigate_off = self.why_no_frigate()

    @property
    def url(self) -> str:
        """Home Assistant's address."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def baidu_url(self) -> str:
        """The local Baidu server's address."""
        return f"http://127.0.0.1:{self.baidu_port}"

    @property
    def config(self) -> Path:
        """Home Assistant's configuration directory."""
        return self.state / "ha"

    @property
    def cameras(self) -> list[str]:
        """Return the demo's cameras: the two doorways, and the Frigate camera when it is on."""
        return [*CAMERAS, *([] if self.frigate_off else [FRIGATE_CAMERA])]

    def output(self, process: str) -> Path:
        """Where a process's output of this run goes."""
        return self.state / f"{process}.log"

    def frame(self, camera: str) -> Path:
        """Return the file a camera shows."""
        return self.state / "frames" / f"{camera}.jpg"

    # --- processes -------------------------------------------------------

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        """Start a process in its own session (a terminal's Ctrl-C reaches only the demo, which stops it)."""
        self.output(name).write_bytes(b"")  # this run's output; a restart's is added to it
        self.commands[name] = (args, env)
        self.respawn(name)

    def respawn(self, name: str) -> None:
        """Start a process (again) as `spawn` first did."""
        args, env = self.commands[name]
        # Appending: the demo can empty the file under the running process (`trim_outputs`).
        with self.output(name).open("ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                args, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True, env=env
            )
        self.processes[name] = process
        self.started_at[name] = time.monotonic()
        log(f"started {name} (pid {process.pid}, log {self.output(name)})")

    def trim_outputs(self) -> None:
        """Empty a process's captured output that outgrew OUTPUT_LIMIT_BYTES, and say so at its top."""
        for name in self.processes:
            output = self.output(name)
            if output.exists() and output.stat().st_size > OUTPUT_LIMIT_BYTES:
                with output.open("r+b") as file:
                    file.truncate(0)
                with output.open("ab") as file:
                    file.write(f"[demo {time.strftime('%F %T')}] emptied: over {OUTPUT_LIMIT_BYTES} bytes\n".encode())

    async def stop(self) -> None:
        """SIGTERM every process the demo started, SIGKILL what is left after STOP_SECONDS."""
        for process in reversed(self.processes.values()):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(process.wait, max(0.0, deadline - time.monotonic()))
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # also any child the process left behind
            process.wait()
        self.processes.clear()

    def exited(self) -> str | None:
        """Why the demo cannot go on: a process exited, or Home Assistant could not bind its port."""
        if reason := self.bind_failed():
            return reason
        for name, process in self.processes.items():
            if process.poll() is not None:
                return f"{name} exited (code {process.returncode}); see {self.output(name)}"
        return None

    def bind_failed(self) -> str | None:
        """Why Home Assistant cannot serve: it could not bind its port."""
        output = self.output("home_assistant")
        if output.exists() and any(line in output.read_text(errors="replace") for line in BIND_FAILED):
            return f"Home Assistant could not listen on 127.0.0.1:{self.port}; see {output}"
        return None

    async def supervise(self, hass: HassClient) -> None:
        """Start again every process that ends, until cancelled; `DemoError` when one keeps ending at once.

        Home Assistant ends with RESTART_EXIT_CODE when a person restarts it from its UI (or the
        homeassistant.restart action): it expects whoever started it to start it again. A crash
        is met the same way, and so is the local server's.
        """
        quick_exits = dict.fromkeys(self.processes, 0)
        while True:
            await asyncio.sleep(1)
            self.trim_outputs()
            for name, process in list(self.processes.items()):
                if process.poll() is None:
                    continue
                lived = time.monotonic() - self.started_at[name]
                quick_exits[name] = quick_exits[name] + 1 if lived < QUICK_EXIT_SECONDS else 0
                if quick_exits[name] >= QUICK_EXITS:
                    raise DemoError(
                        f"{name} {_ending(process.returncode)} {QUICK_EXITS} times in a row, each within"
                        f" {QUICK_EXIT_SECONDS:.0f} s of starting; see {self.output(name)}"
                    )
                log(f"{name} {_ending(process.returncode)} after {lived:.0f} s; starting it again")
                ended = time.monotonic()
                self.respawn(name)
                with contextlib.suppress(HassError):  # it ended again: the next round sees it
                    await self.wait_answering(name, hass)
                    log(f"{name} answers again, {time.monotonic() - ended:.0f} s after it ended")

    async def wait_answering(self, name: str, hass: HassClient) -> None:
        """Wait until a (re)started process answers; `HassError` if it ends first, `DemoError` if it cannot bind."""
        process = self.processes[name]

        def failed() -> str | None:
            if name == "home_assistant" and (reason := self.bind_failed()):
                raise DemoError(reason)
            return f"{name} ended" if process.poll() is not None else None

        if name == "mosquitto":  # a broker, not HTTP: it answers once it accepts connections
            deadline = time.monotonic() + HASS_START_SECONDS
            while not accepts(self.mqtt_port):
                if why := failed() or (time.monotonic() > deadline and "mosquitto does not accept connections"):
                    raise HassError(why)
                await asyncio.sleep(0.1)
            return
        client = hass if name == "home_assistant" else HassClient(hass.session, self.baidu_url)
        await client.wait_until_up(HASS_START_SECONDS, failed)

    async def keep_going(self, hass: HassClient, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job`; whenever Home Assistant goes away under it, wait until it answers again and run it again."""
        while True:
            try:
                await job()
            except HassUnavailable:
                await asyncio.sleep(1)  # the supervisor may not have seen it end yet
                # As long as the supervisor may go on starting it before it gives up.
                await hass.wait_until_up(QUICK_EXITS * (HASS_START_SECONDS + QUICK_EXIT_SECONDS), lambda: None)
            else:
                return

    # --- files -------------------------------------------------------------

    def prepare_files(self) -> None:
        """Write the configuration, link the integration, copy blueprints and photos, show the first frames."""
        photos = self.state / "photos"
        for folder in (self.config, self.state / "frames", photos):
            folder.mkdir(parents=True, exist_ok=True)
        quiet_ffmpeg = "" if shutil.which("ffmpeg") else QUIET_FFMPEG
        if quiet_ffmpeg:
            log("no ffmpeg on this machine; the demo needs none (Home Assistant only asks for its version)")
        configuration = CONFIGURATION.format(
            photos=photos.resolve(),
            language=self.language,
            motion_sensors=MOTION_SENSORS,
            motion_sensor_ids="".join(f"      - {motion_sensor(camera)}\n" for camera in CAMERAS),
            quiet_activity="".join(f'      - "{glob}"\n' for glob in QUIET_ACTIVITY),
            quiet_ffmpeg=quiet_ffmpeg,
        )
        (self.config / "configuration.yaml").write_text(configuration)
        automations = self.config / "automations.yaml"
        if not automations.exists() or automations.read_text().startswith(WRITTEN_BY_DEMO):
            automations.write_text("[]\n")
        scripts = self.config / "scripts.yaml"
        if not scripts.exists():
            scripts.write_text("{}\n")
        link = self.config / "custom_components" / DOMAIN
        link.parent.mkdir(exist_ok=True)
        if not link.exists():
            link.symlink_to(ROOT / "custom_components" / DOMAIN, target_is_directory=True)
        blueprints = self.config / "blueprints" / "automation" / DOMAIN
        blueprints.mkdir(parents=True, exist_ok=True)
        for blueprint in (ROOT / "blueprints" / "automation" / DOMAIN).glob("*.yaml"):
            shutil.copy(blueprint, blueprints / blueprint.name)
        if self.photos:
            shutil.copytree(self.photos, photos, dirs_exist_ok=True)
        for camera in self.cameras:
            if not self.frame(camera).exists():
                show_bytes(self.frame(camera), doorway_frame(None))

    def probe_photos(self) -> list[Path]:
        """Return what the cameras play: each next photo shows as many people not shown yet as it can."""
        if not self.photos:
            return []
        left = photos_in(self.state / "photos" / "probe")
        people = sorted(enrolment_photos(self.state / "photos"), key=len, reverse=True)

        def shows(photo: Path) -> set[str]:
            # `<a>+<b>.jpg` shows a and b; `obama_small.jpg` shows obama (sample_faces/README.md).
            parts = photo.stem.split("+")
            return {next((person for person in people if part.startswith(person)), part) for part in parts}

        shown: set[str] = set()
        ordered = []
        while left:
            best = max(left, key=lambda photo: len(shows(photo) - shown))
            left.remove(best)
            ordered.append(best)
            shown |= shows(best)
        # Strangers (nobody enrolled in the photo) come back every third visit: what a visitor
        # does (returning, ignored, enrolled, corrected) shows within three minutes of "ready".
        strangers = [photo for photo in ordered if not shows(photo) & set(people)]
        known = [photo for photo in ordered if photo not in strangers]
        if not strangers or not known:
            return ordered
        again = itertools.cycle(strangers)
        return [played for pair in itertools.batched(known, 2, strict=False) for played in (*pair, next(again))]

    def player(self, hass: HassClient) -> PhotoPlayer:
        """Return the cameras' photo player: it sets their motion sensors, and plays Frigate at the garden."""
        cameras = self.cameras

        async def motion(number: int, on: bool, photo: Path | None) -> None:
            if cameras[number] == FRIGATE_CAMERA:
                await self.frigate_person(on, photo)
                return
            # While Home Assistant restarts, a motion sensor's change is lost, as a real sensor's would
            # be; the doorway plays on, and the next visit's motion reaches Home Assistant again.
            with contextlib.suppress(HassUnavailable):
                await hass.call("POST", f"/api/events/{MOTION_EVENT}", {"camera": cameras[number], "motion": on})

        return PhotoPlayer([self.frame(camera) for camera in cameras], self.probe_photos(), motion)

    # --- Frigate -------------------------------------------------------------

    async def frigate_person(self, on: bool, photo: Path | None) -> None:
        """Play Frigate at the garden: a person event when someone steps in, its end when they leave.

        Motion with nobody in frame makes no event (Frigate tracks people, not motion). The
        event's snapshot is the garden's frame file, as the fake reads it at each call.
        """
        fake = self.frigate
        assert fake is not None
        if on and photo is not None:
            self.frigate_event = fake.add_event(FRIGATE_CAMERA, self.frame(FRIGATE_CAMERA))
            await self.publish_frigate(self.frigate_event.message("new"))
        elif not on and (event := self.frigate_event) is not None:
            self.frigate_event = None
            event.in_progress = False
            await self.publish_frigate(event.message("end"))
            if event.sub_label and not self.frigate_named:
                self.frigate_named = True
                log(f"Frigate's {FRIGATE_CAMERA} event {event.id} got the sub_label {event.sub_label[0]!r}")
            # The demo runs for days: the fake keeps only its latest events and calls.
            for old in list(fake.events)[:-FRIGATE_KEPT]:
                del fake.events[old]
            del fake.snapshot_requests[:-FRIGATE_KEPT], fake.sub_label_calls[:-FRIGATE_KEPT]

    async def publish_frigate(self, payload: str) -> None:
        """Publish a Frigate event message on the demo's broker, as Frigate does."""
        try:
            await asyncio.to_thread(
                paho.mqtt.publish.single, FRIGATE_TOPIC, payload, hostname="127.0.0.1", port=self.mqtt_port
            )
        except OSError as err:  # mosquitto is being started again: Frigate's message would be lost too
            log(f"could not publish Frigate's event ({err.__class__.__name__}); the next one tries again")

    @contextlib.asynccontextmanager
    async def fake_frigate(self) -> AsyncIterator[None]:
        """Serve the fake Frigate (camera "garden", no login: Frigate's port 5000) while the block runs, if it is on."""
        if self.frigate_off:
            yield
            return
        async with FakeFrigate(port=self.frigate_port, cameras={FRIGATE_CAMERA: []}) as fake:
            self.frigate, self.frigate_port = fake, fake.port
            try:
                yield
            finally:
                self.frigate = None

    async def ensure_mqtt(self, hass: HassClient) -> None:
        """Home Assistant's MQTT integration on the demo's broker (an earlier run's entry follows --mqtt-port)."""
        deadline = time.monotonic() + 10
        while not accepts(self.mqtt_port):
            if time.monotonic() > deadline:
                raise DemoError(
                    f"mosquitto does not listen on 127.0.0.1:{self.mqtt_port}; see {self.output('mosquitto')}"
                )
            await asyncio.sleep(0.1)
        start: dict[str, Any] = {"handler": MQTT_DOMAIN}
        if entries := await hass.entries(MQTT_DOMAIN):
            start["entry_id"] = entries[0]["entry_id"]  # reconfigure: the broker's port of this run
        # The form's "other settings" section: no certificates (plain MQTT on loopback).
        other = {"set_client_cert": False, "set_ca_cert": "off"}
        await hass.flow(CONFIG_FLOW, start, {"broker": "127.0.0.1", "port": self.mqtt_port, "other_settings": other})

    # --- Home Assistant ------------------------------------------------------

    async def add_cameras(self, hass: HassClient) -> None:
        """Ordinary local_file cameras showing the frames the player changes."""
        have = {e["title"] for e in await hass.entries("local_file")}
        for camera in self.cameras:
            name = camera.replace("_", " ").capitalize()
            if name not in have:
                data = {"name": name, "file_path": str(self.frame(camera).resolve())}
                await hass.flow(CONFIG_FLOW, {"handler": "local_file"}, data)

    async def configure(self, hass: HassClient) -> str:
        """Point the baidu_face entry at this run's server; set its default groups and camera subentries."""
        connection = {"api_version": "auto", "endpoint": self.baidu_url}
        if baidu := await hass.entries(DOMAIN):
            # A later run: the endpoint follows --baidu-port (unchanged, this changes nothing).
            # The entry may be retrying its old endpoint, so this does not wait for it to load.
            await hass.flow(CONFIG_FLOW, {"handler": DOMAIN, "entry_id": baidu[0]["entry_id"]}, connection)
        else:
            secrets = {"api_key": API_KEY, "secret_key": SECRET_KEY}
            await hass.flow(CONFIG_FLOW, {"handler": DOMAIN}, {**secrets, **connection})
            baidu = await hass.entries(DOMAIN)
        entry_id: str = baidu[0]["entry_id"]
        await self.wait_loaded(hass)
        # Default groups, so that identify, verify and register_user work without naming one
        # (the docs' examples). The paid plan, with no cap: the demo runs for days and makes
        # about 450 calls an hour a camera, which would spend even the enterprise free month
        # (10,000 calls per API) within a day; the usage sensors still count every call.
        options = {
            CONF_PLAN: PLAN_PAID,
            CONF_GROUPS: [GROUP],
            CONF_THRESHOLD: 80,
            CONF_MAX_FACES: 3,
            CONF_ATTRIBUTES: [],
        }
        await hass.flow(OPTIONS_FLOW, {"handler": entry_id}, options)
        if not self.frigate_off:
            await self.ensure_mqtt(hass)
        await self.ensure_cameras(hass, entry_id)
        if not self.frigate_off:
            # MQTT set up (or moved to this run's broker) after the entry started: the Frigate
            # camera listens to Frigate's events through the MQTT of now.
            await hass.call("POST", f"/api/config/config_entries/entry/{entry_id}/reload", {})
            await self.wait_loaded(hass)
        await self.name_usage_sensors(hass, entry_id)
        return entry_id

    async def name_usage_sensors(self, hass: HassClient, entry_id: str) -> None:
        """Give the entry's usage sensors the names in USAGE_SENSORS (shown on the integration's page)."""
        deadline = time.monotonic() + 30
        wanted = {f"{entry_id}_{suffix}": entity_id for suffix, entity_id in USAGE_SENSORS.items()}
        while True:
            (entities,) = await hass.websocket({"type": "config/entity_registry/list"})
            for entity in entities:
                if (new_entity_id := wanted.pop(entity["unique_id"], None)) and entity["entity_id"] != new_entity_id:
                    update = {"type": "config/entity_registry/update", "entity_id": entity["entity_id"]}
                    await hass.websocket({**update, "new_entity_id": new_entity_id})
            if not wanted:
                return
            if time.monotonic() > deadline:
                raise DemoError(f"the entry's usage sensors did not appear: {sorted(wanted.values())}")
            await asyncio.sleep(0.5)

    async def wait_loaded(self, hass: HassClient) -> None:
        """Wait until the entry is loaded (a new camera or option reloads it)."""
        deadline = time.monotonic() + 60
        while (await hass.entries(DOMAIN))[0]["state"] != "loaded":
            if time.monotonic() > deadline:
                raise DemoError(f"the baidu_face entry did not load; see {self.output('home_assistant')}")
            await asyncio.sleep(0.3)

    async def ensure_cameras(self, hass: HassClient, entry_id: str) -> None:
        """One camera subentry per demo camera, its motion sensor the trigger (an earlier run's is reconfigured)."""
        (subentries,) = await hass.websocket({"type": "config_entries/subentries/list", "entry_id": entry_id})
        have = {subentry["unique_id"]: subentry["subentry_id"] for subentry in subentries}
        for camera, mode in CAMERAS.items():
            await self.wait_loaded(hass)
            data = {
                CONF_CAMERA: f"camera.{camera}",
                CONF_MODE: mode,
                CONF_GROUPS: [GROUP] if mode == "identify" else [],
                CONF_THRESHOLD: 80,
                CONF_MAX_FACES: 3,
                **triggered_by(motion_sensor(camera)),
                **(DOOR if camera == DOOR_CAMERA else {}),
            }
            start: dict[str, Any] = {"handler": [entry_id, SUBENTRY_CAMERA]}
            if subentry_id := have.get(camera_unique_id(f"camera.{camera}", mode)):
                start["subentry_id"] = subentry_id  # reconfigure: a state from before triggers gains them
            await hass.flow(SUBENTRY_FLOW, start, data)
        if self.frigate is not None:
            await self.wait_loaded(hass)
            await hass.flow(SUBENTRY_FLOW, *self.frigate_camera_flow(entry_id, have))

    def frigate_camera_flow(
        self, entry_id: str, have: dict[str, str]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Return the Frigate camera's flow: its start, the camera form and the Frigate step (this run's URL)."""
        assert self.frigate is not None
        start: dict[str, Any] = {"handler": [entry_id, SUBENTRY_CAMERA]}
        if subentry_id := have.get(camera_unique_id(f"camera.{FRIGATE_CAMERA}", "identify")):
            start["subentry_id"] = subentry_id  # reconfigure: the fake Frigate's port of this run
        camera = {
            CONF_CAMERA: f"camera.{FRIGATE_CAMERA}",
            CONF_MODE: "identify",
            CONF_SOURCE: SOURCE_FRIGATE,
            CONF_GROUPS: [GROUP],
            CONF_THRESHOLD: 80,
            CONF_MAX_FACES: 3,
            **triggered_by(None),  # Frigate's person events start its visits
        }
        frigate = {
            CONF_FRIGATE_URL: self.frigate.url,
            CONF_FRIGATE_VERIFY_SSL: True,
            CONF_FRIGATE_CAMERA: FRIGATE_CAMERA,
            CONF_FRIGATE_ZONES: [],
            CONF_FRIGATE_SUB_LABEL: True,
            CONF_FRIGATE_SUB_LABEL_POLICY: SubLabelPolicy.KEEP_FRIGATE.value,
        }
        return start, camera, frigate

    def why_no_frigate(self) -> str | None:
        """Return why the Frigate camera is off (None: mosquitto is there, it is on)."""
        if not self.frigate_camera:
            return "left out (Demo(frigate_camera=False))"
        if mosquitto_binary() is None:
            return "no mosquitto program (Debian/Ubuntu: sudo apt-get install mosquitto) to be its MQTT broker"
        return None

    async def enrol(self, hass: HassClient) -> None:
        """Register every person in enroll/ through the integration's register_user action."""
        if not self.photos:
            return
        await self.wait_loaded(hass)
        groups = await hass.action(DOMAIN, "list_groups", {}, response=True)
        if GROUP in groups["groups"]:  # asking for a missing group logs an error
            users = await hass.action(DOMAIN, "list_group_users", {"group_id": GROUP}, response=True)
            self.enrolled = {u["uid"] for u in users["users"]}
        for person, photos in enrolment_photos(self.state / "photos").items():
            if person in self.enrolled:  # enrolled on an earlier run
                continue
            name = _name(person, self.language)
            for photo in photos:
                data = {"uid": person, "user_info": name, "groups": [GROUP], "image_path": str(photo)}
                try:
                    await hass.action(DOMAIN, "register_user", data)
                except HassError as err:
                    log(f"could not enroll {photo.name}: {err}")
                else:
                    self.enrolled.add(person)
            log(f"enrolled {name} ({len(photos)} photo{'s' if len(photos) > 1 else ''})")

    async def add_people(self, hass: HassClient) -> None:
        """Give each enrolled person a Home Assistant person tracked by their face tracker, as README suggests."""
        (people,) = await hass.websocket({"type": "person/list"})
        tracked = {tracker for person in people["storage"] + people["config"] for tracker in person["device_trackers"]}
        trackers = await self.trackers(hass)
        for uid in sorted(self.enrolled):
            if (tracker := trackers.get(uid)) and tracker not in tracked:
                name = _name(uid, self.language)
                await hass.websocket({"type": "person/create", "name": name, "device_trackers": [tracker]})

    async def trackers(self, hass: HassClient) -> dict[str, str]:
        """Return each enrolled person's face tracker by uid, once they all exist (30 s at most).

        Looked up, not guessed: the tracker is named after the person's device, whose name is the
        user_info enrol gave (a Chinese name's entity id is its pinyin).
        """
        (entry,) = await hass.entries(DOMAIN)
        deadline = time.monotonic() + 30
        while True:
            (entities,) = await hass.websocket({"type": "config/entity_registry/list"})
            trackers = {
                uid: entity["entity_id"]
                for entity in entities
                if entity["platform"] == DOMAIN and entity["entity_id"].startswith("device_tracker.")
                for uid in self.enrolled
                if entity["unique_id"].startswith(f"{person_identifier(entry['entry_id'], uid)}:")
            }
            if len(trackers) == len(self.enrolled) or time.monotonic() > deadline:
                return trackers
            await asyncio.sleep(0.5)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[HassClient]:
        """Start everything; yield a logged-in client of Home Assistant; stop everything on exit."""
        ports = {"--port": self.port, "--baidu-port": self.baidu_port}
        if not self.frigate_off:
            ports |= {"--mqtt-port": self.mqtt_port, "--frigate-port": self.frigate_port}
        for option, port in ports.items():
            if port and port_in_use(port):
                raise DemoError(f"port {port} is in use on 127.0.0.1 (another demo?); choose another with {option}")
        self.state.mkdir(parents=True, exist_ok=True)
        with (self.state / LOCK).open("w") as lock:
            try:
                # Held while the demo runs: no second demo rewrites this state under a running one.
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DemoError(f"another demo is running on {self.state}; stop it, or choose --state") from None
            async with self.serving() as hass:
                yield hass

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[HassClient]:
        """Start the processes, set Home Assistant up; yield a logged-in client; stop them on exit.

        `running` checks the ports and the state first; a test calls this directly to show what
        happens when Home Assistant cannot bind its port after all.
        """
        if self.frigate_off:
            log(f"the Frigate camera (camera.{FRIGATE_CAMERA}) is off: {self.frigate_off}")
        self.prepare_files()
        await prepare_storage(self.config, self.port)
        python = sys.executable
        try:
            self.spawn(
                "baidu_face_server", python, "-m", "baidu_face_server", "--port", str(self.baidu_port),
                "--db", str(self.state / "faces.sqlite3"), "--app", f"{API_KEY}:{SECRET_KEY}",
            )  # fmt: skip
            if not self.frigate_off:
                binary, config = mosquitto_binary(), self.state / "mosquitto.conf"
                assert binary is not None
                self.mqtt_port = self.mqtt_port or free_port()
                config.write_text(mosquitto_config(self.mqtt_port, log_everything=False))
                self.spawn("mosquitto", binary, "-c", str(config))
            # SETUP_PORT: even Home Assistant's last-resort default configuration uses this port,
            # never 8123, so it cannot bind where the demo's own configuration could not.
            env = {**os.environ, "SETUP_PORT": str(self.port)}
            hass_bin = str(Path(python).with_name("hass"))
            self.spawn(
                "home_assistant", hass_bin, "-c", str(self.config), "--skip-pip", "--log-no-color",
                "--log-rotate-days", str(LOG_DAYS), env=env,
            )  # fmt: skip
            async with aiohttp.ClientSession() as session, self.fake_frigate():
                await HassClient(session, self.baidu_url).wait_until_up(60, self.exited)
                hass = HassClient(session, self.url)
                await hass.wait_until_up(HASS_START_SECONDS, self.exited)
                await hass.log_in(DEMO_USER, DEMO_PASSWORD)
                await self.add_cameras(hass)
                if not self.configure_integration:
                    yield hass
                    return
                await self.configure(hass)
                await self.enrol(hass)
                await self.add_people(hass)
                self.dashboard = Dashboard(hass, [GROUP], self.language)
                await self.dashboard.update()
                keeper = asyncio.create_task(self.keep_going(hass, self.dashboard.keep_updated))
                keeper.add_done_callback(_said_if_failed)
                try:
                    yield hass
                finally:
                    keeper.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await keeper
        finally:
            await self.stop()


def _said_if_failed(task: asyncio.Task[None]) -> None:
    """Say that the dashboard stopped following the people and cameras, and why (the demo itself goes on)."""
    if not task.cancelled() and (err := task.exception()):
        log(f"the dashboard is no longer updated: {err}")


def _ending(code: int) -> str:
    """Say how a process ended, from its exit code."""
    if code == RESTART_EXIT_CODE:
        return "restarted itself (asked from its UI, or by homeassistant.restart)"
    if code < 0:
        return f"was killed ({signal.Signals(-code).name})"
    return f"exited (code {code})"


def _name(person: str, language: str = "en") -> str:
    """Return the name the demo enrols a person under: in Chinese for a Chinese Home Assistant."""
    if language == "zh-Hans":
        return CHINESE_NAMES[person]
    return person.replace("_", " ").title()


async def report_sightings(hass: HassClient, demo: Demo, started: float, ready: float) -> None:
    """Say once who each camera saw first, and when every enrolled person and a stranger have been seen."""
    waiting = set(demo.enrolled) | {"unknown"}

    async def until_everyone_seen() -> None:
        async for event in hass.events(EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE):
            data = event["data"]
            who = data.get("uid", "unknown") if event["event_type"] == EVENT_RECOGNIZED else "unknown"
            if who not in waiting:
                continue
            if len(waiting) == len(demo.enrolled) + 1:
                log(f"first recognition {time.monotonic() - started:.0f} s after the command")
            waiting.discard(who)
            seen = (
                f"{data.get('user_info') or who} (score {data.get('score', 0):.0f})"
                if who != "unknown"
                else "a stranger"
            )
            log(f"{data.get('camera_entity_id')} saw {seen}")
            if not waiting:
                log(f"everyone enrolled, and a stranger, seen {time.monotonic() - ready:.0f} s after ready")
                return

    await demo.keep_going(hass, until_everyone_seen)


async def until_stopped(args: argparse.Namespace, started: float) -> None:
    """Run the demo until cancelled."""
    ports = {"port": args.port, "baidu_port": args.baidu_port, "mqtt_port": args.mqtt_port}
    demo = Demo(args.state.resolve(), args.photos, frigate_port=args.frigate_port, language=args.language, **ports)
    async with demo.running() as hass:
        ready = time.monotonic()
        log(f"ready {ready - started:.0f} s after the command")
        frigate = (
            f"off ({demo.frigate_off})"
            if demo.frigate_off
            else f"camera.{FRIGATE_CAMERA}, the fake Frigate on http://127.0.0.1:{demo.frigate_port},"
            f" MQTT on 127.0.0.1:{demo.mqtt_port}"
        )
        print(
            f"\n  Home Assistant: {demo.url}\n  Login:          {DEMO_USER} / {DEMO_PASSWORD}\n"
            f"  Dashboard:      {demo.url}{demo.dashboard.path if demo.dashboard else ''}\n"
            f"  Baidu server:   {demo.baidu_url} (app {API_KEY} / {SECRET_KEY})\n"
            f"  Frigate camera: {frigate}\n"
            "  Motion starts the cameras' scans, and Frigate's person events the garden's; recognitions appear"
            " under Activity (the logbook), usage on the integration's page."
            " Ctrl-C stops.\n",
            flush=True,
        )
        jobs = [demo.supervise(hass), demo.player(hass).play(), report_sightings(hass, demo, started, ready)]
        tasks = [asyncio.create_task(job) for job in jobs]
        try:
            await asyncio.gather(*tasks)
        finally:  # the first that fails stops the others (a signal cancels them all)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def run(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the demo; stop cleanly on SIGINT or SIGTERM; the exit code."""
    # scripts/demo passes the time its command started, so set-up counts too.
    started = time.monotonic() - max(0.0, time.time() - float(os.environ.get("DEMO_STARTED", time.time())))
    parser = argparse.ArgumentParser(prog="scripts/demo", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=SAMPLE_FACES, help="folder with enroll/ and probe/")
    parser.add_argument("--state", type=Path, default=ROOT / "state", help="where the demo keeps its state")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's port on 127.0.0.1")
    parser.add_argument("--baidu-port", type=int, default=8300, help="the local Baidu server's port on 127.0.0.1")
    parser.add_argument("--language", choices=LANGUAGES, default="en", help="Home Assistant's language")
    parser.add_argument(
        "--mqtt-port", type=int, default=8301, help="the Frigate camera's MQTT broker on 127.0.0.1 (0: any free port)"
    )
    parser.add_argument(
        "--frigate-port", type=int, default=8302, help="the fake Frigate's port on 127.0.0.1 (0: any free port)"
    )
    args = parser.parse_args(argv)

    main = asyncio.current_task()
    assert main is not None
    received: list[tuple[signal.Signals, float]] = []

    def on_signal(number: signal.Signals) -> None:
        if not received:  # a second Ctrl-C must not interrupt the stopping
            received.append((number, time.monotonic()))
            main.cancel()

    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, on_signal, number)
    try:
        await until_stopped(args, started)
    except asyncio.CancelledError:
        if not received:
            raise
    except (DemoError, HassError, OSError) as err:
        log(f"stopped: {err}")
        return 1
    number, at = received[0]
    log(f"{number.name}: stopped everything in {time.monotonic() - at:.1f} s")
    return 0


def main() -> None:
    """Run the demo from the command line."""
    sys.exit(asyncio.run(run()))


if __name__ == "__main__":
    main()
