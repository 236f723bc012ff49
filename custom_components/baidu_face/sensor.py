"""Usage sensors (calls today, this month, left this month, per API in attributes), visitors, last sightings.

Days and months are Beijing's (UTC+8), as Baidu's console counts them; see usage.py.
"Visitors" counts the strangers remembered (visitors.py), the latest ones in its
attributes, for a dashboard: an ignored visitor's visits are counted there, not announced.
Each person has "Last seen" (when, with the camera, area, score and group) and
"Last seen at" (the camera's name, for dashboards); see people.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import PersonEntity, app_device, async_add_person_entities
from .people import Person
from .runtime import BaiduFaceConfigEntry
from .texts import camera_name
from .usage import DAY, MONTH, Usage
from .visitors import Visitor, Visitors

# Reading the counts makes no request; they are pushed on every change.
PARALLEL_UPDATES = 0
UNIT = "calls"
# How many of the most recently seen visitors "Visitors" lists in its attributes.
LATEST_VISITORS = 5


@dataclass(frozen=True, kw_only=True)
class UsageSensorDescription(SensorEntityDescription):
    """A usage sensor: its figure per API, and how the per-API figures make its state."""

    per_api: Callable[[Usage], dict[str, int] | None]
    total: Callable[[Usage, dict[str, int]], int | None]
    # The entity's unique id suffix; "api_calls" keeps the entity of the former
    # "API calls" sensor (and its entity id and history) for this month's calls.
    key_in_unique_id: str


def _fewest_left(usage: Usage, left: dict[str, int]) -> int | None:
    """Return the calls left of the API closest to its monthly budget: the first to pause scans."""
    return min(left.values(), default=usage.budgets[MONTH])


def _calls(key: str, period: str, key_in_unique_id: str) -> UsageSensorDescription:
    """Describe a sensor of the calls made this period: all APIs together, each in an attribute."""
    return UsageSensorDescription(
        key=key,
        translation_key=key,
        key_in_unique_id=key_in_unique_id,
        native_unit_of_measurement=UNIT,
        # Falls back to 0 when a new Beijing day or month starts: a meter reset for statistics.
        state_class=SensorStateClass.TOTAL_INCREASING,
        per_api=lambda usage: usage.calls(period),
        total=lambda _, calls: sum(calls.values()),
    )


SENSORS: tuple[UsageSensorDescription, ...] = (
    _calls("calls_this_month", MONTH, "api_calls"),
    _calls("calls_today", DAY, "calls_today"),
    UsageSensorDescription(
        key="remaining_this_month",
        translation_key="remaining_this_month",
        key_in_unique_id="remaining_this_month",
        native_unit_of_measurement=UNIT,
        state_class=SensorStateClass.MEASUREMENT,
        per_api=lambda usage: usage.remaining(),
        total=_fewest_left,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entry's usage sensors, and each person's last-seen sensors (as people join, too)."""
    async_add_entities(
        [*(UsageSensor(hass, entry, description) for description in SENSORS), VisitorsSensor(hass, entry)]
    )
    async_add_person_entities(hass, entry, async_add_entities, _person_sensors)


def _person_sensors(entry: BaiduFaceConfigEntry, person: Person, device: DeviceInfo) -> list[Entity]:
    return [LastSeenSensor(entry, person, device), LastSeenAtSensor(entry, person, device)]


