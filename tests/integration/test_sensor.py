"""The API-calls sensor: what it counts (against the local server) and how it looks (snapshot)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .conftest import state

Setup = Callable[..., Awaitable[MockConfigEntry]]


async def test_the_call_counter(
    hass: HomeAssistant, setup_entry: Setup, door_camera: Callable[[str], Awaitable[None]]
) -> None:
    await setup_entry()
    counter = "sensor.baidu_face_127_0_0_1_api_calls"
    assert state(hass, counter).state == "1"  # the API-version probe at setup
    for frame in ("probe/obama.jpg", "probe/kit_harington.jpg"):  # two frames: the change gate sends both
        await door_camera(frame)
        await hass.services.async_call(
            "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
        )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    counted = state(hass, counter)
    assert counted.state == "3"
    assert counted.attributes["identify"] == 2
    assert counted.attributes["token"] == 1


@pytest.mark.parametrize("camera_subentries", [[]])
async def test_sensor_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
