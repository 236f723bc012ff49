"""The shipped blueprints load in Home Assistant and do what they say on a real recognition."""

from __future__ import annotations

import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.baidu_face.const import DOMAIN

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints" / "automation" / DOMAIN
DOOR = "image_processing.door_recognised_person"


def install_blueprints(hass: HomeAssistant) -> None:
    target = Path(hass.config.path("blueprints", "automation", DOMAIN))
    target.mkdir(parents=True, exist_ok=True)
    for blueprint in BLUEPRINTS.glob("*.yaml"):
        shutil.copy(blueprint, target / blueprint.name)


async def use(hass: HomeAssistant, blueprint: str, **inputs: object) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {"automation": {"use_blueprint": {"path": f"{DOMAIN}/{blueprint}", "input": {"recognizer": DOOR, **inputs}}}},
    )
    await hass.async_block_till_done()


async def scan(hass: HomeAssistant) -> None:
    await hass.services.async_call("image_processing", "scan", {"entity_id": DOOR}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


async def notifications(hass: HomeAssistant) -> list[Event]:
    """Capture the persistent notifications the automation creates, as they are called."""
    assert await async_setup_component(hass, "persistent_notification", {})
    calls: list[Event] = async_capture_events(hass, EVENT_CALL_SERVICE)
    return calls


def created(calls: list[Event]) -> list[dict[str, str]]:
    return [c.data["service_data"] for c in calls if c.data["domain"] == "persistent_notification"]


async def test_known_person_blueprint_notifies(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
) -> None:
    install_blueprints(hass)
    await setup_entry()
    calls = await notifications(hass)
    await use(hass, "notify_known_person.yaml", people=["obama"], cooldown=0)
    await scan(hass)
    (notice,) = created(calls)
    assert notice["title"] == "Obama is here"
    assert "camera.door" in notice["message"]

    # Someone not on the list is recognised, but is no reason to notify.
    await door_camera("probe/kit_harington.jpg")
    await scan(hass)
    assert len(created(calls)) == 1


async def test_unknown_face_blueprint_saves_a_snapshot(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
    tmp_path: Path,
) -> None:
    install_blueprints(hass)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await setup_entry()
    calls = await notifications(hass)
    await use(hass, "notify_unknown_face.yaml", folder=str(tmp_path), cooldown=0)
    await door_camera("probe/stranger_lin_manuel_miranda.png")
    await scan(hass)
    (notice,) = created(calls)
    assert notice["title"] == "Unknown visitor at camera.door"
    assert re.match(r"Best match score \d+(\.\d+)?\. ", notice["message"]), notice["message"]

    def saved() -> tuple[bytes, bytes]:
        (snapshot,) = tmp_path.glob("unknown_*.jpg")
        return snapshot.read_bytes(), (tmp_path / "stranger_lin_manuel_miranda.png").read_bytes()

    snapshot, shown = await hass.async_add_executor_job(saved)
    assert snapshot == shown
