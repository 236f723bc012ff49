"""The people of the face set: who they are, where and when each was last seen.

An entry's people are the users of its default groups (of every group when it
has none, but the visitors' groups: visitors.py), at most `MAX_PEOPLE`. Each has a device with last-seen entities.
Baidu's V3 group lists give uids only, so names (user_info) are learnt for free
from recognitions and from the actions that register people, and kept with the
sightings in a `Store`. The face set is read again at start-up (in the
background) and when asked; the actions and recognitions keep the people up to
date in between without a call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    MAX_PAGE,
    BaiduFaceClient,
    BaiduFaceError,
    BaiduFaceGroupNotFoundError,
    BaiduFaceQuotaExhaustedError,
    BaiduFaceUserNotFoundError,
)
from .const import CONF_GROUPS, DOMAIN
from .scanner import CameraScanner
from .seen import SeenFace
from .visitors import is_visitors_group
from .visits import Visit, VisitListener

_LOGGER = logging.getLogger(__name__)

# Each person costs a device and three entities; a face set of thousands (an
# office's) would swamp Home Assistant. Beyond this, people already known are
# kept first, then the face set's order; the log and diagnostics say so.
MAX_PEOPLE: Final = 100
STORAGE_VERSION: Final = 1
# Seconds between a change (a sighting) and the write to disk: sightings come in bursts.
SAVE_DELAY: Final = 30

# A person's device identifier: the entry's id, then the uid (which may hold any of
# Baidu's uid characters, so it comes last and is split off once).
_PERSON = ":person:"


def person_identifier(entry_id: str, uid: str) -> str:
    """Return the device identifier of the person `uid` of an entry."""
    return f"{entry_id}{_PERSON}{uid}"


def person_uid(entry_id: str, identifier: str) -> str | None:
    """Return the uid a person device identifier names, or None when it is not one of this entry's people."""
    prefix = f"{entry_id}{_PERSON}"
    return identifier.removeprefix(prefix) if identifier.startswith(prefix) else None


def device_person_uid(entry_id: str, identifiers: Iterable[tuple[str, str]]) -> str | None:
    """Return the uid of the person a device (by its identifiers) is, or None when it is not one of this entry's."""
    return next(
        (uid for domain, value in identifiers if domain == DOMAIN and (uid := person_uid(entry_id, value))), None
    )


def signal_person_added(entry_id: str) -> str:
    """Return the dispatcher signal sent with the uid of a person who joined an entry's people."""
    return f"{DOMAIN}_person_added_{entry_id}"


def signal_person_updated(entry_id: str, uid: str) -> str:
    """Return the dispatcher signal sent when a person's name or last sighting changes."""
    return f"{DOMAIN}_person_updated_{entry_id}_{uid}"


