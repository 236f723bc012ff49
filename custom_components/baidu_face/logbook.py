"""Logbook lines for recognitions and unknown faces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_ENTITY_ID, LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .announcements import announced
from .const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe recognitions and unknown faces for the logbook."""

    @callback
    def recognized(event: Event) -> dict[str, Any]:
        who, score, entity_id = announced(event.data)
        # The frontend shows the entity's name before the message (and the camera's
        # device under it), so the message names the person.
        return {
            LOGBOOK_ENTRY_NAME: who,
            LOGBOOK_ENTRY_MESSAGE: f"saw {who} (score {score:.1f})",
            LOGBOOK_ENTRY_ENTITY_ID: entity_id,
        }

    @callback
    def unknown(event: Event) -> dict[str, Any]:
        _, score, entity_id = announced(event.data)
        # A remembered stranger is named as the visitor they are (events of earlier versions name none).
        visitor = event.data.get("visitor")
        seen = f"{visitor}, an unknown face (visit {event.data.get('visits', 1)}, " if visitor else "an unknown face ("
        return {
            LOGBOOK_ENTRY_NAME: visitor or "Unknown face",
            LOGBOOK_ENTRY_MESSAGE: f"saw {seen}best score {score:.1f})",
            LOGBOOK_ENTRY_ENTITY_ID: entity_id,
        }

    async_describe_event(DOMAIN, EVENT_RECOGNIZED, recognized)
    async_describe_event(DOMAIN, EVENT_UNKNOWN_FACE, unknown)
