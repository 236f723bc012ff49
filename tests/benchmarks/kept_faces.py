"""How much disk the kept faces take: many visits through Home Assistant, then the crops and the metadata measured.

Not collected by the test run (the name does not start with `test_`): `scripts/benchmark_kept_faces.py`
runs it and prints the figures. A real Home Assistant test instance with the integration (default
bounds: 50 faces of each kind, 7 days) and a local_file camera, against the local server with
everyone in sample_faces/enroll. Each visit is one scan of a noisy Full HD frame with the person
at one of several distances: $KEPT_FACES_UNKNOWN visits of a stranger, then $KEPT_FACES_KNOWN of
Obama. The figures go to the JSON file named by $KEPT_FACES_RESULT.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from PIL import Image
from pytest_homeassistant_custom_component.common import MockConfigEntry

from baidu_face_server import running_server
from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import CONF_GROUPS, DOMAIN
from custom_components.baidu_face.kept_faces import FaceStore
from sample_faces.frames import frame_with, with_noise
from tests.conftest import BOTH, apps
from tests.faces import FACES, STRANGER, build_face_set
from tests.integration.conftest import FAMILY, camera_subentry, entry_data

IDENTIFY = "image_processing.door_recognised_person"
# How far from the camera: each photo's scale in the 1920 x 1080 frame (faces about 60 to 300 px wide).
SCALES = {STRANGER: (0.3, 0.45, 0.6, 0.8, 1.0), "probe/obama.jpg": (0.15, 0.25, 0.35, 0.45, 0.55)}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration."""


@pytest.fixture
async def baidu(socket_enabled: None, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """Run the local server with everyone in sample_faces/enroll in group `family`."""
    db = tmp_path / "faces.sqlite3"
    build_face_set(db, [app.api_key for app in apps()], FAMILY)
    async with running_server(apps(), db) as server:
        yield server


async def test_kept_faces_on_disk(
    hass: HomeAssistant, baidu: RunningServer, tmp_path: Path, hass_storage: dict[str, Any]
) -> None:
    """Scan the visits one by one; write the crops' and the metadata's sizes."""
    frame = tmp_path / "door.jpg"
    shutil.copy(FACES / STRANGER, frame)
    camera = MockConfigEntry(domain="local_file", options={"name": "Door", "file_path": str(frame)})
    camera.add_to_hass(hass)
    assert await hass.config_entries.async_setup(camera.entry_id)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=entry_data(baidu),
        options={CONF_GROUPS: [FAMILY], "qps": 50},
        unique_id=BOTH.api_key,
        # Every frame is sent: the same person stands at the door visit after visit.
        subentries_data=[camera_subentry("camera.door", change_threshold=0)],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    store: FaceStore = entry.runtime_data.faces

    visits = [STRANGER] * int(os.environ.get("KEPT_FACES_UNKNOWN", "200"))
    visits += ["probe/obama.jpg"] * int(os.environ.get("KEPT_FACES_KNOWN", "60"))
    for index, photo in enumerate(visits):
        scales = SCALES[photo]
        picture, _ = frame_with([(FACES / photo, scales[index % len(scales)])])
        frame.write_bytes(with_noise(picture, 8, flip=bool(index % 2)))
        await hass.services.async_call("image_processing", "scan", {"entity_id": IDENTIFY}, blocking=True)
        await hass.async_block_till_done()

    metadata = len(json.dumps(hass_storage[f"{DOMAIN}.faces.{entry.entry_id}"]))
    write_figures(store, visits, metadata, Path(os.environ.get("KEPT_FACES_RESULT", tmp_path / "figures.json")))


def write_figures(store: FaceStore, visits: list[str], metadata: int, result: Path) -> None:
    """Measure the crop folder and write the figures."""
    sizes = [path.stat().st_size for path in store.folder.glob("*.jpg")]
    sides = []
    for path in store.folder.glob("*.jpg"):
        with Image.open(path) as crop:
            sides.append(min(crop.size))
    figures = {
        "unknown_visits": visits.count(STRANGER),
        "known_visits": len(visits) - visits.count(STRANGER),
        "kept": store.counts(),
        "crops": len(sizes),
        "crop_bytes": sum(sizes),
        "crop_bytes_min": min(sizes, default=0),
        "crop_bytes_mean": round(sum(sizes) / len(sizes)) if sizes else 0,
        "crop_bytes_max": max(sizes, default=0),
        "crop_short_side_min": min(sides, default=0),
        "crop_short_side_max": max(sides, default=0),
        "metadata_bytes": metadata,
    }
    result.write_text(json.dumps(figures))
