"""A person's first sessions, in a real browser: add the integration and a camera; then the demo's dashboard.

Log in, add the integration and a camera through Home Assistant's own UI, scan, and see who is there.
On the running demo: open its dashboard, see a person's card and an annotated "Last scan", browse
the stranger's visitor folder in the Media panel, ignore the visitor and enrol them from the
dashboard's buttons, and see the new person recognised.

Runs a real Home Assistant (hass) and the local Baidu server as processes, like the demo,
and drives Debian's chromium headless with Playwright. Screenshots of each step are saved
in artifacts/browser/.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from custom_components.baidu_face.image import _drawable, label_font
from sample_faces.frames import frame_with
from scripts.demo import API_KEY, CHINESE_NAMES, DEMO_PASSWORD, DEMO_USER, SECRET_KEY, Demo
from scripts.demo_dashboard import read_registries
from scripts.hass_driver import HassClient
from scripts.photo_player import show, show_bytes
from tests.demo.scans import has_boxes, last_scan, wait_for_boxes
from tests.faces import FACES, PEOPLE, STRANGER, build_face_set

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
# This machine's network is closed: keep chromium from reaching out.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# The demo's cameras show each photo once in about 80 s: anyone is seen within this.
SIGHTING_MS = 150_000
# The person a dashboard Enroll button makes (scripts/demo_dashboard.py: GUEST_UID and its name).
GUEST = re.compile(r"Guest \d\d-\d\d \d\d:\d\d")
RECOGNITION = "image_processing.front_door_recognised_person"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and os.environ.get("CI") != "true",
    reason="needs Debian's chromium (apt-get install chromium); .ci/run installs it",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def home_assistant(socket_enabled: None, tmp_path: Path) -> AsyncIterator[tuple[Demo, HassClient]]:
    """Home Assistant and the local server, onboarded, with a front door camera; no Baidu Face entry yet."""
    state = tmp_path / "state"
    state.mkdir()
    build_face_set(state / "faces.sqlite3", [API_KEY])
    # Without the Frigate camera: these stories are the front door's (test_demo.py runs the garden).
    demo = Demo(
        state, FACES, port=free_port(), baidu_port=free_port(), configure_integration=False, frigate_camera=False
    )
    async with demo.running() as hass:
        yield demo, hass


@contextlib.asynccontextmanager
async def playing(demo: Demo) -> AsyncIterator[HassClient]:
    """Run `demo` with its cameras playing, as `scripts/demo` does, until the block ends."""
    async with demo.running() as hass:
        player = asyncio.create_task(demo.player(hass).play())
        try:
            yield hass
        finally:
            player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await player


@pytest.fixture
async def running_demo(socket_enabled: None, tmp_path: Path) -> AsyncIterator[tuple[Demo, HassClient]]:
    """Run the demo as `scripts/demo` does: people enrolled, cameras playing, its dashboard."""
    demo = Demo(tmp_path / "state", FACES, port=free_port(), baidu_port=free_port(), frigate_camera=False)
    async with playing(demo) as hass:
        yield demo, hass


async def wait_for_visitor(hass: HassClient, sensor: str) -> None:
    """Wait until the entry's Visitors sensor counts a visitor (the demo's stranger, once seen)."""
    for _ in range(SIGHTING_MS // 1000):
        if (await hass.state(sensor))["state"] not in ("0", "unknown", "unavailable"):
            return
        await asyncio.sleep(1)
    raise AssertionError(f"no visitor after {SIGHTING_MS // 1000} s")


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png")


async def log_in(page: Page, demo: Demo, screenshot: str | None = None) -> None:
    await page.goto(demo.url)
    await page.get_by_role("textbox", name="Username").fill(DEMO_USER)
    await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    if screenshot:
        await shot(page, screenshot)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(lambda url: "auth_callback" not in url and "/auth/" not in url)
    # The tokens are stored once the sidebar is up: a page opened earlier asks to log in again.
    await expect(page.locator("ha-sidebar")).to_be_visible()


async def set_language(page: Page, language: str) -> None:
    """Set the signed-in user's language (as their profile page does), then load the page again in it."""
    await page.evaluate(
        """language => document.querySelector("home-assistant").hass.connection.sendMessagePromise({
            type: "frontend/set_user_data", key: "language",
            value: {language, number_format: "language", time_format: "language", date_format: "language",
                    time_zone: "local", first_weekday: "language"},
        })""",
        language,
    )
    await page.evaluate("language => localStorage.setItem('selectedLanguage', JSON.stringify(language))", language)
    await page.reload()


