"""Given a door camera, when a visit recognizes someone, then Activity says so in one line, in the server's language."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.recorder.core import Recorder
from homeassistant.const import EVENT_LOGBOOK_ENTRY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import parse_yaml
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.baidu_face.const import DOMAIN
from scripts.demo import QUIET_ACTIVITY
from tests.faces import STRANGER, blank_image

from .conftest import camera_subentry

ROOT = Path(__file__).resolve().parents[2]
IDENTIFY = "image_processing.door_recognised_person"
DETECT = "image_processing.door_faces"
Setup = Callable[..., Awaitable[MockConfigEntry]]
Show = Callable[[str], Awaitable[None]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_mock: Recorder, enable_custom_integrations: None) -> None:
    """Start the recorder before Home Assistant (the logbook reads what it recorded)."""


def readme_logbook(readme: str) -> dict[str, Any]:
    """Return the logbook configuration README gives for a quiet Activity (what the demo uses too)."""
    blocks = re.findall(r"```yaml\n(logbook:\n.*?)```", (ROOT / readme).read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, readme
    config = parse_yaml(blocks[0])
    assert isinstance(config, dict)
    return config


async def setup_door(setup_entry: Setup) -> MockConfigEntry:
    # Both modes on one camera: the detect camera's empty frames must stay out of Activity too.
    cameras = [
        camera_subentry("camera.door", change_threshold=0),
        camera_subentry("camera.door", mode="detect", change_threshold=0),
    ]
    return await setup_entry(subentries=cameras)


async def visit(hass: HomeAssistant) -> None:
    for camera in (IDENTIFY, DETECT):
        await hass.services.async_call("image_processing", "scan", {"entity_id": camera}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


async def show_nobody(hass: HomeAssistant, folder: Path) -> None:
    frame = folder / "nobody.jpg"
    frame.write_bytes(blank_image(640, 480))
    await hass.services.async_call(
        "local_file", "update_file_path", {"entity_id": "camera.door", "file_path": str(frame)}, blocking=True
    )


async def activity(hass: HomeAssistant, client: ClientSessionGenerator, since: str) -> list[dict[str, Any]]:
    """Return Activity's lines since `since`, through Home Assistant's logbook API."""
    await async_wait_recording_done(hass)
    response = await (await client()).get(f"/api/logbook/{since}")
    assert response.status == 200
    lines: list[dict[str, Any]] = await response.json()
    return lines


@pytest.mark.parametrize("configured", [False, True], ids=["default", "readme"])
async def test_a_recognition_is_one_line_in_activity(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Show,
    hass_client: ClientSessionGenerator,
    tmp_path: Path,
    configured: bool,
) -> None:
    assert readme_logbook("docs/configuration.md") == readme_logbook("docs/configuration.zh-Hans.md")
    # The demo keeps Activity as README says.
    assert tuple(readme_logbook("docs/configuration.md")["logbook"]["exclude"]["entity_globs"]) == QUIET_ACTIVITY
    config = readme_logbook("docs/configuration.md") if configured else {"logbook": {}}
    assert await async_setup_component(hass, "logbook", config)
    await setup_door(setup_entry)
    await async_wait_recording_done(hass)

    since = dt_util.utcnow().isoformat()
    await visit(hass)  # Obama at the door
    await door_camera(STRANGER)
    await visit(hass)
    await show_nobody(hass, tmp_path)
    await visit(hass)  # nobody: the detect camera's count drops to 0
    lines = await activity(hass, hass_client, since)

    ours = [line for line in lines if line.get("domain") == DOMAIN]
    assert [(line["name"], line["entity_id"]) for line in ours] == [
        ("Obama", "camera.door"),
        ("Visitor 1", "camera.door"),  # the stranger, remembered as a visitor at once
    ]
    # Activity shows each line as "<camera's name> <message>": "Door recognized Obama (score 97.4)".
    assert re.fullmatch(r"recognized Obama \(score 9\d\.\d\)", ours[0]["message"]), ours[0]
    assert re.fullmatch(r"saw Visitor 1, an unknown face \(visit 1, best score \d\d\.\d\)", ours[1]["message"]), ours[1]
    others = [line["entity_id"] for line in lines if line.get("domain") != DOMAIN]
    print(f"\nActivity, {'README' if configured else 'default'} logbook configuration: {len(lines)} lines for 3 visits")
    if configured:
        # One line per announcement, and nothing else: no state flips of the cameras or the people's
        # entities, but the tracker's arrival (Home Assistant's presence line, kept on purpose: docs/configuration.md).
        assert others == ["device_tracker.obama"]
    else:
        # What Home Assistant itself writes for the state changes (an integration cannot opt out).
        assert DETECT in others
        assert IDENTIFY in others


async def test_activity_and_devices_speak_home_assistants_language(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Show
) -> None:
    hass.config.language = "zh-Hans"
    lines = async_capture_events(hass, EVENT_LOGBOOK_ENTRY)
    entry = await setup_door(setup_entry)
    await visit(hass)
    await door_camera(STRANGER)
    await visit(hass)
    assert [line.data["name"] for line in lines] == ["Obama", "访客 1"]
    # Chinese punctuation: full-width parentheses.
    assert re.fullmatch(r"认出了 Obama（分数 9\d\.\d）", lines[0].data["message"]), lines[0].data  # noqa: RUF001
    visitor_line = r"看到 访客 1，一张陌生人脸（第 1 次来访，最高分数 \d\d\.\d）"  # noqa: RUF001
    assert re.fullmatch(visitor_line, lines[1].data["message"]), lines[1].data
    models = {device.model for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)}
    assert models == {"人脸识别 API V3", "人脸识别", "人员"}
    # What tells a person's device apart whatever the language (the actions' device selectors filter on it).
    people = [d for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id) if d.model == "人员"]
    assert {device.model_id for device in people} == {"person"}
