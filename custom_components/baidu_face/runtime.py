"""What a loaded entry runs on, and the client it talks to Baidu with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import DEFAULT_BASE_URL, BaiduFaceClient, CallBudget
from .const import CONF_API_KEY, CONF_API_VERSION, CONF_ENDPOINT, CONF_SECRET_KEY
from .kept_faces import FaceStore
from .people import People
from .scanner import CameraScanner
from .usage import Usage, qps_for
from .visitors import Visitors


@dataclass
class BaiduFaceData:
    """What a loaded entry runs on."""

    client: BaiduFaceClient
    usage: Usage
    faces: FaceStore
    # The face set's people and their last sightings (people.py).
    people: People
    # The strangers seen before (visitors.py).
    visitors: Visitors
    # One scanner per camera subentry, by subentry id.
    scanners: dict[str, CameraScanner] = field(default_factory=dict)
    # Cameras whose source is Frigate, by subentry id (frigate_source.FrigateSource).
    frigate_sources: dict[str, Any] = field(default_factory=dict)


type BaiduFaceConfigEntry = ConfigEntry[BaiduFaceData]


def create_client(
    hass: HomeAssistant, data: dict[str, Any], options: dict[str, Any] | None = None, budget: CallBudget | None = None
) -> BaiduFaceClient:
    """Return a client for an entry's data and options (the plan's QPS), on Home Assistant's shared session."""
    return BaiduFaceClient(
        async_get_clientsession(hass),
        data[CONF_API_KEY],
        data[CONF_SECRET_KEY],
        api_version=data.get(CONF_API_VERSION, "auto"),
        base_url=data.get(CONF_ENDPOINT) or DEFAULT_BASE_URL,
        qps=qps_for(options or {}),
        budget=budget,
    )
