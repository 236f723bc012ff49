"""Benchmarks replayed through a real Home Assistant test instance; `setup_door` is their one door camera."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import (
    CONF_API_KEY,
    CONF_API_VERSION,
    CONF_CAMERA,
    CONF_ENDPOINT,
    CONF_GROUPS,
    CONF_MODE,
    CONF_PLAN,
    CONF_SECRET_KEY,
    CONF_THRESHOLD,
    DOMAIN,
    PLAN_PAID,
    SUBENTRY_CAMERA,
    camera_unique_id,
)
from tests.conftest import BOTH

CAMERA = "camera.door"
MOTION = "binary_sensor.door_motion"
GROUP = "family"


async def setup_door(hass: HomeAssistant, baidu: RunningServer, frame: Path, **settings: Any) -> MockConfigEntry:
    """Set up camera.door (a local_file camera showing `frame`) and the integration scanning it with `settings`.

    V3 on the local server, identifying group `family` at 80; Baidu's paid plan: no monthly
    cap (a fixed interval would spend a free month), 10 QPS. The motion sensor starts off.
    Returns once the entry's start-up (its read of the people) is done, so counting can start.
    """
    hass.states.async_set(MOTION, "off", {"device_class": "motion"})
    camera = MockConfigEntry(domain="local_file", options={"name": "Door", "file_path": str(frame)}, title="Door")
    camera.add_to_hass(hass)
    assert await hass.config_entries.async_setup(camera.entry_id)
    data = {CONF_CAMERA: CAMERA, CONF_MODE: "identify", CONF_GROUPS: [GROUP], CONF_THRESHOLD: 80.0, **settings}
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Baidu Face",
        data={
            CONF_API_KEY: BOTH.api_key,
            CONF_SECRET_KEY: BOTH.secret_key,
            CONF_API_VERSION: "v3",
            CONF_ENDPOINT: baidu.url,
        },
        options={CONF_GROUPS: [GROUP], CONF_PLAN: PLAN_PAID},
        unique_id=BOTH.api_key,
        subentries_data=[
            {
                "data": data,
                "subentry_type": SUBENTRY_CAMERA,
                "title": "Door",
                "unique_id": camera_unique_id(CAMERA, "identify"),
            }
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry
