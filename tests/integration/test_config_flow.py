"""Setting up in the UI: every step and error branch, against the local server."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from baidu_face_server import App, running_server
from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import (
    CONF_API_KEY,
    CONF_API_VERSION,
    CONF_ATTRIBUTES,
    CONF_AWAY_AFTER,
    CONF_CAMERA,
    CONF_DAILY_BUDGET,
    CONF_ENDPOINT,
    CONF_GROUPS,
    CONF_KEPT_DAYS,
    CONF_KEPT_FACES,
    CONF_MAX_FACES,
    CONF_MAX_VISITORS,
    CONF_MODE,
    CONF_MONTHLY_BUDGET,
    CONF_PLAN,
    CONF_QPS,
    CONF_SCAN_INTERVAL,
    CONF_SECRET_KEY,
    CONF_SEEN_TIMEOUT,
    CONF_THRESHOLD,
    CONF_VISITOR_DAYS,
    DOMAIN,
    PLAN_FREE_ENTERPRISE,
    PLAN_PAID,
    SUBENTRY_CAMERA,
)
from tests.conftest import BOTH, V2_ONLY

from .conftest import camera_subentry, entry_data, state

Setup = Callable[..., Awaitable[MockConfigEntry]]


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


async def start(hass: HomeAssistant) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def test_user_flow_creates_the_entry(hass: HomeAssistant, baidu: RunningServer) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(baidu) | {CONF_API_KEY: " both_key "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Baidu Face (127.0.0.1:{baidu.url.rsplit(':', 1)[1]})"
    assert result["data"] == entry_data(baidu)
    assert result["result"].unique_id == BOTH.api_key
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_SECRET_KEY: "wrong"}, {"base": "invalid_auth"}),
        ({CONF_API_KEY: "nobody"}, {"base": "invalid_auth"}),
        ({CONF_ENDPOINT: "ftp://example"}, {CONF_ENDPOINT: "invalid_endpoint"}),
        ({CONF_ENDPOINT: "not a url"}, {CONF_ENDPOINT: "invalid_endpoint"}),
        ({CONF_API_KEY: V2_ONLY[0], CONF_SECRET_KEY: V2_ONLY[1], CONF_API_VERSION: "v3"}, {"base": "no_permission"}),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, baidu: RunningServer, changes: dict[str, str], errors: dict[str, str]
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], entry_data(baidu) | changes)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    result = await hass.config_entries.flow.async_configure(result["flow_id"], entry_data(baidu))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_unreachable_endpoint(hass: HomeAssistant, socket_enabled: None) -> None:
    result = await start(hass)
    data = {CONF_API_KEY: "k", CONF_SECRET_KEY: "s", CONF_API_VERSION: "auto", CONF_ENDPOINT: closed_port()}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["errors"] == {"base": "cannot_connect"}


async def test_a_v2_only_app_is_found_by_auto(hass: HomeAssistant, baidu: RunningServer) -> None:
    result = await start(hass)
    data = entry_data(baidu) | {CONF_API_KEY: V2_ONLY[0], CONF_SECRET_KEY: V2_ONLY[1]}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert result["result"].runtime_data.client.api_version.value == "v2"


async def test_an_app_without_face_permission(hass: HomeAssistant, socket_enabled: None) -> None:
    async with running_server([App("k", "s", dialects=frozenset())]) as server:
        result = await start(hass)
        data = {CONF_API_KEY: "k", CONF_SECRET_KEY: "s", CONF_API_VERSION: "auto", CONF_ENDPOINT: server.url}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["errors"] == {"base": "no_permission"}


async def test_the_default_endpoint_is_baidu(hass: HomeAssistant) -> None:
    result = await start(hass)
    schema = result["data_schema"].schema
    defaults = {str(key): key.default() for key in schema if callable(getattr(key, "default", None))}
    assert defaults[CONF_ENDPOINT] == "https://aip.baidubce.com"
    assert defaults[CONF_API_VERSION] == "auto"


async def test_one_entry_per_api_key(hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer) -> None:
    await setup_entry()
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], entry_data(baidu))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_refused_keys_lead_to_reauthentication(hass: HomeAssistant, baidu: RunningServer) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data(baidu, secret="old"), unique_id=BOTH.api_key)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_SECRET_KEY: "still wrong"})
    assert result["errors"] == {"base": "invalid_auth"}
    assert (result["description_placeholders"] or {})["api_key"] == BOTH.api_key
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_SECRET_KEY: BOTH.secret_key})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_SECRET_KEY] == BOTH.secret_key
    assert entry.state.value == "loaded"  # reloaded after the fix


async def test_reauthentication_of_a_running_entry(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer
) -> None:
    entry = await setup_entry()
    baidu.server.reset_secret(BOTH.api_key, "new_secret")
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SECRET_KEY: "new_secret"})
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.call_counts["token"] == 1  # a fresh client, after the reload


async def test_reconfigure(hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer) -> None:
    entry = await setup_entry()
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_VERSION: "v2", CONF_ENDPOINT: closed_port()}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_VERSION: "v2", CONF_ENDPOINT: baidu.url + "/"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_API_VERSION] == "v2"
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.api_version.value == "v2"


async def test_options(hass: HomeAssistant, setup_entry: Setup) -> None:
    entry = await setup_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    assert result["errors"] == {}
    options = {
        CONF_PLAN: PLAN_FREE_ENTERPRISE,
        CONF_QPS: 5,
        CONF_MONTHLY_BUDGET: 500,
        CONF_DAILY_BUDGET: 20,
        CONF_GROUPS: ["family"],
        CONF_THRESHOLD: 85,
        CONF_MAX_FACES: 3,
        CONF_ATTRIBUTES: ["age"],
        CONF_KEPT_FACES: 0,
        CONF_KEPT_DAYS: 3,
        CONF_MAX_VISITORS: 10,
        CONF_VISITOR_DAYS: 5,
        CONF_SEEN_TIMEOUT: 120,
        CONF_AWAY_AFTER: 240.0,  # as the number selector gives it
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == options
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.usage.budgets == {"day": 20, "month": 500}
    assert (entry.runtime_data.faces.limit, entry.runtime_data.faces.days) == (0, 3)
    assert (entry.runtime_data.visitors.limit, entry.runtime_data.visitors.days) == (10, 5)
    assert isinstance(entry.options[CONF_AWAY_AFTER], int)  # the selector gives a float; minutes are whole


async def test_options_left_empty_follow_the_plan(hass: HomeAssistant, setup_entry: Setup) -> None:
    entry = await setup_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PLAN: PLAN_PAID, CONF_GROUPS: ["family"], CONF_THRESHOLD: 80, CONF_MAX_FACES: 1}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # A paid plan has no monthly cap unless the user sets a budget.
    assert entry.runtime_data.usage.budgets == {"day": None, "month": None}


async def test_options_when_groups_cannot_be_read(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer
) -> None:
    entry = await setup_entry()
    baidu.apps[BOTH.api_key].daily_quota = 0  # every call now answers 17
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["errors"] == {"base": "cannot_list_groups"}


async def test_options_need_a_running_entry(hass: HomeAssistant, baidu: RunningServer) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data(baidu), unique_id=BOTH.api_key)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["reason"] == "entry_not_loaded"


CAMERA = {
    CONF_CAMERA: "camera.door",
    CONF_MODE: "identify",
    CONF_GROUPS: ["family"],
    CONF_THRESHOLD: 80,
    CONF_MAX_FACES: 1,
    CONF_SCAN_INTERVAL: 0,
}


async def test_add_change_and_remove_a_camera_without_restarting(hass: HomeAssistant, setup_entry: Setup) -> None:
    entry = await setup_entry(subentries=[])
    assert hass.states.get("image_processing.door_recognised_person") is None

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    assert result["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], CAMERA | {CONF_GROUPS: []})
    assert result["errors"] == {CONF_GROUPS: "groups_required"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], CAMERA)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Door"
    await hass.async_block_till_done()
    assert state(hass, "image_processing.door_recognised_person").state == "unknown"

    # The same camera in the same mode cannot be added twice; in the other mode it can.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], CAMERA)
    assert result["errors"] == {"base": "camera_already_configured"}

    (subentry_id,) = entry.subentries
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], CAMERA | {CONF_MODE: "detect"})
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.subentries[subentry_id].data[CONF_MODE] == "detect"
    assert state(hass, "image_processing.door_faces").state == "0"

    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    assert hass.states.get("image_processing.door_faces") is None
    assert entry.state is ConfigEntryState.LOADED


def offered_cameras(result: Any) -> list[str]:
    """Return the cameras the form's camera field leaves out."""
    schema = result["data_schema"].schema
    (field,) = (value for key, value in schema.items() if key == CONF_CAMERA)
    return list(field.config.get("exclude_entities", []))


