"""One diagnostic problem sensor per camera (on while its scans fail), and each person's "Seen recently"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .const import CONF_SEEN_TIMEOUT, DEFAULT_SEEN_TIMEOUT
from .entity import CameraEntity, PersonEntity, async_add_person_entities
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


class SeenRecentlySensor(PersonEntity, BinarySensorEntity):
    """On from a person's recognition until the "seen recently" timeout passes without another.

    Computed from the last sighting the people's Store keeps, so a restart
    within the timeout shows it on (and off when the rest has passed).
    """

    _attr_device_class = BinarySensorDeviceClass.OCCUPANCY

    def __init__(self, entry: BaiduFaceConfigEntry, person: Person, device: DeviceInfo) -> None:
        """Follow `person`'s sightings; the timeout is the entry's option."""
        super().__init__(entry, person, device, "seen_recently")
        self._timeout = timedelta(seconds=entry.options.get(CONF_SEEN_TIMEOUT, DEFAULT_SEEN_TIMEOUT))
        self._unsub_timer: CALLBACK_TYPE | None = None

    @property
    def _until(self) -> datetime | None:
        """Return when "seen recently" ends (None: never seen)."""
        last_seen = self.person.last_seen
        return last_seen + self._timeout if last_seen is not None else None

    @property
    @override
    def is_on(self) -> bool:
        """Return whether the person was recognised within the timeout."""
        until = self._until
        return until is not None and dt_util.utcnow() < until

    @override
    async def async_added_to_hass(self) -> None:
        """Follow sightings and time out the one shown now."""
        await super().async_added_to_hass()
        self.async_on_remove(self._cancel_timer)
        self._schedule_off()

    @override
    @callback
    def _updated(self) -> None:
        self._schedule_off()
        super()._updated()

    @callback
    def _schedule_off(self) -> None:
        self._cancel_timer()
        if self.is_on and (until := self._until) is not None:
            self._unsub_timer = async_track_point_in_utc_time(self.hass, self._timed_out, until)

    @callback
    def _timed_out(self, _: datetime) -> None:
        self._unsub_timer = None
        self.async_write_ha_state()

    @callback
    def _cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
