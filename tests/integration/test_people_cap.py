"""Given a face set larger than the cap, only MAX_PEOPLE people get a device, and the log and diagnostics say so."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from baidu_face_server import running_server
from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import DOMAIN
from custom_components.baidu_face.people import MAX_PEOPLE
from tests.conftest import apps
from tests.faces import photo

from .conftest import FAMILY
from .test_people import EVERYONE, people_devices

Setup = Callable[..., Awaitable[MockConfigEntry]]
CROWD = MAX_PEOPLE + 10  # registered after the five sample people


def add_crowd(db: Path) -> None:
    """Register CROWD more people (one face each, the same photo) straight into the server's database."""
    from baidu_face_server.images import decode_image_bytes
    from baidu_face_server.server import shared_engine
    from baidu_face_server.store import FaceStore

    image = decode_image_bytes(photo("enroll/obama_1.jpg"))
    (face,) = shared_engine().analyze(image.pixels, image.data, 1)
    store = FaceStore(db)
    try:
        for number in range(CROWD):
            for app in apps():
                store.save_user(app.api_key, [FAMILY], f"crowd_{number:03}", None, face, replace_faces=False)
    finally:
        store.close()


@pytest.fixture
async def baidu(socket_enabled: None, enrolled_db: Path, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """Run the local server with the sample people and a crowd in group `family`."""
    db = tmp_path / "crowd.sqlite3"
    shutil.copy(enrolled_db, db)
    add_crowd(db)
    async with running_server(apps(), db) as server:
        yield server


async def test_the_cap_keeps_a_hundred_people_and_says_so_once(
    hass: HomeAssistant,
    setup_entry: Setup,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    entry = await setup_entry("v3")
    devices = people_devices(hass, entry)
    assert len(devices) == MAX_PEOPLE
    # The face set's order: the sample people were registered first.
    assert set(devices) >= EVERYONE
    warnings = [r for r in caplog.records if "only 100 get a device" in r.getMessage()]
    assert len(warnings) == 1
    assert f"holds {len(EVERYONE) + CROWD} people" in warnings[0].getMessage()

    # A refresh keeps the same people and does not log again.
    result: Any = await hass.services.async_call(DOMAIN, "refresh_people", {}, blocking=True, return_response=True)
    assert result["calls"] == 1
    assert {p["uid"] for p in result["people"]} == set(devices)
    assert len([r for r in caplog.records if "only 100 get a device" in r.getMessage()]) == 1

    # A registration beyond the cap makes no device either.
    await hass.services.async_call(
        DOMAIN, "register_user", {"uid": "newcomer", "camera_entity_id": "camera.door"}, blocking=True
    )
    assert "newcomer" not in people_devices(hass, entry)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["people"] == {"count": MAX_PEOPLE, "max_people": MAX_PEOPLE, "over_cap": True}
    assert "crowd_" not in str(diagnostics)
    assert "obama" not in str(diagnostics)