@dataclass(slots=True)
class Person:
    """A person of the face set, and their last sighting."""

    uid: str
    name: str  # their user_info when known, else the uid
    groups: tuple[str, ...] = ()
    last_seen: datetime | None = None
    camera: str | None = None  # the camera entity id of the last sighting
    score: float | None = None
    group_id: str | None = None
    # The name of the Home Assistant person whose trackers include this person's
    # (device_tracker.py); kept so that a restart does not flick the device's name back.
    linked_name: str | None = None

    @property
    def display_name(self) -> str:
        """Return the name their device shows: the linked Home Assistant person's, else theirs."""
        return self.linked_name or self.name

    def as_dict(self) -> dict[str, Any]:
        """Return the person as the Store keeps them."""
        return {
            "uid": self.uid,
            "name": self.name,
            "groups": list(self.groups),
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "camera": self.camera,
            "score": self.score,
            "group_id": self.group_id,
            "linked_name": self.linked_name,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Person:
        """Return a person the Store kept."""
        last_seen = data.get("last_seen")
        return cls(
            uid=data["uid"],
            name=data.get("name") or data["uid"],
            groups=tuple(data.get("groups", ())),
            last_seen=dt_util.parse_datetime(last_seen) if last_seen else None,
            camera=data.get("camera"),
            score=data.get("score"),
            group_id=data.get("group_id"),
            linked_name=data.get("linked_name"),
        )


class People:
    """An entry's people: kept in a Store, refreshed from the face set, updated by recognitions and actions."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, client: BaiduFaceClient, stored: Mapping[str, Any] | None
    ) -> None:
        """Take the people saved before (none for a new entry); `client` reads the face set."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._store = _store(hass, entry.entry_id)
        stored = stored or {}
        self._people = {p["uid"]: Person.from_dict(p) for p in stored.get("people", [])}
        # Whether the face set held more people than MAX_PEOPLE at the last refresh.
        self.over_cap: bool = bool(stored.get("over_cap", False))
        self._warned = False
        self._refreshing = asyncio.Lock()

    @classmethod
    async def async_load(cls, hass: HomeAssistant, entry: ConfigEntry, client: BaiduFaceClient) -> People:
        """Load the people an entry knew when it last ran."""
        return cls(hass, entry, client, await _store(hass, entry.entry_id).async_load())

    def get(self, uid: str) -> Person | None:
        """Return a person by uid."""
        return self._people.get(uid)

    def __iter__(self) -> Iterator[Person]:
        """Iterate over the people, in the order they joined."""
        return iter(list(self._people.values()))

    def __len__(self) -> int:
        """Return how many people there are."""
        return len(self._people)

    @property
    def watched_groups(self) -> frozenset[str] | None:
        """Return the groups whose users are the people (None: every group)."""
        groups = self._entry.options.get(CONF_GROUPS)
        return frozenset(groups) if groups else None

    @callback
    def async_start(self, scanners: Iterable[CameraScanner]) -> None:
        """Drop devices of people no longer known, follow the cameras' visits, read the face set in the background."""
        registry = dr.async_get(self._hass)
        for device in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            uid = device_person_uid(self._entry.entry_id, device.identifiers)
            if uid is not None and uid not in self._people:
                registry.async_remove_device(device.id)
        for scanner in scanners:
            self._entry.async_on_unload(scanner.async_add_listener(self._visit_listener(scanner)))
        self._entry.async_create_background_task(
            self._hass, self._async_startup_refresh(), f"baidu_face people {self._entry.entry_id}"
        )

    async def async_stop(self) -> None:
        """Save the people now (an unload must lose no sighting)."""
        await self._store.async_save(self._snapshot())

    async def _async_startup_refresh(self) -> None:
        try:
            await self.async_refresh()
        except BaiduFaceQuotaExhaustedError:
            # A spent budget refuses the calls unsent: the people saved before stand in.
            _LOGGER.debug("Not reading the people of %s at start-up: its quota or budget is spent", self._entry.title)
        except BaiduFaceError as err:
            _LOGGER.warning("Could not read the people of %s: %s", self._entry.title, err)

    async def async_refresh(self) -> int:
        """Re-read who is in the face set (a few calls: one per group page); add and remove devices.

        Return the calls it took: `list_groups` pages when the entry has no
        default groups, then one `list_group_users` page (of 1,000) per group.
        """
        async with self._refreshing:
            members, calls = await self._async_read_face_set()
            # Known people first, so that a full house does not swap them for newcomers.
            ordered = sorted(members, key=lambda uid: uid not in self._people)
            self._set_over_cap(len(ordered) > MAX_PEOPLE, len(ordered))
            kept = set(ordered[:MAX_PEOPLE])
            for uid in [uid for uid in self._people if uid not in kept]:
                self._remove(uid)
            for uid in ordered[:MAX_PEOPLE]:
                groups, user_info = members[uid]
                person = self._people.get(uid)
                if person is None:
                    self._add(Person(uid, user_info or uid, groups))
                    continue
                person.groups = groups
                if user_info:
                    self._rename(person, user_info)
            self._changed()
            return calls

    async def _async_read_face_set(self) -> tuple[dict[str, tuple[tuple[str, ...], str | None]], int]:
        """Return the watched groups' users (their groups, and user_info where the API gives it) and the calls made."""
        client = self._client
        calls = 0
        watched = self.watched_groups
        if watched is None:
            listed: list[str] = []
            while True:
                names = await client.list_groups(len(listed), MAX_PAGE)
                calls += 1
                listed += names
                if len(names) < MAX_PAGE:
                    break
            # The entries' own groups of strangers hold no people.
            groups = [group for group in listed if not is_visitors_group(group)]
        else:
            groups = sorted(watched)
        members: dict[str, tuple[tuple[str, ...], str | None]] = {}
        for group in groups:
            start = 0
            while True:
                try:
                    page = await client.list_group_users(group, start, MAX_PAGE)
                except BaiduFaceGroupNotFoundError:
                    # A default group that nobody was registered in yet: made on first registration.
                    page = []
                calls += 1
                for user in page:
                    joined, user_info = members.get(user.uid, ((), None))
                    members[user.uid] = ((*joined, group), user_info or user.user_info)
                start += len(page)
                if len(page) < MAX_PAGE:
                    break
        return members, calls

    def _set_over_cap(self, over: bool, found: int) -> None:
        self.over_cap = over
        if over and not self._warned:
            self._warned = True
            _LOGGER.warning(
                "The face set of %s holds %d people; only %d get a device and last-seen entities",
                self._entry.title,
                found,
                MAX_PEOPLE,
            )

    @callback
    def async_registered(self, uid: str, groups: tuple[str, ...], user_info: str | None) -> None:
        """Record a person an action registered or updated (no call)."""
        person = self._people.get(uid)
        if person is None:
            watched = self.watched_groups
            if (watched is not None and not watched.intersection(groups)) or not self._room():
                return
            self._add(Person(uid, user_info or uid, groups))
        else:
            person.groups = tuple(dict.fromkeys((*person.groups, *groups)))
            if user_info:
                self._rename(person, user_info)
        self._changed()

    @callback
    def async_deleted(self, uid: str, groups: tuple[str, ...] | None) -> None:
        """Record a person an action deleted from some groups (None: every group) (no call)."""
        person = self._people.get(uid)
        if person is None:
            return
        if groups is not None:
            person.groups = tuple(g for g in person.groups if g not in groups)
        watched = self.watched_groups
        remaining = person.groups if watched is None else watched.intersection(person.groups)
        if groups is None or not remaining:
            self._remove(uid)
        self._changed()

    @callback
    def async_seen(self, uid: str, camera: str, face: SeenFace, when: datetime) -> None:
        """Record that a camera recognised `uid` (a face of a visit); a newcomer joins the people."""
        group_id = face.group_id
        person = self._people.get(uid)
        if person is None:
            watched = self.watched_groups
            if (watched is not None and group_id not in watched) or not self._room():
                return
            person = self._add(Person(uid, uid, (group_id,) if group_id else ()))
        if face.user_info:
            self._rename(person, face.user_info)
        person.last_seen = when
        person.camera = camera
        person.score = face.score
        person.group_id = group_id
        if group_id and group_id not in person.groups:
            person.groups = (*person.groups, group_id)
        async_dispatcher_send(self._hass, signal_person_updated(self._entry.entry_id, uid))
        self._changed()

    @callback
    def async_linked(self, uid: str, name: str | None) -> None:
        """Record the name of the Home Assistant person linked to `uid` (None: no longer linked) (no call)."""
        person = self._people.get(uid)
        if person is None or person.linked_name == name:
            return
        shown = person.display_name
        person.linked_name = name
        self._name_device(person, shown)
        self._changed()

    async def async_delete(self, uid: str) -> None:
        """Take `uid` out of the watched groups of the face set (every group when none is watched).

        What deleting a person's device does (async_remove_config_entry_device):
        without this, the next read of the face set would bring the device back.
        A uid the face set no longer holds counts as deleted.
        """
        person = self._people.get(uid)
        watched = self.watched_groups
        groups = None if watched is None else sorted(watched.intersection(person.groups if person else ()) or watched)
        try:
            await self._client.delete_user(uid, groups)
        except BaiduFaceUserNotFoundError:
            _LOGGER.debug("%s was no longer in the face set of %s", uid, self._entry.title)
        self.async_deleted(uid, tuple(groups) if groups else None)

    def _visit_listener(self, scanner: CameraScanner) -> VisitListener:
        @callback
        def visit_finished(visit: Visit) -> None:
            now = dt_util.utcnow()
            for uid, face in visit.known.items():
                self.async_seen(uid, scanner.settings.camera, face, now)

        return visit_finished

    def _room(self) -> bool:
        """Whether one more person fits under the cap (and say so once when not)."""
        if len(self._people) < MAX_PEOPLE:
            return True
        self._set_over_cap(True, len(self._people) + 1)
        return False

    def _add(self, person: Person) -> Person:
        self._people[person.uid] = person
        async_dispatcher_send(self._hass, signal_person_added(self._entry.entry_id), person.uid)
        return person

    def _rename(self, person: Person, name: str) -> None:
        if person.name == name:
            return
        shown = person.display_name
        person.name = name
        self._name_device(person, shown)

    def _name_device(self, person: Person, shown: str) -> None:
        """Give the person's device the name they show now, when it differs from `shown` (what it showed)."""
        if person.display_name != shown:
            registry = dr.async_get(self._hass)
            device = registry.async_get_device_by_identifier(
                (DOMAIN, person_identifier(self._entry.entry_id, person.uid)), self._entry.entry_id
            )
            if device is not None:
                # A name the user gave the device (name_by_user) still wins.
                registry.async_update_device(device.id, name=person.display_name)
        async_dispatcher_send(self._hass, signal_person_updated(self._entry.entry_id, person.uid))

    def _remove(self, uid: str) -> None:
        """Forget a person; removing their device removes their entities."""
        del self._people[uid]
        registry = dr.async_get(self._hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, person_identifier(self._entry.entry_id, uid)), self._entry.entry_id
        )
        if device is not None:
            registry.async_remove_device(device.id)

    def _changed(self) -> None:
        self._store.async_delay_save(self._snapshot, SAVE_DELAY)

    def _snapshot(self) -> dict[str, Any]:
        return {"people": [person.as_dict() for person in self._people.values()], "over_cap": self.over_cap}

    def diagnostics(self) -> dict[str, Any]:
        """Return how many people there are, and whether the cap left some out (no names, no uids)."""
        return {"count": len(self._people), "max_people": MAX_PEOPLE, "over_cap": self.over_cap}


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the `Store` an entry's people are saved in."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.people.{entry_id}")


async def async_forget_people(hass: HomeAssistant, entry_id: str) -> None:
    """Delete what an entry stored about its people (the entry is being removed)."""
    await _store(hass, entry_id).async_remove()
