"""Calls per API, per Beijing day and month, against Baidu's plan and the user's budgets.

Baidu counts quotas per API (detect, search, match and each face-set API
separately) and its console counts days and months on Beijing time (UTC+8),
so this does too. The counts live in Home Assistant's `Store`, saved a while
after a change (never on every call) and when the entry unloads. The client
asks `allow` before each request and calls `record` after it: a spent budget
refuses the request unsent, and a repair issue says when calls resume.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    CONF_DAILY_BUDGET,
    CONF_MONTHLY_BUDGET,
    CONF_PLAN,
    CONF_QPS,
    DOMAIN,
    PLAN_FREE_ENTERPRISE,
    PLAN_FREE_PERSONAL,
    PLAN_PAID,
)

# China has kept UTC+8 all year since 1991: a fixed offset is exact.
BEIJING: Final = timezone(timedelta(hours=8), "UTC+8")
DAY: Final = "day"
MONTH: Final = "month"
PERIODS: Final = (DAY, MONTH)
STORAGE_VERSION: Final = 1
# Seconds between a counted call and the write to disk: calls come in bursts.
SAVE_DELAY: Final = 60


@dataclass(frozen=True, slots=True)
class Plan:
    """What one of Baidu's plans allows: calls a second, and calls a month per API (None: no cap)."""

    qps: int
    monthly: int | None


PLANS: Final[dict[str, Plan]] = {
    PLAN_FREE_PERSONAL: Plan(qps=1, monthly=1_000),
    PLAN_FREE_ENTERPRISE: Plan(qps=2, monthly=10_000),
    PLAN_PAID: Plan(qps=10, monthly=None),
}
DEFAULT_PLAN: Final = PLAN_FREE_PERSONAL


def plan_of(options: Mapping[str, Any]) -> Plan:
    """Return the plan an entry's options pick (the personal free tier when none)."""
    return PLANS[options.get(CONF_PLAN, DEFAULT_PLAN)]


def qps_for(options: Mapping[str, Any]) -> int:
    """Return the calls a second for the client: the user's override, else the plan's."""
    return int(options.get(CONF_QPS) or plan_of(options).qps)


def budgets_for(options: Mapping[str, Any]) -> dict[str, int | None]:
    """Return each API's budget per period: the user's, else the plan's quota (days have none)."""
    monthly = options.get(CONF_MONTHLY_BUDGET) or plan_of(options).monthly
    daily = options.get(CONF_DAILY_BUDGET)
    return {DAY: int(daily) if daily else None, MONTH: int(monthly) if monthly else None}


def period_keys(now: datetime) -> dict[str, str]:
    """Return the Beijing day ("2026-11-27") and month ("2026-11") that `now` falls in."""
    local = now.astimezone(BEIJING)
    return {DAY: local.date().isoformat(), MONTH: local.strftime("%Y-%m")}


