"""One diagnostic problem sensor per camera: on while its scans fail, with the reason."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import camera_device
from .recognition import CameraScanner, Visit
from .runtime import BaiduFaceConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add one problem sensor per camera subentry, under that subentry."""
    for scanner in entry.runtime_data.scanners.values():
        async_add_entities([ScanProblemSensor(entry, scanner)], config_subentry_id=scanner.subentry_id)


class ScanProblemSensor(BinarySensorEntity):
    """On while a camera's scans fail (the camera, the connection, Baidu or the quota)."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "scan_problem"

    def __init__(self, entry: BaiduFaceConfigEntry, scanner: CameraScanner) -> None:
        """Watch `scanner`."""
        self._scanner = scanner
        self._attr_unique_id = f"{scanner.subentry_id}_scan_problem"
        self._attr_device_info = camera_device(entry, entry.subentries[scanner.subentry_id])

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
