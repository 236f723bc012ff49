"""A diagnostic sensor counting the API calls an entry has made (the quota is per call)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import service_device
from .runtime import BaiduFaceConfigEntry

# Reading the counters makes no request.
PARALLEL_UPDATES = 0
SCAN_INTERVAL = timedelta(seconds=30)


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entry's call counter."""
    async_add_entities([ApiCallsSensor(entry)], update_before_add=True)


class ApiCallsSensor(SensorEntity):
    """The number of quota-counting calls the entry's client has made since it started."""

    _attr_has_entity_name = True
    _attr_translation_key = "api_calls"
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_native_unit_of_measurement = "calls"

    def __init__(self, entry: BaiduFaceConfigEntry) -> None:
        """Count the calls of this entry's client."""
        self._client = entry.runtime_data.client
        self._attr_unique_id = f"{entry.entry_id}_api_calls"
        self._attr_device_info = service_device(entry, f"Face API {self._client.api_version.value.upper()}")

    async def async_update(self) -> None:
        """Read the client's counters (no request)."""
        counts = self._client.call_counts
        # Token requests are free; every other request counts against the quota.
        self._attr_native_value = sum(n for operation, n in counts.items() if operation != "token")
        self._attr_extra_state_attributes = dict(sorted(counts.items()))