def next_start(now: datetime, period: str) -> datetime:
    """Return when the next Beijing day or month starts after `now` (in UTC)."""
    local = now.astimezone(BEIJING)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == DAY:
        start = midnight + timedelta(days=1)
    else:
        start = (midnight.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.astimezone(dt_util.UTC)


def resume_text(period: str) -> str:
    """Return when calls of a spent period resume, in Home Assistant's time zone, for messages."""
    return dt_util.as_local(next_start(dt_util.utcnow(), period)).strftime("%Y-%m-%d %H:%M")


class Usage:
    """One entry's calls per API this Beijing day and month; the client's `CallBudget`."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, stored: Mapping[str, Any] | None) -> None:
        """Take the counts saved before (none for a new entry) and the entry's budgets."""
        self._hass = hass
        self._entry = entry
        self._store = _store(hass, entry.entry_id)
        self.budgets = budgets_for(entry.options)
        stored = stored or {}
        self._keys: dict[str, str] = dict(stored.get("keys", {}))
        self._calls = {period: Counter(stored.get("calls", {}).get(period, {})) for period in PERIODS}
        # The APIs Baidu itself said are spent (errors 17 and 19) this period.
        self._baidu_spent = {period: set(stored.get("baidu_spent", {}).get(period, [])) for period in PERIODS}
        # Allowed, not yet recorded: counted against the budget so that calls in
        # flight together cannot overshoot it.
        self._in_flight: Counter[str] = Counter()
        self._listeners: list[CALLBACK_TYPE] = []
        self._issues: dict[str, frozenset[str]] = {}
        self._unsub_rollover: CALLBACK_TYPE | None = None
        self._roll()

    @classmethod
    async def async_load(cls, hass: HomeAssistant, entry: ConfigEntry) -> Usage:
        """Return the entry's usage as saved (zero for a new entry)."""
        return cls(hass, entry, await _store(hass, entry.entry_id).async_load())

    @callback
    def async_start(self) -> None:
        """Raise or clear the repairs for what is spent now, and watch for the next Beijing day."""
        self._update_issues()
        self._schedule_rollover()

    async def async_stop(self) -> None:
        """Stop watching the clock and save the counts now (an unload must lose nothing)."""
        if self._unsub_rollover is not None:
            self._unsub_rollover()
            self._unsub_rollover = None
        for period in PERIODS:
            ir.async_delete_issue(self._hass, DOMAIN, self._issue_id(period))
        self._issues.clear()
        await self._store.async_save(self._snapshot())

    @callback
    def add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` whenever a count changes; return how to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def calls(self, period: str) -> dict[str, int]:
        """Return the calls per API in the current Beijing day or month."""
        self._roll()
        return dict(sorted(self._calls[period].items()))

    def remaining(self) -> dict[str, int] | None:
        """Return the calls left this month per API that has been called (None: no monthly cap)."""
        budget = self.budgets[MONTH]
        if budget is None:
            return None
        return {api: max(0, budget - used) for api, used in self.calls(MONTH).items()}

    def spent(self) -> dict[str, list[str]]:
        """Return, per period, the APIs whose budget or Baidu quota is spent."""
        self._roll()
        return {period: sorted(self._spent(period)) for period in PERIODS}

    def allow(self, api: str) -> str | None:
        """Let a request to `api` go, or name the period whose budget it would exceed."""
        self._roll()
        for period in PERIODS:
            budget = self.budgets[period]
            if budget is not None and self._calls[period][api] + self._in_flight[api] >= budget:
                return period
        self._in_flight[api] += 1
        return None

    def record(self, api: str, *, counted: bool, spent: str | None) -> None:
        """Count a request that went out (if Baidu counts it); note Baidu's own "quota spent"."""
        self._in_flight[api] -= 1
        if not counted and spent is None:
            return  # e.g. too many calls a second (18): nothing to count or show
        self._roll()
        if counted:
            for period in PERIODS:
                self._calls[period][api] += 1
        if spent is not None:
            self._baidu_spent[spent].add(api)
        self._changed()

    def _spent(self, period: str) -> set[str]:
        budget = self.budgets[period]
        mine = {api for api, used in self._calls[period].items() if budget is not None and used >= budget}
        return mine | self._baidu_spent[period]

    def _roll(self) -> bool:
        """Start a new day or month where Beijing's has begun; return whether one did."""
        rolled = False
        for period, key in period_keys(dt_util.utcnow()).items():
            if self._keys.get(period) != key:
                self._keys[period] = key
                self._calls[period].clear()
                self._baidu_spent[period].clear()
                rolled = True
        return rolled

    @callback
    def _changed(self) -> None:
        self._update_issues()
        self._store.async_delay_save(self._snapshot, SAVE_DELAY)
        for listener in list(self._listeners):
            listener()

    def _snapshot(self) -> dict[str, Any]:
        return {
            "keys": dict(self._keys),
            "calls": {period: dict(self._calls[period]) for period in PERIODS},
            "baidu_spent": {period: sorted(self._baidu_spent[period]) for period in PERIODS},
        }

    def _issue_id(self, period: str) -> str:
        return f"{period}_spent_{self._entry.entry_id}"

    @callback
    def _update_issues(self) -> None:
        """Raise a repair per period with something spent, clear the others (only on change)."""
        for period in PERIODS:
            spent = frozenset(self._spent(period))
            if self._issues.get(period, frozenset()) == spent:
                continue
            if spent:
                ir.async_create_issue(
                    self._hass,
                    DOMAIN,
                    self._issue_id(period),
                    is_fixable=False,
                    is_persistent=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=f"{period}_spent",
                    translation_placeholders={
                        "entry": self._entry.title,
                        "apis": ", ".join(sorted(spent)),
                        "resume": resume_text(period),
                    },
                )
                self._issues[period] = spent
            else:
                ir.async_delete_issue(self._hass, DOMAIN, self._issue_id(period))
                self._issues.pop(period, None)

    def _schedule_rollover(self) -> None:
        # Every Beijing month starts at a Beijing midnight: one timer serves both.
        self._unsub_rollover = async_track_point_in_utc_time(
            self._hass, self._rollover, next_start(dt_util.utcnow(), DAY)
        )

    @callback
    def _rollover(self, _: datetime) -> None:
        self._schedule_rollover()
        if self._roll():
            self._changed()


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the `Store` an entry's usage is saved in."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.usage.{entry_id}")


async def async_forget_usage(hass: HomeAssistant, entry_id: str) -> None:
    """Delete a removed entry's saved usage."""
    await _store(hass, entry_id).async_remove()


SECONDS_A_DAY: Final = 86_400


@dataclass(frozen=True, slots=True)
class VisitCost:
    """What a camera's settings cost at most, in the calls `Usage` counts (one per request Baidu counts)."""

    frame: int  # calls for one frame sent
    visit: int  # a trigger's visit: every frame of the burst sent, and the frames confirming a person in its last
    interval_day: int  # the interval's scans a day (one frame each, and the frames confirming a person it names)

    def per_day(self, trigger_visits: int) -> int:
        """Return the calls a day with `trigger_visits` visits started by triggers, besides the interval's."""
        return self.interval_day + trigger_visits * self.visit


def visit_cost(
    *,
    v2: bool,
    identify: bool,
    max_faces: int,
    burst_frames: int,
    interval: int,
    frames_to_confirm: int = 1,
    quality: bool = False,
) -> VisitCost:
    """Return the most a camera's frames, visits and interval cost.

    V3 answers a frame in one call (detect, or multi-search for every face),
    whatever the levels. V2 detects in one call and identifies one face in
    one (multi-identify, for its box, or identify where the app may not use
    it); several faces take one multi-identify call, or, where the app may not
    use it (or liveness is asked), a detect and an identify per face
    (api/v2.py): its worst case is counted. A quality level on V2 costs the
    detect also for one face. A person named needs `frames_to_confirm`
    frames: a visit whose last frame names someone scans that many more,
    less one (scanner.py), and so may an interval's one-frame scan.
    """
    detect_first = v2 and identify and (max_faces > 1 or quality)
    frame = max_faces + 1 if detect_first else 1
    more = max(1, frames_to_confirm) - 1 if identify else 0
    scans = SECONDS_A_DAY // interval if interval > 0 else 0
    return VisitCost(frame=frame, visit=frame * (max(1, burst_frames) + more), interval_day=scans * frame * (1 + more))