async def scan_front_door(hass: HassClient) -> dict[str, Any]:
    """Scan the front door once; the recognition entity's state after it."""
    await hass.action("image_processing", "scan", {"entity_id": RECOGNITION})
    return await hass.state(RECOGNITION)


async def test_add_the_integration_and_a_camera_then_see_who_is_at_the_door(
    home_assistant: tuple[Demo, HassClient],
) -> None:
    demo, hass = home_assistant
    show(demo.frame("front_door"), FACES / "probe" / "obama.jpg")
    for old in ARTIFACTS.glob("0*.png"):
        old.unlink()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        try:
            await log_in(page, demo, "01_login")

            await page.goto(demo.url + "/config/integrations/dashboard")
            await page.get_by_text("Add integration").first.click()
            # Typing before the dialog is open would reach the page's keyboard shortcuts.
            await expect(page.get_by_text("Select brand")).to_be_visible()
            await page.keyboard.type("Baidu Face")
            await page.locator("ha-integration-list-item", has_text="Baidu Face").click()
            await page.get_by_role("textbox", name="API key").fill(API_KEY)
            await page.get_by_role("textbox", name="Secret key").fill(SECRET_KEY)
            await page.get_by_role("textbox", name="Endpoint").fill(demo.baidu_url)
            await shot(page, "02_config_flow")
            await page.get_by_role("button", name="Submit").click()
            await expect(page.get_by_text("Face API V3")).to_be_visible()
            await shot(page, "03_entry_created")

            await page.goto(demo.url + "/config/integrations/integration/baidu_face")
            await page.get_by_role("button", name="Add camera").first.click()
            await expect(page.get_by_text("Recognize faces on a camera")).to_be_visible()
            await page.get_by_text("Select an entity").click()
            await page.get_by_text("Front door", exact=True).first.click()
            await page.get_by_text("Groups to search").click()
            await page.get_by_text("family", exact=True).click()
            # How the camera decides, and that liveness needs Baidu's cloud (this entry is the local server).
            await expect(page.get_by_text("Frames to confirm").first).to_be_visible()
            await expect(page.get_by_text("Door preset").first).to_be_visible()
            await expect(page.get_by_text("Liveness needs Baidu's cloud").first).to_be_visible()
            await shot(page, "04_camera_subentry")
            await page.get_by_role("button", name="Submit").click()
            await expect(page.get_by_text("Created configuration for Front door")).to_be_visible()
            await shot(page, "05_camera_added")

            # The front door shows obama.jpg and nothing scans on its own in this set-up:
            # scan it from Developer tools, as a person trying an automation's action would.
            await page.goto(demo.url + "/developer-tools/action")
            await page.get_by_role("button", name="YAML mode").click()
            await page.locator("ha-code-editor .cm-content").click()
            await page.keyboard.press("Control+a")
            # insert_text, not type: the editor would auto-indent typed new lines.
            await page.keyboard.insert_text(
                "action: image_processing.scan\ntarget:\n  entity_id: image_processing.front_door_recognised_person\n"
            )
            await shot(page, "06_scan_action")
            await page.get_by_role("button", name="Perform action").click()
            # The button turns green once Home Assistant has run the action.
            await expect(page.locator("ha-progress-button ha-button.success")).to_be_attached()
            await page.goto(demo.url + "/developer-tools/state")
            await page.get_by_role("textbox", name="Filter entities").fill("image_processing.front_door")
            await expect(page.get_by_text("Obama").first).to_be_visible()
            await shot(page, "07_recognised")
            state = await hass.state(RECOGNITION)
            assert [face["uid"] for face in state["attributes"]["faces"]] == ["obama"]

            # Who is there, on the camera's device page, in English and Chinese (issue 23: a stranger
            # and an empty doorway were both "Unknown").
            (entity,) = await hass.websocket({"type": "config/entity_registry/get", "entity_id": RECOGNITION})
            device_page = f"{demo.url}/config/devices/device/{entity['device_id']}"
            show(demo.frame("front_door"), FACES / STRANGER)
            assert (await scan_front_door(hass))["state"] == "stranger"
            await page.goto(device_page)
            await expect(page.get_by_text("Stranger", exact=True).first).to_be_visible()
            await shot(page, "07a_stranger")
            show_bytes(demo.frame("front_door"), frame_with([])[0])
            assert (await scan_front_door(hass))["state"] == "nobody"
            await expect(page.get_by_text("Nobody", exact=True).first).to_be_visible()
            await shot(page, "07b_nobody")
            await set_language(page, "zh-Hans")
            await expect(page.get_by_text("无人", exact=True).first).to_be_visible()
            await shot(page, "07c_nobody_zh_hans")
            await set_language(page, "en")
        finally:
            await shot(page, "99_last_page")
            await browser.close()