async def test_add_camera_offers_only_cameras_with_a_mode_left(hass: HomeAssistant, setup_entry: Setup) -> None:
    both = [camera_subentry("camera.door"), camera_subentry("camera.door", "detect")]
    other = await setup_entry(subentries=both)
    result = await hass.config_entries.subentries.async_init(
        (other.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    # camera.door is the only camera and is taken in both modes: said before any form.
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_cameras_left"
    hass.states.async_set("camera.garden", "idle")
    result = await hass.config_entries.subentries.async_init(
        (other.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    assert offered_cameras(result) == ["camera.door"]


async def test_camera_flow_needs_a_running_entry(hass: HomeAssistant, baidu: RunningServer) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data(baidu), unique_id=BOTH.api_key)
    entry.add_to_hass(hass)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    assert result["reason"] == "entry_not_loaded"


async def test_a_camera_that_is_not_there_yet_is_named_by_its_id(hass: HomeAssistant, setup_entry: Setup) -> None:
    entry = await setup_entry(subentries=[])
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], CAMERA | {CONF_CAMERA: "camera.garage", CONF_MODE: "detect", CONF_GROUPS: []}
    )
    assert result["title"] == "camera.garage"


async def test_setup_retries_when_the_server_is_down(hass: HomeAssistant, socket_enabled: None) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: "k", CONF_SECRET_KEY: "s", CONF_API_VERSION: "auto", CONF_ENDPOINT: closed_port()},
        unique_id="k",
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_fails_for_an_app_without_permission(hass: HomeAssistant, socket_enabled: None) -> None:
    async with running_server([App("k", "s", dialects=frozenset())]) as server:
        data = {CONF_API_KEY: "k", CONF_SECRET_KEY: "s", CONF_API_VERSION: "auto", CONF_ENDPOINT: server.url}
        entry = MockConfigEntry(domain=DOMAIN, data=data, unique_id="k")
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)  # not a reauth: keys are fine


def test_entries_for_baidu_itself_are_titled_plainly() -> None:
    from custom_components.baidu_face.config_flow import _title

    assert _title({CONF_ENDPOINT: "https://aip.baidubce.com/"}) == "Baidu Face"
    assert _title({CONF_ENDPOINT: "http://192.0.2.7:8300"}) == "Baidu Face (192.0.2.7:8300)"