class UsageSensor(SensorEntity):
    """One usage figure of the entry's Baidu app; per API in the attributes."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: UsageSensorDescription

    def __init__(self, hass: HomeAssistant, entry: BaiduFaceConfigEntry, description: UsageSensorDescription) -> None:
        """Follow this entry's usage."""
        self.entity_description = description
        self._usage = entry.runtime_data.usage
        self._attr_unique_id = f"{entry.entry_id}_{description.key_in_unique_id}"
        self._attr_device_info = app_device(hass, entry)
        self._refresh()

    @override
    async def async_added_to_hass(self) -> None:
        """Update on every counted call and at each new Beijing day."""
        self.async_on_remove(self._usage.add_listener(self._updated))

    @callback
    def _updated(self) -> None:
        self._refresh()
        self.async_write_ha_state()

    def _refresh(self) -> None:
        per_api = self.entity_description.per_api(self._usage)
        if per_api is None:
            # No monthly cap (a paid plan without a budget): nothing to count down.
            self._attr_native_value = None
            self._attr_extra_state_attributes = {}
            return
        self._attr_native_value = self.entity_description.total(self._usage, per_api)
        self._attr_extra_state_attributes = per_api


class VisitorsSensor(SensorEntity):
    """How many visitors are remembered; the latest, with their visits, in the attributes."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "visitors"
    _attr_state_class = SensorStateClass.MEASUREMENT
    # It changes at every stranger's visit; the Media panel keeps the visitors' history.
    _unrecorded_attributes = frozenset({"visitors"})

    def __init__(self, hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> None:
        """Follow this entry's visitors."""
        self._visitors: Visitors = entry.runtime_data.visitors
        self._attr_unique_id = f"{entry.entry_id}_visitors"
        self._attr_device_info = app_device(hass, entry)
        self._refresh()

    @override
    async def async_added_to_hass(self) -> None:
        """Update whenever a visitor comes, comes back, is ignored, enrolled or forgotten."""
        self.async_on_remove(self._visitors.async_add_listener(self._updated))

    @callback
    def _updated(self) -> None:
        self._refresh()
        self.async_write_ha_state()

    def _refresh(self) -> None:
        visitors = self._visitors
        self._attr_native_value = len(visitors)
        latest = list(visitors)[:LATEST_VISITORS]
        self._attr_extra_state_attributes = {"visitors": [_visitor(visitors, visitor) for visitor in latest]}


def _visitor(visitors: Visitors, visitor: Visitor) -> dict[str, Any]:
    """Return a visitor as "Visitors" lists them, with their latest kept crop (what enroll_face can take)."""
    kept = visitors.kept_faces(visitor)
    return {
        "visitor_id": visitor.number,
        "visitor": visitor.name,
        "visits": visitor.visits,
        "first_seen": visitor.first_seen.isoformat(),
        "last_seen": visitor.last_seen.isoformat(),
        "cameras": list(visitor.cameras),
        "ignored": visitor.ignored,
        "face_id": kept[-1].id if kept else None,
    }


class LastSeenSensor(PersonEntity, SensorEntity):
    """When a person was last recognised; the camera, its area, the score and the group in attributes."""

    _attr_device_class = SensorDeviceClass.TIMESTAMP

    def __init__(self, entry: BaiduFaceConfigEntry, person: Person, device: DeviceInfo) -> None:
        """Show `person`'s last sighting."""
        super().__init__(entry, person, device, "last_seen")

    @property
    @override
    def native_value(self) -> datetime | None:
        """Return when the person was last recognised (None: not yet)."""
        return self.person.last_seen

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the uid, and where, how surely and in which group they were last recognised."""
        person = self.person
        return {
            "uid": person.uid,
            **self.camera_attributes(),
            "camera": camera_name(self.hass, person.camera) if person.camera else None,
            "score": person.score,
            "group_id": person.group_id,
        }


class LastSeenAtSensor(PersonEntity, SensorEntity):
    """The name of the camera that last recognised a person, for a dashboard; its area in attributes."""

    def __init__(self, entry: BaiduFaceConfigEntry, person: Person, device: DeviceInfo) -> None:
        """Show where `person` was last recognised."""
        super().__init__(entry, person, device, "last_seen_at")

    @property
    @override
    def native_value(self) -> str | None:
        """Return the camera's friendly name (None: not seen yet)."""
        camera = self.person.camera
        return camera_name(self.hass, camera) if camera else None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the camera's entity id and its area."""
        return self.camera_attributes()
