"""Budgets and usage: counted per API on Beijing days and months, kept across restarts, paused when spent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import (
    CONF_DAILY_BUDGET,
    CONF_GROUPS,
    CONF_MONTHLY_BUDGET,
    CONF_PLAN,
    CONF_QPS,
    DOMAIN,
    PLAN_FREE_ENTERPRISE,
    PLAN_PAID,
)
from custom_components.baidu_face.usage import SAVE_DELAY, budgets_for, qps_for
from tests.conftest import BOTH

from .conftest import camera_subentry, state

# The change gate off: these tests scan the same frame again and again, and each scan must be a call.
DOOR = [camera_subentry("camera.door", change_threshold=0)]

Setup = Callable[..., Awaitable[MockConfigEntry]]
SENSOR = "sensor.baidu_face_127_0_0_1_"
SEARCH = "multi-search"  # the API a V3 camera scan calls
# Beijing is UTC+8: 15:59 UTC is 23:59 there.
BEFORE_BEIJING_MIDNIGHT = "2026-11-26T15:59:00+00:00"
BEIJING_MIDNIGHT = "2026-11-26T16:00:00+00:00"


async def scan(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
    )


def sent(baidu: RunningServer) -> int:
    """Return how many requests the local server let through."""
    return len(baidu.apps[BOTH.api_key].accepted)


def calls(hass: HomeAssistant, sensor: str, api: str = SEARCH) -> int:
    return int(state(hass, SENSOR + sensor).attributes.get(api, 0))


def issue(hass: HomeAssistant, entry: MockConfigEntry, period: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{period}_spent_{entry.entry_id}")


async def next_beijing_day(hass: HomeAssistant, freezer: FrozenDateTimeFactory, when: str) -> None:
    freezer.move_to(when)
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()


async def test_a_spent_budget_pauses_scans_refuses_actions_and_raises_the_repair(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer
) -> None:
    entry = await setup_entry("v3", DOOR, **{CONF_DAILY_BUDGET: 2, CONF_QPS: 50})
    for _ in range(2):
        await scan(hass)
    assert calls(hass, "calls_today") == 2
    raised = issue(hass, entry, "day")
    assert raised is not None
    assert raised.translation_key == "day_spent"
    assert raised.translation_placeholders is not None
    assert raised.translation_placeholders["apis"] == SEARCH
    before = sent(baidu)

    # The scan is refused by the client: nothing reaches the server, nothing more is counted.
    await scan(hass)
    assert sent(baidu) == before
    assert calls(hass, "calls_today") == 2
    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call(
            DOMAIN, "identify", {"camera_entity_id": "camera.door"}, blocking=True, return_response=True
        )
    assert refused.value.translation_key == "day_budget_spent"
    assert (refused.value.translation_placeholders or {})["api"] == SEARCH
    assert "budget" in str(refused.value)
    assert sent(baidu) == before

    # Every API has a budget of its own, as at Baidu.
    await hass.services.async_call(DOMAIN, "list_groups", {}, blocking=True, return_response=True)
    assert sent(baidu) == before + 1


async def test_the_repair_clears_and_scans_resume_on_the_next_beijing_day(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(BEFORE_BEIJING_MIDNIGHT)
    entry = await setup_entry("v3", DOOR, **{CONF_DAILY_BUDGET: 1, CONF_QPS: 50})
    await scan(hass)
    assert issue(hass, entry, "day") is not None
    before = sent(baidu)
    await scan(hass)
    assert sent(baidu) == before

    await next_beijing_day(hass, freezer, BEIJING_MIDNIGHT)
    assert issue(hass, entry, "day") is None
    assert state(hass, SENSOR + "calls_today").state == "0"
    # Still November in Beijing: the month keeps counting.
    assert calls(hass, "calls_this_month") == 1
    await scan(hass)
    assert sent(baidu) == before + 1
    assert calls(hass, "calls_today") == 1
    assert calls(hass, "calls_this_month") == 2


async def test_a_month_starts_at_beijing_midnight_on_the_first(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-30T15:59:30+00:00")  # 23:59:30 on 30 November in Beijing
    entry = await setup_entry("v3", DOOR, **{CONF_MONTHLY_BUDGET: 1, CONF_QPS: 50})
    await scan(hass)
    month = issue(hass, entry, "month")
    assert month is not None
    assert month.translation_key == "month_spent"
    assert int(state(hass, SENSOR + "remaining_this_month").state) == 0

    await next_beijing_day(hass, freezer, "2026-11-30T16:00:00+00:00")  # 1 December, 00:00 in Beijing
    assert issue(hass, entry, "month") is None
    assert state(hass, SENSOR + "calls_this_month").state == "0"
    assert state(hass, SENSOR + "remaining_this_month").state == "1"
    before = sent(baidu)
    await scan(hass)
    assert sent(baidu) == before + 1


async def test_usage_survives_a_restart_and_is_saved_with_a_delay(
    hass: HomeAssistant, setup_entry: Setup, hass_storage: dict[str, object], freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry("v3", DOOR, **{CONF_QPS: 50})
    key = f"{DOMAIN}.usage.{entry.entry_id}"
    for _ in range(2):
        await scan(hass)
    # Not written on every call...
    assert key not in hass_storage
    # ...but a while after.
    freezer.tick(timedelta(seconds=SAVE_DELAY + 1))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    assert key in hass_storage

    await scan(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    # Three scans, and per set-up an API-version probe and a read of the people; nothing lost at unload.
    assert calls(hass, "calls_this_month") == 3
    assert calls(hass, "calls_this_month", "faceset/group/getlist") == 2
    assert calls(hass, "calls_this_month", "faceset/group/getusers") == 2
    assert state(hass, SENSOR + "calls_this_month").state == "7"


async def test_a_new_day_while_stopped_clears_the_repair_at_start_up(
    hass: HomeAssistant, setup_entry: Setup, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(BEFORE_BEIJING_MIDNIGHT)
    entry = await setup_entry("v3", DOOR, **{CONF_DAILY_BUDGET: 2, CONF_QPS: 50})
    for _ in range(2):
        await scan(hass)
    assert issue(hass, entry, "day") is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.move_to(BEIJING_MIDNIGHT)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, entry, "day") is None
    assert calls(hass, "calls_today") == 0
    assert calls(hass, "calls_this_month") == 2


async def test_baidus_daily_limit_raises_the_same_repair(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(BEFORE_BEIJING_MIDNIGHT)
    entry = await setup_entry("v3", DOOR, **{CONF_QPS: 50})
    await scan(hass)
    app = baidu.apps[BOTH.api_key]
    app.daily_quota = app.calls_today[1]  # Baidu now answers 17
    await scan(hass)
    raised = issue(hass, entry, "day")
    assert raised is not None
    assert raised.translation_placeholders is not None
    assert raised.translation_placeholders["apis"] == SEARCH
    # Baidu did not count the refused call, and neither do we.
    assert calls(hass, "calls_today") == 1

    app.daily_quota = None
    await next_beijing_day(hass, freezer, BEIJING_MIDNIGHT)
    assert issue(hass, entry, "day") is None


async def test_raising_the_budget_clears_the_repair_at_once(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer
) -> None:
    entry = await setup_entry("v3", DOOR, **{CONF_DAILY_BUDGET: 1, CONF_QPS: 50})
    await scan(hass)
    assert issue(hass, entry, "day") is not None
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        flow["flow_id"], {**entry.options, CONF_DAILY_BUDGET: 10, CONF_GROUPS: ["family"]}
    )
    # The reload reads the people again: counted before the scan below.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issue(hass, entry, "day") is None
    # What was used today still counts against the new budget.
    assert calls(hass, "calls_today") == 1
    before = sent(baidu)
    await scan(hass)
    assert sent(baidu) == before + 1


@pytest.mark.parametrize(
    ("options", "qps", "budgets"),
    [
        ({}, 1, {"day": None, "month": 1000}),
        ({CONF_PLAN: PLAN_FREE_ENTERPRISE}, 2, {"day": None, "month": 10000}),
        ({CONF_PLAN: PLAN_PAID}, 10, {"day": None, "month": None}),
        (
            {CONF_PLAN: PLAN_PAID, CONF_QPS: 4, CONF_MONTHLY_BUDGET: 50_000, CONF_DAILY_BUDGET: 2000},
            4,
            {"day": 2000, "month": 50_000},
        ),
    ],
)
def test_the_plan_sets_the_rate_and_the_budgets_unless_the_user_does(
    options: dict[str, object], qps: int, budgets: dict[str, int | None]
) -> None:
    assert qps_for(options) == qps
    assert budgets_for(options) == budgets
