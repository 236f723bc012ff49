"""Each person's device tracker, to add to a Home Assistant person (`person.*`).

Home when a camera recognised them within `away_after` minutes (an entry
option, an hour by default), not_home after that. Why that rule: a camera sees
arrivals far better than departures. A face comes towards the door; on the way
out a camera sees a back, so "left" can only ever be "not recognised for a
while". The rule claims no more than that.

How `person.*` combines it with a phone: Home Assistant's person follows a
connection tracker that puts them in a zone (this one while home) first, else
a GPS tracker, else one saying not_home; of each kind, the one updated last.
So while this says home, the person is home, whatever a lagging phone
says: an arrival counts from the door. Once the hour passes, the phone's GPS
decides again; a person with no phone tracker goes not_home. The hour is the
cost: someone who leaves right after being recognised stays home for it.
Shorter with a phone, longer (or indoor cameras) without one.

Linking: the Home Assistant person whose trackers include this tracker lends
the face person's device its name and, until a camera kept a crop of them, its
picture. The tracker shows the person's latest recognised crop (kept_faces.py)
as its picture, on a signed URL (the crops are served to signed-in users only).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, override

from homeassistant.components.device_tracker.const import SourceType
from homeassistant.components.device_tracker.entity import BaseScannerEntity
from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.person.const import DOMAIN as PERSON_DOMAIN
from homeassistant.components.person.const import PersonEntityStateAttribute
from homeassistant.const import ATTR_ENTITY_PICTURE, EVENT_COMPONENT_LOADED, EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback, split_entity_id
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.setup import EventComponentLoaded

from .const import CONF_AWAY_AFTER, DEFAULT_AWAY_AFTER
from .entity import SightingWindowEntity, async_add_person_entities
from .kept_face_view import image_url
from .kept_faces import RECOGNISED, KeptFace
from .people import Person
from .runtime import BaiduFaceConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add each person's tracker (as people join, too)."""
    async_add_person_entities(
        hass, entry, async_add_entities, lambda e, person, device: [PersonTracker(e, person, device)]
    )


class PersonTracker(SightingWindowEntity, BaseScannerEntity):
    """Home for `away_after` minutes after each recognition of a person, then not_home."""

    # Home Assistant has no camera source type. A router is the stationary kind: it
    # sees a device at home or not at all, as a camera sees a face; `person` reads the
    # tracking type (connection) and the zone, not this.
    _attr_source_type = SourceType.ROUTER
    _attr_translation_key = "tracker"
    # Named after the person's device: device_tracker.<name>.
    _attr_name = None

    def __init__(self, entry: BaiduFaceConfigEntry, person: Person, device: DeviceInfo) -> None:
        """Follow `person`'s sightings and kept crops; the window is the entry's option."""
        away_after = timedelta(minutes=entry.options.get(CONF_AWAY_AFTER, DEFAULT_AWAY_AFTER))
        super().__init__(entry, person, device, "tracker", away_after)
        self._linked: State | None = None

    @property
    @override
    def is_connected(self) -> bool:
        """Return whether a camera recognised the person within the window."""
        return self.within_window

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the uid, and the Home Assistant person linked to it (whose trackers include this one)."""
        return {"uid": self._uid, "person_entity_id": self._linked.entity_id if self._linked else None}

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the kept crops and the Home Assistant people, and show the picture and link now."""
        await super().async_added_to_hass()
        self.async_on_remove(self._entry.runtime_data.faces.async_add_listener(self._face_changed))
        bus = self.hass.bus
        self.async_on_remove(bus.async_listen(EVENT_STATE_CHANGED, self._person_changed, event_filter=_is_person))
        # Their states are written before the component counts as set up: look again once it does.
        self.async_on_remove(
            bus.async_listen(EVENT_COMPONENT_LOADED, self._person_changed, event_filter=_is_person_component)
        )
        self._relink()

    @callback
    def _face_changed(self, face: KeptFace) -> None:
        if face.uid == self._uid:
            self._show_picture()
            self.async_write_ha_state()

    @callback
    def _person_changed(self, _: Event[Any]) -> None:
        # Any person's change (their state follows this tracker's, too): write only what changed here.
        shown = self.extra_state_attributes, self._attr_entity_picture
        self._relink()
        if (self.extra_state_attributes, self._attr_entity_picture) != shown:
            self.async_write_ha_state()

    @callback
    def _relink(self) -> None:
        """Find the Home Assistant person whose trackers include this one (the first by entity id)."""
        if PERSON_DOMAIN not in self.hass.config.components:
            # Not set up yet at a start (or not at all): the stored link stands until the people say.
            self._show_picture()
            return
        self._linked = next(
            (
                state
                for state in sorted(self.hass.states.async_all(PERSON_DOMAIN), key=lambda state: state.entity_id)
                if self.entity_id in state.attributes.get(PersonEntityStateAttribute.DEVICE_TRACKERS, ())
            ),
            None,
        )
        # Renames the device (and so the person's entities) when the name changed.
        self._entry.runtime_data.people.async_linked(self._uid, self._linked.name if self._linked else None)
        self._show_picture()

    @callback
    def _show_picture(self) -> None:
        """Show the latest recognised crop, else the linked person's picture, else none."""
        faces = self._entry.runtime_data.faces
        face = faces.latest(RECOGNISED, uid=self._uid)
        if face is None:
            self._attr_entity_picture = self._linked.attributes.get(ATTR_ENTITY_PICTURE) if self._linked else None
            return
        if self._attr_entity_picture is not None and self._attr_entity_picture.startswith(
            image_url(faces.entry_id, face.id)
        ):
            return  # signed already: a new signature would change the state for nothing
        # The crop is dropped within `days`; the signature need not outlive it.
        self._attr_entity_picture = async_sign_path(
            self.hass, image_url(faces.entry_id, face.id), timedelta(days=faces.days), use_content_user=True
        )


@callback
def _is_person(data: EventStateChangedData) -> bool:
    return split_entity_id(data["entity_id"])[0] == PERSON_DOMAIN


@callback
def _is_person_component(data: EventComponentLoaded) -> bool:
    return data["component"] == PERSON_DOMAIN
