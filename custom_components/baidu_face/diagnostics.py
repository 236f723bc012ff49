"""Diagnostics for support: settings and usage, never the keys or tokens."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_API_KEY, CONF_FRIGATE_PASSWORD, CONF_FRIGATE_USERNAME, CONF_SECRET_KEY
from .runtime import BaiduFaceConfigEntry
from .usage import DAY, MONTH

TO_REDACT = {CONF_API_KEY, CONF_SECRET_KEY, "access_token"}
# A Frigate camera's login (frigate_source.py).
CAMERA_REDACT = {CONF_FRIGATE_USERNAME, CONF_FRIGATE_PASSWORD}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    """Return settings, cameras, scanners, API version, calls, usage, kept-face, people, visitor counts; no faces."""
    client = entry.runtime_data.client
    scanners = entry.runtime_data.scanners
    usage = entry.runtime_data.usage
    return {
        "entry": async_redact_data(dict(entry.data), TO_REDACT),
        "options": dict(entry.options),
        "cameras": [
            {
                "title": s.title,
                "unique_id": s.unique_id,
                "settings": async_redact_data(dict(s.data), CAMERA_REDACT),
                # Visits, frames sent and skipped by the change gate, the current problem.
                "scanner": scanners[s.subentry_id].diagnostics() if s.subentry_id in scanners else None,
            }
            for s in entry.subentries.values()
        ],
        "api_version": client.api_version.value,
        "calls": client.call_counts,
        "usage": {
            "budgets": usage.budgets,
            "today": usage.calls(DAY),
            "this_month": usage.calls(MONTH),
            "spent": usage.spent(),
        },
        # How many crops are kept, never the crops, their ids or tokens.
        "kept_faces": entry.runtime_data.faces.counts(),
        # How many, never who.
        "people": entry.runtime_data.people.diagnostics(),
        # How many visitors, ignored ones, and cameras whose groups leave no room to search them.
        "visitors": entry.runtime_data.visitors.diagnostics(),
    }
