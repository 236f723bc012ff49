"""Test set-up shared by every suite: the local Baidu Face server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

# pytest-homeassistant-custom-component ships a `custom_components` package of its
# own; importing ours first makes Home Assistant find the integration.
import custom_components.baidu_face  # noqa: F401
from baidu_face_server import App, running_server
from baidu_face_server.server import RunningServer

BOTH = App("both_key", "both_secret")
V3_ONLY = ("v3_key", "v3_secret")
V2_ONLY = ("v2_key", "v2_secret")


def apps() -> list[App]:
    return [
        App(BOTH.api_key, BOTH.secret_key),
        App(*V3_ONLY, dialects=frozenset({"v3"})),
        App(*V2_ONLY, dialects=frozenset({"v2"})),
    ]


@pytest.fixture
def hass_config_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Give each Home Assistant test an empty config directory of its own: the integration keeps face crops there."""
    return str(tmp_path_factory.mktemp("config"))


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[RunningServer]:
    """Run the local server on a free loopback port (HA's test plugin blocks sockets unless asked)."""
    async with running_server(apps()) as running:
        yield running
