"""The "Refresh people" button: read the face set's people again (a few calls)."""

from __future__ import annotations

from typing import override

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import BaiduFaceError
from .entity import app_device
from .errors import ha_error
from .runtime import BaiduFaceConfigEntry

# Pressing makes requests; the client paces them itself.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entry's "Refresh people" button."""
    async_add_entities([RefreshPeopleButton(hass, entry)])


class RefreshPeopleButton(ButtonEntity):
    """Reads who is in the face set again, as the `refresh_people` action does."""

    _attr_has_entity_name = True
    _attr_translation_key = "refresh_people"

    def __init__(self, hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> None:
        """Refresh this entry's people."""
        self._entry = entry
        self._attr_unique_id = f"{entry.entry_id}_refresh_people"
        self._attr_device_info = app_device(hass, entry)

    @override
    async def async_press(self) -> None:
        """Refresh the people; a failure is shown translated."""
        try:
            await self._entry.runtime_data.people.async_refresh()
        except BaiduFaceError as err:
            raise ha_error(err, "refresh_people") from err
