"""A person's first session, in a real browser: add the integration and a camera, see who is at the door.

Log in, add the integration and a camera through Home Assistant's own UI, scan, and see who is there.

Runs a real Home Assistant (hass) and the local Baidu server as processes, like the demo,
and drives Debian's chromium headless with Playwright. Screenshots of each step are saved
in artifacts/browser/.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from scripts.demo import API_KEY, DEMO_PASSWORD, DEMO_USER, SECRET_KEY, Demo
from scripts.hass_driver import HassClient
from scripts.photo_player import show
from tests.faces import FACES, build_face_set

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
    demo = Demo(state, FACES, port=free_port(), baidu_port=free_port(), configure_integration=False)
    async with demo.running() as hass:
        yield demo, hass


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png")


async def test_add_the_integration_and_a_camera_then_see_who_is_at_the_door(
    home_assistant: tuple[Demo, HassClient],
) -> None:
    demo, hass = home_assistant
    show(demo.frame("front_door"), FACES / "probe" / "obama.jpg")
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        try:
            await page.goto(demo.url)
            await page.get_by_role("textbox", name="Username").fill(DEMO_USER)
            await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
            await shot(page, "01_login")
            await page.get_by_role("button", name="Log in").click()
            await page.wait_for_url(lambda url: "auth_callback" not in url and "/auth/" not in url)

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
            await expect(page.get_by_text("Recognise faces on a camera")).to_be_visible()
            await page.get_by_text("Select an entity").click()
            await page.get_by_text("Front door", exact=True).first.click()
            await page.get_by_text("Groups to search").click()
            await page.get_by_text("family", exact=True).click()
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
            state = await hass.state("image_processing.front_door_recognised_person")
            assert [face["uid"] for face in state["attributes"]["faces"]] == ["obama"]
        finally:
            await shot(page, "99_last_page")
            await browser.close()
