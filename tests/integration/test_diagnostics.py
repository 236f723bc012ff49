"""Diagnostics: what support needs, never the keys or the token (nor in any log line)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from baidu_face_server.server import RunningServer
from tests.conftest import BOTH

Setup = Callable[..., Awaitable[MockConfigEntry]]


async def test_diagnostics_hide_the_keys_and_token(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_entry: Setup
) -> None:
    entry = await setup_entry()
    await hass.services.async_call(
        "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    token = await entry.runtime_data.client._transport.token()
    for secret in (BOTH.api_key, BOTH.secret_key, token):
        assert secret
        assert secret not in text
    assert diagnostics["entry"]["secret_key"] == "**REDACTED**"
    assert diagnostics["api_version"] == "v3"
    assert diagnostics["calls"]["identify"] == 1
    assert diagnostics["cameras"][0]["settings"]["camera_entity_id"] == "camera.door"


async def test_no_secret_in_any_log_line(
    hass: HomeAssistant,
    setup_entry: Setup,
    door_camera: Callable[[str], Awaitable[None]],
    baidu: RunningServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    entry = await setup_entry()
    await hass.services.async_call(
        "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
    )
    baidu.server.reset_secret(BOTH.api_key, "rotated")  # refusals get logged too
    await door_camera("probe/kit_harington.jpg")  # a new frame: the change gate sends it
    await hass.services.async_call(
        "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
    )
    await hass.async_block_till_done()
    token = await entry.runtime_data.client._transport.token()
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "Could not scan" in text
    for secret in (BOTH.secret_key, "rotated", token or "no token"):
        assert secret not in text
    assert "Detected blocking call" not in text


async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    assert await get_diagnostics_for_config_entry(hass, hass_client, init_integration) == snapshot
