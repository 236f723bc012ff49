"""Logbook lines for recognitions, unknown faces and uncertain visits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_ENTITY_ID, LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .announcements import announced
from .const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNCERTAIN, EVENT_UNKNOWN_FACE


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe recognitions, unknown faces and uncertain visits for the logbook."""

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
        return {
            LOGBOOK_ENTRY_NAME: "Unknown face",
            LOGBOOK_ENTRY_MESSAGE: f"saw an unknown face (best score {score:.1f})",
            LOGBOOK_ENTRY_ENTITY_ID: entity_id,
        }

    @callback
    def uncertain(event: Event) -> dict[str, Any]:
        _, _, entity_id = announced(event.data)
        names = " or ".join(c.get("user_info") or c["uid"] for c in event.data.get("candidates", []))
        why = f"could not tell who it was ({event.data.get('reason')})"
        return {
            LOGBOOK_ENTRY_NAME: "Uncertain face",
            LOGBOOK_ENTRY_MESSAGE: f"{why}: {names}" if names else why,
            LOGBOOK_ENTRY_ENTITY_ID: entity_id,
        }

    async_describe_event(DOMAIN, EVENT_RECOGNIZED, recognized)
    async_describe_event(DOMAIN, EVENT_UNCERTAIN, uncertain)
    async_describe_event(DOMAIN, EVENT_UNKNOWN_FACE, unknown)
