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


# The tests that mostly wait (a demo's first run, the browser, the fuzzes), longest first:
# `scripts/test` runs the suite on several workers (pytest-xdist), and a long test handed out
# last would leave the others idle while it ran alone. Serial runs are only reordered.
SLOW_FIRST = (
    "tests/demo/test_demo.py",
    "tests/browser/test_ui.py",
    "tests/demo/test_demo_runs_for_days.py",
    "tests/integration/test_fuzz.py",
    "tests/integration/test_scan_latency.py",
    "tests/server/test_fuzz.py",
    "tests/api/test_answer_fuzz.py",
    "tests/api/test_fuzz.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put SLOW_FIRST's tests first, in that order; a stable sort keeps every other order (and a module's)."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)


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
