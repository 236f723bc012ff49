"""Logbook lines for recognitions and unknown faces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_ENTITY_ID, LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    @callback
    def recognized(event: Event) -> dict[str, Any]:
        data = event.data
        return {
            LOGBOOK_ENTRY_NAME: data.get("user_info") or data.get("uid"),
            LOGBOOK_ENTRY_MESSAGE: f"was recognised on {data.get('camera_entity_id')} (score {data.get('score')})",
            LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
        }

    @callback
    def unknown(event: Event) -> dict[str, Any]:
        data = event.data
        return {
            LOGBOOK_ENTRY_NAME: "Unknown face",
            LOGBOOK_ENTRY_MESSAGE: f"seen on {data.get('camera_entity_id')} (best score {data.get('best_score')})",
            LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
        }

    async_describe_event(DOMAIN, EVENT_RECOGNIZED, recognized)
    async_describe_event(DOMAIN, EVENT_UNKNOWN_FACE, unknown)