async def shows_a_picture(image: Locator, seconds: float = 120) -> None:
    """Wait until an <img> (re-rendered as its entity changes) shows a decoded picture."""
    async with asyncio.timeout(seconds):
        while True:
            if await image.evaluate("img => img.complete && img.naturalWidth > 0"):
                return
            await asyncio.sleep(0.5)


async def test_the_demo_dashboard_shows_people_and_scans_and_enrols_an_unknown_face(
    running_demo: tuple[Demo, HassClient],
) -> None:
    demo, hass = running_demo
    assert demo.dashboard is not None
    for old in ARTIFACTS.glob("[1-9]*.png"):
        old.unlink()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(30_000)
        try:
            await log_in(page, demo)
            await page.goto(demo.url + demo.dashboard.path)
            # A recognised person: Obama's card says where he was last seen.
            obama = page.locator("hui-entities-card", has_text="Obama")
            await expect(obama.get_by_text("Front door").first).to_be_visible(timeout=SIGHTING_MS)
            # His tracker (for person.*) leads the card: home, its picture the latest crop of him, which
            # the browser loads on its signed link (the crops are for signed-in users: no header here).
            # The row puts its state before its name.
            await expect(obama).to_contain_text(re.compile(r"Home\s*Presence"), timeout=SIGHTING_MS)
            badge = obama.locator("state-badge").first
            await expect(badge).to_have_attribute("style", re.compile(r"/api/baidu_face/.+authSig="))
            tracker = await hass.state("device_tracker.obama")
            fetch = "url => fetch(url, {credentials: 'omit'}).then(response => response.status)"
            assert await page.evaluate(fetch, tracker["attributes"]["entity_picture"]) == 200
            # The front door's Last scan, with boxes and names (a visit with nobody in frame leaves none):
            # shown once the picture has them, and still had them when the screenshot was taken.
            scan = page.locator("hui-picture-entity-card", has_text="Front door: last scan").locator("img")
            unknown = page.locator("hui-picture-entity-card", has_text="Front door: last unknown face").locator("img")
            for _ in range(3):
                await wait_for_boxes(hass, "front_door", SIGHTING_MS / 1000)
                await page.reload()
                await expect(scan).to_have_attribute("src", re.compile(r"/api/image_proxy/image\.front_door_last_scan"))
                await shows_a_picture(scan)
                await shows_a_picture(unknown)
                await shot(page, "08_dashboard")
                if await asyncio.to_thread(has_boxes, await last_scan(hass, "front_door")):
                    break
            # Above the front door's last scan, who is there now, as the frontend words it: a name, or
            # (each in its turn as the demo plays) Stranger or Nobody, never "Unknown" once visits ran.
            who = page.locator("hui-vertical-stack-card", has_text="Front door: last scan").locator("hui-tile-card")
            await expect(who).to_contain_text("Recognized person")
            await expect(who).to_contain_text(re.compile(r"\b(Stranger|Nobody)\b"), timeout=SIGHTING_MS)
            await shot(page, "08a_dashboard_who_is_there")

            # The stranger is remembered as a visitor: their crops in the Media panel, under Visitors.
            _, _, sensor = await read_registries(hass)
            assert sensor is not None
            await wait_for_visitor(hass, sensor)
            await page.goto(demo.url + "/media-browser")
            folders = page.locator("ha-media-player-browse .child")
            await folders.filter(has_text="Baidu Face").click()
            await expect(folders.filter(has_text="Unknown faces")).to_be_visible()
            await folders.filter(has_text="Visitors").click()
            await folders.filter(has_text=re.compile(r"Visitor \d+ — \d+ visits?")).first.click()
            await expect(page.locator("ha-media-player-browse .child", has_text="Front door").first).to_be_visible()
            await shot(page, "09_media_visitor")

            # The latest visitor on the dashboard, with their visits: Ignore, then Enroll from their buttons.
            await page.goto(demo.url + demo.dashboard.path)
            latest = page.locator("hui-conditional-card").filter(has_text=re.compile(r"Visitor \d+")).first
            await expect(latest).to_contain_text(re.compile(r"Visits: \d+, first seen"))
            await shot(page, "10_dashboard_visitors")
            await latest.locator("hui-button-card", has_text="Ignore").click()
            await expect(latest).to_contain_text("ignored: counted, not announced")
            await shot(page, "10a_visitor_ignored")
            assert (await hass.state(sensor))["attributes"]["visitors"][0]["ignored"] is True
            # The front door's own button is there too (its last unknown face), under the same word.
            camera_button = page.locator("hui-vertical-stack-card", has_text="Front door: last unknown face")
            await expect(camera_button.locator("hui-button-card", has_text="Enroll as a guest")).to_be_visible()
            await latest.locator("hui-button-card", has_text="Enroll as a guest").click()
            # A new person, named after the minute the button was pressed ("Guest 12-03 10:02").
            guest = page.locator("hui-entities-card", has_text=GUEST)
            await expect(guest.get_by_text("Front door").first).to_be_visible(timeout=SIGHTING_MS)
            await shot(page, "11_enrolled")
            people, _, _ = await read_registries(hass)
            (enrolled,) = [person for person in people if GUEST.fullmatch(person.name)]
            (last_seen,) = [row["entity"] for row in enrolled.rows if row["entity"].endswith("_last_seen")]
            assert (await hass.state(last_seen))["attributes"]["camera_entity_id"] == "camera.front_door"
            assert (await hass.state(last_seen))["attributes"]["uid"].startswith("guest_")
        finally:
            await shot(page, "99_last_page")
            await browser.close()


