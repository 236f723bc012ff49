"""Fixtures for Frigate tests: a real MQTT broker, Home Assistant's real MQTT integration, the fake Frigate.

tests/frigate/conftest.py imports them; another suite reuses them the same way:

    from tests.frigate.fixtures import frigate, frigate_authenticated, mosquitto, mqtt_entry  # noqa: F401
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import paho.mqtt.publish
import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from scripts.fake_frigate import FakeFrigate
from scripts.mosquitto import Broker, running_mosquitto

WAIT_SECONDS = 10.0


@pytest.fixture
def mosquitto(socket_enabled: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """Run Debian's mosquitto on a free loopback port for one test."""
    with running_mosquitto(tmp_path_factory.mktemp("mosquitto")) as broker:
        yield broker


@pytest.fixture
async def mqtt_entry(hass: HomeAssistant, mosquitto: Broker) -> AsyncIterator[MockConfigEntry]:
    """Set up Home Assistant's real MQTT integration (its paho client) against `mosquitto`, connected."""
    from homeassistant.components.mqtt.models import DATA_MQTT

    # MQTT reads configuration.yaml for its YAML items: an empty one, as a new install has.
    await hass.async_add_executor_job(Path(hass.config.path("configuration.yaml")).touch)
    entry = MockConfigEntry(
        domain="mqtt", data={"broker": "127.0.0.1", "port": mosquitto.port}, version=1, minor_version=2, title="MQTT"
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await until(lambda: hass.data[DATA_MQTT].client.connected, lambda: f"MQTT did not connect:\n{mosquitto.log_text()}")
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)


async def until(condition: Callable[[], object], failure: Callable[[], str]) -> None:
    """Return once `condition()` holds; fail with `failure()` after WAIT_SECONDS."""
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not condition():  # noqa: ASYNC110 - a broker's log and a paho flag have no event to wait on
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(failure()) from None


async def wait_for_subscription(broker: Broker, topic: str) -> None:
    """Return once the broker has a subscription to `topic` (Home Assistant subscribes a moment after asking)."""
    await until(
        lambda: f"\t{topic} (QoS" in broker.log_text(), lambda: f"nobody subscribed to {topic}:\n{broker.log_text()}"
    )


async def publish(hass: HomeAssistant, broker: Broker, topic: str, payload: str | bytes) -> None:
    """Publish `payload` on `topic` as Frigate does: another MQTT client, through the broker."""
    await hass.async_add_executor_job(
        lambda: paho.mqtt.publish.single(topic, payload, hostname="127.0.0.1", port=broker.port)
    )


@pytest.fixture
async def frigate(socket_enabled: None) -> AsyncIterator[FakeFrigate]:
    """Run the fake Frigate as its internal port (5000) is: no login, every caller an admin."""
    async with FakeFrigate() as fake:
        yield fake


@pytest.fixture
async def frigate_authenticated(
    socket_enabled: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FakeFrigate]:
    """Run the fake Frigate as its authenticated port (8971) is: TLS with a self-signed certificate, JWT logins.

    Users: "admin" (password "correct horse", role admin) and "viewer" ("battery staple", role viewer).
    """
    users = {"admin": ("correct horse", "admin"), "viewer": ("battery staple", "viewer")}
    async with FakeFrigate(authenticated=True, tls_directory=tmp_path_factory.mktemp("tls"), users=users) as fake:
        yield fake
