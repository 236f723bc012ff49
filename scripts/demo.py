"""The main job in one command: the local Baidu server, a real Home Assistant with the
integration, two live cameras and an automation that scans them.

    scripts/demo [--photos DIR] [--port 8123] [--state DIR]

DIR holds `enroll/<person>_<n>.jpg` and `probe/*.jpg|png` (like sample_faces/): every
person in enroll/ is registered through the integration's own action, and the cameras
play probe/. A second run reuses the state directory. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from custom_components.baidu_face.const import camera_unique_id
from sample_faces import FOLDER as SAMPLE_FACES

ROOT = Path(__file__).resolve().parents[1]
DEMO_USER = "demo"
DEMO_PASSWORD = "baidu-face-demo"  # noqa: S105 - the documented demo login, loopback only
API_KEY = "demo_api_key"
SECRET_KEY = "demo_secret_key"  # noqa: S105 - the local server's demo app
GROUP = "family"
FRAME_SECONDS = 5
SCAN_SECONDS = 10
CAMERAS = {"door": "identify", "hallway": "detect"}

CONFIGURATION = """\
# Written by scripts/demo. Only what the demo needs, so that it starts offline.
homeassistant:
  name: Baidu Face demo
  country: CN  # else Home Assistant raises a repair issue asking for it
  allowlist_external_dirs:
    - {photos}
{http}frontend:
config:
recorder:
  purge_keep_days: 3
history:
logbook:
automation: !include automations.yaml
logger:
  default: warning
  logs:
    custom_components.baidu_face: info
"""

HTTP = """\
http:
  server_host: 127.0.0.1
  server_port: {port}
"""

AUTOMATIONS = f"""\
# Written by scripts/demo: scan both cameras every {SCAN_SECONDS} seconds.
- id: baidu_face_demo_scan
  alias: Scan the demo cameras
  triggers:
    - trigger: time_pattern
      seconds: "/{SCAN_SECONDS}"
  actions:
    - action: image_processing.scan
      target:
        entity_id: all