@pytest.fixture
async def chinese_demo(socket_enabled: None, tmp_path: Path) -> AsyncIterator[tuple[Demo, HassClient]]:
    """Run the demo with Home Assistant (the server) in Chinese: scripts/demo --language zh-Hans."""
    demo = Demo(
        tmp_path / "state", FACES, port=free_port(), baidu_port=free_port(), language="zh-Hans", frigate_camera=False
    )
    async with playing(demo) as hass:
        yield demo, hass


async def test_in_chinese_activity_media_devices_and_the_dashboard_speak_chinese(
    chinese_demo: tuple[Demo, HassClient],
) -> None:
    demo, hass = chinese_demo
    assert demo.dashboard is not None
    for old in ARTIFACTS.glob("2*.png"):
        old.unlink()
    # The user's profile in Chinese too (the frontend's own words); what the integration writes
    # follows the server's language alone.
    language = {"language": "zh-Hans", "number_format": "language", "time_format": "language"}
    await hass.websocket({"type": "frontend/set_user_data", "key": "language", "value": language})
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(30_000)
        try:
            await log_in(page, demo)
            # Activity: one line per announcement, in Chinese, on its camera.
            await page.goto(demo.url + "/logbook")
            line = page.get_by_text(re.compile(r"认出了 .+（分数 \d+\.\d）")).first  # noqa: RUF001
            await expect(line).to_be_visible(timeout=SIGHTING_MS)
            await shot(page, "20_activity_zh")

            await page.goto(demo.url + "/media-browser")
            folders = page.locator("ha-media-player-browse .child")
            await folders.filter(has_text="Baidu Face").click()
            await expect(folders.filter(has_text="未知人脸")).to_be_visible()
            await expect(folders.filter(has_text="已识别")).to_be_visible()
            await shot(page, "21_media_zh")
            await folders.filter(has_text="已识别").click()
            # A recognized face's item is titled by the person's name, as the household wrote it (奥巴马).
            names = "|".join(CHINESE_NAMES[person] for person in PEOPLE)
            item = page.locator("ha-media-player-browse .child", has_text=re.compile(rf"^\s*({names}) · "))
            await expect(item.first).to_be_visible()
            await shot(page, "22_media_recognized_zh")

            (devices,) = await hass.websocket({"type": "config/device_registry/list"})
            obama = next(device for device in devices if device["name"] == "奥巴马")
            assert obama["model"] == "人员"
            await page.goto(f"{demo.url}/config/devices/device/{obama['id']}")
            await expect(page.get_by_text("人员").first).to_be_visible()
            await shot(page, "23_person_device_zh")

            await page.goto(demo.url + demo.dashboard.path)
            await expect(page.get_by_text("Front door：上次扫描")).to_be_visible()  # noqa: RUF001
            await expect(page.get_by_text("注册为客人").first).to_be_visible()
            await shot(page, "24_dashboard_zh")

            # The front door's Last scan labels the face with its Chinese name, in glyphs the label font has
            # (not the uid it falls back to): shown whole in 25_last_scan_zh.png.
            assert all(_drawable(label_font(38), name) == name for name in CHINESE_NAMES.values())
            event = await hass.state("event.front_door_face")
            if event["attributes"]["event_type"] == "recognized":
                assert event["attributes"]["name"] in CHINESE_NAMES.values()
            picture = (await hass.state("image.front_door_last_scan"))["attributes"]["entity_picture"]
            await page.goto(demo.url + picture)
            await shot(page, "25_last_scan_zh")
        finally:
            await shot(page, "99_last_page")
            await browser.close()
