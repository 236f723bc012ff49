"""The devices (the Baidu app, each camera subentry, each person) and the entity bases on them.

`CameraEntity` is an entity of one camera, fed by its scanner; `PersonEntity`
one of a person's, updated by the people and gone with its person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .people import Person, person_identifier, signal_person_added, signal_person_updated
from .runtime import BaiduFaceConfigEntry
from .scanner import CameraScanner
from .texts import text

# Models are in Home Assistant's language (texts.py; the registry translates names only),
# so what tells the devices apart is the model id: the selectors filter on PERSON_MODEL_ID.
PERSON_MODEL_ID = "person"


def app_device(hass: HomeAssistant, entry: BaiduFaceConfigEntry) -> DeviceInfo:
    """Return the device of a loaded entry's Baidu app, its model naming the API version in use."""
    version = entry.runtime_data.client.api_version.value
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="Baidu",
        model=text(hass, "model_app", version=version.upper()),
        model_id=f"face_api_{version}",
        entry_type=DeviceEntryType.SERVICE,
    )


def camera_device(hass: HomeAssistant, subentry: ConfigSubentry) -> DeviceInfo:
    """Return the device of one camera subentry (its recognition entities hang on it)."""
    return DeviceInfo(
        identifiers={(DOMAIN, subentry.subentry_id)},
        name=subentry.title,
        manufacturer="Baidu",
        model=text(hass, "model_camera"),
        model_id="camera",
        entry_type=DeviceEntryType.SERVICE,
    )


class CameraEntity(Entity):
    """An entity of one camera subentry, on the camera's device, fed by the camera's scanner."""

    _attr_has_entity_name = True
    # The scanner decides when to scan (triggers, interval; image_processing.scan asks it for
    # one frame) and tells its entities.
    _attr_should_poll = False

    def __init__(self, entry: BaiduFaceConfigEntry, scanner: CameraScanner, key: str, *platform_args: Any) -> None:
        """Belong to `scanner`'s camera; `key` is the translation key and names the entity in its unique id.

        `platform_args` go on to the platform's entity class (an image entity's `hass`).
        """
        super().__init__(*platform_args)
        self._scanner = scanner
        self._attr_translation_key = key
        self._attr_unique_id = scanner.unique_id(key)
        self._attr_device_info = camera_device(scanner.hass, entry.subentries[scanner.subentry_id])


def person_device(
    hass: HomeAssistant, entry: ConfigEntry, uid: str, name: str, app_device_id: str | None = None
) -> DeviceInfo:
    """Return the device of one person of the face set (their last-seen entities hang on it).

    It is reached via the app's device when its registry id is given (Home
    Assistant 2026 links devices by id only).
    """
    info = DeviceInfo(
        identifiers={(DOMAIN, person_identifier(entry.entry_id, uid))},
        name=name,
        manufacturer="Baidu",
        model=text(hass, "model_person"),
        model_id=PERSON_MODEL_ID,
        # A person is not a service ("Service info", "Add service" on their page). None, not
        # left out: a left-out entry type keeps the service type older versions registered.
        entry_type=None,
    )
    if app_device_id is not None:
        info["via_device_id"] = app_device_id
    return info


class PersonEntity(Entity):
    """An entity of one person's device; it updates when their name or last sighting changes.

    It leaves with its person: removing the person's device removes it.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: BaiduFaceConfigEntry, person: Person, device: DeviceInfo, key: str) -> None:
        """Belong to `person` of `entry` and their `device`; `key` is the translation key and the unique id's end."""
        self._entry = entry
        self._uid = person.uid
        self._attr_translation_key = key
        # ":" cannot occur in a uid or a key: the id is unambiguous.
        self._attr_unique_id = f"{person_identifier(entry.entry_id, person.uid)}:{key}"
        self._attr_device_info = device

    @property
    def person(self) -> Person:
        """Return the person (once they left, one never seen: their entities are being removed)."""
        return self._entry.runtime_data.people.get(self._uid) or Person(self._uid, self._uid)

    @property
    @override
    def available(self) -> bool:
        """Return whether the person is still one of the entry's people."""
        return self._entry.runtime_data.people.get(self._uid) is not None

    def camera_attributes(self) -> dict[str, str | None]:
        """Return the camera that last recognised the person, and its area (None: not seen yet)."""
        camera = self.person.camera
        return {"camera_entity_id": camera, "area": area_name(self.hass, camera) if camera else None}

    @override
    async def async_added_to_hass(self) -> None:
        """Update whenever the person's name or last sighting changes."""
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal_person_updated(self._entry.entry_id, self._uid), self._updated)
        )

    @callback
    def _updated(self) -> None:
        self.async_write_ha_state()


class SightingWindowEntity(PersonEntity):
    """A person's entity that holds for a window after each recognition ("Seen recently", the tracker's home).

    Computed from the last sighting the people's Store keeps, so a restart
    within the window shows it held (and let go once the rest has passed); a
    timer writes the state when the window ends.
    """

    def __init__(
        self, entry: BaiduFaceConfigEntry, person: Person, device: DeviceInfo, key: str, window: timedelta
    ) -> None:
        """Belong to `person`; hold for `window` after each recognition."""
        super().__init__(entry, person, device, key)
        self._window = window
        self._unsub_timer: CALLBACK_TYPE | None = None

    @property
    def _until(self) -> datetime | None:
        """Return when the window ends (None: never seen)."""
        last_seen = self.person.last_seen
        return last_seen + self._window if last_seen is not None else None

    @property
    def within_window(self) -> bool:
        """Return whether the person was recognised within the window."""
        until = self._until
        return until is not None and dt_util.utcnow() < until

    @override
    async def async_added_to_hass(self) -> None:
        """Follow sightings and end the window shown now."""
        await super().async_added_to_hass()
        self.async_on_remove(self._cancel_timer)
        self._schedule_end()

    @override
    @callback
    def _updated(self) -> None:
        self._schedule_end()
        super()._updated()

    @callback
    def _schedule_end(self) -> None:
        self._cancel_timer()
        if self.within_window and (until := self._until) is not None:
            self._unsub_timer = async_track_point_in_utc_time(self.hass, self._window_ended, until)

    @callback
    def _window_ended(self, _: datetime) -> None:
        self._unsub_timer = None
        self.async_write_ha_state()

    @callback
    def _cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None


@callback
def async_add_person_entities(
    hass: HomeAssistant,
    entry: BaiduFaceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[BaiduFaceConfigEntry, Person, DeviceInfo], Iterable[Entity]],
) -> None:
    """Add `make`'s entities for every person now, and for each person who joins later.

    `make` gets the person's device, reached via the app's device (registered
    here first: the platforms set up in any order).
    """
    people = entry.runtime_data.people
    app = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **app_device(hass, entry))

    def entities(person: Person) -> Iterable[Entity]:
        return make(entry, person, person_device(hass, entry, person.uid, person.display_name, app.id))

    async_add_entities(entity for person in people for entity in entities(person))

    @callback
    def added(uid: str) -> None:
        if (person := people.get(uid)) is not None:
            async_add_entities(entities(person))

    entry.async_on_unload(async_dispatcher_connect(hass, signal_person_added(entry.entry_id), added))


def area_name(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return the name of the area an entity is in: its own, else its device's."""
    entity = er.async_get(hass).async_get(entity_id)
    if entity is None:
        return None
    area_id = entity.area_id
    if area_id is None and entity.device_id is not None:
        device = dr.async_get(hass).async_get(entity.device_id)
        area_id = device.area_id if device is not None else None
    area = ar.async_get(hass).async_get_area(area_id) if area_id is not None else None
    return area.name if area is not None else None
