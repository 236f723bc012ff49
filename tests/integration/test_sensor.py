"""The usage sensors: what they count (against the local server) and how they look (snapshot)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from unittest.mock import MagicMock, patch

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .conftest import state

Setup = Callable[..., Awaitable[MockConfigEntry]]


async def test_the_usage_sensors(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Callable[[str], Awaitable[None]]
) -> None:
    await setup_entry()
    prefix = "sensor.baidu_face_127_0_0_1_"
    # The API-version probe at setup lists groups, the start-up read of the people lists
    # the default group's users: one call of each API; token requests are free.
    assert state(hass, prefix + "calls_this_month").state == "2"
    for frame in ("probe/obama.jpg", "probe/kit_harington.jpg"):  # two frames: the change gate sends both
        await door_camera(frame)
        await hass.services.async_call(
            "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
        )
    month = state(hass, prefix + "calls_this_month")
    assert month.state == "4"
    assert month.attributes["multi-search"] == 2
    assert month.attributes["faceset/group/getlist"] == 1
    assert month.attributes["faceset/group/getusers"] == 1
    assert "token" not in month.attributes
    assert state(hass, prefix + "calls_today").state == "4"
    # The free personal plan by default: 1,000 calls a month for each API.
    remaining = state(hass, prefix + "remaining_this_month")
    assert remaining.state == "998"
    assert remaining.attributes["multi-search"] == 998
    assert remaining.attributes["faceset/group/getlist"] == 999


@pytest.mark.parametrize("camera_subentries", [[]])
async def test_sensor_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    with patch("custom_components.baidu_face.PLATFORMS", [Platform.SENSOR]):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)
