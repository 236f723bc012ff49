"""MQTT is optional: a user without it sets the integration up as before, and nothing of MQTT is loaded."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable

import homeassistant.components
import pytest
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.baidu_face.frigate_events import async_listen_events
from tests.integration.test_packaging import INTEGRATION

Setup = Callable[..., Awaitable[MockConfigEntry]]


def test_mqtt_is_an_after_dependency_only() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert "mqtt" in manifest["after_dependencies"]
    assert "mqtt" not in manifest["dependencies"]
    # Nothing imports MQTT at module level: it is imported where a user set it up.
    for path in INTEGRATION.glob("*.py"):
        top_level = [line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))]
        assert not [line for line in top_level if "components.mqtt" in line or "paho" in line], path.name


async def test_sets_up_without_mqtt(hass: HomeAssistant, setup_entry: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    # As where MQTT's requirements were never installed: importing it fails.
    monkeypatch.setitem(sys.modules, "homeassistant.components.mqtt", None)
    monkeypatch.delattr(homeassistant.components, "mqtt", raising=False)
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.LOADED
    assert "mqtt" not in hass.config.components
    assert await async_listen_events(hass, "frigate", lambda event: None) is None
    assert "mqtt" not in hass.config.components


async def test_sets_up_with_mqtt_disabled(hass: HomeAssistant, setup_entry: Setup) -> None:
    MockConfigEntry(domain="mqtt", data={"broker": "127.0.0.1"}, disabled_by=ConfigEntryDisabler.USER).add_to_hass(hass)
    entry = await setup_entry()
    assert entry.state is ConfigEntryState.LOADED
    assert "mqtt" not in hass.config.components
    assert await async_listen_events(hass, "frigate", lambda event: None) is None
