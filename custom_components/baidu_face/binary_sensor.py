"""One diagnostic problem sensor per camera (on while its scans fail), and each person's "Seen recently"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_SEEN_TIMEOUT, DEFAULT_SEEN_TIMEOUT
from .entity import CameraEntity, SightingWindowEntity, async_add_person_entities
from .people import Person
from .runtime import BaiduFaceConfigEntry
from .scanner import CameraScanner
from .visits import Visit

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add one problem sensor per camera subentry, under that subentry, and each person's "Seen recently"."""
    for scanner in entry.runtime_data.scanners.values():
        async_add_entities([ScanProblemSensor(entry, scanner)], config_subentry_id=scanner.subentry_id)
    async_add_person_entities(
        hass, entry, async_add_entities, lambda e, person, device: [SeenRecentlySensor(e, person, device)]
    )


class ScanProblemSensor(CameraEntity, BinarySensorEntity):
    """On while a camera's scans fail (the camera, the connection, Baidu or the quota)."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: BaiduFaceConfigEntry, scanner: CameraScanner) -> None:
        """Watch `scanner`."""
        super().__init__(entry, scanner, "scan_problem")

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the scanner's visits."""
        self.async_on_remove(self._scanner.async_add_listener(self._visit_finished))

    @property
    @override
    def is_on(self) -> bool:
        """Return whether the last scan failed."""
        return self._scanner.problem is not None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return why scans fail (a translated reason) and when one last worked."""
        return {"reason": self._scanner.problem, "last_scan_success": self._scanner.last_success}

    def _visit_finished(self, _: Visit) -> None:
        self.async_write_ha_state()


class SeenRecentlySensor(SightingWindowEntity, BinarySensorEntity):
    """On from a person's recognition until the "seen recently" timeout passes without another."""

    _attr_device_class = BinarySensorDeviceClass.OCCUPANCY

    def __init__(self, entry: BaiduFaceConfigEntry, person: Person, device: DeviceInfo) -> None:
        """Follow `person`'s sightings; the timeout is the entry's option."""
        timeout = timedelta(seconds=entry.options.get(CONF_SEEN_TIMEOUT, DEFAULT_SEEN_TIMEOUT))
        super().__init__(entry, person, device, "seen_recently", timeout)

    @property
    @override
    def is_on(self) -> bool:
        """Return whether the person was recognised within the timeout."""
        return self.within_window
