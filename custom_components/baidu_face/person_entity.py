"""What every per-person entity shares: its device, its updates, and how it comes and goes with its person."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import app_device, person_device, person_identifier
from .people import Person, signal_person_added, signal_person_updated
from .runtime import BaiduFaceConfigEntry


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
    app = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **app_device(entry))

    def entities(person: Person) -> Iterable[Entity]:
        return make(entry, person, person_device(entry, person.uid, person.name, app.id))

    async_add_entities(entity for person in people for entity in entities(person))

    @callback
    def added(uid: str) -> None:
        if (person := people.get(uid)) is not None:
            async_add_entities(entities(person))

    entry.async_on_unload(async_dispatcher_connect(hass, signal_person_added(entry.entry_id), added))


def camera_name(hass: HomeAssistant, camera: str) -> str:
    """Return a camera entity's friendly name (its entity id when it is gone)."""
    state = hass.states.get(camera)
    return state.name if state is not None else camera


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