"""


def log(message: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class Demo:
    state: Path
    photos: Path | None
    port: int = 8123
    baidu_port: int = 8300
    # False leaves adding the integration, and scanning, to a person (or the browser test).
    configure_integration: bool = True
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    token: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def baidu_url(self) -> str:
        return f"http://127.0.0.1:{self.baidu_port}"

    @property
    def config(self) -> Path:
        return self.state / "ha"

    @property
    def frames(self) -> Path:
        return self.state / "frames"

    # --- processes -------------------------------------------------------

    async def spawn(self, name: str, *args: str) -> None:
        log_file = (self.state / f"{name}.log").open("ab")
        process = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, stdout=log_file, stderr=asyncio.subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        log(f"started {name} (pid {process.pid}, log {self.state / f'{name}.log'})")

    async def stop(self) -> None:
        for process in reversed(self.processes):
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()

    # --- files -------------------------------------------------------------

    def prepare_files(self) -> None:
        for folder in (self.config, self.frames, self.state / "photos"):
            folder.mkdir(parents=True, exist_ok=True)
        # Home Assistant moves http: from YAML into its store on the first start (and
        # wants it confirmed); later starts must not carry it in YAML any more.
        http = "" if (self.config / ".storage" / "http").exists() else HTTP.format(port=self.port)
        (self.config / "configuration.yaml").write_text(
            CONFIGURATION.format(photos=(self.state / "photos").resolve(), http=http)
        )
        (self.config / "automations.yaml").write_text(AUTOMATIONS if self.configure_integration else "[]\n")
        components = self.config / "custom_components"
        components.mkdir(exist_ok=True)
        link = components / "baidu_face"
        if not link.exists():
            link.symlink_to(ROOT / "custom_components" / "baidu_face", target_is_directory=True)
        blueprints = self.config / "blueprints" / "automation" / "baidu_face"
        blueprints.mkdir(parents=True, exist_ok=True)
        for blueprint in (ROOT / "blueprints" / "automation" / "baidu_face").glob("*.yaml"):
            shutil.copy(blueprint, blueprints / blueprint.name)
        if self.photos:
            shutil.copytree(self.photos, self.state / "photos", dirs_exist_ok=True)
        for camera in CAMERAS:
            frame = self.frames / f"{camera}.jpg"
            if not frame.exists():
                shutil.copy(self.probe_photos()[0] if self.photos else _blank(), frame)

    def probe_photos(self) -> list[Path]:
        if not self.photos:
            return []
        return sorted(p for p in (self.state / "photos" / "probe").iterdir() if p.suffix.lower() in {".jpg", ".png"})

    # --- Home Assistant's HTTP API --------------------------------------------

    async def wait_for(self, session: aiohttp.ClientSession, url: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not come up in {seconds:.0f} s")
            if any(p.returncode is not None for p in self.processes):
                raise RuntimeError("a process of the demo exited; see the logs in " + str(self.state))
            await asyncio.sleep(0.5)

    async def call(self, session: aiohttp.ClientSession, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with session.request(method, self.url + path, json=body, headers=headers) as response:
            if response.status >= 400:
                raise RuntimeError(f"{method} {path}: HTTP {response.status} {await response.text()}")
            return await response.json(content_type=None)

    async def log_in(self, session: aiohttp.ClientSession) -> None:
        """Complete onboarding with the demo login (first run), or log in (later runs)."""
        client = self.url + "/"
        try:
            status = await self.call(session, "GET", "/api/onboarding")
        except RuntimeError:  # onboarding finished: the view is gone
            status = [{"step": "user", "done": True}]
        if not next(step["done"] for step in status if step["step"] == "user"):
            created = await self.call(
                session,
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": client,
                    "name": "Demo",
                    "username": DEMO_USER,
                    "password": DEMO_PASSWORD,
                    "language": "en",
                },
            )
            code = created["auth_code"]
        else:
            flow = await self.call(
                session, "POST", "/auth/login_flow",
                {"client_id": client, "handler": ["homeassistant", None], "redirect_uri": client},
            )  # fmt: skip
            done = await self.call(
                session, "POST", f"/auth/login_flow/{flow['flow_id']}",
                {"client_id": client, "username": DEMO_USER, "password": DEMO_PASSWORD},
            )  # fmt: skip
            code = done["result"]
        async with session.post(
            self.url + "/auth/token", data={"grant_type": "authorization_code", "code": code, "client_id": client}
        ) as response:
            self.token = (await response.json())["access_token"]
        for step in ("core_config", "analytics"):
            with contextlib.suppress(RuntimeError):  # already done on a later run
                await self.call(session, "POST", f"/api/onboarding/{step}", {})
        with contextlib.suppress(RuntimeError):
            await self.call(
                session, "POST", "/api/onboarding/integration", {"client_id": client, "redirect_uri": client}
            )
        await self.confirm_http_config(session)

    async def websocket(self, session: aiohttp.ClientSession, *commands: dict[str, Any]) -> list[Any]:
        """Send commands over Home Assistant's WebSocket API; their results, in order."""
        results = []
        async with session.ws_connect(self.url + "/api/websocket") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self.token})
            await ws.receive_json()
            for number, command in enumerate(commands, 1):
                await ws.send_json({"id": number, **command})
                results.append((await ws.receive_json())["result"])
        return results

    async def confirm_http_config(self, session: aiohttp.ClientSession) -> None:
        """Confirm the HTTP settings taken from YAML, or Home Assistant reverts them in 5 minutes."""
        (config,) = await self.websocket(session, {"type": "http/config"})
        if config["pending"] is not None and config["active_config_type"] == "pending":
            await self.websocket(session, {"type": "http/config/promote"})

    async def entries(self, session: aiohttp.ClientSession, domain: str) -> list[dict[str, Any]]:
        entries = await self.call(session, "GET", f"/api/config/config_entries/entry?domain={domain}")
        return list(entries)

    async def flow(
        self, session: aiohttp.ClientSession, base: str, handler: Any, data: dict[str, Any]
    ) -> dict[str, Any]:
        form = await self.call(session, "POST", base, {"handler": handler})
        if form["type"] != "form":
            raise RuntimeError(f"{handler}: {form.get('reason')}")
        result: dict[str, Any] = await self.call(session, "POST", f"{base}/{form['flow_id']}", data)
        if result["type"] != "create_entry":
            raise RuntimeError(f"{handler}: {result.get('errors') or result.get('reason')}")
        return result

    async def remove_online_extras(self, session: aiohttp.ClientSession) -> None:
        """Onboarding adds a few integrations that need the internet; this demo runs offline."""
        for domain in ("google_translate", "met", "radio_browser"):
            for entry in await self.entries(session, domain):
                with contextlib.suppress(RuntimeError):
                    await self.call(session, "DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")

    async def add_cameras(self, session: aiohttp.ClientSession) -> None:
        """Ordinary local_file cameras showing the frames the player changes."""
        have = {e["title"] for e in await self.entries(session, "local_file")}
        for camera in CAMERAS:
            if camera.title() not in have:
                data = {"name": camera.title(), "file_path": str((self.frames / f"{camera}.jpg").resolve())}
                await self.flow(session, "/api/config/config_entries/flow", "local_file", data)

    async def configure(self, session: aiohttp.ClientSession) -> str:
        """The baidu_face entry and its camera subentries, through Home Assistant's own flows."""
        baidu = await self.entries(session, "baidu_face")
        if not baidu:
            data = {"api_key": API_KEY, "secret_key": SECRET_KEY, "api_version": "auto", "endpoint": self.baidu_url}
            await self.flow(session, "/api/config/config_entries/flow", "baidu_face", data)
            baidu = await self.entries(session, "baidu_face")
        entry_id: str = baidu[0]["entry_id"]
        await self.ensure_cameras(session, entry_id)
        return entry_id

    async def wait_loaded(self, session: aiohttp.ClientSession) -> None:
        """Cameras are added to a running entry (the flow reads its groups); each one reloads it."""
        deadline = time.monotonic() + 60
        while (await self.entries(session, "baidu_face"))[0]["state"] != "loaded":
            if time.monotonic() > deadline:
                raise RuntimeError("the baidu_face entry did not load; see home_assistant.log")
            await asyncio.sleep(0.3)

    async def ensure_cameras(self, session: aiohttp.ClientSession, entry_id: str) -> None:
        # Subentries, not entities: on a second run the entities may not be set up yet.
        (subentries,) = await self.websocket(session, {"type": "config_entries/subentries/list", "entry_id": entry_id})
        have = {subentry["unique_id"] for subentry in subentries}
        for camera, mode in CAMERAS.items():
            if camera_unique_id(f"camera.{camera}", mode) in have:
                continue
            await self.wait_loaded(session)
            data = {
                "camera_entity_id": f"camera.{camera}",
                "mode": mode,
                "groups": [GROUP] if mode == "identify" else [],
                "threshold": 80,
                "max_faces": 3,
                "scan_interval": 0,
            }
            await self.flow(session, "/api/config/config_entries/subentries/flow", [entry_id, "camera"], data)

    async def action(
        self, session: aiohttp.ClientSession, service: str, data: dict[str, Any], response: bool = False
    ) -> Any:
        path = f"/api/services/baidu_face/{service}" + ("?return_response" if response else "")
        return await self.call(session, "POST", path, data)

    async def enrol(self, session: aiohttp.ClientSession) -> None:
        """Register every person in enroll/ through the integration's register_user action."""
        if not self.photos:
            return
        await self.wait_loaded(session)
        known = set()
        groups = await self.action(session, "list_groups", {}, response=True)
        if GROUP in groups["service_response"]["groups"]:  # asking for a missing group logs an error
            users = await self.action(session, "list_group_users", {"group_id": GROUP}, response=True)
            known = {u["uid"] for u in users["service_response"]["users"]}
        for photo in sorted((self.state / "photos" / "enroll").glob("*.jpg")):
            person = photo.stem.rsplit("_", 1)[0]
            if person in known:  # enrolled on an earlier run
                continue
            data = {
                "uid": person,
                "user_info": person.replace("_", " ").title(),
                "groups": [GROUP],
                "image_path": str(photo.resolve()),
            }
            try:
                await self.action(session, "register_user", data)
            except RuntimeError as err:
                log(f"could not enrol {photo.name}: {err}")
            else:
                log(f"enrolled {photo.name} as {person}")

    async def play(self) -> None:
        """Change what the cameras show every few seconds (a small photo player)."""
        photos = self.probe_photos()
        if not photos:
            return
        cycles = {camera: itertools.cycle(photos[i:] + photos[:i]) for i, camera in enumerate(CAMERAS)}
        while True:
            for camera, cycle in cycles.items():
                frame = self.frames / f"{camera}.jpg"
                temporary = frame.with_suffix(".tmp")
                shutil.copy(next(cycle), temporary)
                temporary.replace(frame)  # atomic: a scan never reads half a file
            await asyncio.sleep(FRAME_SECONDS)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Start everything; yield the config entry id; stop everything on exit."""
        for port in (self.port, self.baidu_port):
            if not free(port):
                raise RuntimeError(f"port {port} is in use (is another demo running?)")
        self.state.mkdir(parents=True, exist_ok=True)
        self.prepare_files()
        python = sys.executable
        await self.spawn(
            "baidu_face_server", python, "-m", "baidu_face_server", "--port", str(self.baidu_port),
            "--db", str(self.state / "faces.sqlite3"), "--app", f"{API_KEY}:{SECRET_KEY}",
        )  # fmt: skip
        hass = str(Path(python).with_name("hass"))
        await self.spawn("home_assistant", hass, "-c", str(self.config), "--skip-pip", "--log-no-color")
        try:
            async with aiohttp.ClientSession() as session:
                await self.wait_for(session, self.baidu_url + "/oauth/2.0/token", 60)
                await self.wait_for(session, self.url + "/api/onboarding", 240)
                await self.log_in(session)
                await self.remove_online_extras(session)
                await self.add_cameras(session)
                entry_id = ""
                if self.configure_integration:
                    entry_id = await self.configure(session)
                    await self.enrol(session)
            yield entry_id
        finally:
            await self.stop()


def _blank() -> Path:
    from PIL import Image

    path = Path(os.environ.get("TMPDIR", "/tmp")) / "baidu_face_demo_blank.jpg"  # noqa: S108
    Image.new("RGB", (640, 360), (90, 110, 130)).save(path)
    return path


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=SAMPLE_FACES, help="folder with enroll/ and probe/")
    parser.add_argument("--state", type=Path, default=ROOT / "state", help="where the demo keeps its state")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--baidu-port", type=int, default=8300)
    args = parser.parse_args(argv)
    demo = Demo(args.state.resolve(), args.photos, args.port, args.baidu_port)
    started = time.monotonic()
    async with demo.running():
        log(f"ready in {time.monotonic() - started:.0f} s")
        print(
            f"\n  Home Assistant: {demo.url}\n  Login:          {DEMO_USER} / {DEMO_PASSWORD}\n"
            f"  Baidu server:   {demo.baidu_url} (app {API_KEY} / {SECRET_KEY})\n"
            f"  Cameras scan every {SCAN_SECONDS} s; see Logbook for recognitions. Ctrl-C stops.\n",
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        player = asyncio.create_task(demo.play())
        await stop.wait()
        player.cancel()
        log("stopping")


if __name__ == "__main__":
    asyncio.run(main())
