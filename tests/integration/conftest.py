"""Home Assistant with the integration, a real local_file camera and the local server with real faces."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, patch

import pytest
from homeassistant.config_entries import ConfigSubentryData, ConfigSubentryDataWithId
from homeassistant.core import HomeAssistant, State
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from baidu_face_server import running_server
from baidu_face_server.server import RunningServer
from custom_components.baidu_face.api import (
    DEFAULT_BASE_URL,
    ApiVersion,
    Candidate,
    FaceBox,
    Faces,
    IdentifiedFace,
    capabilities_for,
)
from custom_components.baidu_face.const import (
    CONF_API_KEY,
    CONF_API_VERSION,
    CONF_CAMERA,
    CONF_ENDPOINT,
    CONF_GROUPS,
    CONF_MAX_FACES,
    CONF_MODE,
    CONF_SCAN_INTERVAL,
    CONF_SECRET_KEY,
    CONF_THRESHOLD,
    DOMAIN,
    SUBENTRY_CAMERA,
    camera_unique_id,
)
from tests.conftest import BOTH, apps
from tests.faces import FACES, build_face_set

FAMILY = "family"


def state(hass: HomeAssistant, entity_id: str) -> State:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    return None


@pytest.fixture(scope="session")
def enrolled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a face set with everyone in sample_faces/enroll, once (about a second)."""
    path = tmp_path_factory.mktemp("faces") / "family.sqlite3"
    build_face_set(path, [app.api_key for app in apps()], FAMILY)
    return path


@pytest.fixture
async def baidu(socket_enabled: None, enrolled_db: Path, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """Run the local server, its face set holding every enrolled person in group `family`."""
    db = tmp_path / "faces.sqlite3"
    shutil.copy(enrolled_db, db)
    async with running_server(apps(), db) as server:
        yield server


@pytest.fixture(params=["v3", "v2"])
def api_version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def entry_data(server: RunningServer, api_version: str = "auto", secret: str = BOTH.secret_key) -> dict[str, Any]:
    return {
        CONF_API_KEY: BOTH.api_key,
        CONF_SECRET_KEY: secret,
        CONF_API_VERSION: api_version,
        CONF_ENDPOINT: server.url,
    }


def camera_subentry(camera: str, mode: str = "identify", **settings: Any) -> ConfigSubentryData:
    data = {
        CONF_CAMERA: camera,
        CONF_MODE: mode,
        CONF_GROUPS: [FAMILY],
        CONF_THRESHOLD: 80.0,
        CONF_MAX_FACES: 2,
        CONF_SCAN_INTERVAL: 0,
    } | settings
    return ConfigSubentryData(
        data=data, subentry_type=SUBENTRY_CAMERA, title="Door", unique_id=camera_unique_id(camera, mode)
    )


@pytest.fixture
async def door_camera(hass: HomeAssistant, tmp_path: Path) -> Callable[[str], Awaitable[None]]:
    """Set up a real local_file camera, camera.door; calling the fixture's result shows another photo."""
    frame = tmp_path / "door.jpg"
    shutil.copy(FACES / "probe" / "obama.jpg", frame)
    entry = MockConfigEntry(domain="local_file", options={"name": "Door", "file_path": str(frame)}, title="Door")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    async def show(name: str) -> None:
        shown = tmp_path / Path(name).name
        shutil.copy(FACES / name, shown)
        await hass.services.async_call(
            "local_file", "update_file_path", {"entity_id": "camera.door", "file_path": str(shown)}, blocking=True
        )

    return show


@pytest.fixture
async def show(
    hass: HomeAssistant, tmp_path: Path, door_camera: Callable[[str], Awaitable[None]]
) -> Callable[[bytes], Awaitable[None]]:
    """Show a frame (JPEG or PNG bytes) on camera.door."""
    shown = 0

    async def show(image: bytes) -> None:
        nonlocal shown
        shown += 1
        path = tmp_path / f"frame_{shown}.img"
        path.write_bytes(image)
        await hass.services.async_call(
            "local_file", "update_file_path", {"entity_id": "camera.door", "file_path": str(path)}, blocking=True
        )

    return show


@pytest.fixture
async def setup_entry(
    hass: HomeAssistant, baidu: RunningServer, door_camera: Callable[[str], Awaitable[None]]
) -> Callable[..., Awaitable[MockConfigEntry]]:
    async def setup(
        api_version: str = "auto", subentries: list[ConfigSubentryData] | None = None, **options: Any
    ) -> MockConfigEntry:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Baidu Face (127.0.0.1)",
            data=entry_data(baidu, api_version),
            options={CONF_GROUPS: [FAMILY]} | options,
            unique_id=BOTH.api_key,
            subentries_data=subentries if subentries is not None else [camera_subentry("camera.door")],
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        # Including the start-up read of the people: the tests count calls.
        await hass.async_block_till_done(wait_background_tasks=True)
        return entry

    return setup


# Core-shaped fixtures: the integration on an autospec of the client, for snapshots of
# what it builds (entities, devices, diagnostics) without a server. The end-to-end
# tests above run the real client against the local server.
MOCK_ENTRY_ID = "01KBAIDUFACEENTRY000000000"
MOCK_CAMERA_SUBENTRY_ID = "01KBAIDUFACEDOORCAMERA0000"


@pytest.fixture
def mock_client() -> Iterator[MagicMock]:
    with patch("custom_components.baidu_face.runtime.BaiduFaceClient", autospec=True) as client_class:
        client = client_class.return_value
        client.api_version = ApiVersion.V3
        client.base_url = DEFAULT_BASE_URL
        client.capabilities = capabilities_for(ApiVersion.V3)
        client.call_counts = {"token": 1, "probe": 1, "identify": 2}
        client.resolve_api_version.return_value = ApiVersion.V3
        client.list_groups.return_value = [FAMILY]
        # The face set's people (read at start-up): none, so the snapshots hold no person.
        client.list_group_users.return_value = []
        client.identify.return_value = Faces(
            [
                IdentifiedFace((Candidate("obama", FAMILY, "Obama", 97.5),), FaceBox(120.0, 80.0, 210.0, 240.0)),
                IdentifiedFace((Candidate("biden", FAMILY, "Biden", 41.25),), FaceBox(400.0, 90.0, 190.0, 220.0)),
            ]
        )
        yield client


@pytest.fixture
def camera_subentries() -> list[ConfigSubentryDataWithId]:
    """Give the mock entry one camera, camera.door (parametrize to change)."""
    return [ConfigSubentryDataWithId(subentry_id=MOCK_CAMERA_SUBENTRY_ID, **camera_subentry("camera.door"))]


@pytest.fixture
def mock_config_entry(camera_subentries: list[ConfigSubentryDataWithId]) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Baidu Face",
        entry_id=MOCK_ENTRY_ID,
        data={
            CONF_API_KEY: "mock_api_key",
            CONF_SECRET_KEY: "mock_secret_key",
            CONF_API_VERSION: "auto",
            CONF_ENDPOINT: DEFAULT_BASE_URL,
        },
        options={CONF_GROUPS: [FAMILY]},
        unique_id="mock_api_key",
        subentries_data=camera_subentries,
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot with Home Assistant's extension (ids and times as ANY), as core's tests do."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)
