"""Frigate's side: the fake Frigate, a real mosquitto and Home Assistant's real MQTT integration."""

from __future__ import annotations

import pytest

from tests.frigate.fixtures import frigate, frigate_authenticated, mosquitto, mqtt_entry

__all__ = ["frigate", "frigate_authenticated", "mosquitto", "mqtt_entry"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    return None
