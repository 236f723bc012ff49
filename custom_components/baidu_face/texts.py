"""What the integration writes in Home Assistant's language outside entities and forms.

The Activity lines, the Media panel's folders and the devices' models come from
the translations' `common` section, in the server's language
(`hass.config.language`, not a user's profile): they are stored or shown to
every user alike. `async_load` is awaited where an entry sets up; `text` is then
synchronous, falling back to English (which Home Assistant caches with every
language) when the language changed since.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.translation import async_get_cached_translations, async_get_translations

from .const import DOMAIN

CATEGORY = "common"
_PREFIX = f"component.{DOMAIN}.{CATEGORY}."


async def async_load(hass: HomeAssistant) -> None:
    """Load the texts of Home Assistant's language (and English) into Home Assistant's cache."""
    await async_get_translations(hass, hass.config.language, CATEGORY, [DOMAIN])


@callback
def text(hass: HomeAssistant, key: str, **placeholders: Any) -> str:
    """Return the text `key` in Home Assistant's language, its placeholders filled."""
    for language in (hass.config.language, "en"):
        strings = async_get_cached_translations(hass, language, CATEGORY, DOMAIN)
        if template := strings.get(_PREFIX + key):
            return template.format(**placeholders)
    return key


def camera_name(hass: HomeAssistant, camera: str) -> str:
    """Return a camera entity's friendly name (its entity id when it is gone)."""
    state = hass.states.get(camera)
    return state.name if state is not None else camera
